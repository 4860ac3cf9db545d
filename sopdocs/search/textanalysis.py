"""Indonesian text analysis for the search index, without Whoosh.

The pure text functions both engines share: the token patterns, stop words, NIP
normalisation, Sastrawi stemming with its caches (:func:`stem`, :func:`use_stems`,
:func:`take_new_stems`, :func:`known_stems`, :func:`stem_tag`), and the fast term
producers (:func:`scan`, :func:`index_terms`, :func:`terms_of`, :func:`text_postings`,
:func:`inflected`).

Importing this module loads neither Whoosh nor Sastrawi (the stemmer is created on first
use), so the tantivy engine's cold ``sopdocs search`` stays light. The Whoosh analyzers
built from the same rules are in :mod:`sopdocs.search.analysis`.

``ANALYSIS_VERSION`` is part of every analyzer's repr, which the Whoosh index compares on
open, and of :func:`stem_tag`: bump it whenever the output of this analysis changes, so
existing indexes are recognised as needing a rebuild.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

ANALYSIS_VERSION = 1

# A NIP (Nomor Induk Pegawai) is 18 digits: birth date (8), appointment year+month (6),
# sex (1), serial (3). It is usually printed in four groups separated by spaces.
NIP_PATTERN = r"(?<!\d)\d{8}[ \t]?\d{6}[ \t]?\d[ \t]?\d{3}(?!\d)"
_NIP_RE = re.compile(NIP_PATTERN)
_BLANK_RE = re.compile(r"[ \t]")

# Compound words: runs of word characters joined by - . / or an apostrophe, so that
# codes and document numbers stay one token ("k-2024-0001", "800.1.11.1/015/dtk/2024").
_WORD_PATTERN = r"\w+(?:[-./'\u2019]\w+)*"
TOKEN_PATTERN = f"{NIP_PATTERN}|{_WORD_PATTERN}"
_PART_RE = re.compile(r"\w+")

# Function words that carry no meaning for search. Written for this project; negations
# ("tidak", "bukan") are kept on purpose because SOP decisions are phrased with them.
STOP_WORDS: frozenset[str] = frozenset(
    """
    yang dan di ke dari untuk dengan pada dalam atau ini itu adalah ialah sebagai oleh
    akan telah sudah sedang masih juga pun lagi saja hanya karena sebab agar supaya
    bahwa maka jika apabila bila kalau namun tetapi tapi serta hingga sampai antara
    tersebut para bagi terhadap secara dapat bisa harus perlu lebih paling sangat
    kami kita mereka saya anda ia dia beliau nya pula yaitu yakni seperti tentang
    atas bawah sejak selama setelah sebelum ketika sehingga dimana adapun
    """.split()
)

_STEM_MIN_LENGTH = 4


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


_KNOWN_LIMIT = 1_000_000
_known: dict[str, str] = {}
"""Stems read from index folders (:mod:`sopdocs.search.stemstore`)."""
_new: dict[str, str] = {}
"""Stems Sastrawi computed in this process, for the index writers to keep."""
_loaded: set[Path] = set()
_lookup_folders: list[Path] = []


def use_stems(folder: Path, *, bulk: bool) -> None:
    """Take the stems kept in an index folder: all of them now (``bulk``, before
    indexing), or each word when it is first stemmed (searching: a few words)."""
    from sopdocs.search import stemstore

    folder = Path(folder)
    if bulk:
        if folder not in _loaded:
            if len(_known) > _KNOWN_LIMIT:
                _known.clear()
                _loaded.clear()
            _known.update(stemstore.load_all(folder, stem_tag()))
            _loaded.add(folder)
    elif folder not in _lookup_folders:
        _lookup_folders.append(folder)
        del _lookup_folders[:-4]


@lru_cache(maxsize=1)
def stem_tag() -> str:
    """What stems depend on: this analysis and the Sastrawi version."""
    return f"analysis {ANALYSIS_VERSION}, Sastrawi {_sastrawi_version()}"


def _sastrawi_version() -> str:
    """PySastrawi's version (read without ``importlib.metadata``: see
    :func:`sopdocs.runtime.installed_version`)."""
    from sopdocs.runtime import installed_version

    return installed_version("Sastrawi", "PySastrawi") or "?"


_session = threading.local()


@contextmanager
def stem_session() -> Iterator[None]:
    """Within it, stems kept in index folders are read through one connection per folder
    instead of one per word (a search stems its query words and the words of its snippets:
    10 to 20 lookups). Connections are per thread and closed on leaving, so no file stays
    open between searches (an open file would stop the index folder swap on Windows)."""
    outer = getattr(_session, "readers", None)
    if outer is not None:
        yield
        return
    readers: dict[Path, Any] = {}
    _session.readers = readers
    try:
        yield
    finally:
        _session.readers = None
        for con in readers.values():
            if con is not None:
                con.close()


def in_stem_session(method: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run ``method`` within :func:`stem_session` (the engines' ``search``)."""
    @wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with stem_session():
            return method(*args, **kwargs)
    return run


