"""Shared pieces for the template builders (scripts/tpl_*.py)."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

FONT = "Times New Roman"


def base_document(landscape: bool, size_pt: float = 11) -> Document:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(size_pt)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin = section.bottom_margin = Mm(15)
    section.header_distance = section.footer_distance = Mm(8)
    settings = doc.settings.element
    for setting in settings.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            # Word 2013+ layout: a table's left border sits on the margin (tblInd 0) in
            # Word and LibreOffice alike, which the flowchart geometry relies on.
            setting.set(qn("w:val"), "15")
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "id-ID")
    lang.set(qn("w:eastAsia"), "id-ID")
    lang.set(qn("w:bidi"), "ar-SA")
    rpr.append(lang)
    props = doc.core_properties
    props.author = "sopdocs"
    props.title = ""
    props.comments = ""
    props.keywords = ""
    props.subject = ""
    props.category = ""
    props.last_modified_by = "sopdocs"
    props.revision = 1
    return doc


def set_cell_width(cell, mm: float) -> None:
    cell.width = Mm(mm)


def shade(cell, fill: str = "D9D9D9") -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    el = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = OxmlElement(f"w:{edge}")
        b.set(qn("w:val"), "single")
        b.set(qn("w:sz"), "6")
        b.set(qn("w:space"), "0")
        b.set(qn("w:color"), "000000")
        el.append(b)
    tbl_pr.append(el)


def fixed_layout(table, widths_mm: list[float]) -> None:
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(int(width * 56.6929)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)


def para(cell_or_doc, text: str = "", *, bold: bool = False, underline: bool = False,
         align=None, size: float | None = None, first: bool = False, indent_mm: float = 0,
         hanging_mm: float = 0, space_after: float = 0):
    if first:
        p = cell_or_doc.paragraphs[0]
    else:
        p = cell_or_doc.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold = bold
        run.underline = underline
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    if indent_mm or hanging_mm:
        p.paragraph_format.left_indent = Mm(indent_mm)
        p.paragraph_format.first_line_indent = Mm(-hanging_mm)
    if space_after:
        p.paragraph_format.space_after = Pt(space_after)
    return p


def numbered_list(cell, expr: str, *, first: bool = False) -> None:
    """Paragraphs rendering ``expr`` (a list) as "1. ...", or "-" when empty."""
    para(cell, f"{{%p if {expr} %}}", first=first)
    para(cell, f"{{%p for butir in {expr} %}}")
    para(cell, "{{ loop.index }}.\t{{ butir }}", indent_mm=6, hanging_mm=6)
    para(cell, "{%p endfor %}")
    para(cell, "{%p else %}")
    para(cell, "-")
    para(cell, "{%p endif %}")


def kop_block(cell, *, first: bool = True, size: float = 12) -> None:
    """Logo and agency lines (used by the SOP identity part)."""
    para(cell, "{%p if logo %}", first=first)
    para(cell, "{{ logo }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(cell, "{%p endif %}")
    para(cell, "{%p for baris in profil.pemerintah %}")
    para(cell, "{{ baris }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=size)
    para(cell, "{%p endfor %}")
    para(cell, "{%p for baris in profil.instansi %}")
    para(cell, "{{ baris }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=size + 1)
    para(cell, "{%p endfor %}")


