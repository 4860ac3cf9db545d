"""Text widths, line wrapping and hyphenation for the body fonts, without a renderer.

The SOP flowchart table uses exact row heights, so a row must hold every line the word
processor will lay out; a line more than predicted would be clipped. The predictions here
therefore err towards MORE lines:

* widths come from the fonts LibreOffice prints with: Liberation Serif and Liberation
  Sans (the same advance widths as Times New Roman and Arial) and URW Bookman (what
  fontconfig substitutes for Bookman Old Style); kerning (which only narrows text) is
  ignored;
* a line is considered full slightly before the real width (:data:`SAFETY_RATIO`,
  :data:`SAFETY_TWIPS`), absorbing rounding in Word and LibreOffice;
* lines break at spaces and after a hyphen between letters, which both engines also
  do; the other places where one engine or the other may break (after "/", after a
  hyphen before a digit) are tried too, and the wrap needing the most lines wins
  (see :func:`wrap`);
* characters outside the measured blocks (CJK, emoji, Arabic...) count as wide;
* a soft hyphen (U+00AD) is a break opportunity that prints a hyphen when used, as in
  both engines; :func:`hyphenate` breaks a word wider than the line at Indonesian
  syllables (Pyphen's ``id_ID`` patterns, EYD rules as fallback) and writes the break the
  model chose as a hyphen and a forced line break, so the document breaks there too.
"""

from __future__ import annotations

import math
from functools import lru_cache

import pyphen

from sopdocs.docx._fontwidths import UNITS_PER_EM, WIDTHS

TWIPS_PER_PT = 20

#: A line is full when its measured width times (1 + SAFETY_RATIO) plus SAFETY_TWIPS
#: exceeds the available width.
SAFETY_RATIO = 0.02
SAFETY_TWIPS = 10

_FONT_FACES = {
    "times new roman": "serif",
    "liberation serif": "serif",
    "arial": "sans",
    "liberation sans": "sans",
    "bookman old style": "bookman",
    "urw bookman": "bookman",
}

#: Fonts that can be measured (canonical names).
FONTS = ("Times New Roman", "Arial", "Bookman Old Style")

SOFT_HYPHEN = "\u00ad"
LINE_BREAK = "\u2028"  # a line break inside a paragraph (Word: w:br)
HYPHEN_BREAK = "-" + LINE_BREAK  # a word broken where the model breaks it
HYPHEN_LANGUAGE = "id_ID"

# Break opportunities: the space may hang at the line end and is then not measured.
_BREAK_SPACES = frozenset(" \t\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000")
_ZERO_WIDTH_BREAK = "\u200b"
_ZERO_WIDTH = frozenset("\u00ad\u200c\u200d\u2060\ufeff")  # a soft hyphen only shows when used
_HYPHEN = "-"
_NEWLINES = ("\r\n", "\r", "\u2028", "\u2029", "\v", "\f", "\x85")
_TAB_TWIPS = 720  # Word's default tab stop (1.27 cm): the widest a tab can be


def face_key(font: str, bold: bool = False) -> str:
    """The width table for a font name; ValueError for a font that cannot be measured."""
    base = _FONT_FACES.get(font.strip().lower())
    if base is None:
        raise ValueError(f"font {font!r} cannot be measured; use one of {', '.join(FONTS)}")
    return f"{base}-bold" if bold else base


def _fallback_em(cp: int) -> float:
    """Width in em of a character the width table does not know: deliberately wide."""
    if 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0xFE00 <= cp <= 0xFE0F:
        return 1.5  # emoji, drawn from a fallback font wider than 1 em
    return 1.0  # CJK, fullwidth and anything else (Arabic, Indic, Greek...)


@lru_cache(maxsize=8)
def _table(face: str) -> dict[int, int]:
    table: dict[int, int] = {}
    for start, widths in WIDTHS[face].items():
        for offset, width in enumerate(widths):
            if width:
                table[start + offset] = width
    return table


def _char_units(ch: str, face: str, table: dict[int, int]) -> float:
    """Advance width of one character in font units (tabs excluded)."""
    cp = ord(ch)
    width = table.get(cp)
    if width is not None and ch not in _ZERO_WIDTH and ch != _ZERO_WIDTH_BREAK:
        return width
    if ch in _ZERO_WIDTH or ch == _ZERO_WIDTH_BREAK or cp < 0x20 or 0x7F <= cp < 0xA0:
        return 0
    return _fallback_em(cp) * UNITS_PER_EM[face]


