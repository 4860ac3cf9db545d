"""The agency profile: who the documents come from (kop surat, head, paper, style).

One YAML file per agency, keys in Indonesian after the labels people know
(``instansi``, ``alamat``, ``kepala``...). Paths in it (the logo) are relative to the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sopdocs.indonesian.dates import DateStyle
from sopdocs.errors import Problem
from sopdocs.definitions.fieldtypes import DaftarTeks, Nip, Tanggal, Teks
from sopdocs.definitions.profilechecks import PAPER_MM, check_page_form, check_profile, logo_path
from sopdocs.definitions.validation import validate
from sopdocs.indonesian.workdays import WorkCalendar
from sopdocs.definitions.yamlload import YamlDocument, load_yaml, parse_yaml


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pejabat(_Model):
    """An official who signs: job title, name, NIP, rank."""

    jabatan: Teks
    nama: Teks
    nip: Nip | None = None
    pangkat: Teks = ""
    golongan: Teks = ""

    @property
    def pangkat_golongan(self) -> str:
        if self.pangkat and self.golongan:
            return f"{self.pangkat} ({self.golongan})"
        return self.pangkat or self.golongan


class GayaTanggal(_Model):
    nol_di_depan: bool = Field(False, description='"02 Januari 2024" (true) atau "2 Januari 2024" (false)')
    dengan_hari: bool = False

    def style(self) -> DateStyle:
        return DateStyle(nol_di_depan=self.nol_di_depan, dengan_hari=self.dengan_hari)


class HariLibur(_Model):
    """Working-day calendar settings on top of the national public holidays."""

    cuti_bersama: bool = Field(True, description="cuti bersama dihitung sebagai hari libur")
    tambahan: dict[str, Teks] = Field(default_factory=dict, description="tanggal: nama libur daerah/kantor")
    hari_kerja_tambahan: list[Tanggal] = Field(default_factory=list, description="tanggal yang tetap hari kerja")

    @field_validator("tambahan", mode="before")
    @classmethod
    def _keys_to_text(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(key): name for key, name in value.items()}
        return value


class AturanNomor(_Model):
    """How one document kind is numbered; unset fields fall back to ``penomoran``."""

    kode: Teks = Field(description="kode klasifikasi, mis. 800.1.11.1")
    pola: Teks | None = None
    lebar: int | None = Field(None, ge=1, le=8)
    reset: Literal["tahunan", "bulanan"] | None = None
    lingkup: Literal["per_klasifikasi", "bersama"] | None = None
    sisipan: Literal["titik", "titik2", "huruf"] | None = None
    keamanan: Literal["B", "T", "R", "SR"] | None = None


def _default_kinds() -> dict[str, AturanNomor]:
    """None: each document kind's default code comes from the kind registry
    (:attr:`sopdocs.kinds.registry.DocumentKind.code`); the profile lists only its own."""
    return {}


class Penomoran(_Model):
    pola: Teks = Field("{kode}/{nomor}/{unit}/{tahun}", description="token: {kode} {nomor} {unit} {bulan} {bulan_romawi} {tahun} {keamanan}")
    lebar: int = Field(3, ge=1, le=8, description="lebar nomor urut, diisi nol di depan")
    reset: Literal["tahunan", "bulanan"] = "tahunan"
    lingkup: Literal["per_klasifikasi", "bersama"] = "per_klasifikasi"
    sisipan: Literal["titik", "titik2", "huruf"] = "titik"
    jenis: dict[str, AturanNomor] = Field(default_factory=_default_kinds)


class Retensi(_Model):
    aktif: int = Field(ge=0, description="tahun di arsip aktif")
    inaktif: int = Field(ge=0, description="tahun di arsip inaktif")
    nasib_akhir: Literal["musnah", "dinilai kembali", "permanen"]


class Margin(_Model):
    """Page margins in centimetres (tata naskah dinas: left at least 3, bottom at least 2.5)."""

    atas: float = Field(2.0, ge=0.5, le=6.0, description="margin atas (cm)")
    bawah: float = Field(2.5, ge=0.5, le=6.0, description="margin bawah (cm)")
    kiri: float = Field(3.0, ge=0.5, le=6.0, description="margin kiri (cm)")
    kanan: float = Field(2.0, ge=0.5, le=6.0, description="margin kanan (cm)")


class UkuranKop(_Model):
    """Sizes (pt) of the kop lines."""

    pemerintah: float = Field(14.0, ge=8.0, le=24.0, description="baris tingkat pemerintahan (pt)")
    instansi: float = Field(16.0, ge=8.0, le=24.0, description="baris nama instansi (pt)")
    alamat: float = Field(10.0, ge=7.0, le=14.0, description="baris alamat dan kontak (pt)")


class TataLetak(_Model):
    """Page layout every built-in template follows; the rules vary by region, so they are settings."""

    font: Literal["Arial", "Times New Roman", "Bookman Old Style"] = Field(
        "Arial", description="huruf isi naskah (dicetak dengan padanan metrik bila tidak terpasang)")
    ukuran_font: float = Field(12.0, ge=9.0, le=14.0, description="ukuran huruf isi (pt)")
    margin: Margin = Margin()
    ukuran_kop: UkuranKop = UkuranKop()
    nomor_halaman: Teks = Field("- {halaman} -", description="bentuk nomor halaman 2 dst.; {halaman} diganti nomornya")
    posisi_nomor_halaman: Literal["atas", "bawah"] = Field(
        "atas", description="nomor halaman di tengah atas (bawaan) atau tengah bawah")

    @field_validator("nomor_halaman")
    @classmethod
    def _page_form(cls, value: str) -> str:
        return check_page_form(value)


class Verifikasi(_Model):
    """Verification of printed documents by their QR code."""

    url: Teks = Field("", description="alamat halaman verifikasi, mis. https://arsip.contoh.go.id/verifikasi (kosong: kode QR tanpa alamat)")


class AgencyProfile(_Model):
    """The agency whose documents these are (validated from YAML)."""

    pemerintah: DaftarTeks = Field(description="baris tingkat pemerintahan di kop, mis. PEMERINTAH PROVINSI ...")
    instansi: DaftarTeks = Field(description="nama instansi di kop, satu baris atau lebih")
    alamat: Teks
    telepon: Teks = ""
    faksimile: Teks = ""
    email: Teks = ""
    laman: Teks = ""
    kode_pos: Teks = ""
    logo: Teks = Field("", description="berkas gambar logo, relatif terhadap berkas profil")
    kode_unit: Teks = Field(description="kode unit pengolah untuk nomor naskah")
    kota: Teks = Field(description="kota/kabupaten: tempat pada baris tanggal (Kota, 02 Januari 2024) dan di alamat kop")
    kertas: Literal["A4", "F4"] = "A4"
    tata_letak: TataLetak = TataLetak()
    verifikasi: Verifikasi = Verifikasi()
    gaya_tanggal: GayaTanggal = GayaTanggal()
    kepala: Pejabat
    hari_libur: HariLibur = HariLibur()
    penomoran: Penomoran = Penomoran()
    retensi: dict[str, Retensi] = Field(default_factory=dict, description="jadwal retensi per kode klasifikasi")
    tenggat_disposisi: dict[Literal["sangat_segera", "segera", "biasa", "rahasia"], int] = Field(
        default_factory=dict, description="hari kerja untuk menanggapi disposisi, per sifat"
    )
    catatan: Teks = Field("", description="catatan bebas (tidak dicetak)")

    # Where the profile was read from; paths inside it are relative to this folder.
    base_dir: Path = Field(default=Path("."), exclude=True)

    @property
    def logo_path(self) -> Path | None:
        return logo_path(self.base_dir, self.logo)

    @property
    def date_style(self) -> DateStyle:
        return self.gaya_tanggal.style()

    def calendar(self) -> WorkCalendar:
        libur = self.hari_libur
        extra = {}
        for key, name in libur.tambahan.items():
            from sopdocs.indonesian.dates import parse_tanggal

            extra[parse_tanggal(key, field="hari_libur.tambahan")] = name
        return WorkCalendar(
            cuti_bersama=libur.cuti_bersama,
            extra_holidays=extra,
            extra_working_days=set(libur.hari_kerja_tambahan),
        )

    def format_date(self, value: dt.date) -> str:
        return self.date_style.format(value)


def _check(profile: AgencyProfile, doc: YamlDocument) -> list[Problem]:
    return check_profile(doc, nip=profile.kepala.nip, logo=profile.logo_path, paper=profile.kertas,
                         margin=profile.tata_letak.margin.model_dump(), extra_holidays=profile.hari_libur.tambahan)


def load_profile(path: Path) -> tuple[AgencyProfile, list[Problem]]:
    """Load and validate an agency profile; returns it with its warnings."""
    return profile_from_document(load_yaml(Path(path)), Path(path).resolve().parent)


def profile_from_document(doc: YamlDocument, base_dir: Path) -> tuple[AgencyProfile, list[Problem]]:
    data = dict(doc.data) if isinstance(doc.data, dict) else doc.data
    if isinstance(data, dict):
        data["base_dir"] = base_dir
    doc = YamlDocument(data=data, file=doc.file, lines=doc.lines)
    return validate(AgencyProfile, doc, _check)


def profile_from_text(text: str, file: str, base_dir: Path) -> tuple[AgencyProfile, list[Problem]]:
    return profile_from_document(parse_yaml(text, file), base_dir)


def pejabat_context(person: Pejabat) -> dict[str, str]:
    return {
        "jabatan": person.jabatan,
        "nama": person.nama,
        "nip": person.nip or "",
        "pangkat": person.pangkat,
        "golongan": person.golongan,
        "pangkat_golongan": person.pangkat_golongan,
    }


def kop_address(profile: AgencyProfile) -> str:
    """The kop's address: street, city, postcode (``Jalan Contoh Raya Nomor 1, Kota Contoh,
    Kode Pos 00000``); the city is not repeated when the street line already names it."""
    parts = [profile.alamat.strip().rstrip(",")]
    city = profile.kota.strip()
    if city and city.casefold() not in profile.alamat.casefold():
        parts.append(city)
    address = ", ".join(p for p in parts if p)
    if profile.kode_pos and profile.kode_pos not in profile.alamat:
        address += ", " + _unbroken(f"Kode Pos {profile.kode_pos}")
    return address


#: Longest kop item kept on one line (longer ones may wrap at their spaces).
UNBROKEN_CHARS = 40


def _unbroken(text: str) -> str:
    """``text`` with no-break spaces, so the kop wraps between items, not inside one."""
    return text.replace(" ", "\u00a0") if len(text) <= UNBROKEN_CHARS else text


def profile_context(profile: AgencyProfile) -> dict[str, object]:
    """What every template may use of the agency: ``profil.*`` (kop lines, contacts, head)."""
    # Each contact is one unit on the kop: "Telepon (0000) 123456" never breaks inside.
    contacts = []
    if profile.telepon:
        contacts.append(_unbroken(f"Telepon {profile.telepon}"))
    if profile.faksimile:
        contacts.append(_unbroken(f"Faksimile {profile.faksimile}"))
    address = kop_address(profile)
    online = []
    if profile.laman:
        online.append(_unbroken(f"Laman {profile.laman}"))
    if profile.email:
        online.append(_unbroken(f"Pos-el {profile.email}"))
    return {
        "pemerintah": list(profile.pemerintah),
        "instansi": list(profile.instansi),
        "alamat": profile.alamat,
        "alamat_lengkap": ", ".join([address, *contacts]),
        "kontak": ", ".join(online),
        "telepon": profile.telepon,
        "email": profile.email,
        "laman": profile.laman,
        "kode_pos": profile.kode_pos,
        "kota": profile.kota,
        "kode_unit": profile.kode_unit,
        "kertas": profile.kertas,
        "kepala": pejabat_context(profile.kepala),
    }


def resolve_profile(
    explicit: Path | None,
    named_in_definition: str,
    definition_file: Path,
) -> tuple[AgencyProfile, list[Problem]]:
    """The profile for a definition: ``--profil`` first, then its ``profil:`` key, then
    ``SOPDOCS_PROFILE``."""
    import os

    from sopdocs.errors import ValidationError

    if explicit is not None:
        return load_profile(explicit)
    if named_in_definition:
        return load_profile(Path(definition_file).resolve().parent / named_in_definition)
    env = os.environ.get("SOPDOCS_PROFILE")
    if env:
        return load_profile(Path(env))
    raise ValidationError(
        [
            Problem(
                "profil instansi tidak disebut: tulis `profil: berkas.yaml` di definisi, "
                "beri --profil BERKAS, atau set SOPDOCS_PROFILE",
                file=str(definition_file),
                field="profil",
            )
        ]
    )
