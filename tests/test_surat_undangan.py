"""The surat undangan: definition checks with lines, the calendar, rendering, the kind record."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, ROOT, requires_libreoffice

from sopdocs.definitions.profile import load_profile
from sopdocs.docx.compiled import Paper
from sopdocs.docx.extract import docx_text
from sopdocs.docx.render import render_docx, template_variables
from sopdocs.errors import Problem, ValidationError
from sopdocs.kinds.registry import get_kind
from sopdocs.kinds.suratundangan import (
    CODE,
    KIND,
    LAMPIRAN_DAFTAR,
    MAX_BARIS,
    MAX_HAL,
    MAX_INLINE,
    MAX_KEPADA,
    PENUTUP,
    TEMPLATE,
    SuratUndanganDefinition,
    calendar_problems,
    load_surat_undangan,
    surat_undangan_context,
)

TEMPLATE_PATH = ROOT / "templates" / TEMPLATE
NUMBER = "005/001/Disnakertrans/2024"
EXAMPLE_ADDRESSEES = [
    "Pimpinan PT Contoh Sejahtera Abadi",
    "Pimpinan CV Contoh Karya Mandiri",
    "Ketua Asosiasi Pengusaha Indonesia Kota Contoh",
]

# A definition written line by line, so each test knows the line of every field.
BASE = """\
profil: profil.yaml
tanggal: 02 Januari 2024
hal: Undangan Rapat Koordinasi
kepada:
  - Kepala Bidang Penempatan Tenaga Kerja
  - Kepala Bidang Transmigrasi
acara:
  tanggal: 05 Januari 2024
  waktu_mulai: "08.00"
  tempat: Ruang Rapat Dinas
  acara: Rapat koordinasi pendataan
tembusan:
  - Arsip
