"""Numbering glue: profile settings -> NumberingRule, archive folder -> register file."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pytest
from conftest import EXAMPLES

from sopdocs.errors import SopdocsError, ValidationError
from sopdocs.numbering.register import RESERVED, USED
from sopdocs.numbering.rules import (
    archive_dir,
    document_reference,
    register_for,
    register_path,
    reserve_number,
    rule_for,
    take_number,
)
from sopdocs.definitions.profile import AgencyProfile, load_profile

PROFILE_HEAD = """\
pemerintah: PEMERINTAH KABUPATEN SUKAMAJU
instansi: DINAS CONTOH
alamat: Jalan Contoh 1
kode_unit: "434.100"
kota: Sukamaju
kepala:
  jabatan: Kepala Dinas Contoh
  nama: NAMA KEPALA
"""


def write_profile(folder: Path, penomoran: str = "") -> Path:
    path = folder / "profil.yaml"
    path.write_text(PROFILE_HEAD + penomoran, encoding="utf-8")
    return path


def load(path: Path) -> AgencyProfile:
    profile, _ = load_profile(path)
    return profile


# --------------------------------------------------------------- archive folder


def test_archive_dir_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOPDOCS_ARCHIVE", raising=False)
    assert archive_dir(None) == tmp_path / "archive"
    monkeypatch.setenv("SOPDOCS_ARCHIVE", str(tmp_path / "dari-env"))
    assert archive_dir(None) == tmp_path / "dari-env"
    assert archive_dir(tmp_path / "eksplisit") == tmp_path / "eksplisit"


def test_register_lives_in_the_archive_folder(tmp_path: Path) -> None:
    archive = tmp_path / "arsip baru"
    assert not archive.exists()
    with register_for(archive) as register:
        register.list()
    assert register_path(archive) == archive / "register.sqlite"
    assert (archive / "register.sqlite").is_file()


def test_archive_that_is_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "arsip"
    blocker.write_text("bukan folder", encoding="utf-8")
    with pytest.raises(SopdocsError, match="bukan folder"):
        register_for(blocker)


def test_document_reference_is_relative_inside_the_archive(tmp_path: Path) -> None:
    archive = tmp_path / "arsip"
    inside = archive / "2024" / "surat.docx"
    outside = tmp_path / "lain" / "surat.docx"
    assert document_reference(inside, archive) == "2024/surat.docx"
    assert document_reference(outside, archive) == str(outside.resolve())


# --------------------------------------------------------------- rules


def test_rule_from_the_example_profile() -> None:
    profile = load(EXAMPLES / "profil.yaml")
    rule = rule_for(profile, "surat-tugas")
    assert (rule.kind, rule.code, rule.unit) == ("surat-tugas", "800.1.11.1", "Disnakertrans")
    assert (rule.pattern, rule.width, rule.reset, rule.scope, rule.insert_style) == (
        "{kode}/{nomor}/{unit}/{tahun}", 3, "tahunan", "per_klasifikasi", "titik",
    )
    assert rule.format_number(15, date=dt.date(2024, 1, 5)) == "800.1.11.1/015/Disnakertrans/2024"


def test_builtin_kinds_when_profile_has_no_penomoran(tmp_path: Path) -> None:
    """Each kind's default code comes from the kind registry, not from the profile model."""
    from sopdocs.kinds.registry import get_kind

    profile = load(write_profile(tmp_path))
    assert profile.penomoran.jenis == {}
    for name, code in (("surat-tugas", "800.1.11.1"), ("sop", "000.8.3.3"), ("surat-undangan", "005")):
        assert rule_for(profile, name, default_code=get_kind(name).code).code == code
    with pytest.raises(ValidationError, match="penomoran.jenis"):
        rule_for(profile, "surat-tugas")


def test_per_kind_settings_override_the_shared_ones(tmp_path: Path) -> None:
    profile = load(
        write_profile(
            tmp_path,
            """\
penomoran:
  pola: "{kode}/{nomor}/{unit}/{tahun}"
  lebar: 4
  lingkup: bersama
  jenis:
    surat-tugas: {kode: "094", pola: "{keamanan}-{kode}/{nomor}/{unit}/{bulan_romawi}/{tahun}", lebar: 2, keamanan: B, sisipan: huruf}
    nota-dinas: {kode: "000.1.2"}
""",
        )
    )
    st = rule_for(profile, "surat-tugas")
    assert (st.width, st.scope, st.insert_style, st.keamanan) == (2, "bersama", "huruf", "B")
    assert st.format_number(7, date=dt.date(2021, 7, 1)) == "B-094/07/434.100/VII/2021"
    nd = rule_for(profile, "nota-dinas")
    assert (nd.width, nd.pattern, nd.keamanan) == (4, "{kode}/{nomor}/{unit}/{tahun}", None)


