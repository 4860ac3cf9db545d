"""WordprocessingML building blocks for forms and reports made by code.

Paragraphs with indents and tab stops (dotted answer lines are right tabs with a dot
leader, so they stretch exactly to the margin), tick boxes, and fixed-width tables.
Text is always set as element text (lxml escapes it) after :func:`clean` removed what
XML cannot hold, so values from definition or response files cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from sopdocs.docx.wordxml import clean_text, el, sub

TWIPS_PER_MM = 1440 / 25.4

#: An empty tick box (U+2610 BALLOT BOX). Set in a symbol font Word has on Windows;
#: LibreOffice and other systems fall back to any font holding the glyph.
BOX = "\u2610"
SYMBOL_FONT = "Segoe UI Symbol"


def twips(mm: float) -> int:
    return int(round(mm * TWIPS_PER_MM))


def clean(text: object) -> str:
    """Text safe for XML; docxtpl turns a tab into a tab and a newline into a line break."""
    return clean_text("" if text is None else str(text))


# --------------------------------------------------------------------------- runs


def text_run(
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    caps: bool = False,
    underline: bool = False,
    size_pt: float | None = None,
    font: str | None = None,
) -> etree._Element:
    """A run; newlines in ``text`` become line breaks."""
    r = el("r")
    rpr = sub(r, "rPr")
    if font:
        sub(rpr, "rFonts", {"ascii": font, "hAnsi": font, "cs": font, "eastAsia": font})
    if bold:
        sub(rpr, "b")
        sub(rpr, "bCs")
    if italic:
        sub(rpr, "i")
        sub(rpr, "iCs")
    if caps:
        sub(rpr, "caps")
    if size_pt:
        sub(rpr, "sz", {"val": int(round(size_pt * 2))})
        sub(rpr, "szCs", {"val": int(round(size_pt * 2))})
    if underline:
        sub(rpr, "u", {"val": "single"})
    for index, line in enumerate(clean(text).split("\n")):
        if index:
            sub(r, "br")
        if line:
            t = sub(r, "t")
            t.text = line
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def tab_run(size_pt: float | None = None) -> etree._Element:
    r = el("r")
    if size_pt:
        rpr = sub(r, "rPr")
        sub(rpr, "sz", {"val": int(round(size_pt * 2))})
    sub(r, "tab")
    return r


def box_run(size_pt: float = 13) -> etree._Element:
    """One empty tick box."""
    return text_run(BOX, size_pt=size_pt, font=SYMBOL_FONT)


# --------------------------------------------------------------------------- paragraphs


@dataclass(frozen=True)
class Tab:
    """A tab stop ``pos_mm`` from the left margin (OOXML measures from the margin)."""

    pos_mm: float
    align: str = "left"  # left, right, center
    leader: str | None = None  # "dot" for dotted answer lines


@dataclass
class Para:
    """Paragraph settings; :meth:`build` turns them and the runs into a ``w:p``."""

    align: str | None = None  # left, center, right, both
    indent_mm: float = 0.0
    hanging_mm: float = 0.0
    first_line_mm: float = 0.0
    right_mm: float = 0.0
    tabs: Sequence[Tab] = ()
    before_pt: float = 0.0
    after_pt: float = 0.0
    line_pt: float | None = None  # exact line height
    line_rule: str = "exact"
    keep_next: bool = False
    keep_lines: bool = False
    page_break_before: bool = False
    size_pt: float | None = None  # paragraph mark size (height of an empty paragraph)
    border: Sequence[str] = ()  # edges with a thin line: top, bottom, left, right
    shade: str | None = None
    runs: list[etree._Element] = field(default_factory=list)

    def build(self) -> etree._Element:
        p = el("p")
        ppr = sub(p, "pPr")
        if self.keep_next:
            sub(ppr, "keepNext")
        if self.keep_lines:
            sub(ppr, "keepLines")
        if self.page_break_before:
            sub(ppr, "pageBreakBefore")
        if self.border:
            bdr = sub(ppr, "pBdr")
            for edge in ("top", "left", "bottom", "right"):
                if edge in self.border:
                    sub(bdr, edge, {"val": "single", "sz": 6, "space": 1, "color": "000000"})
        if self.shade:
            sub(ppr, "shd", {"val": "clear", "color": "auto", "fill": self.shade})
        if self.tabs:
            tabs = sub(ppr, "tabs")
            for tab in sorted(self.tabs, key=lambda t: t.pos_mm):
                attrs: dict[str, str | int] = {"val": tab.align, "pos": twips(tab.pos_mm)}
                if tab.leader:
                    attrs["leader"] = tab.leader
                sub(tabs, "tab", attrs)
        spacing: dict[str, str | int] = {"before": int(round(self.before_pt * 20)), "after": int(round(self.after_pt * 20))}
        if self.line_pt:
            spacing.update({"line": int(round(self.line_pt * 20)), "lineRule": self.line_rule})
        sub(ppr, "spacing", spacing)
        ind: dict[str, str | int] = {}
        if self.indent_mm:
            ind["left"] = twips(self.indent_mm)
        if self.right_mm:
            ind["right"] = twips(self.right_mm)
        if self.hanging_mm:
            ind["hanging"] = twips(self.hanging_mm)
        elif self.first_line_mm:
            ind["firstLine"] = twips(self.first_line_mm)
        if ind:
            sub(ppr, "ind", ind)
        if self.align:
            sub(ppr, "jc", {"val": self.align})
        if self.size_pt:
            rpr = sub(ppr, "rPr")
            sub(rpr, "sz", {"val": int(round(self.size_pt * 2))})
            sub(rpr, "szCs", {"val": int(round(self.size_pt * 2))})
        for r in self.runs:
            p.append(r)
        return p


def paragraph(text: str = "", *, bold: bool = False, italic: bool = False, caps: bool = False,
              size_pt: float | None = None, **settings: object) -> etree._Element:
    """A paragraph holding one run of ``text`` (none when empty)."""
    runs = [text_run(text, bold=bold, italic=italic, caps=caps, size_pt=size_pt)] if text else []
    return Para(runs=runs, size_pt=size_pt, **settings).build()  # type: ignore[arg-type]


def dotted_line(indent_mm: float, end_mm: float, *, lead: Iterable[etree._Element] = (),
                line_pt: float = 22, keep_next: bool = False, extra_tabs: Sequence[Tab] = ()) -> etree._Element:
    """An answer line: optional leading runs, then dots up to ``end_mm`` from the margin."""
    runs = list(lead) + [tab_run()]
    return Para(
        indent_mm=indent_mm,
        tabs=[*extra_tabs, Tab(end_mm, "right", "dot")],
        line_pt=line_pt,
        keep_next=keep_next,
        runs=runs,
    ).build()


# --------------------------------------------------------------------------- tables


@dataclass
class Cell:
    paragraphs: list[etree._Element]
    span: int = 1
    shade: str | None = None
    valign: str = "center"
    borders: bool | None = None  # None: as the table


def table(
    widths_mm: Sequence[float],
    rows: Sequence[Sequence[Cell]],
    *,
    lines: bool = True,
    indent_mm: float = 0.0,
    header_rows: int = 0,
    row_height_mm: float | None = None,
    height_rule: str = "atLeast",
    cant_split: bool = True,
    cell_margin_mm: float = 1.5,
    align: str | None = None,
) -> etree._Element:
    """A fixed-layout table; ``header_rows`` repeat on every page."""
    tbl = el("tbl")
    pr = sub(tbl, "tblPr")
    sub(pr, "tblW", {"w": sum(twips(w) for w in widths_mm), "type": "dxa"})
    if align:
        sub(pr, "jc", {"val": align})
    sub(pr, "tblInd", {"w": twips(indent_mm), "type": "dxa"})
    borders = sub(pr, "tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        if lines:
            sub(borders, edge, {"val": "single", "sz": 4, "space": 0, "color": "000000"})
        else:
            sub(borders, edge, {"val": "nil"})
    sub(pr, "tblLayout", {"type": "fixed"})
    margins = sub(pr, "tblCellMar")
    for edge, value in (("top", 0), ("left", cell_margin_mm), ("bottom", 0), ("right", cell_margin_mm)):
        sub(margins, edge, {"w": twips(value), "type": "dxa"})
    sub(pr, "tblLook", {"val": "0000", "firstRow": 0, "lastRow": 0, "firstColumn": 0, "lastColumn": 0, "noHBand": 1, "noVBand": 1})
    grid = sub(tbl, "tblGrid")
    for width in widths_mm:
        sub(grid, "gridCol", {"w": twips(width)})
    for index, row in enumerate(rows):
        tr = sub(tbl, "tr")
        trpr = sub(tr, "trPr")
        if cant_split:
            sub(trpr, "cantSplit")
        if row_height_mm:
            sub(trpr, "trHeight", {"val": twips(row_height_mm), "hRule": height_rule})
        if index < header_rows:
            sub(trpr, "tblHeader")
        column = 0
        for cell in row:
            width = sum(widths_mm[column:column + cell.span])
            column += cell.span
            tc = sub(tr, "tc")
            tcpr = sub(tc, "tcPr")
            sub(tcpr, "tcW", {"w": twips(width), "type": "dxa"})
            if cell.span > 1:
                sub(tcpr, "gridSpan", {"val": cell.span})
            if cell.borders is not None and cell.borders != lines:
                b = sub(tcpr, "tcBorders")
                for edge in ("top", "left", "bottom", "right"):
                    if cell.borders:
                        sub(b, edge, {"val": "single", "sz": 4, "space": 0, "color": "000000"})
                    else:
                        sub(b, edge, {"val": "nil"})
            if cell.shade:
                sub(tcpr, "shd", {"val": "clear", "color": "auto", "fill": cell.shade})
            sub(tcpr, "vAlign", {"val": cell.valign})
            for p in cell.paragraphs or [Para().build()]:
                tc.append(p)
    return tbl


def to_xml(elements: Iterable[etree._Element]) -> str:
    return "".join(etree.tostring(e, encoding="unicode") for e in elements)
