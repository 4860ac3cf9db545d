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

The text rules themselves (patterns, stop words, stems and their caches, and the fast
term producers the index build and the tantivy engine use) are in
:mod:`sopdocs.search.textanalysis`, which imports no Whoosh; they are re-exported here.

Whoosh pickles the analyzers into the index, so they hold no heavy state; the Sastrawi
stemmer and the stem cache live at module level (in textanalysis). ``ANALYSIS_VERSION`` is part of every
analyzer's repr, which the index compares on open: bump it whenever the output of these
analyzers changes, so existing indexes are recognised as needing a rebuild.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import CompositeAnalyzer, Filter, RegexTokenizer, Token

# The pure text functions live in textanalysis (no Whoosh); re-exported here so the
# existing import paths keep working.
from sopdocs.search.textanalysis import (  # noqa: F401
    _BLANK_RE,
    _JOINERS,
    _KNOWN_LIMIT,
    _NIP_RE,
    _PART_RE,
    _SEPARATORS,
    _STEM_MIN_LENGTH,
    _TOKEN_CACHE_SIZE,
    _TOKEN_RE,
    _WORD_PATTERN,
    _WORD_RE,
    ANALYSIS_VERSION,
    NIP_PATTERN,
    STOP_WORDS,
    TOKEN_PATTERN,
    TermKind,
    TokenInfo,
    _raw_tokens,
    _stemmer,
    _word_tokens,
    index_terms,
    inflected,
    known_stems,
    normalize_nip,
    scan,
    stem,
    stem_tag,
    take_new_stems,
    terms_of,
    text_postings,
    use_stems,
)


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


def analyze(text: str, analyzer: CompositeAnalyzer | None = None, mode: str = "index") -> list[str]:
    """Token texts ``analyzer`` produces for ``text`` (for tests and debugging)."""
    analyzer = analyzer or indonesian_analyzer()
    return [t.text for t in analyzer(text, mode=mode)]
