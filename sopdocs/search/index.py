"""The search index of sopdocs: the Whoosh engine and its query parser.

The engine-neutral part (the interface, records, errors, bounds, snippets, spelling
suggestions) is in :mod:`sopdocs.search.base` and re-exported here, so existing imports
keep working. Everything else talks to :class:`SearchIndex` (add/update, delete, search, rebuild,
counts, check), opened with :func:`sopdocs.search.open_index`, which picks
:class:`WhooshIndex` (the default) or :class:`sopdocs.search.tantivyindex.TantivyIndex`
from the archive's settings. :class:`QueryBuilder` (Whoosh's parser with the rules and
bounds below) defines the query language; the tantivy engine parses it without Whoosh
(:mod:`sopdocs.search.querylang`, tested against this parser). Both analyse text the same
way (:mod:`sopdocs.search.textanalysis`, :mod:`sopdocs.search.analysis`).

Layout on disk, for an index folder ``<dir>/index``::

    <dir>/index/              the live Whoosh index (+ sopdocs-build.json marker,
                              sopdocs-files.json: the sizes of the segment files,
                              stems.sqlite: the stems of its words)
    <dir>/index.lock          lock file held by every sopdocs writer
    <dir>/index.new-<id>/     a rebuild in progress (swapped in when complete)
    <dir>/index.old-<id>/     the previous index during a swap (deleted afterwards)

Design notes:

* The index is always opened with the code's own :data:`SCHEMA`; the schema pickled in
  the index is only compared with it. A difference means "needs rebuild".
* Writers take ``index.lock`` (an OS file lock, released if the process dies; Whoosh's
  ``FileLock`` uses fcntl on POSIX and msvcrt on Windows) and wait for it with backoff
  instead of failing. The lock lives outside the index folder so a rebuild can rename
  the folder while holding it (Windows refuses to rename a folder with open files).
* ``rebuild`` builds into ``index.new-<id>`` and swaps it in with two renames; until
  the marker file is written the old index stays live, so a crash mid-rebuild loses
  nothing. An interrupted swap is completed (or undone) the next time the index opens.
* Segments are written as separate files (``compound=False``): a search opens and maps
  only what it reads (issue 16 measured a cold search at 10,000 documents at 352 ms and
  57 MB instead of 539 ms and 235 MB). ``check`` compares them with the sizes recorded at
  commit, as Whoosh reads some of them lazily and takes a missing column for an empty one.
* Indexing analyses text with :func:`analysis.text_postings` / ``index_terms``
  (:class:`FastText`), the same terms and positions as the analyzers without their
  per-token objects; :class:`_SegmentWriter` gathers postings per term in memory
  (:mod:`sopdocs.search.postingpool`, run files past ``limitmb``) instead of Whoosh's
  external sort of every posting, writes them a block at a time (pickle protocol 4,
  blocks of few postings uncompressed), and reads field lengths once per field (issue
  14: 10,000 documents in 23 s instead of 71 s, an index of 57 MB instead of 84 MB,
  searches a little faster; bench/index_build.py).
* Full text is stored zlib-compressed, for snippets only; snippets are made here
  (``make_snippet``), not by Whoosh's highlighter, which re-analyses the whole text of
  every hit.
* Searching does not use Whoosh's collectors: they score one document at a time in
  Python, and totals plus counts per kind/year need every match. ``_Evaluator`` reads
  posting lists a block at a time (with an LRU cache of decoded blocks) and computes
  the same BM25F scores in bulk; see its docstring.
* Queries are bounded (constants below, each with an Indonesian message): the length
  of the query, its clauses and parentheses are checked before parsing; wildcards need
  a literal prefix; a user's fuzzy distance is clamped; a wildcard, prefix, range or
  fuzzy word expands to at most ``MAX_EXPANSION_TERMS`` words, enumeration stopping
  there (``_Evaluator.expand``); and the evaluator checks a deadline between posting
  blocks, so one search takes about ``QUERY_TIME_BUDGET_SECONDS`` at most. A refused
  query raises :class:`SearchError` (exit code 2); a limited one returns results with
  a ``notice``.
* Whoosh 2.7.5 quirks worked around here: ``Query.existing_terms`` skips all but one
  field, ``Searcher.refresh`` misses deletions in reused segments, and
  ``spelling=True`` fields make the writer stat a file for every posting.
"""

from __future__ import annotations

import copy
import datetime as dt
import heapq
import json
import math
import os
import pickle
import re
import shutil
import struct
import threading
import uuid
import zlib
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import accumulate
from pathlib import Path
from typing import Any

from whoosh import columns, fields, formats, index, qparser, query
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3LeafMatcher, _lenfield
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import FileFormatError
from whoosh.index import EmptyIndexError, IndexVersionError, LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.writing import SegmentWriter
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from sopdocs.search.analysis import (
    NIP_PATTERN,
    STOP_WORDS,
    index_terms,
    indonesian_analyzer,
    known_stems,
    stem_tag,
    take_new_stems,
    text_postings,
    use_stems,
    normalize_nip,
    people_analyzer,
    stem,
    words_analyzer,
)
from sopdocs.errors import DateError, Problem, SopdocsError, ValidationError
from sopdocs.search.postingpool import TermPool
from sopdocs.search.base import (  # noqa: F401 - re-exported: the engine-neutral part
    BUILD_MARKER,
    write_marker,
    expansion_message,
    _Budget,
    _check_date_syntax,
    _check_query_shape,
    _clamp_fuzzy_distances,
    _COMPOUND_JOINERS,
    _CONTROL_RE,
    _CORRECTABLE_RE,
    _DANGLING_OP_RE,
    _DATE_EXPR_RE,
    _date_to_datetime,
    _DATE_VALUE_RE,
    _Engine,
    _FIELD_EXPR_RE,
    _file_lock,
    _FolderLock,
    _FUZZY_DISTANCE_RE,
    _literal_prefix,
    _match_spans,
    _NIP_RE,
    _no_check,
    _note,
    _NUMBER_RE,
    _OPERATORS,
    _parse_date_value,
    _probe_pattern,
    _rename_retry,
    _SNIPPET_STEM_TERMS,
    _SPACE_RE,
    _suggest,
    _too_broad,
    _WILDCARD_CHARS,
    check_search_args,
    correct_query,
    FUZZY_PREFIX,
    IndexCounts,
    IndexedDocument,
    IndexHealth,
    IndexLockedError,
    IndexNeedsRebuildError,
    keep_stems,
    make_snippet,
    MAX_CLAUSES,
    MAX_EXPANSION_TERMS,
    MAX_FUZZY_DISTANCE,
    MAX_FUZZY_WORD_CHARS,
    MAX_NESTING,
    MAX_OFFSET,
    MAX_QUERY_CHARS,
    MIN_WILDCARD_PREFIX,
    QUERY_TIME_BUDGET_SECONDS,
    QueryTimeoutError,
    SearchError,
    SearchHit,
    SearchIndex,
    SearchResults,
    SortOrder,
)

__all__ = [
    "FUZZY_PREFIX",
    "MAX_CLAUSES",
    "MAX_EXPANSION_TERMS",
    "MAX_FUZZY_DISTANCE",
    "MAX_FUZZY_WORD_CHARS",
    "MAX_NESTING",
    "MAX_QUERY_CHARS",
    "MIN_WILDCARD_PREFIX",
    "QUERY_TIME_BUDGET_SECONDS",
    "IndexCounts",
    "IndexHealth",
    "IndexLockedError",
    "IndexNeedsRebuildError",
    "IndexedDocument",
    "QueryTimeoutError",
    "SCHEMA",
    "SearchError",
    "SearchHit",
    "SearchIndex",
    "SearchResults",
    "SortOrder",
    "WhooshIndex",
    "check_search_args",
    "QueryBuilder",
    "correct_query",
    "make_snippet",
]

# ---------------------------------------------------------------------------- writing


class _CachedLengths:
    """The per-document reader of a segment being written, with field lengths read once
    per field into a list (:func:`_write_terms` needs the length of every posting's
    document; Whoosh's ``add_postings`` looked it up in the column file, seek, read and
    decode, once per posting: a fifth of the build time)."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._lengths: dict[str, list[int]] = {}
        self._table = [byte_to_length(i) for i in range(256)]

    def field_lengths(self, fieldname: str) -> list[int]:
        """The length of ``fieldname`` in every document of the segment ([] if the
        field keeps no lengths)."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            col = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if col is None:
                lengths = []
            else:
                table = self._table
                lengths = [table[b] if isinstance(b, int) else byte_to_length(b) for b in col]
            self._lengths[fieldname] = lengths
        return lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self.field_lengths(fieldname)
        if docnum < len(lengths):
            return lengths[docnum] or default
        return default

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