def _stored_stem(folder: Path, word: str) -> str | None:
    from sopdocs.search import stemstore

    readers: dict[Path, Any] | None = getattr(_session, "readers", None)
    if readers is None:
        return stemstore.lookup(folder, [word], stem_tag()).get(word)
    if folder not in readers:
        readers[folder] = stemstore.reader(folder, stem_tag())
    con = readers[folder]
    if con is None:
        return None
    return stemstore.lookup(folder, [word], stem_tag(), con).get(word)


def take_new_stems() -> dict[str, str]:
    """The stems Sastrawi computed since the last call (for the index writers)."""
    out = dict(_new)
    _new.clear()
    if len(_known) + len(out) > _KNOWN_LIMIT:
        _known.clear()
        _loaded.clear()
    _known.update(out)  # still known to this process (a later rebuild keeps them all)
    return out


def known_stems() -> dict[str, str]:
    """Every stem this process knows (kept ones and new ones), for a rebuilt index."""
    return {**_known, **_new}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Sastrawi stem of one lower-case word (cached: Sastrawi is slow per call, and
    the stems an index holds are kept with it, see :func:`use_stems`).

    Only purely alphabetic words of 4+ letters are stemmed; codes, numbers and
    short words are returned unchanged.
    """
    if len(word) < _STEM_MIN_LENGTH or not word.isalpha():
        return word
    kept = _known.get(word)
    if kept is not None:
        return kept
    for folder in _lookup_folders:
        found = _stored_stem(folder, word)
        if found is not None:
            _known[word] = found
            return found
    result = _stemmer().stem(word)
    # Sastrawi normalises its input (drops punctuation, may return ""); never lose a word.
    result = result if result and result.isalpha() else word
    if len(_new) < _KNOWN_LIMIT:
        _new[word] = result
    return result


def normalize_nip(text: str) -> str:
    """Remove the spaces inside NIPs: "19720319 198003 1 001" -> "197203191980031001"."""
    return _NIP_RE.sub(lambda m: _BLANK_RE.sub("", m.group(0)), text)


_TOKEN_RE = re.compile(TOKEN_PATTERN)
_WORD_RE = re.compile(_WORD_PATTERN)

TermKind = str
"""What :func:`index_terms` produces: ``"text"`` (as :func:`indonesian_analyzer`),
``"words"`` (as :func:`words_analyzer`) or ``"people"`` (as :func:`people_analyzer`)."""


class _Separators(dict[int, str]):
    """``str.translate`` table: characters that can be in a token (word characters and
    the joiners of compounds) stay, every other one becomes a space."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        kept = ch if ch.isalnum() or ch == "_" or ch in _JOINERS else " "
        self[code] = kept
        return kept


_JOINERS = frozenset("-./'\u2019")
_SEPARATORS = _Separators()