def _units(text: str, face: str) -> float:
    table = _table(face)
    return sum(_char_units(ch, face, table) for ch in text if ch != "\t")


def text_width(text: str, font: str, size_pt: float, bold: bool = False) -> int:
    """Width of ``text`` on one line, in twips (rounded up; tabs count 720 twips)."""
    face = face_key(font, bold)
    units = _units(text, face)
    twips = units * size_pt * TWIPS_PER_PT / UNITS_PER_EM[face]
    return math.ceil(twips - 1e-9) + text.count("\t") * _TAB_TWIPS


def _fits(width: int, available: int) -> bool:
    return width * (1 + SAFETY_RATIO) + SAFETY_TWIPS <= available


# Break rules of the line-breaking models (see wrap): which characters end a piece.
_MODEL_WORD = 0  # spaces, and a hyphen between two letters ("bahan-bahan")
_MODEL_ICU = 1  # also after "/" before a non-digit, after en/em dashes (LibreOffice, UAX 14)
_MODEL_LOOSE = 2  # also after any hyphen inside a word ("2024-2026")
_MODELS = (_MODEL_WORD, _MODEL_ICU, _MODEL_LOOSE)
_DASHES = "\u2013\u2014"


def _break_after(paragraph: str, i: int, model: int) -> bool:
    """Whether a line may break after paragraph[i] (a non-space) under ``model``."""
    ch = paragraph[i]
    if i + 1 >= len(paragraph) or i == 0:
        return False
    after = paragraph[i + 1]
    if after in _BREAK_SPACES or after == _ZERO_WIDTH_BREAK:
        return False  # the space itself is the break
    if ch == SOFT_HYPHEN:
        return True
    if ch == _HYPHEN:
        if paragraph[i - 1].isalpha() and after.isalpha():
            return True
        return model >= _MODEL_LOOSE
    if model >= _MODEL_ICU:
        if ch == "/":
            return not after.isdigit()
        if ch in _DASHES:
            return True
        if after == "\u2014":
            return True
    return False


def _segments(paragraph: str, model: int = _MODEL_WORD) -> list[tuple[str, str]]:
    """Split a paragraph into (word, trailing breakable spaces) pieces.

    A piece ends after a run of spaces, after a zero-width space, or where
    :func:`_break_after` allows a break under ``model``.
    """
    pieces: list[tuple[str, str]] = []
    word: list[str] = []
    spaces: list[str] = []
    for i, ch in enumerate(paragraph):
        if ch in _BREAK_SPACES or ch == _ZERO_WIDTH_BREAK:
            spaces.append(ch)
            continue
        if spaces:
            pieces.append(("".join(word), "".join(spaces)))
            word, spaces = [], []
        word.append(ch)
        if _break_after(paragraph, i, model):
            pieces.append(("".join(word), ""))
            word = []
    if word or spaces or not pieces:
        pieces.append(("".join(word), "".join(spaces)))
    return pieces


def _split_long(word: str, available: int, font: str, size_pt: float, bold: bool) -> list[str]:
    """Break a word that fits no line by characters (at least one character a line)."""
    parts: list[str] = []
    current = ""
    for ch in word:
        if current and not _fits(text_width(current + ch, font, size_pt, bold), available):
            parts.append(current)
            current = ch
        else:
            current += ch
    if current:
        parts.append(current)
    return parts


def _normalise_newlines(text: str) -> str:
    for nl in _NEWLINES:
        text = text.replace(nl, "\n")
    return text


def _shown(line: str) -> str:
    """A line as printed: a soft hyphen at its end shows as "-", the others not at all."""
    line = line.rstrip().replace(_ZERO_WIDTH_BREAK, "")
    hyphen = line.endswith(SOFT_HYPHEN)
    line = line.replace(SOFT_HYPHEN, "")
    return line + _HYPHEN if hyphen else line


def _line_width(line: str, font: str, size_pt: float, bold: bool) -> int:
    return text_width(_shown(line), font, size_pt, bold)


def _wrap_model(text: str, width_twips: int, font: str, size_pt: float, bold: bool, model: int) -> list[str]:
    """Greedy lines (raw: soft hyphens kept, so a line ending in one is a hyphenated break)."""
    lines: list[str] = []
    for paragraph in _normalise_newlines(text).split("\n"):
        current = ""  # text of the line so far, including trailing spaces
        current_has_text = False
        for word, spaces in _segments(paragraph, model):
            if not word:
                current += spaces
                continue
            candidate = current + word
            if _fits(_line_width(candidate, font, size_pt, bold), width_twips):
                current = candidate + spaces
                current_has_text = True
                continue
            if current_has_text:
                lines.append(current.rstrip())
                current, current_has_text = "", False
            if _fits(_line_width(current + word, font, size_pt, bold), width_twips):
                current = current + word + spaces
                current_has_text = True
                continue
            parts = _split_long(current + word, width_twips, font, size_pt, bold)
            lines.extend(parts[:-1])
            current = parts[-1] + spaces
            current_has_text = True
        lines.append(current.rstrip())
    return lines


