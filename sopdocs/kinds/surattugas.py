"""The surat tugas (assignment letter): definition, context and rendering.

A definition file names the basis (``dasar``), the people sent (``kepada``), the task,
place and dates; the letter says how long the task takes in working days of the
agency's calendar. The number comes from the register (kind ``surat-tugas``) unless the
file gives one. With more than :data:`MAX_INLINE` people the letter says "daftar
terlampir" and lists everyone in a table on an attached page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from sopdocs.indonesian.dates import DateStyle, nama_bulan, nama_hari
from sopdocs.errors import Problem
from sopdocs.definitions.fieldtypes import DaftarTeks, Nip, Tanggal, Teks
from sopdocs.indonesian.nip import check_nip, format_nip
from sopdocs.indonesian.numerals import angka_terbilang
from sopdocs.definitions.profile import AgencyProfile, Pejabat, profile_context
from sopdocs.docx.layout import page_for
from sopdocs.docx.render import kop_logo, render_docx
from sopdocs.docx.templateset import TemplateSet
from sopdocs.kinds.registry import DocumentKind, get_kind, letter_identity, register_kind, sample_profile, shorten
from sopdocs.definitions.validation import validate
from sopdocs.definitions.yamlload import YamlDocument, load_yaml, parse_yaml

KIND = "surat-tugas"
TEMPLATE = "surat-tugas.docx"
#: Up to this many people are listed in the letter itself; more go to an attached list.
MAX_INLINE = 10
PENUTUP = "Demikian surat tugas ini dibuat untuk dilaksanakan dengan penuh tanggung jawab."
DIKTUM = ("MENUGASKAN", "MEMBERI TUGAS")
#: A task longer than this many calendar days is probably a typo (a wrong year).
LONG_TASK_DAYS = 31
#: Kop logo box (mm): the logo is scaled to fit, keeping its proportions.


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _atas_nama(value: Any) -> str | bool:
    if value is None or value is False:
        return ""
    if value is True:
        return True
    if isinstance(value, (str, int)):
        return str(value).strip()
    raise ValueError("harus berupa jabatan yang diwakili (teks) atau true (kepala instansi)")


AtasNama = Annotated[str | bool, BeforeValidator(_atas_nama)]


class Petugas(_Model):
    """One person assigned."""

    nama: Teks = Field(min_length=1)
    nip: Nip | None = Field(None, description="NIP 18 angka; kosongkan untuk non-PNS")
    pangkat: Teks = ""
    golongan: Teks = ""
    jabatan: Teks = Field(min_length=1)

    @property
    def pangkat_golongan(self) -> str:
        if self.pangkat and self.golongan:
            return f"{self.pangkat} ({self.golongan})"
        return self.pangkat or self.golongan


class Penandatangan(_Model):
    """Who signs, when not the head of the agency in person."""

    jabatan: Teks = Field("", description="jabatan penanda tangan; bawaan: jabatan kepala dari profil")
    nama: Teks = Field(min_length=1)
    nip: Nip | None = None
    pangkat: Teks = ""
    golongan: Teks = ""
    atas_nama: AtasNama = Field(
        "", description='a.n.: jabatan yang diwakili, mis. "Kepala Dinas ...", atau true (jabatan kepala dari profil)'
    )
    plt: bool = Field(False, description="pelaksana tugas: ditulis Plt. di depan jabatan")


class SuratTugasDefinition(_Model):
    """A surat tugas (assignment letter)."""

    profil: Teks = Field("", description="berkas profil instansi, relatif terhadap berkas ini")
    nomor: Teks = Field("", description="nomor surat; bila kosong diambil dari register (jenis surat-tugas)")
    tanggal: Tanggal = Field(description="tanggal surat (ditetapkan)")
    dasar: DaftarTeks = Field(min_length=1, description="dasar penugasan, berurutan")
    diktum: Teks = Field("MENUGASKAN", description="MENUGASKAN atau MEMBERI TUGAS")
    kepada: list[Petugas] = Field(min_length=1, description="pegawai yang ditugaskan")
    untuk: Teks = Field(min_length=1, description="tugas yang dilaksanakan")
    tempat: Teks = Field(min_length=1, description="tempat pelaksanaan tugas")
    tanggal_mulai: Tanggal
    tanggal_selesai: Tanggal | None = Field(None, description="bawaan: sama dengan tanggal_mulai")
    hitungan: Literal["hari_kerja", "hari"] = Field(
        "hari_kerja", description="lama tugas dihitung dalam hari kerja (bawaan) atau hari kalender"
    )
    lampiran: bool | None = Field(
        None, description=f"daftar petugas di lampiran; bawaan: otomatis bila lebih dari {MAX_INLINE} orang"
    )
    penandatangan: Penandatangan | None = Field(None, description="bawaan: kepala instansi dari profil")
    tembusan: DaftarTeks = Field(default_factory=list)
    penutup: Teks = Field(PENUTUP, description="kalimat penutup")

    # Where the definition was read from; not part of the file.
    source: str = Field("", exclude=True)

    @field_validator("diktum", mode="after")
    @classmethod
    def _diktum(cls, value: str) -> str:
        word = " ".join(value.split()).upper()
        if word not in DIKTUM:
            raise ValueError(f"{value!r} tidak dikenal; pilihan: {', '.join(DIKTUM)}")
        return word

    @property
    def selesai(self) -> dt.date:
        return self.tanggal_selesai or self.tanggal_mulai

    @property
    def pakai_lampiran(self) -> bool:
        return self.lampiran if self.lampiran is not None else len(self.kepada) > MAX_INLINE


# --------------------------------------------------------------------------- validation


def _check(st: SuratTugasDefinition, doc: YamlDocument) -> list[Problem]:
    problems: list[Problem] = []
    for field in ("dasar", "tembusan"):
        for index, item in enumerate(getattr(st, field)):
            if not item:
                problems.append(doc.problem((field, index), "butir kosong"))
    if st.tanggal_selesai is not None and st.tanggal_selesai < st.tanggal_mulai:
        problems.append(
            doc.problem(
                ("tanggal_selesai",),
                f"tanggal selesai {st.tanggal_selesai.isoformat()} lebih awal dari tanggal mulai "
                f"{st.tanggal_mulai.isoformat()}",
            )
        )
    elif (st.selesai - st.tanggal_mulai).days + 1 > LONG_TASK_DAYS:
        problems.append(
            doc.problem(
                ("tanggal_selesai",),
                f"tugas berlangsung {(st.selesai - st.tanggal_mulai).days + 1} hari; periksa tahun/bulannya",
                "warning",
            )
        )
    if st.tanggal > st.tanggal_mulai:
        problems.append(
            doc.problem(("tanggal",), "tanggal surat sesudah tanggal mulai tugas (surat tugas menyusul?)", "warning")
        )
    seen: dict[str, int] = {}
    names: dict[str, int] = {}
    for index, person in enumerate(st.kepada):
        if person.nip:
            for warning in check_nip(person.nip).warnings:
                problems.append(doc.problem(("kepada", index, "nip"), warning, "warning"))
            if person.nip in seen:
                problems.append(
                    doc.problem(
                        ("kepada", index, "nip"),
                        f"NIP {format_nip(person.nip)} sudah ada pada kepada[{seen[person.nip] + 1}]",
                    )
                )
            seen.setdefault(person.nip, index)
        key = person.nama.casefold()
        if key in names:
            problems.append(
                doc.problem(("kepada", index, "nama"), f"nama sama dengan kepada[{names[key] + 1}]", "warning")
            )
        names.setdefault(key, index)
    signer = st.penandatangan
    if signer is not None:
        if signer.nip:
            for warning in check_nip(signer.nip).warnings:
                problems.append(doc.problem(("penandatangan", "nip"), warning, "warning"))
        if signer.atas_nama and not signer.jabatan:
            problems.append(
                doc.problem(
                    ("penandatangan", "jabatan"),
                    "wajib diisi bila atas_nama dipakai (jabatan penanda tangan sendiri, mis. Sekretaris)",
                )
            )
    return problems


def surat_tugas_from_document(doc: YamlDocument) -> tuple[SuratTugasDefinition, list[Problem]]:
    data = dict(doc.data) if isinstance(doc.data, dict) else doc.data
    if isinstance(data, dict):
        data["source"] = doc.file
    return validate(SuratTugasDefinition, YamlDocument(data=data, file=doc.file, lines=doc.lines), _check)


def load_surat_tugas(path: Path) -> tuple[SuratTugasDefinition, list[Problem]]:
    """Load and validate a surat tugas definition; returns it with its warnings."""
    return surat_tugas_from_document(load_yaml(Path(path)))


def surat_tugas_from_text(text: str, file: str = "<teks>") -> tuple[SuratTugasDefinition, list[Problem]]:
    return surat_tugas_from_document(parse_yaml(text, file))


def calendar_problems(
    st: SuratTugasDefinition, profile: AgencyProfile, doc: YamlDocument | None = None
) -> list[Problem]:
    """Checks that need the agency's working-day calendar (start/end on a day off...)."""
    def problem(path: tuple[str, ...], message: str, severity: str = "error") -> Problem:
        if doc is not None:
            return doc.problem(path, message, severity)
        return Problem(message, file=st.source or None, field=".".join(path), severity=severity)  # type: ignore[arg-type]

    if st.selesai < st.tanggal_mulai:
        return []  # already an error of the definition itself
    out: list[Problem] = []
    calendar = profile.calendar()
    if st.hitungan == "hari_kerja":
        if calendar.count_working_days(st.tanggal_mulai, st.selesai) == 0:
            out.append(
                problem(
                    ("tanggal_mulai",),
                    "tidak ada hari kerja antara tanggal mulai dan tanggal selesai; untuk tugas pada "
                    "hari libur tulis `hitungan: hari`",
                )
            )
            return out
        checked = [("tanggal_mulai", st.tanggal_mulai)]
        if st.selesai != st.tanggal_mulai:
            checked.append(("tanggal_selesai", st.selesai))
        for field, day in checked:
            if not calendar.is_working_day(day):
                why = calendar.holiday_name(day) or nama_hari(day)
                out.append(
                    problem((field,), f"{day.isoformat()} bukan hari kerja ({why}); hari itu tidak dihitung", "warning")
                )
    return out