_MALLOC_PROBE_BYTES = 8 * 1024 * 1024
_malloc_probed: list[bool] = []


def _keep_freed_memory() -> None:
    """Allocate and free 8 MB once, so that glibc's malloc keeps the memory a writer
    frees instead of returning it to the system at once and faulting it in again.

    glibc serves an allocation of more than 128 KB with its own ``mmap`` and, when it is
    freed, raises its thresholds to that size: allocations up to 8 MB then come from the
    heap, and up to 16 MB freed at its top stay there. Without it every
    ``zlib.compress`` (which allocates and frees about 256 KB of tables: one per
    posting block) took 70 us instead of 10 us, page faults being dear on a virtual
    machine. Elsewhere this is a harmless 8 MB allocation (once per process)."""
    if not _malloc_probed:
        bytearray(_MALLOC_PROBE_BYTES)  # allocated and freed at once
        _malloc_probed.append(True)


class _SegmentWriter(SegmentWriter):
    """Whoosh's writer, writing segments as separate files (``compound=False``: a
    search then opens and maps only the files it reads; a cold search at 10,000
    documents took 352 ms and 57 MB instead of 539 ms and 235 MB), with postings
    grouped per term as they come (:class:`~sopdocs.search.postingpool.TermPool`
    instead of Whoosh's external sort of every posting) and written a block at a time
    (:func:`_write_terms`), with field lengths read once per field
    (:class:`_CachedLengths`). Whoosh reads the files as its own: the same terms,
    postings and statistics (blocks pickled with protocol 4, small ones uncompressed)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compound", False)
        _keep_freed_memory()
        super().__init__(ix, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb=kwargs.get("limitmb", 128))
        self._plain = not any(f.vector or f.separate_spelling() for _, f in self.schema.items())

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``add_document`` for fields without vectors, spelling words or
        boosts (the others take Whoosh's own path), handing each field's terms to the
        pool at once instead of one tuple per posting."""
        if not self._plain or any(name.startswith("_") for name in fields):
            super().add_document(**fields)
            return
        self._check_state()
        schema = self.schema
        names = sorted(fields)
        self._check_fields(schema, names)
        docnum = self.docnum
        pdw = self.perdocwriter
        add_terms = self.pool.add_terms
        pdw.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                fieldobj = schema[name]
                length = 0
                if fieldobj.indexed:
                    freq = add_terms(name, docnum, fieldobj.index(value))
                    if fieldobj.scorable:
                        length = freq
                pdw.add_field(name, fieldobj, value if fieldobj.stored else None, length)
                column = fieldobj.column_type
                if column:
                    pdw.add_column_value(name, column, fieldobj.to_column_value(value))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = _CachedLengths(pdr) if pdr is not None else None
        _write_terms(self.fieldwriter, self.schema, lengths, self.docnum, self.pool.iter_terms())
        self.fieldwriter.close()
        if pdr:
            pdr.close()


_COMPRESS_MIN_POSTINGS = 8
"""Posting blocks with fewer postings are written uncompressed (Whoosh compresses every
block; each block says whether it is, and readers follow). Two blocks in three hold
fewer than 8 postings (dates, numbers, names, rare words), zlib made them no smaller
(its header and checksum outweigh what it saves), and each ``zlib.compress`` call has a
fixed cost (it sets up 256 KB of tables)."""


_BLOCK_PICKLE_PROTOCOL = 4
"""Pickle protocol of a posting block's data. Whoosh writes protocol 2, where every
``bytes`` value (a posting's positions) becomes a call of ``codecs.encode``: on a block
of 128 postings protocol 4 pickled 10 times faster, compressed 2.5 times faster and
smaller (830 bytes instead of 1,930), and loads 6 times faster when a search reads it.
Whoosh's reader takes any protocol (``pickle.loads``)."""


def _write_block(pw: Any, last: bool = False) -> None:
    """``W3PostingsWriter._write_block`` with the block data pickled with
    :data:`_BLOCK_PICKLE_PROTOCOL`; the block info, layout and statistics are Whoosh's."""
    postfile = pw._postfile
    if not pw._blockcount:
        postfile.write(WHOOSH3_HEADER_MAGIC)
    pw._terminfo.add_block(pw)
    databytes = pickle.dumps((pw._mini_ids(), pw._mini_weights(), pw._mini_values()),
                             _BLOCK_PICKLE_PROTOCOL)
    comp = pw._compression
    if comp:
        databytes = zlib.compress(databytes, comp)
    ids = pw._ids
    infobytes = pickle.dumps((len(ids), ids[-1], pw._maxweight, comp,
                              length_to_byte(pw._minlength), length_to_byte(pw._maxlength)), 2)
    blocklength = len(infobytes) + len(databytes)
    postfile.write_int(-blocklength if last else blocklength)
    postfile.write(infobytes)
    postfile.write(databytes)
    pw._blockcount += 1
    pw._new_block()


def _write_terms(fw: Any, schema: fields.Schema, lengths: _CachedLengths | None, doccount: int,
                 terms: Iterable[tuple[str, bytes, Any, Any, list[bytes]]]) -> None:
    """Write the posting lists of ``terms`` (sorted by field and term) with Whoosh's
    field writer: what ``FieldWriter.add_postings`` does one posting at a time, filled a
    block at a time into the same postings writer (same block statistics, same
    encoding; blocks of fewer than :data:`_COMPRESS_MIN_POSTINGS` uncompressed)."""
    lastfield: str | None = None
    pw: Any = None
    level: int | None = None
    flens: list[int] = []
    limit = 0
    for fieldname, tbytes, docs, weights, values in terms:
        if fieldname != lastfield:
            if lastfield is not None:
                fw.finish_field()
            fw.start_field(fieldname, schema[fieldname])
            pw = fw._postwriter  # its last block is written by finish_term: ours too
            pw._write_block = lambda last=False, pw=pw: _write_block(pw, last)
            lastfield = fieldname
            flens = lengths.field_lengths(fieldname) if lengths is not None else []
            if flens and len(flens) < doccount:
                flens = flens + [0] * (doccount - len(flens))
        fw.start_term(tbytes)
        pw = fw._postwriter
        limit = pw._blocklimit
        if level is None:
            level = pw._compression
        n = len(docs)
        for start in range(0, n, limit):
            end = start + limit
            ids = docs[start:end]
            block_weights = weights[start:end]
            vals = values[start:end]
            pw._ids = ids
            pw._weights = block_weights
            pw._values = vals if all(vals) else [v for v in vals if v]
            top = max(block_weights)
            pw._maxweight = top if top > 0 else 0
            found = [flens[d] for d in ids if flens[d]] if flens else []
            pw._minlength = min(found) if found else None
            pw._maxlength = max(found) if found else 0
            pw._compression = level if len(ids) >= _COMPRESS_MIN_POSTINGS else 0
            if end < n:
                _write_block(pw)
        fw.finish_term()  # writes the last block (with _write_block)
    if lastfield is not None:
        fw.finish_field()


# ---------------------------------------------------------------------------- schema


class JoinedText(str):
    """A field value made of several texts joined by newlines (the ``words`` field:
    title and text) that :class:`FastText` analyses part by part: no token spans a
    newline, so the terms of the whole are the terms of the parts, and the document's
    text was just analysed for its ``text`` field (:func:`text_postings` remembers it)."""

    parts: tuple[str, ...]

    def __new__(cls, *parts: str) -> JoinedText:
        joined = super().__new__(cls, "\n".join(parts))
        joined.parts = parts
        return joined


_ONE_POSITION: dict[int, bytes] = {}
"""``formats.Positions().encode([pos])`` by ``pos``: three postings in four hold a
single position (shared objects: the pool holds a reference, not a copy)."""
_FREQUENCY: dict[int, bytes] = {}
"""``formats.Frequency().encode(freq)`` (``pack_uint``) by ``freq``."""
_ENCODING_CACHE_LIMIT = 65_536
"""Positions and frequencies whose encoding is kept (a longer text encodes the rest)."""


def _one_position(pos: int, encode: Callable[[list[int]], bytes]) -> bytes:
    found = _ONE_POSITION.get(pos)
    if found is None:
        found = encode([pos])
        if pos < _ENCODING_CACHE_LIMIT:
            _ONE_POSITION[pos] = found
    return found


