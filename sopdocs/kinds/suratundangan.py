"""The surat undangan (invitation letter of the tata naskah dinas): definition, checks, context.

A definition file names the addressees (``kepada``), the subject (``hal``) and the event
(``acara``: date, time, place, agenda). The letter reads, top to bottom: kop; place and
date at the right; Nomor / Sifat / Lampiran / Hal; "Yth." and the addressees (numbered
when more than one; "(daftar terlampir)" and an attached list when more than
:data:`MAX_INLINE`); "di" and their place; the opening paragraph; the event as a
hari/tanggal, waktu, tempat, acara table; the closing; the signer (a.n./Plt. as in the
surat tugas); tembusan.

The number comes from the register (kind ``surat-undangan``, classification 005) unless
the file gives one; the generic issuing workflow (:mod:`sopdocs.workflow.issue`) uses the
record registered at the bottom of this module.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    WithJsonSchema,
    model_validator,
)

from sopdocs.definitions.fieldtypes import DaftarTeks, Tanggal, Teks
from sopdocs.definitions.profile import AgencyProfile, profile_context
from sopdocs.definitions.validation import validate
from sopdocs.definitions.yamlload import FieldPath, YamlDocument, load_yaml, parse_yaml
from sopdocs.docx.layout import page_for
from sopdocs.docx.render import kop_logo, render_docx
from sopdocs.errors import Problem
from sopdocs.indonesian.dates import DateStyle, format_tanggal, nama_hari
from sopdocs.indonesian.nip import check_nip
from sopdocs.kinds.registry import DocumentKind, letter_identity, register_kind, sample_profile, shorten
from sopdocs.kinds.surattugas import Penandatangan, _signer, rentang_tanggal

KIND = "surat-undangan"
TEMPLATE = "surat-undangan.docx"
#: Default classification code (Permendagri 83/2022: 005 undangan).
CODE = "005"

#: Up to this many addressees are listed after "Yth."; more go to an attached list.
MAX_INLINE = 5
#: Most addressees one letter may have (the attached list spans pages beyond ~25).
MAX_KEPADA = 300
#: Most tembusan lines.
MAX_TEMBUSAN = 20
#: Longest subject (Hal): it is one or two lines of the letter.
MAX_HAL = 250
#: Longest one-line text: an addressee, a tembusan, the place, a signer's title...
MAX_BARIS = 250
#: Longest paragraph: the opening, the closing, the agenda.
MAX_PARAGRAF = 2000
#: An event longer than this many calendar days is probably a typo (a wrong year).
LONG_EVENT_DAYS = 31

SIFAT = ("Biasa", "Segera", "Sangat Segera", "Rahasia")
ZONA = ("WIB", "WITA", "WIT")
PEMBUKA = (
    "Dengan hormat, kami mengundang Bapak/Ibu/Saudara untuk hadir pada kegiatan yang akan "
    "dilaksanakan pada:"
)
PENUTUP = "Demikian undangan ini kami sampaikan. Atas perhatian dan kehadirannya, kami ucapkan terima kasih."
#: The Lampiran line when the addressees are attached and the file says nothing.
LAMPIRAN_DAFTAR = "1 (satu) berkas"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- field types

_TIME = re.compile(r"^\s*(?:pukul\s+)?(\d{1,2})\s*[.:]\s*(\d{2})\s*$", re.IGNORECASE)


def _jam(value: Any) -> dt.time | None:
    """``"08.00"``, ``"8:00"``, ``"pukul 13.30"`` -> a time; ``"selesai"``/empty -> None.

    YAML turns an unquoted ``08.00`` into the number 8.0 and ``13.30`` into 13.3 (two
    decimals are read back), and ``10:30`` into 630 (base 60): both are understood.
    """
    if value is None or isinstance(value, dt.time):
        return value
    if isinstance(value, bool):
        raise ValueError('tulis jam seperti "08.00" atau "08:00"')
    if isinstance(value, float):
        if not math.isfinite(value) or value < 0:
            raise ValueError('tulis jam seperti "08.00" atau "08:00"')
        text = f"{value:.2f}"
    elif isinstance(value, int):
        # Only YAML's base-60 reading of HH:MM (10:30 -> 630) gives an integer >= 60.
        if value < 60:
            raise ValueError(f'{value!r} bukan jam; tulis jam dan menit, mis. "08.00"')
        text = f"{value // 60}.{value % 60:02d}"
    elif isinstance(value, str):
        text = value.strip()
        if not text or text.casefold() == "selesai":
            return None
    else:
        raise ValueError('tulis jam seperti "08.00" atau "08:00"')
    match = _TIME.match(text)
    if not match:
        raise ValueError(f'"{text}" bukan jam; tulis seperti "08.00" atau "08:00"')
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f'"{text}" bukan jam yang ada (00.00 sampai 23.59)')
    return dt.time(hour, minute)


Jam = Annotated[
    dt.time | None,
    BeforeValidator(_jam),
    PlainSerializer(lambda t: t.strftime("%H.%M") if t else None, return_type=str | None),
    WithJsonSchema({"type": "string", "description": 'jam, mis. "08.00" atau "08:00"'}),
]


def _pilihan(options: tuple[str, ...], what: str) -> Callable[[Any], Any]:
    by_key = {" ".join(o.split()).casefold(): o for o in options}

    def pick(value: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ValueError(f"{what} harus berupa teks; pilihan: {', '.join(options)}")
        key = " ".join(value.split()).casefold()
        if key not in by_key:
            raise ValueError(f"{what} {value!r} tidak dikenal; pilihan: {', '.join(options)}")
        return by_key[key]

    return pick


Sifat = Annotated[
    Literal["Biasa", "Segera", "Sangat Segera", "Rahasia"],
    BeforeValidator(lambda v: _pilihan(SIFAT, "sifat")(v) or "Biasa"),
]
Zona = Annotated[
    Literal["WIB", "WITA", "WIT"],
    BeforeValidator(lambda v: _pilihan(ZONA, "zona waktu")(v) or "WIB"),
]


def _jam_teks(value: dt.time) -> str:
    return value.strftime("%H.%M")


# --------------------------------------------------------------------------- definition


def _schema_both_date_keys(schema: dict[str, Any]) -> None:
    """The JSON Schema knows ``hari_tanggal`` too: one of the two date keys is required."""
    properties = schema.get("properties", {})
    if "tanggal" in properties:
        properties["hari_tanggal"] = dict(properties["tanggal"], title="Hari Tanggal")
    schema["required"] = [name for name in schema.get("required", []) if name != "tanggal"]
    schema["oneOf"] = [{"required": ["tanggal"]}, {"required": ["hari_tanggal"]}]


class Acara(_Model):
    """The event the addressees are invited to."""

    model_config = ConfigDict(json_schema_extra=_schema_both_date_keys)

    tanggal: Tanggal = Field(
        validation_alias=AliasChoices("tanggal", "hari_tanggal"),
        description='tanggal acara (boleh ditulis `hari_tanggal: "Jumat, 05 Januari 2024"`; hari diperiksa)',
    )
    tanggal_selesai: Tanggal | None = Field(None, description="untuk acara lebih dari sehari")
    waktu_mulai: Jam = Field(dt.time(8, 0), description='jam mulai, mis. "08.00" (bawaan 08.00)')
    waktu_selesai: Jam = Field(None, description='jam selesai, mis. "12.00"; kosong: "s.d. selesai"')
    zona: Zona = Field("WIB", description="zona waktu: WIB, WITA atau WIT")
    tempat: Teks = Field(min_length=1, description="tempat acara")
    acara: Teks = Field(min_length=1, description="nama/susunan acara")

    @model_validator(mode="before")
    @classmethod
    def _one_date_key(cls, data: Any) -> Any:
        if isinstance(data, dict) and "tanggal" in data and "hari_tanggal" in data:
            raise ValueError("tulis tanggal atau hari_tanggal, tidak keduanya")
        return data

    @property
    def selesai(self) -> dt.date:
        return self.tanggal_selesai or self.tanggal


class SuratUndanganDefinition(_Model):
    """A surat undangan (invitation letter)."""

    profil: Teks = Field("", description="berkas profil instansi, relatif terhadap berkas ini")
    nomor: Teks = Field("", description="nomor surat; bila kosong diambil dari register (jenis surat-undangan)")
    tanggal: Tanggal = Field(description="tanggal surat")
    sifat: Sifat = Field("Biasa", description="Biasa, Segera, Sangat Segera atau Rahasia")
    lampiran: Teks = Field(
        "", description=f'mis. "1 (satu) berkas"; bawaan "-" ("{LAMPIRAN_DAFTAR}" bila daftar undangan dilampirkan)'
    )
    hal: Teks = Field(min_length=1, description="hal (perihal) surat, mis. Undangan Bimbingan Teknis ...")
    kepada: DaftarTeks = Field(
        min_length=1,
        description=f'yang diundang (Yth. ...); lebih dari {MAX_INLINE}: "Yth. (daftar terlampir)" dan daftar di lampiran',
    )
    di: Teks = Field("", description="tempat yang diundang (baris di ...); bawaan: kota dari profil")
    pembuka: Teks = Field(PEMBUKA, description="paragraf pembuka sebelum rincian acara")
    acara: Acara
    penutup: Teks = Field(PENUTUP, description="kalimat penutup")
    penandatangan: Penandatangan | None = Field(None, description="bawaan: kepala instansi dari profil")
    tembusan: DaftarTeks = Field(default_factory=list)

    # Where the definition was read from; not part of the file.
    source: str = Field("", exclude=True)
    # The parsed file, so later checks (the calendar) can name lines.
    _doc: YamlDocument | None = PrivateAttr(None)

    @property
    def terlampir(self) -> bool:
        """Are the addressees listed on an attached page?"""
        return len(self.kepada) > MAX_INLINE

    @property
    def lampiran_teks(self) -> str:
        if self.lampiran:
            return self.lampiran
        return LAMPIRAN_DAFTAR if self.terlampir else "-"


# --------------------------------------------------------------------------- validation


def _problem(defn: SuratUndanganDefinition, doc: YamlDocument | None, path: FieldPath, message: str,
             severity: str = "error") -> Problem:
    doc = doc or defn._doc
    if doc is not None:
        return doc.problem(path, message, severity)
    from sopdocs.definitions.yamlload import format_path

    return Problem(message, file=defn.source or None, field=format_path(path) or None,
                   severity=severity)  # type: ignore[arg-type]


def _date_field(doc: YamlDocument | None) -> str:
    """``tanggal`` or ``hari_tanggal``: the key the file used for the event date."""
    if doc is not None and isinstance(doc.data, dict) and isinstance(doc.data.get("acara"), dict):
        if "hari_tanggal" in doc.data["acara"]:
            return "hari_tanggal"
    return "tanggal"


def _too_long(value: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"terlalu panjang: {len(value)} karakter; paling banyak {limit}"
    return None


def _check(su: SuratUndanganDefinition, doc: YamlDocument) -> list[Problem]:
    problems: list[Problem] = []

    def add(path: FieldPath, message: str, severity: str = "error") -> None:
        problems.append(doc.problem(path, message, severity))

    # Sizes first: a hostile file is refused before anything else looks at its texts.
    lengths: list[tuple[FieldPath, str, int]] = [
        (("hal",), su.hal, MAX_HAL),
        (("lampiran",), su.lampiran, MAX_BARIS),
        (("di",), su.di, MAX_BARIS),
        (("nomor",), su.nomor, 100),
        (("profil",), su.profil, 1000),
        (("pembuka",), su.pembuka, MAX_PARAGRAF),
        (("penutup",), su.penutup, MAX_PARAGRAF),
        (("acara", "tempat"), su.acara.tempat, MAX_BARIS),
        (("acara", "acara"), su.acara.acara, MAX_PARAGRAF),
    ]
    if su.penandatangan is not None:
        for name in ("jabatan", "nama", "pangkat", "golongan"):
            lengths.append((("penandatangan", name), getattr(su.penandatangan, name), MAX_BARIS))
        if isinstance(su.penandatangan.atas_nama, str):
            lengths.append((("penandatangan", "atas_nama"), su.penandatangan.atas_nama, MAX_BARIS))
    for path, value, limit in lengths:
        message = _too_long(value, limit)
        if message:
            add(path, message)
    for field, limit in (("kepada", MAX_KEPADA), ("tembusan", MAX_TEMBUSAN)):
        items = getattr(su, field)
        if len(items) > limit:
            add((field,), f"paling banyak {limit} butir; ada {len(items)}")
            continue
        for index, item in enumerate(items):
            if not item:
                add((field, index), "butir kosong")
            elif (message := _too_long(item, MAX_BARIS)) is not None:
                add((field, index), message)
    if problems:
        return problems

    seen: dict[str, int] = {}
    for index, item in enumerate(su.kepada):
        key = " ".join(item.split()).casefold()
        if key in seen:
            add(("kepada", index), f"sama dengan kepada[{seen[key] + 1}]", "warning")
        seen.setdefault(key, index)

    if su.terlampir and su.lampiran and not su.lampiran.strip(" -"):
        add(
            ("lampiran",),
            f"daftar undangan ({len(su.kepada)} yang diundang) dilampirkan; tulis jumlah lampiran, mis. "
            f'"{LAMPIRAN_DAFTAR}", atau hapus baris ini',
            "warning",
        )

    event = su.acara
    date_key = _date_field(doc)
    if event.tanggal_selesai is not None and event.tanggal_selesai < event.tanggal:
        add(
            ("acara", "tanggal_selesai"),
            f"tanggal selesai {event.tanggal_selesai.isoformat()} lebih awal dari tanggal acara "
            f"{event.tanggal.isoformat()}",
        )
    elif (event.selesai - event.tanggal).days + 1 > LONG_EVENT_DAYS:
        add(
            ("acara", "tanggal_selesai"),
            f"acara berlangsung {(event.selesai - event.tanggal).days + 1} hari; periksa tahun/bulannya",
            "warning",
        )
    if event.waktu_mulai is None:
        add(("acara", "waktu_mulai"), 'jam mulai wajib diisi, mis. "08.00"')
    elif event.waktu_selesai is not None and event.waktu_selesai <= event.waktu_mulai:
        add(
            ("acara", "waktu_selesai"),
            f"jam selesai {_jam_teks(event.waktu_selesai)} tidak sesudah jam mulai {_jam_teks(event.waktu_mulai)}",
        )
    if event.tanggal < su.tanggal:
        add(
            ("acara", date_key),
            f"acara ({event.tanggal.isoformat()}) lebih awal dari tanggal surat ({su.tanggal.isoformat()})",
            "warning",
        )
    elif event.tanggal == su.tanggal:
        add(("acara", date_key), "acara pada hari surat dibuat; undangan biasanya dikirim lebih awal", "warning")

    signer = su.penandatangan
    if signer is not None:
        if signer.nip:
            for warning in check_nip(signer.nip).warnings:
                add(("penandatangan", "nip"), warning, "warning")
        if signer.atas_nama and not signer.jabatan:
            add(
                ("penandatangan", "jabatan"),
                "wajib diisi bila atas_nama dipakai (jabatan penanda tangan sendiri, mis. Sekretaris)",
            )
    return problems


def surat_undangan_from_document(doc: YamlDocument) -> tuple[SuratUndanganDefinition, list[Problem]]:
    data = dict(doc.data) if isinstance(doc.data, dict) else doc.data
    if isinstance(data, dict):
        data["source"] = doc.file
    doc = YamlDocument(data=data, file=doc.file, lines=doc.lines)
    defn, warnings = validate(SuratUndanganDefinition, doc, _check)
    defn._doc = doc
    return defn, warnings


def load_surat_undangan(path: Path) -> tuple[SuratUndanganDefinition, list[Problem]]:
    """Load and validate a surat undangan definition; returns it with its warnings."""
    return surat_undangan_from_document(load_yaml(Path(path)))


def surat_undangan_from_text(text: str, file: str = "<teks>") -> tuple[SuratUndanganDefinition, list[Problem]]:
    return surat_undangan_from_document(parse_yaml(text, file))


def calendar_problems(su: SuratUndanganDefinition, profile: AgencyProfile) -> list[Problem]:
    """Checks that need the agency's calendar: an event or a letter dated on a day off."""
    calendar = profile.calendar()
    out: list[Problem] = []
    event = su.acara
    checked: list[tuple[FieldPath, dt.date, str]] = [(("acara", _date_field(su._doc)), event.tanggal, "acara")]
    if event.tanggal_selesai is not None and event.tanggal_selesai > event.tanggal:
        checked.append((("acara", "tanggal_selesai"), event.tanggal_selesai, "hari terakhir acara"))
    checked.append((("tanggal",), su.tanggal, "tanggal surat"))
    for path, day, what in checked:
        if not calendar.is_working_day(day):
            why = calendar.holiday_name(day) or nama_hari(day)
            out.append(
                _problem(su, None, path, f"{what} {day.isoformat()} bukan hari kerja ({why})", "warning")
            )
    return out


