"""Template of the daftar arsip (list of case files and their items), A4/F4 landscape.

Title, pencipta arsip, unit pengolah and the date; then one table row per item, the
case-file columns filled on the first row of each case file; the header row repeats on
every page; a closing line with the totals and, when a profile is given, the head's
signature block.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from tpl_common import (
    LETTER_FONT,
    LETTER_MARGINS_MM,
    base_document,
    cant_split,
    para,
    repeat_header,
    shade,
    table_cell_margins,
    table_grid,
    tabs,
)

NAME = "daftar-arsip.docx"

CENTER = WD_ALIGN_PARAGRAPH.CENTER

# (heading, template expression, width in mm, centred); 247 mm = A4 landscape minus the
# profile's default margins (left 30, right 20); other margins and F4 rescale the table
# (sopdocs.docx.layout.fit_tables narrows it; F4 leaves room at the right).
# The number has a column of its own, wide enough for 800.1.11.1/001/Disnakertrans/2024 on
# one line (sopdocs.kinds.daftararsip.NUMBER_TEXT_MM: the size shrinks for wider fonts).
COLUMNS = [
    ("No. Berkas", "b.nomor_berkas", 13, True),
    ("Kode Klasi\u00adfikasi", "b.kode", 20, True),
    ("Uraian Informasi Berkas", "b.uraian_berkas", 27, False),
    ("Kurun Waktu", "b.kurun_waktu", 12, True),
    ("Jumlah", "b.jumlah", 13, True),
    ("No. Item", "b.nomor_item", 9, True),
    ("Nomor Naskah", "b.nomor_naskah", 48, True),
    ("Uraian Item", "b.uraian_item", 35, False),
    ("Tanggal", "b.tanggal", 18, True),
    ("Tingkat Perkem\u00adbangan", "b.tingkat", 15, True),
    ("Ket. (Media)", "b.media", 17, True),
    ("Retensi dan Nasib Akhir", "b.retensi", 20, False),
]
#: cell padding left and right (mm)
PADDING_MM = 1.0


def build(out_dir: Path) -> Path:
    doc = base_document(landscape=True, size_pt=10, font=LETTER_FONT)
    section = doc.sections[0]
    section.left_margin, section.right_margin = Mm(LETTER_MARGINS_MM[0]), Mm(LETTER_MARGINS_MM[1])
    section.top_margin, section.bottom_margin = Mm(LETTER_MARGINS_MM[2]), Mm(LETTER_MARGINS_MM[3])
    section.header_distance = section.footer_distance = Mm(10)
    para(doc, "{{ judul }}", bold=True, size=14, align=CENTER)
    para(doc, "")
    for label, expr in (("Pencipta Arsip", "pencipta"), ("Unit Pengolah", "unit"), ("Keadaan per", "tanggal")):
        p = para(doc, f"{label}\t: {{{{ {expr} }}}}")
        tabs(p, 32)
    para(doc, "").paragraph_format.space_after = Pt(4)

    table = doc.add_table(rows=4, cols=len(COLUMNS))
    table_grid(table, [width for _, _, width, _ in COLUMNS], lines=True)
    table_cell_margins(table, PADDING_MM)
    header, opener, body, closer = table.rows
    repeat_header(header)
    for cell, (heading, _, _, _) in zip(header.cells, COLUMNS):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        shade(cell)
        para(cell, heading, bold=True, size=8, align=CENTER, first=True)
    # docxtpl removes the rows holding {%tr ... %} and repeats the row between them.
    para(opener.cells[0], "{%tr for b in baris %}", first=True)
    para(closer.cells[0], "{%tr endfor %}", first=True)
    cant_split(body)
    for cell, (_, expr, _, centred) in zip(body.cells, COLUMNS):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        if expr == "b.retensi":
            para(cell, "{{ b.retensi }}", size=8, first=True)
            para(cell, "{{ b.nasib_akhir }}", size=8, bold=True)
            continue
        if expr == "b.nomor_naskah":  # a RichText sized to stay on one line
            para(cell, f"{{{{r {expr} }}}}", size=8, align=CENTER, first=True)
            continue
        para(cell, f"{{{{ {expr} }}}}", size=8.5 if expr == "b.uraian_item" else 8, align=CENTER if centred else None,
             first=True)

    p = para(doc, "Jumlah: {{ jumlah_berkas }} berkas, {{ jumlah_item }} item.")
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.keep_with_next = True
    sign = 165.0  # left edge of the signature block (mm from the margin)
    para(doc, "{%p if penandatangan %}")
    for text, bold in (("{{ kota }}, {{ tanggal }}", False), ("{{ penandatangan.jabatan }},", False),
                       ("", False), ("", False), ("", False),
                       ("{{ penandatangan.nama }}", True)):
        line = para(doc, text, bold=bold, align=CENTER)
        line.paragraph_format.left_indent = Mm(sign)
        line.paragraph_format.keep_with_next = True
    para(doc, "{%p if penandatangan.nip %}")
    line = para(doc, "NIP. {{ penandatangan.nip|nip }}", align=CENTER)
    line.paragraph_format.left_indent = Mm(sign)
    para(doc, "{%p endif %}")
    para(doc, "{%p endif %}")

    doc.core_properties.title = "Daftar Arsip"
    target = Path(out_dir) / NAME
    doc.save(str(target))
    return target


if __name__ == "__main__":
    import sys

    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "templates"))
