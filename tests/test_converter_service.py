"""The per-user converter service (sopdocs.pdf.service), with a real LibreOffice.

Every test uses a runtime folder of its own (``SOPDOCS_RUNTIME``, short: an AF_UNIX
socket path has a length limit) and a short idle time, and stops the service at the
end; the rest of the suite runs with the service off (tests/conftest.py). Processes are
found in /proc by the unique names in their command lines, as in tests/test_converter.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client
from pathlib import Path

import pytest
from conftest import EXAMPLES, requires_libreoffice
from test_converter import GONE_WITHIN, ROOT, make_docx, needs_resident, pdf_text, processes_with

from sopdocs.pdf import service
from sopdocs.pdf.convert import convert_many, find_soffice

#: Seconds of idle time the services of these tests get (the idle test sets its own).
IDLE = "60"


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private runtime folder with the service switched on; the service stopped after."""
    folder = Path(tempfile.mkdtemp(prefix="sdp-"))
    monkeypatch.setenv(service.ENV_RUNTIME, str(folder))
    monkeypatch.setenv(service.ENV_SWITCH, "1")
    monkeypatch.setenv(service.ENV_IDLE, IDLE)
    try:
        yield folder
    finally:
        state = service._read_state(folder)
        service.stop(folder)
        if state is not None:
            pid = int(state["pid"])
            if not wait_until(lambda: not alive(pid)):
                os.kill(pid, signal.SIGKILL)
        assert services_in(folder) == []
        shutil.rmtree(folder, ignore_errors=True)


def wait_until(condition: object, within: float = GONE_WITHIN) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def services_in(folder: Path) -> list[int]:
    return processes_with(f"sopdocs.pdf.service serve {folder}")


def connect() -> service.ServiceConverter:
    soffice = find_soffice()
    assert soffice is not None
    return service.connect(soffice)


def leftovers(status: dict[str, object]) -> list[int]:
    """Processes still running of the service's LibreOffices (helpers and soffice by pipe name)."""
    residents = status["residents"]
    assert isinstance(residents, list) and residents
    found: list[int] = []
    for resident in residents:
        found += processes_with(str(resident["pipe"]))
        if alive(int(resident["helper"])):
            found.append(int(resident["helper"]))
    return found


def render_command(out: Path, archive: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sopdocs", "render", "surat-tugas", str(EXAMPLES / "surat-tugas.yaml"), "-o", str(out),
         "--archive", str(archive), "--pdf"],
        capture_output=True, text=True, cwd=ROOT, timeout=300, env=dict(os.environ))


@requires_libreoffice()
@needs_resident
def test_a_second_render_command_is_served_by_the_running_service(runtime: Path, tmp_path: Path) -> None:
    first = render_command(tmp_path / "satu", tmp_path / "arsip")
    assert first.returncode == 0, first.stderr
    state = service._read_state(runtime)
    assert state is not None and alive(int(state["pid"]))  # the command ended, its service runs on
    before = service.status(connect())
    second = render_command(tmp_path / "dua", tmp_path / "arsip")
    assert second.returncode == 0, second.stderr
    after = service.status(connect())
    assert after["pid"] == state["pid"] and int(after["converted"]) == int(before["converted"]) + 1
    [docx] = (tmp_path / "dua").glob("*.docx")
    [pdf] = (tmp_path / "dua").glob("*.pdf")
    [batch] = convert_many([docx], tmp_path / "batch", resident=False)
    archive_line = re.compile(r" ?Nomor \S+ \| SHA-256 docx [0-9a-f]{16}")  # stamped by the archive
    assert archive_line.search(pdf_text(pdf)) and "SURAT TUGAS" in pdf_text(pdf).upper()
    assert archive_line.sub("", pdf_text(pdf)) == pdf_text(batch)
    assert services_in(runtime) == [int(state["pid"])]


