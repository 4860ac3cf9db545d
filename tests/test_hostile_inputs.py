"""Hostile inputs: every one ends as a one-line message naming the file (and the line),
a ValidationError/SopdocsError, exit 2 on the command line; never a traceback, never
unbounded memory or time.

Definition files (each kind, through its loader): YAML alias bombs, deep nesting,
self-referencing aliases, huge integers, impossible timestamps, bad tags, NUL bytes,
invalid UTF-8, oversized files. Response files: XXE and zip-bomb XLSX, malformed sheets,
numbers out of range (1e308, inf, nan, 5,000 digits), oversized CSV.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from sopdocs.definitions import yamlload
from sopdocs.definitions.profile import load_profile
from sopdocs.errors import SopdocsError, ValidationError
from sopdocs.kinds.disposisi import load_disposisi
from sopdocs.kinds.kuesioner import recap as recap_module
from sopdocs.kinds.kuesioner.kuesioner import load_kuesioner
from sopdocs.kinds.kuesioner.recap import read_responses, recap
from sopdocs.kinds.sop.sopdef import load_sop
from sopdocs.kinds.surattugas import load_surat_tugas
from sopdocs.kinds.suratundangan import load_surat_undangan
from sopdocs.workflow.activity import load_kegiatan

EXAMPLES = ROOT / "examples"

#: kind -> (loader, example definition whose copy gets the hostile text)
LOADERS: dict[str, tuple[Callable[[Path], Any], str]] = {
    "sop": (load_sop, "sop-pendataan.yaml"),
    "surat-tugas": (load_surat_tugas, "surat-tugas.yaml"),
    "surat-undangan": (load_surat_undangan, "surat-undangan.yaml"),
    "kuesioner": (load_kuesioner, "kuesioner-pendataan.yaml"),
    "disposisi": (load_disposisi, "disposisi.yaml"),
    "kegiatan": (load_kegiatan, "pendataan-2024.yaml"),
    "profil": (load_profile, "profil.yaml"),
}


def _bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs": ``width ** levels`` strings once every alias is expanded."""
    lines = [f"x_lol0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"x_lol{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


#: name -> (YAML appended to a valid definition, words the message must hold, message has a line)
HOSTILE_YAML: dict[str, tuple[str, str, bool]] = {
    "alias-bomb": (_bomb(), "setelah alias", True),
    "deep-flow": ("x_dalam: " + "[" * 3000 + "]" * 3000 + "\n", "terlalu dalam", True),
    "deep-block": ("".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v\n", "terlalu dalam", True),
    "deep-through-alias": ("x_a: &a " + "[" * 40 + "]" * 40 + "\nx_b: " + "[" * 30 + "*a" + "]" * 30 + "\n",
                           "terlalu dalam", True),
    "self-alias": ("x_diri: &r [*r]\n", "memuatnya sendiri", True),
    "self-alias-map": ("x_diri: &r {a: *r}\n", "memuatnya sendiri", True),
    "huge-int": ("x_angka: " + "9" * 5000 + "\n", "bilangan terlalu panjang", True),
    "long-int": ("x_angka: " + "1" * 31 + "\n", "bilangan terlalu panjang", True),
    "long-scalar": ("x_teks: " + "a" * (yamlload.MAX_SCALAR + 1) + "\n", "terlalu panjang", True),
    "feb-31": ("x_tanggal: 2024-02-31\n", "bukan tanggal yang ada", True),
    "month-13": ("x_tanggal: 2024-13-01\n", "bukan tanggal yang ada", True),
    "year-0": ("x_tanggal: 0000-01-01\n", "bukan tanggal yang ada", True),
    "timestamp-key": ("x_libur: {2024-02-31: Hari jadi}\n", "bukan tanggal yang ada", True),
    "int-tag": ("x_angka: !!int abc\n", "bukan bilangan bulat", True),
    "float-tag": ("x_angka: !!float abc\n", "bukan bilangan", True),
    "timestamp-tag": ("x_tanggal: !!timestamp kemarin\n", "bukan tanggal", True),
    "python-tag": ("x_perintah: !!python/object/apply:os.system ['echo pwned']\n", "tidak diizinkan", True),
    "python-name": ("x_perintah: !!python/name:os.system\n", "tidak diizinkan", True),
    "custom-tag": ("x_tag: !rahasia nilai\n", "tidak diizinkan", True),
    "nul": ("x_teks: a\x00b\n", "NUL", True),
    "control": ("x_teks: a\x1bb\n", "karakter kendali", True),
}


def _hostile_copy(tmp_path: Path, example: str, tail: str | bytes) -> tuple[Path, int]:
    """A copy of ``example`` beside the examples' profile and logo, ``tail`` appended;
    returns the path and the line ``tail`` starts on."""
    folder = tmp_path / "def"
    if not folder.exists():
        shutil.copytree(EXAMPLES, folder)
    path = folder / example
    original = path.read_bytes()
    if not original.endswith(b"\n"):
        original += b"\n"
    path.write_bytes(original + (tail.encode("utf-8") if isinstance(tail, str) else tail))
    return path, original.count(b"\n") + 1


def _refused(load: Callable[[Path], Any], path: Path) -> str:
    with pytest.raises(SopdocsError) as info:
        load(path)
    assert isinstance(info.value, ValidationError)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message  # one line
    return message


# --------------------------------------------------------------------------- definitions, every kind


@pytest.mark.parametrize("kind", sorted(LOADERS))
@pytest.mark.parametrize("case", sorted(HOSTILE_YAML))
def test_hostile_yaml_is_refused_by_every_loader(kind: str, case: str, tmp_path: Path) -> None:
    load, example = LOADERS[kind]
    tail, words, has_line = HOSTILE_YAML[case]
    path, first_line = _hostile_copy(tmp_path, example, tail)
    message = _refused(load, path)
    assert words in message
    if has_line:
        line = int(message.removeprefix(f"{path}:").split(":", 1)[0])
        assert line >= first_line  # in the hostile part, not somewhere else


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_invalid_utf8_and_utf16_are_refused(kind: str, tmp_path: Path) -> None:
    load, example = LOADERS[kind]
    path, first_line = _hostile_copy(tmp_path, example, b"x_teks: caf\xe9\n")
    message = _refused(load, path)
    assert "bukan teks UTF-8" in message and f"{path}:{first_line}:" in message
    path.write_bytes((EXAMPLES / example).read_text(encoding="utf-8").encode("utf-16"))
    assert "UTF-16" in _refused(load, path)


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_oversized_definition_is_refused_before_parsing(kind: str, tmp_path: Path) -> None:
    load, example = LOADERS[kind]
    padding = ("# " + "x" * 1000 + "\n") * (yamlload.MAX_DEFINITION_BYTES // 1000 + 1)
    path, _ = _hostile_copy(tmp_path, example, padding)
    assert path.stat().st_size > yamlload.MAX_DEFINITION_BYTES
    assert "terlalu besar" in _refused(load, path)


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_a_bom_is_accepted(kind: str, tmp_path: Path) -> None:
    load, example = LOADERS[kind]
    folder = tmp_path / "def"
    shutil.copytree(EXAMPLES, folder)
    path = folder / example
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    load(path)  # no error


def test_expansion_within_bounds_still_loads() -> None:
    # aliases are fine while the expanded document stays small: merge keys, shared lists
    doc = yamlload.parse_yaml("a: &a {p: 1, q: [1, 2]}\nb:\n  <<: *a\n  r: 3\nc: [*a, *a]\n", "x.yaml")
    assert doc.data["b"] == {"p": 1, "q": [1, 2], "r": 3} and doc.data["c"][1]["q"] == [1, 2]
    assert doc.line(("b", "r")) == 4
    limit = yamlload.MAX_NODES
    text = "a: &a [" + ", ".join(["x"] * 99) + "]\nb: [" + ", ".join(["*a"] * (limit // 100 - 2)) + "]\n"
    assert len(yamlload.parse_yaml(text, "x.yaml").data["b"]) == limit // 100 - 2


def test_profile_holiday_that_does_not_exist(tmp_path: Path) -> None:
    folder = tmp_path / "def"
    shutil.copytree(EXAMPLES, folder)
    path = folder / "profil.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  tambahan: {}" in text
    path.write_text(text.replace("  tambahan: {}", "  tambahan: {2024-02-31: Hari jadi daerah}"), encoding="utf-8")
    line = text[: text.index("  tambahan: {}")].count("\n") + 1
    message = _refused(load_profile, path)
    assert message.startswith(f"{path}:{line}: hari_libur.tambahan")
    assert "2024-02-31" in message and "bukan tanggal yang ada" in message


def test_alias_bomb_in_bounded_memory(tmp_path: Path) -> None:
    """The bomb in a child process limited to its address space at start plus 512 MB: the
    unbounded loader grew past 2 GB; this one must refuse it without a MemoryError."""
    if sys.platform != "linux":
        pytest.skip("RLIMIT_AS and /proc/self/status are Linux")
    path, _ = _hostile_copy(tmp_path, "surat-tugas.yaml", _bomb(levels=12, width=10))
    script = textwrap.dedent(f"""
        import resource, sys
        sys.path.insert(0, {str(ROOT)!r})
        from sopdocs.errors import ValidationError
        from sopdocs.kinds.surattugas import load_surat_tugas
        size = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize:")) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size + 512 * 1024 * 1024, resource.RLIM_INFINITY))
        try:
            load_surat_tugas({str(path)!r})
        except ValidationError as exc:
            print("DITOLAK", exc)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "DITOLAK" in done.stdout and "setelah alias" in done.stdout
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr


# --------------------------------------------------------------------------- definitions, the CLI


@pytest.mark.parametrize("case", ["alias-bomb", "deep-flow", "self-alias", "huge-int", "feb-31", "int-tag",
                                  "python-tag", "nul"])
def test_cli_render_refuses_hostile_definition(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from sopdocs.cli import main

    monkeypatch.chdir(tmp_path)
    path, _ = _hostile_copy(tmp_path, "surat-tugas.yaml", HOSTILE_YAML[case][0])
    code = main(["render", "surat-tugas", str(path), "--archive", str(tmp_path / "arsip")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and str(path) in err and HOSTILE_YAML[case][1] in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("tail", [_bomb(), "x_tgl: 2024-02-31\n", b"x: \xff\n"], ids=["bomb", "timestamp", "utf8"])
def test_cli_render_refuses_hostile_profile(tail: str | bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from sopdocs.cli import main

    monkeypatch.chdir(tmp_path)
    profile, _ = _hostile_copy(tmp_path, "profil.yaml", tail)
    code = main(["render", "surat-tugas", str(tmp_path / "def" / "surat-tugas.yaml"),
                 "--archive", str(tmp_path / "arsip")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "profil.yaml" in err


def test_cli_render_refuses_oversized_definition(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from sopdocs.cli import main

    monkeypatch.chdir(tmp_path)
    path, _ = _hostile_copy(tmp_path, "surat-tugas.yaml", "# x\n" * (yamlload.MAX_DEFINITION_BYTES // 4 + 1))
    code = main(["render", "surat-tugas", str(path), "--archive", str(tmp_path / "arsip")])
    err = capsys.readouterr().err
    assert code == 2 and "terlalu besar" in err and "Traceback" not in err


# --------------------------------------------------------------------------- responses


QUESTIONNAIRE = EXAMPLES / "kuesioner-pendataan.yaml"
HEADER = ["kode", "nama_perusahaan", "jumlah_tk", "tk_pendidikan.1.1", "status_badan_usaha", "sikap_petugas"]


@pytest.fixture
def defn() -> Any:
    return load_kuesioner(QUESTIONNAIRE)[0]


def _xlsx(path: Path, rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "jawaban"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _rewrite(path: Path, changes: dict[str, bytes | None], extra: dict[str, bytes] | None = None) -> Path:
    """Rewrite XLSX parts (None: drop) and add others, as a hand-made hostile file would."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            new = changes.get(name, data)
            if new is not None:
                target.writestr(name, new)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return path


def _sheet_xml(cells: str, *, prolog: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + prolog +
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>kode</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>jumlah_tk</t></is></c></row>'
            f'<row r="2"><c r="A2" t="inlineStr"><is><t>K-2024-0001</t></is></c>{cells}</row>'
            "</sheetData></worksheet>")


def _recap_cli(responses: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    from sopdocs.cli import main

    code = main(["recap", str(responses), "--questionnaire", str(QUESTIONNAIRE), "-o", str(tmp_path / "out"),
                 "--archive", str(tmp_path / "arsip")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and str(responses) in err
    return err


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_xlsx_with_external_entity_is_refused(encoding: str, defn: Any, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "rahasia.txt"
    secret.write_text("KATA-SANDI-RAHASIA", encoding="utf-8")
    prolog = f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    xml = _sheet_xml('<c r="B2" t="inlineStr"><is><t>&xxe;</t></is></c>', prolog=prolog)
    if encoding == "utf-16":
        xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = _rewrite(_xlsx(tmp_path / "xxe.xlsx", []), {"xl/worksheets/sheet1.xml": xml.encode(encoding)})
    with pytest.raises(ValidationError, match="DOCTYPE") as info:
        read_responses(path, defn)
    assert str(path) in str(info.value) and "KATA-SANDI" not in str(info.value)
    err = _recap_cli(path, tmp_path, capsys)
    assert "DOCTYPE" in err and "KATA-SANDI" not in err


def test_xlsx_entity_bomb_is_refused(defn: Any, tmp_path: Path) -> None:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    xml = _sheet_xml('<c r="B2" t="inlineStr"><is><t>&i;</t></is></c>', prolog=f"<!DOCTYPE worksheet [{entities}]>")
    path = _rewrite(_xlsx(tmp_path / "lol.xlsx", []), {"xl/worksheets/sheet1.xml": xml.encode()})
    with pytest.raises(ValidationError, match="DOCTYPE"):
        read_responses(path, defn)


def test_zip_bomb_xlsx_is_refused_before_extraction(defn: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # 8 MiB of zeros deflate to about 8 KB: a ratio near 1000
    path = _rewrite(_xlsx(tmp_path / "bom.xlsx", [["K-2024-0001", "PT A", 3, 1, "PT", 4]]), {},
                    {"xl/media/image1.bin": bytes(8 * 1024 * 1024)})
    with pytest.raises(ValidationError, match="bom zip") as info:
        read_responses(path, defn)
    assert str(path) in str(info.value)
    assert "bom zip" in _recap_cli(path, tmp_path, capsys)
    # the sizes, whatever the ratio
    fine = _xlsx(tmp_path / "besar.xlsx", [["K-2024-0001", "PT A", 3, 1, "PT", 4]])
    read_responses(fine, defn)
    monkeypatch.setattr(recap_module, "MAX_XLSX_PART_BYTES", 1000)
    with pytest.raises(ValidationError, match="terlalu besar setelah diekstrak"):
        read_responses(fine, defn)
    monkeypatch.setattr(recap_module, "MAX_XLSX_PART_BYTES", 10**9)
    monkeypatch.setattr(recap_module, "MAX_XLSX_UNCOMPRESSED", 1000)
    with pytest.raises(ValidationError, match="terlalu besar setelah diekstrak"):
        read_responses(fine, defn)


@pytest.mark.parametrize("sheet", [
    b"<worksheet><sheetData><row r='1'><c",  # cut short
    b"\x00\x01 bukan xml",
    _sheet_xml('<c r="B2"><v>nan</v></c>').encode(),  # a numeric cell openpyxl cannot convert
    _sheet_xml('<c r="B2"><v>' + "9" * 5000 + "</v></c>").encode(),  # past int()'s 4,300 digits
    _sheet_xml('<c r="B2" t="d"><v>hari ini</v></c>').encode(),
    None,  # the sheet part missing
], ids=["truncated", "garbage", "nan", "5000-digits", "bad-date", "missing"])
def test_malformed_sheet_is_refused(sheet: bytes | None, defn: Any, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = _rewrite(_xlsx(tmp_path / "rusak.xlsx", []), {"xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(ValidationError) as info:
        read_responses(path, defn)
    assert str(path) in str(info.value)
    _recap_cli(path, tmp_path, capsys)


def test_not_a_zip_is_refused(defn: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "palsu.xlsx"
    path.write_bytes(b"kode;jumlah_tk\nK-2024-0001;3\n")
    with pytest.raises(ValidationError, match="bukan berkas XLSX"):
        read_responses(path, defn)
    _recap_cli(path, tmp_path, capsys)


def test_numbers_out_of_range_refuse_the_row(defn: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _xlsx(tmp_path / "angka.xlsx", [
        ["K-2024-0001", "PT A", 1e308, 1, "PT", 4],
        ["K-2024-0002", "PT B", 5, -1e300, "PT", 4],
        ["K-2024-0003", "PT C", 10**16, 1, "PT", 4],
        ["K-2024-0004", "PT D", 12, 2, "PT", 4],
    ])
    rekap = recap(path, defn, archive=tmp_path / "arsip")
    assert [row.kode for row, _ in rekap.diolah] == ["K-2024-0004"]
    reasons = {r.kode: " ".join(r.alasan) for r in rekap.ditolak}
    assert all("di luar batas" in reasons[code] for code in ("K-2024-0001", "K-2024-0002", "K-2024-0003"))
    summary = {s.pertanyaan.id: s for _, s in rekap.ringkasan}
    assert summary["jumlah_tk"].nilai["jumlah"] == 12
    # infinity (1e309 overflows to it) written into the sheet by hand
    inf = _rewrite(_xlsx(tmp_path / "inf.xlsx", []),
                   {"xl/worksheets/sheet1.xml": _sheet_xml('<c r="B2"><v>1e309</v></c>').encode()})
    (refused,) = recap(inf, defn, archive=tmp_path / "arsip").ditolak
    assert "terhingga" in " ".join(refused.alasan)
    # only refused rows: the recap CLI stops with exit 2
    only_bad = _xlsx(tmp_path / "semua-salah.xlsx", [["K-2024-0001", "PT A", 1e308, 1, "PT", 4]])
    assert "tidak ada baris jawaban yang dapat diolah" in _recap_cli(only_bad, tmp_path, capsys)


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("value,words", [
    ("1e308", "bukan angka"), ("inf", "bukan angka"), ("nan", "bukan angka"), ("-Infinity", "bukan angka"),
    ("9" * 5000, "terlalu panjang"), ("9" * 20, "di luar batas"), ("1.000.000.000.000.000.000", "di luar batas"),
    ("9" * 30 + ",5", "di luar batas"),
])
def test_csv_numbers_out_of_range(value: str, words: str, defn: Any, tmp_path: Path) -> None:
    path = _csv(tmp_path / "j.csv", [["K-2024-0001", "PT A", value, "1", "PT", "4"],
                                     ["K-2024-0002", "PT B", "7", value, "PT", "4"]])
    rekap = recap(path, defn, archive=tmp_path / "arsip")
    assert not rekap.diolah and len(rekap.ditolak) == 2
    for row in rekap.ditolak:
        text = " ".join(row.alasan)
        assert words in text and "Exceeds" not in text and len(text) < 300


def test_oversized_responses_are_refused(defn: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    rows = [[f"K-2024-{i:04d}", "PT A", "3", "1", "PT", "4"] for i in range(1, 6)]
    path = _csv(tmp_path / "j.csv", rows)
    xlsx = _xlsx(tmp_path / "j.xlsx", rows)
    assert len(read_responses(path, defn).rows) == 5
    monkeypatch.setattr(recap_module, "MAX_RESPONSES_BYTES", 100)
    for responses in (path, xlsx):
        with pytest.raises(ValidationError, match="terlalu besar"):
            read_responses(responses, defn)
        assert "terlalu besar" in _recap_cli(responses, tmp_path, capsys)
    monkeypatch.undo()
    monkeypatch.setattr(recap_module, "MAX_ROWS", 4)
    for responses in (path, xlsx):
        with pytest.raises(ValidationError, match="lebih dari 4 baris") as info:
            read_responses(responses, defn)
        assert f"{responses}" in str(info.value) and ":6:" in str(info.value)  # the fifth data row
        _recap_cli(responses, tmp_path, capsys)


def test_oversized_csv_for_real(defn: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file past MAX_RESPONSES_BYTES (sparse: no disk used) is refused without reading it all."""
    path = tmp_path / "besar.csv"
    with path.open("wb") as handle:
        handle.write(b"kode;jumlah_tk\n")
        handle.truncate(recap_module.MAX_RESPONSES_BYTES + 1)
    with pytest.raises(ValidationError, match="terlalu besar"):
        read_responses(path, defn)


def test_long_cells_lines_and_columns_are_refused(defn: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    long_cell = _csv(tmp_path / "sel.csv", [["K-2024-0001", "x" * (recap_module.MAX_CELL_CHARS + 1), "3", "1", "PT", "4"]])
    with pytest.raises(ValidationError, match="nama_perusahaan berisi") as info:
        read_responses(long_cell, defn)
    assert f"{long_cell}:2:" in str(info.value)
    wide = _csv(tmp_path / "lebar.csv", [], header=["kode", "jumlah_tk"] + [f"k{i}" for i in range(recap_module.MAX_COLUMNS)])
    with pytest.raises(ValidationError, match="kolom, paling banyak"):
        read_responses(wide, defn)
    monkeypatch.setattr(recap_module, "MAX_LINE_CHARS", 200)
    line = _csv(tmp_path / "baris.csv", [["K-2024-0001", "y" * 300, "3", "1", "PT", "4"]])
    with pytest.raises(ValidationError, match="baris terlalu panjang") as info:
        read_responses(line, defn)
    assert f"{line}:2:" in str(info.value)


def test_nul_and_binary_csv_are_refused(defn: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"kode;jumlah_tk\nK-2024-0001;3\x00\n")
    with pytest.raises(ValidationError, match="NUL") as info:
        read_responses(path, defn)
    assert f"{path}:2:" in str(info.value)
    _recap_cli(path, tmp_path, capsys)
    binary = tmp_path / "acak.csv"
    binary.write_bytes(os.urandom(4096))
    with pytest.raises(ValidationError):
        read_responses(binary, defn)


def test_huge_duration_is_refused(tmp_path: Path) -> None:
    """A 5,000-digit duration would have crashed when written out (int to str limit)."""
    path, first_line = _hostile_copy(tmp_path, "sop-pendataan.yaml", "")
    text = path.read_text(encoding="utf-8")
    assert "waktu: 3 menit" in text
    path.write_text(text.replace("waktu: 3 menit", "waktu: " + "9" * 5000 + " jam", 1), encoding="utf-8")
    message = _refused(load_sop, path)
    assert "terlalu lama" in message and len(message) < 400
