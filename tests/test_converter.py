"""The resident LibreOffice (sopdocs.pdf.resident): same PDFs as the batch runs, and never a
LibreOffice left running, whether the process that started it exits, fails or is killed.

The processes are looked for by the unique pipe name each resident LibreOffice listens on
(it is in the command line of soffice and soffice.bin), in /proc: these tests run where
/proc exists (Linux, the CI); the Windows code path is the same apart from ``taskkill``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import IN_CI, requires_libreoffice
from pypdf import PdfReader

from sopdocs.errors import ConversionError
from sopdocs.pdf import resident
from sopdocs.pdf.convert import convert_many, convert_to_pdf, find_soffice

ROOT = Path(__file__).resolve().parent.parent
PROC = Path("/proc")
#: Seconds a helper may take to end LibreOffice after its parent is gone.
GONE_WITHIN = 20.0


def _uno_available() -> bool:
    soffice = find_soffice()
    if soffice is None:
        return False
    for python in resident.uno_python(soffice):
        done = subprocess.run([str(python), "-c", "import uno"], capture_output=True)
        if done.returncode == 0:
            return True
    return False


# Skipped where /proc or a uno Python is missing, except under CI=true, where
# scripts/install-system-deps.sh installs python3-uno and its absence must fail.
needs_resident = pytest.mark.skipif(
    not PROC.is_dir() or (not IN_CI and not _uno_available()),
    reason="needs /proc and a Python with LibreOffice's uno module (Debian: apt-get install python3-uno)",
)


def make_docx(path: Path, marker: str) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("SURAT TUGAS")
    document.add_paragraph(f"Penanda dokumen: {marker}")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def pdf_text(pdf: Path) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(pdf).pages).split())


def processes_with(text: str) -> list[int]:
    """Live (not zombie) processes whose command line contains ``text``."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def wait_gone(pipe: str, helper: int) -> list[int]:
    """Wait until neither the helper nor any LibreOffice process on ``pipe`` runs; returns what is left."""
    deadline = time.monotonic() + GONE_WITHIN
    left: list[int] = []
    while time.monotonic() < deadline:
        left = processes_with(pipe) + [pid for pid in processes_with(str(resident.HELPER)) if pid == helper]
        if not left:
            return []
        time.sleep(0.2)
    return left


CHILD = """
import json, os, sys, time
from pathlib import Path
from sopdocs.pdf import resident
from sopdocs.pdf.convert import convert_to_pdf
source, out, ending = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
pdf = convert_to_pdf(source, out)
converter = resident.first()
info = {"pdf": str(pdf), "helper": converter.helper_pid, "office": converter.office_pid,
        "pipe": converter.pipe}
print(json.dumps(info), flush=True)
sys.stdin.readline()  # the test has seen LibreOffice running
if ending == "error":
    raise RuntimeError("gagal setelah konversi")
if ending == "wait":
    time.sleep(120)
"""


def run_child(tmp_path: Path, ending: str) -> tuple[subprocess.Popen[str], dict[str, object]]:
    source = make_docx(tmp_path / f"{ending}.docx", ending)
    temp = tmp_path / "temp"  # the child's temporary folder: must be left empty
    temp.mkdir(parents=True)
    env = {**os.environ, "TMPDIR": str(temp), "TMP": str(temp), "TEMP": str(temp)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(source), str(tmp_path / "out"), ending],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=ROOT, env=env)
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line, child.stderr.read() if child.stderr else ""
    info = json.loads(line)
    assert Path(str(info["pdf"])).read_bytes().startswith(b"%PDF")
    assert processes_with(str(info["pipe"])), "the resident LibreOffice should run while its parent lives"
    assert child.stdin is not None
    child.stdin.write("lanjut\n")
    child.stdin.flush()
    return child, info


@requires_libreoffice()
@needs_resident
@pytest.mark.parametrize("ending", ["normal", "error"])
def test_nothing_left_after_the_process_ends(tmp_path: Path, ending: str) -> None:
    child, info = run_child(tmp_path, ending)
    code = child.wait(timeout=120)
    assert code == (0 if ending == "normal" else 1)
    assert wait_gone(str(info["pipe"]), int(str(info["helper"]))) == []
    assert list((tmp_path / "temp").iterdir()) == []  # no profile, no LibreOffice lu*.tmp


@requires_libreoffice()
@needs_resident
def test_nothing_left_after_the_process_is_killed(tmp_path: Path) -> None:
    child, info = run_child(tmp_path, "wait")
    os.kill(child.pid, getattr(signal, "SIGKILL", signal.SIGTERM))
    child.wait(timeout=30)
    assert wait_gone(str(info["pipe"]), int(str(info["helper"]))) == []
    assert list((tmp_path / "temp").iterdir()) == []  # no profile, no LibreOffice lu*.tmp


@requires_libreoffice()
@needs_resident
def test_two_processes_at_once_each_have_their_own(tmp_path: Path) -> None:
    (a, info_a), (b, info_b) = run_child(tmp_path / "a", "wait"), run_child(tmp_path / "b", "wait")
    try:
        assert info_a["pipe"] != info_b["pipe"] and info_a["office"] != info_b["office"]
        assert "Penanda dokumen: wait" in pdf_text(Path(str(info_a["pdf"])))
        assert "Penanda dokumen: wait" in pdf_text(Path(str(info_b["pdf"])))
    finally:
        a.kill()
        b.kill()
        a.wait(timeout=30)
        b.wait(timeout=30)
    assert wait_gone(str(info_a["pipe"]), int(str(info_a["helper"]))) == []
    assert wait_gone(str(info_b["pipe"]), int(str(info_b["helper"]))) == []