def _word_tokens(text: str) -> list[str]:
    """``_WORD_RE.findall(text)``, faster: tokens never span a character that is neither
    a word character nor a joiner, so the text is cut there first (``translate`` and
    ``split`` run in C) and only the pieces that are not plain words (a compound, a word
    with a joiner before or after it) go through the regex."""
    out: list[str] = []
    append, extend, findall = out.append, out.extend, _WORD_RE.findall
    for piece in text.translate(_SEPARATORS).split():
        if piece.isalnum():
            append(piece)
        else:
            extend(findall(piece))
    return out


def _raw_tokens(text: str) -> list[str]:
    """The lower-cased tokens :class:`WordFilter` sees (NIPs joined), stop words kept.

    Fast path: one ``findall`` of the word pattern over the lower-cased text. A NIP can
    only start where a word token starts, with 8 digits; only texts with such a token
    take the slow path of the full pattern (NIP alternative first, as the tokenizer)."""
    low = text.lower()
    if len(low) == len(text):  # lower() kept every character in place
        tokens = _word_tokens(low)
    else:
        tokens = [t.lower() for t in _word_tokens(text)]
    if not any(t[:8].isdigit() and len(t) >= 8 for t in tokens if t[:1].isdigit()):
        return tokens
    out = []
    for token in _TOKEN_RE.findall(text):
        if not token.isalnum() and (" " in token or "\t" in token):
            token = _BLANK_RE.sub("", token)
        out.append(token.lower())
    return out


def scan(text: str, stop_words: bool = True) -> tuple[list[str], list[tuple[str, int]]]:
    """The analysis shared by every field, before stemming: the tokens that take a
    position (stop words removed; a token's position is its index in the list), and the
    parts of compound tokens ("k-2024-0001" -> "k", "2024", "0001"), each with the
    position of its compound. Equal to :class:`WordFilter` at index time."""
    tokens = _raw_tokens(text)
    if stop_words:
        stops = STOP_WORDS
        tokens = [t for t in tokens if t not in stops]
    else:
        stops = frozenset()
    parts: list[tuple[str, int]] = []
    for pos in [i for i, t in enumerate(tokens) if not t.isalnum()]:
        token = tokens[pos]
        for part in _PART_RE.findall(token):
            if part != token and part not in stops:
                parts.append((part, pos))
    return tokens, parts


def inflected(words: list[str]) -> list[str]:
    """The words of ``words`` that stemming changes (see :class:`InflectedFilter`)."""
    return [w for w in words if w.isalpha() and stem(w) != w]


def index_terms(text: str, kind: TermKind = "text") -> list[tuple[str, int]]:
    """(term, position) pairs exactly as the analyzer of ``kind`` produces them at index
    time (in another order), without Whoosh's token objects and filter generators (the
    index build spent most of its time there). Tests compare both."""
    tokens, parts = scan(text, stop_words=kind != "people")
    if kind == "text":
        return [(stem(t), i) for i, t in enumerate(tokens)] + [(stem(p), i) for p, i in parts]
    if kind == "words":
        return ([(t, i) for i, t in enumerate(tokens) if t.isalpha() and stem(t) != t]
                + [(p, i) for p, i in parts if p.isalpha() and stem(p) != p])
    return list(zip(tokens, range(len(tokens)))) + parts


_TOKEN_CACHE_SIZE = 400_000
"""Distinct tokens whose analysis :func:`terms_of` keeps (codes, numbers and NIPs are
mostly unique, so the cache is emptied when full rather than growing with the archive)."""

TokenInfo = tuple[str, tuple[str, ...], str, tuple[str, ...]]