def _frequency(freq: int) -> bytes:
    found = _FREQUENCY.get(freq)
    if found is None:
        found = pack_uint(freq)
        if freq < _ENCODING_CACHE_LIMIT:
            _FREQUENCY[freq] = found
    return found


class FastText(fields.TEXT):
    """A TEXT field that indexes a plain string (or a :class:`JoinedText`) with
    :func:`analysis.text_postings` / :func:`analysis.index_terms` (the same terms and
    positions as its analyzer, several times faster); anything else (a query, a
    highlighter, odd keyword arguments) goes through the analyzer."""

    def __init__(self, terms: str, analyzer: Any, **kwargs: Any) -> None:
        super().__init__(analyzer=analyzer, **kwargs)
        self.terms = terms

    def index(self, value: Any, **kwargs: Any) -> Iterable[tuple[bytes, int, float, bytes]]:
        if (type(value) is not str and type(value) is not JoinedText) or any(
                k != "mode" or v != "index" for k, v in kwargs.items()):
            return super().index(value, **kwargs)
        fb = self.format.field_boost
        parts = value.parts if type(value) is JoinedText else (value,)
        if type(self.format) is formats.Frequency:
            if self.terms == "words":
                freqs: dict[str, int] = {}
                for part in parts:
                    for term, n in text_postings(part)[1].items():
                        freqs[term] = freqs.get(term, 0) + n
            else:
                freqs = Counter(t for t, _ in index_terms(value, self.terms))
            return [(term.encode("utf-8"), n, n * fb, _frequency(n)) for term, n in freqs.items()]
        if self.terms == "text" and len(parts) == 1:
            poses = text_postings(value)[0]
        else:
            poses = {}
            for term, pos in index_terms(value, self.terms):  # main tokens, then parts
                if term in poses:
                    poses[term].append(pos)
                else:
                    poses[term] = [pos]
            for poslist in poses.values():
                if len(poslist) > 1 and any(a > b for a, b in zip(poslist, poslist[1:])):
                    poslist.sort()  # a word that is also a part of an earlier compound
        encode = self.format.encode
        if type(self.format) is not formats.Positions:
            return [(term.encode("utf-8"), len(poslist), len(poslist) * fb, encode(poslist))
                    for term, poslist in poses.items()]
        one = _ONE_POSITION.get
        return [(term.encode("utf-8"), 1, fb, one(poslist[0]) or _one_position(poslist[0], encode))
                if len(poslist) == 1 else
                (term.encode("utf-8"), len(poslist), len(poslist) * fb, encode(poslist))
                for term, poslist in poses.items()]


def build_schema() -> fields.Schema:
    return fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        number=fields.ID(stored=True),
        kind=fields.ID(stored=True, sortable=True),
        classification=fields.ID(stored=True),
        case_id=fields.ID(stored=True),
        office=fields.ID(stored=True),
        title=FastText("text", indonesian_analyzer(), stored=True, field_boost=2.0),
        date=fields.DATETIME(stored=True, sortable=True),
        year=fields.ID(sortable=True),
        people=FastText("people", people_analyzer(), field_boost=1.5),
        text=FastText("text", indonesian_analyzer()),
        # Inflected words of title and text as written, for spelling suggestions (the
        # stems in "text" are the other real words). Not Whoosh's spelling=True: its
        # writer stats a file for every spelling posting (a third slower indexing).
        words=FastText("words", words_analyzer(), phrase=False),
        text_z=fields.STORED(),
        path=fields.STORED(),
    )


SCHEMA = build_schema()
SCHEMA_VERSION = 2
_INDEX_NAME = "MAIN"
_MARKER = BUILD_MARKER
_SEARCH_FIELDS = ["title", "text", "people"]
_FIELD_ALIASES = {
    "kind": ["jenis"],
    "date": ["tanggal"],
    "number": ["nomor"],
    "title": ["judul"],
    "people": ["orang", "nama", "nip"],
    "classification": ["klasifikasi"],
    "case_id": ["perkara", "kasus"],
    "office": ["instansi"],
}
# What reading a truncated, deleted or overwritten Whoosh file raises.
_DAMAGE_ERRORS: tuple[type[BaseException], ...] = (
    OSError, EOFError, struct.error, pickle.UnpicklingError, zlib.error,
    EmptyIndexError, IndexVersionError, index.IndexError, FileFormatError,
)


def schema_fingerprint(schema: fields.Schema) -> list[tuple[Any, ...]]:
    """A comparable description of a schema: names, types, options and analyzers."""
    out: list[tuple[Any, ...]] = []
    for name, f in sorted(schema.items()):
        analyzer = getattr(f, "analyzer", None)
        out.append((
            name, type(f).__name__, bool(f.stored), bool(getattr(f, "unique", False)),
            bool(getattr(f, "scorable", False)), type(getattr(f, "format", None)).__name__,
            type(getattr(f, "column_type", None)).__name__, bool(getattr(f, "spelling", False)),
            getattr(f, "field_boost", 1.0), repr(analyzer) if analyzer is not None else "",
        ))
    out.append(("__version__", SCHEMA_VERSION))
    return out


# ----------------------------------------------------------------------- query syntax

def _bound_query(q: query.Query, notices: list[str]) -> query.Query:
    """Refuse wildcards without a literal prefix; clamp fuzzy words."""
    def visit(node: query.Query) -> query.Query:
        if isinstance(node, query.Every) and node.fieldname:
            raise _too_broad(f"{node.fieldname}:*")  # every word of a field, e.g. text:*
        if isinstance(node, query.Prefix):
            if len(node.text) < MIN_WILDCARD_PREFIX:
                raise _too_broad(f"{node.text}*")
            return node
        if isinstance(node, query.PatternQuery):  # Wildcard (and Regex, not parsed)
            if len(_literal_prefix(node.text)) < MIN_WILDCARD_PREFIX:
                raise _too_broad(node.text)
            return node
        if isinstance(node, query.FuzzyTerm):
            if len(node.text) > MAX_FUZZY_WORD_CHARS:
                _note(notices, f"{node.text[:40] + '…~'!r}: kata lebih dari {MAX_FUZZY_WORD_CHARS} "
                               "huruf dicari persis, tanpa ejaan mirip")
                return query.Term(node.fieldname, node.text, boost=node.boost)
            if node.maxdist > MAX_FUZZY_DISTANCE or node.prefixlength < FUZZY_PREFIX:
                if node.maxdist > MAX_FUZZY_DISTANCE:
                    _note(notices, f"{node.text + '~' + format(node.maxdist, 'g')!r}: jarak "
                                   f"ejaan diturunkan menjadi {MAX_FUZZY_DISTANCE}")
                node = copy.copy(node)
                node.maxdist = min(node.maxdist, MAX_FUZZY_DISTANCE)
                node.prefixlength = max(node.prefixlength, FUZZY_PREFIX)
            return node
        return node.apply(visit)

    return visit(q)


# ----------------------------------------------------------------------------- Whoosh


