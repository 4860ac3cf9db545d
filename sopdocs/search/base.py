"""What every search engine of sopdocs shares, without any engine: the interface
(:class:`SearchIndex`), its records and errors, the bounds of a query and their checks
on the query string, snippets, spelling suggestions (:func:`correct_query`), the time
budget, the folder lock and the crash-safe swap of a rebuilt folder (:class:`_Engine`).

The Whoosh engine (:mod:`sopdocs.search.index`, which re-exports all of this) and the
tantivy engine (:mod:`sopdocs.search.tantivyindex`) build on it. Importing this module
loads no engine (a cold ``sopdocs search`` on tantivy must not pay for Whoosh).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from _thread import RLock  # threading.RLock without importing threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from sopdocs.errors import DateError, SopdocsError
from sopdocs.search.textanalysis import (
    NIP_PATTERN,
    STOP_WORDS,
    known_stems,
    in_stem_session,
    stem,
    stem_tag,
    take_new_stems,
)

SortOrder = Literal["relevance", "date", "date_asc"]

# ------------------------------------------------------------------------- bounds
# What one query may cost. Without them, on 3,000 documents "*a* *e* *i* *o* *u*" took
# 16 s, "**" 10 s, "text:[a TO zzzz]" 8 s and "pendataan~99" 8 s (figures of the issue;
# bench/search.py --hostile times them now).

MIN_WILDCARD_PREFIX = 2
"""Letters a wildcard word needs before its first ``*``/``?``: ``*a*``, ``**``, ``a*``
and ``field:*`` are refused (they would read every word of the index)."""
MAX_EXPANSION_TERMS = 512
"""Indexed words one wildcard, prefix, range or fuzzy word may stand for; past this
only the first ones (in alphabetical order) are searched and the result has a notice."""


def expansion_message(shown: str) -> str:
    """The notice of a word pattern (``shown`` as the user wrote it) cut to its first
    :data:`MAX_EXPANSION_TERMS` words (both engines' query trees use it)."""
    return (f"{shown!r} cocok dengan lebih dari {MAX_EXPANSION_TERMS} kata di indeks; hanya "
            f"{MAX_EXPANSION_TERMS} kata pertama (urut abjad) yang dicari, hasil mungkin "
            "tidak lengkap: tulis awalan yang lebih panjang atau rentang yang lebih sempit")


MAX_FUZZY_DISTANCE = 2
"""Largest edit distance of ``word~N``; a larger N is lowered to this, with a notice
(a distance of 9 on a 9-letter word matches anything and took seconds)."""
FUZZY_PREFIX = 1
"""Letters at the start of a ``word~`` that must match exactly (Whoosh's parser gives 0,
which compares the word with every word of the index); also what spelling suggestions
and the fuzzy retry of a search without hits use."""
MAX_FUZZY_WORD_CHARS = 32
"""Longest word compared by spelling (``word~``, suggestions, the fuzzy retry): Whoosh
builds a Levenshtein automaton per word and segment, which took seconds for a word of a
few hundred letters. A longer ``word~`` is searched as written, with a notice."""
MAX_QUERY_CHARS = 500
"""Longest query string."""
MAX_CLAUSES = 32
"""Most words, phrases and field expressions in one query (a word looked up in title,
text and names counts once)."""
MAX_NESTING = 5
"""Deepest nesting of parentheses."""
QUERY_TIME_BUDGET_SECONDS = 2.0
"""Time one search may take. The main query past it raises :class:`QueryTimeoutError`;
spelling suggestions and fuzzy retries past it are skipped, with a notice."""


# --------------------------------------------------------------------------- errors


class IndexNeedsRebuildError(SopdocsError):
    """The index is damaged or was built with another schema; rebuild it."""


class IndexLockedError(SopdocsError):
    """Another process kept the index locked for longer than the wait limit."""


class SearchError(SopdocsError):
    """A query sopdocs will not run (too long, too broad, too deeply nested)."""


class QueryTimeoutError(SearchError):
    """The query did not finish within the time budget of one search."""


# ------------------------------------------------------------------------ data types


class _Record:
    """Equality, hashing and repr by fields, as the dataclasses these records were:
    plain classes because ``dataclasses`` (with ``inspect``) and making each dataclass
    cost a cold ``sopdocs search`` about 15 ms."""

    _fields: tuple[str, ...] = ()
    _frozen = False

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        if not self._frozen:
            raise TypeError(f"unhashable type: {type(self).__name__!r}")
        return hash(self._values())

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen and name in self._fields and name in self.__dict__:
            raise AttributeError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({args})"


class IndexedDocument(_Record):
    """One document as the index sees it.

    ``office``: the office (instansi) that sent the record, for records received from
    other offices (``sopdocs archive receive``); empty for the archive's own records."""

    _fields = ("doc_id", "number", "kind", "classification", "case_id", "title", "date",
               "people", "text", "path", "office")

    def __init__(self, doc_id: str, number: str, kind: str, classification: str,
                 case_id: str, title: str, date: dt.date, people: list[str] | None = None,
                 text: str = "", path: str = "", office: str = "") -> None:
        self.doc_id = doc_id
        self.number = number
        self.kind = kind
        self.classification = classification
        self.case_id = case_id
        self.title = title
        self.date = date
        self.people: list[str] = [] if people is None else people
        self.text = text
        self.path = path
        self.office = office


class SearchHit(_Record):
    """One hit. ``snippet``: plain text around the matched words, which are marked
    ``[[like this]]``. Immutable."""

    _fields = ("doc_id", "number", "kind", "title", "date", "case_id", "path", "score",
               "snippet", "classification", "office")
    _frozen = True

    def __init__(self, doc_id: str, number: str, kind: str, title: str,
                 date: dt.date | None, case_id: str, path: str, score: float, snippet: str,
                 classification: str = "", office: str = "") -> None:
        self.doc_id = doc_id
        self.number = number
        self.kind = kind
        self.title = title
        self.date = date
        self.case_id = case_id
        self.path = path
        self.score = score
        self.snippet = snippet
        self.classification = classification
        self.office = office


class SearchResults(_Record):
    """The answer to a search.

    * ``total``: number of matching documents (all of them, not only ``hits``);
    * ``did_you_mean``: a corrected query when the query as typed found few or no
      documents;
    * ``fuzzy``: True when the hits are for the corrected/fuzzy query, not the query as
      typed;
    * ``notice``: why the results may be incomplete or differ from the query as typed
      (a wildcard limited to its first words, a fuzzy distance lowered...), for the
      user; else None."""

    _fields = ("query", "hits", "total", "by_kind", "by_year", "did_you_mean", "fuzzy",
               "notice")

    def __init__(self, query: str, hits: list[SearchHit], total: int,
                 by_kind: dict[str, int], by_year: dict[int, int],
                 did_you_mean: str | None = None, fuzzy: bool = False,
                 notice: str | None = None) -> None:
        self.query = query
        self.hits = hits
        self.total = total
        self.by_kind = by_kind
        self.by_year = by_year
        self.did_you_mean = did_you_mean
        self.fuzzy = fuzzy
        self.notice = notice

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[SearchHit]:
        return iter(self.hits)


class IndexCounts(_Record):
    _fields = ("total", "by_kind", "by_year")
    _frozen = True

    def __init__(self, total: int, by_kind: dict[str, int], by_year: dict[int, int]) -> None:
        self.total = total
        self.by_kind = by_kind
        self.by_year = by_year


class IndexHealth(_Record):
    _fields = ("folder", "problems")
    _frozen = True

    def __init__(self, folder: Path, problems: list[str]) -> None:
        self.folder = folder
        self.problems = problems

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return f"{self.folder}: indeks baik"
        return f"{self.folder}: indeks perlu dibangun ulang: " + "; ".join(self.problems)


# ------------------------------------------------------------------------- interface

MAX_OFFSET = 10_000
"""Deepest page a search may ask for (hits skipped with ``offset``)."""


def check_search_args(sort: str, date_from: dt.date | None, date_to: dt.date | None,
                      limit: int, offset: int, year: int | None) -> None:
    """The argument checks every backend makes before searching."""
    if sort not in ("relevance", "date", "date_asc"):
        raise SopdocsError(f"pencarian: urutan {sort!r} tidak dikenal "
                           "(relevance, date, date_asc)")
    if date_from and date_to and date_from > date_to:
        raise DateError(f"pencarian: tanggal awal {date_from} sesudah tanggal akhir {date_to}")
    if limit < 0:
        raise SopdocsError(f"pencarian: jumlah hasil {limit} tidak boleh negatif")
    if not 0 <= offset <= MAX_OFFSET:
        raise SopdocsError(f"pencarian: offset {offset} di luar 0..{MAX_OFFSET}; "
                           "persempit pencarian dengan saringan")
    if year is not None and not 1 <= year <= 9999:
        raise SopdocsError(f"pencarian: tahun {year} di luar 1..9999")



class SearchIndex(ABC):
    """What sopdocs needs from a search engine."""

    @abstractmethod
    def add(self, docs: Iterable[IndexedDocument]) -> int:
        """Add documents, replacing any with the same ``doc_id``. Returns the count."""

    def update(self, docs: Iterable[IndexedDocument]) -> int:
        """Same as :meth:`add` (documents are keyed by ``doc_id``)."""
        return self.add(docs)

    @abstractmethod
    def delete(self, doc_id: str) -> bool:
        """Remove a document; False if it was not in the index."""

    @abstractmethod
    def search(
        self,
        query: str,
        *,
        kind: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        limit: int = 20,
        sort: SortOrder = "relevance",
        offset: int = 0,
        classification: str | None = None,
        office: str | None = None,
        year: int | None = None,
    ) -> SearchResults:
        """Search; see :class:`WhooshIndex` for the query language.

        ``offset``: hits to skip (paging; ``total`` and the counts are unchanged).
        ``classification``: that code or any code below it (``800`` keeps
        ``800.1.11.1``); ``office``: records sent by that office (exact name);
        ``year``: documents dated in that year."""

    @abstractmethod
    def rebuild(self, docs: Iterable[IndexedDocument]) -> int:
        """Replace the whole index with ``docs`` (crash-safe). Returns the count."""

    @abstractmethod
    def counts(self) -> IndexCounts:
        """Number of documents, in total, per kind and per year."""

    @abstractmethod
    def check(self, deep: bool = False) -> IndexHealth:
        """Look for damage or a schema change."""

    def close(self) -> None:  # noqa: B027 - optional for engines without resources
        """Release open files."""

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------- engine base


class _Engine(SearchIndex):
    """What the Whoosh and tantivy indexes share: counts, the crash-safe swap of a rebuilt
    folder, and the retry of a query without hits (corrected spelling, then fuzzy words).
    Subclasses set ``folder`` and ``_mutex`` and implement ``_open``, ``_build_query``,
    ``_run`` and ``_fuzzy_query``; queries are whatever the engine parses them into
    (a Whoosh query tree, or a :mod:`sopdocs.search.querylang` tree), so this base
    needs no engine."""

    folder: Path
    _mutex: RLock
    _lock: _FolderLock

    def _inspect(self, folder: Path) -> str | None:
        """What is wrong with the index in ``folder`` (None: usable)."""
        raise NotImplementedError

    def _recover(self) -> None:
        """Finish or undo a swap that a crash interrupted; drop abandoned builds."""
        parent, name = self.folder.parent, self.folder.name
        if not parent.is_dir():
            return
        news = [p for p in parent.glob(f"{name}.new-*") if p.is_dir()]
        olds = [p for p in parent.glob(f"{name}.old-*") if p.is_dir()]
        if not news and not olds:
            return
        if self.folder.exists() and not self._lock.try_hold():
            return  # somebody is building right now
        import shutil  # not at import: a search seldom needs it

        with self._lock.hold():
            news = [p for p in parent.glob(f"{name}.new-*") if p.is_dir()]
            olds = [p for p in parent.glob(f"{name}.old-*") if p.is_dir()]
            complete = sorted((p for p in news if (p / BUILD_MARKER).exists()),
                              key=lambda p: p.stat().st_mtime_ns)
            if complete and self._inspect(complete[-1]) is None:
                if self.folder.exists():
                    _rename_retry(self.folder, parent / f"{name}.old-{_random_hex(4)}")
                _rename_retry(complete[-1], self.folder)
            elif not self.folder.exists() and olds:
                _rename_retry(max(olds, key=lambda p: p.stat().st_mtime_ns), self.folder)
            for p in list(parent.glob(f"{name}.new-*")) + list(parent.glob(f"{name}.old-*")):
                shutil.rmtree(p, ignore_errors=True)

    def _open(self) -> None:
        raise NotImplementedError

    @in_stem_session
    def search(
        self,
        query: str,
        *,
        kind: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        limit: int = 20,
        sort: SortOrder = "relevance",
        offset: int = 0,
        classification: str | None = None,
        office: str | None = None,
        year: int | None = None,
    ) -> SearchResults:
        check_search_args(sort, date_from, date_to, limit, offset, year)
        qstring = (query or "").strip()
        notices: list[str] = []
        q = self._build_query(qstring, notices)
        filt = self._filter_query(kind, date_from, date_to, classification, office, year)
        return self._search(qstring, q, filt, notices, limit, sort, offset)

    def _search(self, qstring: str, q: Any, filt: Any, notices: list[str], limit: int,
                sort: SortOrder, offset: int) -> SearchResults:
        """The engine's part of :meth:`search`: ``q`` is None for a query of only stop
        words (no hits, with the notices)."""
        raise NotImplementedError

    def _build_query(self, qstring: str, notices: list[str] | None = None) -> Any:
        raise NotImplementedError

    def _filter_query(self, kind: str | None, date_from: dt.date | None, date_to: dt.date | None,
                      classification: str | None, office: str | None, year: int | None) -> Any:
        raise NotImplementedError

    def _run(self, searcher: Any, q: Any, filt: Any, limit: int,
             sort: SortOrder, qstring: str, offset: int) -> SearchResults:
        raise NotImplementedError

    def _fuzzy_query(self, q: Any) -> Any:
        """``q`` with its plain words also matched with a spelling distance, or None."""
        raise NotImplementedError

    def counts(self) -> IndexCounts:
        res = self.search("", limit=1)
        return IndexCounts(total=res.total, by_kind=res.by_kind, by_year=res.by_year)

    def _swap_in(self, new: Path) -> None:
        """Put the rebuilt folder ``new`` in place of the index folder (the old one is
        renamed aside, then removed), and reopen."""
        with self._mutex:
            self.close()
            old = self.folder.parent / f"{self.folder.name}.old-{_random_hex(4)}"
            if self.folder.exists():
                _rename_retry(self.folder, old)
            _rename_retry(new, self.folder)
            import shutil

            shutil.rmtree(old, ignore_errors=True)
            self._open()

    def _answer(self, searcher: Any, q: Any, filt: Any, limit: int,
                sort: SortOrder, qstring: str, offset: int, budget: _Budget,
                correct: Callable[[], str | None]) -> SearchResults:
        """Run ``q``; with few hits, suggest a corrected query (``correct``); with none, retry
        it corrected, then with fuzzy words. Suggestions give way to the time budget."""
        res = self._run(searcher, q, filt, limit, sort, qstring, offset)
        try:
            if res.total <= 2 and qstring:
                res.did_you_mean = correct()
            if res.total == 0 and qstring:
                retry = self._fallback(searcher, q, filt, limit, sort, qstring, res.did_you_mean, offset)
                if retry is not None:
                    retry.did_you_mean = res.did_you_mean
                    res = retry
        except QueryTimeoutError:
            budget.note(f"saran ejaan dan pencarian ejaan mirip dilewati: batas waktu "
                        f"{budget.seconds:g} detik habis")
        res.notice = budget.notice()
        return res

    def _fallback(self, searcher: Any, q: Any, filt: Any, limit: int,
                  sort: SortOrder, qstring: str, corrected: str | None,
                  offset: int = 0) -> SearchResults | None:
        """No hits: try the corrected query, then the query with fuzzy words."""
        if corrected:
            try:
                cq = self._build_query(corrected)
            except SopdocsError:
                cq = None
            if cq is not None:
                res = self._run(searcher, cq, filt, limit, sort, qstring, offset)
                if res.total:
                    res.fuzzy = True
                    return res
        fq = self._fuzzy_query(q)
        if fq is not None:
            res = self._run(searcher, fq, filt, limit, sort, qstring, offset)
            if res.total:
                res.fuzzy = True
                return res
        return None


# ----------------------------------------------------------------------- query syntax

# A document number typed as a whole word: has a "/" and a digit, e.g.
# 800.1.11.1/015/DTK/2024 or B-12/SEKRET/VII/2024.
_NUMBER_RE = re.compile(r"(?<!\S)(?=[\w.\-/]*\d)\w[\w.\-]*(?:/[\w.\-]+)+(?!\S)")
_FIELD_EXPR_RE = re.compile(r"\b\w+:(?:\[[^\]]*\]?|\{[^}]*\}?|\"[^\"]*\"?|'[^']*'?|\S+)")
_DATE_EXPR_RE = re.compile(r"\b(?:date|tanggal):(\[[^\]]*\]?|\{[^}]*\}?|\S+)", re.IGNORECASE)
_DATE_VALUE_RE = re.compile(r"^(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?$")
_NIP_RE = re.compile(NIP_PATTERN)
_CORRECTABLE_RE = re.compile(r"(?<![\w:*?~'\-])[^\W\d_]{4,}(?![\w*?~'\-])")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
# "verifikasi AND": an operator with nothing on one side would become a required word.
_DANGLING_OP_RE = re.compile(
    r"^\s*(?:(?:AND|OR|ANDNOT|ANDMAYBE)\s+)+|(?:\s+(?:AND|OR|NOT|ANDNOT|ANDMAYBE))+\s*$")


_FUZZY_DISTANCE_RE = re.compile(r"(\w+)~(\d+)")
_WILDCARD_CHARS = "*?["


def _check_query_shape(qstring: str) -> None:
    """Raise SearchError for a query too long or too deeply nested to parse cheaply."""
    if len(qstring) > MAX_QUERY_CHARS:
        raise SearchError(
            f"pencarian: kueri terlalu panjang ({len(qstring)} karakter; paling banyak "
            f"{MAX_QUERY_CHARS}); persingkat kata kuncinya")
    depth = deepest = 0
    quoted = False
    for ch in qstring:
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth = max(0, depth - 1)
    if deepest > MAX_NESTING:
        raise SearchError(
            f"pencarian: tanda kurung bersarang {deepest} tingkat; paling banyak "
            f"{MAX_NESTING} tingkat")


def _clamp_fuzzy_distances(qstring: str, notices: list[str]) -> str:
    """``word~N`` with N over MAX_FUZZY_DISTANCE becomes ``word~MAX_FUZZY_DISTANCE``.
    Done on the string: Whoosh's parser reads one digit and would take ``pendataan~99``
    for ``pendataan~9`` AND ``9``."""
    def lower(m: re.Match[str]) -> str:
        word, distance = m.group(1), int(m.group(2))
        if distance <= MAX_FUZZY_DISTANCE:
            return m.group(0)
        _note(notices, f"{m.group(0)!r}: jarak ejaan {distance} diturunkan menjadi "
                       f"{MAX_FUZZY_DISTANCE} (paling banyak {MAX_FUZZY_DISTANCE} huruf berbeda)")
        return f"{word}~{MAX_FUZZY_DISTANCE}"
    return _FUZZY_DISTANCE_RE.sub(lower, qstring)


def _note(notices: list[str], message: str) -> None:
    if message not in notices:
        notices.append(message)


def _literal_prefix(text: str) -> str:
    cut = min((i for i in (text.find(c) for c in _WILDCARD_CHARS) if i >= 0), default=len(text))
    return text[:cut]


def _too_broad(shown: str) -> SearchError:
    return SearchError(
        f"pencarian: {shown!r} terlalu luas: tulis paling sedikit {MIN_WILDCARD_PREFIX} huruf "
        f"sebelum * atau ? (mis. 'pendata*' atau 'surat tugas'), bukan tanda bintang di depan")


def _check_date_syntax(qstring: str) -> None:
    """Raise DateError for a ``date:`` value Whoosh would silently ignore."""
    for m in _DATE_EXPR_RE.finditer(qstring):
        expr = m.group(1)
        if expr[:1] in "[{":
            inner = expr[1:].rstrip("]}")
            values = [v for v in re.split(r"\s+TO\s+|\s+to\s+", inner.strip()) if v.strip()]
        else:
            values = [expr]
        for value in values:
            _parse_date_value(value.strip(), m.group(0))


def _parse_date_value(value: str, expr: str) -> None:
    vm = _DATE_VALUE_RE.match(value)
    problem = None
    if not vm:
        problem = "bukan tanggal; tulis TTTT, TTTTBB atau TTTTBBHH (mis. 20240131)"
    else:
        year, month, day = (int(g) if g else 1 for g in vm.groups())
        try:
            dt.date(year, month, day)
        except ValueError:
            problem = "tanggal tidak ada di kalender"
    if problem:
        raise DateError(f"pencarian: {expr!r}: nilai tanggal {value!r} {problem}")


def _date_to_datetime(d: dt.date) -> dt.datetime:
    if isinstance(d, dt.datetime):
        return d
    return dt.datetime(d.year, d.month, d.day)


# --------------------------------------------------------------------------- snippets

_SPACE_RE = re.compile(r"\s+")
# Control characters (terminal escapes start with ESC or CSI) and bidirectional
# overrides: never useful in a one-line excerpt, dropped so snippets add nothing unsafe.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u200e\u200f"
                         "\u202a-\u202e\u2066-\u2069]")


