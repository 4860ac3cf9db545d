"""Template of the SOP sheet (SOP AP format): identity part; the activity table is code."""

from __future__ import annotations

from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH

from tpl_common import base_document, borders, fixed_layout, kop_block, numbered_list, para, shade

NAME = "sop.docx"


def build(out_dir: Path) -> Path:
    doc = base_document(landscape=True, size_pt=11)
    doc.core_properties.title = "{{ sop.nama }}"
    doc.core_properties.subject = "Standar Operasional Prosedur {{ sop.nomor }}"
    doc.core_properties.keywords = "SOP; {{ sop.nomor }}"
    # Identity part: left block spans every row; right block label : value.
    widths = [120.0, 45.0, 102.0]
    rows = [
        ("NOMOR SOP", "{{ sop.nomor }}"),
        ("TANGGAL PEMBUATAN", "{{ sop.tanggal_pembuatan|tanggal }}"),
        ("TANGGAL REVISI", "{{ sop.tanggal_revisi|tanggal if sop.tanggal_revisi else '-' }}"),
        ("TANGGAL EFEKTIF", "{{ sop.tanggal_efektif|tanggal }}"),
        ("DISAHKAN OLEH", None),
        ("NAMA SOP", "{{ sop.nama }}"),
    ]
    table = doc.add_table(rows=len(rows), cols=3)
    borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    fixed_layout(table, widths)
    left = table.cell(0, 0).merge(table.cell(len(rows) - 1, 0))
    left.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    kop_block(left, size=14)
    for index, (label, value) in enumerate(rows):
        label_cell, value_cell = table.cell(index, 1), table.cell(index, 2)
        label_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        value_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        para(label_cell, label, bold=True, first=True)
        if value is None:
            para(value_cell, "{{ sop.disahkan_oleh.jabatan }},", first=True)
            for _ in range(3):
                para(value_cell, "")
            para(value_cell, "{{ sop.disahkan_oleh.nama }}", bold=True, underline=True)
            para(value_cell, "{%p if sop.disahkan_oleh.pangkat_golongan %}")
            para(value_cell, "{{ sop.disahkan_oleh.pangkat_golongan }}")
            para(value_cell, "{%p endif %}")
            para(value_cell, "{%p if sop.disahkan_oleh.nip %}")
            para(value_cell, "NIP. {{ sop.disahkan_oleh.nip|nip }}")
            para(value_cell, "{%p endif %}")
        else:
            para(value_cell, value, bold=(label == "NAMA SOP"), first=True)
    para(doc, "")
    pairs = [
        (("DASAR HUKUM", "sop.dasar_hukum"), ("KUALIFIKASI PELAKSANA", "sop.kualifikasi_pelaksana")),
        (("KETERKAITAN", "sop.keterkaitan"), ("PERALATAN/PERLENGKAPAN", "sop.peralatan_perlengkapan")),
        (("PERINGATAN", "sop.peringatan"), ("PENCATATAN DAN PENDATAAN", "sop.pencatatan_pendataan")),
    ]
    boxes = doc.add_table(rows=len(pairs) * 2, cols=2)
    borders(boxes)
    boxes.alignment = WD_TABLE_ALIGNMENT.CENTER
    fixed_layout(boxes, [133.5, 133.5])
    for index, pair in enumerate(pairs):
        for col, (heading, expr) in enumerate(pair):
            head = boxes.cell(index * 2, col)
            shade(head)
            para(head, f"{heading}:", bold=True, first=True)
            numbered_list(boxes.cell(index * 2 + 1, col), expr, first=True)
    # The flowchart part: built by code (exact geometry), starts on a new page.
    para(doc, "{{p tabel_kegiatan }}")
    path = out_dir / NAME
    doc.save(path)
    return path
