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
#: The letters' font in the templates: the profile's default (tata_letak.font); the font of
#: every rendered document follows the profile (sopdocs.docx.layout).
LETTER_FONT = "Arial"


def base_document(landscape: bool, size_pt: float = 11, font: str = FONT) -> Document:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = font
    style.font.size = Pt(size_pt)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), font)
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
    insert_ordered(tc_pr, shd, _TCPR_ORDER)


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
    insert_ordered(tbl_pr, el, _TBLPR_ORDER)


def fixed_layout(table, widths_mm: list[float]) -> None:
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    insert_ordered(tbl_pr, layout, _TBLPR_ORDER)
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




# --------------------------------------------------------------------------- letters
# Helpers shared by the letter templates (surat tugas, nota dinas, disposisi...).
# Elements are inserted in the order the OOXML schema prescribes: Word refuses some
# documents whose pPr/tblPr children are out of order.

_PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
    "sectPr", "pPrChange",
)
_TBLPR_ORDER = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
    "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar",
    "tblLook", "tblCaption", "tblDescription", "tblPrChange",
)
_TCPR_ORDER = (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
    "textDirection", "tcFitText", "vAlign", "hideMark",
)
_TRPR_ORDER = (
    "cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight",
    "tblHeader", "tblCellSpacing", "jc", "hidden",
)


def insert_ordered(parent, child, order: tuple[str, ...]) -> None:
    """Put ``child`` into ``parent`` at its schema position, replacing one of the same tag."""
    name = child.tag.rsplit("}", 1)[-1]
    for old in parent.findall(qn(f"w:{name}")):
        parent.remove(old)
    later = set(order[order.index(name) + 1:])
    for index, existing in enumerate(parent):
        if existing.tag.rsplit("}", 1)[-1] in later:
            parent.insert(index, child)
            return
    parent.append(child)


def _border(tag: str, val: str, sz: int, space: int = 0):
    b = OxmlElement(f"w:{tag}")
    b.set(qn("w:val"), val)
    b.set(qn("w:sz"), str(sz))
    b.set(qn("w:space"), str(space))
    b.set(qn("w:color"), "000000")
    return b


def paragraph_border(p, edge: str = "bottom", *, val: str = "single", sz: int = 6, space: int = 1) -> None:
    """A border line on one edge of a paragraph (sz in eighths of a point)."""
    ppr = p._p.get_or_add_pPr()
    pbdr = OxmlElement("w:pBdr")
    pbdr.append(_border(edge, val, sz, space))
    insert_ordered(ppr, pbdr, _PPR_ORDER)


def tabs(p, *positions_mm: float) -> None:
    """Left-aligned tab stops at ``positions_mm`` from the paragraph's left margin."""
    for position in positions_mm:
        p.paragraph_format.tab_stops.add_tab_stop(Mm(position))


def hanging(p, left_mm: float, hanging_mm: float | None = None) -> None:
    """Left indent with the first line pulled back by ``hanging_mm`` (default: all of it)."""
    p.paragraph_format.left_indent = Mm(left_mm)
    p.paragraph_format.first_line_indent = Mm(-(left_mm if hanging_mm is None else hanging_mm))


def table_grid(table, widths_mm: list[float], *, lines: bool) -> None:
    """Fixed column widths (in schema order) and either grid lines or no borders at all."""
    tbl_pr = table._tbl.tblPr
    table.autofit = False
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(round(sum(widths_mm) * 56.6929))))
    width.set(qn("w:type"), "dxa")
    insert_ordered(tbl_pr, width, _TBLPR_ORDER)
    indent = OxmlElement("w:tblInd")
    indent.set(qn("w:w"), "0")
    indent.set(qn("w:type"), "dxa")
    insert_ordered(tbl_pr, indent, _TBLPR_ORDER)
    edges = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edges.append(_border(edge, "single", 6) if lines else _border(edge, "nil", 0))
    insert_ordered(tbl_pr, edges, _TBLPR_ORDER)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    insert_ordered(tbl_pr, layout, _TBLPR_ORDER)
    grid = table._tbl.tblGrid
    for col, mm in zip(grid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(int(round(mm * 56.6929))))
    for row in table.rows:
        for cell, mm in zip(row.cells, widths_mm):
            cell.width = Mm(mm)


def cell_margins(cell, *, left_mm: float = 0, right_mm: float = 0) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    mar = OxmlElement("w:tcMar")
    for edge, mm in (("left", left_mm), ("right", right_mm)):
        node = OxmlElement(f"w:{edge}")
        node.set(qn("w:w"), str(int(round(mm * 56.6929))))
        node.set(qn("w:type"), "dxa")
        mar.append(node)
    insert_ordered(tc_pr, mar, _TCPR_ORDER)


def table_cell_margins(table, side_mm: float) -> None:
    """Left/right padding of every cell of ``table`` (Word's default is 1.9 mm)."""
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        node = OxmlElement(f"w:{edge}")
        node.set(qn("w:w"), str(int(round(side_mm * 56.6929))))
        node.set(qn("w:type"), "dxa")
        mar.append(node)
    insert_ordered(table._tbl.tblPr, mar, _TBLPR_ORDER)


def repeat_header(row) -> None:
    """Repeat this table row at the top of every page; never split it."""
    tr_pr = row._tr.get_or_add_trPr()
    for name in ("cantSplit", "tblHeader"):
        insert_ordered(tr_pr, OxmlElement(f"w:{name}"), _TRPR_ORDER)


def cant_split(row) -> None:
    insert_ordered(row._tr.get_or_add_trPr(), OxmlElement("w:cantSplit"), _TRPR_ORDER)