# --------------------------------------------------------------------------- text


def rentang_tanggal(start: dt.date, end: dt.date, style: DateStyle | None = None) -> str:
    """``8 s.d. 10 Januari 2024``, ``30 Januari s.d. 2 Februari 2024``, ``8 Januari 2024``.

    The profile's style decides the leading zero and whether day names come first
    (``hari Senin s.d. Rabu, tanggal 08 s.d. 10 Januari 2024``).
    """
    style = style or DateStyle()

    def day(d: dt.date) -> str:
        return f"{d.day:02d}" if style.nol_di_depan else str(d.day)

    if start == end:
        text = f"{day(start)} {nama_bulan(start.month)} {start.year}"
    elif (start.year, start.month) == (end.year, end.month):
        text = f"{day(start)} s.d. {day(end)} {nama_bulan(end.month)} {end.year}"
    elif start.year == end.year:
        text = f"{day(start)} {nama_bulan(start.month)} s.d. {day(end)} {nama_bulan(end.month)} {end.year}"
    else:
        text = (
            f"{day(start)} {nama_bulan(start.month)} {start.year} s.d. "
            f"{day(end)} {nama_bulan(end.month)} {end.year}"
        )
    if not style.dengan_hari:
        return text
    days = nama_hari(start) if start == end else f"{nama_hari(start)} s.d. {nama_hari(end)}"
    return f"hari {days}, tanggal {text}"


