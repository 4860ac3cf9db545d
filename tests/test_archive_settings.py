"""A hostile ``pengaturan.yaml`` in the archive folder: every command that reads it (the
register's and the search index's choice) stops with one line naming the file, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXAMPLES
from sopdocs.cli import main

GARBAGE = {
    "unclosed": "indeks: [a, b",
    "unknown engine": "indeks: lucene",
    "control bytes": "\x00\x01sampah",
    "deep nesting": "a: " + "[" * 5000,
    "not a mapping": "- satu\n- dua\n",
    "unknown key": "mesin: tantivy\n",
    "register not a URL": "register: ftp://server/arsip\n",
    "huge": "instansi: " + "x" * 3_000_000 + "\n",
}


@pytest.mark.parametrize("text", GARBAGE.values(), ids=GARBAGE.keys())
@pytest.mark.parametrize("command", ["search", "take"])
def test_bad_settings_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   text: str, command: str) -> None:
    archive = tmp_path / "arsip"
    archive.mkdir()
    (archive / "pengaturan.yaml").write_text(text, encoding="utf-8")
    if command == "search":
        args = ["search", "pendataan", "--archive", str(archive)]
    else:
        args = ["number", "take", "surat-tugas", "--date", "8 Januari 2024", "--subject", "x",
                "--profil", str(EXAMPLES / "profil.yaml"), "--archive", str(archive)]
    if command == "search" and text.startswith("register:"):
        pytest.skip("search does not use the register")
    assert main(args) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("galat")]
    assert len(errors) == 1 and "pengaturan.yaml" in errors[0], err
    assert "Traceback" not in err
    assert not (archive / "register.sqlite").exists()  # nothing issued, nothing created
