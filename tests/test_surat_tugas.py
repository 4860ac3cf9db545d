"""The surat tugas: definition checks, working-day wording, rendering, numbers from the register."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, ROOT, requires_libreoffice
from docx import Document

from sopdocs.indonesian.dates import DateStyle
from sopdocs.errors import RenderError, SopdocsError, ValidationError
from sopdocs.numbering.rules import register_for
from sopdocs.definitions.profile import load_profile
from sopdocs.docx.render import template_variables
from sopdocs.kinds.surattugas import (
    KIND,
    MAX_INLINE,
    TEMPLATE,
    calendar_problems,
    load_surat_tugas,
    rentang_tanggal,
    surat_tugas_context,
    surat_tugas_from_text,
)
from sopdocs.archive.archive import Archive
from sopdocs.docx.templateset import TemplateSet
from sopdocs.workflow.issue import render_surat_tugas_file

EXAMPLE_PEOPLE = [
    ("RAHMAT HIDAYAT, S.E.", "19850312 201001 1 004"),
    ("NUR AINI SAFITRI, A.Md.", "19900721 201503 2 002"),
    ("ANDI PRATAMA", "19930115 201903 1 005"),
]
FIRST_NUMBER = "800.1.11.1/001/Disnakertrans/2024"


# --------------------------------------------------------------- helpers


def people(count: int) -> list[dict[str, str]]:
    """``count`` invented people with distinct, well-formed NIPs."""
    out = []
    for i in range(count):
        birth = dt.date(1980 + i % 15, i % 12 + 1, i % 27 + 1)
        nip = f"{birth:%Y%m%d}{birth.year + 25}{(i * 5) % 12 + 1:02d}{1 + i % 2}{i + 1:03d}"
        out.append(
            {"nama": f"Pegawai Contoh Nomor {i + 1}", "nip": nip, "pangkat": "Penata Muda",
             "golongan": "III/a", "jabatan": "Pengolah Data"}
        )
    return out


def definition(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load((EXAMPLES / "surat-tugas.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def write(folder: Path, data: dict[str, Any], name: str = "st.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def spaced(nip: str) -> str:
    digits = nip.replace(" ", "")
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def all_text(path: Path) -> str:
    """Every paragraph of the body and of every table cell, in order."""
    document = Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines.extend(p.text for p in cell.paragraphs)
    return "\n".join(lines)


def xml(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read("word/document.xml").decode("utf-8")


@pytest.fixture
def st25(example_copy: Path) -> Path:
    """A 25-person surat tugas signed a.n. the head (next to a copy of the example profile)."""
    return write(
        example_copy,
        definition(
            kepada=people(25),
            penandatangan={"atas_nama": True, "jabatan": "Sekretaris", "nama": "Drs. SURYA ADIPUTRA, M.Si.",
                           "nip": "19700505 199503 1 002", "pangkat": "Pembina Tingkat I", "golongan": "IV/b"},
        ),
        "st25.yaml",
    )


# --------------------------------------------------------------- the example letter


def test_example_letter_three_people(example_copy: Path, tmp_path: Path) -> None:
    archive = tmp_path / "arsip"
    result = render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path / "out", archive=archive)
    assert result.numbers == [FIRST_NUMBER]
    (docx,) = result.docx
    assert docx == tmp_path / "out" / "Surat_Tugas_800.1.11.1_001_Disnakertrans_2024.docx"
    text = all_text(docx)
    raw = xml(docx)
    assert "SURAT TUGAS" in text
    assert f"Nomor: {FIRST_NUMBER}" in text
    assert "MENUGASKAN:" in text
    for name, nip in EXAMPLE_PEOPLE:
        assert name in text and name in raw
        assert spaced(nip) in text and spaced(nip) in raw
    assert "Pangkat/Golongan\t:\tPenata (III/c)" in text
    # a date inside a sentence has no leading zero, even with the profile's nol_di_depan
    assert "selama 3 (tiga) hari kerja, tanggal 8 s.d. 10 Januari 2024." in text
    assert "di wilayah Kota Contoh selama" in text
    assert "Demikian surat tugas ini dibuat untuk dilaksanakan dengan penuh tanggung jawab." in text
    assert "Ditetapkan di\t: Kota Contoh" in text and "pada tanggal\t: 05 Januari 2024" in text
    assert "Kepala Dinas Ketenagakerjaan dan Transmigrasi," in text
    assert "DIDUGARNAWI, S.Pd., M.M." in text and "NIP. 19720319 198003 1 001" in text
    assert "Pembina Utama Muda (IV/c)" in text
    assert re.search(r"Tembusan:\n1\.\tSekretaris Dinas.*\n2\.\tKepala Subbagian PKP\n3\.\tArsip", text)
    assert "daftar terlampir" not in text and "Lampiran Surat Tugas" not in text
    assert "{{" not in raw and "{%" not in raw
    # the profile's paper (A4 in the example), portrait
    assert re.search(r'<w:pgSz w:w="11906" w:h="16838"', raw)
    # the number is in the register, with the document
    with register_for(archive) as register:
        (row,) = register.list()
    assert (row.number, row.kind, row.status, row.date) == (FIRST_NUMBER, KIND, "terpakai", dt.date(2024, 1, 5))
    assert row.document is not None and row.document.startswith("berkas/SURAT-TUGAS-2024/data/")
    with Archive(archive, index=False) as store:  # the register points at the archived letter
        archived = store.resolve_reference(row.document)
    assert archived is not None and archived.read_bytes() == docx.read_bytes()
    assert row.subject.startswith("Surat tugas: Melaksanakan pengumpulan data") and row.subject.endswith("(3 orang)")
    # rendering the same letter again keeps its number; a new letter gets the next one
    again = render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path / "out", archive=archive)
    assert again.numbers == [FIRST_NUMBER]
    other = render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path / "out", archive=archive,
                                    new_number=True)
    assert other.numbers == ["800.1.11.1/002/Disnakertrans/2024"]
    assert other.docx[0] != docx and docx.is_file()


def test_profile_warning_is_passed_on(example_copy: Path, tmp_path: Path) -> None:
    result = render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path / "out", archive=tmp_path / "a")
    assert any(w.field == "kepala.nip" and "usia 8 tahun" in w.message for w in result.warnings)


def test_twenty_five_people_go_to_an_attached_list(st25: Path, tmp_path: Path) -> None:
    result = render_surat_tugas_file(st25, tmp_path / "surat.docx", archive=tmp_path / "arsip")
    (docx,) = result.docx
    assert docx == tmp_path / "surat.docx"
    text = all_text(docx)
    raw = xml(docx)
    assert "Kepada\t:\t25 (dua puluh lima) orang sebagaimana tercantum dalam daftar terlampir." in text
    assert "Nama\t:" not in text  # nobody listed inline
    assert "Lampiran Surat Tugas" in text
    assert f"Nomor\t:\t{FIRST_NUMBER}" in text and "Tanggal\t:\t05 Januari 2024" in text
    document = Document(str(docx))
    tables = [t for t in document.tables if t.rows[0].cells[0].text == "No"]
    assert len(tables) == 1
    rows = tables[0].rows
    assert [c.text for c in rows[0].cells] == ["No", "Nama", "NIP", "Pangkat/Gol.", "Jabatan"]
    assert len(rows) == 26
    for index, (row, person) in enumerate(zip(rows[1:], people(25)), start=1):
        assert [c.text for c in row.cells] == [
            str(index), person["nama"], spaced(person["nip"]), "Penata Muda (III/a)", "Pengolah Data"
        ]
    assert "<w:tblHeader/>" in raw  # the heading row repeats on every page
    assert "<w:pageBreakBefore/>" in raw  # the list starts on its own page
    # signed a.n. the head, in the letter and again under the list
    assert text.count("a.n. Kepala Dinas Ketenagakerjaan dan Transmigrasi\nSekretaris,") == 2
    assert text.count("NIP. 19700505 199503 1 002") == 2


def test_attached_list_threshold(example_copy: Path, tmp_path: Path) -> None:
    at_limit = write(example_copy, definition(kepada=people(MAX_INLINE)), "a.yaml")
    text = all_text(render_surat_tugas_file(at_limit, tmp_path / "a.docx", archive=tmp_path / "x").docx[0])
    assert text.count("Nama\t:") == MAX_INLINE and "daftar terlampir" not in text
    forced = write(example_copy, definition(kepada=people(2), lampiran=True), "b.yaml")
    text = all_text(render_surat_tugas_file(forced, tmp_path / "b.docx", archive=tmp_path / "x").docx[0])
    assert "2 (dua) orang sebagaimana tercantum dalam daftar terlampir." in text


def test_f4_paper_from_the_profile(example_copy: Path, tmp_path: Path) -> None:
    profile = example_copy / "profil.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("kertas: A4", "kertas: F4"), encoding="utf-8")
    docx = render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path, archive=tmp_path / "a").docx[0]
    section = Document(str(docx)).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (215, 330)


# --------------------------------------------------------------- numbers given or reserved


def test_number_given_in_the_file_is_used_as_is(example_copy: Path, tmp_path: Path) -> None:
    path = write(example_copy, definition(nomor="800.1.11.1/073/434.100/2026"))
    result = render_surat_tugas_file(path, tmp_path / "out", archive=tmp_path / "arsip")
    assert result.numbers == ["800.1.11.1/073/434.100/2026"]
    assert result.docx[0].name == "Surat_Tugas_800.1.11.1_073_434.100_2026.docx"
    assert "Nomor: 800.1.11.1/073/434.100/2026" in all_text(result.docx[0])
    # archived; another unit's number is not of this register's series: not recorded there
    assert not (tmp_path / "arsip" / "register.sqlite").exists()
    with Archive(tmp_path / "arsip", index=False) as store:
        assert [i.number for i in store.numbered_items()] == ["800.1.11.1/073/434.100/2026"]


def test_number_of_our_series_given_by_hand_is_recorded(example_copy: Path, tmp_path: Path) -> None:
    """A number from a hand-kept agenda book is recorded, so the register never issues it again."""
    archive = tmp_path / "arsip"
    path = write(example_copy, definition(nomor="800.1.11.1/007/Disnakertrans/2024"))
    render_surat_tugas_file(path, tmp_path / "out", archive=archive)
    with register_for(archive) as register:
        row = register.find("800.1.11.1/007/Disnakertrans/2024")
    assert row is not None and row.status == "terpakai" and (row.document or "").startswith("berkas/")
    again = render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path / "out", archive=archive)
    assert again.numbers == ["800.1.11.1/008/Disnakertrans/2024"]


def test_hostile_number_cannot_escape_the_output_folder(example_copy: Path, tmp_path: Path) -> None:
    path = write(example_copy, definition(nomor="../../../etc/passwd"))
    out = tmp_path / "out"
    result = render_surat_tugas_file(path, out, archive=tmp_path / "arsip")
    assert result.docx[0].parent == out
    assert "Nomor: ../../../etc/passwd" in all_text(result.docx[0])


def test_reserved_number_is_attached_after_rendering(example_copy: Path, tmp_path: Path) -> None:
    from sopdocs.numbering.rules import reserve_number

    profile, _ = load_profile(example_copy / "profil.yaml")
    archive = tmp_path / "arsip"
    booked = reserve_number(profile, KIND, date=dt.date(2024, 1, 5), subject="pendataan", archive=archive)
    path = write(example_copy, definition(nomor=booked.number))
    result = render_surat_tugas_file(path, tmp_path / "2024", archive=archive)
    with register_for(archive) as register:
        row = register.find(booked.number)
    assert row is not None and row.status == "terpakai"
    assert (row.document or "").startswith("berkas/SURAT-TUGAS-2024/data/")  # relative: the archive may move


def test_void_number_is_refused(example_copy: Path, tmp_path: Path) -> None:
    from sopdocs.numbering.rules import take_number

    profile, _ = load_profile(example_copy / "profil.yaml")
    archive = tmp_path / "arsip"
    issued = take_number(profile, KIND, date=dt.date(2024, 1, 5), subject="x", archive=archive)
    with register_for(archive) as register:
        register.void(issued.number, "salah ketik")
    path = write(example_copy, definition(nomor=issued.number))
    with pytest.raises(ValidationError, match="dibatalkan") as info:
        render_surat_tugas_file(path, tmp_path / "out", archive=archive)
    assert info.value.problems[0].field == "nomor" and info.value.problems[0].line is not None
    assert not (tmp_path / "out").exists()


def test_unknown_number_gives_a_warning(example_copy: Path, tmp_path: Path) -> None:
    archive = tmp_path / "arsip"
    render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path / "out", archive=archive)
    path = write(example_copy, definition(nomor="800.1.11.1/999/Disnakertrans/2024"))
    result = render_surat_tugas_file(path, tmp_path / "out", archive=archive)
    assert any(w.field == "nomor" and "tidak tercatat" in w.message for w in result.warnings)


def test_broken_template_spends_no_number(example_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "templat"
    folder.mkdir()
    document = Document()
    document.add_paragraph("{{ surat.nomor }} {{ variabel_yang_tidak_ada }}")
    document.save(str(folder / TEMPLATE))
    archive = tmp_path / "arsip"
    with pytest.raises(RenderError, match="variabel_yang_tidak_ada"):
        render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path / "out", templates=folder, archive=archive)
    assert not list((tmp_path / "out").glob("*.docx"))
    assert not (archive / "register.sqlite").exists()


def test_failed_write_gives_the_number_back(example_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    blocker = out / "Surat_Tugas_800.1.11.1_001_Disnakertrans_2024.docx"
    blocker.mkdir(parents=True)  # in the way
    archive = tmp_path / "arsip"
    with pytest.raises(SopdocsError, match="tidak dapat ditulis"):
        render_surat_tugas_file(example_copy / "surat-tugas.yaml", out, archive=archive)
    with register_for(archive) as register:
        assert register.list() == []  # nothing was issued after it: given back, no gap
    assert not (archive / "berkas").exists() or not any((archive / "berkas").iterdir())
    blocker.rmdir()
    again = render_surat_tugas_file(example_copy / "surat-tugas.yaml", out, archive=archive)
    assert again.numbers == [FIRST_NUMBER]


def test_output_folder_that_cannot_exist_spends_no_number(example_copy: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "berkas"
    blocker.write_text("x", encoding="utf-8")
    archive = tmp_path / "arsip"
    with pytest.raises(SopdocsError, match="folder keluaran"):
        render_surat_tugas_file(example_copy / "surat-tugas.yaml", blocker / "out", archive=archive)
    assert not (archive / "register.sqlite").exists()


# --------------------------------------------------------------- hostile values


HOSTILE = {
    "amp": "Tim A & B <Bidang> \"Data\" 'Lapangan'",
    "jinja": "{{ 7*7 }} {% if true %}x{% endif %}",
    "xml": "</w:t></w:r></w:p><w:p><w:r><w:t>disisipkan",
    "emoji": "Pendataan \U0001f4cb\u2705 \U0001f600",
}


def test_hostile_values_render_literally(example_copy: Path, tmp_path: Path) -> None:
    crew = people(2)
    crew[0]["nama"] = HOSTILE["amp"]
    crew[1]["jabatan"] = HOSTILE["jinja"]
    data = definition(
        kepada=crew,
        dasar=[HOSTILE["xml"], HOSTILE["emoji"]],
        untuk="Mengumpulkan data {{ 7*7 }} & <lainnya>",
        tempat="Desa \"Maju\" & 'Jaya'",
        tembusan=["{{ profil.kepala.nama }}", HOSTILE["emoji"]],
    )
    path = write(example_copy, data)
    docx = render_surat_tugas_file(path, tmp_path / "out", archive=tmp_path / "a").docx[0]
    text = all_text(docx)
    assert f"1.\tNama\t:\t{HOSTILE['amp']}\n" in text  # literal
    assert f"Jabatan\t:\t{HOSTILE['jinja']}" in text
    assert HOSTILE["xml"] in text and HOSTILE["emoji"] in text
    assert "Mengumpulkan data {{ 7*7 }} & <lainnya> di Desa \"Maju\" & 'Jaya' selama" in text
    assert "{{ profil.kepala.nama }}" in text
    assert "49" not in text
    assert "Demikian surat tugas ini dibuat" in text  # nothing after the values was lost
    raw = xml(docx)
    assert "&amp; B &lt;Bidang&gt;" in raw and "<w:t>disisipkan" not in raw


# --------------------------------------------------------------- working days and dates


def ctx(text: str, *, profile_file: Path = EXAMPLES / "profil.yaml", **changes: Any) -> dict[str, Any]:
    st, _ = surat_tugas_from_text(yaml.safe_dump(definition(**changes), allow_unicode=True), "st.yaml")
    profile, _ = load_profile(profile_file)
    return surat_tugas_context(st, profile, "X/1/2024")["surat"][text]


def test_three_working_days() -> None:
    assert ctx("waktu") == "selama 3 (tiga) hari kerja, tanggal 8 s.d. 10 Januari 2024"  # running text: no zero
    assert ctx("lama") == "3 (tiga) hari kerja"


def test_one_day_and_month_and_year_boundaries() -> None:
    assert ctx("waktu", tanggal_selesai="08 Januari 2024") == "selama 1 (satu) hari kerja, tanggal 8 Januari 2024"
    assert ctx("waktu", tanggal_selesai=None) == "selama 1 (satu) hari kerja, tanggal 8 Januari 2024"
    assert ctx("waktu", tanggal_mulai="30 Januari 2024", tanggal_selesai="2 Februari 2024") == (
        "selama 4 (empat) hari kerja, tanggal 30 Januari s.d. 2 Februari 2024"
    )
    # 1 January 2025 is a public holiday
    assert ctx("waktu", tanggal_mulai="30 Desember 2024", tanggal_selesai="2 Januari 2025") == (
        "selama 3 (tiga) hari kerja, tanggal 30 Desember 2024 s.d. 2 Januari 2025"
    )


def test_weekend_is_not_counted_unless_asked() -> None:
    assert ctx("lama", tanggal_mulai="Jumat, 12 Januari 2024", tanggal_selesai="Senin, 15 Januari 2024") == (
        "2 (dua) hari kerja"
    )
    assert ctx("lama", tanggal_mulai="12 Januari 2024", tanggal_selesai="15 Januari 2024", hitungan="hari") == (
        "4 (empat) hari"
    )


def test_profile_holidays_count(example_copy: Path) -> None:
    profile = example_copy / "profil.yaml"
    profile.write_text(
        profile.read_text(encoding="utf-8").replace("tambahan: {}", 'tambahan: {"2024-01-09": Hari Jadi Kota Contoh}'),
        encoding="utf-8",
    )
    assert ctx("lama", profile_file=profile) == "2 (dua) hari kerja"


def test_date_ranges_follow_the_profile_style() -> None:
    plain = DateStyle()
    assert rentang_tanggal(dt.date(2024, 1, 8), dt.date(2024, 1, 10), plain) == "8 s.d. 10 Januari 2024"
    assert rentang_tanggal(dt.date(2024, 1, 8), dt.date(2024, 1, 8), plain) == "8 Januari 2024"
    assert rentang_tanggal(dt.date(2024, 1, 30), dt.date(2024, 2, 2), plain) == "30 Januari s.d. 2 Februari 2024"
    days = DateStyle(dengan_hari=True)
    assert rentang_tanggal(dt.date(2024, 1, 8), dt.date(2024, 1, 10), days) == (
        "hari Senin s.d. Rabu, tanggal 8 s.d. 10 Januari 2024"
    )


def test_task_on_days_off_only(example_copy: Path) -> None:
    text = yaml.safe_dump(definition(tanggal_mulai="13 Januari 2024", tanggal_selesai="14 Januari 2024"))
    st, _ = surat_tugas_from_text(text, "st.yaml")
    profile, _ = load_profile(EXAMPLES / "profil.yaml")
    (problem,) = calendar_problems(st, profile)
    assert problem.severity == "error" and problem.field == "tanggal_mulai" and "hitungan: hari" in problem.message
    path = write(example_copy, definition(tanggal_mulai="13 Januari 2024", tanggal_selesai="14 Januari 2024"))
    with pytest.raises(ValidationError, match="tidak ada hari kerja"):
        render_surat_tugas_file(path, example_copy / "out", archive=example_copy / "arsip")
    assert not (example_copy / "out").exists()


def test_start_on_a_holiday_is_a_warning() -> None:
    text = yaml.safe_dump(definition(tanggal="2 Februari 2024", tanggal_mulai="8 Februari 2024", tanggal_selesai="13 Februari 2024"))
    st, _ = surat_tugas_from_text(text, "st.yaml")
    profile, _ = load_profile(EXAMPLES / "profil.yaml")
    (problem,) = calendar_problems(st, profile)
    assert problem.severity == "warning" and problem.field == "tanggal_mulai" and "Isra" in problem.message


# --------------------------------------------------------------- signer


def signer(**given: Any) -> dict[str, Any]:
    st, _ = surat_tugas_from_text(yaml.safe_dump(definition(penandatangan=given or None)), "st.yaml")
    profile, _ = load_profile(EXAMPLES / "profil.yaml")
    return surat_tugas_context(st, profile, "X")["penandatangan"]


def test_signer_forms() -> None:
    head = signer()
    assert head["baris_jabatan"] == ["Kepala Dinas Ketenagakerjaan dan Transmigrasi,"]
    assert (head["nama"], head["nip"]) == ("DIDUGARNAWI, S.Pd., M.M.", "19720319 198003 1 001")
    an = signer(atas_nama=True, jabatan="Sekretaris", nama="SEKRETARIS", nip="197005051995031002")
    assert an["baris_jabatan"] == ["a.n. Kepala Dinas Ketenagakerjaan dan Transmigrasi", "Sekretaris,"]
    assert an["nip"] == "19700505 199503 1 002"
    named = signer(atas_nama="Kepala Dinas X", jabatan="Kepala Bidang Y,", nama="Z")
    assert named["baris_jabatan"] == ["a.n. Kepala Dinas X", "Kepala Bidang Y,"]
    plt = signer(plt=True, nama="PLT KEPALA")
    assert plt["baris_jabatan"] == ["Plt. Kepala Dinas Ketenagakerjaan dan Transmigrasi,"]
    assert plt["nip"] == ""


def test_plt_signer_in_the_document(example_copy: Path, tmp_path: Path) -> None:
    path = write(example_copy, definition(penandatangan={"plt": True, "nama": "Ir. PELAKSANA TUGAS", "pangkat": "Pembina"}))
    text = all_text(render_surat_tugas_file(path, tmp_path, archive=tmp_path / "a").docx[0])
    assert "Plt. Kepala Dinas Ketenagakerjaan dan Transmigrasi,\n" in text
    assert "Ir. PELAKSANA TUGAS\nPembina" in text
    assert "NIP. " not in text  # no NIP given: no empty NIP line


def test_single_basis_is_not_numbered(example_copy: Path, tmp_path: Path) -> None:
    path = write(example_copy, definition(dasar="Perintah lisan Kepala Dinas"))
    text = all_text(render_surat_tugas_file(path, tmp_path, archive=tmp_path / "a").docx[0])
    assert "Dasar\t:\tPerintah lisan Kepala Dinas\n" in text
    assert "1.\tPerintah lisan" not in text


# --------------------------------------------------------------- validation


def problems_of(data: dict[str, Any] | str) -> list[Any]:
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with pytest.raises(ValidationError) as info:
        surat_tugas_from_text(text, "st.yaml")
    return info.value.problems


def test_example_definition_is_valid() -> None:
    st, warnings = load_surat_tugas(EXAMPLES / "surat-tugas.yaml")
    assert warnings == []
    assert len(st.kepada) == 3 and st.nomor == "" and st.diktum == "MENUGASKAN"


def test_all_problems_at_once_with_lines() -> None:
    text = (
        "tanggal: 31 Februari 2024\n"  # 1
        "dasar: []\n"  # 2
        "kepada:\n"  # 3
        "  - nama: A\n"  # 4
        "    nip: '1985031220100110'\n"  # 5: 16 digits
        "    jabatn: Staf\n"  # 6
        "untuk: tugas\n"  # 7
        "tanggal_mulai: 8 Januari 2024\n"  # 8
        "diktum: memerintahkan\n"  # 9
        "warna: merah\n"  # 10
    )
    found = {(p.field, p.line) for p in problems_of(text)}
    assert found == {
        ("tanggal", 1), ("dasar", 2), ("kepada[1].nip", 5), ("kepada[1].jabatn", 6),
        ("kepada[1].jabatan", 4), ("tempat", 1), ("diktum", 9), ("warna", 10),
    }


def test_end_before_start_and_duplicate_nip() -> None:
    crew = people(2)
    crew[1]["nip"] = crew[0]["nip"]
    found = problems_of(definition(kepada=crew, tanggal_selesai="7 Januari 2024"))
    fields = {p.field: p.message for p in found}
    assert "lebih awal" in fields["tanggal_selesai"]
    assert "sudah ada pada kepada[1]" in fields["kepada[2].nip"]


def test_nip_warnings_and_a_n_without_title() -> None:
    crew = people(1)
    crew[0]["nip"] = "19900101 199501 1 001"  # appointed at 5
    st, warnings = surat_tugas_from_text(yaml.safe_dump(definition(kepada=crew)), "st.yaml")
    assert [w.field for w in warnings] == ["kepada[1].nip"]
    found = problems_of(definition(penandatangan={"atas_nama": True, "nama": "X"}))
    assert [p.field for p in found] == ["penandatangan.jabatan"]


# --------------------------------------------------------------- CLI and registration


def cli_render(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    from sopdocs.cli import main

    return main(["render", KIND, *argv])


def test_cli_bad_definition_exit_2_no_output(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOPDOCS_ARCHIVE", str(tmp_path / "arsip"))
    text = (example_copy / "surat-tugas.yaml").read_text(encoding="utf-8")
    text = text.replace("tanggal_mulai: 08 Januari 2024", "tanggal_mulai: 32 Januari 2024")
    text = text.replace("tempat: wilayah Kota Contoh", "tempatnya: wilayah Kota Contoh")
    text = text.replace("untuk: >-", "untk: >-")
    bad = example_copy / "rusak.yaml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert cli_render(monkeypatch, str(bad), "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = text.splitlines()
    expect = {
        "tanggal_mulai": lines.index("tanggal_mulai: 32 Januari 2024") + 1,
        "tempatnya": next(i for i, l in enumerate(lines, 1) if l.startswith("tempatnya:")),
        "untk": lines.index("untk: >-") + 1,
    }
    for field, line in expect.items():
        assert f"{bad}:{line}: {field}:" in err
    assert f": untuk: wajib diisi" in err and ": tempat: wajib diisi" in err
    assert not out.exists()
    assert not (tmp_path / "arsip" / "register.sqlite").exists()  # no number was spent


def test_cli_render_prints_the_document(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOPDOCS_ARCHIVE", str(tmp_path / "arsip"))
    assert cli_render(monkeypatch, str(example_copy / "surat-tugas.yaml"), "-o", str(tmp_path / "out")) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(tmp_path / "out" / "Surat_Tugas_800.1.11.1_001_Disnakertrans_2024.docx")
    assert "usia 8 tahun" in captured.err  # the profile's NIP warning


def test_subprocess_bad_definition(tmp_path: Path) -> None:
    bad = tmp_path / "st.yaml"
    bad.write_text("tanggal: kemarin\nkepada: 5\n", encoding="utf-8")
    code = "from sopdocs.cli import entry_point; entry_point()"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOPDOCS_ARCHIVE": str(tmp_path / "arsip")}
    proc = subprocess.run(
        [sys.executable, "-c", code, "render", KIND, str(bad), "-o", str(tmp_path / "out")],
        capture_output=True, env=env, cwd=tmp_path, timeout=120,
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert f"{bad}:1: tanggal:" in err and f"{bad}:2: kepada:" in err
    assert not (tmp_path / "out").exists()


def test_document_kind_and_template_agree(tmp_path: Path) -> None:
    from sopdocs.kinds.registry import _KINDS, check_templates

    kind = _KINDS[KIND]
    assert kind.template == TEMPLATE
    used = template_variables(TemplateSet().path(TEMPLATE))
    assert used <= kind.provides
    assert kind.required <= used
    sample = kind.sample()
    assert set(sample) == kind.provides
    folder = tmp_path / "templat"
    folder.mkdir()
    shutil.copy(TemplateSet().path(TEMPLATE), folder / TEMPLATE)
    reports = [r for r in check_templates(folder) if r.kind == KIND]
    assert len(reports) == 1 and reports[0].ok, reports


def test_template_is_built_by_the_script(tmp_path: Path) -> None:
    """templates/surat-tugas.docx is what scripts/tpl_surat_tugas.py makes (same text)."""
    proc = subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.path.insert(0, sys.argv[1]); import tpl_surat_tugas as t; "
         "from pathlib import Path; print(t.build(Path(sys.argv[2])))",
         str(ROOT / "scripts"), str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    built = xml(tmp_path / TEMPLATE)
    committed = xml(ROOT / "templates" / TEMPLATE)
    assert built == committed


# --------------------------------------------------------------- PDF (LibreOffice)


@requires_libreoffice()
@pytest.mark.slow
def test_letters_convert_to_pdf(example_copy: Path, st25: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    archive = tmp_path / "arsip"
    three = render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path / "out", archive=archive, pdf=True)
    many = render_surat_tugas_file(st25, tmp_path / "out", archive=archive, pdf=True)
    (pdf3,), (pdf25,) = three.pdf, many.pdf
    assert pdf3 == three.docx[0].with_suffix(".pdf")
    reader3, reader25 = PdfReader(pdf3), PdfReader(pdf25)
    # Arial 12 with margins left 3 cm and bottom 2.5 cm (the profile's defaults): the letter
    # and its signature fill page 1, the tembusan follows on page 2, numbered "- 2 -"
    # (it fitted one page in Times New Roman with 2.5 cm left and 2 cm bottom margins).
    assert len(reader3.pages) == 2
    first, second = (page.extract_text() or "" for page in reader3.pages)
    assert "NIP. 19720319 198003 1 001" in first and "Tembusan" not in first
    assert second.startswith("- 2 -") and "Tembusan" in second
    assert len(reader25.pages) == 2  # the letter, then the attached list
    text3 = " ".join((p.extract_text() or "") for p in reader3.pages)
    for name, nip in EXAMPLE_PEOPLE:
        assert name in text3 and spaced(nip) in text3
    assert "3 (tiga) hari kerja" in text3 and FIRST_NUMBER in text3
    last = reader25.pages[1].extract_text() or ""
    assert "Lampiran Surat Tugas" in last and "800.1.11.1/002/Disnakertrans/2024" in last
    assert "Pegawai Contoh Nomor 25" in last and spaced(people(25)[24]["nip"]) in last
    width, height = (float(v) * 25.4 / 72 for v in reader3.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (210, 297)
