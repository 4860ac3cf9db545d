"""Outputs never destroy records; CSV cells never run as formulas; stored text never
drives the terminal; bad arguments give one line, never a traceback (sopdocs.outputs)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

from sopdocs.cli import main
from sopdocs.outputs import (
    CASES_DIR,
    REGISTER_FILE,
    OutputError,
    check_output,
    printable,
    spreadsheet_cell,
)

CASE = "UJI-2024"
ESCAPES = "\x1b[2J\x1b]0;judul palsu\x07"
EVIL_TITLE = f"=HYPERLINK(\"http://x\") Foto {ESCAPES}rapat\rtimpa"
EVIL_DESCRIPTION = "+cmd|' /C calc'!A0 pendataan"
SUBJECTS = ("=1+2", "@SUM(A1)", "-2+3", "\tTAB", "\rCR", f"Perihal {ESCAPES}biasa")
SURAT = "800.1.11.1/001/Disnakertrans/2024"


def make_photo(path: Path, seed: int) -> Path:
    from PIL import Image

    Image.new("RGB", (8, 8), (seed * 40 % 256, 90, 160)).save(path, format="PNG")
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Built once: a surat tugas rendered and archived, a photo case with hostile text,
    and register entries whose subjects start with formula characters."""
    root = tmp_path_factory.mktemp("dasar")
    shutil.copytree(EXAMPLES, root / "examples")
    arsip = root / "arsip"
    profile = str(root / "examples" / "profil.yaml")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOPDOCS_PROFILE", profile)
        mp.setenv("SOPDOCS_ARCHIVE", str(arsip))
        mp.chdir(root)
        assert main(["render", "surat-tugas", str(root / "examples" / "surat-tugas.yaml"), "-o", str(root / "out")]) == 0
        photo = make_photo(root / "foto.png", 1)
        assert main(["archive", "add", str(photo), "--case", CASE, "--kind", "foto", "--date", "2024-01-09",
                     "--title", EVIL_TITLE, "--classification", "800.1.11.1",
                     "--description", EVIL_DESCRIPTION]) == 0
        for day, subject in enumerate(SUBJECTS, start=10):
            assert main(["number", "take", "surat-tugas", "--date", f"{day} Januari 2024", f"--subject={subject}",
                         "--profil", profile]) == 0
    yield root