class WhooshIndex(_Engine):
    """Search index in ``folder`` (created if missing).

    Query language (words are ANDed; case does not matter; inflections match):

    * ``pengumpulan data``: both words (stemmed: "dikumpulkan" finds "pengumpulan");
    * ``"pengumpulan data lapangan"``: a phrase (stop words inside are ignored);
    * ``kind:surat-tugas`` (alias ``jenis:``), ``classification:``, ``case_id:``;
    * ``date:2024``, ``date:202401``, ``date:[20240101 TO 20240131]`` (alias ``tanggal:``);
    * a document number as printed, ``800.1.11.1/015/DTK/2024``;
    * a NIP with or without spaces; ``OR``, ``NOT``, ``(...)``, ``word*``, ``word~``.

    A bad date raises :class:`DateError`; other syntax that cannot be parsed is searched
    as plain words. Bounds (module constants): a query too long, with too many clauses
    or parentheses nested too deep, or a wildcard with fewer than
    :data:`MIN_WILDCARD_PREFIX` letters before ``*``/``?`` (``*a*``, ``**``, ``text:*``),
    raises :class:`SearchError`; ``word~N`` with N above :data:`MAX_FUZZY_DISTANCE` is
    searched with that distance, and a wildcard/prefix/range/fuzzy word that stands for
    more than :data:`MAX_EXPANSION_TERMS` indexed words with only the first ones: both
    say so in ``SearchResults.notice``. A search that runs out of its time budget raises
    :class:`QueryTimeoutError`.
    """

    def __init__(self, folder: Path, *, lock_timeout: float = 30.0,
                 cache_postings: int = 250_000,
                 time_budget: float | None = QUERY_TIME_BUDGET_SECONDS) -> None:
        """``lock_timeout``: seconds a writer waits for another writer before
        :class:`IndexLockedError`. ``cache_postings``: decoded postings kept in memory
        between searches (0 disables; 250,000 is about 25 MB and cut the median search
        time at 10,000 documents by a quarter). ``time_budget``: seconds one search may
        take (None: no limit); see :data:`QUERY_TIME_BUDGET_SECONDS`."""
        self.folder = Path(folder)
        self.time_budget = time_budget
        self._block_cache = _BlockCache(cache_postings)
        self.lock_timeout = lock_timeout
        self._lock = _FolderLock(self.folder.with_name(self.folder.name + ".lock"), lock_timeout)
        self._ix: index.Index | None = None
        self._searcher: Any = None
        self._evaluator: _Evaluator | None = None
        self._marker_stamp: tuple[int, int] | None = None
        self._problem: str | None = None
        self._mutex = threading.RLock()
        self._queries = QueryBuilder()
        use_stems(self.folder, bulk=False)
        self._open()

    # ------------------------------------------------------------------ opening

    def _open(self) -> None:
        """(Re)open the live index, recovering an interrupted swap or creating it."""
        with self._mutex:
            self._close_searcher()
            self._ix = None
            self._problem = None
            self._recover()
            if not self._has_index_files(self.folder) and (self.folder / "meta.json").exists():
                self._problem = "indeks dibuat oleh mesin lain (tantivy); bangun ulang untuk whoosh"
                return
            if not self._has_index_files(self.folder):
                with self._lock.hold():
                    if not self._has_index_files(self.folder):
                        self._create_empty(self.folder)
            problem = self._inspect(self.folder)
            if problem:
                self._problem = problem
                return
            self._ix = index.open_dir(str(self.folder), indexname=_INDEX_NAME, schema=SCHEMA)
            self._marker_stamp = self._stamp()

    @staticmethod
    def _has_index_files(folder: Path) -> bool:
        """True if the folder holds anything of an index (even a damaged one)."""
        if not folder.is_dir():
            return False
        return any(p.name.startswith((_INDEX_NAME + "_", "_" + _INDEX_NAME + "_"))
                   for p in folder.iterdir())

    @staticmethod
    def _create_empty(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        index.create_in(str(folder), SCHEMA, indexname=_INDEX_NAME)
        _write_marker(folder)

    def _inspect(self, folder: Path) -> str | None:
        """Return why the index in ``folder`` cannot be used, or None."""
        try:
            toc = index.TOC.read(FileStorage(str(folder)), _INDEX_NAME)
        except EmptyIndexError:
            return "daftar isi indeks (_MAIN_*.toc) tidak ada"
        except Exception as exc:  # unpickling a foreign/damaged TOC can raise anything
            return f"daftar isi indeks tidak terbaca ({type(exc).__name__}: {exc})"
        if schema_fingerprint(toc.schema) != schema_fingerprint(SCHEMA):
            return "skema indeks berbeda dengan versi sopdocs ini"
        damaged = _damaged_files(folder, toc)
        if damaged:  # maybe a writer replaced segments meanwhile: look again
            try:
                damaged = _damaged_files(folder, index.TOC.read(FileStorage(str(folder)), _INDEX_NAME))
            except Exception:  # noqa: BLE001 - reported below as damage
                pass
        if damaged:
            return f"berkas segmen rusak atau hilang ({damaged})"
        try:
            ix = index.open_dir(str(folder), indexname=_INDEX_NAME, schema=SCHEMA)
            reader = ix.reader()
            try:
                reader.doc_count()
            finally:
                reader.close()
        except Exception as exc:  # whatever garbage in a segment file makes Whoosh raise
            return f"berkas segmen rusak atau hilang ({type(exc).__name__}: {exc})"
        return None

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.folder / _MARKER).stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _require(self) -> index.Index:
        if self._problem is not None or self._ix is None:
            raise IndexNeedsRebuildError(
                f"{self.folder}: indeks perlu dibangun ulang ({self._problem}); "
                "jalankan rebuild"
            )
        return self._ix

    def _close_searcher(self) -> None:
        self._evaluator = None
        if self._searcher is not None:
            try:
                self._searcher.close()
            except Exception:  # closing a searcher over damaged files must not mask errors
                pass
            self._searcher = None

    def close(self) -> None:
        with self._mutex:
            self._close_searcher()
            self._ix = None

    def _get_searcher(self) -> Any:
        """The cached searcher, refreshed if the index changed (commit or rebuild)."""
        with self._mutex:
            if self._stamp() != self._marker_stamp:
                self._open()  # another process swapped a rebuilt index in
            ix = self._require()
            try:
                if self._searcher is not None and not self._searcher.up_to_date():
                    # Not Searcher.refresh(): it reuses segment readers and so misses
                    # documents deleted from an existing segment (Whoosh 2.7.5).
                    self._close_searcher()
                if self._searcher is None:
                    self._searcher = ix.searcher()
                if self._evaluator is None or self._evaluator.searcher is not self._searcher:
                    self._evaluator = _Evaluator(self._searcher, self._block_cache)
            except _DAMAGE_ERRORS as exc:
                self._damaged(exc)
            return self._searcher

    def _damaged(self, exc: BaseException) -> None:
        self._close_searcher()
        self._problem = f"indeks rusak ({type(exc).__name__}: {exc})"
        raise IndexNeedsRebuildError(
            f"{self.folder}: indeks rusak, jalankan rebuild ({type(exc).__name__}: {exc})"
        ) from exc

    # ------------------------------------------------------------------ writing

    @contextmanager
    def _writer(self, **kwargs: Any) -> Iterator[Any]:
        with self._lock.hold():
            if self._stamp() != self._marker_stamp or self._problem:
                self._open()
            ix = self._require()
            try:
                writer = _SegmentWriter(ix, timeout=self.lock_timeout, delay=0.1, **kwargs)
            except LockError as exc:
                raise IndexLockedError(
                    f"{self.folder}: kunci tulis Whoosh dipegang program lain ({exc})"
                ) from exc
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            _write_files_manifest(self.folder)
            keep_stems(self.folder)

    def add(self, docs: Iterable[IndexedDocument]) -> int:
        batch: dict[str, IndexedDocument] = {}
        for doc in docs:
            batch[doc.doc_id] = doc  # the last version of a doc_id wins
        rows = [_fields_for(doc) for doc in batch.values()]
        if not rows:
            return 0
        use_stems(self.folder, bulk=True)
        with self._writer(limitmb=128) as writer:
            for row in rows:
                writer.update_document(**row)
        return len(rows)

    def delete(self, doc_id: str) -> bool:
        with self._writer() as writer:
            deleted = writer.delete_by_term("doc_id", doc_id)
        return bool(deleted)

    def rebuild(self, docs: Iterable[IndexedDocument], *, procs: int = 1,
                limitmb: int = 256) -> int:
        """Build a new index from ``docs`` next to the live one, then swap it in.

        If ``docs`` raises or a ``doc_id`` repeats, the live index is left as it was.
        ``procs`` > 1 uses Whoosh's multiprocessing writer (Whoosh's own postings pool
        in each process, then a merge of their segments; not :class:`_SegmentWriter`):
        on two cores it built 3,000 documents at 120 docs/s, against 390 with one.
        """
        parent, name = self.folder.parent, self.folder.name
        parent.mkdir(parents=True, exist_ok=True)
        with self._lock.hold():
            use_stems(self.folder, bulk=True)
            new = parent / f"{name}.new-{uuid.uuid4().hex[:8]}"
            count = 0
            try:
                new.mkdir()
                ix = index.create_in(str(new), SCHEMA, indexname=_INDEX_NAME)
                if procs > 1:
                    writer = ix.writer(procs=procs, limitmb=limitmb, compound=False)
                else:
                    writer = _SegmentWriter(ix, limitmb=limitmb)
                seen: set[str] = set()
                try:
                    for doc in docs:
                        if doc.doc_id in seen:
                            raise ValidationError([Problem(
                                f"doc_id {doc.doc_id!r} muncul lebih dari sekali",
                                field="doc_id")])
                        seen.add(doc.doc_id)
                        writer.add_document(**_fields_for(doc))
                        count += 1
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
                ix.close()
                _write_files_manifest(new)
                keep_stems(new, everything=True)
                _write_marker(new)
            except BaseException:
                shutil.rmtree(new, ignore_errors=True)
                raise
            self._swap_in(new)
        return count

    # ------------------------------------------------------------------ reading

    def check(self, deep: bool = False) -> IndexHealth:
        """Re-examine the index on disk. ``deep`` also reads every stored document and
        every posting list (slow on big indexes, finds damage inside files)."""
        with self._mutex:
            self._close_searcher()
            if not self._has_index_files(self.folder):
                problems = ["folder indeks tidak ada atau kosong"]
                return IndexHealth(self.folder, problems)
            problem = self._inspect(self.folder)
            if problem is None and deep:
                problem = self._deep_check()
            if problem is not None:
                self._problem = problem
                return IndexHealth(self.folder, [problem])
            if self._problem is not None or self._ix is None:
                self._open()
            return IndexHealth(self.folder, [self._problem] if self._problem else [])

    def _deep_check(self) -> str | None:
        try:
            ix = index.open_dir(str(self.folder), indexname=_INDEX_NAME, schema=SCHEMA)
            with ix.reader() as reader:
                for _docnum, stored in reader.iter_docs():
                    if stored.get("text_z"):
                        zlib.decompress(stored["text_z"])
                for fieldname in reader.indexed_field_names():
                    for term in reader.lexicon(fieldname):
                        for _ in reader.postings(fieldname, term).all_ids():
                            pass
        except _DAMAGE_ERRORS + (ValueError, KeyError, TypeError) as exc:
            return f"isi indeks rusak ({type(exc).__name__}: {exc})"
        return None

    def _filter_query(self, kind: str | None, date_from: dt.date | None, date_to: dt.date | None,
                      classification: str | None, office: str | None, year: int | None
                      ) -> query.Query | None:
        return _filter_query(kind, date_from, date_to, classification, office, year)

    def _search(self, qstring: str, q: query.Query | None, filt: query.Query | None,
                notices: list[str], limit: int, sort: SortOrder, offset: int) -> SearchResults:
        with self._mutex:
            searcher = self._get_searcher()
            ev = self._evaluator
            assert ev is not None
            budget = _Budget(self.time_budget, qstring, notices)
            ev.start(budget)
            try:
                if q is None:
                    return SearchResults(qstring, [], 0, {}, {}, notice=budget.notice())
                return self._answer(searcher, q, filt, limit, sort, qstring, offset, budget,
                                    lambda: self._correct(searcher, qstring))
            except Exception as exc:
                if isinstance(exc, _DAMAGE_ERRORS) or _raised_reading_files(exc):
                    self._damaged(exc)
                raise
            finally:
                ev.finish()

    # -------------------------------------------------------------- internals

    def _build_query(self, qstring: str, notices: list[str] | None = None
                     ) -> query.Query | None:
        return self._queries.build(qstring, notices)

    def _fuzzy_query(self, q: query.Query) -> query.Query | None:
        return _fuzzy(q)

    def _run(self, searcher: Any, q: query.Query, filt: query.Query | None, limit: int,
             sort: SortOrder, qstring: str, offset: int = 0) -> SearchResults:
        ev = self._evaluator
        assert ev is not None and ev.searcher is searcher
        scores = ev.scores(q)
        docs = scores.keys() - ev.deleted
        if filt is not None:
            docs &= ev.scores(filt).keys()
        total = len(docs)
        kinds = ev.column("kind")
        years = ev.column("year")
        by_kind = dict(sorted(Counter(map(kinds.__getitem__, docs)).items()))
        by_year = {int(y): n for y, n in sorted(Counter(map(years.__getitem__, docs)).items()) if y}
        by_kind.pop("", None)
        ordered = sorted(docs)  # ties keep index order, as Whoosh does
        wanted = offset + limit
        if sort == "relevance" and not isinstance(q, query.Every):
            top = heapq.nlargest(wanted, ordered, key=scores.__getitem__)
        elif sort == "date_asc":
            top = heapq.nsmallest(wanted, ordered, key=ev.column("date").__getitem__)
        else:
            top = heapq.nlargest(wanted, ordered, key=ev.column("date").__getitem__)
        top = top[offset:]
        terms = _highlight_terms(q, ev.expand)
        hits = []
        for docnum in top:
            stored = searcher.stored_fields(docnum)
            text = zlib.decompress(stored["text_z"]).decode("utf-8") if stored.get("text_z") else ""
            date = stored.get("date")
            hits.append(SearchHit(
                doc_id=stored.get("doc_id", ""), number=stored.get("number", ""),
                kind=stored.get("kind", ""), title=stored.get("title", ""),
                date=date.date() if isinstance(date, dt.datetime) else date,
                case_id=stored.get("case_id", ""), path=stored.get("path", ""),
                score=float(scores.get(docnum, 0.0)), snippet=make_snippet(text, terms),
                classification=stored.get("classification", ""), office=stored.get("office", ""),
            ))
        return SearchResults(qstring, hits, total, by_kind, by_year)

    def _correct(self, searcher: Any, qstring: str) -> str | None:
        check = self._evaluator.budget.check if self._evaluator else _no_check
        return correct_query(searcher.reader(), qstring, check)