def make_snippet(text: str, terms: frozenset[str], width: int = 200,
                 mark: tuple[str, str] = ("[[", "]]")) -> str:
    """Plain-text excerpt of ``text`` around the first words whose analysed form is in
    ``terms`` (stems, lower-case words, NIPs), those words marked with ``mark``.
    Control characters of ``text`` (terminal escapes...) are left out. With more than
    ``_SNIPPET_STEM_TERMS`` terms (a wide wildcard or range) only words written as a
    term are marked: the probes then match most words, and stemming each one with
    Sastrawi costs about a millisecond."""
    spans = _match_spans(text, terms, width)
    if not spans:  # e.g. a match on the title or on a filter only: show the start
        head = _SPACE_RE.sub(" ", _CONTROL_RE.sub("", text[: width + 40])).strip()
        if len(head) <= width:
            return head
        return head[:width].rsplit(" ", 1)[0] + "…"
    first = spans[0][0]
    start = max(0, first - width // 4)
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and first - space < width // 2 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.find(" ", end)
        end = space if 0 <= space < end + 20 else end
    pieces: list[str] = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        if s < pos or e > end:
            continue
        pieces.append(text[pos:s])
        pieces.append(f"{mark[0]}{text[s:e]}{mark[1]}")
        pos = e
    pieces.append(text[pos:end])
    pieces.append("…" if end < len(text) else "")
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub("", "".join(pieces))).strip()