def test_unknown_kind_names_profile_file_field_and_line(tmp_path: Path) -> None:
    path = write_profile(tmp_path, "penomoran:\n  jenis:\n    sop: {kode: \"000.8.3.3\"}\n")
    profile = load(path)
    with pytest.raises(ValidationError) as info:
        rule_for(profile, "surat-tugas", profile_file=path)
    (problem,) = info.value.problems
    assert problem.file == str(path)
    assert problem.field == "penomoran.jenis"
    assert problem.line == 10  # the `jenis:` line
    assert "surat-tugas" in problem.message and "sop" in problem.message


def test_unknown_kind_without_file_still_says_where(tmp_path: Path) -> None:
    profile = load(write_profile(tmp_path))
    with pytest.raises(ValidationError, match="penomoran.jenis") as info:
        rule_for(profile, "kuesioner")
    assert str(tmp_path) in str(info.value)


def test_default_code_numbers_a_kind_the_profile_does_not_list(tmp_path: Path) -> None:
    path = write_profile(
        tmp_path,
        "penomoran:\n  pola: \"{kode}/{nomor}/{unit}/{bulan_romawi}/{tahun}\"\n  lebar: 4\n"
        "  sisipan: huruf\n  jenis:\n    sop: {kode: \"000.8.3.3\"}\n",
    )
    profile = load(path)
    rule = rule_for(profile, "surat-undangan", profile_file=path, default_code="005")
    assert (rule.kind, rule.code, rule.unit, rule.width, rule.insert_style, rule.keamanan) == (
        "surat-undangan", "005", "434.100", 4, "huruf", None,
    )
    assert rule.format_number(3, date=dt.date(2024, 2, 1)) == "005/0003/434.100/II/2024"
    # a listed kind keeps its own code; without a default code an unlisted kind is refused
    assert rule_for(profile, "sop", default_code="999").code == "000.8.3.3"
    with pytest.raises(ValidationError, match="surat-undangan"):
        rule_for(profile, "surat-undangan", profile_file=path)
    with pytest.raises(ValidationError, match="kode klasifikasi bawaan jenis naskah 'surat-undangan'") as info:
        rule_for(profile, "surat-undangan", profile_file=path, default_code="0 5")
    (problem,) = info.value.problems
    assert (problem.file, problem.field) == (str(path), "penomoran.jenis")


def test_default_code_with_a_bad_shared_setting_blames_the_profile_key(tmp_path: Path) -> None:
    path = write_profile(tmp_path, "penomoran:\n  reset: bulanan\n")
    with pytest.raises(ValidationError) as info:
        rule_for(load(path), "surat-undangan", profile_file=path, default_code="005")
    assert {p.field for p in info.value.problems} == {"penomoran.pola"}


def test_bad_pattern_points_at_the_profile_key(tmp_path: Path) -> None:
    path = write_profile(
        tmp_path,
        "penomoran:\n  reset: bulanan\n  jenis:\n    surat-tugas: {kode: \"800\", pola: \"{kode}/{nomor}/{tahun}\"}\n"
        "    sop: {kode: \"000.8.3.3\"}\n",
    )
    profile = load(path)
    with pytest.raises(ValidationError) as info:
        rule_for(profile, "surat-tugas", profile_file=path)
    fields = {p.field for p in info.value.problems}
    assert fields == {"penomoran.jenis.surat-tugas.pola"}
    assert all(p.line == 12 and p.file == str(path) for p in info.value.problems)
    # the shared pattern has no {bulan} either: blamed on penomoran.pola for other kinds
    with pytest.raises(ValidationError) as info:
        rule_for(profile, "sop", profile_file=path)
    assert {p.field for p in info.value.problems} == {"penomoran.pola"}


# --------------------------------------------------------------- taking numbers


