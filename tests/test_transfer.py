"""``sopdocs archive transfer`` / ``receive``: the demo's case file moved to a province archive."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sopdocs.archive.archive import Archive
from sopdocs.archive.bag import read_bag_info
from sopdocs.cli import main

CLI = [sys.executable, "-m", "sopdocs"]
CASE = "PENDATAAN-2024-01"
OFFICE = "Dinas Ketenagakerjaan Kabupaten Contoh"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sopdocs demo`` once; its archive says which office it belongs to."""
    work = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([*CLI, "demo"], cwd=work, capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    (work / "archive" / "pengaturan.yaml").write_text(f"instansi: {OFFICE}\n", encoding="utf-8")
    return work / "archive"


@pytest.fixture
def sender(demo: Path, tmp_path: Path) -> Path:
    """A private copy of the demo archive (tests change what they receive, never the demo)."""
    copy = tmp_path / "dinas"
    shutil.copytree(demo, copy)
    return copy


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _search(capsys: pytest.CaptureFixture[str], archive: Path, *args: str) -> dict[str, object]:
    code, out, err = run(capsys, "search", *args, "--json", "--arsip", str(archive))
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def test_transfer_receive_verify_and_find_by_office(sender: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "serah-2024"
    code, text, err = run(capsys, "archive", "transfer", CASE, "--ke", str(out), "--arsip", str(sender))
    assert code == 0, err
    assert CASE in text
    bag = out / CASE
    info = read_bag_info(bag)
    assert info["Instansi-Pengirim"] == OFFICE and info["ID-Berkas-Asal"] == CASE
    # the transfer list, as a spreadsheet and as a Word document
    sheet = load_workbook(out / "daftar-arsip-usul-serah.xlsx").active
    assert sheet is not None
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == 1]
    assert rows and rows[0][2] == CASE and rows[0][1] == "000.5.2" and rows[0][-1] == OFFICE
    with zipfile.ZipFile(out / "daftar-arsip-usul-serah.docx") as package:
        assert "DAFTAR ARSIP USUL SERAH" in package.read("word/document.xml").decode("utf-8")
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temporary folder left

    province = tmp_path / "provinsi"
    code, text, err = run(capsys, "archive", "receive", str(out), "--arsip", str(province))
    assert code == 0, err
    assert "1 berkas diterima, 0 ditolak" in text
    with Archive(province) as archive:
        assert archive.verify().ok
        case = archive.case(CASE)
        assert case.office == OFFICE and case.origin_id == CASE
        assert [i.number for i in case.items] == [i.number for i in Archive(sender).case(CASE).items]
    # found there, by its exact number and by the sending office
    number = next(i.number for i in case.items if i.kind == "surat-tugas")
    found = _search(capsys, province, number)
    hits = found["hits"]
    assert isinstance(hits, list) and hits[0]["number"] == number and hits[0]["office"] == OFFICE
    assert _search(capsys, province, "pendataan", "--instansi", OFFICE)["hits"]
    assert _search(capsys, province, "pendataan", "--instansi", "Dinas Lain")["hits"] == []
    # the sending archive is unchanged
    assert Archive(sender).verify().ok and Archive(sender).case(CASE).office == ""


@pytest.mark.broken_docx
def test_a_bag_damaged_in_transit_is_refused_and_reported(sender: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "serah"
    assert run(capsys, "archive", "transfer", CASE, "--ke", str(out), "--arsip", str(sender))[0] == 0
    victim = next(p for p in sorted((out / CASE / "data").iterdir()) if p.suffix == ".docx")
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    province = tmp_path / "provinsi"
    code, text, err = run(capsys, "archive", "receive", str(out), "--arsip", str(province))
    assert code == 1
    assert "0 berkas diterima, 1 ditolak" in text
    assert f"ditolak: {CASE}: rusak dalam pengiriman" in text and victim.name in text
    assert Archive(province).case_ids() == []


def test_a_duplicate_is_refused_and_another_office_with_the_same_id_is_kept_apart(
    sender: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "serah"
    assert run(capsys, "archive", "transfer", CASE, "--ke", str(out), "--arsip", str(sender))[0] == 0
    province = tmp_path / "provinsi"
    assert run(capsys, "archive", "receive", str(out), "--arsip", str(province))[0] == 0
    code, text, _ = run(capsys, "archive", "receive", str(out), "--arsip", str(province))
    assert code == 1
    assert f"ditolak: {CASE}: duplikat" in text
    # the same case id sent by another office is received under a free id
    (sender / "pengaturan.yaml").write_text("instansi: Dinas Sosial Kabupaten Contoh\n", encoding="utf-8")
    other = tmp_path / "serah-dinsos"
    assert run(capsys, "archive", "transfer", CASE, "--ke", str(other), "--arsip", str(sender))[0] == 0
    code, text, err = run(capsys, "archive", "receive", str(other), "--arsip", str(province))
    assert code == 0, err
    assert f"-> berkas {CASE}-2 (dari Dinas Sosial Kabupaten Contoh)" in text
    with Archive(province) as archive:
        assert archive.case_ids() == [CASE, f"{CASE}-2"]
        assert archive.verify().ok
        assert [c.case_number for c in archive.cases()] == [1, 2]


def test_due_selection_and_output_folder_rules(sender: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "archive", "transfer", "--habis-aktif", "--per-tanggal", "1 Januari 2025",
                       "--ke", str(tmp_path / "a"), "--arsip", str(sender))
    assert code == 2 and "masa aktifnya sudah habis" in err and err.count("\n") == 1
    code, text, err = run(capsys, "archive", "transfer", "--habis-aktif", "--per-tanggal", "1 Januari 2060",
                          "--ke", str(tmp_path / "b"), "--arsip", str(sender))
    assert code == 0, err
    assert (tmp_path / "b" / CASE / "bagit.txt").is_file()
    # never inside the archive, never over an existing folder
    code, _, err = run(capsys, "archive", "transfer", CASE, "--ke", str(sender / "keluar"), "--arsip", str(sender))
    assert code == 2 and "tidak boleh di dalam folder arsip" in err
    code, _, err = run(capsys, "archive", "transfer", CASE, "--ke", str(tmp_path / "b"), "--arsip", str(sender))
    assert code == 2 and "sudah ada" in err
    assert not (sender / "keluar").exists()