def lama_tugas(st: SuratTugasDefinition, profile: AgencyProfile) -> tuple[int, str]:
    """(count, ``"3 (tiga) hari kerja"``) for the task's dates."""
    if st.hitungan == "hari_kerja":
        count = profile.calendar().count_working_days(st.tanggal_mulai, st.selesai)
        return count, f"{angka_terbilang(count)} hari kerja"
    count = (st.selesai - st.tanggal_mulai).days + 1
    return count, f"{angka_terbilang(count)} hari"


def waktu_tugas(st: SuratTugasDefinition, profile: AgencyProfile, lama: str | None = None) -> str:
    """``selama 3 (tiga) hari kerja, tanggal 8 s.d. 10 Januari 2024`` (``lama``: from
    :func:`lama_tugas`, computed when not given)."""
    if lama is None:
        _, lama = lama_tugas(st, profile)
    when = rentang_tanggal(st.tanggal_mulai, st.selesai, profile.date_style.in_text())  # a sentence: no leading zero
    if not profile.date_style.dengan_hari:
        when = f"tanggal {when}"
    return f"selama {lama}, {when}"


def _di(tempat: str) -> str:
    first = tempat.split(" ", 1)[0].casefold()
    return tempat if first in ("di", "ke", "pada", "dari") else f"di {tempat}"


