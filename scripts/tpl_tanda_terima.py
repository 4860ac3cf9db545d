"""Template of the receipt list of questionnaire copies (tanda terima eksemplar), portrait.

kop; the title; activity, questionnaire, count and code range; a table with one row per
copy (No, Kode Eksemplar, Diserahkan Kepada, Tanggal Serah, Tanggal Kembali, Paraf), rows
tall enough to initial by hand, the header repeated on every page; the place and date and
"Yang menyerahkan" with room for a signature and a name written in.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from tpl_common import (
    _TRPR_ORDER,
    LETTER_TEXT_MM,
    cant_split,
    insert_ordered,
    kop_surat,
    letter_document,
    para,
    repeat_header,
    shade,
    table_cell_margins,
    table_grid,
    tabs,
)

NAME = "tanda-terima.docx"
CENTER = WD_ALIGN_PARAGRAPH.CENTER

# (heading, expression, width mm, centred): the widths fill the letter's text width.
COLUMNS = [
    ("No", "b.no", 10.0, True),
    ("Kode Eksemplar", "b.kode", 28.0, True),
    ("Diserahkan Kepada", "b.kepada", LETTER_TEXT_MM - 10.0 - 28.0 - 3 * 24.0, False),
    ("Tanggal Serah", "b.serah", 24.0, True),
    ("Tanggal Kembali", "b.kembali", 24.0, True),
    ("Paraf", "", 24.0, False),
]
ROW_MM = 9.0  # room to write a name and initial
SIGN = 90.0  # left edge of the signature block


def _row_height(row, mm: float) -> None:
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(int(round(mm * 56.6929))))
    height.set(qn("w:hRule"), "atLeast")
    insert_ordered(row._tr.get_or_add_trPr(), height, _TRPR_ORDER)


def build(out_dir: Path) -> Path:
    doc = letter_document(size_pt=12)
    props = doc.core_properties
    props.title = "Tanda Terima Eksemplar Kuesioner"
    props.subject = "Tanda Terima Eksemplar Kuesioner"
    props.keywords = "tanda terima, kuesioner"

    kop_surat(doc)
    title = para(doc, "{{ tanda_terima.judul }}", bold=True, size=13, align=CENTER)
    title.paragraph_format.space_before = Pt(8)
    title.paragraph_format.space_after = Pt(8)
    for label, expr in (("Kegiatan", "tanda_terima.kegiatan"), ("Kuesioner", "tanda_terima.kuesioner"),
                        ("Jumlah", "tanda_terima.jumlah"), ("Kode eksemplar", "tanda_terima.kode")):
        p = para(doc, f"{label}\t:\t{{{{ {expr} }}}}")
        tabs(p, 32, 35)
        p.paragraph_format.left_indent = Mm(35)
        p.paragraph_format.first_line_indent = Mm(-35)
        p.paragraph_format.space_after = Pt(1)
    para(doc, "").paragraph_format.space_after = Pt(4)

    table = doc.add_table(rows=4, cols=len(COLUMNS))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table_grid(table, [width for _, _, width, _ in COLUMNS], lines=True)
    table_cell_margins(table, 1.2)
    header, opener, body, closer = table.rows
    repeat_header(header)
    for cell, (heading, _, _, _) in zip(header.cells, COLUMNS):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        shade(cell)
        p = para(cell, heading, bold=True, size=10, align=CENTER, first=True)
        p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(2)
    # docxtpl removes the rows holding {%tr ... %} and repeats the row between them.
    para(opener.cells[0], "{%tr for b in baris %}", first=True)
    para(closer.cells[0], "{%tr endfor %}", first=True)
    cant_split(body)
    _row_height(body, ROW_MM)
    for cell, (_, expr, _, centred) in zip(body.cells, COLUMNS):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        para(cell, f"{{{{ {expr} }}}}" if expr else "", size=10, align=CENTER if centred else None, first=True)

    gap = para(doc, "")
    gap.paragraph_format.space_after = Pt(6)
    gap.paragraph_format.keep_with_next = True
    lines = [("{{ tanda_terima.kota }}, {{ tanda_terima.tanggal }}", False), ("Yang menyerahkan,", False),
             ("", False), ("", False), ("", False),
             ("(.............................................)", False), ("NIP. ........................................", False)]
    for index, (text, bold) in enumerate(lines):
        p = para(doc, text, bold=bold, align=CENTER)
        p.paragraph_format.left_indent = Mm(SIGN)
        p.paragraph_format.keep_with_next = index < len(lines) - 1

    target = Path(out_dir) / NAME
    doc.save(str(target))
    return target


if __name__ == "__main__":
    import sys

    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "templates"))
