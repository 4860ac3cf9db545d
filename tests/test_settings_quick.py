"""The quick reader of ``pengaturan.yaml`` (no YAML library, no model) never accepts what the
model refuses and gives the model's values (sopdocs.definitions.archivesettings)."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from pathlib import Path

import pytest

from sopdocs.definitions.archivesettings import (ArchiveSettings, archive_settings, parse_settings, quick_settings,
                                                 set_register_url)
from sopdocs.errors import ValidationError

KEYS = ["register", "indeks", "instansi", "sandi_web", "register_url", "mesin", "Indeks"]
VALUES = [
    "", " ", "tantivy", "whoosh", "lucene", "Tantivy", "'tantivy'", '"tantivy"', "tantivy # mesin", "tantivy#x",
    "postgresql://arsip@server-kantor/sopdocs", '"postgresql://arsip:rahasia@server/db"', "ftp://x",
    "Dinas Tenaga Kerja", "Dinas: Tenaga", "Dinas Tenaga:", "yes", "No", "NULL", "~", "123", "0x1F", "1_000",
    "2024-01-02", ".inf", "[tantivy]", "{a: 1}", "&a x", "*a", "!!str x", "|", ">", "'a''b'", '"a\\tb"', '"a b',
    "'", "Dinas 'X'", "Dinas \"X\"", "Di#nas", "  spasi  ", "\u00a0nbsp", "nbsp\u00a0", "\u2028", "-", "- a",
    "? a", "%x", "@x", "`x", "Ⅻ", "é", "scrypt$16384$8$1$c2FsdA==$aGFzaA==", '"scrypt$1$2$3$YQ==$Yg=="',
    "a\tb", "x\x01y", "kata  sandi", "a\x85b", "\x85",
]
LINES = ["", "# komentar", "  # menjorok", "---", "...", "  lanjutan", "\t", "indeks:tantivy", "indeks :tantivy"]


def texts() -> list[str]:
    out = []
    for key, value in itertools.product(KEYS[:4], VALUES):
        out.append(f"{key}: {value}\n")
    for key in KEYS:
        out += [f"{key}: tantivy\n", f"{key}:\n", f"{key}:   # kosong\n"]
    rng = random.Random(16)
    for _ in range(400):
        lines = []
        for _ in range(rng.randint(1, 5)):
            if rng.random() < 0.2:
                lines.append(rng.choice(LINES))
            else:
                lines.append(f"{rng.choice(KEYS[:4] if rng.random() < 0.9 else KEYS)}:{rng.choice(['', ' ', '  '])}"
                             f"{rng.choice(VALUES)}")
        out.append(rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["", "\n"]))
    return out + ["", "\n", "# hanya komentar\n", "\ufeffindeks: tantivy\n", "indeks: tantivy\rinstansi: X\n"]


def model_answer(path: Path) -> object:
    try:
        return parse_settings(path.read_bytes().decode("utf-8-sig"), str(path))
    except ValidationError as error:
        return str(error)
    except UnicodeDecodeError:
        return "bukan UTF-8"


def test_what_the_quick_reader_accepts_the_model_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "pengaturan.yaml"
    quick_ones = refused = 0
    for text in texts():
        path.write_bytes(text.encode("utf-8"))
        expected = model_answer(path)
        quick = quick_settings(path)
        if quick is not None:
            assert quick == expected, (text, quick, expected)
            quick_ones += 1
        refused += isinstance(expected, str)
        try:
            got: object = archive_settings(tmp_path)
        except ValidationError as error:
            got = str(error)
        assert got == expected, text
    assert quick_ones > 100 and refused > 100  # both sides were exercised


@pytest.mark.parametrize("text", [
    "indeks: tantivy\n", "register: \"postgresql://arsip@server/sopdocs\"\nindeks: tantivy  # besar\n",
    "# pengaturan\ninstansi: Dinas Ketenagakerjaan dan Transmigrasi\r\nsandi_web: \"scrypt$1$2$3$YQ==$Yg==\"\n",
])
def test_the_usual_files_are_read_quickly(tmp_path: Path, text: str) -> None:
    (tmp_path / "pengaturan.yaml").write_text(text, encoding="utf-8")
    assert quick_settings(tmp_path / "pengaturan.yaml") is not None


def test_what_sopdocs_writes_is_read_quickly(tmp_path: Path) -> None:
    set_register_url(tmp_path, "postgresql://arsip@server-kantor/sopdocs")
    assert quick_settings(tmp_path / "pengaturan.yaml") == ArchiveSettings(
        register_url="postgresql://arsip@server-kantor/sopdocs")


def test_no_file_gives_the_defaults_and_a_big_file_the_models_message(tmp_path: Path) -> None:
    assert archive_settings(tmp_path) == ArchiveSettings()
    (tmp_path / "pengaturan.yaml").write_text("instansi: " + "x" * 3_000_000 + "\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="terlalu besar"):
        archive_settings(tmp_path)


def test_reading_plain_settings_imports_neither_yaml_nor_pydantic(tmp_path: Path) -> None:
    (tmp_path / "pengaturan.yaml").write_text("indeks: tantivy\ninstansi: Dinas X\n", encoding="utf-8")
    probe = ("import sys\nfrom pathlib import Path\n"
             "from sopdocs.definitions.archivesettings import archive_settings\n"
             "print(archive_settings(Path(sys.argv[1])).indeks)\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', 'pydantic')))\n")
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["tantivy", "[]"]
