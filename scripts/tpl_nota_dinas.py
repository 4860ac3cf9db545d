"""Template of the nota dinas (internal memo), portrait, e.g. a recap sent to the head.

kop; NOTA DINAS / Nomor; Kepada, Dari, Tembusan, Tanggal, Sifat, Lampiran, Hal (a rule
under them); the body (built by code: paragraphs and tables); the signer (title, name,
NIP; no stamp on a nota dinas); then, on new pages, the attachment blocks (a table and
optionally a chart each), headed "Lampiran Nota Dinas / Nomor / Tanggal" and signed at
the end like the letter.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from tpl_common import hanging, kop_surat, letter_document, para, paragraph_border, tabs

NAME = "nota-dinas.docx"

CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

LABEL_COLON = 25.0  # the colon after Kepada / Dari / ...
VALUE = 29.0  # where the value starts
ITEM = 35.0  # text of a numbered tembusan item
SIGN = 85.0  # left edge of the signature block
# left edge of the "Lampiran Nota Dinas / Nomor / Tanggal" block: a number such as
# 000.1.2/001/Disnakertrans/2024 fits on one line after "Nomor :" in 12 pt Arial
ATTACH = 60.0


def _field(doc, label: str, value: str, *, last: bool = False):
    p = para(doc, f"{label}\t:\t{value}")
    tabs(p, LABEL_COLON, VALUE)
    hanging(p, VALUE)
    p.paragraph_format.space_after = Pt(2)
    if last:
        paragraph_border(p, "bottom", sz=8, space=4)
    return p


def _signature(doc) -> None:
    def sig(text: str, **kwargs):
        p = para(doc, text, **kwargs)
        p.paragraph_format.left_indent = Mm(SIGN)
        p.paragraph_format.keep_with_next = True
        return p

    sig("{{ penandatangan.jabatan }},", align=CENTER)
    for _ in range(4):
        sig("")
    sig("{{ penandatangan.nama }}", bold=True, underline=True, align=CENTER)
    sig("{%p if penandatangan.pangkat_golongan %}")
    sig("{{ penandatangan.pangkat_golongan }}", align=CENTER)
    sig("{%p endif %}")
    sig("{%p if penandatangan.nip %}")
    sig("NIP. {{ penandatangan.nip|nip }}", align=CENTER).paragraph_format.keep_with_next = False
    sig("{%p endif %}").paragraph_format.keep_with_next = False


def _lampiran(doc) -> None:
    head = para(doc, "Lampiran Nota Dinas")
    head.paragraph_format.page_break_before = True
    head.paragraph_format.left_indent = Mm(ATTACH)
    for text in ("Nomor\t:\t{{ nota.nomor }}", "Tanggal\t:\t{{ nota.tanggal|tanggal }}"):
        p = para(doc, text)
        tabs(p, ATTACH + 18, ATTACH + 21)
        hanging(p, ATTACH + 21, 21)
    title = para(doc, "{{ lampiran_judul }}", bold=True, align=CENTER)
    title.paragraph_format.space_before = Pt(12)
    title.paragraph_format.space_after = Pt(6)
    title.runs[0].font.all_caps = True
    para(doc, "{%p for blok in lampiran_blok %}")
    para(doc, "{{p blok.isi }}")
    para(doc, "{%p if blok.grafik %}")
    p = para(doc, "{{ blok.grafik }}", align=CENTER)
    p.paragraph_format.space_before = Pt(4)
    p.paragraph_format.keep_together = True
    para(doc, "{%p endif %}")
    para(doc, "{{p blok.catatan }}")
    para(doc, "{%p endfor %}")
    # The attachment is signed as the letter is (as the surat tugas attachment is).
    gap = para(doc, "")
    gap.paragraph_format.space_before = Pt(6)
    gap.paragraph_format.keep_with_next = True
    _signature(doc)


def build(out_dir: Path) -> Path:
    doc = letter_document(size_pt=12)
    props = doc.core_properties
    props.title = "{{ nota.hal }}"
    props.subject = "Nota Dinas {{ nota.nomor }}"
    props.keywords = "nota dinas"

    kop_surat(doc)
    title = para(doc, "NOTA DINAS", bold=True, underline=True, size=14, align=CENTER)
    title.paragraph_format.space_before = Pt(10)
    p = para(doc, "Nomor: {{ nota.nomor }}", align=CENTER)
    p.paragraph_format.space_after = Pt(14)

    _field(doc, "Kepada", "Yth. {{ nota.kepada }}")
    _field(doc, "Dari", "{{ nota.dari }}")
    para(doc, "{%p if nota.tembusan|length > 1 %}")
    para(doc, "{%p for butir in nota.tembusan %}")
    p = para(
        doc,
        "{{ 'Tembusan' if loop.first else '' }}\t{{ ':' if loop.first else '' }}\t{{ loop.index }}.\t{{ butir }}",
    )
    tabs(p, LABEL_COLON, VALUE, ITEM)
    hanging(p, ITEM)
    p.paragraph_format.space_after = Pt(2)
    para(doc, "{%p endfor %}")
    para(doc, "{%p else %}")
    _field(doc, "Tembusan", "{{ nota.tembusan[0] if nota.tembusan else '-' }}")
    para(doc, "{%p endif %}")
    _field(doc, "Tanggal", "{{ nota.tanggal|tanggal }}")
    _field(doc, "Sifat", "{{ nota.sifat }}")
    _field(doc, "Lampiran", "{{ nota.lampiran or '-' }}")
    _field(doc, "Hal", "{{ nota.hal }}", last=True)
    gap = para(doc, "")
    gap.paragraph_format.space_after = Pt(4)

    para(doc, "{{p isi }}")
    gap = para(doc, "")
    gap.paragraph_format.space_after = Pt(10)
    gap.paragraph_format.keep_with_next = True  # the body's last lines go with the signature
    _signature(doc)

    para(doc, "{%p if lampiran_blok %}")
    _lampiran(doc)
    para(doc, "{%p endif %}")

    path = out_dir / NAME
    doc.save(path)
    return path
