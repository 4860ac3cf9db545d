"""Lembar disposisi: definition, response deadline, rendering, PDF."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import types
import typing
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree
from pypdf import PdfReader

from conftest import EXAMPLES, ROOT, requires_libreoffice
from sopdocs.kinds.disposisi import (
    DEFAULT_DEADLINE_DAYS,
    INSTRUKSI,
    KEPUTUSAN,
    SIFAT,
    InstruksiKey,
    KeputusanKey,
    SifatKey,
    deadline_days,
    disposisi_from_text,
    load_disposisi,
    render_disposisi_file,
    response_deadline,
)
from sopdocs.errors import ValidationError
from sopdocs.locations import builtin_templates_dir
from sopdocs.kinds.registry import check_templates
from sopdocs.indonesian.workdays import WorkCalendar

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CHOSEN, BOX = "\u25a0", "\u25a1"
NBSP = "\u00a0"


# --------------------------------------------------------------------------- helpers


def document_root(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read("word/document.xml"))


def run_text(run: etree._Element) -> str:
    parts = []
    for node in run:
        if node.tag == W + "t":
            parts.append(node.text or "")
        elif node.tag == W + "tab":
            parts.append("\t")
        elif node.tag == W + "br":
            parts.append("\n")
    return "".join(parts)


def paragraphs(path: Path) -> list[str]:
    """Every paragraph's text (tables included); tabs as \\t, line breaks as \\n."""
    return ["".join(run_text(r) for r in p.iter(W + "r")) for p in document_root(path).iter(W + "p")]


def is_bold(run: etree._Element) -> bool:
    bold = run.find(f"{W}rPr/{W}b")
    return bold is not None and bold.get(W + "val") not in ("0", "false")


def runs_with(path: Path, text: str) -> list[etree._Element]:
    return [r for r in document_root(path).iter(W + "r") if text in run_text(r)]


def example_data() -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / "disposisi.yaml").read_text(encoding="utf-8"))