def test_take_number_counts_per_classification(tmp_path: Path) -> None:
    profile = load(EXAMPLES / "profil.yaml")
    archive = tmp_path / "arsip"
    day = dt.date(2024, 1, 8)
    first = take_number(profile, "surat-tugas", date=day, subject="Pendataan", archive=archive, document="a.docx")
    second = take_number(profile, "surat-tugas", date=day, subject="Pendataan 2", archive=archive)
    sop = take_number(profile, "sop", date=day, subject="SOP", archive=archive)
    assert [first.number, second.number, sop.number] == [
        "800.1.11.1/001/Disnakertrans/2024",
        "800.1.11.1/002/Disnakertrans/2024",
        "000.8.3.3/001/Disnakertrans/2024",
    ]
    with register_for(archive) as register:
        rows = register.list(year=2024, kind="surat-tugas")
    assert [(r.subject, r.document, r.status) for r in rows] == [
        ("Pendataan", "a.docx", "terpakai"),
        ("Pendataan 2", None, "terpakai"),
    ]


def test_shared_scope_and_inserted_number(tmp_path: Path) -> None:
    profile = load(
        write_profile(tmp_path, "penomoran:\n  lingkup: bersama\n  jenis:\n    a: {kode: \"001\"}\n    b: {kode: \"002\"}\n")
    )
    archive = tmp_path / "arsip"
    numbers = [
        take_number(profile, "a", date=dt.date(2024, 3, 1), subject="", archive=archive).number,
        take_number(profile, "b", date=dt.date(2024, 3, 5), subject="", archive=archive).number,
        # dated before the last number: an inserted number after 001, not 003
        take_number(profile, "a", date=dt.date(2024, 3, 2), subject="", archive=archive).number,
        take_number(profile, "a", date=dt.date(2025, 1, 2), subject="", archive=archive).number,
    ]
    assert numbers == ["001/001/434.100/2024", "002/002/434.100/2024", "001/001.1/434.100/2024", "001/001/434.100/2025"]


def test_reserve_then_attach(tmp_path: Path) -> None:
    profile = load(EXAMPLES / "profil.yaml")
    archive = tmp_path / "arsip"
    booked = reserve_number(profile, "surat-tugas", date=dt.date(2024, 1, 5), subject="nanti", archive=archive)
    assert booked.status == "dipesan"
    with register_for(archive) as register:
        done = register.attach(booked.number, "surat.docx")
    assert (done.status, done.document) == ("terpakai", "surat.docx")


def _take_in_process(profile_path: str, archive: str, count: int, queue: "multiprocessing.Queue[list[str]]") -> None:
    profile, _ = load_profile(Path(profile_path))
    queue.put(
        [
            take_number(profile, "surat-tugas", date=dt.date(2024, 1, 8), subject="paralel", archive=Path(archive)).number
            for _ in range(count)
        ]
    )


def test_numbers_never_collide_across_processes(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")  # as on Windows
    queue = context.Queue()
    archive = tmp_path / "arsip"
    with register_for(archive) as register:
        register.list()  # create the file before the race
    workers = [
        context.Process(target=_take_in_process, args=(str(EXAMPLES / "profil.yaml"), str(archive), 15, queue))
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    taken = [number for _ in workers for number in queue.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert len(taken) == len(set(taken)) == 45
    assert sorted(taken) == [f"800.1.11.1/{n:03d}/Disnakertrans/2024" for n in range(1, 46)]


def test_key_and_txn_pass_through_to_the_register(tmp_path: Path) -> None:
    profile = load(EXAMPLES / "profil.yaml")
    archive = tmp_path / "arsip"
    day = dt.date(2024, 1, 5)
    taken = take_number(profile, "surat-tugas", date=day, subject="a", archive=archive, key="st:a")
    booked = reserve_number(profile, "surat-tugas", date=day, subject="b", archive=archive,
                            key="st:b", txn="run-1")
    unlisted = reserve_number(profile, "surat-undangan", date=day, subject="c", archive=archive,
                              txn="run-1", default_code="005")
    assert taken.key == "st:a" and taken.status == USED
    assert (booked.key, booked.txn, booked.status) == ("st:b", "run-1", RESERVED)
    assert unlisted.number == "005/001/Disnakertrans/2024"
    with register_for(archive) as register:
        register.confirm("run-1", {booked.number: "b.docx", unlisted.number: "c.docx"})
        found = register.find_by_key("surat-tugas", "st:b")
    assert found is not None and (found.number, found.document) == (booked.number, "b.docx")


def test_register_for_passes_on_wait(tmp_path: Path) -> None:
    heard: list[str] = []
    with register_for(tmp_path / "arsip", on_wait=heard.append) as register:
        assert register.on_wait == heard.append
    with register_for(tmp_path / "arsip") as register:
        assert register.on_wait is None
