"""``sopdocs number ...``: in-process through sopdocs.cli.main, and as a real process."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

from sopdocs.cli import main

PROFILE = str(EXAMPLES / "profil.yaml")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Archive in tmp_path (through SOPDOCS_ARCHIVE), profile from --profil only."""
    archive = tmp_path / "arsip"
    monkeypatch.setenv("SOPDOCS_ARCHIVE", str(archive))
    monkeypatch.delenv("SOPDOCS_PROFILE", raising=False)
    monkeypatch.chdir(tmp_path)
    return archive


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def take(capsys: pytest.CaptureFixture[str], date: str, subject: str = "", kind: str = "surat-tugas") -> str:
    code, out, err = run(capsys, "number", "take", kind, "--date", date, "--subject", subject, "--profil", PROFILE)
    assert code == 0, err
    return out.strip()


def test_take_prints_the_next_number(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert take(capsys, "8 Januari 2024") == "800.1.11.1/001/Disnakertrans/2024"
    assert take(capsys, "Selasa, 09/01/2024") == "800.1.11.1/002/Disnakertrans/2024"
    assert take(capsys, "2024-01-10", kind="sop") == "000.8.3.3/001/Disnakertrans/2024"
    assert (env / "register.sqlite").is_file()


def test_inserted_number_is_announced(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    take(capsys, "10 Januari 2024")
    code, out, err = run(capsys, "number", "take", "surat-tugas", "--date", "8 Januari 2024", "--profil", PROFILE)
    assert code == 0
    assert out.strip() == "800.1.11.1/000.1/Disnakertrans/2024"
    assert "nomor sisipan" in err


def test_void_reserve_attach_and_list(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = take(capsys, "8 Januari 2024", "Pendataan \U0001f4cb & <tim> \"A\"")
    second = take(capsys, "9 Januari 2024", "Salah ketik")
    code, out, _ = run(capsys, "number", "void", second, "--reason", "salah ketik perihal")
    assert code == 0 and "batal" in out
    code, out, err = run(capsys, "number", "reserve", "surat-tugas", "--date", "12 Januari 2024", "--profil", PROFILE)
    assert code == 0
    booked = out.strip()
    assert booked == "800.1.11.1/003/Disnakertrans/2024" and "attach" in err
    letter = env / "2024" / "surat.docx"
    letter.parent.mkdir(parents=True)
    letter.write_bytes(b"PK")
    code, out, _ = run(capsys, "number", "attach", booked, str(letter))
    assert code == 0 and "terpakai" in out

    code, out, _ = run(capsys, "number", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["nomor"], r["status"]) for r in rows] == [
        (first, "terpakai"), (second, "batal"), (booked, "terpakai"),
    ]
    assert rows[0]["perihal"] == "Pendataan \U0001f4cb & <tim> \"A\""
    assert rows[1]["alasan_batal"] == "salah ketik perihal"
    assert rows[2]["dokumen"] == "2024/surat.docx"  # relative to the archive

    code, out, _ = run(capsys, "number", "list", "--csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert list(table[0]) == ["Nomor", "Tanggal", "Jenis", "Perihal", "Status", "Keterangan", "Dokumen", "Petugas", "Dicatat"]
    assert [(r["Nomor"], r["Tanggal"], r["Status"], r["Keterangan"]) for r in table] == [
        (first, "2024-01-08", "terpakai", ""),
        (second, "2024-01-09", "batal", "salah ketik perihal"),
        (booked, "2024-01-12", "terpakai", ""),
    ]
    assert table[0]["Perihal"] == "Pendataan \U0001f4cb & <tim> \"A\""

    code, out, _ = run(capsys, "number", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["No", "Nomor", "Tanggal", "Jenis", "Perihal", "Status", "Keterangan", "Dokumen", "Petugas"]
    assert len(lines) == 5  # header, rule, three numbers
    # aligned: the date column starts at the same place on every row
    start = lines[0].index("Tanggal")
    for line, date in zip(lines[2:], ("2024-01-08", "2024-01-09", "2024-01-12")):
        assert line.index(date) == start
    assert "salah ketik perihal" in lines[3]


def test_list_filters(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    take(capsys, "8 Januari 2024")
    take(capsys, "8 Januari 2024", kind="sop")
    take(capsys, "2 Januari 2025")
    _, out, _ = run(capsys, "number", "list", "--json", "--year", "2024", "--kind", "surat-tugas")
    assert [r["nomor"] for r in json.loads(out)] == ["800.1.11.1/001/Disnakertrans/2024"]
    _, out, _ = run(capsys, "number", "list", "--json", "--year", "2025")
    assert [r["nomor"] for r in json.loads(out)] == ["800.1.11.1/001/Disnakertrans/2025"]
    code, out, err = run(capsys, "number", "list", "--year", "2030")
    assert code == 0 and out == "" and "tidak ada nomor" in err


def test_csv_to_a_file_has_a_bom_for_excel(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    take(capsys, "8 Januari 2024", "Pendataan Ketenagakerjaan \u2013 tahap 1")
    target = tmp_path / "agenda.csv"
    code, _, _ = run(capsys, "number", "list", "--csv", "-o", str(target))
    assert code == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["Perihal"] == "Pendataan Ketenagakerjaan \u2013 tahap 1"


def test_profile_from_environment(env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOPDOCS_PROFILE", PROFILE)
    code, out, _ = run(capsys, "number", "take", "surat-tugas", "--date", "8 Januari 2024")
    assert code == 0 and out.strip() == "800.1.11.1/001/Disnakertrans/2024"


def test_archive_option_wins_over_environment(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "lain"
    code, _, _ = run(capsys, "number", "take", "sop", "--date", "8 Januari 2024", "--profil", PROFILE, "--archive", str(other))
    assert code == 0
    assert (other / "register.sqlite").is_file() and not env.exists()


@pytest.mark.parametrize(
    ("argv", "expect"),
    [
        (["number", "take", "surat-tugas", "--date", "8 Januari 2024"], "SOPDOCS_PROFILE"),
        (["number", "take", "kuesioner", "--profil", PROFILE], "penomoran.jenis"),
        (["number", "take", "surat-tugas", "--date", "31 Februari 2024", "--profil", PROFILE], "hanya 29 hari"),
        (["number", "take", "surat-tugas", "--profil", "tidak-ada.yaml"], "tidak-ada.yaml"),
        (["number", "void", "800/1/X/2024", "--reason", "x"], "register belum ada"),
    ],
)
def test_user_errors_exit_2_without_traceback(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expect: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert expect in err and "Traceback" not in err
    assert out == ""


def test_unknown_kind_names_the_profile_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "number", "take", "kuesioner", "--profil", PROFILE)
    line = Path(PROFILE).read_text(encoding="utf-8").splitlines().index("  jenis:") + 1
    assert f"{PROFILE}:{line}: penomoran.jenis:" in err


def test_void_twice_and_unknown_number(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    number = take(capsys, "8 Januari 2024")
    assert run(capsys, "number", "void", number, "--reason", "batal")[0] == 0
    code, _, err = run(capsys, "number", "void", number, "--reason", "lagi")
    assert code == 2 and "sudah dibatalkan" in err
    code, _, err = run(capsys, "number", "void", "999/999/X/2024", "--reason", "x")
    assert code == 2 and "tidak ada di register" in err
    # a void number stays void: taking again gives the next one
    assert take(capsys, "8 Januari 2024") == "800.1.11.1/002/Disnakertrans/2024"


def test_void_needs_a_reason(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["number", "void", "800/1/X/2024"])
    assert info.value.code == 2
    assert "--reason" in capsys.readouterr().err


def test_list_without_register_creates_nothing(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "number", "list", "--json")
    assert code == 0 and json.loads(out) == [] and "register belum ada" in err
    assert not env.exists()


def _cli(tmp_path: Path, *argv: str, **extra_env: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOPDOCS_ARCHIVE": str(tmp_path / "arsip"), **extra_env}
    env.pop("SOPDOCS_PROFILE", None)
    return subprocess.run(
        [sys.executable, "-c", "from sopdocs.cli import entry_point; entry_point()", *argv],
        capture_output=True, env=env, cwd=tmp_path, timeout=120,
    )


def test_real_process_take_and_list(tmp_path: Path) -> None:
    # A console that cannot show emoji (as on older Windows): JSON/CSV stay UTF-8 anyway.
    first = _cli(tmp_path, "number", "take", "surat-tugas", "--date", "8 Januari 2024",
                 "--subject", "Pendataan \U0001f4cb", "--profil", PROFILE, PYTHONIOENCODING="cp1252")
    assert first.returncode == 0, first.stderr.decode("utf-8", "replace")
    assert first.stdout.decode().strip() == "800.1.11.1/001/Disnakertrans/2024"
    listed = _cli(tmp_path, "number", "list", "--json", PYTHONIOENCODING="cp1252")
    assert listed.returncode == 0
    (row,) = json.loads(listed.stdout.decode("utf-8"))
    assert row["perihal"] == "Pendataan \U0001f4cb"
    table = _cli(tmp_path, "number", "list", PYTHONIOENCODING="cp1252")
    assert table.returncode == 0 and b"800.1.11.1/001/Disnakertrans/2024" in table.stdout
    bad = _cli(tmp_path, "number", "take", "surat-tugas", "--date", "kemarin", "--profil", PROFILE)
    assert bad.returncode == 2
    assert b"Traceback" not in bad.stderr and b"--date" in bad.stderr
