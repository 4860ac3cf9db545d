"""``sopdocs archive ...`` and ``sopdocs search ...`` on real archive folders."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from pypdf import PdfReader
from test_archive import BUDI, ST_NUMBER, make_docx, png, surat_tugas, text_pdf

from sopdocs.errors import SopdocsError

CASE = "PENDATAAN-2024-02"


def _parser() -> argparse.ArgumentParser:
    """The real CLI when archive and search are registered in it; else the same two
    modules on a parser of their own (until sopdocs/cli/__init__.py lists them)."""
    from sopdocs import cli

    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    if "archive" in commands and "search" in commands:
        return parser
    from sopdocs.cli import archive, search

    parser = argparse.ArgumentParser(prog="sopdocs")
    sub = parser.add_subparsers(dest="command")
    sub.required = True
    for module in (archive, search):
        module.add_parser(sub, cli._templates_arg)
    return parser


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """Run the command as ``sopdocs.cli.main`` does: user errors print ``galat: ...``."""
    args = _parser().parse_args(list(argv))
    try:
        code = int(args.func(args) or 0)
    except SopdocsError as exc:
        print(f"galat: {exc}", file=sys.stderr)
        code = exc.exit_code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def arsip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOPDOCS_PROFILE", str(EXAMPLES / "profil.yaml"))
    return tmp_path / "arsip"


def _add_basic(capsys: Any, arsip: Path, tmp_path: Path) -> None:
    code, out, err = run(capsys, "archive", "add", str(surat_tugas(tmp_path)), "--case", CASE, "--kind", "surat-tugas",
                         "--number", ST_NUMBER, "--date", "5 Januari 2024", "--title", "Surat tugas pendataan",
                         "--classification", "800.1.11.1", "--description", "Pendataan kegiatan Februari",
                         "--archive", str(arsip))
    assert code == 0, err
    assert f"berkas {CASE} dibuat" in out and "item 1" in out
    code, out, err = run(capsys, "archive", "add", str(png(tmp_path / "in" / "foto.png")), "--case", CASE,
                         "--kind", "foto", "--date", "2024-01-09", "--title", "Foto pengumpulan data",
                         "--person", f"{BUDI[0]};{BUDI[1]}", "--archive", str(arsip))
    assert code == 0, err
    assert "item 2" in out


def test_add_list_verify_and_search(capsys: Any, arsip: Path, tmp_path: Path) -> None:
    _add_basic(capsys, arsip, tmp_path)

    code, out, _ = run(capsys, "archive", "list", "--archive", str(arsip))
    assert code == 0
    assert CASE in out and "800.1.11.1" in out and "musnah" in out and "2029-01-09" in out
    code, out, _ = run(capsys, "archive", "list", CASE, "--archive", str(arsip))
    assert code == 0 and ST_NUMBER in out and "Foto pengumpulan data" in out and "foto" in out

    code, out, _ = run(capsys, "archive", "verify", "--archive", str(arsip))
    assert (code, out.strip()) == (0, "1 berkas, 3 file: semua utuh")

    code, out, _ = run(capsys, "search", "pengumpulan data", "--archive", str(arsip))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Nomor", "Tanggal", "Jenis", "Judul", "Berkas", "Cuplikan"]
    assert ST_NUMBER in out and CASE in out and "[[pengumpulan]]" in out
    assert lines[-1] == "2 dokumen"

    code, out, _ = run(capsys, "search", BUDI[1], "--json", "--archive", str(arsip))
    data = json.loads(out)
    assert code == 0 and data["total"] == 2
    assert {h["kind"] for h in data["hits"]} == {"surat-tugas", "foto"}
    assert data["hits"][0]["case_id"] == CASE

    code, out, _ = run(capsys, "search", "pengumpulan", "--kind", "foto", "--from", "1 Januari 2024",
                       "--to", "31 Januari 2024", "--archive", str(arsip))
    assert code == 0 and "Foto pengumpulan data" in out and ST_NUMBER not in out

    code, out, err = run(capsys, "search", "xilofon", "--archive", str(arsip))
    assert (code, out.strip(), err) == (0, 'tidak ada hasil untuk "xilofon"', "")
    code, out, _ = run(capsys, "search", "xilofon", "--json", "--archive", str(arsip))
    assert json.loads(out)["hits"] == []


@pytest.mark.broken_docx  # leaves a deliberately broken .docx in tmp_path
def test_verify_exits_1_and_lists_every_problem(capsys: Any, arsip: Path, tmp_path: Path) -> None:
    _add_basic(capsys, arsip, tmp_path)
    data = arsip / "berkas" / CASE / "data"
    docx_file = data / "001_800.1.11.1_015_Disnakertrans_2024.docx"
    raw = bytearray(docx_file.read_bytes())
    raw[100] = (raw[100] + 1) % 256
    docx_file.write_bytes(bytes(raw))
    (data / "002_Foto_pengumpulan_data.png").unlink()
    (data / "tambahan.docx").write_bytes(b"tidak diarsipkan")
    for argv in (("archive", "verify"), ("archive", "verify", CASE)):
        code, out, _ = run(capsys, *argv, "--archive", str(arsip))
        assert code == 1
        assert f"BERUBAH: berkas/{CASE}/data/001_800.1.11.1_015_Disnakertrans_2024.docx" in out
        assert f"HILANG: berkas/{CASE}/data/002_Foto_pengumpulan_data.png" in out
        assert f"TIDAK DIKENAL: berkas/{CASE}/data/tambahan.docx" in out
        assert out.strip().endswith("3 masalah di 1 berkas")


def test_verify_names_an_interrupted_case_file_and_clean_removes_it(capsys: Any, arsip: Path,
                                                                    tmp_path: Path) -> None:
    _add_basic(capsys, arsip, tmp_path)
    stale = arsip / "berkas" / ".staging-BARU-0123456789ab"
    (stale / "data").mkdir(parents=True)
    code, out, _ = run(capsys, "archive", "verify", "--archive", str(arsip))
    assert code == 1 and "TIDAK LENGKAP: berkas/.staging-BARU-0123456789ab" in out and "BARU" in out
    code, out, _ = run(capsys, "archive", "verify", "--clean", "--archive", str(arsip))
    assert code == 0 and f"dihapus: {stale}" in out and not stale.exists()


def test_export_merge_close_and_reindex(capsys: Any, arsip: Path, tmp_path: Path) -> None:
    _add_basic(capsys, arsip, tmp_path)
    code, _, err = run(capsys, "archive", "add", str(text_pdf(tmp_path / "in" / "rekap.pdf", "Rekap")),
                       "--case", CASE, "--kind", "rekap", "--number", "000.5.2/3/Disnakertrans/2024",
                       "--date", "01 Februari 2024", "--title", "Rekapitulasi", "--archive", str(arsip))
    assert code == 0, err

    csv_file, docx_file = tmp_path / "daftar.csv", tmp_path / "daftar.docx"
    code, out, _ = run(capsys, "archive", "export", "--csv", str(csv_file), "--docx", str(docx_file),
                       "--delimiter", ";", "--archive", str(arsip))
    assert code == 0 and out.split() == [str(csv_file), str(docx_file)]
    lines = csv_file.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 4 and lines[1].startswith(f"1;800.1.11.1;Pendataan kegiatan Februari;2024;3;1;{ST_NUMBER}")

    merged = tmp_path / "gabung.pdf"
    code, out, err = run(capsys, "archive", "merge", CASE, "-o", str(merged), "--archive", str(arsip))
    assert code == 0 and out.strip().endswith(str(merged))
    assert "dilewati (tidak ada bentuk PDF): 2. Foto pengumpulan data" in err
    titles = [entry.title for entry in PdfReader(str(merged)).outline]
    assert titles[-1] == "3. Rekapitulasi 000.5.2/3/Disnakertrans/2024: Rekapitulasi"

    code, out, _ = run(capsys, "archive", "close", CASE, "--date", "29 Februari 2024", "--box", "B-01",
                       "--archive", str(arsip))
    assert code == 0 and "ditutup 2024-02-29" in out and "2029-02-28" in out
    code, _, err = run(capsys, "archive", "add", str(png(tmp_path / "in" / "lagi.png", 5)), "--case", CASE,
                       "--kind", "foto", "--date", "2024-03-01", "--title", "x", "--archive", str(arsip))
    assert code == 2 and "sudah ditutup" in err

    code, out, _ = run(capsys, "archive", "reindex", "--archive", str(arsip))
    assert (code, out.strip()) == (0, "indeks dibangun ulang: 3 dokumen dari 1 berkas")


def test_default_archive_folder_from_the_environment(capsys: Any, arsip: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPDOCS_ARCHIVE", str(arsip))
    source = make_docx(tmp_path / "in" / "k.docx", "Kuesioner kepuasan")
    code, _, err = run(capsys, "archive", "add", str(source), "--case", "K-1", "--kind", "kuesioner",
                       "--date", "2024-01-03", "--title", "Kuesioner", "--classification", "000.5.2",
                       "--description", "Survei")
    assert code == 0, err
    assert (arsip / "berkas" / "K-1" / "bagit.txt").is_file()
    code, out, _ = run(capsys, "search", "kepuasan")
    assert code == 0 and "K-1" in out


@pytest.mark.parametrize(("argv", "message"), [
    (("archive", "add", "{src}", "--case", "BELUM", "--kind", "sop", "--date", "2024-01-02", "--title", "x"),
     "--classification KODE dan --description URAIAN"),
    (("archive", "add", "{src}", "--case", "../luar", "--kind", "sop", "--date", "2024-01-02", "--title", "x",
      "--classification", "000.5.2", "--description", "x"), "ID berkas '../luar' tidak sah"),
    (("archive", "add", "{src}", "--case", "A", "--kind", "sop", "--date", "31 Februari 2024", "--title", "x",
      "--classification", "000.5.2", "--description", "x"), "31 Februari 2024"),
    (("archive", "add", "{src}", "--case", "A", "--kind", "sop", "--date", "2024-01-02", "--title", "x",
      "--classification", "000.5.2", "--description", "x", "--person", "Budi;12345"), "NIP 12345 harus 18 angka"),
    (("archive", "verify", "TIDAK-ADA"), "berkas 'TIDAK-ADA' tidak ada"),
    (("archive", "merge", "TIDAK-ADA"), "berkas 'TIDAK-ADA' tidak ada"),
    (("archive", "export"), "--csv BERKAS dan/atau --docx BERKAS"),
    (("search", "data", "--from", "kemarin dulu"), "kemarin dulu"),
])
def test_user_errors_are_one_message_with_exit_2(capsys: Any, arsip: Path, tmp_path: Path,
                                                 argv: tuple[str, ...], message: str) -> None:
    source = str(make_docx(tmp_path / "in" / "x.docx", "x"))
    args = [a.replace("{src}", source) for a in argv]
    code, out, err = run(capsys, *args, "--archive", str(arsip))
    assert code == 2
    assert "galat: " in err and message in err.split("galat: ", 1)[1]
    assert "Traceback" not in err
