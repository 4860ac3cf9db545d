"""The lembar disposisi: the head's instructions (and decision) on a letter or report.

In the seed SOP it is step 7: the head assesses the recap (a nota dinas) and approves it
or returns it to be completed. The sheet also serves any incoming letter, so the decision
is optional.

Response deadline (``batas waktu tanggapan``). Practice quotes "sangat segera 24 jam,
segera 2 x 24 jam, biasa 5 hari kerja". Hours are not counted literally: a disposition
signed on Friday afternoon cannot be answered "within 24 hours" on a Saturday. The rule
here counts **working days after the disposition date** (the date itself never counts):
sangat segera = the next working day, segera = the 2nd working day, biasa and rahasia =
the 5th working day; weekends, public holidays and (unless the profile turns them off)
cuti bersama are skipped with the profile's :class:`~sopdocs.indonesian.workdays.WorkCalendar`.
The deadline is the end of that day. The number of days per sifat can be set in the
definition (``tenggat_hari_kerja``) or in the profile (``tenggat_disposisi``, when the
profile model has it); an explicit ``batas_waktu`` date overrides the computation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from sopdocs.indonesian.dates import format_tanggal, nama_hari
from sopdocs.errors import Problem
from sopdocs.definitions.fieldtypes import DaftarTeks, Tanggal, Teks
from sopdocs.indonesian.nip import check_nip
from sopdocs.definitions.profile import AgencyProfile, Pejabat, pejabat_context, profile_context, resolve_profile
from sopdocs.docx.render import Image, Rendered, clean_text, render_docx
from sopdocs.docx.layout import one_line, page_for
from sopdocs.docx.templateset import TemplateSet
from sopdocs.kinds.registry import DocumentKind, register_kind
from sopdocs.definitions.validation import validate
from sopdocs.indonesian.workdays import WorkCalendar
from sopdocs.definitions.yamlload import YamlDocument, load_yaml, parse_yaml

TEMPLATE = "disposisi.docx"
#: Width of the value of "No. Surat" in the built-in template (mm, less the cell padding).
NUMBER_FIELD_MM = 52.0
#: Sizes (pt) tried, largest first, for the letter's number to stay on one line there.
NUMBER_SIZES_PT = (11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0)

#: Sifat (urgency/security) of the letter, in the order the form prints them.
SIFAT: dict[str, str] = {
    "sangat_segera": "Sangat Segera",
    "segera": "Segera",
    "biasa": "Biasa",
    "rahasia": "Rahasia",
}

#: Working days after the disposition date by which a response is due, per sifat.
DEFAULT_DEADLINE_DAYS: dict[str, int] = {"sangat_segera": 1, "segera": 2, "biasa": 5, "rahasia": 5}

#: The printed checklist ("Dengan hormat harap:"), key -> label, in print order.
INSTRUKSI: dict[str, str] = {
    "tanggapi_saran": "Tanggapi dan saran",
    "proses_lanjut": "Proses lebih lanjut",
    "koordinasikan": "Koordinasikan/konfirmasikan",
    "teliti_pendapat": "Teliti dan beri pendapat",
    "siapkan_bahan": "Siapkan bahan",
    "siapkan_jawaban": "Siapkan konsep jawaban",
    "hadiri": "Hadiri/wakili",
    "edarkan": "Edarkan",
    "untuk_diketahui": "Untuk diketahui",
    "bicarakan": "Bicarakan dengan saya",
    "arsipkan": "Arsipkan",
}

KEPUTUSAN: dict[str, str] = {
    "disetujui": "Disetujui",
    "dikembalikan": "Dikembalikan untuk dilengkapi",
}

MAX_DEADLINE_DAYS = 60

_NON_WORD = re.compile(r"[^0-9a-z]+")


def _norm(text: str) -> str:
    return _NON_WORD.sub("_", text.casefold()).strip("_")


def _alias_map(choices: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    aliases = {_norm(key): key for key in choices}
    aliases.update({_norm(label): key for key, label in choices.items()})
    aliases.update({_norm(alias): key for alias, key in (extra or {}).items()})
    return aliases


_SIFAT_ALIASES = _alias_map(SIFAT)
_INSTRUKSI_ALIASES = _alias_map(INSTRUKSI)
_KEPUTUSAN_ALIASES = _alias_map(KEPUTUSAN, {"setuju": "disetujui", "dikembalikan untuk dilengkapi": "dikembalikan"})


def _chooser(aliases: Mapping[str, str], choices: Mapping[str, str], what: str, hint: str = "") -> Callable[[Any], Any]:
    def pick(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the Literal check reports the wrong type
        key = aliases.get(_norm(value))
        if key is None:
            raise ValueError(f"{what} {value!r} tidak dikenal; pilihan: {', '.join(choices)}{hint}")
        return key

    return pick


SifatKey = Annotated[
    Literal["sangat_segera", "segera", "biasa", "rahasia"],
    BeforeValidator(_chooser(_SIFAT_ALIASES, SIFAT, "sifat")),
]
InstruksiKey = Annotated[
    Literal[
        "tanggapi_saran", "proses_lanjut", "koordinasikan", "teliti_pendapat", "siapkan_bahan",
        "siapkan_jawaban", "hadiri", "edarkan", "untuk_diketahui", "bicarakan", "arsipkan",
    ],
    BeforeValidator(
        _chooser(_INSTRUKSI_ALIASES, INSTRUKSI, "instruksi", " (instruksi lain: tulis di instruksi_lain)")
    ),
]
KeputusanKey = Annotated[
    Literal["disetujui", "dikembalikan"],
    BeforeValidator(_chooser(_KEPUTUSAN_ALIASES, KEPUTUSAN, "keputusan")),
]
HariKerja = Annotated[int, Field(ge=0, le=MAX_DEADLINE_DAYS)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TenggatSifat(_Model):
    """Working days allowed for a response, per sifat (unset: the profile's or the default)."""

    sangat_segera: HariKerja | None = None
    segera: HariKerja | None = None
    biasa: HariKerja | None = None
    rahasia: HariKerja | None = None


class DisposisiDefinition(_Model):
    """A lembar disposisi: the letter it is about, the instructions and the decision."""

    profil: Teks = Field("", description="berkas profil instansi, relatif terhadap berkas ini")
    surat_dari: Teks = Field(min_length=1, description="pengirim surat/naskah yang didisposisi")
    nomor_surat: Teks = Field(min_length=1)
    tanggal_surat: Tanggal
    perihal: Teks = Field(min_length=1)
    diterima_tanggal: Tanggal
    nomor_agenda: Teks = Field(min_length=1, description="nomor agenda surat masuk")
    sifat: SifatKey = Field(description="sangat_segera, segera, biasa atau rahasia")
    diteruskan_kepada: DaftarTeks = Field(min_length=1, description="kepada siapa disposisi diteruskan")
    instruksi: list[InstruksiKey] = Field(
        default_factory=list, description=f"butir yang dicentang: {', '.join(INSTRUKSI)}"
    )
    instruksi_lain: DaftarTeks = Field(default_factory=list, description="instruksi tambahan (dicetak tercentang)")
    keputusan: KeputusanKey | None = Field(None, description="disetujui atau dikembalikan (untuk dilengkapi)")
    catatan: Teks = Field("", description="catatan/isi disposisi; wajib bila dikembalikan")
    tanggal: Tanggal = Field(description="tanggal disposisi")
    batas_waktu: Tanggal | None = Field(None, description="batas waktu tanggapan; bawaan: dihitung dari sifat")
    tenggat_hari_kerja: TenggatSifat = Field(
        default_factory=TenggatSifat, description="hari kerja untuk menanggapi, per sifat"
    )
    pejabat: Pejabat | None = Field(None, description="pemberi disposisi; bawaan: kepala instansi dari profil")
    paraf: Teks = Field("", max_length=30, description="paraf/inisial yang dicetak (kosong: diparaf tangan)")

    # Where the definition was read from; not part of the file.
    source: str = Field("", exclude=True)


def _check(disposisi: DisposisiDefinition, doc: YamlDocument) -> list[Problem]:
    problems: list[Problem] = []
    for index, name in enumerate(disposisi.diteruskan_kepada):
        if not name:
            problems.append(doc.problem(("diteruskan_kepada", index), "tujuan disposisi kosong"))
    for index, text in enumerate(disposisi.instruksi_lain):
        if not text:
            problems.append(doc.problem(("instruksi_lain", index), "instruksi kosong"))
    seen: set[str] = set()
    for index, key in enumerate(disposisi.instruksi):
        if key in seen:
            problems.append(doc.problem(("instruksi", index), f"instruksi {key!r} ditulis dua kali", "warning"))
        seen.add(key)
    if disposisi.diterima_tanggal < disposisi.tanggal_surat:
        problems.append(
            doc.problem(("diterima_tanggal",), "surat diterima sebelum tanggal surat; periksa kedua tanggal")
        )
    if disposisi.tanggal < disposisi.diterima_tanggal:
        problems.append(doc.problem(("tanggal",), "tanggal disposisi lebih awal dari tanggal surat diterima"))
    if disposisi.batas_waktu is not None and disposisi.batas_waktu < disposisi.tanggal:
        problems.append(doc.problem(("batas_waktu",), "batas waktu lebih awal dari tanggal disposisi"))
    if disposisi.keputusan == "dikembalikan" and not disposisi.catatan:
        where = ("catatan",) if ("catatan",) in doc.lines else ("keputusan",)
        problems.append(
            Problem(
                "keputusan 'dikembalikan': tulis di catatan apa yang harus dilengkapi",
                file=doc.file,
                field="catatan",
                line=doc.line(where),
            )
        )
    if not (disposisi.instruksi or disposisi.instruksi_lain or disposisi.catatan or disposisi.keputusan):
        problems.append(
            doc.problem(("instruksi",), "disposisi tanpa instruksi, catatan maupun keputusan", "warning")
        )
    if disposisi.pejabat and disposisi.pejabat.nip:
        for warning in check_nip(disposisi.pejabat.nip).warnings:
            problems.append(doc.problem(("pejabat", "nip"), warning, "warning"))
    return problems


def disposisi_from_document(doc: YamlDocument) -> tuple[DisposisiDefinition, list[Problem]]:
    data = dict(doc.data) if isinstance(doc.data, dict) else doc.data
    if isinstance(data, dict):
        data["source"] = doc.file
    return validate(DisposisiDefinition, YamlDocument(data=data, file=doc.file, lines=doc.lines), _check)


def load_disposisi(path: Path) -> tuple[DisposisiDefinition, list[Problem]]:
    """Load and validate a disposition definition; returns it with its warnings."""
    return disposisi_from_document(load_yaml(Path(path)))


def disposisi_from_text(text: str, file: str = "<teks>") -> tuple[DisposisiDefinition, list[Problem]]:
    return disposisi_from_document(parse_yaml(text, file))


# --------------------------------------------------------------------------- deadline


def _days_from(source: Any, sifat: str) -> int | None:
    if source is None:
        return None
    if isinstance(source, Mapping):
        value = source.get(sifat)
    else:
        value = getattr(source, sifat, None)
    return int(value) if value is not None else None


def deadline_days(disposisi: DisposisiDefinition, profile: AgencyProfile | None = None) -> int:
    """Working days allowed for ``disposisi.sifat``: definition, then profile, then default."""
    sifat = disposisi.sifat
    for source in (disposisi.tenggat_hari_kerja, getattr(profile, "tenggat_disposisi", None)):
        days = _days_from(source, sifat)
        if days is not None:
            return days
    return DEFAULT_DEADLINE_DAYS[sifat]


def response_deadline(start: dt.date, sifat: str, calendar: WorkCalendar, days: Mapping[str, int] | None = None) -> dt.date:
    """The day a response is due: the n-th working day after ``start`` (``start`` itself
    never counts); n from ``days`` or :data:`DEFAULT_DEADLINE_DAYS` by ``sifat``.
    n = 0 means the same day, or the next working day when ``start`` is a day off."""
    table = {**DEFAULT_DEADLINE_DAYS, **(days or {})}
    if sifat not in table:
        raise ValueError(f"unknown sifat {sifat!r}; expected one of {', '.join(SIFAT)}")
    n = table[sifat]
    if n == 0:
        return calendar.working_day_on_or_after(start)
    return calendar.add_working_days(start, n)


def batas_waktu(disposisi: DisposisiDefinition, profile: AgencyProfile) -> tuple[dt.date, int | None]:
    """The response deadline of ``disposisi`` and the working days it was computed from
    (None when the definition gives the date itself)."""
    if disposisi.batas_waktu is not None:
        return disposisi.batas_waktu, None
    days = deadline_days(disposisi, profile)
    due = response_deadline(disposisi.tanggal, disposisi.sifat, profile.calendar(), {disposisi.sifat: days})
    return due, days


# --------------------------------------------------------------------------- context


def disposisi_context(disposisi: DisposisiDefinition, profile: AgencyProfile) -> dict[str, Any]:
    """Everything the disposition template may use."""
    signer = disposisi.pejabat or profile.kepala
    due, days = batas_waktu(disposisi, profile)
    chosen = set(disposisi.instruksi)
    checklist = [{"kode": key, "label": label, "dipilih": key in chosen} for key, label in INSTRUKSI.items()]
    checklist += [{"kode": "", "label": text, "dipilih": True} for text in disposisi.instruksi_lain]
    if days is None:
        note = ""
    elif days == 0:
        note = " (hari ini)"
    else:
        note = f" ({days} hari kerja)"
    return {
        "profil": profile_context(profile),
        "gaya_tanggal": profile.date_style,
        "logo": Image(profile.logo_path, height_mm=16) if profile.logo_path else "",
        "disposisi": {
            "surat_dari": disposisi.surat_dari,
            "nomor_surat": disposisi.nomor_surat,
            # the number on one line in its field, at a smaller size when the font is wide
            "nomor_surat_baris": one_line(disposisi.nomor_surat, profile.tata_letak.font, NUMBER_FIELD_MM,
                                          NUMBER_SIZES_PT),
            "tanggal_surat": disposisi.tanggal_surat,
            "perihal": disposisi.perihal,
            "diterima_tanggal": disposisi.diterima_tanggal,
            "nomor_agenda": disposisi.nomor_agenda,
            "sifat": disposisi.sifat,
            "sifat_label": SIFAT[disposisi.sifat],
            "sifat_pilihan": [
                {"kode": key, "label": label, "dipilih": key == disposisi.sifat} for key, label in SIFAT.items()
            ],
            "diteruskan_kepada": list(disposisi.diteruskan_kepada),
            "instruksi": checklist,
            "instruksi_dipilih": [item["label"] for item in checklist if item["dipilih"]],
            "keputusan": disposisi.keputusan or "",
            "keputusan_label": KEPUTUSAN[disposisi.keputusan] if disposisi.keputusan else "",
            "keputusan_pilihan": [
                {"kode": key, "label": label, "dipilih": key == disposisi.keputusan}
                for key, label in KEPUTUSAN.items()
            ],
            "catatan": disposisi.catatan,
            "tanggal": disposisi.tanggal,
            "batas_waktu": due,
            "tenggat_hari_kerja": days,
            "batas_waktu_keterangan": note,
            "pejabat": pejabat_context(signer),
            "paraf": disposisi.paraf,
        },
    }


def _properties(disposisi: DisposisiDefinition) -> dict[str, str]:
    """The document's title/subject from the values (set after docxtpl's own pass)."""
    return {
        "title": clean_text(f"Lembar Disposisi {disposisi.nomor_surat}")[:255],
        "subject": clean_text(disposisi.perihal)[:255],
        "keywords": "disposisi",
    }


def render_disposisi(
    disposisi: DisposisiDefinition,
    profile: AgencyProfile,
    out: Path,
    *,
    templates: TemplateSet | None = None,
) -> Path:
    """Render the lembar disposisi of ``disposisi`` into the .docx ``out``.

    The page size and margins are the template's (half folio in the built-in one), not the
    profile's paper, which is for full-size letters; the font is the profile's.
    """
    templates = templates or TemplateSet()
    context = disposisi_context(disposisi, profile)
    return render_docx(templates.path(TEMPLATE), context, Path(out), properties=_properties(disposisi),
                       paper=page_for(profile, paper=False, body_size=False, page_numbers=False,
                                      shrink_wide_font=True))


def _calendar_warnings(disposisi: DisposisiDefinition, profile: AgencyProfile, doc: YamlDocument) -> list[Problem]:
    calendar = profile.calendar()
    warnings = []
    checks = [("tanggal", disposisi.tanggal, "tanggal disposisi")]
    if disposisi.batas_waktu is not None:
        checks.append(("batas_waktu", disposisi.batas_waktu, "batas waktu"))
    for field, day, what in checks:
        if not calendar.is_working_day(day):
            reason = calendar.holiday_name(day) or nama_hari(day)
            warnings.append(
                doc.problem((field,), f"{what} {format_tanggal(day)} bukan hari kerja ({reason})", "warning")
            )
    return warnings


def render_disposisi_file(
    definition: Path,
    out: Path,
    *,
    profile: Path | None = None,
    templates: Path | TemplateSet | None = None,
    pdf: bool = False,
) -> Rendered:
    """Validate a definition file and render its lembar disposisi (``out``: folder or .docx)."""
    from sopdocs.fsutil import resolve_output, safe_filename

    doc = load_yaml(Path(definition))
    disposisi, warnings = disposisi_from_document(doc)
    agency, profile_warnings = resolve_profile(profile, disposisi.profil, Path(definition))
    template_set = templates if isinstance(templates, TemplateSet) else TemplateSet(templates)
    target = resolve_output(out, "Disposisi_" + safe_filename(disposisi.nomor_surat))
    result = Rendered(warnings=[*warnings, *profile_warnings, *_calendar_warnings(disposisi, agency, doc)])
    result.docx.append(render_disposisi(disposisi, agency, target, templates=template_set))
    if pdf:
        result.add_pdf_copies()
    return result


def _sample() -> dict[str, Any]:
    from sopdocs.locations import builtin_examples_dir

    examples = builtin_examples_dir()
    disposisi, _ = load_disposisi(examples / "disposisi.yaml")
    agency, _ = resolve_profile(None, disposisi.profil, examples / "disposisi.yaml")
    return disposisi_context(disposisi, agency)


register_kind(
    DocumentKind(
        name="disposisi",
        label="Lembar Disposisi",
        code="000.1.2",  # for `number take disposisi`; the sheet itself is not numbered
        model=DisposisiDefinition,
        load=load_disposisi,
        parse=disposisi_from_document,
        render_file=render_disposisi_file,
        template=TEMPLATE,
        provides=frozenset({"profil", "gaya_tanggal", "logo", "disposisi"}),
        required=frozenset({"disposisi"}),
        sample=_sample,
        description="lembar disposisi: instruksi dan keputusan pimpinan atas surat/laporan",
    )
)


__all__ = [
    "DEFAULT_DEADLINE_DAYS",
    "INSTRUKSI",
    "KEPUTUSAN",
    "SIFAT",
    "DisposisiDefinition",
    "InstruksiKey",
    "KeputusanKey",
    "SifatKey",
    "TenggatSifat",
    "batas_waktu",
    "deadline_days",
    "disposisi_context",
    "disposisi_from_text",
    "load_disposisi",
    "render_disposisi",
    "render_disposisi_file",
    "response_deadline",
]