def wrap(text: str, width_twips: int, font: str, size_pt: float, bold: bool = False) -> list[str]:
    """Lines of ``text`` in a box ``width_twips`` wide, greedy like Word (conservative).

    Breaks at spaces, after hyphens between letters and at soft hyphens (the line then
    ends in "-"); a word wider than the line is moved to a fresh line and broken by
    characters (:func:`hyphenate` first to break it properly); "\\n" starts a new line.
    An empty text (or empty paragraph) is one empty line, as in a Word cell. Lines keep
    their internal spaces; trailing spaces are dropped.

    Engines differ in where else they may break (LibreOffice follows Unicode UAX 14 and
    breaks after "/"; Word breaks after any hyphen). More break opportunities usually
    mean fewer lines, but not when they split a word the other model would break by
    characters. So the text is wrapped under each model and the result with the most
    lines is returned.
    """
    return [_shown(line) for line in _wrap_raw(text, width_twips, font, size_pt, bold)]


def _wrap_raw(text: str, width_twips: int, font: str, size_pt: float, bold: bool) -> list[str]:
    face_key(font, bold)  # validate the font early
    best: list[str] = []
    for model in _MODELS:
        lines = _wrap_model(text, width_twips, font, size_pt, bold, model)
        if len(lines) > len(best):
            best = lines
    return best


def line_count(text: str, width_twips: int, font: str, size_pt: float, bold: bool = False) -> int:
    """``len(wrap(...))``: how many lines the text needs (at least 1)."""
    return len(_wrap_raw(text, width_twips, font, size_pt, bold))


def fit_width(text: str, font: str, size_pt: float, bold: bool = False) -> int:
    """The narrowest box width (twips) in which ``text`` stays on one line."""
    width = text_width(text, font, size_pt, bold)
    return math.ceil(width * (1 + SAFETY_RATIO) + SAFETY_TWIPS)


# ------------------------------------------------------------------ hyphenation


@lru_cache(maxsize=1)
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=HYPHEN_LANGUAGE)


_VOWELS = frozenset("aiueo")
_DIPHTHONGS = frozenset({"ai", "au", "oi", "ei"})
_DIGRAPHS = frozenset({"ng", "ny", "kh", "sy"})
_MIN_PIECE = 2  # letters kept together at each end of a word, as Pyphen does
_MIN_TAIL = 3  # ...but at least 3 carried to the next line: no lone "an" (Keuang-an)


def _syllable_breaks(run: str) -> list[int]:
    """Indonesian syllable breaks by rule (EYD: V-V, V-CV, VC-CV; ng, ny, kh, sy and the
    diphthongs ai, au, oi, ei stay whole): for words the dictionary has no pattern for."""
    low = run.lower()
    units: list[tuple[int, str]] = []  # (offset, letters) with digraphs as one unit
    i = 0
    while i < len(low):
        pair = low[i:i + 2]
        size = 2 if pair in _DIGRAPHS else 1
        units.append((i, low[i:i + size]))
        i += size
    vowel = [u[1][0] in _VOWELS for u in units]
    breaks: list[int] = []
    for j in range(1, len(units)):
        offset = units[j][0]
        if vowel[j] and vowel[j - 1] and units[j - 1][1] + units[j][1] not in _DIPHTHONGS:
            breaks.append(offset)
        elif not vowel[j] and j + 1 < len(units) and vowel[j + 1] and any(vowel[:j]):
            breaks.append(offset)
    return [b for b in breaks if _MIN_PIECE <= b <= len(run) - _MIN_TAIL]


