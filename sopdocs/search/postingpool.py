"""Postings of a Whoosh segment being written, grouped per term (the index build).

Whoosh's writer puts every posting, as a ``(field, term, docnum, weight, value)`` tuple,
into an external sort (``whoosh.writing.PostingPool``): each is sized, appended, sorted,
pickled to a run file when 256 MB worth of them are held, merged back one by one with a
heap, then handed one by one to the postings writer. For 10,000 documents of 550 words
(3.8 million postings) that was half the build time. Here postings are appended to
per-term arrays as they come (documents arrive in docnum order, so each list is already
sorted), and written a block at a time with Whoosh's postings writer
(:func:`sopdocs.search.index._write_terms`): the same terms, postings and statistics.

Memory stays bounded: when the held postings pass ``limitmb`` they are written to a run
file (sorted by field and term, one record per term) and the runs are merged per term at
the end, not per posting.
"""

from __future__ import annotations

import heapq
import marshal
import uuid
from array import array
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

__all__ = ["TermPool"]

_TERM_OVERHEAD = 360
"""Rough bytes a term entry costs (dict slot, key, arrays, list)."""
_POSTING_BYTES = 16
"""Rough bytes a posting costs in the arrays (docnum, weight, value reference)."""
_VALUE_OVERHEAD = 33
"""Bytes of a ``bytes`` object besides its content (values not shared)."""

_MAX_OPEN_RUNS = 64
"""Run files read at once; more are merged first, the earliest ones together."""

Record = tuple[str, bytes, bytes, bytes, list[bytes]]
"""One term of a run file: field, term, docnums and weights (array bytes), values."""


class _Postings:
    """The postings of one term: docnums, weights (float32, as Whoosh stores them) and
    the encoded values, in docnum order."""

    __slots__ = ("docs", "values", "weights")

    def __init__(self) -> None:
        self.docs = array("I")
        self.weights = array("f")
        self.values: list[bytes] = []