class _TokenInfos(dict[str, TokenInfo]):
    """token -> (stem, or "" for a stop word; stems of its parts if a compound; the
    token if stemming changes it, else ""; its parts that stemming changes)."""

    risky: set[str]

    def __init__(self) -> None:
        super().__init__()
        self.risky = set()

    def __missing__(self, token: str) -> TokenInfo:
        if len(self) >= _TOKEN_CACHE_SIZE:
            self.clear()
        info: TokenInfo
        if token in STOP_WORDS:
            info = ("", (), "", ())
        else:
            stemmed = stem(token)
            changed = token if token.isalpha() and stemmed != token else ""
            parts: tuple[str, ...] = ()
            changed_parts: tuple[str, ...] = ()
            if not token.isalnum():
                found = [p for p in _PART_RE.findall(token) if p != token and p not in STOP_WORDS]
                parts = tuple(stem(p) for p in found)
                changed_parts = tuple(p for p in found if p.isalpha() and stem(p) != p)
            info = (stemmed, parts, changed, changed_parts)
        if len(token) >= 8 and token[:8].isdigit():
            self.risky.add(token)  # may be the start of a NIP printed with spaces
        self[token] = info
        return info


_INFOS = _TokenInfos()


def _kept_infos(text: str) -> list[TokenInfo]:
    """The cached analysis of each token of ``text`` that the index keeps, in order."""
    low = text.lower()
    tokens = _word_tokens(low) if len(low) == len(text) else [
        t.lower() for t in _word_tokens(text)]
    infos = _INFOS
    found = list(map(infos.__getitem__, tokens))
    if not infos.risky.isdisjoint(tokens):
        found = [infos[t] for t in _raw_tokens(text)]
    return [i for i in found if i[0]]


def terms_of(text: str) -> tuple[list[str], list[str], list[str]]:
    """The text analysis of the index, for engines that take terms (tantivy): the stems
    in position order, the stems of compound tokens' parts, and the inflected words (as
    :func:`words_analyzer`). The same terms as :func:`index_terms` ("text" and "words"),
    from one cached lookup per token instead of several string operations."""
    kept = _kept_infos(text)
    stems = [i[0] for i in kept]
    parts = [p for i in kept if i[1] for p in i[1]]
    words = [i[2] for i in kept if i[2]]
    words += [p for i in kept if i[3] for p in i[3]]
    return stems, parts, words


TextPostings = tuple[dict[str, list[int]], dict[str, int]]

_POSTINGS_MEMO: dict[str, TextPostings] = {}
_POSTINGS_MEMO_SIZE = 4


def text_postings(text: str) -> TextPostings:
    """The index terms of ``text`` grouped for a posting list: each term of the "text"
    kind with its positions in ascending order, and each term of the "words" kind with
    its count; the same as :func:`index_terms` for both kinds (tests compare them), from
    one cached lookup per token (:func:`terms_of`).

    The last few texts are remembered: the index analyses a document's text for its
    ``text`` field and again, joined to the title, for its ``words`` field."""
    memo = _POSTINGS_MEMO.get(text)
    if memo is not None:
        return memo
    kept = _kept_infos(text)
    poses: dict[str, list[int]] = {}
    get = poses.get
    for pos, info in enumerate(kept):
        positions = get(info[0])
        if positions is None:
            poses[info[0]] = [pos]
        else:
            positions.append(pos)
    words: dict[str, int] = {}
    for word in [i[2] for i in kept if i[2]]:
        words[word] = words.get(word, 0) + 1
    compounds = [(pos, i) for pos, i in enumerate(kept) if i[1]]
    if compounds:
        touched = set()
        for pos, info in compounds:
            for part in info[1]:
                positions = get(part)
                if positions is None:
                    poses[part] = [pos]
                else:
                    positions.append(pos)
                    touched.add(part)
            for word in info[3]:
                words[word] = words.get(word, 0) + 1
        for part in touched:
            poses[part].sort()
    if len(_POSTINGS_MEMO) >= _POSTINGS_MEMO_SIZE:
        _POSTINGS_MEMO.clear()
    result = _POSTINGS_MEMO[text] = (poses, words)
    return result