def _word_breaks(word: str, width_twips: int, font: str, size_pt: float, bold: bool) -> list[int]:
    """Offsets inside ``word`` where it may break with a hyphen: the Indonesian syllable
    breaks of its letter runs (Pyphen's patterns; by rule inside a piece the patterns
    leave wider than a line), then every character boundary inside a piece still too
    wide (a very narrow column) as a last resort."""
    offsets: set[int] = set()
    runs: list[tuple[int, int]] = []
    start = None
    for i, ch in enumerate(word + " "):
        if ch.isalpha():
            if start is None:
                start = i
            continue
        if start is not None:
            runs.append((start, i))
            start = None
    for a, b in runs:
        offsets.update(a + pos for pos in _dictionary().positions(word[a:b]) if b - a - pos >= _MIN_TAIL)

    def too_wide() -> list[tuple[int, int]]:
        cuts = [0, *sorted(offsets), len(word)]
        return [
            (a, b) for a, b in zip(cuts, cuts[1:])
            if not _fits(text_width(word[a:b] + _HYPHEN, font, size_pt, bold), width_twips)
        ]

    for a, b in too_wide():
        for ra, rb in runs:  # the letter runs inside this piece
            lo, hi = max(a, ra), min(b, rb)
            if hi - lo > 2 * _MIN_PIECE:
                offsets.update(lo + pos for pos in _syllable_breaks(word[lo:hi]))
    for a, b in too_wide():
        offsets.update(range(a + 1, b))
    return sorted(o for o in offsets if 0 < o < len(word) and word[o - 1] != _HYPHEN)


def hyphenate(text: str, width_twips: int, font: str, size_pt: float, bold: bool = False) -> str:
    """``text`` with every word wider than a whole line of a box ``width_twips`` wide
    broken at Indonesian syllables, with a hyphen, where the wrap breaks it.

    Words that fit a line are left alone (they move to the next line). In a too-wide word
    the break the model makes is written as a hyphen and a forced line break
    (:data:`HYPHEN_BREAK`), so Word and LibreOffice break exactly there: the model is
    conservative, so each piece fits their line. (Soft hyphens at the other syllables were
    tried and dropped: an engine with a little more room than predicted used them and left
    lone syllables such as "nem-" on a line.) ``\n`` stays a paragraph separator;
    :func:`wrap` of the result gives the same lines.
    """
    text = _normalise_newlines(text).replace(SOFT_HYPHEN, "")
    face_key(font, bold)
    marked: list[str] = []
    for paragraph in text.split("\n"):
        out: list[str] = []
        for token in _tokens(paragraph):
            if token[:1] in _BREAK_SPACES or _fits(text_width(token, font, size_pt, bold), width_twips):
                out.append(token)
                continue
            parts = []
            for part in _parts(token):
                if _fits(text_width(part, font, size_pt, bold), width_twips):
                    parts.append(part)
                    continue
                pieces: list[str] = []
                last = 0
                for offset in _word_breaks(part, width_twips, font, size_pt, bold):
                    pieces.append(part[last:offset])
                    last = offset
                pieces.append(part[last:])
                parts.append(SOFT_HYPHEN.join(pieces))
            out.append("".join(parts))
        marked.append("".join(out))
    candidate = "\n".join(marked)
    if SOFT_HYPHEN not in candidate:
        return candidate
    # The soft hyphens that end a line of the model's wrap become forced breaks.
    used: set[int] = set()
    seen = 0
    for line in _wrap_raw(candidate, width_twips, font, size_pt, bold):
        seen += line.count(SOFT_HYPHEN)
        if line.endswith(SOFT_HYPHEN):
            used.add(seen - 1)
    result: list[str] = []
    index = 0
    for ch in candidate:
        if ch == SOFT_HYPHEN:
            if index in used:
                result.append(HYPHEN_BREAK)
            index += 1
        else:
            result.append(ch)
    return "".join(result)


def _parts(token: str) -> list[str]:
    """A too-wide token split where it may already break: after a hyphen between letters
    ("bahan-|bahan"), and after a slash, where a zero-width space is added because Word
    does not break there by itself ("Staf/\u200b|Jabatan", "061.1/\u200b|SOP/..."): a code
    or number is better broken after its slashes than hyphenated."""
    parts: list[str] = []
    start = 0
    for i, ch in enumerate(token[:-1]):
        if i == 0:
            continue
        before, after = token[i - 1], token[i + 1]
        if ch == _HYPHEN and before.isalpha() and after.isalpha():
            parts.append(token[start:i + 1])
            start = i + 1
        elif ch == "/" and after != "/":
            parts.append(token[start:i + 1] + _ZERO_WIDTH_BREAK)
            start = i + 1
    parts.append(token[start:])
    return parts


def _tokens(paragraph: str) -> list[str]:
    """The paragraph as alternating runs of break spaces and of other characters."""
    tokens: list[str] = []
    for ch in paragraph:
        space = ch in _BREAK_SPACES
        if tokens and (tokens[-1][:1] in _BREAK_SPACES) == space:
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens
