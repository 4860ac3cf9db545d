"""Text of WordprocessingML paragraphs and cells, as a person reads it on the page.

Shapes and text boxes (``w:drawing``, ``w:pict``, ``mc:AlternateContent``, ``w:object``)
are left out of the text they are anchored in; deleted tracked changes, moved-from text
and field instructions too. A tab is a space, a line break ends a line, a
non-breaking hyphen is ``-``, a soft hyphen nothing. Symbols typed with a symbol font
(``w:sym``: Wingdings check marks, Symbol bullets) become the character they show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

_SKIP = {"drawing", "pict", "object", "AlternateContent", "del", "moveFrom", "delText", "instrText",
         "rPr", "pPr", "tcPr", "trPr", "tblPr", "sectPr", "fldData", "footnoteReference", "endnoteReference",
         "commentReference"}

#: Characters of symbol fonts (``w:sym w:char``) that are marks in an actor cell.
SYMBOL_CHARS = {
    "F0FC": "\u2713", "F0FE": "\u2713", "F0FB": "\u2717", "F0FD": "\u2717", "F0D6": "\u221a", "F0B7": "\u2022",
    "F06C": "\u25cf", "F09F": "\u2022", "F0A7": "\u25aa", "F0A8": "\u25a1", "F078": "\u2717", "F0D3": "\u2713",
    "F0D2": "\u2713", "F050": "\u2713",
}

_WS = re.compile(r"[ \t\u00a0\u2007\u202f]+")


def local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


@dataclass
class Para:
    """One paragraph: its lines (split at line breaks) and whether Word numbers it."""

    lines: list[str]
    numbered: bool = False

    @property
    def text(self) -> str:
        return " ".join(line for line in self.lines if line)


class _Runs:
    def __init__(self) -> None:
        self.lines: list[str] = [""]
        self.in_field_code = False

    def walk(self, node: etree._Element) -> None:
        for child in node:
            name = local(child.tag)
            if name in _SKIP or not isinstance(child.tag, str):
                continue
            if name == "fldChar":
                kind = child.get(f"{{{W}}}fldCharType")
                self.in_field_code = kind == "begin"
                continue
            if name in ("t",):
                if not self.in_field_code:
                    self.lines[-1] += child.text or ""
            elif name in ("tab", "ptab"):
                if not self.in_field_code:
                    self.lines[-1] += " "
            elif name in ("br", "cr"):
                self.lines.append("")
            elif name == "noBreakHyphen":
                self.lines[-1] += "-"
            elif name == "sym":
                code = (child.get(f"{{{W}}}char") or "").upper()
                if len(code) == 2:
                    code = "F0" + code
                self.lines[-1] += SYMBOL_CHARS.get(code, "\u2022")
            elif name == "p":
                # a paragraph nested in a run container (rare: sdt around paragraphs)
                self.walk(child)
                self.lines.append("")
            else:
                self.walk(child)


#: Characters that show nothing: zero-width space/joiners, word joiner, BOM, soft hyphen
#: (typed as a character), and the C0/C1 controls.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0b-\x1f\x7f-\x9f]")


def paragraph(p: etree._Element) -> Para:
    runs = _Runs()
    runs.walk(p)
    lines = [_WS.sub(" ", _INVISIBLE.sub("", line)).strip() for line in runs.lines]
    numbered = p.find(f"{{{W}}}pPr/{{{W}}}numPr") is not None
    return Para(lines=lines, numbered=numbered)


def block_paragraphs(container: etree._Element) -> list[Para]:
    """The paragraphs of a cell or text box (nested tables included, in order)."""
    out: list[Para] = []
    for child in container:
        name = local(child.tag)
        if name == "p":
            out.append(paragraph(child))
        elif name in ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml", "ins", "moveTo", "txbxContent"):
            out.extend(block_paragraphs(child))
    return out


def lines_of(paras: list[Para]) -> list[str]:
    return [line for para in paras for line in para.lines if line]


_JOIN_TIGHT = re.compile(r"[/(\u2011]$")
#: Put where a line ended in a hyphen before a letter: a hyphenated word ("ditan-" +
#: "datangani") or a compound ("bahan-" + "bahan"); :mod:`.wordsplit` decides which.
LINE_END_HYPHEN = "\u2010"


def join_lines(lines: list[str]) -> str:
    """Lines of one field (wrapped by hand with Enter or Shift+Enter) as one text: a line
    ending in ``/`` continues the word, one ending in ``-`` too (marked
    :data:`LINE_END_HYPHEN` before a letter), any other break is a space."""
    text = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not text:
            text = line
        elif text.endswith("-") and not text.endswith(" -") and line[:1].isalnum():
            text = text[:-1] + (LINE_END_HYPHEN if line[:1].isalpha() and text[-2:-1].isalpha() else "-") + line
        elif _JOIN_TIGHT.search(text) and line[:1].isalnum():
            text += line
        else:
            text += " " + line
    return _WS.sub(" ", text).strip()


def cell_text(tc: etree._Element) -> str:
    return join_lines(lines_of(block_paragraphs(tc)))


def normalise_label(text: str) -> str:
    """A header or label for comparison: upper case letters only."""
    return re.sub(r"[^A-Z]", "", text.upper())


# --------------------------------------------------------------------------- lists

_BULLET = re.compile(r"^\s*(?:\(?(\d{1,2})[.)]|\(?([a-zA-Z])[.)](?=\s)|[-\u2022\u00b7*\u2013\u25aa\u25cf\u25e6\u2023\u2043o](?=\s))\s*")
_INLINE_NUMBER = re.compile(r"(?:(?<=\s)|^)(\d{1,2})[.)]\s*(?=\S)")
EMPTY_MARKS = {"-", "\u2013", "\u2014", "--", "", "tidak ada", "nihil", "n/a"}


def _split_inline(line: str) -> list[str]:
    """``1. A 2. B 3. C`` typed in one paragraph: split when the numbers count 1, 2, 3..."""
    matches = list(_INLINE_NUMBER.finditer(line))
    if len(matches) < 2 or matches[0].start() != 0:
        return [line]
    picked = [matches[0]]
    for match in matches[1:]:
        if int(match.group(1)) == int(picked[-1].group(1)) + 1:
            picked.append(match)
    if len(picked) < 2 or int(picked[0].group(1)) != 1:
        return [line]
    parts = []
    for index, match in enumerate(picked):
        end = picked[index + 1].start() if index + 1 < len(picked) else len(line)
        parts.append(line[match.start():end].strip())
    return parts


def list_items(paras: list[Para], *, lines_are_items: bool = False) -> list[str]:
    """Items of a headed list or a kelengkapan cell: numbered or bulleted lines start an
    item, other lines continue it; with no numbers at all every paragraph is an item (and,
    with ``lines_are_items``, every line: short items typed with Shift+Enter)."""
    if lines_are_items:
        paras = [Para(lines=[line], numbered=para.numbered and index == 0)
                 for para in paras for index, line in enumerate(para.lines) if line]
    entries: list[tuple[str, bool]] = []  # (text, starts an item)
    for para in paras:
        for index, line in enumerate(para.lines):
            if not line:
                continue
            for part in _split_inline(line):
                marked = bool(_BULLET.match(part)) or (para.numbered and index == 0)
                entries.append((part, marked))
    if not entries:
        return []
    any_marked = any(marked for _, marked in entries)
    items: list[list[str]] = []
    for index, (line, marked) in enumerate(entries):
        stripped = _BULLET.sub("", line, count=1).strip() if _BULLET.match(line) else line.strip()
        if any_marked and not marked and items:
            items[-1].append(stripped)
            continue
        if not any_marked and items and index > 0 and not _is_para_start(paras, line):
            items[-1].append(stripped)
            continue
        items.append([stripped])
    result = [join_lines(parts) for parts in items]
    result = [re.sub(r"[;,]\s*$", "", item).strip() for item in result]
    return [item for item in result if item.casefold() not in EMPTY_MARKS]


def _is_para_start(paras: list[Para], line: str) -> bool:
    return any(para.lines and next((x for x in para.lines if x), None) == line for para in paras)
