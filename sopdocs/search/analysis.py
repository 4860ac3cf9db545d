"""Indonesian text analysis for the search index (Whoosh analyzers).

Three analyzers:

* :func:`indonesian_analyzer` for titles and full text: words (letters and digits),
  lower-cased, Indonesian stop words removed, stemmed with Sastrawi so that
  "dikumpulkan" and "pengumpulan" both become "kumpul".
* :func:`words_analyzer`: the words that stemming changes, as written (spelling
  suggestions need real words; the stemmed field holds all the others as written).
* :func:`people_analyzer` for names and NIPs: lower-cased, never stemmed, stop words
  only removed from queries.

All keep compound tokens such as "K-2024-0001" or "800.1.11.1/015/DTK/2024" whole
(and, at index time, also index their parts so "2024" still finds them), and turn a
NIP written with spaces ("19720319 198003 1 001") into its 18 digits.

Whoosh pickles the analyzers into the index, so they hold no heavy state; the Sastrawi
stemmer and the stem cache live at module level. ``ANALYSIS_VERSION`` is part of every
analyzer's repr, which the index compares on open: bump it whenever the output of these
analyzers changes, so existing indexes are recognised as needing a rebuild.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh.analysis import CompositeAnalyzer, Filter, RegexTokenizer, Token

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
    from importlib.metadata import PackageNotFoundError, version

    try:
        sastrawi = version("PySastrawi")
    except PackageNotFoundError:  # pragma: no cover - installed without metadata
        sastrawi = "?"
    return f"analysis {ANALYSIS_VERSION}, Sastrawi {sastrawi}"


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
        from sopdocs.search import stemstore

        found = stemstore.lookup(folder, [word], stem_tag()).get(word)
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


class _SopdocsComposable:
    """Deterministic repr/equality: the index compares analyzers to detect a schema
    change, and Whoosh's default repr of a set would change from run to run."""

    def _options(self) -> str:
        return ""

    def __repr__(self) -> str:
        options = self._options()
        return f"{type(self).__name__}(v{ANALYSIS_VERSION}{', ' + options if options else ''})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))


class WordFilter(_SopdocsComposable, Filter):
    """One pass over the tokens (fewer generator layers = faster indexing):

    * joins a NIP printed with spaces into its 18 digits;
    * lower-cases;
    * drops stop words (or marks them ``stopped`` when the caller keeps them, as a
      highlighter does), without leaving a gap in positions, so the phrase
      "pengumpulan data lapangan" matches "pengumpulan data di lapangan";
    * at index time, after a compound token ("k-2024-0001") also emits its parts at
      the same position, so "2024" finds it; queries keep the compound whole.
    """

    def __init__(self, stop_words: bool | str = True) -> None:
        """``stop_words``: True, False, or "query" (dropped from queries only, so that a
        query word such as "yang" is not required to be in a name)."""
        self.stop_words = stop_words

    def _options(self) -> str:
        if not self.stop_words:
            return "no stop words"
        when = " in queries" if self.stop_words == "query" else ""
        return (f"{len(STOP_WORDS)} stop words{when}, "
                f"first {min(STOP_WORDS)}, last {max(STOP_WORDS)}")

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stops: frozenset[str] = frozenset()
        pos = -1
        first = True
        for t in tokens:
            if first:
                first = False
                if self.stop_words is True or (self.stop_words == "query"
                                               and t.mode == "query"):
                    stops = STOP_WORDS
            text = t.text
            if not text.isalnum():
                if " " in text or "\t" in text:
                    text = _BLANK_RE.sub("", text)
            text = text.lower()
            t.text = text
            stopped = text in stops
            if stopped and t.removestops:
                continue
            t.stopped = stopped
            t.part = False
            if not stopped:
                pos += 1
            if t.positions:
                t.pos = pos
            yield t
            if t.mode == "query" or text.isalnum():
                continue
            start = t.startchar if t.chars else 0
            for m in _PART_RE.finditer(text):
                part = m.group(0)
                if part == text:
                    continue
                part_stopped = part in stops
                if part_stopped and t.removestops:
                    continue
                t.text = part
                t.part = True
                t.stopped = part_stopped or stopped
                if t.chars:
                    t.startchar = start + m.start()
                    t.endchar = start + m.end()
                if t.positions:
                    t.pos = pos
                yield t


class IndonesianStemFilter(_SopdocsComposable, Filter):
    """Sastrawi stemming, cached per token (``no_morph`` analysis skips it)."""

    is_morph = True

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


class InflectedFilter(_SopdocsComposable, Filter):
    """Keeps only words that stemming changes ("dikumpulkan", not "data" or "kumpul").
    The stemmed field already holds every other word as it is written, so together
    they give the full list of real words for spelling suggestions."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            if not t.stopped and text.isalpha() and stem(text) != text:
                yield t


class _Tokenizer(_SopdocsComposable, RegexTokenizer):
    """Regex tokenizer (words with digits, compounds, NIPs) with a deterministic repr."""

    def __init__(self) -> None:
        RegexTokenizer.__init__(self, expression=TOKEN_PATTERN, gaps=False)


def indonesian_analyzer() -> CompositeAnalyzer:
    """Titles and full text: tokens, lower case, stop words removed, stems."""
    return CompositeAnalyzer(_Tokenizer(), WordFilter(), IndonesianStemFilter())


def words_analyzer() -> CompositeAnalyzer:
    """The words of :func:`indonesian_analyzer` that its stemming changes, unstemmed."""
    return CompositeAnalyzer(_Tokenizer(), WordFilter(), InflectedFilter())


def people_analyzer() -> CompositeAnalyzer:
    """Names and NIPs: lower case, NIPs as 18 digits, no stems; stop words are kept
    in names but dropped from queries."""
    return CompositeAnalyzer(_Tokenizer(), WordFilter(stop_words="query"))


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


def terms_of(text: str) -> tuple[list[str], list[str], list[str]]:
    """The text analysis of the index, for engines that take terms (tantivy): the stems
    in position order, the stems of compound tokens' parts, and the inflected words (as
    :func:`words_analyzer`). The same terms as :func:`index_terms` ("text" and "words"),
    from one cached lookup per token instead of several string operations."""
    low = text.lower()
    tokens = _word_tokens(low) if len(low) == len(text) else [
        t.lower() for t in _word_tokens(text)]
    infos = _INFOS
    found = list(map(infos.__getitem__, tokens))
    if not infos.risky.isdisjoint(tokens):
        found = [infos[t] for t in _raw_tokens(text)]
    kept = [i for i in found if i[0]]
    stems = [i[0] for i in kept]
    parts = [p for i in kept if i[1] for p in i[1]]
    words = [i[2] for i in kept if i[2]]
    words += [p for i in kept if i[3] for p in i[3]]
    return stems, parts, words


def analyze(text: str, analyzer: CompositeAnalyzer | None = None, mode: str = "index") -> list[str]:
    """Token texts ``analyzer`` produces for ``text`` (for tests and debugging)."""
    analyzer = analyzer or indonesian_analyzer()
    return [t.text for t in analyzer(text, mode=mode)]
