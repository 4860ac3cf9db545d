"""The tantivy search index: the engine for large archives (a province's archive office).

Same interface (:class:`~sopdocs.search.index.SearchIndex`), query language, bounds,
Indonesian analysis, snippets and did-you-mean as :class:`~sopdocs.search.index.WhooshIndex`;
only the engine underneath differs. How:

* **Analysis in Python, the index in Rust.** Text is analysed with the project's own
  analysis (:func:`sopdocs.search.textanalysis.scan` and the Sastrawi stems), and tantivy gets
  the result as space-separated terms in fields tokenized on whitespace. Positions are
  those of Whoosh (stop words take none); the parts of compound tokens ("k-2024-0001" ->
  "2024") follow the positional terms after a separator, so a word finds its compounds
  as in Whoosh and field lengths are the same.
* **One query language, no Whoosh.** Queries are parsed by
  :func:`sopdocs.search.querylang.build_query` into the tree Whoosh's
  :class:`~sopdocs.search.index.QueryBuilder` makes (the same language, bounds and
  messages; only rare syntax is handed to Whoosh's parser), and the tree is translated
  into tantivy queries. A search imports neither Whoosh nor the Whoosh engine. Wildcards,
  prefixes, ranges and fuzzy words are expanded here from the term dictionary (at most
  :data:`~sopdocs.search.index.MAX_EXPANSION_TERMS` words, alphabetical, with the same
  notice), spelling suggestions use the same code on an adapter of the term dictionary.
* Counts per kind and year are tantivy aggregations; hits are ranked with BM25 by
  tantivy (scores differ from Whoosh's BM25F, the sets of matches do not).
* Layout and crash safety as Whoosh: the index folder (``meta.json`` and segment files
  of tantivy, plus ``sopdocs-build.json`` naming the engine), ``<folder>.lock`` held by
  every writer, and ``rebuild`` building next to it and swapping it in with renames.
* The time budget is checked between expansions and suggestions; a tantivy query itself
  cannot be interrupted, but what it may cost is bounded by the same limits.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from _thread import allocate_lock, start_new_thread
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sopdocs.errors import Problem, SopdocsError, ValidationError
from sopdocs.search import querylang as ql
from sopdocs.search.base import (
    BUILD_MARKER,
    write_marker,
    MAX_EXPANSION_TERMS,
    QUERY_TIME_BUDGET_SECONDS,
    IndexedDocument,
    IndexHealth,
    IndexLockedError,
    IndexNeedsRebuildError,
    SearchError,
    SearchHit,
    SearchResults,
    SortOrder,
    _Budget,
    _Engine,
    _FolderLock,
    RLock,
    _literal_prefix,
    _random_hex,
    correct_query,
    keep_stems,
    make_snippet,
)
from sopdocs.search.querylang import levenshtein
from sopdocs.search.textanalysis import scan, terms_of, use_stems

try:
    import tantivy
except ImportError:  # pragma: no cover - tantivy is an optional extra
    tantivy = None  # type: ignore[assignment]

__all__ = ["TANTIVY_SCHEMA_VERSION", "TantivyIndex"]

TANTIVY_SCHEMA_VERSION = 1
"""Bump when the fields or their analysis change: an index of another version is
reported by ``check()`` as needing a rebuild."""

_MARKER = BUILD_MARKER
_ENGINE = "tantivy"
_TOKENIZER = "sopdocs_terms"
_SEPARATOR = "\u00a7"
"""Between the positional terms of a field and the parts of its compounds (a phrase
never spans it: no query term is "§")."""
_TEXT_FIELDS = ("title", "text", "people", "words")
_ID_FIELDS = ("doc_id", "number", "kind", "classification", "case_id", "office", "year")
_BOOSTS = {"title": 2.0, "people": 1.5}
"""Field boosts of the Whoosh schema (BM25F there; a boost of the field's term here)."""
_WRITER_HEAP = 128_000_000
_MAX_SCAN_TERMS = 200_000
"""Most dictionary words read to expand one range or wildcard (each is then filtered)."""


def _require_tantivy() -> Any:
    if tantivy is None:
        raise SopdocsError(
            "indeks tantivy dipilih (pengaturan.yaml: indeks: tantivy) tetapi paket "
            "tantivy tidak terpasang; pasang dengan: pip install 'sopdocs[tantivy]'")
    return tantivy


def _schema() -> Any:
    tv = _require_tantivy()
    sb = tv.SchemaBuilder()
    for name in _ID_FIELDS:
        sb.add_text_field(name, stored=False, fast=name in ("kind", "year"),
                          tokenizer_name="raw", index_option="basic")
    for name in _TEXT_FIELDS:
        sb.add_text_field(name, stored=False, tokenizer_name=_TOKENIZER,
                          index_option="freq" if name == "words" else "position")
    sb.add_date_field("date", stored=False, indexed=True, fast=True)
    sb.add_bytes_field("meta", stored=True)
    sb.add_bytes_field("body", stored=True)
    return sb.build()


def _analyzer() -> Any:
    tv = _require_tantivy()
    return tv.TextAnalyzerBuilder(tv.Tokenizer.whitespace()).build()


# ------------------------------------------------------------------------- analysis


def _joined(terms: list[str], parts: list[str]) -> str:
    """Terms in position order, then the separator and the compounds' parts."""
    if parts:
        return " ".join(terms) + f" {_SEPARATOR} " + " ".join(parts)
    return " ".join(terms)


def _document_fields(doc: IndexedDocument) -> dict[str, Any]:
    """The tantivy document of ``doc``: analysed text fields, raw id fields, metadata."""
    problems = []
    if not doc.doc_id:
        problems.append(Problem("doc_id kosong", field="doc_id"))
    if not isinstance(doc.date, dt.date):
        problems.append(Problem(f"tanggal {doc.date!r} bukan datetime.date", field="date",
                                file=doc.path or None))
    if problems:
        raise ValidationError(problems)
    text_stems, text_parts, text_words = terms_of(doc.text)
    title_stems, title_parts, title_words = terms_of(doc.title)
    people_tokens, people_parts = scan("\n".join(doc.people), stop_words=False)
    date = doc.date if isinstance(doc.date, dt.datetime) else dt.datetime(
        doc.date.year, doc.date.month, doc.date.day)
    meta = {"doc_id": doc.doc_id, "number": doc.number, "kind": doc.kind,
            "classification": doc.classification, "case_id": doc.case_id, "title": doc.title,
            "date": doc.date.isoformat()[:10], "path": str(doc.path), "office": doc.office}
    fields: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "year": str(doc.date.year),
        "date": date,
        "title": _joined(title_stems, title_parts),
        "text": _joined(text_stems, text_parts),
        "people": _joined(people_tokens, [p for p, _ in people_parts]),
        "words": " ".join(title_words + text_words),
        "meta": json.dumps(meta, ensure_ascii=False).encode("utf-8"),
        "body": doc.text.encode("utf-8"),
    }
    for name in ("number", "kind", "classification", "case_id", "office"):
        value = getattr(doc, name)
        if value:
            fields[name] = value
    return fields