@requires_libreoffice()
@needs_resident
def test_resident_and_batch_make_the_same_pdf(tmp_path: Path) -> None:
    sources = [make_docx(tmp_path / "in" / f"dok{i}.docx", f"sama-{i}") for i in range(3)]
    ours = convert_many(sources, tmp_path / "resident", resident=True)
    running = resident.first()
    assert running is not None and running.alive()  # it was the resident that converted
    theirs = convert_many(sources, tmp_path / "batch", resident=False)
    for mine, other, i in zip(ours, theirs, range(3)):
        assert pdf_text(mine) == pdf_text(other)
        assert f"Penanda dokumen: sama-{i}" in pdf_text(mine)
    archived = convert_to_pdf(sources[0], tmp_path / "pdfa", pdfa=True, resident=True)
    xmp = PdfReader(archived).xmp_metadata
    assert xmp is not None and xmp.pdfaid_part == "2"
    assert sorted(p.name for p in (tmp_path / "resident").iterdir()) == ["dok0.pdf", "dok1.pdf", "dok2.pdf"]


@requires_libreoffice()
@needs_resident
def test_a_timeout_ends_that_libreoffice_and_the_next_one_starts(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "lambat.docx", "lambat")
    convert_to_pdf(source, tmp_path / "warm", resident=True)  # running, so the limit is on the document
    converter = resident.first()
    assert converter is not None
    pipe, helper = str(converter.pipe), converter.helper_pid
    with pytest.raises(ConversionError, match="tidak selesai"):
        convert_to_pdf(source, tmp_path / "out", timeout=0.001, resident=True)
    assert list((tmp_path / "out").iterdir()) == []
    assert wait_gone(pipe, helper or -1) == []
    again = convert_to_pdf(source, tmp_path / "lagi", resident=True)
    assert "Penanda dokumen: lambat" in pdf_text(again)
    assert resident.first() is not None and resident.first() is not converter


@requires_libreoffice()
def test_without_a_uno_python_the_batch_run_is_used(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "cadangan.docx", "cadangan")
    script = ("import sys; from pathlib import Path; from sopdocs.pdf import resident; "
              "from sopdocs.pdf.convert import convert_to_pdf; "
              "pdf = convert_to_pdf(Path(sys.argv[1]), Path(sys.argv[2])); "
              "print(resident.first() is None, pdf)")
    env = {**os.environ, resident.ENV_PYTHON: str(tmp_path / "tidak-ada" / "python")}
    done = subprocess.run([sys.executable, "-c", script, str(source), str(tmp_path / "out")], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    no_resident, pdf = done.stdout.split(" ", 1)
    assert no_resident == "True"
    assert "Penanda dokumen: cadangan" in pdf_text(Path(pdf.strip()))


def test_the_switch_turns_the_resident_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(resident.ENV_SWITCH, "0")
    assert not resident.enabled()
    assert resident.shared(Path("soffice")) is None
    monkeypatch.setenv(resident.ENV_SWITCH, "1")
    assert resident.enabled()


@requires_libreoffice()
@needs_resident
def test_relative_folders_are_converted_by_the_resident(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``sopdocs render ... -o out/ --pdf`` gives relative paths; UNO needs absolute ones.
    The batch path is made to fail here, so the PDFs can only come from the resident."""
    from sopdocs.pdf import convert

    def no_batch(*args: object, **kwargs: object) -> tuple[list[Path], list[str]]:
        raise AssertionError("the batch path was used")

    monkeypatch.chdir(tmp_path)
    make_docx(tmp_path / "in" / "relatif.docx", "relatif")
    monkeypatch.setattr(convert, "_convert_batch", no_batch)
    [pdf] = convert_many([Path("in") / "relatif.docx"], Path("out"), resident=True)
    assert pdf == Path("out") / "relatif.pdf"
    assert "Penanda dokumen: relatif" in pdf_text(tmp_path / "out" / "relatif.pdf")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["relatif.pdf"]


@requires_libreoffice()
@needs_resident
def test_a_document_converted_ahead_is_taken_by_a_later_conversion_of_its_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run converts each document as soon as it is final; the archive later converts a copy
    with the same bytes and gets that PDF (nothing converted twice). Conversion is made
    impossible after the ahead one, so the PDF can only come from it."""
    from sopdocs.pdf import convert

    source = make_docx(tmp_path / "dini.docx", "dini")
    convert.convert_ahead(source)
    future = convert._ahead[(convert._digest(source), False)]
    assert future.result(timeout=300) is not None
    copy = tmp_path / "arsip" / "p001.docx"
    copy.parent.mkdir()
    copy.write_bytes(source.read_bytes())
    changed = make_docx(tmp_path / "lain" / "p002.docx", "lain")  # other bytes: converted as usual

    def no_batch(*args: object, **kwargs: object) -> tuple[list[Path], list[str]]:
        raise AssertionError("converted again in batch")

    monkeypatch.setattr(convert, "_convert_batch", no_batch)
    monkeypatch.setattr(convert, "_converters", lambda *args: [])  # no resident LibreOffice either
    [pdf] = convert_many([copy], tmp_path / "pdf")
    assert pdf == tmp_path / "pdf" / "p001.pdf"
    assert "Penanda dokumen: dini" in pdf_text(pdf)
    monkeypatch.undo()
    [other] = convert_many([changed], tmp_path / "pdf", resident=False)
    assert "Penanda dokumen: lain" in pdf_text(other)
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == ["p001.pdf", "p002.pdf"]