# --------------------------------------------------------------------------- helpers


class QueryBuilder:
    """The query language of sopdocs, parsed into a Whoosh query tree: the definition of
    the language. The tantivy engine uses :func:`sopdocs.search.querylang.build_query`,
    which gives the same tree without importing Whoosh (and hands rare syntax to this
    class); tests/test_querylang.py compares the two."""

    def __init__(self) -> None:
        self._parser = self._make_parser()
        self._clause_parser = qparser.QueryParser("text", SCHEMA, group=qparser.AndGroup)
        self._clause_parser.add_plugin(qparser.FieldAliasPlugin(_FIELD_ALIASES))
        self._clause_parser.add_plugin(qparser.FuzzyTermPlugin())

    @staticmethod
    def _make_parser() -> qparser.QueryParser:
        parser = qparser.MultifieldParser(_SEARCH_FIELDS, SCHEMA, group=qparser.AndGroup)
        parser.add_plugin(qparser.FieldAliasPlugin(_FIELD_ALIASES))
        parser.add_plugin(qparser.FuzzyTermPlugin())
        return parser

    def build(self, qstring: str, notices: list[str] | None = None
              ) -> query.Query | None:
        """Parse the user's query; None means "cannot match anything" (only stop words).
        Raises SearchError for a query out of bounds; adds to ``notices`` what it limited."""
        if not qstring:
            return query.Every()
        notices = [] if notices is None else notices
        _check_query_shape(qstring)
        _check_date_syntax(qstring)
        qstring = _clamp_fuzzy_distances(qstring, notices)
        parts: list[query.Query] = []
        for number in _NUMBER_RE.findall(qstring):
            low = number.lower()
            parts.append(query.Or([
                query.Term("number", number, boost=5.0),
                query.Term("title", low), query.Term("text", low),
            ]))
        rest = _NUMBER_RE.sub(" ", qstring)
        rest = _DANGLING_OP_RE.sub("", normalize_nip(rest)).strip()
        if rest:
            try:
                parsed = self._parser.parse(rest)
            except Exception:  # noqa: BLE001 - Whoosh raises bare Exception on bad syntax
                plain = re.sub(r"[^\w\s\-./]", " ", rest)
                parsed = qparser.MultifieldParser(
                    _SEARCH_FIELDS, SCHEMA, group=qparser.AndGroup,
                    plugins=[qparser.WhitespacePlugin()]).parse(plain)
            if parsed is not query.NullQuery:
                parts.append(parsed)
            elif not parts:
                return None
        if not parts:
            return None
        bounded = _bound_query(parts[0] if len(parts) == 1 else query.And(parts), notices)
        if sum(1 for _ in bounded.leaves()) > MAX_CLAUSES:
            # Each word is looked up in several fields; count them as typed.
            clauses = len(_NUMBER_RE.findall(qstring)) + self._count_clauses(rest)
            if clauses > MAX_CLAUSES:
                raise SearchError(
                    f"pencarian: kueri berisi {clauses} kata/ungkapan; paling banyak "
                    f"{MAX_CLAUSES}; kurangi kata kuncinya")
        return bounded

    def _count_clauses(self, qstring: str) -> int:
        """Words, phrases and field expressions of ``qstring`` as typed (parsed for one
        field, so a word is not counted once per searched field)."""
        if not qstring:
            return 0
        try:
            return sum(1 for _ in self._clause_parser.parse(qstring).leaves())
        except Exception:  # noqa: BLE001 - Whoosh raises bare Exception on bad syntax
            return len(qstring.split())


