"""Template of the surat undangan (invitation letter), portrait, tata naskah dinas layout.

kop; the place and date at the right; Nomor / Sifat / Lampiran / Hal (a borderless table,
colons aligned, a long Hal wraps under itself); "Yth." and the addressees (one, numbered,
or "(daftar terlampir)"); "di" and their place; the opening paragraph; the event as a
borderless hari/tanggal, waktu, tempat, acara table; the closing; the signer at the right
(a.n./Plt. lines, name, rank, NIP); Tembusan; then, when the addressees are many, the
attached "DAFTAR UNDANGAN" on a new page. Same font, size and margins as the surat tugas.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from tpl_common import (
    tembusan_list,
    LETTER_TEXT_MM,
    _TBLPR_ORDER,
    cant_split,
    hanging,
    insert_ordered,
    kop_surat,
    letter_document,
    para,
    repeat_header,
    table_cell_margins,
    table_grid,
    tabs,
)

NAME = "surat-undangan.docx"

CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

# Widths and positions in mm from the left margin.
HEAD_LABEL = 24.0  # Nomor / Sifat / Lampiran / Hal
HEAD_COLON = 4.0
HEAD_VALUE = 100.0  # the value column; the rest of the line stays empty (as on paper)
YTH = 10.0  # text after "Yth." (and the place after "di")
YTH_ITEM = 16.0  # text of a numbered addressee
BODY_INDENT = 12.5  # first line of a body paragraph; left edge of the event table
EVENT_LABEL = 30.0  # Hari/tanggal / Waktu / Tempat / Acara
EVENT_COLON = 4.0
SIGN = 78.0  # left edge of the signature block (its lines are centred from here)
ATTACH = 60.0  # left edge of the "Lampiran Surat Undangan / Nomor / Tanggal" block
SIGN_LINES = 3  # empty lines for the signature and the stamp


def _gap(doc, points: float = 12) -> None:
    p = para(doc, "")
    if points < 12:
        p.paragraph_format.line_spacing = Pt(points)


def _indent_table(table, mm: float) -> None:
    indent = OxmlElement("w:tblInd")
    indent.set(qn("w:w"), str(int(round(mm * 56.6929))))
    indent.set(qn("w:type"), "dxa")
    insert_ordered(table._tbl.tblPr, indent, _TBLPR_ORDER)


def _field_table(doc, rows: list[tuple[str, str]], widths: list[float], *, indent: float = 0, after: float = 0):
    """A borderless label / colon / value table (cell padding 0 so text sits on the margin)."""
    table = doc.add_table(rows=len(rows), cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table_grid(table, widths, lines=False)
    table_cell_margins(table, 0)
    if indent:
        _indent_table(table, indent)
    for row, (label, value) in zip(table.rows, rows):
        label_cell, colon_cell, value_cell = row.cells
        for cell, text in ((label_cell, label), (colon_cell, ":"), (value_cell, value)):
            p = para(cell, text, first=True)
            if after:
                p.paragraph_format.space_after = Pt(after)
        cant_split(row)
    return table


def _signature(doc) -> None:
    """The signer: title lines (a.n. / Plt.), space, name, rank, NIP; kept together."""

    def sig(text: str, **kwargs):
        p = para(doc, text, **kwargs)
        p.paragraph_format.left_indent = Mm(SIGN)
        p.paragraph_format.keep_with_next = True
        return p

    sig("{%p for baris in penandatangan.baris_jabatan %}")
    sig("{{ baris }}", align=CENTER)
    sig("{%p endfor %}")
    for _ in range(SIGN_LINES):
        sig("")
    sig("{{ penandatangan.nama }}", bold=True, underline=True, align=CENTER)
    sig("{%p if penandatangan.pangkat_golongan %}")
    sig("{{ penandatangan.pangkat_golongan }}", align=CENTER)
    sig("{%p endif %}")
    sig("{%p if penandatangan.nip %}")
    sig("NIP. {{ penandatangan.nip }}", align=CENTER).paragraph_format.keep_with_next = False
    sig("{%p endif %}").paragraph_format.keep_with_next = False


def _addressees(doc) -> None:
    """Yth. one / numbered / (daftar terlampir); then "di" and the place."""
    para(doc, "{%p if surat.terlampir %}")
    p = para(doc, "Yth.\t(daftar terlampir)")
    tabs(p, YTH)
    hanging(p, YTH)
    para(doc, "{%p elif surat.kepada|length == 1 %}")
    p = para(doc, "Yth.\t{{ surat.kepada[0] }}")
    tabs(p, YTH)
    hanging(p, YTH)
    para(doc, "{%p else %}")
    para(doc, "{%p for butir in surat.kepada %}")
    p = para(doc, "{{ 'Yth.' if loop.first else '' }}\t{{ loop.index }}.\t{{ butir }}")
    tabs(p, YTH, YTH_ITEM)
    hanging(p, YTH_ITEM)
    p.paragraph_format.keep_with_next = True
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    p = para(doc, "di")
    p.paragraph_format.keep_with_next = True
    p = para(doc, "{{ surat.di }}")
    hanging(p, YTH, 0)


def _lampiran(doc) -> None:
    """The attached list of addressees, on a new page, signed again."""
    head = para(doc, "Lampiran Surat Undangan")
    head.paragraph_format.page_break_before = True
    head.paragraph_format.left_indent = Mm(ATTACH)
    for text in ("Nomor\t:\t{{ surat.nomor }}", "Tanggal\t:\t{{ surat.tanggal }}", "Hal\t:\t{{ surat.hal }}"):
        p = para(doc, text)
        tabs(p, ATTACH + 18, ATTACH + 21)
        hanging(p, ATTACH + 21, 21)
    _gap(doc)
    para(doc, "DAFTAR UNDANGAN", bold=True, align=CENTER)
    _gap(doc, 6)
    widths = [12.0, LETTER_TEXT_MM - 12.0]
    table = doc.add_table(rows=4, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table_grid(table, widths, lines=True)
    table_cell_margins(table, 1.5)
    for cell, text in zip(table.rows[0].cells, ["No", "Nama/Jabatan"]):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = para(cell, text, bold=True, first=True, align=CENTER, size=11)
        p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(2)
    repeat_header(table.rows[0])
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for u in undangan %}")
    for cell, (text, align) in zip(table.rows[2].cells, [("{{ u.no }}.", CENTER), ("{{ u.nama }}", None)]):
        p = para(cell, text, first=True, align=align, size=11)
        p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(1)
    cant_split(table.rows[2])
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    _gap(doc)
    _signature(doc)


def build(out_dir: Path) -> Path:
    doc = letter_document(size_pt=12)
    props = doc.core_properties
    props.title = "{{ surat.hal }}"
    props.subject = "Surat Undangan {{ surat.nomor }}"
    props.keywords = "surat undangan"

    kop_surat(doc)
    date_line = para(doc, "{{ surat.kota }}, {{ surat.tanggal }}", align=RIGHT)
    date_line.paragraph_format.space_before = Pt(10)
    date_line.paragraph_format.space_after = Pt(8)

    _field_table(
        doc,
        [
            ("Nomor", "{{ surat.nomor }}"),
            ("Sifat", "{{ surat.sifat }}"),
            ("Lampiran", "{{ surat.lampiran }}"),
            ("Hal", "{{ surat.hal }}"),
        ],
        [HEAD_LABEL, HEAD_COLON, HEAD_VALUE],
    )
    _gap(doc)
    _addressees(doc)
    _gap(doc)

    opening = para(doc, "{{ surat.pembuka }}", align=JUSTIFY)
    opening.paragraph_format.first_line_indent = Mm(BODY_INDENT)
    opening.paragraph_format.space_after = Pt(6)
    opening.paragraph_format.keep_with_next = True
    _field_table(
        doc,
        [
            ("Hari/tanggal", "{{ acara.hari_tanggal }}"),
            ("Waktu", "{{ acara.waktu }}"),
            ("Tempat", "{{ acara.tempat }}"),
            ("Acara", "{{ acara.acara }}"),
        ],
        [EVENT_LABEL, EVENT_COLON, LETTER_TEXT_MM - BODY_INDENT - EVENT_LABEL - EVENT_COLON],
        indent=BODY_INDENT,
        after=3,
    )
    closing = para(doc, "{{ surat.penutup }}", align=JUSTIFY)
    closing.paragraph_format.first_line_indent = Mm(BODY_INDENT)
    closing.paragraph_format.space_before = Pt(6)
    closing.paragraph_format.keep_with_next = True
    _gap(doc)
    _signature(doc)
    tembusan_list(doc)

    para(doc, "{%p if surat.terlampir %}")
    _lampiran(doc)
    para(doc, "{%p endif %}")

    path = out_dir / NAME
    doc.save(path)
    return path