# -------------------------------------------------------------------------- reading


class _Lexicon:
    """What :func:`sopdocs.search.index.correct_query` needs, over tantivy's term
    dictionary: document frequencies and the words within an edit distance."""

    def __init__(self, searcher: Any, check: Callable[[], None]) -> None:
        self.searcher = searcher
        self.check = check

    def doc_frequency(self, fieldname: str, word: str) -> int:
        return int(self.searcher.doc_freq(fieldname, word))

    def terms_within(self, fieldname: str, word: str, maxdist: int, prefix: int = 0
                     ) -> Iterator[str]:
        for term, _freq in self.searcher.terms_with_prefix(fieldname, word[:prefix]):
            if abs(len(term) - len(word)) > maxdist:
                continue
            if levenshtein(term, word, maxdist + 1) <= maxdist:
                yield term


class TantivyIndex(_Engine):
    """Search index in ``folder`` (created if missing) on tantivy; the query language
    is that of :class:`~sopdocs.search.index.WhooshIndex`."""

    def __init__(self, folder: Path, *, lock_timeout: float = 30.0,
                 time_budget: float | None = QUERY_TIME_BUDGET_SECONDS) -> None:
        _require_tantivy()
        self.folder = Path(folder)
        self.lock_timeout = lock_timeout
        self.time_budget = time_budget
        self._lock = _FolderLock(self.folder.with_name(self.folder.name + ".lock"), lock_timeout)
        self._mutex = RLock()
        self._schema = _schema()
        use_stems(self.folder, bulk=False)
        self._ix: Any = None
        self._problem: str | None = None
        self._marker_stamp: tuple[int, int] | None = None
        self._meta_stamp: tuple[int, int] | None = None
        self._budget = _Budget()
        self._expansions: dict[ql.Node, list[bytes]] = {}
        self._open()

    # ------------------------------------------------------------------ opening

    def _open(self) -> None:
        with self._mutex:
            self._ix = None
            self._problem = None
            self._recover()
            if not self._has_anything(self.folder):
                with self._lock.hold():
                    if not self._has_anything(self.folder):
                        self._create_empty(self.folder)
            problem = self._inspect(self.folder)
            if problem:
                self._problem = problem
                return
            try:
                self._ix = self._open_index(self.folder)
            except ValueError as exc:
                self._problem = f"indeks tantivy tidak terbuka ({exc})"
                return
            self._marker_stamp = self._stamp(_MARKER)
            self._meta_stamp = self._stamp("meta.json")

    @staticmethod
    def _has_anything(folder: Path) -> bool:
        return folder.is_dir() and any(folder.iterdir())

    def _open_index(self, folder: Path) -> Any:
        ix = tantivy.Index.open(str(folder))
        ix.register_tokenizer(_TOKENIZER, _analyzer())
        return ix

    def _create_empty(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        ix = tantivy.Index(self._schema, path=str(folder), reuse=False)
        ix.register_tokenizer(_TOKENIZER, _analyzer())
        writer = ix.writer(heap_size=15_000_000, num_threads=1)
        writer.commit()
        writer.wait_merging_threads()
        del writer, ix
        _write_marker(folder)

    def _inspect(self, folder: Path) -> str | None:
        """Why the index in ``folder`` cannot be used, or None."""
        try:
            marker = json.loads((folder / _MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            marker = None
        if not (folder / "meta.json").is_file():
            if any(p.name.startswith(("MAIN_", "_MAIN_")) for p in folder.iterdir()):
                return "indeks dibuat oleh mesin lain (whoosh); bangun ulang untuk tantivy"
            return "meta.json indeks tantivy tidak ada"
        if not isinstance(marker, dict) or marker.get("engine") != _ENGINE:
            return "penanda sopdocs-build.json tidak ada atau bukan indeks tantivy"
        if marker.get("schema_version") != TANTIVY_SCHEMA_VERSION:
            return "skema indeks berbeda dengan versi sopdocs ini"
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            segments = [s["segment_id"].replace("-", "") for s in meta.get("segments", [])]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            return f"meta.json tidak terbaca ({type(exc).__name__}: {exc})"
        present = {p.name for p in folder.iterdir()}
        missing = [f"{seg}.{ext}" for seg in segments for ext in ("store", "term", "idx", "fast")
                   if f"{seg}.{ext}" not in present]
        if missing:
            return f"berkas segmen hilang ({', '.join(missing[:5])})"
        try:
            ix = self._open_index(folder)
            searcher = ix.searcher()
            int(searcher.num_docs)
            del searcher, ix
        except Exception as exc:  # noqa: BLE001 - whatever a damaged file makes tantivy raise
            return f"berkas segmen rusak atau hilang ({type(exc).__name__}: {exc})"
        return None

    def _stamp(self, name: str) -> tuple[int, int] | None:
        try:
            st = (self.folder / name).stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _require(self) -> Any:
        if self._problem is not None or self._ix is None:
            raise IndexNeedsRebuildError(
                f"{self.folder}: indeks perlu dibangun ulang ({self._problem}); jalankan rebuild")
        return self._ix

    def _searcher(self) -> Any:
        """A searcher on the latest commit (of this or another process)."""
        if self._stamp(_MARKER) != self._marker_stamp:
            self._open()  # another process swapped a rebuilt index in
        ix = self._require()
        try:
            meta = self._stamp("meta.json")
            if meta != self._meta_stamp:
                ix.reload()
                self._meta_stamp = meta
            return ix.searcher()
        except Exception as exc:  # noqa: BLE001 - damaged files
            self._damaged(exc)

    def _damaged(self, exc: BaseException) -> Any:
        self._ix = None
        self._problem = f"indeks rusak ({type(exc).__name__}: {exc})"
        raise IndexNeedsRebuildError(
            f"{self.folder}: indeks rusak, jalankan rebuild ({type(exc).__name__}: {exc})"
        ) from exc

    def close(self) -> None:
        with self._mutex:
            self._ix = None

    # ------------------------------------------------------------------ writing

    def _writer(self, ix: Any, threads: int = 1) -> Any:
        try:
            return ix.writer(heap_size=_WRITER_HEAP, num_threads=threads)
        except ValueError as exc:
            raise IndexLockedError(
                f"{self.folder}: kunci tulis tantivy dipegang program lain ({exc})") from exc

    def add(self, docs: Iterable[IndexedDocument]) -> int:
        batch: dict[str, IndexedDocument] = {}
        for doc in docs:
            batch[doc.doc_id] = doc
        use_stems(self.folder, bulk=True)
        rows = [_document_fields(doc) for doc in batch.values()]
        if not rows:
            return 0
        with self._lock.hold(), self._mutex:
            if self._stamp(_MARKER) != self._marker_stamp or self._problem:
                self._open()
            ix = self._require()
            writer = self._writer(ix)
            try:
                for row in rows:
                    writer.delete_documents_by_term("doc_id", row["doc_id"])
                    writer.add_document(tantivy.Document(**row))
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
            finally:
                del writer
            keep_stems(self.folder)
            ix.reload()
            self._meta_stamp = self._stamp("meta.json")
        return len(rows)

    def delete(self, doc_id: str) -> bool:
        with self._lock.hold(), self._mutex:
            searcher = self._searcher()
            present = tantivy.Query.term_query(self._schema, "doc_id", doc_id)
            if not searcher.search(present, 1, count=True).count:  # doc_freq counts deleted ones
                return False
            writer = self._writer(self._require())
            try:
                writer.delete_documents_by_term("doc_id", doc_id)
                writer.commit()
                writer.wait_merging_threads()
            finally:
                del writer
            self._require().reload()
            self._meta_stamp = self._stamp("meta.json")
        return True

    def rebuild(self, docs: Iterable[IndexedDocument], *, threads: int = 1) -> int:
        """Build a new index from ``docs`` next to the live one, then swap it in. If
        ``docs`` raises or a ``doc_id`` repeats, the live index is left as it was.
        ``threads``: tantivy indexing threads. One keeps up with the analysis in Python
        (about a third of its time per document) and writes fewer segments to merge."""
        parent, name = self.folder.parent, self.folder.name
        parent.mkdir(parents=True, exist_ok=True)
        threads = max(1, threads)
        with self._lock.hold():
            use_stems(self.folder, bulk=True)
            new = parent / f"{name}.new-{_random_hex(4)}"
            count = 0
            try:
                new.mkdir()
                ix = tantivy.Index(self._schema, path=str(new), reuse=False)
                ix.register_tokenizer(_TOKENIZER, _analyzer())
                writer = self._writer(ix, threads)
                seen: set[str] = set()
                Document = tantivy.Document
                try:
                    for doc in docs:
                        if doc.doc_id in seen:
                            raise ValidationError([Problem(
                                f"doc_id {doc.doc_id!r} muncul lebih dari sekali", field="doc_id")])
                        seen.add(doc.doc_id)
                        writer.add_document(Document(**_document_fields(doc)))
                        count += 1
                    writer.commit()
                    writer.wait_merging_threads()
                except BaseException:
                    writer.rollback()
                    raise
                finally:
                    del writer, ix
                keep_stems(new, everything=True)
                _write_marker(new)
            except BaseException:
                _rmtree(new)
                raise
            self._swap_in(new)
        return count

    # ------------------------------------------------------------------ reading

    def check(self, deep: bool = False) -> IndexHealth:
        """Re-examine the index on disk. ``deep`` also reads every stored document."""
        with self._mutex:
            self._ix = None
            if not self._has_anything(self.folder):
                return IndexHealth(self.folder, ["folder indeks tidak ada atau kosong"])
            problem = self._inspect(self.folder)
            if problem is None and deep:
                problem = self._deep_check()
            if problem is not None:
                self._problem = problem
                return IndexHealth(self.folder, [problem])
            self._open()
            return IndexHealth(self.folder, [self._problem] if self._problem else [])

    def _deep_check(self) -> str | None:
        try:
            ix = self._open_index(self.folder)
            searcher = ix.searcher()
            n = int(searcher.num_docs)
            if n:
                res = searcher.search(tantivy.Query.all_query(), n, count=True)
                for _score, address in res.hits:
                    doc = searcher.doc(address)
                    json.loads(doc["meta"][0])
                    bytes(doc["body"][0]).decode("utf-8")
            for fieldname in _TEXT_FIELDS + _ID_FIELDS:
                searcher.terms_with_prefix(fieldname, "")
        except Exception as exc:  # noqa: BLE001 - whatever damage makes tantivy raise
            return f"isi indeks rusak ({type(exc).__name__}: {exc})"
        return None

    def _filter_query(self, kind: str | None, date_from: dt.date | None, date_to: dt.date | None,
                      classification: str | None, office: str | None, year: int | None) -> ql.Node | None:
        return ql.filter_query(kind, date_from, date_to, classification, office, year)

    def _search(self, qstring: str, q: ql.Node | None, filt: ql.Node | None, notices: list[str],
                limit: int, sort: SortOrder, offset: int) -> SearchResults:
        with self._mutex:
            searcher = self._searcher()
            budget = _Budget(self.time_budget, qstring, notices)
            self._budget = budget
            self._expansions = {}
            try:
                if q is None:
                    return SearchResults(qstring, [], 0, {}, {}, notice=budget.notice())
                return self._answer(searcher, q, filt, limit, sort, qstring, offset, budget,
                                    lambda: correct_query(_Lexicon(searcher, budget.check),
                                                          qstring, budget.check))
            except ValueError as exc:  # what tantivy raises: damaged files, or a query it refuses
                text = str(exc).lower()
                if any(word in text for word in ("io error", "corrupt", "not found", "checksum")):
                    self._damaged(exc)
                raise SearchError(f"pencarian: mesin indeks tantivy menolak kueri ini ({exc}); "
                                  "sederhanakan kata kuncinya") from exc
            finally:
                self._budget = _Budget()
                self._expansions = {}

    def _build_query(self, qstring: str, notices: list[str] | None = None) -> ql.Node | None:
        return ql.build_query(qstring, notices)
    def _fuzzy_query(self, q: ql.Node) -> ql.Node | None:
        return ql.fuzzy_query(q)


    def _run(self, searcher: Any, q: ql.Node, filt: ql.Node | None, limit: int,
             sort: SortOrder, qstring: str, offset: int) -> SearchResults:
        tv = tantivy
        self._budget.check()
        main = self._translate(searcher, q)
        if filt is not None:
            main = tv.Query.boolean_query([
                (tv.Occur.Must, main),
                (tv.Occur.Must, tv.Query.const_score_query(self._translate(searcher, filt), 0.0)),
            ])
        everything = isinstance(q, ql.Every)
        # tantivy panics on a limit of 0 (counts only): ask for one hit and drop it below.
        fetch = max(limit, 1)
        # The counts per kind and year are a second pass over the matches: it runs beside
        # the ranked search (tantivy releases the GIL), which nearly halves the wait of a
        # query matching many documents (a common phrase at 100,000 documents: 40 -> 25 ms).
        counting = _Background(lambda: searcher.aggregate(main, {
            "kind": {"terms": {"field": "kind", "size": 10_000}},
            "year": {"terms": {"field": "year", "size": 10_000}},
        }))
        if sort == "relevance" and not everything:
            found = searcher.search(main, fetch, count=True, offset=offset)
        else:
            order = tv.Order.Asc if sort == "date_asc" else tv.Order.Desc
            found = searcher.search(main, fetch, count=True, order_by_field="date",
                                    offset=offset, order=order)
        total = int(found.count or 0)
        by_kind: dict[str, int] = {}
        by_year: dict[int, int] = {}
        aggs = counting.result()
        if total:
            by_kind = dict(sorted((str(b["key"]), int(b["doc_count"]))
                                  for b in aggs["kind"]["buckets"] if b["key"] != ""))
            by_year = dict(sorted((int(b["key"]), int(b["doc_count"]))
                                  for b in aggs["year"]["buckets"] if str(b["key"]).isdigit()))
        terms = self._highlight_terms(searcher, q)
        hits = []
        for score, address in found.hits[:limit]:
            doc = searcher.doc(address)
            meta = json.loads(doc["meta"][0])
            body = bytes(doc["body"][0]).decode("utf-8") if doc["body"] else ""
            date = dt.date.fromisoformat(meta["date"]) if meta.get("date") else None
            hits.append(SearchHit(
                doc_id=meta.get("doc_id", ""), number=meta.get("number", ""),
                kind=meta.get("kind", ""), title=meta.get("title", ""), date=date,
                case_id=meta.get("case_id", ""), path=meta.get("path", ""),
                score=float(score) if sort == "relevance" and not everything else 0.0,
                snippet=make_snippet(body, terms),
                classification=meta.get("classification", ""), office=meta.get("office", ""),
            ))
        return SearchResults(qstring, hits, total, by_kind, by_year)

    # -------------------------------------------------------------- translation

    def _translate(self, searcher: Any, q: ql.Node) -> Any:
        """The tantivy query for a query tree (see the module docstring)."""
        tv = tantivy
        Q, Occur = tv.Query, tv.Occur
        boost = q.boost or 1.0
        out: Any
        if q is ql.Null:
            return Q.empty_query()
        if isinstance(q, ql.Every):
            return Q.all_query()
        if isinstance(q, ql.Term):
            out = self._term(q.field, q.text)
        elif isinstance(q, ql.Require):  # "a REQUIRE b": both, scored by a
            out = Q.boolean_query([
                (Occur.Must, self._translate(searcher, q.a)),
                (Occur.Must, Q.const_score_query(self._translate(searcher, q.b), 0.0))])
        elif isinstance(q, ql.And):
            subs = [self._translate(searcher, s) for s in q.subs]
            out = Q.boolean_query([(Occur.Must, s) for s in subs]) if subs else Q.empty_query()
        elif isinstance(q, ql.Or):
            subs = [self._translate(searcher, s) for s in q.subs]
            if not subs:
                return Q.empty_query()
            out = Q.boolean_query([(Occur.Should, s) for s in subs],
                                  q.minmatch if q.minmatch > 1 else None)
        elif isinstance(q, ql.Not):
            out = Q.boolean_query([(Occur.Must, Q.all_query()),
                                   (Occur.MustNot, self._translate(searcher, q.sub))])
        elif isinstance(q, ql.AndNot):
            out = Q.boolean_query([(Occur.Must, self._translate(searcher, q.a)),
                                   (Occur.MustNot, self._translate(searcher, q.b))])
        elif isinstance(q, ql.AndMaybe):
            out = Q.boolean_query([(Occur.Must, self._translate(searcher, q.a)),
                                   (Occur.Should, self._translate(searcher, q.b))])
        elif isinstance(q, ql.Phrase):
            out = self._phrase(q)
        elif isinstance(q, ql.DateRange):
            out = Q.const_score_query(Q.range_query(
                self._schema, "date", tv.FieldType.Date,
                q.start if q.start is not None else tv.MIN_DATETIME,
                q.end if q.end is not None else tv.MAX_DATETIME,
                include_lower=not q.startexcl, include_upper=not q.endexcl), 1.0)
        elif isinstance(q, ql.MultiTerm):
            words = [b.decode("utf-8") for b in self._expand(searcher, q)]
            fieldname = q.field
            if not words or fieldname not in _TEXT_FIELDS + _ID_FIELDS:
                return Q.empty_query()
            if isinstance(q, ql.TermRange):  # constant score
                return Q.const_score_query(Q.term_set_query(self._schema, fieldname, words), boost)
            if len(words) == 1:
                out = self._term(fieldname, words[0])
            else:
                out = Q.boolean_query([(Occur.Should, self._term(fieldname, w)) for w in words])
        else:  # pragma: no cover - every node type is handled above
            raise SearchError(f"pencarian: bagian kueri {q!r} tidak didukung mesin tantivy")
        if boost != 1.0:
            out = Q.boost_query(out, boost)
        return out

    def _term(self, fieldname: str, text: str) -> Any:
        Q = tantivy.Query
        if fieldname not in _TEXT_FIELDS + _ID_FIELDS:
            return Q.empty_query()
        out = Q.term_query(self._schema, fieldname, text)
        field_boost = _BOOSTS.get(fieldname)
        return Q.boost_query(out, field_boost) if field_boost else out

    def _phrase(self, q: ql.Phrase) -> Any:
        Q = tantivy.Query
        fieldname = q.field
        words = list(q.words)
        if fieldname not in ("title", "text", "people") or not words:
            return Q.empty_query()
        if len(words) == 1:
            return self._term(fieldname, words[0])
        phrase: list[str | tuple[int, str]] = list(words)
        out = Q.phrase_query(self._schema, fieldname, phrase, slop=max(0, (q.slop or 1) - 1))
        field_boost = _BOOSTS.get(fieldname)
        return Q.boost_query(out, field_boost) if field_boost else out

    def _expand(self, searcher: Any, q: ql.Node) -> list[bytes]:
        """The indexed words (sorted, utf-8) a word pattern ``q`` stands for: at most
        MAX_EXPANSION_TERMS, the first ones alphabetically, with a notice past that."""
        cached = self._expansions.get(q)
        if cached is not None:
            return cached
        check = self._budget.check
        found: list[str] = []
        fieldname = getattr(q, "field", None)
        if fieldname in _TEXT_FIELDS + _ID_FIELDS:
            assert isinstance(fieldname, str)
            if isinstance(q, ql.Fuzzy):
                lexicon = _Lexicon(searcher, check)
                found = sorted(lexicon.terms_within(fieldname, q.text, q.maxdist, q.prefix))
            elif isinstance(q, ql.Prefix):
                found = self._scan(searcher, fieldname, q.text, None)
            elif isinstance(q, ql.Wildcard):
                pattern = re.compile(_wildcard_pattern(q.text))
                found = self._scan(searcher, fieldname, _literal_prefix(q.text), pattern.match)
            elif isinstance(q, ql.TermRange):
                start = q.start or ""
                end = q.end
                startexcl, endexcl = q.startexcl, q.endexcl
                common = os.path.commonprefix([start, end]) if end is not None else ""

                def in_range(term: str) -> bool:
                    if start and (term < start or (startexcl and term == start)):
                        return False
                    if end is not None and (term > end or (endexcl and term == end)):
                        return False
                    return True
                found = self._scan(searcher, fieldname, common, in_range)
        found = [w for w in found if w != _SEPARATOR]
        if len(found) > MAX_EXPANSION_TERMS:
            self._budget.note(ql.expansion_notice(q))
            found = found[:MAX_EXPANSION_TERMS]
        out = [w.encode("utf-8") for w in found]
        self._expansions[q] = out
        return out

    def _scan(self, searcher: Any, fieldname: str, prefix: str,
              keep: Callable[[str], Any] | None) -> list[str]:
        """Dictionary words of ``fieldname`` starting with ``prefix`` that ``keep``
        accepts, sorted (at most MAX_EXPANSION_TERMS + 1 are needed)."""
        self._budget.check()
        words = sorted(term for term, _freq in searcher.terms_with_prefix(
            fieldname, prefix, limit=_MAX_SCAN_TERMS))
        out: list[str] = []
        for i, word in enumerate(words):
            if not i & 1023:
                self._budget.check()
            if keep is None or keep(word):
                out.append(word)
                if len(out) > MAX_EXPANSION_TERMS:
                    break
        return out

    def _highlight_terms(self, searcher: Any, q: ql.Node) -> frozenset[str]:
        """Words to mark in snippets (``index._highlight_terms``): the words of the
        query in title, text and names, word patterns expanded (bounded)."""
        terms: set[str] = set()
        for leaf in ql.leaves(q):
            if getattr(leaf, "field", None) not in ("title", "text", "people"):
                continue
            if isinstance(leaf, ql.Term):
                terms.update(leaf.text.split(" "))
            elif isinstance(leaf, ql.Phrase):
                for word in leaf.words:
                    terms.update(word.split(" "))
            elif isinstance(leaf, ql.MultiTerm):
                for btext in self._expand(searcher, leaf):
                    terms.update(btext.decode("utf-8").split(" "))
        return frozenset(terms)


class _Background:
    """``work()`` run in another thread from now; :meth:`result` waits for it and returns
    its value or raises its exception in the caller. (``_thread``: the search path does not
    import ``threading``.)"""

    def __init__(self, work: Callable[[], Any]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._done = allocate_lock()
        self._done.acquire()
        start_new_thread(self._run, (work,))

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self._value = work()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            self._done.release()

    def result(self) -> Any:
        with self._done:
            pass
        if self._error is not None:
            raise self._error
        return self._value


def _wildcard_pattern(text: str) -> str:
    """The regular expression of a Whoosh wildcard (``*`` any run, ``?`` one character;
    Whoosh's ``Wildcard._get_pattern``)."""
    return fnmatch.translate(text)


def _rmtree(path: Path) -> None:
    import shutil  # not at import: a search seldom needs it

    shutil.rmtree(path, ignore_errors=True)


def _write_marker(folder: Path) -> None:
    write_marker(folder, {"engine": _ENGINE, "build": _random_hex(16),
                          "schema_version": TANTIVY_SCHEMA_VERSION,
                          "created": dt.datetime.now().isoformat(timespec="seconds")})
