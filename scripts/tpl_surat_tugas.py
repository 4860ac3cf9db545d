"""Template of the surat tugas (assignment letter), portrait, in the usual regional layout.

kop; SURAT TUGAS / Nomor; Dasar; MENUGASKAN; Kepada (per person Nama, NIP,
Pangkat/Golongan, Jabatan, or "daftar terlampir" with an attached list for many people);
Untuk; closing; bottom right the place, date and signer; Tembusan; the attached list.
Every label/colon pair lines up on tab stops, so the text stays editable in Word.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from tpl_common import (
    tembusan_list,
    LETTER_TEXT_MM,
    hanging,
    kop_surat,
    letter_document,
    para,
    paragraph_border,
    repeat_header,
    cant_split,
    table_cell_margins,
    table_grid,
    tabs,
)

NAME = "surat-tugas.docx"

CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

# Tab stops and indents, in mm from the left margin (OOXML tab positions are measured
# from the margin, not from the paragraph's indent).
COLON = 22.0  # the colon after Dasar / Kepada / Untuk
CONTENT = 26.0  # where their content starts (and the item number of a list)
ITEM = 33.0  # text of a numbered item
FIELD_COLON = 70.0  # the colon after Nama / NIP / Pangkat/Golongan / Jabatan
FIELD_VALUE = 73.0
SIGN = 78.0  # left edge of the signature block (its lines are centred from here)
SIGN_COLON = SIGN + 27.0
ATTACH = 60.0  # left edge of the "Lampiran Surat Tugas / Nomor / Tanggal" block
SIGN_LINES = 3  # empty lines for the signature and the stamp


def _gap(doc, points: float = 12) -> None:
    p = para(doc, "")
    p.paragraph_format.space_after = Pt(points - 12) if points > 12 else Pt(0)
    if points < 12:
        p.paragraph_format.line_spacing = Pt(points)


def _signature(doc, *, with_place: bool) -> None:
    """Place/date lines (optional) and the signer: title lines, space, name, rank, NIP."""
    def sig(text: str, **kwargs):
        p = para(doc, text, **kwargs)
        p.paragraph_format.left_indent = Mm(SIGN)
        p.paragraph_format.keep_with_next = True
        return p

    if with_place:
        p = sig("Ditetapkan di\t: {{ surat.kota }}")
        tabs(p, SIGN_COLON)
        p = sig("pada tanggal\t: {{ surat.tanggal }}")
        tabs(p, SIGN_COLON)
        paragraph_border(p, "bottom", sz=8, space=2)
        p.paragraph_format.space_after = Pt(6)
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
    last = sig("NIP. {{ penandatangan.nip }}", align=CENTER)
    last.paragraph_format.keep_with_next = False
    sig("{%p endif %}").paragraph_format.keep_with_next = False


def _label_list(doc, label: str, expr: str) -> None:
    """``Label : 1. item`` (numbered when more than one item; justified, hanging)."""
    para(doc, f"{{%p if {expr}|length == 1 %}}")
    p = para(doc, f"{label}\t:\t{{{{ {expr}[0] }}}}", align=JUSTIFY)
    tabs(p, COLON, CONTENT)
    hanging(p, CONTENT)
    para(doc, "{%p else %}")
    para(doc, f"{{%p for butir in {expr} %}}")
    p = para(
        doc,
        f"{{{{ '{label}' if loop.first else '' }}}}\t{{{{ ':' if loop.first else '' }}}}\t"
        "{{ loop.index }}.\t{{ butir }}",
        align=JUSTIFY,
    )
    tabs(p, COLON, CONTENT, ITEM)
    hanging(p, ITEM)
    p.paragraph_format.space_after = Pt(2)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")


def _kepada_inline(doc) -> None:
    para(doc, "{%p for p in petugas %}")
    first = para(
        doc,
        "{{ 'Kepada' if loop.first else '' }}\t{{ ':' if loop.first else '' }}\t{{ p.no }}.\t"
        "Nama\t:\t{{ p.nama }}",
    )
    rows = [
        first,
        para(doc, "\t\t\tNIP\t:\t{{ p.nip }}"),
        para(doc, "\t\t\tPangkat/Golongan\t:\t{{ p.pangkat_golongan }}"),
        para(doc, "\t\t\tJabatan\t:\t{{ p.jabatan }}"),
    ]
    for p in rows:
        tabs(p, COLON, CONTENT, ITEM, FIELD_COLON, FIELD_VALUE)
        hanging(p, FIELD_VALUE)
        p.paragraph_format.keep_with_next = True
        p.paragraph_format.keep_together = True
    rows[-1].paragraph_format.keep_with_next = False
    rows[-1].paragraph_format.space_after = Pt(6)
    para(doc, "{%p endfor %}")


def _lampiran(doc) -> None:
    """The attached list of everyone assigned, on a new page."""
    head = para(doc, "Lampiran Surat Tugas")
    head.paragraph_format.page_break_before = True
    head.paragraph_format.left_indent = Mm(ATTACH)
    for text in ("Nomor\t:\t{{ surat.nomor }}", "Tanggal\t:\t{{ surat.tanggal }}"):
        p = para(doc, text)
        tabs(p, ATTACH + 18, ATTACH + 21)
        hanging(p, ATTACH + 21, 21)
    _gap(doc)
    para(doc, "DAFTAR PEGAWAI YANG DITUGASKAN", bold=True, align=CENTER)
    _gap(doc, 6)
    # At 10 pt in Arial a NIP (21 characters), a name such as "Pegawai Contoh Nomor 10" and
    # "Penata Muda (III/a)" each fit their column on one line.
    widths = [8.0, 46.0, 41.0, 34.0, LETTER_TEXT_MM - 129.0]
    table = doc.add_table(rows=4, cols=5)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table_grid(table, widths, lines=True)
    table_cell_margins(table, 1.2)
    headings = ["No", "Nama", "NIP", "Pangkat/Gol.", "Jabatan"]
    for cell, text in zip(table.rows[0].cells, headings):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = para(cell, text, bold=True, first=True, align=CENTER, size=10)
        p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(2)
    repeat_header(table.rows[0])
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for p in petugas %}")
    values = [
        ("{{ p.no }}", CENTER),
        ("{{ p.nama }}", None),
        ("{{ p.nip }}", CENTER),
        ("{{ p.pangkat_golongan }}", None),
        ("{{ p.jabatan }}", None),
    ]
    for cell, (text, align) in zip(table.rows[2].cells, values):
        p = para(cell, text, first=True, align=align, size=10)
        p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(1)
    cant_split(table.rows[2])
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    _gap(doc)
    _signature(doc, with_place=False)


def build(out_dir: Path) -> Path:
    doc = letter_document(size_pt=12)
    props = doc.core_properties
    props.title = "Surat Tugas {{ surat.nomor }}"
    props.subject = "Surat Tugas"
    props.keywords = "surat tugas"

    kop_surat(doc)
    title = para(doc, "SURAT TUGAS", bold=True, underline=True, size=14, align=CENTER)
    title.paragraph_format.space_before = Pt(6)
    para(doc, "Nomor: {{ surat.nomor }}", align=CENTER)
    _gap(doc)

    _label_list(doc, "Dasar", "surat.dasar")
    _gap(doc)
    diktum = para(doc, "{{ surat.diktum }}:", bold=True, align=CENTER)
    diktum.paragraph_format.space_after = Pt(12)

    para(doc, "{%p if surat.lampiran %}")
    p = para(doc, "Kepada\t:\t{{ surat.kepada_ringkas }}", align=JUSTIFY)
    tabs(p, COLON, CONTENT)
    hanging(p, CONTENT)
    p.paragraph_format.space_after = Pt(6)
    para(doc, "{%p else %}")
    _kepada_inline(doc)
    para(doc, "{%p endif %}")

    p = para(doc, "Untuk\t:\t{{ surat.untuk_kalimat }}", align=JUSTIFY)
    tabs(p, COLON, CONTENT)
    hanging(p, CONTENT)
    _gap(doc)
    closing = para(doc, "{{ surat.penutup }}", align=JUSTIFY)
    closing.paragraph_format.first_line_indent = Mm(12.5)
    closing.paragraph_format.keep_with_next = True
    _gap(doc)
    _signature(doc, with_place=True)

    tembusan_list(doc)

    para(doc, "{%p if surat.lampiran %}")
    _lampiran(doc)
    para(doc, "{%p endif %}")

    path = out_dir / NAME
    doc.save(path)
    return path