def _probe_pattern(terms: frozenset[str]) -> re.Pattern[str] | None:
    """One regex finding every place where a word that analyses to one of ``terms``
    could be. Sastrawi removes affixes and may change only the first letter of the
    root (pengumpulan -> kumpul), so a stem minus its first letter is a safe probe."""
    probes = []
    for term in terms:
        if not term:
            continue
        if len(term) == 18 and term.isdigit():  # NIP, printed with or without spaces
            probes.append(rf"{term[:8]}\s?{term[8:14]}\s?{term[14]}\s?{term[15:]}")
        elif term.isalpha() and len(term) >= 4:
            probes.append(re.escape(term[1:]))
        else:
            probes.append(re.escape(term))
    if not probes:
        return None
    probes.sort(key=len, reverse=True)
    return re.compile("|".join(probes))


_COMPOUND_JOINERS = "-./'’"


_SNIPPET_STEM_TERMS = 64


def _match_spans(text: str, terms: frozenset[str], width: int) -> list[tuple[int, int]]:
    pattern = _probe_pattern(terms)
    if pattern is None:
        return []
    stems = len(terms) <= _SNIPPET_STEM_TERMS
    low = text.lower()
    n = len(low)
    spans: list[tuple[int, int]] = []
    stop_at = n
    for m in pattern.finditer(low):
        ms, me = m.span()
        if ms > stop_at:
            break
        if spans and ms < spans[-1][1]:
            continue
        found: tuple[int, int] | None = None
        if " " in m.group(0) or (len(m.group(0)) == 18 and m.group(0).isdigit()):
            found = (ms, me)  # a whole NIP
        else:
            ws, we = ms, me
            while ws > 0 and (low[ws - 1].isalnum() or low[ws - 1] == "_"):
                ws -= 1
            while we < n and (low[we].isalnum() or low[we] == "_"):
                we += 1
            word = low[ws:we]
            if word not in STOP_WORDS and (word in terms or (stems and stem(word) in terms)):
                found = (ws, we)
            else:  # a compound such as k-2024-0001 indexed whole
                cs, ce = ws, we
                while cs > 1 and low[cs - 1] in _COMPOUND_JOINERS and low[cs - 2].isalnum():
                    cs -= 1
                    while cs > 0 and low[cs - 1].isalnum():
                        cs -= 1
                while ce < n - 1 and low[ce] in _COMPOUND_JOINERS and low[ce + 1].isalnum():
                    ce += 1
                    while ce < n and low[ce].isalnum():
                        ce += 1
                if (cs, ce) != (ws, we) and low[cs:ce] in terms:
                    found = (cs, ce)
        if found:
            if spans and found[0] < spans[-1][1]:
                continue
            spans.append(found)
            if len(spans) == 1:
                stop_at = found[0] + width
    return spans