class TermPool:
    """What a segment writer fills while documents are added and reads when it writes
    the segment: postings per field and term, in docnum order.

    ``add_terms`` is the fast path (a document's terms of one field); ``add`` takes
    Whoosh's posting tuples (documents copied from merged segments), so the pool can
    stand in for Whoosh's ``PostingPool``."""

    def __init__(self, tempstore: Any, limitmb: int = 128) -> None:
        self._tempstore = tempstore
        self._limit = limitmb * 1024 * 1024
        self._size = 0
        self._fields: dict[str, dict[bytes, _Postings]] = {}
        self._runs: list[str] = []
        self._unsorted = False
        self.fieldnames: set[str] = set()

    # ------------------------------------------------------------------ adding

    def _terms(self, fieldname: str) -> dict[bytes, _Postings]:
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add_terms(self, fieldname: str, docnum: int,
                  items: Iterable[tuple[bytes, int, float, bytes]]) -> int:
        """Add the postings of one field of document ``docnum`` (``items`` as Whoosh's
        ``field.index`` yields them); return the sum of their frequencies."""
        terms = self._terms(fieldname)
        length = 0
        size = 0
        for tbytes, freq, weight, vbytes in items:
            entry = terms.get(tbytes)
            if entry is None:
                entry = terms[tbytes] = _Postings()
                size += _TERM_OVERHEAD + len(tbytes)
            entry.docs.append(docnum)
            entry.weights.append(weight)
            entry.values.append(vbytes)
            length += freq
            size += _POSTING_BYTES if freq == 1 else _POSTING_BYTES + _VALUE_OVERHEAD + len(vbytes)
        self._grow(size)
        return length

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting ``(fieldname, tbytes, docnum, weight, vbytes)`` (Whoosh's pool)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self._terms(fieldname)
        entry = terms.get(tbytes)
        size = _POSTING_BYTES + _VALUE_OVERHEAD + len(vbytes or b"")
        if entry is None:
            entry = terms[tbytes] = _Postings()
            size += _TERM_OVERHEAD + len(tbytes)
        elif entry.docs[-1] >= docnum:
            self._unsorted = True
        entry.docs.append(docnum)
        entry.weights.append(weight)
        entry.values.append(vbytes or b"")
        self._grow(size)

    def _grow(self, size: int) -> None:
        self._size += size
        if self._size > self._limit:
            self._save_run()

    # ------------------------------------------------------------------ runs

    def _records(self) -> Iterator[Record]:
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for tbytes in sorted(terms):
                entry = terms[tbytes]
                yield (fieldname, tbytes, entry.docs.tobytes(), entry.weights.tobytes(),
                       entry.values)

    def _save_run(self) -> None:
        if not self._fields:
            return
        self._runs.append(self._write_run(self._records()))
        self._fields = {}
        self._size = 0

    def _write_run(self, records: Iterable[Record]) -> str:
        name = f"{uuid.uuid4().hex}.run"
        f: BinaryIO = self._tempstore.create_file(name).raw_file()
        try:
            for record in records:
                marshal.dump(record, f)
        finally:
            f.close()
        return name

    def _read_run(self, name: str) -> Iterator[Record]:
        f: BinaryIO = self._tempstore.open_file(name).raw_file()
        try:
            while True:
                try:
                    record = marshal.load(f)
                except EOFError:
                    return
                yield record
        finally:
            f.close()

    def _merge(self, names: list[str]) -> Iterator[tuple[str, bytes, array[int], array[float],
                                                         list[bytes]]]:
        """The terms of the runs ``names`` (in docnum order: earlier runs first)."""
        runs = [self._read_run(name) for name in names]
        current: tuple[str, bytes] | None = None
        docs, weights = array("I"), array("f")
        values: list[bytes] = []
        # heapq.merge is stable: a term's postings come run by run, in docnum order.
        for fieldname, tbytes, dbytes, wbytes, vals in heapq.merge(
                *runs, key=lambda r: (r[0], r[1])):
            if (fieldname, tbytes) != current:
                if current is not None:
                    yield (*current, docs, weights, values)
                current = (fieldname, tbytes)
                docs, weights, values = array("I"), array("f"), []
            docs.frombytes(dbytes)
            weights.frombytes(wbytes)
            values.extend(vals)
        if current is not None:
            yield (*current, docs, weights, values)

    # ------------------------------------------------------------------ reading

    def iter_terms(self) -> Iterator[tuple[str, bytes, array[int], array[float], list[bytes]]]:
        """Every term, sorted by field then term, with its postings in docnum order."""
        if not self._runs:
            yield from self._records_live()
            return
        self._save_run()
        while len(self._runs) > _MAX_OPEN_RUNS:  # merge the earliest runs into one
            group, rest = self._runs[:_MAX_OPEN_RUNS], self._runs[_MAX_OPEN_RUNS:]
            merged = self._write_run((f, t, d.tobytes(), w.tobytes(), v)
                                     for f, t, d, w, v in self._merge(group))
            self._runs = [merged, *rest]
            self._remove(group)
        for fieldname, tbytes, docs, weights, values in self._merge(self._runs):
            yield (fieldname, tbytes, *self._ordered(docs, weights, values))

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        """Every posting as Whoosh's pool gives them, ``(fieldname, tbytes, docnum,
        weight, vbytes)`` sorted (for Whoosh code that asks the pool for them)."""
        for fieldname, tbytes, docs, weights, values in self.iter_terms():
            for docnum, weight, vbytes in zip(docs, weights, values):
                yield fieldname, tbytes, docnum, weight, vbytes

    def _records_live(self) -> Iterator[tuple[str, bytes, array[int], array[float], list[bytes]]]:
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for tbytes in sorted(terms):
                entry = terms[tbytes]
                yield (fieldname, tbytes,
                       *self._ordered(entry.docs, entry.weights, entry.values))

    def _ordered(self, docs: array[int], weights: array[float], values: list[bytes]
                 ) -> tuple[array[int], array[float], list[bytes]]:
        """The postings sorted by docnum (they already are, unless merged segments were
        added out of order)."""
        if not self._unsorted or all(a < b for a, b in zip(docs, docs[1:])):
            return docs, weights, values
        order = sorted(range(len(docs)), key=docs.__getitem__)
        return (array("I", [docs[i] for i in order]), array("f", [weights[i] for i in order]),
                [values[i] for i in order])

    def _remove(self, names: list[str]) -> None:
        for name in names:
            try:
                self._tempstore.delete_file(name)
            except OSError:
                pass

    def cleanup(self) -> None:
        self._remove(self._runs)
        self._runs = []
        self._fields = {}