# --------------------------------------------------------------------------- context


def hari_tanggal(start: dt.date, end: dt.date, style: DateStyle | None = None) -> str:
    """``Jumat, 05 Januari 2024``; ``Senin s.d. Rabu, 08 s.d. 10 Januari 2024``."""
    style = style or DateStyle()
    dates = rentang_tanggal(start, end, DateStyle(nol_di_depan=style.nol_di_depan))
    days = nama_hari(start) if start == end else f"{nama_hari(start)} s.d. {nama_hari(end)}"
    return f"{days}, {dates}"


def waktu_acara(event: Acara) -> str:
    """``08.00 WIB s.d. selesai``; ``08.00 s.d. 12.00 WIB``."""
    start = _jam_teks(event.waktu_mulai or dt.time(8, 0))
    if event.waktu_selesai is None:
        return f"{start} {event.zona} s.d. selesai"
    return f"{start} s.d. {_jam_teks(event.waktu_selesai)} {event.zona}"


def surat_undangan_context(su: SuratUndanganDefinition, profile: AgencyProfile, number: str) -> dict[str, Any]:
    """Everything the surat undangan template may use."""
    plain_date = DateStyle(nol_di_depan=profile.date_style.nol_di_depan)
    event = su.acara
    addressees = [{"no": index, "nama": name} for index, name in enumerate(su.kepada, start=1)]
    return {
        "profil": profile_context(profile),
        "gaya_tanggal": profile.date_style,
        "logo": kop_logo(profile.logo_path),
        "surat": {
            "nomor": number,
            "tanggal": plain_date.format(su.tanggal),
            "tanggal_iso": su.tanggal.isoformat(),
            "kota": profile.kota,
            "tempat_tanggal": f"{profile.kota}, {plain_date.format(su.tanggal)}",
            "sifat": su.sifat,
            "lampiran": su.lampiran_teks,
            "hal": su.hal,
            "kepada": list(su.kepada),
            "jumlah_kepada": len(su.kepada),
            "terlampir": su.terlampir,
            "di": su.di or profile.kota,
            "pembuka": su.pembuka,
            "penutup": su.penutup,
            "tembusan": list(su.tembusan),
        },
        "undangan": addressees,
        "acara": {
            "hari": nama_hari(event.tanggal),
            "hari_tanggal": hari_tanggal(event.tanggal, event.selesai, profile.date_style),
            "tanggal": plain_date.format(event.tanggal),
            "tanggal_selesai": plain_date.format(event.selesai),
            "tanggal_iso": event.tanggal.isoformat(),
            "waktu": waktu_acara(event),
            "waktu_mulai": _jam_teks(event.waktu_mulai or dt.time(8, 0)),
            "waktu_selesai": _jam_teks(event.waktu_selesai) if event.waktu_selesai else "selesai",
            "zona": event.zona,
            "tempat": event.tempat,
            "acara": event.acara,
        },
        # The surat tugas's signer block reads only the ``penandatangan`` field, which is shared.
        "penandatangan": _signer(su, profile),  # type: ignore[arg-type]
    }