def _fields_for(doc: IndexedDocument) -> dict[str, Any]:
    problems = []
    if not doc.doc_id:
        problems.append(Problem("doc_id kosong", field="doc_id"))
    if not isinstance(doc.date, dt.date):
        problems.append(Problem(f"tanggal {doc.date!r} bukan datetime.date", field="date",
                                file=doc.path or None))
    if problems:
        raise ValidationError(problems)
    row: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "date": _date_to_datetime(doc.date),
        "year": str(doc.date.year),
        "people": "\n".join(doc.people),
        "text": doc.text,
        "words": JoinedText(doc.title, doc.text),
        "text_z": zlib.compress(doc.text.encode("utf-8"), 6),
        "path": str(doc.path),
    }
    for name in ("number", "kind", "classification", "case_id", "title", "office"):
        value = getattr(doc, name)
        if value:
            row[name] = value
    return row


def _filter_query(kind: str | None, date_from: dt.date | None, date_to: dt.date | None,
                  classification: str | None = None, office: str | None = None,
                  year: int | None = None) -> query.Query | None:
    parts: list[query.Query] = []
    if kind:
        parts.append(query.Term("kind", kind))
    if classification:
        parts.append(query.Or([query.Term("classification", classification),
                               query.Prefix("classification", classification + ".")]))
    if office:
        parts.append(query.Term("office", office))
    if year is not None:
        parts.append(query.Term("year", str(year)))
    if date_from or date_to:
        start = _date_to_datetime(date_from) if date_from else None
        end = _date_to_datetime(date_to) if date_to else None
        parts.append(query.DateRange("date", start, end))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else query.And(parts)


def _highlight_terms(q: query.Query,
                     expand: Callable[[query.MultiTerm], list[bytes]]) -> frozenset[str]:
    """Words to mark in snippets; ``expand`` gives the (bounded) words of a wildcard,
    range or fuzzy word. (Not ``Query.existing_terms``: in Whoosh 2.7.5 it skips every
    field but the first one it sees.)"""
    terms: set[str] = set()
    for leaf in q.leaves():
        pairs: list[tuple[str, Any]]
        try:
            if isinstance(leaf, query.MultiTerm):
                pairs = [(leaf.field(), bt) for bt in expand(leaf)]
            else:
                pairs = list(leaf.terms(phrases=True))
        except SearchError:
            raise
        except Exception:  # noqa: BLE001 - expansion of odd queries is best effort
            pairs = list(leaf.terms(phrases=True))
        for fieldname, text in pairs:
            if fieldname in ("title", "text", "people"):
                word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
                terms.update(word.split(" "))
    return frozenset(terms)


def _fuzzy(q: query.Query) -> query.Query | None:
    changed = False

    def convert(node: query.Query) -> query.Query:
        nonlocal changed
        if (isinstance(node, query.Term) and not isinstance(node, query.FuzzyTerm)
                and node.fieldname in ("title", "text", "people")
                and isinstance(node.text, str) and node.text.isalpha()
                and 4 <= len(node.text) <= MAX_FUZZY_WORD_CHARS):
            changed = True
            maxdist = 1 if len(node.text) < 8 else 2
            return query.Or([node, query.FuzzyTerm(node.fieldname, node.text, boost=0.5,
                                                   maxdist=maxdist, prefixlength=FUZZY_PREFIX)])
        return node.apply(convert)

    result = convert(q)
    return result if changed else None


def _one_byte_column(col: Any) -> bytes | None:
    """A one-byte numeric column (Whoosh's field lengths) read in one go, or None for any
    other column (then read value by value)."""
    if type(col) is not columns.NumericColumn.Reader or col._fixedlen != 1:
        return None
    return bytes(col._dbfile.get(col._basepos, col._count)) if col._count else b""


def _var_text_column(col: Any, n: int) -> list[str] | None:
    """The first ``n`` values of a variable-length bytes column ("kind", "year") as text,
    read in one go and cut by its lengths array (value by value, 100,000 documents cost
    0.1 s), or None for any other column type."""
    if type(col) is not columns.VarBytesColumn.Reader:
        return None
    lengths = col._lengths[:n]
    ends = list(accumulate(lengths))
    raw = bytes(col._dbfile.get(col._basepos, ends[-1])) if ends else b""
    starts = [0, *ends[:-1]]
    if raw.isascii():  # byte offsets are character offsets: decode once
        text = raw.decode("ascii")
        return [text[a:b] for a, b in zip(starts, ends)]
    return [raw[a:b].decode("utf-8") for a, b in zip(starts, ends)]


def _positions_decoder(fmt: Any) -> Callable[[bytes], Iterable[int]]:
    """Fast decoder of Whoosh 2.7 ``Positions`` values (a uint count then a pickled
    list of deltas whose final STOP byte was dropped); the format's own method for
    anything else."""
    if type(fmt) is formats.Positions:
        loads = pickle.loads

        def decode(value: bytes) -> Iterable[int]:
            if value.endswith(b"."):
                return accumulate(loads(value[_UINT_SIZE:]))
            return accumulate(loads(value[_UINT_SIZE:] + b"."))
        return decode
    return fmt.decode_positions


def _phrase_docs(candidates: list[int], maps: list[dict[int, tuple[bytes, float]]],
                 decode: Callable[[bytes], Iterable[int]],
                 check: Callable[[], None] = lambda: None) -> list[int]:
    """The candidates where word k sits at position p + k for some p (the hot loop of
    phrase search: positions compared as sets, C-level where possible)."""
    last = len(maps) - 1
    shifts = [(-k).__add__ for k in range(len(maps))]
    first_map, last_map, last_shift = maps[0], maps[last], shifts[last]
    middle = [(maps[k], shifts[k]) for k in range(1, last)]
    matched = []
    for i, d in enumerate(candidates):
        if not i & 511:
            check()
        starts = set(decode(first_map[d][0]))
        for vm, shift in middle:
            starts.intersection_update(map(shift, decode(vm[d][0])))
            if not starts:
                break
        else:
            if not starts.isdisjoint(map(last_shift, decode(last_map[d][0]))):
                matched.append(d)
    return matched


_UINT_SIZE = 4
_BM25_B = 0.75


class _BlockCache:
    """LRU cache of decoded posting blocks, shared by the searchers of one index.

    Reading a block means zlib-decompressing and unpickling it; the blocks of common
    words are read by almost every query. Keys include the segment id, so blocks of
    segments that were merged away simply age out. Bounded by the number of postings
    held (about 100 bytes each with positions, measured)."""

    def __init__(self, max_postings: int) -> None:
        self.max_postings = max_postings
        self._data: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()
        self._size = 0

    def read(self, segid: str, fieldname: str, btext: bytes, m: Any) -> tuple[Any, ...]:
        """The data tuple (ids, weights, values) of the block ``m`` stands on."""
        key = (segid, fieldname, btext, m._dataoffset)
        data = self._data.get(key)
        if data is not None:
            self._data.move_to_end(key)
            return data
        if m._data is None:
            m._read_data()
        data = m._data
        if self.max_postings > 0:
            self._data[key] = data
            self._size += m._blocklength
            while self._size > self.max_postings and self._data:
                _key, old = self._data.popitem(last=False)
                self._size -= len(old[0])
        return data
_BM25_K1 = 1.2


def _expansion_notice(q: query.MultiTerm) -> str:
    if isinstance(q, query.TermRange):
        shown = f"{q.fieldname}:[{q.start or ''} TO {q.end or ''}]"
    elif isinstance(q, query.Prefix):
        shown = f"{q.text}*"
    elif isinstance(q, query.FuzzyTerm):
        shown = f"{q.text}~"
    else:
        shown = str(getattr(q, "text", q))
    return expansion_message(shown)


