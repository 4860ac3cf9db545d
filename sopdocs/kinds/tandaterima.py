"""The receipt list of questionnaire copies (tanda terima eksemplar kuesioner).

An office hands numbered blank questionnaires out against a signed list: one row per copy
code with who received it, the date handed out, the date returned and the receiver's
initials (paraf). The list is printed with the copies and filed with them in the case
file (``sopdocs run``); the columns to fill by hand are left blank, or prefilled when the
caller knows who takes which copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sopdocs.docx.layout import page_for
from sopdocs.docx.render import kop_logo, render_docx
from sopdocs.docx.templateset import TemplateSet
from sopdocs.errors import SopdocsError
from sopdocs.indonesian.numerals import angka_terbilang
from sopdocs.kinds.registry import DocumentKind, register_kind

if TYPE_CHECKING:
    from sopdocs.definitions.profile import AgencyProfile

TEMPLATE = "tanda-terima.docx"
KIND = "tanda-terima"
LABEL = "Tanda Terima Eksemplar Kuesioner"
#: Most copies one list holds (as many as the questionnaire copies of one run).
MAX_ROWS = 5000
#: Columns of the list, in order (the headings the template prints).
COLUMNS = ("No", "Kode Eksemplar", "Diserahkan Kepada", "Tanggal Serah", "Tanggal Kembali", "Paraf")


def receipt_context(
    codes: Sequence[str],
    profile: AgencyProfile,
    *,
    kegiatan: str,
    judul: str,
    tanggal: dt.date,
    kepada: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Template variables: ``profil``, ``logo``, ``gaya_tanggal``, ``tanda_terima`` (title,
    activity, questionnaire, count, code range, place and date) and ``baris`` (one per
    code: ``no``, ``kode``, ``kepada``, ``serah``, ``kembali``)."""
    from sopdocs.definitions.profile import profile_context

    codes = list(codes)
    if not codes:
        raise SopdocsError("tanda terima: tidak ada kode eksemplar")
    if len(codes) > MAX_ROWS:
        raise SopdocsError(f"tanda terima: {len(codes)} eksemplar, paling banyak {MAX_ROWS}")
    given = dict(kepada or {})
    span = codes[0] if len(codes) == 1 else f"{codes[0]} s.d. {codes[-1]}"
    return {
        "profil": profile_context(profile),
        "logo": kop_logo(profile.logo_path),
        "gaya_tanggal": profile.date_style,
        "tanda_terima": {
            "judul": "TANDA TERIMA EKSEMPLAR KUESIONER",
            "kegiatan": kegiatan,
            "kuesioner": judul,
            "jumlah": f"{angka_terbilang(len(codes))} eksemplar",
            "kode": span,
            "kota": profile.kota,
            "tanggal": profile.format_date(tanggal),
        },
        "baris": [
            {"no": str(index), "kode": code, "kepada": given.get(code, ""), "serah": "", "kembali": ""}
            for index, code in enumerate(codes, start=1)
        ],
    }


def render_receipt(
    codes: Sequence[str],
    profile: AgencyProfile,
    out: Path,
    *,
    kegiatan: str,
    judul: str,
    tanggal: dt.date,
    kepada: Mapping[str, str] | None = None,
    templates: TemplateSet | None = None,
) -> Path:
    """Render the receipt list of ``codes`` into the .docx ``out`` (atomically)."""
    templates = templates or TemplateSet()
    context = receipt_context(codes, profile, kegiatan=kegiatan, judul=judul, tanggal=tanggal, kepada=kepada)
    return render_docx(
        templates.path(TEMPLATE), context, Path(out), paper=page_for(profile),
        properties={"title": f"{LABEL} {context['tanda_terima']['kode']}"[:200], "subject": LABEL,
                    "keywords": "tanda terima, kuesioner"},
    )


def _sample() -> dict[str, Any]:
    from sopdocs.definitions.profile import load_profile
    from sopdocs.locations import builtin_examples_dir

    profile, _ = load_profile(builtin_examples_dir() / "profil.yaml")
    return receipt_context(["K-2024-0001", "K-2024-0002"], profile, kegiatan="Pendataan contoh",
                           judul="Kuesioner contoh", tanggal=dt.date(2024, 1, 5))


register_kind(
    DocumentKind(
        name=KIND,
        label=LABEL,
        template=TEMPLATE,
        provides=frozenset({"profil", "logo", "gaya_tanggal", "tanda_terima", "baris"}),
        required=frozenset({"baris"}),
        sample=_sample,
        file_name="TANDA_TERIMA",
        description="tanda terima eksemplar kuesioner: kode, diserahkan kepada, tanggal serah dan kembali, paraf",
    )
)