def render_surat_undangan(
    su: SuratUndanganDefinition, profile: AgencyProfile, out: Path, number: str, template: Path | None = None
) -> Path:
    """Render the letter with a known ``number`` into the .docx ``out`` (atomically)."""
    from sopdocs.docx.render import builtin_templates_dir

    return render_docx(
        Path(template) if template is not None else builtin_templates_dir() / TEMPLATE,
        surat_undangan_context(su, profile, number),
        Path(out),
        paper=page_for(profile),
    )


def _subject(su: SuratUndanganDefinition) -> str:
    return f"Surat undangan: {shorten(su.hal)} (acara {format_tanggal(su.acara.tanggal)})"


# --------------------------------------------------------------------------- kind


def _sample_context() -> dict[str, Any]:
    profile = sample_profile()
    su = SuratUndanganDefinition.model_validate(
        {
            "tanggal": "2024-01-03",
            "hal": "Undangan Contoh",
            "kepada": ["Kepala Bidang Contoh", "Kepala Seksi Contoh"],
            "acara": {"tanggal": "2024-01-05", "waktu_mulai": "08.00", "tempat": "Aula Dinas Contoh",
                      "acara": "Acara contoh"},
            "tembusan": ["Arsip"],
        }
    )
    return surat_undangan_context(su, profile, f"{CODE}/001/Contoh/2024")


_PROVIDES = frozenset({"profil", "gaya_tanggal", "logo", "surat", "undangan", "acara", "penandatangan"})

register_kind(
    DocumentKind(
        name=KIND,
        label="Surat Undangan",
        template=TEMPLATE,
        provides=_PROVIDES,
        required=frozenset({"profil", "surat", "acara", "penandatangan"}),
        sample=_sample_context,
        description=(
            "Surat undangan (kop, nomor/sifat/lampiran/hal, Yth., rincian acara, penanda tangan, "
            "tembusan, daftar undangan terlampir)"
        ),
        model=SuratUndanganDefinition,
        load=load_surat_undangan,
        parse=surat_undangan_from_document,
        context=surat_undangan_context,
        date=lambda d: d.tanggal,
        subject=_subject,
        identity=letter_identity,
        check=calendar_problems,
        code=CODE,
        numbered=True,
        file_name="Surat_Undangan",
    )
)