def write_definition(folder: Path, data: dict[str, Any], name: str = "d.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def render(folder: Path, data: dict[str, Any], **options: Any) -> tuple[Path, list[str]]:
    result = render_disposisi_file(write_definition(folder, data), folder / "out" / "d.docx", **options)
    return result.docx[0], paragraphs(result.docx[0])


def errors_of(text: str) -> list:
    with pytest.raises(ValidationError) as info:
        disposisi_from_text(text, "disposisi.yaml")
    return info.value.problems


# --------------------------------------------------------------------------- definition


def test_example_loads_without_warnings() -> None:
    disposisi, warnings = load_disposisi(EXAMPLES / "disposisi.yaml")
    assert warnings == []
    assert disposisi.nomor_surat == "000.1.2/004/Disnakertrans/2024"
    assert disposisi.sifat == "segera"
    assert disposisi.keputusan == "disetujui"
    assert disposisi.instruksi == ["proses_lanjut", "arsipkan"]
    assert disposisi.tanggal == dt.date(2024, 1, 19)


def test_labels_and_spellings_are_accepted() -> None:
    text = MINIMAL.replace("sifat: biasa", "sifat: Sangat Segera").replace(
        "instruksi: [arsipkan]", "instruksi: [Proses lebih lanjut, KOORDINASIKAN/KONFIRMASIKAN, arsipkan]"
    )
    text += "keputusan: Dikembalikan untuk dilengkapi\ncatatan: Lengkapi data kecamatan.\n"
    disposisi, _ = disposisi_from_text(text)
    assert disposisi.sifat == "sangat_segera"
    assert disposisi.instruksi == ["proses_lanjut", "koordinasikan", "arsipkan"]
    assert disposisi.keputusan == "dikembalikan"


def test_accepted_keys_match_the_printed_lists() -> None:
    def keys(annotated: object) -> set[str]:
        return set(typing.get_args(typing.get_args(annotated)[0]))

    assert keys(SifatKey) == set(SIFAT) == set(DEFAULT_DEADLINE_DAYS)
    assert keys(InstruksiKey) == set(INSTRUKSI)
    assert keys(KeputusanKey) == set(KEPUTUSAN)


MINIMAL = """\
surat_dari: Kasubbag PKP
nomor_surat: 000.1.2/004/Disnakertrans/2024
tanggal_surat: 18 Januari 2024
perihal: Rekapitulasi
diterima_tanggal: 18 Januari 2024
nomor_agenda: "012"
sifat: biasa
diteruskan_kepada: [Sekretaris]
instruksi: [arsipkan]
tanggal: 19 Januari 2024
"""


def test_bad_values_name_file_field_and_line_all_at_once() -> None:
    text = (
        MINIMAL.replace("sifat: biasa", "sifat: kilat")
        .replace("instruksi: [arsipkan]", "instruksi:\n  - arsipkan\n  - terbangkan")
        .replace("tanggal_surat: 18 Januari 2024", "tanggal_surat: 31 Februari 2024")
        .replace("perihal: Rekapitulasi\n", "perihall: Rekapitulasi\n")
    )
    problems = errors_of(text)
    by_field = {p.field: p for p in problems}
    assert set(by_field) >= {"sifat", "instruksi[2]", "tanggal_surat", "perihal", "perihall"}
    assert all(p.file == "disposisi.yaml" for p in problems)
    assert by_field["sifat"].line == 7 and "kilat" in by_field["sifat"].message
    assert "sangat_segera" in by_field["sifat"].message
    assert by_field["instruksi[2]"].line == 11 and "instruksi_lain" in by_field["instruksi[2]"].message
    assert by_field["tanggal_surat"].line == 3 and "Februari 2024 hanya 29 hari" in by_field["tanggal_surat"].message
    assert by_field["perihal"].message == "wajib diisi"
    assert by_field["perihall"].line == 4 and "tidak dikenal" in by_field["perihall"].message
    assert "disposisi.yaml:7: sifat:" in str(ValidationError(problems))


def test_returned_without_notes_is_refused() -> None:
    problems = errors_of(MINIMAL + "keputusan: dikembalikan\n")
    assert [(p.field, p.line) for p in problems] == [("catatan", 11)]  # the keputusan line
    assert "dilengkapi" in problems[0].message


def test_dates_out_of_order_are_refused() -> None:
    text = MINIMAL.replace("diterima_tanggal: 18 Januari 2024", "diterima_tanggal: 17 Januari 2024")
    text = text.replace("tanggal: 19 Januari 2024", "tanggal: 16 Januari 2024")
    text += "batas_waktu: 15 Januari 2024\n"
    problems = errors_of(text)
    assert [(p.field, p.line) for p in problems] == [
        ("diterima_tanggal", 5),
        ("tanggal", 10),
        ("batas_waktu", 11),
    ]


def test_empty_recipients_and_bad_deadline_days() -> None:
    text = MINIMAL.replace("diteruskan_kepada: [Sekretaris]", "diteruskan_kepada: []")
    text += "tenggat_hari_kerja: {segera: -1}\n"
    problems = {p.field: p for p in errors_of(text)}
    assert problems["diteruskan_kepada"].line == 8
    assert problems["tenggat_hari_kerja.segera"].line == 11


# --------------------------------------------------------------------------- deadline


def test_holiday_package_has_the_2024_idul_fitri_days_the_tests_use() -> None:
    calendar = WorkCalendar(cuti_bersama=True)
    assert "Idul Fitri" in (calendar.holiday_name(dt.date(2024, 4, 10)) or "")
    assert "Idul Fitri" in (calendar.holiday_name(dt.date(2024, 4, 11)) or "")
    for day in (8, 9, 12, 15):
        assert "Cuti Bersama" in (calendar.holiday_name(dt.date(2024, 4, day)) or ""), day
    assert calendar.is_working_day(dt.date(2024, 4, 5))
    assert calendar.is_working_day(dt.date(2024, 4, 16))


@pytest.mark.parametrize(
    ("sifat", "due"),
    [("sangat_segera", dt.date(2024, 1, 22)), ("segera", dt.date(2024, 1, 23)),
     ("biasa", dt.date(2024, 1, 26)), ("rahasia", dt.date(2024, 1, 26))],
)
def test_deadline_skips_the_weekend(sifat: str, due: dt.date) -> None:
    friday = dt.date(2024, 1, 19)
    assert response_deadline(friday, sifat, WorkCalendar()) == due


@pytest.mark.parametrize(
    ("sifat", "with_cuti", "without_cuti"),
    [
        # 8, 9, 12, 15 April: cuti bersama; 10, 11 April: Idul Fitri; 13-14: weekend.
        ("sangat_segera", dt.date(2024, 4, 16), dt.date(2024, 4, 8)),
        ("segera", dt.date(2024, 4, 17), dt.date(2024, 4, 9)),
        ("biasa", dt.date(2024, 4, 22), dt.date(2024, 4, 16)),
    ],
)
def test_deadline_across_idul_fitri(sifat: str, with_cuti: dt.date, without_cuti: dt.date) -> None:
    friday = dt.date(2024, 4, 5)
    assert response_deadline(friday, sifat, WorkCalendar(cuti_bersama=True)) == with_cuti
    assert response_deadline(friday, sifat, WorkCalendar(cuti_bersama=False)) == without_cuti


def test_deadline_from_a_day_off_and_zero_days() -> None:
    saturday = dt.date(2024, 1, 20)
    assert response_deadline(saturday, "sangat_segera", WorkCalendar()) == dt.date(2024, 1, 22)
    assert response_deadline(saturday, "segera", WorkCalendar(), {"segera": 0}) == dt.date(2024, 1, 22)
    assert response_deadline(dt.date(2024, 1, 19), "segera", WorkCalendar(), {"segera": 0}) == dt.date(2024, 1, 19)
    extra = WorkCalendar(extra_holidays={"2024-01-22": "Hari jadi daerah"})
    assert response_deadline(dt.date(2024, 1, 19), "sangat_segera", extra) == dt.date(2024, 1, 23)


def test_deadline_days_definition_then_profile_then_default() -> None:
    plain, _ = disposisi_from_text(MINIMAL)
    custom, _ = disposisi_from_text(MINIMAL + "tenggat_hari_kerja: {biasa: 3}\n")
    assert deadline_days(plain) == DEFAULT_DEADLINE_DAYS["biasa"] == 5
    assert deadline_days(custom) == 3
    # A profile may carry its own table (``tenggat_disposisi``); the definition still wins.
    profile = types.SimpleNamespace(tenggat_disposisi={"biasa": 7})
    assert deadline_days(plain, profile) == 7  # type: ignore[arg-type]
    assert deadline_days(custom, profile) == 3  # type: ignore[arg-type]


# --------------------------------------------------------------------------- rendering


def test_renders_every_field_ticks_and_decision(example_copy: Path) -> None:
    result = render_disposisi_file(example_copy / "disposisi.yaml", example_copy / "out")
    out = result.docx[0]
    assert out.name == "Disposisi_000.1.2_004_Disnakertrans_2024.docx"
    lines = paragraphs(out)
    text = "\n".join(lines)
    for expected in (
        "PEMERINTAH PROVINSI CONTOH",
        "DINAS KETENAGAKERJAAN DAN TRANSMIGRASI",
        "LEMBAR DISPOSISI",
        "Surat dari\t:\tKasubbag PKP",
        "No. Surat\t:\t000.1.2/004/Disnakertrans/2024",
        "Tgl. Surat\t:\t18 Januari 2024",
        "Diterima Tgl.\t:\t18 Januari 2024",
        "No. Agenda\t:\t012",
        "Perihal\t:\tRekapitulasi Hasil Pengumpulan Data atau Pendataan Kegiatan Tahun 2024",
        "1.\tSekretaris",
        "2.\tKasubbag PKP",
        "Batas waktu tanggapan: Selasa, 23 Januari 2024 (2 hari kerja)",
        "Rekapitulasi sudah lengkap dan sesuai dengan data yang dikumpulkan. Lanjutkan penyusunan laporan kinerja.",
        "Kota Contoh, 19 Januari 2024",
        "Kepala Dinas Ketenagakerjaan dan Transmigrasi,",
        "DIDUGARNAWI, S.Pd., M.M.",
        "Pembina Utama Muda (IV/c)",
        "NIP. 19720319 198003 1 001",
    ):
        assert expected in lines, expected
    sifat = next(line for line in lines if line.startswith("Sifat"))
    assert sifat == (
        f"Sifat\t:\t{BOX}{NBSP}Sangat Segera\t{CHOSEN}{NBSP}Segera\t{BOX}{NBSP}Biasa\t{BOX}{NBSP}Rahasia"
    )
    decision = next(line for line in lines if line.startswith("Keputusan"))
    assert decision == f"Keputusan\t:\t{CHOSEN}{NBSP}Disetujui\t{BOX}{NBSP}Dikembalikan untuk dilengkapi"
    # The checklist: every fixed item, chosen ones filled, plus the custom one.
    chosen = {"Proses lebih lanjut", "Arsipkan", "Simpan dokumen pendataan sebagai satu berkas arsip (langkah 8 SOP)"}
    for label in [*INSTRUKSI.values(), *chosen]:
        mark = CHOSEN if label in chosen else BOX
        assert f"{mark}\t{label}" in lines, label
        label_runs = [r for r in runs_with(out, label) if run_text(r).strip() == label]
        assert label_runs and all(is_bold(r) == (label in chosen) for r in label_runs), label
    assert runs_with(out, "Disetujui") and all(is_bold(r) for r in runs_with(out, "Disetujui"))
    assert not any(is_bold(r) for r in runs_with(out, "Dikembalikan untuk dilengkapi"))
    assert "{{" not in text and "{%" not in text
    # Half folio, upright: 165 x 215 mm.
    size = document_root(out).find(f"{W}body/{W}sectPr/{W}pgSz")
    assert (int(size.get(W + "w")), int(size.get(W + "h"))) == (9354, 12189)
    with zipfile.ZipFile(out) as package:
        core = package.read("docProps/core.xml").decode("utf-8")
    assert "Lembar Disposisi 000.1.2/004/Disnakertrans/2024" in core
    # The only warning is the example profile's implausible NIP.
    assert [w.field for w in result.warnings] == ["kepala.nip"]


def test_returned_decision_and_printed_initials(example_copy: Path) -> None:
    data = example_data() | {
        "keputusan": "dikembalikan",
        "catatan": "Data Kecamatan Timur belum ada.\nLengkapi lalu ajukan kembali.",
        "paraf": "DG",
        "instruksi": ["tanggapi_saran"],
        "instruksi_lain": [],
    }
    out, lines = render(example_copy, data)
    decision = next(line for line in lines if line.startswith("Keputusan"))
    assert decision == f"Keputusan\t:\t{BOX}{NBSP}Disetujui\t{CHOSEN}{NBSP}Dikembalikan untuk dilengkapi"
    assert all(is_bold(r) for r in runs_with(out, "Dikembalikan untuk dilengkapi"))
    assert "Data Kecamatan Timur belum ada.\nLengkapi lalu ajukan kembali." in lines
    assert "DG" in lines
    assert f"{CHOSEN}\tTanggapi dan saran" in lines and f"{BOX}\tArsipkan" in lines


def test_without_decision_the_row_is_left_out(example_copy: Path) -> None:
    data = example_data()
    del data["keputusan"]
    _, lines = render(example_copy, data)
    assert not any(line.startswith("Keputusan") for line in lines)
    assert not any("Disetujui" in line for line in lines)
    assert "Batas waktu tanggapan: Selasa, 23 Januari 2024 (2 hari kerja)" in lines


def test_deadline_in_the_document_follows_the_profile_calendar(example_copy: Path) -> None:
    data = example_data() | {"tanggal_surat": "03 April 2024", "diterima_tanggal": "04 April 2024",
                             "tanggal": "05 April 2024", "sifat": "sangat_segera"}
    _, lines = render(example_copy, data)
    assert "Batas waktu tanggapan: Selasa, 16 April 2024 (1 hari kerja)" in lines
    profile = example_copy / "profil.yaml"
    text = profile.read_text(encoding="utf-8")
    assert "  cuti_bersama: true" in text
    profile.write_text(text.replace("  cuti_bersama: true", "  cuti_bersama: false"), encoding="utf-8")
    _, lines = render(example_copy, data)
    assert "Batas waktu tanggapan: Senin, 08 April 2024 (1 hari kerja)" in lines


def test_explicit_deadline_and_day_off_warnings(example_copy: Path) -> None:
    data = example_data() | {"tanggal": "20 Januari 2024", "batas_waktu": "10 April 2024"}
    result = render_disposisi_file(write_definition(example_copy, data), example_copy / "out")
    lines = paragraphs(result.docx[0])
    assert "Batas waktu tanggapan: Rabu, 10 April 2024" in lines
    warnings = {w.field: w for w in result.warnings}
    assert "Sabtu" in warnings["tanggal"].message
    assert "Idul Fitri" in warnings["batas_waktu"].message
    assert warnings["batas_waktu"].line is not None and warnings["batas_waktu"].severity == "warning"


HOSTILE = [
    "& < > \" '",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "{{ ''.__class__.__mro__ }}",
    "</w:t></w:r></w:p><w:p><w:r><w:t>injected",
    "{%r endif %}{%tr endif %}",
    "emoji \U0001f600 \u2705",
    "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 right-to-left \u05e2\u05d1\u05e8\u05d9\u05ea",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_render_literally(example_copy: Path, value: str) -> None:
    data = example_data() | {
        "surat_dari": value,
        "nomor_surat": value,
        "perihal": value,
        "nomor_agenda": value,
        "diteruskan_kepada": [value, "Sekretaris"],
        "instruksi_lain": [value],
        "catatan": value,
        "paraf": value[:30],
    }
    out, lines = render(example_copy, data)
    assert f"Surat dari\t:\t{value}" in lines
    # the number is fitted on one line; one too long even at 8 pt may break after a "/"
    # (a zero-width space follows each slash then)
    assert f"No. Surat\t:\t{value}" in [line.replace("\u200b", "") for line in lines]
    assert f"Perihal\t:\t{value}" in lines
    assert f"No. Agenda\t:\t{value}" in lines
    assert f"1.\t{value}" in lines and "2.\tSekretaris" in lines
    assert f"{CHOSEN}\t{value}" in lines
    assert value in lines and value[:30] in lines
    # Nothing after the values was lost, and no template code ran.
    assert "NIP. 19720319 198003 1 001" in lines
    assert "49" not in "\n".join(lines).replace(value, "")
    with zipfile.ZipFile(out) as package:
        core = package.read("docProps/core.xml")
    title = etree.fromstring(core).find("{http://purl.org/dc/elements/1.1/}title")
    assert title is not None and title.text == f"Lembar Disposisi {value}"


def test_long_values_still_render(example_copy: Path) -> None:
    long = "x" * 5000
    out, lines = render(example_copy, example_data() | {"perihal": long, "catatan": long})
    assert f"Perihal\t:\t{long}" in lines and long in lines
    assert "NIP. 19720319 198003 1 001" in lines


# --------------------------------------------------------------------------- template


def test_builtin_template_passes_the_template_check(tmp_path: Path) -> None:
    # Only this kind's template in the folder, so only this kind is checked.
    shutil.copy(builtin_templates_dir() / "disposisi.docx", tmp_path / "disposisi.docx")
    reports = {r.kind: r for r in check_templates(tmp_path)}
    assert list(reports) == ["disposisi"]
    report = reports["disposisi"]
    assert report.ok, (report.unknown, report.errors)
    assert report.missing == []


def test_committed_template_matches_its_builder(tmp_path: Path) -> None:
    scripts = ROOT / "scripts"
    committed = ROOT / "templates" / "disposisi.docx"
    if not (scripts / "tpl_disposisi.py").is_file() or not committed.is_file():
        pytest.skip("not a source checkout")
    sys.path.insert(0, str(scripts))
    try:
        import tpl_disposisi
    finally:
        sys.path.remove(str(scripts))
    built = tpl_disposisi.build(tmp_path)
    with zipfile.ZipFile(built) as fresh, zipfile.ZipFile(committed) as old:
        assert fresh.read("word/document.xml") == old.read("word/document.xml"), (
            "templates/disposisi.docx is stale: run python scripts/build_templates.py disposisi"
        )


# --------------------------------------------------------------------------- PDF


@requires_libreoffice()
def test_pdf_is_one_half_folio_page_in_the_document_font(example_copy: Path) -> None:
    result = render_disposisi_file(example_copy / "disposisi.yaml", example_copy / "out", pdf=True)
    reader = PdfReader(result.pdf[0])
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width_mm = float(page.mediabox.width) * 25.4 / 72
    height_mm = float(page.mediabox.height) * 25.4 / 72
    assert abs(width_mm - 165) < 0.5 and abs(height_mm - 215) < 0.5
    fonts = {str(ref.get_object()["/BaseFont"]) for ref in page["/Resources"]["/Font"].values()}
    # The squares must come from the document's font (the profile's Arial, printed with
    # Liberation Sans), not a fallback (DejaVu, OpenSymbol).
    assert fonts and all("LiberationSans" in f or "Arial" in f for f in fonts), fonts
    text = page.extract_text()
    assert f"{CHOSEN} Segera" in text or f"{CHOSEN}Segera" in text.replace(NBSP, "")
    assert text.count(CHOSEN) == 5  # sifat, 3 instructions, decision
    assert text.count(BOX) == 3 + 9 + 1
    assert "Selasa, 23 Januari 2024" in text
    assert "NIP. 19720319 198003 1 001" in text