def untuk_kalimat(st: SuratTugasDefinition, profile: AgencyProfile, waktu: str | None = None) -> str:
    """The Untuk sentence: the task, the place, the duration and the dates."""
    task = st.untuk.rstrip(" .;,")
    return f"{task} {_di(st.tempat)} {waktu or waktu_tugas(st, profile)}."


def _signer(st: SuratTugasDefinition, profile: AgencyProfile) -> dict[str, Any]:
    head = profile.kepala
    given = st.penandatangan
    if given is None:
        person = head
        on_behalf = ""
        plt = False
    else:
        person = Pejabat(
            jabatan=given.jabatan or head.jabatan,
            nama=given.nama,
            nip=given.nip,
            pangkat=given.pangkat,
            golongan=given.golongan,
        )
        on_behalf = head.jabatan if given.atas_nama is True else str(given.atas_nama or "")
        plt = given.plt
    title = person.jabatan.rstrip(" ,")
    lines = []
    if on_behalf:
        lines.append(f"a.n. {on_behalf.rstrip(' ,')}")
    lines.append(f"{'Plt. ' if plt else ''}{title},")
    return {
        "jabatan": title,
        "nama": person.nama,
        "nip": format_nip(person.nip) if person.nip else "",
        "pangkat": person.pangkat,
        "golongan": person.golongan,
        "pangkat_golongan": person.pangkat_golongan,
        "atas_nama": on_behalf,
        "plt": plt,
        "baris_jabatan": lines,
    }


def surat_tugas_context(st: SuratTugasDefinition, profile: AgencyProfile, number: str) -> dict[str, Any]:
    """Everything the surat tugas template may use."""
    count, lama = lama_tugas(st, profile)
    waktu = waktu_tugas(st, profile, lama)
    people = []
    for index, person in enumerate(st.kepada, start=1):
        people.append(
            {
                "no": index,
                "nama": person.nama,
                "nip": format_nip(person.nip) if person.nip else "-",
                "nip_angka": person.nip or "",
                "pangkat": person.pangkat,
                "golongan": person.golongan,
                "pangkat_golongan": person.pangkat_golongan or "-",
                "jabatan": person.jabatan,
            }
        )
    plain_date = DateStyle(nol_di_depan=profile.date_style.nol_di_depan)
    return {
        "profil": profile_context(profile),
        "gaya_tanggal": profile.date_style,
        "logo": kop_logo(profile.logo_path),
        "surat": {
            "nomor": number,
            "tanggal": plain_date.format(st.tanggal),
            "tanggal_iso": st.tanggal.isoformat(),
            "kota": profile.kota,
            "dasar": list(st.dasar),
            "diktum": st.diktum,
            "untuk": st.untuk,
            "tempat": st.tempat,
            "tanggal_mulai": plain_date.format(st.tanggal_mulai),
            "tanggal_selesai": plain_date.format(st.selesai),
            "rentang_tanggal": rentang_tanggal(st.tanggal_mulai, st.selesai, profile.date_style),
            "jumlah_hari": count,
            "lama": lama,
            "waktu": waktu,
            "untuk_kalimat": untuk_kalimat(st, profile, waktu),
            "lampiran": st.pakai_lampiran,
            "jumlah_petugas": len(people),
            "kepada_ringkas": (
                f"{angka_terbilang(len(people))} orang sebagaimana tercantum dalam daftar terlampir."
            ),
            "penutup": st.penutup,
            "tembusan": list(st.tembusan),
        },
        "petugas": people,
        "penandatangan": _signer(st, profile),
    }