@requires_libreoffice()
@needs_resident
def test_a_client_killed_mid_conversion_leaves_the_service_healthy(runtime: Path, tmp_path: Path) -> None:
    import docx

    big = tmp_path / "besar.docx"
    document = docx.Document()
    for n in range(3000):
        document.add_paragraph(f"Baris {n}: pendataan ketenagakerjaan perusahaan " * 3)
    document.save(str(big))
    converter = connect()
    script = ("import sys; from pathlib import Path; from sopdocs.pdf import service; "
              "from sopdocs.pdf.convert import find_soffice; c = service.connect(find_soffice()); "
              "print('tersambung', flush=True); c.convert(Path(sys.argv[1]), Path(sys.argv[2]), pdfa=False, timeout=120)")
    child = subprocess.Popen([sys.executable, "-c", script, str(big), str(tmp_path / "besar.pdf")], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    assert child.stdout is not None and child.stdout.readline().strip() == "tersambung"
    assert wait_until(lambda: int(service.status(converter)["busy"]) == 1, 60)  # LibreOffice is on it
    child.kill()
    child.wait(timeout=30)
    source = make_docx(tmp_path / "sesudah.docx", "sesudah")
    [pdf] = convert_many([source], tmp_path / "out")  # this process does not use the service:
    converter.convert(source, (tmp_path / "lewat-layanan.pdf").resolve(), pdfa=False, timeout=120)
    assert "Penanda dokumen: sesudah" in pdf_text(tmp_path / "lewat-layanan.pdf")
    assert pdf_text(pdf) == pdf_text(tmp_path / "lewat-layanan.pdf")
    # The dead client's document may still be in LibreOffice (a conversion cannot be cut
    # short): the service finishes it, throws the result away and is then idle.
    assert wait_until(lambda: int(service.status(converter)["busy"]) == 0, 120)
    assert service.status(converter)["pid"] == converter.service_pid


@requires_libreoffice()
@needs_resident
def test_a_killed_service_leaves_no_libreoffice_and_is_replaced(runtime: Path, tmp_path: Path) -> None:
    converter = connect()
    service.warm(converter, 2)
    source = make_docx(tmp_path / "a.docx", "dibunuh")
    converter.convert(source, (tmp_path / "a.pdf").resolve(), pdfa=False, timeout=120)
    assert wait_until(lambda: len(service.status(converter)["residents"]) == 2, 90)
    status = service.status(converter)
    os.kill(int(status["pid"]), signal.SIGKILL)
    assert wait_until(lambda: not leftovers(status)), leftovers(status)
    assert (runtime / service.STATE_FILE).exists()  # what it left: a stale state file and socket
    again = connect()  # ... found stale, and replaced by a new service
    assert again.service_pid != status["pid"]
    again.convert(source, (tmp_path / "b.pdf").resolve(), pdfa=False, timeout=120)
    assert "Penanda dokumen: dibunuh" in pdf_text(tmp_path / "b.pdf")
    assert services_in(runtime) == [again.service_pid]


@requires_libreoffice()
@needs_resident
def test_an_idle_service_ends_with_its_libreoffices(runtime: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(service.ENV_IDLE, "3")
    converter = connect()
    source = make_docx(tmp_path / "a.docx", "menganggur")
    converter.convert(source, (tmp_path / "a.pdf").resolve(), pdfa=False, timeout=120)
    status = service.status(converter)
    assert status["idle_seconds"] == 3
    assert wait_until(lambda: not alive(int(status["pid"])) and not leftovers(status), 3 + GONE_WITHIN)
    assert not (runtime / service.STATE_FILE).exists()
    assert list(runtime.glob("*.sock")) == []


@requires_libreoffice()
@needs_resident
def test_the_stop_command_ends_the_service_and_its_libreoffices(runtime: Path, tmp_path: Path) -> None:
    converter = connect()
    source = make_docx(tmp_path / "a.docx", "berhenti")
    converter.convert(source, (tmp_path / "a.pdf").resolve(), pdfa=False, timeout=120)
    status = service.status(converter)
    stop = [sys.executable, "-m", "sopdocs.pdf.service", "stop"]
    done = subprocess.run(stop, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "Layanan PDF dihentikan.")
    assert wait_until(lambda: not alive(int(status["pid"])) and not leftovers(status))
    again = subprocess.run(stop, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert (again.returncode, again.stdout.strip()) == (0, "Tidak ada layanan PDF yang berjalan.")


@requires_libreoffice()
@needs_resident
def test_two_commands_at_once_start_one_service(runtime: Path) -> None:
    script = ("from sopdocs.pdf import service; from sopdocs.pdf.convert import find_soffice; "
              "print(service.connect(find_soffice()).service_pid)")
    children = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=dict(os.environ)) for _ in range(3)]
    pids = set()
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        pids.add(int(out))
    assert len(pids) == 1
    assert services_in(runtime) == list(pids)


@requires_libreoffice()
@needs_resident
def test_a_wrong_authkey_is_refused_and_paths_are_checked(runtime: Path, tmp_path: Path) -> None:
    converter = connect()
    state = service._read_state(runtime)
    assert state is not None
    assert (runtime / service.KEY_FILE).stat().st_mode & 0o077 == 0
    assert runtime.stat().st_mode & 0o077 == 0
    with pytest.raises(AuthenticationError):
        Client(str(state["address"]), family="AF_UNIX", authkey=b"x" * 32)
    not_word = tmp_path / "surat.docx"
    not_word.write_text("bukan dokumen Word", encoding="utf-8")
    good = make_docx(tmp_path / "baik.docx", "baik")
    refused = [
        {"op": "convert", "src": str(not_word), "dst": str(tmp_path / "x.pdf")},
        {"op": "convert", "src": "baik.docx", "dst": str(tmp_path / "x.pdf")},
        {"op": "convert", "src": str(good), "dst": str(tmp_path / "x.exe")},
        {"op": "convert", "src": str(good), "dst": str(good)},
        {"op": "convert", "src": str(good), "dst": str(tmp_path / "tidak-ada" / "x.pdf")},
        {"op": "hapus", "src": str(good)},
    ]
    for request in refused:
        answer = converter.request(request, 30)
        assert answer.get("refused") and not answer.get("ok"), (request, answer)
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.exe").exists()
    converter.convert(good, (tmp_path / "baik.pdf").resolve(), pdfa=False, timeout=120)  # still serving
    assert "Penanda dokumen: baik" in pdf_text(tmp_path / "baik.pdf")


@requires_libreoffice()
@needs_resident
def test_another_version_is_stopped_and_replaced(runtime: Path, tmp_path: Path) -> None:
    soffice = find_soffice()
    assert soffice is not None
    service._make_key(runtime)
    # A service of another sopdocs version (as left running by an upgrade)
    script = ("import sys; from sopdocs.pdf import service; service.PROTOCOL = 0; "
              "sys.exit(service.main(['', 'serve', sys.argv[1], sys.argv[2]]))")
    old = subprocess.Popen([sys.executable, "-c", script, str(runtime), str(soffice)], cwd=ROOT,
                           start_new_session=True, env=dict(os.environ))
    try:
        assert wait_until(lambda: service._read_state(runtime) is not None, 60)
        new = connect()  # finds it "not the same", asks it to stop, starts its own
        assert new.service_pid != old.pid
        assert old.wait(timeout=GONE_WITHIN) == 0
        assert services_in(runtime) == [new.service_pid]
        source = make_docx(tmp_path / "a.docx", "versi")
        new.convert(source, (tmp_path / "a.pdf").resolve(), pdfa=False, timeout=120)
        assert "Penanda dokumen: versi" in pdf_text(tmp_path / "a.pdf")
    finally:
        if old.poll() is None:
            old.kill()
            old.wait()


def test_the_runtime_folder_must_be_private_and_ours(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    monkeypatch.setenv(service.ENV_RUNTIME, str(folder))
    with pytest.raises(service.ServiceUnavailable, match="dapat dibuka pengguna lain"):
        service.private_dir()  # not repaired: what was put in it meanwhile is not trusted
    assert folder.stat().st_mode & 0o777 == 0o755
    folder.chmod(0o700)
    assert service.private_dir() == folder
    monkeypatch.setenv(service.ENV_SWITCH, "0")
    with pytest.raises(service.ServiceUnavailable):
        service.connect(Path("soffice"))
    if hasattr(os, "getuid") and os.getuid() == 0:
        os.chown(folder, 12345, 12345)  # another user's folder: never used
        monkeypatch.setenv(service.ENV_SWITCH, "1")
        with pytest.raises(service.ServiceUnavailable, match="bukan folder milik"):
            service.private_dir()


def test_state_is_json_with_an_address() -> None:
    folder = Path(tempfile.mkdtemp(prefix="sdp-"))
    try:
        (folder / service.STATE_FILE).write_text(json.dumps({"pid": 1}), encoding="utf-8")
        assert service._read_state(folder) is None  # no address: as if no service ran
        (folder / service.STATE_FILE).write_text("{", encoding="utf-8")
        assert service._read_state(folder) is None
    finally:
        shutil.rmtree(folder)


@requires_libreoffice()
@needs_resident
def test_without_a_usable_service_the_command_converts_by_itself(runtime: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "bukan-folder"
    blocked.write_text("sebuah berkas, bukan folder", encoding="utf-8")
    monkeypatch.setenv(service.ENV_RUNTIME, str(blocked / "run"))  # cannot be created
    done = render_command(tmp_path / "out", tmp_path / "arsip")
    assert done.returncode == 0, done.stderr
    [pdf] = (tmp_path / "out").glob("*.pdf")
    assert "SURAT TUGAS" in pdf_text(pdf).upper()
    assert services_in(blocked / "run") == [] and services_in(runtime) == []


@requires_libreoffice()
def test_a_service_whose_libreoffice_cannot_start_is_left_for_batch_runs(runtime: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from sopdocs.pdf import resident

    monkeypatch.setenv(resident.ENV_PYTHON, str(tmp_path / "tidak-ada" / "python"))  # no uno Python
    converter = connect()
    source = make_docx(tmp_path / "a.docx", "cadangan")
    with pytest.raises(resident.ResidentUnavailable):
        converter.convert(source, (tmp_path / "a.pdf").resolve(), pdfa=False, timeout=60)
    done = render_command(tmp_path / "out", tmp_path / "arsip")  # served by a batch run instead
    assert done.returncode == 0, done.stderr
    [pdf] = (tmp_path / "out").glob("*.pdf")
    assert "SURAT TUGAS" in pdf_text(pdf).upper()
