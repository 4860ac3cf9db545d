"""The nota dinas (internal memo), e.g. the recap of a data collection sent to the head.

The letter frame (kop, header fields, signer, attachment pages) is the template; the
body and the attachment blocks are WordprocessingML built by the caller (see
:mod:`sopdocs.kinds.kuesioner.recap`), each attachment block optionally with a chart image.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopdocs.docx import formxml as fx
from sopdocs.definitions.profile import AgencyProfile, Pejabat, pejabat_context, profile_context
from sopdocs.docx.layout import page_for
from sopdocs.docx.render import DocxFragment, Image, kop_logo, render_docx
from sopdocs.docx.templateset import TemplateSet
from sopdocs.kinds.registry import DocumentKind, register_kind

TEMPLATE = "nota-dinas.docx"
KIND = "nota-dinas"
#: Text width of the letter template on A4 (30 mm left and 20 mm right margins, the
#: profile's defaults); :func:`text_width_mm` gives it for the profile's paper and margins.
TEXT_WIDTH_A4_MM = 160.0


@dataclass
class LampiranBlok:
    """One block of the attachment: XML (heading, table), a chart, notes under it."""

    isi: str
    grafik: Path | None = None
    catatan: str = ""
    grafik_lebar_mm: float = 140.0


@dataclass
class NotaDinas:
    nomor: str
    kepada: str
    dari: Pejabat
    tanggal: dt.date
    hal: str
    isi: str  # body WordprocessingML (see :func:`body_paragraphs`)
    tembusan: Sequence[str] = ()
    sifat: str = "Biasa"
    lampiran: str = ""
    lampiran_judul: str = ""
    lampiran_blok: list[LampiranBlok] = field(default_factory=list)


def text_width_mm(profile: AgencyProfile) -> float:
    """The letter's text width on the profile's paper with its margins (``tata_letak``)."""
    from sopdocs.definitions.profile import PAPER_MM

    margin = profile.tata_letak.margin
    return PAPER_MM[profile.kertas][0] - 10.0 * (margin.kiri + margin.kanan)


def body_paragraph(text: str, *, indent_first: bool = True, keep_next: bool = False) -> Any:
    """A justified body paragraph, first line indented as in Indonesian letters."""
    return fx.Para(
        align="both",
        first_line_mm=12.5 if indent_first else 0.0,
        after_pt=6,
        keep_next=keep_next,
        runs=[fx.text_run(text)],
    ).build()


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def keep_last_with_next(xml: str) -> str:
    """``xml`` (body paragraphs) with its last paragraph kept with what follows, so the
    signature never stands alone at the top of a page: its last lines go with it."""
    from lxml import etree

    if not xml.strip():
        return xml
    try:
        root = etree.fromstring(f'<wrap xmlns:w="{_W}">{xml}</wrap>'.encode("utf-8"))
    except etree.XMLSyntaxError:
        return xml
    paragraphs = [child for child in root if child.tag == f"{{{_W}}}p"]
    if not paragraphs:
        return xml
    last = paragraphs[-1]
    ppr = last.find(f"{{{_W}}}pPr")
    if ppr is None:
        ppr = etree.Element(f"{{{_W}}}pPr")
        last.insert(0, ppr)
    if ppr.find(f"{{{_W}}}keepNext") is None:
        style = ppr.find(f"{{{_W}}}pStyle")
        ppr.insert(0 if style is None else 1, etree.Element(f"{{{_W}}}keepNext"))
    return "".join(etree.tostring(child, encoding="unicode") for child in root)


def nota_dinas_context(nota: NotaDinas, profile: AgencyProfile) -> dict[str, Any]:
    """Everything the nota dinas template may use."""
    blocks = [
        {
            "isi": DocxFragment(block.isi),
            "grafik": Image(block.grafik, width_mm=block.grafik_lebar_mm) if block.grafik else "",
            "catatan": DocxFragment(block.catatan) if block.catatan else "",
        }
        for block in nota.lampiran_blok
    ]
    return {
        "profil": profile_context(profile),
        "gaya_tanggal": profile.date_style,
        "logo": kop_logo(profile.logo_path),
        "nota": {
            "nomor": nota.nomor,
            "kepada": nota.kepada,
            "dari": nota.dari.jabatan,
            "tembusan": list(nota.tembusan),
            "tanggal": nota.tanggal,
            "sifat": nota.sifat,
            "lampiran": nota.lampiran,
            "hal": nota.hal,
        },
        "penandatangan": pejabat_context(nota.dari),
        "isi": DocxFragment(keep_last_with_next(nota.isi)),
        "lampiran_judul": nota.lampiran_judul,
        "lampiran_blok": blocks,
    }


def render_nota_dinas(
    nota: NotaDinas, profile: AgencyProfile, out: Path, *, templates: TemplateSet | None = None
) -> Path:
    """Render the nota dinas into the .docx ``out`` (atomically)."""
    templates = templates or TemplateSet()
    return render_docx(
        templates.path(TEMPLATE),
        nota_dinas_context(nota, profile),
        Path(out),
        paper=page_for(profile),
    )


def _sample() -> dict[str, Any]:
    from sopdocs.definitions.profile import load_profile
    from sopdocs.locations import builtin_examples_dir

    examples = builtin_examples_dir()
    profile, _ = load_profile(examples / "profil.yaml")
    nota = NotaDinas(
        nomor="000.1.2/001/Contoh/2024",
        kepada=profile.kepala.jabatan,
        dari=Pejabat(jabatan="Kepala Subbagian Umum", nama="CONTOH"),
        tanggal=dt.date(2024, 1, 8),
        hal="Contoh",
        isi=fx.to_xml([body_paragraph("Isi nota dinas.")]),
        tembusan=["Sekretaris"],
    )
    return nota_dinas_context(nota, profile)


register_kind(
    DocumentKind(
        name=KIND,
        label="Nota Dinas",
        code="000.1.2",
        numbered=True,
        file_name="NOTA_DINAS",
        template=TEMPLATE,
        provides=frozenset({"profil", "gaya_tanggal", "logo", "nota", "penandatangan", "isi", "lampiran_judul",
                            "lampiran_blok"}),
        required=frozenset({"nota", "isi", "penandatangan"}),
        sample=_sample,
        description="nota dinas (mis. rekapitulasi pendataan kepada pimpinan), dengan lampiran tabel dan grafik",
    )
)