def letter_document(*, size_pt: float = 12) -> Document:
    """A portrait letter page with the profile's defaults: Arial, A4, margins left 30 mm,
    right 20 mm, top 20 mm, bottom 25 mm (paper, margins, font and size are set from the
    profile at render time: sopdocs.docx.layout)."""
    doc = base_document(landscape=False, size_pt=size_pt, font=LETTER_FONT)
    section = doc.sections[0]
    section.left_margin = Mm(LETTER_MARGINS_MM[0])
    section.right_margin = Mm(LETTER_MARGINS_MM[1])
    section.top_margin = Mm(LETTER_MARGINS_MM[2])
    section.bottom_margin = Mm(LETTER_MARGINS_MM[3])
    section.header_distance = section.footer_distance = Mm(10)
    kop_styles(doc)
    return doc


#: left, right, top, bottom margins of a letter page (mm): the profile's defaults
LETTER_MARGINS_MM = (30.0, 20.0, 20.0, 25.0)

#: Kop paragraph styles (name, size in pt, bold): the profile's tata_letak.ukuran_kop sets
#: their sizes at render time (style ids KopPemerintah, KopInstansi, KopAlamat).
KOP_STYLES = (("Kop Pemerintah", 14.0, True), ("Kop Instansi", 16.0, True), ("Kop Alamat", 10.0, False))


def kop_styles(doc) -> None:
    """The kop's paragraph styles (centred, no spacing), if not there yet."""
    from docx.enum.style import WD_STYLE_TYPE

    names = {style.name for style in doc.styles}
    for name, size, bold in KOP_STYLES:
        if name in names:
            continue
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.font.size = Pt(size)
        style.font.bold = bold
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.keep_with_next = True
#: text width of a letter on A4 (mm); on F4 the page is 5 mm wider
LETTER_TEXT_MM = 210.0 - LETTER_MARGINS_MM[0] - LETTER_MARGINS_MM[1]


def kop_surat(doc, *, text_width_mm: float = LETTER_TEXT_MM, logo_mm: float = 22.0,
              sizes: tuple[float, float, float] | None = None) -> None:
    """The letterhead: logo left; government and agency lines centred and bold; address
    (street, city, postcode), phone, e-mail and website; then a thick-thin double rule.

    The table is captioned "Kop Surat": at render time (sopdocs.docx.layout.centre_kop) its
    text column is centred on the page for the actual paper and margins, the logo column
    left of it (standing in the left margin when needed). The lines use the paragraph
    styles Kop Pemerintah / Kop Instansi / Kop Alamat, whose sizes come from the profile. Uses ``logo`` (an image or empty) and ``profil.pemerintah``,
    ``profil.instansi``, ``profil.alamat_lengkap``, ``profil.kontak``. ``sizes`` (pt of
    the three kinds of line) fixes the sizes on the runs instead (a small form's kop).
    """
    kop_styles(doc)
    table = doc.add_table(rows=1, cols=2)
    table_grid(table, [logo_mm, text_width_mm - logo_mm], lines=False)
    caption = OxmlElement("w:tblCaption")
    caption.set(qn("w:val"), "Kop Surat")
    insert_ordered(table._tbl.tblPr, caption, _TBLPR_ORDER)
    logo_cell, text_cell = table.rows[0].cells
    for cell in (logo_cell, text_cell):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    cell_margins(logo_cell, left_mm=0, right_mm=1)
    cell_margins(text_cell, left_mm=1, right_mm=1)
    para(logo_cell, "{% if logo %}{{ logo }}{% endif %}", first=True, align=WD_ALIGN_PARAGRAPH.LEFT)

    def kop_line(text: str, style: str, *, first: bool = False):
        p = para(text_cell, text, first=first)
        p.style = doc.styles[style]
        for run in p.runs:
            run.bold = None  # bold comes from the style (para() writes an explicit "not bold")
        if sizes is not None and p.runs and not text.startswith("{%"):
            p.runs[0].font.size = Pt(sizes[[name for name, _, _ in KOP_STYLES].index(style)])
        return p

    kop_line("{%p for baris in profil.pemerintah %}", "Kop Pemerintah", first=True)
    kop_line("{{ baris }}", "Kop Pemerintah")
    kop_line("{%p endfor %}", "Kop Pemerintah")
    kop_line("{%p for baris in profil.instansi %}", "Kop Instansi")
    kop_line("{{ baris }}", "Kop Instansi")
    kop_line("{%p endfor %}", "Kop Instansi")
    kop_line("{{ profil.alamat_lengkap }}", "Kop Alamat")
    kop_line("{%p if profil.kontak %}", "Kop Alamat")
    kop_line("{{ profil.kontak }}", "Kop Alamat")
    kop_line("{%p endif %}", "Kop Alamat")
    # The double rule: thick line above a thin one, as on printed kop surat.
    rule = para(doc, "", size=2)
    rule.paragraph_format.space_before = Pt(2)
    rule.paragraph_format.line_spacing = Pt(2)
    paragraph_border(rule, "bottom", val="thickThinSmallGap", sz=24, space=1)


def tembusan_list(doc) -> None:
    """The Tembusan block of a letter: shown only when ``surat.tembusan`` has items."""
    para(doc, "{%p if surat.tembusan %}")
    p = para(doc, "Tembusan:")
    p.paragraph_format.space_before = Pt(10)
    p.paragraph_format.keep_with_next = True
    para(doc, "{%p for butir in surat.tembusan %}")
    p = para(doc, "{{ loop.index }}.\t{{ butir }}")
    tabs(p, 6)
    hanging(p, 6)
    p.paragraph_format.keep_with_next = True
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