@pytest.fixture
def work(base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "w"
    shutil.copytree(base, root)
    monkeypatch.setenv("SOPDOCS_PROFILE", str(root / "examples" / "profil.yaml"))
    monkeypatch.setenv("SOPDOCS_ARCHIVE", str(root / "arsip"))
    monkeypatch.chdir(root)
    return root


def fingerprint(folder: Path) -> dict[str, str]:
    """SHA-256 of the register and of every file of every bag."""
    files = [folder / REGISTER_FILE, *(p for p in (folder / CASES_DIR).rglob("*") if p.is_file())]
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def item_docx(work: Path) -> Path:
    return next((work / "arsip" / CASES_DIR / "SURAT-TUGAS-2024" / "data").glob("*.docx"))


def one_line_error(code: int, err: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("galat: "), err


def test_names_match_the_archive_layout() -> None:
    from sopdocs.archive.archive import CASES
    from sopdocs.numbering.rules import register_path

    assert register_path(Path("a")).name == REGISTER_FILE
    assert CASES == CASES_DIR


# --------------------------------------------------------------------------- records are never replaced

DESTROYERS = {
    "export --csv register": ("archive", "export", "--csv", "{register}"),
    "export --csv register --timpa": ("archive", "export", "--csv", "{register}", "--timpa"),
    "export --docx register": ("archive", "export", "--docx", "{register}"),
    "export --csv bagit.txt": ("archive", "export", "--csv", "{bag}/bagit.txt"),
    "number list --csv -o register": ("number", "list", "--csv", "-o", "{register}"),
    "number list -o bagit.txt": ("number", "list", "-o", "{bag}/bagit.txt"),
    "number list -o berkas.json": ("number", "list", "-o", "{bag}/data/berkas.json"),
    "number list --json -o berkas.json --timpa": ("number", "list", "--json", "-o", "{bag}/data/berkas.json",
                                                  "--timpa"),
    "merge -o register": ("archive", "merge", CASE, "-o", "{register}"),
    "merge -o into a bag": ("archive", "merge", CASE, "-o", "{bag}/data/gabung.pdf"),
    "render -o archived original": ("render", "surat-tugas", "{examples}/surat-tugas.yaml", "-o", "{item}"),
    "render -o archived original --timpa": ("render", "surat-tugas", "{examples}/surat-tugas.yaml", "-o",
                                            "{item}", "--timpa"),
    "render -o bag folder": ("render", "surat-tugas", "{examples}/surat-tugas.yaml", "-o", "{bag}/data"),
    "render --konsep -o archived original": ("render", "surat-tugas", "{examples}/surat-tugas.yaml", "--konsep",
                                             "-o", "{item}"),
    "render sop -o archive folder": ("render", "sop", "{examples}/sop-pendataan.yaml", "-o", "{arsip}"),
    "recap -o archived original": ("recap", "{examples}/jawaban.csv", "--questionnaire",
                                   "{examples}/kuesioner-pendataan.yaml", "-o", "{item}"),
}


@pytest.mark.parametrize("argv", list(DESTROYERS.values()), ids=list(DESTROYERS))
def test_outputs_never_replace_records(work: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    arsip = work / "arsip"
    names = {"register": str(arsip / REGISTER_FILE), "bag": str(arsip / CASES_DIR / CASE), "arsip": str(arsip),
             "item": str(item_docx(work)), "examples": str(work / "examples")}
    before = fingerprint(arsip)
    code, _, err = cli(capsys, *(a.format(**names) for a in argv))
    one_line_error(code, err)
    assert "arsip" in err
    assert fingerprint(arsip) == before


def test_another_archive_folder_is_recognised(work: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "arsip-lain"
    shutil.copytree(work / "arsip", other)
    before = fingerprint(other)
    for argv in (("archive", "export", "--csv", str(other / REGISTER_FILE), "--timpa"),
                 ("number", "list", "--csv", "-o", str(other / "agenda.csv")),
                 ("archive", "export", "--docx", str(other / CASES_DIR / CASE / "data" / "x.docx"))):
        code, _, err = cli(capsys, *argv)
        one_line_error(code, err)
    assert fingerprint(other) == before


def test_a_symlink_into_the_archive_is_followed(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = work / "agenda.csv"
    link.symlink_to(work / "arsip" / REGISTER_FILE)
    before = fingerprint(work / "arsip")
    code, _, err = cli(capsys, "number", "list", "--csv", "-o", str(link), "--timpa")
    one_line_error(code, err)
    assert fingerprint(work / "arsip") == before


def test_a_csv_name_holding_a_database_is_not_replaced(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = work / "agenda.csv"
    shutil.copyfile(work / "arsip" / REGISTER_FILE, copy)
    data = copy.read_bytes()
    for extra in ((), ("--timpa",)):
        code, _, err = cli(capsys, "number", "list", "--csv", "-o", str(copy), *extra)
        one_line_error(code, err)
        assert "bukan CSV" in err
    code, _, err = cli(capsys, "archive", "export", "--csv", str(copy), "--timpa")
    one_line_error(code, err)
    assert copy.read_bytes() == data


@pytest.mark.parametrize("argv", [
    ("render", "surat-tugas", "{examples}/surat-tugas.yaml", "-o", "{folder}"),
    ("recap", "{examples}/jawaban.csv", "--questionnaire", "{examples}/kuesioner-pendataan.yaml", "-o", "{folder}"),
    ("archive", "export", "--docx", "{folder}"),
    ("number", "list", "-o", "{folder}"),
], ids=["render", "recap", "export", "number list"])
def test_an_existing_folder_named_like_a_file(work: Path, capsys: pytest.CaptureFixture[str],
                                              argv: tuple[str, ...]) -> None:
    folder = work / "hasil.docx"
    folder.mkdir()
    before = fingerprint(work / "arsip")
    code, _, err = cli(capsys, *(a.format(folder=folder, examples=work / "examples") for a in argv))
    one_line_error(code, err)
    assert "folder" in err
    assert fingerprint(work / "arsip") == before


def test_same_kind_file_is_replaced_only_with_timpa(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = work / "agenda.csv"
    target.write_text("lama\n", encoding="utf-8")
    code, _, err = cli(capsys, "number", "list", "--csv", "-o", str(target))
    one_line_error(code, err)
    assert "--timpa" in err and target.read_text(encoding="utf-8") == "lama\n"
    code, _, err = cli(capsys, "number", "list", "--csv", "-o", str(target), "--timpa")
    assert code == 0, err
    assert SURAT in target.read_text(encoding="utf-8-sig")

    daftar = work / "daftar.csv"
    daftar.write_text("lama\n", encoding="utf-8")
    code, _, err = cli(capsys, "archive", "export", "--csv", str(daftar))
    one_line_error(code, err)
    assert cli(capsys, "archive", "export", "--csv", str(daftar), "--overwrite")[0] == 0
    assert CASE in daftar.read_text(encoding="utf-8-sig")

    surat = work / "surat.docx"
    surat.write_bytes(b"PK\x05\x06" + bytes(18))  # an (empty) zip: a .docx by its first bytes
    code, _, err = cli(capsys, "render", "surat-tugas", str(work / "examples" / "surat-tugas.yaml"),
                       "-o", str(surat), "--konsep")
    one_line_error(code, err)
    code, _, err = cli(capsys, "render", "surat-tugas", str(work / "examples" / "surat-tugas.yaml"),
                       "-o", str(surat), "--konsep", "--timpa")
    assert code == 0, err


def test_a_file_of_another_kind_is_never_replaced(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = work / "catatan.docx"
    notes.write_text("bukan docx", encoding="utf-8")
    code, _, err = cli(capsys, "archive", "export", "--docx", str(notes), "--timpa")
    one_line_error(code, err)
    assert notes.read_text(encoding="utf-8") == "bukan docx"


def test_rendering_again_replaces_the_working_copy_in_a_folder(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = work / "out"
    code, printed, err = cli(capsys, "render", "surat-tugas", str(work / "examples" / "surat-tugas.yaml"),
                             "-o", str(out))
    assert code == 0, err
    assert Path(printed.strip()).parent == out


# --------------------------------------------------------------------------- spreadsheet formulas


def test_agenda_csv_cells_never_run_as_formulas(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = work / "agenda.csv"
    assert cli(capsys, "number", "list", "--csv", "-o", str(target))[0] == 0
    code, stdout_csv, _ = cli(capsys, "number", "list", "--csv")
    assert code == 0
    for text in (target.read_text(encoding="utf-8-sig"), stdout_csv):
        subjects = [row["Perihal"] for row in csv.DictReader(io.StringIO(text, newline=""))]
        for subject in SUBJECTS[:4]:
            assert "'" + subject in subjects
        assert any(s.startswith("'") and s.endswith("CR") for s in subjects)  # the register keeps CR as a newline
        assert all(not s.startswith(("=", "+", "-", "@", "\t", "\r")) for s in subjects)


def test_daftar_arsip_csv_cells_never_run_as_formulas(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = work / "daftar.csv"
    assert cli(capsys, "archive", "export", "--csv", str(target))[0] == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"), newline="")))
    ours = [row for row in rows if row["ID Berkas"] == CASE]
    assert ours and ours[0]["Uraian Item"].startswith("'=HYPERLINK(")
    assert ours[0]["Uraian Informasi Berkas"] == "'" + EVIL_DESCRIPTION
    for row in rows:
        assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row.values())


def test_spreadsheet_cell() -> None:
    for formula in ("=1", "+1+cmd", "-1+2", "@A1", "\tx", "\rx", "\uff1dSUM(1)"):
        assert spreadsheet_cell(formula) == "'" + formula
    for plain in ("2024-01-09", "800.1.11.1/001/X/2024", "-5", "+62", "-", "", "Surat tugas", "3,5"):
        assert spreadsheet_cell(plain) == plain


# --------------------------------------------------------------------------- terminals


@pytest.mark.parametrize("argv", [
    ("archive", "list"),
    ("archive", "list", CASE),
    ("search", "rapat"),
    ("search", "rapat", "--json"),
    ("number", "list"),
    ("number", "list", "--json"),
    ("archive", "verify"),
], ids=lambda a: " ".join(a))
def test_stored_escapes_never_reach_the_terminal(work: Path, capsys: pytest.CaptureFixture[str],
                                                 argv: tuple[str, ...]) -> None:
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    for control in ("\x1b", "\x07", "\r"):
        assert control not in out and control not in err
    if argv[0] == "search" or CASE in argv:
        assert "rapat" in out


def test_printable() -> None:
    assert printable(f"a{ESCAPES}b\r\x00c\x9b2Jd\u202ee") == "abcde"
    assert printable("satu\n\tdua") == "satu\n\tdua"
    assert printable("satu\n\tdua", single_line=True) == "satu dua"
    assert printable(os.fsdecode(b"x\xff")) == "x\ufffd"


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("argv", [
    ("archive", "add", "{photo}", "--case", CASE, "--kind", "foto", "--date", "2024-01-09", "--title", "{bad}"),
    ("archive", "add", "{photo}", "--case", CASE, "--kind", "foto", "--date", "2024-01-09", "--title", "x",
     "--number={bad}"),
    ("number", "take", "surat-tugas", "--subject", "{bad}"),
    ("archive", "add", "{bad}.png", "--case", CASE, "--kind", "foto", "--date", "2024-01-09", "--title", "x"),
    ("number", "list", "--year", "99999999999999999999"),
    ("number", "list", "--tahun", "-3"),
    ("number", "list", "--year", "dua ribu"),
], ids=["title", "number", "subject", "file name", "huge year", "negative year", "word year"])
def test_bad_arguments_give_one_line(work: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    bad = os.fsdecode(b"\xff\xfe")
    before = fingerprint(work / "arsip")
    code, out, err = cli(capsys, *(a.format(bad=bad, photo=work / "foto.png") for a in argv))
    one_line_error(code, err)
    assert fingerprint(work / "arsip") == before


def test_invalid_utf8_from_a_real_process(work: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "sopdocs", "archive", "add", b"foto\xff.png", "--case", CASE,
                           "--kind", "foto", "--date", "2024-01-09", "--title", b"judul \xfe"],
                          capture_output=True, cwd=work, env=env, timeout=120)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "UTF-8" in err


@pytest.mark.parametrize("name", ["SOPDOCS_ARCHIVE", "SOPDOCS_PROFILE", "SOPDOCS_TEMPLATES"])
@pytest.mark.parametrize("argv", [["search", "pendataan"], ["number", "list"]])
def test_a_setting_that_is_not_utf8_is_one_line(work: Path, name: str, argv: list[str]) -> None:
    """An environment path with bytes that are not UTF-8 (tantivy cannot take it as a path)."""
    tantivy = work / "arsip-tantivy"
    shutil.copytree(work / "arsip", tantivy)
    (tantivy / "pengaturan.yaml").write_text("indeks: tantivy\n", encoding="utf-8")
    env = {**{k: v for k, v in os.environb.items() if not k.startswith(b"SOPDOCS_ARCHIVE")},
           b"PYTHONPATH": os.fsencode(ROOT), b"PYTHONIOENCODING": b"utf-8", b"SOPDOCS_SEARCH_SERVICE": b"0",
           name.encode(): os.fsencode(tantivy) + b"\xff"}
    proc = subprocess.run([sys.executable, "-m", "sopdocs", *argv], capture_output=True, cwd=work, env=env,
                          timeout=120)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2 and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1 and f"{name} berisi byte yang bukan teks UTF-8" in err


def test_os_error_names_the_path(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = work / "bukan-folder"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = cli(capsys, "number", "list", "--csv", "-o", str(blocker / "agenda.csv"))
    one_line_error(code, err)
    assert str(blocker) in err


def test_a_closed_case_can_be_reopened(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "archive", "close", CASE)[0] == 0
    photo = make_photo(work / "foto2.png", 2)
    add = ("archive", "add", str(photo), "--case", CASE, "--kind", "foto", "--date", "2024-01-10", "--title", "Foto 2")
    code, _, err = cli(capsys, *add)
    assert code == 2 and "reopen" in err
    code, out, err = cli(capsys, "archive", "reopen", CASE)
    assert code == 0 and "dibuka kembali" in out, err
    assert cli(capsys, *add)[0] == 0


# --------------------------------------------------------------------------- the guard itself


def test_check_output_rules(tmp_path: Path) -> None:
    arsip = tmp_path / "arsip"
    (arsip / CASES_DIR / "B" / "data").mkdir(parents=True)
    (arsip / CASES_DIR / "B" / "bagit.txt").write_text("BagIt-Version: 1.0\n", encoding="utf-8")
    with pytest.raises(OutputError, match="folder arsip"):
        check_output(arsip / "hasil.csv", archive=arsip, kind="csv")
    with pytest.raises(OutputError, match="BagIt"):
        check_output(arsip / CASES_DIR / "B" / "data" / "x.pdf", archive=tmp_path / "lain", kind="pdf")
    assert check_output(tmp_path / "baru.csv", archive=arsip, kind="csv") == tmp_path / "baru.csv"
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    assert check_output(pdf, archive=arsip, kind="pdf", overwrite=True) == pdf
    with pytest.raises(OutputError, match="--timpa"):
        check_output(pdf, archive=arsip, kind="pdf")
    with pytest.raises(ValueError):
        check_output(pdf, archive=arsip, kind="sqlite")