class _Evaluator:
    """Evaluates a query over a searcher into ``{docnum: score}`` for ALL matching
    documents, with BM25F scores equal to Whoosh's.

    Why: Whoosh scores and collects one document at a time in Python (about 2 us per
    document, 5 us with facets), so a common word in 10,000 documents costs 20-60 ms.
    Here a term's posting list is read a block at a time and scored in one list
    comprehension, which makes totals and facets (which need every match) cheap.
    Terms, And/Or/Not and multi-term queries (prefix, wildcard, fuzzy, ranges) take
    the fast path; anything else uses Whoosh's own matcher for that sub-query.
    Relies on Whoosh 2.7's W3 codec internals, with a generic fallback.
    """

    def __init__(self, searcher: Any, cache: _BlockCache | None = None) -> None:
        self.searcher = searcher
        self.cache = cache or _BlockCache(0)
        self.reader = searcher.reader()
        self.leaves = list(self.reader.leaf_readers())
        self.doc_count = searcher.doc_count_all()
        deleted: set[int] = set()
        for sub, offset in self.leaves:
            if sub.has_deletions():
                deleted.update(offset + d for d in sub.deleted_docs_set)
        self.deleted = frozenset(deleted)
        self._lengths: dict[str, list[int]] = {}
        self._columns: dict[str, list[Any]] = {}
        self._docs_with: dict[str, int] = {}
        self.budget = _Budget()
        self._expansions: dict[tuple[Any, ...], list[bytes]] = {}

    # --- one search

    def start(self, budget: _Budget) -> None:
        self.budget = budget
        self._expansions = {}

    def finish(self) -> None:
        self.budget = _Budget()
        self._expansions = {}

    def expand(self, q: query.MultiTerm) -> list[bytes]:
        """The indexed words (sorted bytes) ``q`` stands for: at most
        MAX_EXPANSION_TERMS of them, enumeration stopping there (a notice says so)."""
        key = (type(q), q.field(), repr(q))
        cached = self._expansions.get(key)
        if cached is not None:
            return cached
        fieldname = q.field()
        out: list[bytes] = []
        if fieldname in self.searcher.schema:
            check = self.budget.check
            if isinstance(q, query.PatternQuery) and not isinstance(q, query.Prefix):
                source = self._pattern_terms(q)
            else:
                source = q._btexts(self.reader)
            for i, btext in enumerate(source):
                if not i & 63:
                    check()
                if i == MAX_EXPANSION_TERMS:
                    self.budget.note(_expansion_notice(q))
                    break
                out.append(btext)
            out = sorted(set(out))
        self._expansions[key] = out
        return out

    def _pattern_terms(self, q: query.PatternQuery) -> Iterator[bytes]:
        """Whoosh's PatternQuery._btexts with a deadline check between the words it
        reads (a pattern may read many words after its prefix and keep few)."""
        pattern = re.compile(q._get_pattern())
        prefix = q._find_prefix(q.text)
        fieldobj = self.searcher.schema[q.fieldname]
        candidates = (self.reader.expand_prefix(q.fieldname, prefix) if prefix
                      else self.reader.lexicon(q.fieldname))
        check = self.budget.check
        for i, btext in enumerate(candidates):
            if not i & 255:
                check()
            if pattern.match(fieldobj.from_bytes(btext)):
                yield btext

    # --- per-document data, loaded once per searcher

    def lengths(self, fieldname: str) -> list[int]:
        if fieldname not in self._lengths:
            out: list[int] = []
            table = [byte_to_length(i) for i in range(256)]
            for sub, _offset in self.leaves:
                n = sub.doc_count_all()
                col = None
                try:
                    col = sub._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
                except AttributeError:
                    col = None
                raw = _one_byte_column(col)
                if raw is not None:  # one read of the whole column (100,000 gets cost 0.3 s)
                    out.extend(table[b] for b in raw[:n])
                    out.extend([table[0]] * (n - len(raw)))
                elif col is not None:
                    out.extend(table[b] if isinstance(b, int) else byte_to_length(b) for b in col)
                else:
                    out.extend(sub.doc_field_length(d, fieldname, 0) or 0 for d in range(n))
            self._lengths[fieldname] = out
        return self._lengths[fieldname]

    def docs_with(self, fieldname: str) -> int:
        """How many documents (deleted ones included) have ``fieldname``: those of
        positive length, or all of them for an unscored field."""
        if fieldname not in self._docs_with:
            if self.searcher.schema[fieldname].scorable:
                self._docs_with[fieldname] = sum(1 for n in self.lengths(fieldname) if n)
            else:
                self._docs_with[fieldname] = self.doc_count
        return self._docs_with[fieldname]

    def column(self, fieldname: str) -> list[Any]:
        """Sortable column values by docnum ("kind", "year": str; "date": int)."""
        if fieldname not in self._columns:
            empty: Any = 0 if fieldname == "date" else ""
            out: list[Any] = []
            for sub, _offset in self.leaves:
                n = sub.doc_count_all()
                values: list[Any] = []
                if sub.has_column(fieldname):
                    reader = sub.column_reader(fieldname, translate=False)
                    values = _var_text_column(reader, n) or [
                        v.decode("utf-8") if isinstance(v, bytes) else v for v in list(reader)[:n]]
                out.extend(values)
                out.extend([empty] * (n - len(values)))
            self._columns[fieldname] = out
        return self._columns[fieldname]

    # --- postings

    def postings(self, fieldname: str, btext: bytes) -> tuple[list[int], list[float]]:
        ids: list[int] = []
        weights: list[float] = []
        check = self.budget.check
        for sub, offset in self.leaves:
            if (fieldname, btext) not in sub:
                continue
            m = sub.postings(fieldname, btext)
            if isinstance(m, FilterMatcher):  # deletions: removed later from the result
                m = m.child
            seg_ids: list[int] = []
            if isinstance(m, W3LeafMatcher) and hasattr(m, "_read_data"):
                segid = sub.segment().segment_id()
                while not m._atend and m._i < m._blocklength:
                    check()
                    data = self.cache.read(segid, fieldname, btext, m)
                    n = m._blocklength
                    seg_ids.extend(data[0] if m._byteids else accumulate(data[0]))
                    w = data[1]
                    if w is None:
                        weights.extend([1.0] * n)
                    elif isinstance(w, float):
                        weights.extend([w] * n)
                    else:
                        weights.extend(w)
                    m._next_block()
            else:
                while m.is_active():
                    if not len(seg_ids) & 255:
                        check()
                    seg_ids.append(m.id())
                    weights.append(m.weight())
                    m.next()
            ids.extend([d + offset for d in seg_ids] if offset else seg_ids)
        return ids, weights

    # --- evaluation

    def all_docs(self, score: float = 0.0) -> dict[int, float]:
        return dict.fromkeys(range(self.doc_count), score)

    def scores(self, q: query.Query) -> dict[int, float]:
        t = type(q)
        boost = getattr(q, "boost", 1.0) or 1.0
        if t is query.Term:
            return self._term(q.fieldname, q.text, boost)
        if q is query.NullQuery or t is type(query.NullQuery):
            return {}
        if t is query.Every:
            return self.all_docs()
        if t in (query.Or, query.And, query.AndMaybe, query.AndNot, query.Not):
            return self._compound(q, boost)
        if isinstance(q, query.MultiTerm):
            return self._multiterm(q, boost)
        if t is query.Phrase and q.slop == 1 and len(q.words) > 1:
            result = self._phrase(q.fieldname, q.words, boost)
            if result is not None:
                return result
        return self._generic(q)

    def _term(self, fieldname: str, text: Any, boost: float) -> dict[int, float]:
        schema = self.searcher.schema
        if fieldname not in schema:
            return {}
        fieldobj = schema[fieldname]
        btext = text if isinstance(text, bytes) else fieldobj.to_bytes(text)
        ids, weights = self.postings(fieldname, btext)
        if not ids:
            return {}
        if not fieldobj.scorable:
            return {d: w * boost for d, w in zip(ids, weights)}
        df = self.reader.doc_frequency(fieldname, btext)
        idf = math.log(self.doc_count / (df + 1)) + 1
        avg = self.searcher.avg_field_length(fieldname) or 1.0
        lens = self.lengths(fieldname)
        k = idf * (_BM25_K1 + 1) * boost
        c1 = _BM25_K1 * (1 - _BM25_B)
        c2 = _BM25_K1 * _BM25_B / avg
        return {d: k * w / (w + c1 + c2 * lens[d]) for d, w in zip(ids, weights)}

    def _compound(self, q: query.Query, boost: float) -> dict[int, float]:
        t = type(q)
        if t is query.Not:  # Whoosh scores "not X" as 1 (times the boost)
            excluded = self.scores(q.query).keys()
            return {d: boost for d in range(self.doc_count) if d not in excluded}
        if t is query.AndNot:
            pos = self.scores(q.a)
            neg = self.scores(q.b).keys()
            out = {d: s for d, s in pos.items() if d not in neg}
        elif t is query.AndMaybe:
            out = dict(self.scores(q.a))
            for d, s in self.scores(q.b).items():
                if d in out:
                    out[d] += s
        elif t is query.And:
            parts = [self.scores(sub) for sub in q.subqueries]
            if not parts:
                return {}
            parts.sort(key=len)
            keys = set(parts[0])
            for part in parts[1:]:
                keys &= part.keys()
                if not keys:
                    return {}
            out = {d: sum(part[d] for part in parts) for d in keys}
        else:  # Or
            parts = [self.scores(sub) for sub in q.subqueries]
            parts = [p for p in parts if p]
            if not parts:
                return {}
            parts.sort(key=len, reverse=True)
            out = dict(parts[0])
            for part in parts[1:]:
                for d, s in part.items():
                    out[d] = out.get(d, 0.0) + s
            minmatch = getattr(q, "minmatch", 0) or 0
            if minmatch > 1:
                counts = Counter(d for part in parts for d in part)
                out = {d: s for d, s in out.items() if counts[d] >= minmatch}
        if boost != 1.0:
            out = {d: s * boost for d, s in out.items()}
        return out

    def _multiterm(self, q: query.MultiTerm, boost: float) -> dict[int, float]:
        fieldname = q.field()
        if fieldname not in self.searcher.schema:
            return {}
        btexts = self.expand(q)
        if len(btexts) == 1:  # as Whoosh: a single expansion is scored as a word
            return self._term(fieldname, btexts[0], boost)
        # Ranges match on value only (constant score, as Whoosh): document numbers are
        # enough, and once every document with the field matched the other words cannot
        # add any. Prefixes, wildcards and fuzzy words sum the BM25 scores of their words.
        out: dict[int, float] = {}
        if isinstance(q, (query.NumericRange, query.TermRange)):
            everyone = self.docs_with(fieldname)
            for btext in btexts:
                out.update(dict.fromkeys(self.postings(fieldname, btext)[0], boost))
                if len(out) >= everyone:
                    break
            return out
        for btext in btexts:
            part = self._term(fieldname, btext, 1.0)
            for d, s in part.items():
                out[d] = out.get(d, 0.0) + s * boost
        return out

    def _value_maps(self, fieldname: str, btext: bytes, wanted: list[int] | None = None
                    ) -> dict[int, tuple[bytes, float]] | None:
        """{docnum: (encoded positions, weight)} of one term, or None if the codec is
        unknown. With ``wanted`` (sorted docnums) only the posting blocks that may hold
        one of them are read."""
        out: dict[int, tuple[bytes, float]] = {}
        for sub, offset in self.leaves:
            if (fieldname, btext) not in sub:
                continue
            m = sub.postings(fieldname, btext)
            if isinstance(m, FilterMatcher):
                m = m.child
            if not (isinstance(m, W3LeafMatcher) and hasattr(m, "_read_data")):
                return None
            segid = sub.segment().segment_id()
            low = offset  # smallest docnum the current block can hold
            while not m._atend and m._i < m._blocklength:
                self.budget.check()
                high = m._maxid + offset
                if wanted is not None:
                    k = bisect_left(wanted, low)
                    if k == len(wanted):
                        break
                    if wanted[k] > high:
                        low = high + 1
                        m._next_block()
                        continue
                data = self.cache.read(segid, fieldname, btext, m)
                n = m._blocklength
                ids = data[0] if m._byteids else accumulate(data[0])
                if offset:
                    ids = [d + offset for d in ids]
                values = data[2]
                size = m._fixedsize
                if size is not None and size > 0:
                    values = [values[i:i + size] for i in range(0, len(values), size)]
                elif not isinstance(values, (tuple, list)):
                    return None
                weights = data[1]
                if weights is None or isinstance(weights, float):
                    weights = [weights or 1.0] * n
                out.update(zip(ids, zip(values, weights)))
                low = high + 1
                m._next_block()
        return out

    def _phrase(self, fieldname: str, words: list[str], boost: float) -> dict[int, float] | None:
        """Exact phrase (adjacent words). The rarest word's postings give candidates;
        the other words' posting blocks are read only where a candidate may be; then
        positions are compared with set operations. None: let Whoosh do it."""
        schema = self.searcher.schema
        if fieldname not in schema or not schema[fieldname].format.supports("positions"):
            return None
        fieldobj = schema[fieldname]
        decode = _positions_decoder(fieldobj.format)
        btexts = [fieldobj.to_bytes(w) for w in words]
        dfs = [self.reader.doc_frequency(fieldname, bt) for bt in btexts]
        if not all(dfs):
            return {}
        maps: dict[int, dict[int, tuple[bytes, float]]] = {}
        candidates: list[int] | None = None
        for i in sorted(range(len(words)), key=dfs.__getitem__):
            vm = self._value_maps(fieldname, btexts[i], candidates)
            if vm is None:
                return None
            maps[i] = vm
            candidates = sorted(vm) if candidates is None else [d for d in candidates if d in vm]
            if not candidates:
                return {}
        assert candidates is not None
        matched = _phrase_docs(candidates, [maps[i] for i in range(len(words))], decode,
                               self.budget.check)
        if not matched:
            return {}
        # Score like an And of the words (BM25 of each word), only where the phrase is.
        avg = self.searcher.avg_field_length(fieldname) or 1.0
        lens = self.lengths(fieldname)
        c1 = _BM25_K1 * (1 - _BM25_B)
        c2 = _BM25_K1 * _BM25_B / avg
        out = dict.fromkeys(matched, 0.0)
        for i in range(len(words)):
            k = (math.log(self.doc_count / (dfs[i] + 1)) + 1) * (_BM25_K1 + 1) * boost
            vm = maps[i]
            for d in matched:
                w = vm[d][1]
                out[d] += k * w / (w + c1 + c2 * lens[d])
        return out

    def _generic(self, q: query.Query) -> dict[int, float]:
        out: dict[int, float] = {}
        check = self.budget.check
        check()
        m = q.matcher(self.searcher)
        while m.is_active():
            if not len(out) & 255:
                check()
            out[m.id()] = m.score()
            m.next()
        return out