# --------------------------------------------------------------------------- rendering


def render_surat_tugas(
    definition_model: SuratTugasDefinition,
    profile: AgencyProfile,
    out_path: Path,
    templates: TemplateSet | None,
    number: str,
) -> Path:
    """Render the letter with a known ``number`` into the .docx ``out_path``."""
    templates = templates or TemplateSet()
    context = surat_tugas_context(definition_model, profile, number)
    return render_docx(
        templates.path(TEMPLATE),
        context,
        Path(out_path),
        paper=page_for(profile),
    )


def output_name(number: str) -> str:
    return get_kind(KIND).output_stem(number)


def _subject(st: SuratTugasDefinition) -> str:
    return f"Surat tugas: {shorten(st.untuk)} ({len(st.kepada)} orang)"


# --------------------------------------------------------------------------- kind


def _sample_context() -> dict[str, Any]:
    profile = sample_profile()
    st = SuratTugasDefinition.model_validate(
        {
            "tanggal": "2024-01-05",
            "dasar": ["Dasar contoh"],
            "kepada": [
                {"nama": "Pegawai Contoh", "nip": "199001012015031002", "pangkat": "Penata Muda",
                 "golongan": "III/a", "jabatan": "Staf"},
            ],
            "untuk": "Melaksanakan tugas contoh",
            "tempat": "Kota Contoh",
            "tanggal_mulai": "2024-01-08",
            "tanggal_selesai": "2024-01-10",
            "tembusan": ["Arsip"],
        }
    )
    return surat_tugas_context(st, profile, "800.1.11.1/001/Contoh/2024")


_PROVIDES = frozenset({"profil", "gaya_tanggal", "logo", "surat", "petugas", "penandatangan"})

#: The stable key of a letter (see :func:`sopdocs.kinds.registry.letter_identity`).
identity = letter_identity


def _calendar_check(st: SuratTugasDefinition, profile: AgencyProfile) -> list[Problem]:
    # line numbers when the definition came from a file; field paths alone for one given in memory
    source = Path(st.source) if st.source else None
    doc = load_yaml(source) if source is not None and source.suffix.lower() in (".yaml", ".yml") else None
    return calendar_problems(st, profile, doc)


register_kind(
    DocumentKind(
        name=KIND,
        label="Surat Tugas",
        template=TEMPLATE,
        provides=_PROVIDES,
        required=frozenset({"profil", "surat", "petugas", "penandatangan"}),
        sample=_sample_context,
        description="Surat tugas (kop, dasar, kepada, untuk, penanda tangan, lampiran daftar petugas)",
        model=SuratTugasDefinition,
        load=load_surat_tugas,
        parse=surat_tugas_from_document,
        context=surat_tugas_context,
        date=lambda st: st.tanggal,
        subject=_subject,
        identity=identity,
        check=_calendar_check,
        code="800.1.11.1",
        numbered=True,
        file_name="Surat_Tugas",
    )
)