# ----------------------------------------------------------------------------- locks


def _file_lock(path: str) -> Any:
    """Whoosh's portable OS file lock (fcntl/msvcrt; sopdocs.archive.lockfile uses the
    same), imported only when a writer needs it: a search takes no lock."""
    from whoosh.util.filelock import FileLock

    return FileLock(path)


class _FolderLock:
    """Exclusive inter-process lock on ``<index>.lock`` with bounded waiting.

    Re-entrant within one index object (guarded by a thread lock)."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._depth = 0
        self._lock: Any = None
        self._thread_lock = RLock()

    @contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        with self._thread_lock:
            if self._depth == 0:
                self._acquire(self.timeout if timeout is None else timeout)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._lock is not None:
                    self._lock.release()
                    self._lock = None

    def try_hold(self) -> bool:
        """Non-blocking probe: True if nobody else holds the lock right now."""
        with self._thread_lock:
            if self._depth:
                return True
            lock = _file_lock(str(self.path))
            if lock.acquire(blocking=False):
                lock.release()
                return True
            return False

    def _acquire(self, timeout: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            lock = _file_lock(str(self.path))
            if lock.acquire(blocking=False):
                self._lock = lock
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise IndexLockedError(
                    f"{self.path}: indeks sedang dipakai proses lain (menulis atau membangun "
                    f"ulang) dan tidak lepas dalam {timeout:g} detik; coba lagi nanti"
                )
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.5)


# ---------------------------------------------------------------- suggestions


def correct_query(reader: Any, qstring: str, check: Callable[[], None]) -> str | None:
    """Replace words that occur nowhere in the index by the closest indexed word.
    ``reader`` needs ``doc_frequency(field, word)`` and ``terms_within(field, word,
    maxdist, prefix)`` (a Whoosh reader, or the tantivy backend's adapter)."""
    masked = [(m.start(), m.end()) for m in _FIELD_EXPR_RE.finditer(qstring)]
    masked += [(m.start(), m.end()) for m in _NUMBER_RE.finditer(qstring)]
    masked += [(m.start(), m.end()) for m in _NIP_RE.finditer(qstring)]
    out, pos, changed = [], 0, False
    for m in _CORRECTABLE_RE.finditer(qstring):
        word = m.group(0)
        if word in _OPERATORS or any(s <= m.start() < e for s, e in masked):
            continue
        check()
        if len(word) > MAX_FUZZY_WORD_CHARS:
            continue
        sug = _suggest(reader, word.lower(), check)
        if sug is None:
            continue
        if word.isupper():
            sug = sug.upper()
        elif word[0].isupper():
            sug = sug[0].upper() + sug[1:]
        out.append(qstring[pos:m.start()])
        out.append(sug)
        pos = m.end()
        changed = True
    if not changed:
        return None
    out.append(qstring[pos:])
    return "".join(out)


def _no_check() -> None:
    pass


def _suggest(reader: Any, word: str, check: Callable[[], None] = _no_check) -> str | None:
    """Closest indexed word to an unknown ``word`` (names from ``people``, words of
    titles and texts from ``words`` and the stems in ``text``/``title``), or None if ``word``
    is known. Closer words win, then more frequent ones."""
    stemmed = stem(word)
    if (reader.doc_frequency("people", word) or reader.doc_frequency("words", word)
            or reader.doc_frequency("text", stemmed) or reader.doc_frequency("title", stemmed)):
        return None
    for maxdist in (1, 2):
        best: tuple[int, str] | None = None
        for fieldname in ("people", "words", "text", "title"):
            check()
            for sug in reader.terms_within(fieldname, word, maxdist, prefix=FUZZY_PREFIX):
                if sug == word or not sug.isalpha():
                    continue
                freq = reader.doc_frequency(fieldname, sug)
                if freq and (best is None or freq > best[0] or
                             (freq == best[0] and sug < best[1])):
                    best = (freq, sug)
        if best:
            return best[1]
    return None


# ---------------------------------------------------------------- time budget


class _Budget:
    """Deadline and notices of one search. ``check`` is called between units of work
    (posting blocks, expanded words, candidate documents), so a search stops within a
    block's worth of work after the deadline. (Not Whoosh's TimeLimitCollector: the
    evaluator does not use collectors, and its SIGALRM mode replaces the process's
    signal handler and only works in the main thread.)"""

    def __init__(self, seconds: float | None = None, qstring: str = "",
                 notices: list[str] | None = None) -> None:
        self.seconds = seconds
        self.qstring = qstring
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.notices = notices if notices is not None else []

    def check(self) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise QueryTimeoutError(
                f"pencarian: {self.qstring!r} dihentikan setelah {self.seconds:g} detik "
                "(batas waktu satu pencarian); persempit pencarian: kata yang lebih khusus, "
                "awalan yang lebih panjang sebelum *, atau saring jenis/tanggal")

    def note(self, message: str) -> None:
        _note(self.notices, message)

    def notice(self) -> str | None:
        return "; ".join(self.notices) or None


# ---------------------------------------------------------------------- folders


def keep_stems(folder: Path, everything: bool = False) -> None:
    """Keep the stems learned in this process with the index in ``folder`` (all known
    ones for a new index): see :mod:`sopdocs.search.stemstore`."""
    from sopdocs.search import stemstore

    stems = known_stems() if everything else {}
    stems.update(take_new_stems())
    stemstore.save(folder, stems, stem_tag())


BUILD_MARKER = "sopdocs-build.json"
"""Written last into a built index folder: a folder without it is an unfinished build."""


def write_marker(folder: Path, data: dict[str, object]) -> None:
    """Write :data:`BUILD_MARKER` (``data`` as JSON) into ``folder``, atomically."""
    import json

    tmp = folder / f"{BUILD_MARKER}.{_random_hex(4)}.tmp"
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, folder / BUILD_MARKER)


def _random_hex(nbytes: int) -> str:
    """Random hex digits for temporary names (not ``uuid``: it imports ``platform``,
    a few milliseconds of every cold search)."""
    return os.urandom(nbytes).hex()


def _rename_retry(src: Path, dst: Path, timeout: float = 10.0) -> None:
    """Rename, retrying while Windows reports the folder busy (open files elsewhere)."""
    from sopdocs.fsutil import replace_retrying

    replace_retrying(src, dst, timeout=timeout, rename=os.rename, on_give_up=lambda exc: IndexLockedError(
        f"{src}: tidak dapat mengganti folder indeks (berkas masih dibuka program "
        f"lain? tutup jendela sopdocs lain lalu ulangi): {exc}"
    ))