def _raised_reading_files(exc: BaseException) -> bool:
    """True if ``exc`` (say a ValueError) was raised inside Whoosh's file-reading code,
    which is what garbage in a segment file produces."""
    tb = exc.__traceback__
    module = ""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        tb = tb.tb_next
    return module.startswith(("whoosh.filedb", "whoosh.codec", "whoosh.columns",
                              "whoosh.util.varints", "whoosh.util.numeric", "pickle"))


_FILES_MANIFEST = "sopdocs-files.json"


def _segment_file_names(folder: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in folder.iterdir():
        if p.name.startswith(_INDEX_NAME + "_"):
            try:
                out[p.name] = p.stat().st_size
            except OSError:
                continue
    return out


def _write_files_manifest(folder: Path) -> None:
    """Record the size of every segment file. Segments are written as separate files,
    and Whoosh reads some of them (columns, stored fields) only when a search needs
    them, silently taking a missing column for an empty one; ``check`` compares the
    files of the live segments with this list. Segment files never change once
    written, so the list holds for as long as the segment lives."""
    data = json.dumps(_segment_file_names(folder), sort_keys=True)
    tmp = folder / f"{_FILES_MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(data, encoding="utf-8")
    os.replace(tmp, folder / _FILES_MANIFEST)


def _damaged_files(folder: Path, toc: Any) -> str:
    """The files of the live segments that are missing or have another size than when
    they were written ("" if none, or if the index has no list of its files)."""
    try:
        listed = json.loads((folder / _FILES_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not isinstance(listed, dict):
        return f"{_FILES_MANIFEST} tidak terbaca"
    live = tuple(f"{seg.segment_id()}." for seg in toc.segments)  # "MAIN_<id>."
    present = _segment_file_names(folder)
    bad = []
    for name, size in sorted(listed.items()):
        if not name.startswith(live):
            continue
        if name not in present:
            bad.append(f"{name} hilang")
        elif present[name] != size:
            bad.append(f"{name} berukuran {present[name]}, seharusnya {size}")
    return ", ".join(bad[:5])


def _write_marker(folder: Path) -> None:
    write_marker(folder, {"build": uuid.uuid4().hex, "schema_version": SCHEMA_VERSION,
                          "created": dt.datetime.now().isoformat(timespec="seconds")})