"""


# --------------------------------------------------------------- helpers


def write(folder: Path, text: str, name: str = "su.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the definition")


def example_data(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load((EXAMPLES / "surat-undangan.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def refused(path: Path) -> list[Problem]:
    with pytest.raises(ValidationError) as info:
        load_surat_undangan(path)
    return info.value.problems


def render(defn: SuratUndanganDefinition, profile: Any, out: Path, number: str = NUMBER) -> Path:
    """What the generic issuing workflow does with a numbered kind."""
    return render_docx(
        TEMPLATE_PATH,
        surat_undangan_context(defn, profile, number),
        out,
        paper=Paper(profile.kertas, landscape=False),
    )


def document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read("word/document.xml").decode("utf-8")


@pytest.fixture
def profile() -> Any:
    agency, warnings = load_profile(EXAMPLES / "profil.yaml")
    return agency


# --------------------------------------------------------------- the example


def test_example_loads_without_problems(profile: Any) -> None:
    defn, warnings = load_surat_undangan(EXAMPLES / "surat-undangan.yaml")
    assert warnings == []
    assert defn.kepada == EXAMPLE_ADDRESSEES
    assert defn.acara.tanggal == dt.date(2024, 1, 5)  # written as hari_tanggal: Jumat, 05 Januari 2024
    assert defn.acara.waktu_mulai == dt.time(8, 0) and defn.acara.waktu_selesai is None
    assert defn.sifat == "Biasa" and defn.lampiran_teks == "-"
    assert calendar_problems(defn, profile) == []


def test_example_profile_numbers_undangan_with_005(profile: Any) -> None:
    assert profile.penomoran.jenis[KIND].kode == CODE == "005"


# --------------------------------------------------------------- refused definitions


@pytest.mark.parametrize(
    ("old", "new", "field", "needle", "words"),
    [
        ("kepada:\n  - Kepala Bidang Penempatan Tenaga Kerja\n  - Kepala Bidang Transmigrasi\n",
         "kepada: []\n", "kepada", "kepada:", "tidak boleh kosong"),
        ("  - Kepala Bidang Transmigrasi\n", "  - Kepala Bidang Transmigrasi\n  - ''\n",
         "kepada[3]", "  - ''", "butir kosong"),
        ("  - Arsip\n", "  - Arsip\n  - '   '\n", "tembusan[2]", "  - '   '", "butir kosong"),
        ('  waktu_mulai: "08.00"\n', '  waktu_mulai: "25.00"\n', "acara.waktu_mulai", "waktu_mulai", "bukan jam"),
        ('  waktu_mulai: "08.00"\n', '  waktu_mulai: "08.75"\n', "acara.waktu_mulai", "waktu_mulai", "bukan jam"),
        ('  waktu_mulai: "08.00"\n', "  waktu_mulai: jam delapan\n", "acara.waktu_mulai", "waktu_mulai",
         "bukan jam"),
        ('  waktu_mulai: "08.00"\n', "  waktu_mulai: 8\n", "acara.waktu_mulai", "waktu_mulai", "bukan jam"),
        ('  waktu_mulai: "08.00"\n', '  waktu_mulai: "08.00"\n  waktu_selesai: "07.30"\n',
         "acara.waktu_selesai", "waktu_selesai", "tidak sesudah jam mulai 08.00"),
        ('  waktu_mulai: "08.00"\n', '  waktu_mulai: "08.00"\n  waktu_selesai: "08:00"\n',
         "acara.waktu_selesai", "waktu_selesai", "tidak sesudah"),
        ("  tanggal: 05 Januari 2024\n", "  tanggal: 05 Januari 2024\n  tanggal_selesai: 04 Januari 2024\n",
         "acara.tanggal_selesai", "tanggal_selesai", "lebih awal"),
        ("  tanggal: 05 Januari 2024\n", "  hari_tanggal: Senin, 05 Januari 2024\n",
         "acara.hari_tanggal", "hari_tanggal", "Jumat"),
        ("  tanggal: 05 Januari 2024\n", "  tanggal: 05 Januari 2024\n  hari_tanggal: Jumat, 05 Januari 2024\n",
         "acara", "acara:", "tidak keduanya"),
        ("  tanggal: 05 Januari 2024\n", "", "acara.tanggal", "acara:", "wajib diisi"),
        ("  tempat: Ruang Rapat Dinas\n", "", "acara.tempat", "acara:", "wajib diisi"),
        ("hal: Undangan Rapat Koordinasi\n", "hal: Undangan Rapat Koordinasi\nsifat: Penting\n",
         "sifat", "sifat:", "Sangat Segera"),
        ('  waktu_mulai: "08.00"\n', '  waktu_mulai: "08.00"\n  zona: GMT\n', "acara.zona", "zona:", "WITA"),
        ("hal: Undangan Rapat Koordinasi\n", "hal: Undangan Rapat Koordinasi\nperihal: x\n",
         "perihal", "perihal:", "kunci tidak dikenal"),
        ("hal: Undangan Rapat Koordinasi\n", "hal: " + "x" * 100_000 + "\n", "hal", "hal:",
         f"paling banyak {MAX_HAL}"),
        ("  - Arsip\n", "  - " + "y" * (MAX_BARIS + 1) + "\n", "tembusan[1]", "  - yyy", f"paling banyak {MAX_BARIS}"),
        ("  acara: Rapat koordinasi pendataan\n", "  acara: " + "z" * 100_000 + "\n", "acara.acara", "  acara: zzz",
         "terlalu panjang"),
    ],
)
def test_bad_definition_names_field_and_line(
    tmp_path: Path, old: str, new: str, field: str, needle: str, words: str
) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    problems = refused(write(tmp_path, text))
    match = [p for p in problems if p.field == field]
    assert match, [str(p) for p in problems]
    assert words in match[0].message
    assert match[0].line == line_of(text, needle)
    assert match[0].file == str(tmp_path / "su.yaml")


def test_too_many_addressees_refused(tmp_path: Path) -> None:
    many = "".join(f"  - Kepala Desa Contoh {i}\n" for i in range(MAX_KEPADA + 1))
    text = BASE.replace("  - Kepala Bidang Penempatan Tenaga Kerja\n  - Kepala Bidang Transmigrasi\n", many)
    (problem,) = refused(write(tmp_path, text))
    assert problem.field == "kepada" and problem.line == line_of(text, "kepada:")
    assert f"paling banyak {MAX_KEPADA}" in problem.message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = BASE.replace('  waktu_mulai: "08.00"\n', '  waktu_mulai: "8.61"\n').replace("kepada:\n", "kepada: []\nx:\n")
    fields = {p.field for p in refused(write(tmp_path, text))}
    assert {"acara.waktu_mulai", "x"} <= fields


# --------------------------------------------------------------- accepted forms and warnings


@pytest.mark.parametrize(
    ("written", "expected"),
    [('"08.00"', dt.time(8)), ("08.00", dt.time(8)), ("13.30", dt.time(13, 30)), ("13.05", dt.time(13, 5)),
     ("10:30", dt.time(10, 30)), ('"7:45"', dt.time(7, 45)), ('"pukul 09.15"', dt.time(9, 15))],
)
def test_times_as_people_write_them(tmp_path: Path, written: str, expected: dt.time) -> None:
    # Unquoted, YAML reads 13.30 as the number 13.3 and 10:30 as 630 (base 60).
    text = BASE.replace('  waktu_mulai: "08.00"\n', f"  waktu_mulai: {written}\n")
    defn, _ = load_surat_undangan(write(tmp_path, text))
    assert defn.acara.waktu_mulai == expected


def test_sifat_zona_and_selesai_are_normalised(tmp_path: Path, profile: Any) -> None:
    text = BASE.replace("hal:", "sifat: sangat  segera\nhal:").replace(
        '  waktu_mulai: "08.00"\n', '  waktu_mulai: "09.00"\n  waktu_selesai: Selesai\n  zona: wita\n'
    )
    defn, _ = load_surat_undangan(write(tmp_path, text))
    assert defn.sifat == "Sangat Segera"
    assert defn.acara.zona == "WITA" and defn.acara.waktu_selesai is None
    context = surat_undangan_context(defn, profile, NUMBER)
    assert context["acara"]["waktu"] == "09.00 WITA s.d. selesai"
    assert context["surat"]["di"] == "Kota Contoh"  # the profile's city
    assert context["surat"]["penutup"] == PENUTUP


def test_event_before_letter_date_is_a_warning_with_line(tmp_path: Path) -> None:
    text = BASE.replace("tanggal: 02 Januari 2024", "tanggal: 08 Januari 2024")
    _, warnings = load_surat_undangan(write(tmp_path, text))
    (warning,) = warnings
    assert warning.severity == "warning" and warning.field == "acara.tanggal"
    assert warning.line == line_of(text, "  tanggal: 05 Januari 2024")
    assert "lebih awal dari tanggal surat" in warning.message


def test_event_on_a_holiday_or_weekend_warns(tmp_path: Path, profile: Any) -> None:
    text = BASE.replace("  tanggal: 05 Januari 2024", "  hari_tanggal: Rabu, 25 Desember 2024").replace(
        "tanggal: 02 Januari 2024", "tanggal: 14 Desember 2024"  # a Saturday
    )
    defn, _ = load_surat_undangan(write(tmp_path, text))
    found = calendar_problems(defn, profile)
    assert all(p.severity == "warning" for p in found)
    by_field = {p.field: p for p in found}
    assert set(by_field) == {"acara.hari_tanggal", "tanggal"}
    assert "Natal" in by_field["acara.hari_tanggal"].message
    assert by_field["acara.hari_tanggal"].line == line_of(text, "hari_tanggal:")
    assert "Sabtu" in by_field["tanggal"].message


def test_multi_day_event_wording(tmp_path: Path, profile: Any) -> None:
    text = BASE.replace(
        "  tanggal: 05 Januari 2024\n", "  tanggal: 08 Januari 2024\n  tanggal_selesai: 10 Januari 2024\n"
    ).replace('  waktu_mulai: "08.00"\n', '  waktu_mulai: "08.00"\n  waktu_selesai: "16.00"\n')
    defn, _ = load_surat_undangan(write(tmp_path, text))
    event = surat_undangan_context(defn, profile, NUMBER)["acara"]
    assert event["hari_tanggal"] == "Senin s.d. Rabu, 08 s.d. 10 Januari 2024"
    assert event["waktu"] == "08.00 s.d. 16.00 WIB"


# --------------------------------------------------------------- rendering


def test_render_example_letter(tmp_path: Path, profile: Any) -> None:
    defn, _ = load_surat_undangan(EXAMPLES / "surat-undangan.yaml")
    docx = render(defn, profile, tmp_path / "undangan.docx")
    text = docx_text(docx)
    raw = document_xml(docx)
    assert "{{" not in raw and "{%" not in raw
    assert "Kota Contoh, 02 Januari 2024" in text
    assert f"Nomor\t:\t{NUMBER}" in text
    assert "Sifat\t:\tBiasa" in text and "Lampiran\t:\t-" in text
    assert "Hal\t:\tUndangan Bimbingan Teknis dan Sosialisasi Pendataan Kegiatan Tahun 2024" in text
    assert f"Yth.\t1.\t{EXAMPLE_ADDRESSEES[0]}" in text
    for index, name in enumerate(EXAMPLE_ADDRESSEES[1:], start=2):
        assert f"\t{index}.\t{name}" in text
    assert "di\nKota Contoh" in text
    assert "Hari/tanggal\t:\tJumat, 05 Januari 2024" in text
    assert "Waktu\t:\t08.00 WIB s.d. selesai" in text
    assert "Tempat\t:\tAula Dinas Ketenagakerjaan dan Transmigrasi, Jalan Contoh Raya Nomor 1" in text
    assert "Acara\t:\tBimbingan teknis dan sosialisasi pengisian bahan pendataan" in text
    assert "Kepala Dinas Ketenagakerjaan dan Transmigrasi," in text
    assert "DIDUGARNAWI, S.Pd., M.M." in text and "NIP. 19720319 198003 1 001" in text
    assert re.search(r"Tembusan:\n1\.\tSekretaris Dinas Ketenagakerjaan dan Transmigrasi\n2\.\tArsip", text)
    assert "daftar terlampir" not in text and "DAFTAR UNDANGAN" not in text
    assert '<w:pgSz w:w="11906" w:h="16838"' in raw  # A4 portrait, from the profile


def test_render_many_addressees_attached_and_signed_on_behalf(tmp_path: Path, profile: Any) -> None:
    names = [f"Lurah Contoh {chr(65 + i)}" for i in range(MAX_INLINE + 3)]
    data = example_data(
        kepada=names,
        di="Tempat",
        sifat="Segera",
        penandatangan={"atas_nama": True, "jabatan": "Sekretaris", "nama": "Drs. SURYA ADIPUTRA, M.Si.",
                       "nip": "19700505 199503 1 002", "pangkat": "Pembina Tingkat I", "golongan": "IV/b"},
    )
    shutil.copy(EXAMPLES / "profil.yaml", tmp_path / "profil.yaml")
    shutil.copy(EXAMPLES / "logo.png", tmp_path / "logo.png")
    defn, warnings = load_surat_undangan(write(tmp_path, dump(data)))
    assert warnings == []
    text = docx_text(render(defn, profile, tmp_path / "banyak.docx"))
    assert "Yth.\t(daftar terlampir)" in text
    assert f"Lampiran\t:\t{LAMPIRAN_DAFTAR}" in text and "Sifat\t:\tSegera" in text
    assert "di\nTempat" in text
    assert "Lampiran Surat Undangan" in text and "DAFTAR UNDANGAN" in text
    for index, name in enumerate(names, start=1):
        assert f"{index}.\t{name}" in text
    assert text.count("a.n. Kepala Dinas Ketenagakerjaan dan Transmigrasi") == 2  # letter and attachment
    assert text.count("Sekretaris,") == 2 and "NIP. 19700505 199503 1 002" in text


def test_render_exactly_max_inline_stays_in_the_letter(tmp_path: Path, profile: Any) -> None:
    names = [f"Kepala Seksi {i}" for i in range(1, MAX_INLINE + 1)]
    shutil.copy(EXAMPLES / "profil.yaml", tmp_path / "profil.yaml")
    shutil.copy(EXAMPLES / "logo.png", tmp_path / "logo.png")
    defn, _ = load_surat_undangan(write(tmp_path, dump(example_data(kepada=names, penandatangan={
        "plt": True, "nama": "HARTONO", "nip": "19750101 200003 1 003"}))))
    text = docx_text(render(defn, profile, tmp_path / "lima.docx"))
    assert f"{MAX_INLINE}.\tKepala Seksi {MAX_INLINE}" in text and "daftar terlampir" not in text
    assert "Plt. Kepala Dinas Ketenagakerjaan dan Transmigrasi," in text
    assert "NIP. 19750101 200003 1 003" in text


def test_attached_list_with_lampiran_dash_warns(tmp_path: Path) -> None:
    many = "".join(f"  - Kepala Desa Contoh {i}\n" for i in range(MAX_INLINE + 1))
    text = BASE.replace("  - Kepala Bidang Penempatan Tenaga Kerja\n  - Kepala Bidang Transmigrasi\n", many)
    text = text.replace("hal:", 'lampiran: "-"\nhal:')
    defn, warnings = load_surat_undangan(write(tmp_path, text))
    (warning,) = warnings
    assert warning.field == "lampiran" and warning.line == line_of(text, "lampiran:")
    assert defn.lampiran_teks == "-"  # what the file says is printed


def test_single_addressee_and_values_are_text_not_template(tmp_path: Path, profile: Any) -> None:
    text = BASE.replace(
        "kepada:\n  - Kepala Bidang Penempatan Tenaga Kerja\n  - Kepala Bidang Transmigrasi\n",
        "kepada: PT A & B <Persero> {{ 7*7 }}\n",
    )
    shutil.copy(EXAMPLES / "profil.yaml", tmp_path / "profil.yaml")
    shutil.copy(EXAMPLES / "logo.png", tmp_path / "logo.png")
    defn, _ = load_surat_undangan(write(tmp_path, text))
    out = render(defn, profile, tmp_path / "satu.docx")
    assert "Yth.\tPT A & B <Persero> {{ 7*7 }}" in docx_text(out)


def test_f4_profile_gives_f4_paper(tmp_path: Path) -> None:
    folder = tmp_path / "f4"
    shutil.copytree(EXAMPLES, folder)
    profil = folder / "profil.yaml"
    profil.write_text(profil.read_text(encoding="utf-8").replace("kertas: A4", "kertas: F4"), encoding="utf-8")
    agency, _ = load_profile(profil)
    defn, _ = load_surat_undangan(folder / "surat-undangan.yaml")
    raw = document_xml(render(defn, agency, tmp_path / "f4.docx"))
    assert re.search(r'<w:pgSz w:w="12189" w:h="18709"', raw)


# --------------------------------------------------------------- template and registry


def test_template_uses_only_what_the_kind_provides() -> None:
    kind = get_kind(KIND)
    used = template_variables(TEMPLATE_PATH)
    assert used <= kind.provides
    assert kind.required <= used


def test_sample_context_renders(tmp_path: Path) -> None:
    kind = get_kind(KIND)
    out = render_docx(TEMPLATE_PATH, kind.sample(), tmp_path / "coba.docx")
    assert "Yth.\t1.\tKepala Bidang Contoh" in docx_text(out)


def test_registry_record(tmp_path: Path, profile: Any) -> None:
    kind = get_kind(KIND)
    assert kind.label == "Surat Undangan" and kind.template == TEMPLATE
    assert kind.numbered and kind.renderable and kind.code == "005"
    assert kind.model is SuratUndanganDefinition
    assert kind.output_stem(NUMBER) == "Surat_Undangan_005_001_Disnakertrans_2024"
    defn, _ = kind.load(EXAMPLES / "surat-undangan.yaml")
    assert kind.date(defn) == dt.date(2024, 1, 2)
    assert kind.identity(defn) == "surat-undangan:2024-01-02"
    assert kind.subject(defn).startswith("Surat undangan: Undangan Bimbingan Teknis")
    assert kind.subject(defn).endswith("(acara 5 Januari 2024)")
    assert kind.check(defn, profile) == []
    assert kind.context(defn, profile, NUMBER)["surat"]["nomor"] == NUMBER
    schema = SuratUndanganDefinition.model_json_schema()
    assert {"tanggal", "hal", "kepada", "acara"} <= set(schema["required"])


# --------------------------------------------------------------- PDF


@requires_libreoffice()
def test_pdf_of_the_example(tmp_path: Path, profile: Any) -> None:
    from pypdf import PdfReader

    from sopdocs.pdf.convert import convert_to_pdf

    defn, _ = load_surat_undangan(EXAMPLES / "surat-undangan.yaml")
    pdf = convert_to_pdf(render(defn, profile, tmp_path / "undangan.docx"))
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    for expected in (
        "Kota Contoh, 02 Januari 2024",
        NUMBER,
        "Undangan Bimbingan Teknis dan Sosialisasi",
        *EXAMPLE_ADDRESSEES,
        "Jumat, 05 Januari 2024",
        "08.00 WIB s.d. selesai",
        "DIDUGARNAWI, S.Pd., M.M.",
        "NIP. 19720319 198003 1 001",
        "Tembusan:",
    ):
        assert expected in text, expected
