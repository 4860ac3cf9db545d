"""The per-user search service (sopdocs.cli.service): real commands, a real service process.

Every test uses a runtime folder of its own (short: an AF_UNIX socket path has a length
limit) and stops the service at the end; the rest of the suite runs with the service off
(tests/conftest.py). A command reports on stderr whether it loaded the command line's
parser (sopdocs.cli.base) itself: a search the service answered did not.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, archives_with_one_letter
from test_converter import processes_with
from test_converter_service import alive, wait_until

from sopdocs import runtime
from sopdocs.cli import service

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the POSIX socket and /proc are used to watch the service")

#: The console script's code, with a report of whether the search ran in this process.
COMMAND = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('\\nLOCAL %d\\n' % ('sopdocs.cli.base' in sys.modules)))\n"
    "sys.argv = ['sopdocs', *sys.argv[1:]]\n"
    "from sopdocs.cli import entry_point\n"
    "entry_point()\n")
#: Seconds a started service may take to answer.
UP_WITHIN = 30.0


class Run:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        body, _, marker = done.stderr.rpartition("\nLOCAL ")
        assert marker.strip() in ("0", "1"), done.stderr
        self.code = done.returncode
        self.stdout = done.stdout
        self.stderr = body
        self.local = marker.strip() == "1"

    def output(self) -> tuple[int, str, str]:
        return self.code, self.stdout, self.stderr


def sopdocs(*argv: str, service_on: bool = True, cwd: Path = ROOT, **env: str) -> Run:
    """The command, run in ``cwd`` with this tree's sopdocs (the one a folder ``cwd`` holds first)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    environment = dict(os.environ, COLUMNS="120", PYTHONPATH=path, **env)
    environment[service.ENV_SWITCH] = "1" if service_on else "0"
    return Run(subprocess.run([sys.executable, "-c", COMMAND, *argv], capture_output=True, text=True, cwd=cwd,
                              env=environment, timeout=120))


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return archives_with_one_letter(tmp_path_factory.mktemp("layanan"))


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private runtime folder; the service switched on, and stopped (or killed) after."""
    where = Path(tempfile.mkdtemp(prefix="sds-"))
    monkeypatch.setenv(runtime.ENV_RUNTIME, str(where))
    monkeypatch.setenv(service.ENV_SWITCH, "1")
    try:
        yield where
    finally:
        service.stop(str(where))
        for state_file in where.glob("search-*.state"):  # another installation's (a copy of the package)
            state = service._read_state(str(state_file))
            if state is not None and alive(int(state["pid"])):
                os.kill(int(state["pid"]), signal.SIGTERM)
        if not wait_until(lambda: services_in(where) == [], 10):
            for pid in services_in(where):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(where, ignore_errors=True)


def services_in(folder: Path) -> list[int]:
    return processes_with(f"sopdocs.cli.service serve {folder} ")


def state_of(folder: Path) -> dict[str, str] | None:
    return service._read_state(service._files(str(folder), service._tag())["state"])


def service_up(folder: Path) -> int:
    """The pid of the service in ``folder`` once it answers (it starts detached)."""
    files = service._files(str(folder), service._tag())

    def answers() -> bool:
        state = service._read_state(files["state"])
        if state is None:
            return False
        try:
            service._connect(state["address"], files["key"]).close()
        except (OSError, runtime.ServiceUnavailable):
            return False
        return True

    assert wait_until(answers, UP_WITHIN), (folder / f"search-{service._tag()}.log").read_text(errors="replace")
    state = state_of(folder)
    assert state is not None
    return int(state["pid"])


def ask(folder: Path, payload: bytes) -> bytes:
    state = state_of(folder)
    assert state is not None
    return service._ask(state, service._files(str(folder), service._tag())["key"], payload)


SEARCHES = [
    ["pendataan"],
    ["pendataan", "--json"],
    ["pendataan", "--kind", "surat-tugas", "--json"],
    ["pendatan"],  # did you mean
    ["petugas AND NOT zzzz", "--limit", "1"],
    ['"tidak ditutup'],  # a query error: one line, exit 2
    ["pendataan", "--year", "abc"],  # an argument error
    ["--help"],
    ["tidakadasamasekali"],
]


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_later_searches_are_answered_by_the_service_with_the_same_output(
        folder: Path, archives: dict[str, Path], engine: str) -> None:
    archive = str(archives[engine])
    first = sopdocs("search", "pendataan", "--archive", archive)
    assert first.code == 0 and first.local  # no service yet: answered here, and one started
    pid = service_up(folder)
    for words in SEARCHES:
        argv = ["search", *words, "--archive", archive]
        served, cold = sopdocs(*argv), sopdocs(*argv, service_on=False)
        assert not served.local and cold.local, words
        assert served.output() == cold.output(), words
    assert "1 dokumen" in sopdocs("search", "pendataan", "--archive", archive).stdout
    assert services_in(folder) == [pid]  # one service answered them all


def test_a_search_after_the_archive_changed_sees_the_change(folder: Path, archives: dict[str, Path],
                                                              tmp_path: Path) -> None:
    archive = tmp_path / "arsip"
    shutil.copytree(archives["tantivy"], archive)
    sopdocs("search", "pendataan", "--archive", str(archive))
    service_up(folder)
    before = sopdocs("search", "pendataan", "--archive", str(archive), "--json")
    assert not before.local and '"total": 1' in before.stdout
    subprocess.run([sys.executable, "-m", "sopdocs", "render", "surat-tugas", str(EXAMPLES / "surat-tugas.yaml"),
                    "-o", str(tmp_path / "out"), "--profil", str(EXAMPLES / "profil.yaml"), "--archive",
                    str(archive)], check=True, cwd=ROOT, capture_output=True)
    after = sopdocs("search", "pendataan", "--archive", str(archive), "--json")
    assert not after.local and '"total": 2' in after.stdout


def test_a_relative_archive_is_found_from_the_commands_folder(folder: Path, archives: dict[str, Path]) -> None:
    where = archives["whoosh"].parent
    sopdocs("search", "pendataan", "--archive", "arsip", cwd=where)
    service_up(folder)
    served = sopdocs("search", "pendataan", "--archive", "arsip", cwd=where)
    cold = sopdocs("search", "pendataan", "--archive", "arsip", cwd=where, service_on=False)
    assert not served.local and served.output() == cold.output() and served.code == 0
    elsewhere = sopdocs("search", "pendataan", "--archive", "arsip", cwd=ROOT)
    assert not elsewhere.local and elsewhere.code == 2 and "arsip: folder arsip tidak ada" in elsewhere.stderr
    assert not (ROOT / "arsip").exists()


def test_only_searches_are_served(folder: Path, archives: dict[str, Path], tmp_path: Path) -> None:
    sopdocs("search", "x", "--archive", str(archives["whoosh"]))
    service_up(folder)

    def request(cwd: str, *argv: str) -> bytes:
        fields = [cwd, str(len(argv)), *argv, "COLUMNS=80"]
        return service.PROTOCOL + b"\0" + "\0".join(fields).encode()

    register = tmp_path / "register"
    for payload in (request(str(tmp_path), "number", "take", "--archive", str(register)),
                    request(str(tmp_path), "demo"),
                    request("relatif", "search", "x"),
                    request(str(tmp_path / "tidak-ada"), "search", "x"),
                    b"sopdocs-search-0\0/\x001\0search",
                    b"\xff\xfe",
                    b""):
        assert ask(folder, payload)[:1] == b"N", payload
    assert not register.exists() and list(tmp_path.iterdir()) == []
    assert ask(folder, request(str(tmp_path), "search", "pendataan", "--archive", str(archives["whoosh"])))[:1] == b"S"


def test_a_stranger_on_the_socket_gets_nothing_and_the_service_carries_on(
        folder: Path, archives: dict[str, Path]) -> None:
    import socket

    archive = str(archives["whoosh"])
    sopdocs("search", "x", "--archive", archive)
    pid = service_up(folder)
    state = state_of(folder)
    assert state is not None and state["address"].startswith("unix:")
    path = state["address"][len("unix:"):]
    assert os.stat(path).st_mode & 0o777 == 0o600 and os.stat(folder).st_mode & 0o777 == 0o700
    for junk in ((1 << 31).to_bytes(4, "big"), b"\0\0", b"\0\0\0\x05ab", (3).to_bytes(4, "big") + b"abc"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(service.REQUEST_SECONDS + 5)
            sock.connect(path)
            sock.sendall(junk)
            sock.shutdown(socket.SHUT_WR)
            reply = sock.recv(100)
            assert reply in (b"", b"\0\0\0\x09Nprotocol"), junk
    served = sopdocs("search", "pendataan", "--archive", archive)
    assert not served.local and served.code == 0 and services_in(folder) == [pid]


def test_changed_code_retires_the_service_and_the_next_search_starts_a_new_one(
        folder: Path, archives: dict[str, Path], tmp_path: Path) -> None:
    # A copy of the package, so that no other test's service sees the change: its own
    # installation (another tag), imported from the folder the command runs in.
    tree = tmp_path / "pasang"
    shutil.copytree(ROOT / "sopdocs", tree / "sopdocs", ignore=shutil.ignore_patterns("__pycache__"))
    archive = str(archives["whoosh"])
    sopdocs("search", "x", "--archive", archive, cwd=tree)
    old = wait_for_pid(folder)
    assert not sopdocs("search", "pendataan", "--archive", archive, cwd=tree).local
    module = tree / "sopdocs" / "cli" / "search.py"  # a module every search runs
    info = module.stat()
    os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000))
    time.sleep(service.CHECK_SECONDS + 0.2)
    upgraded = sopdocs("search", "pendataan", "--archive", archive, cwd=tree)
    assert upgraded.local and upgraded.code == 0  # the old service did not answer it
    assert wait_until(lambda: not alive(old))
    new = wait_for_pid(folder, old)
    assert new != old and not sopdocs("search", "pendataan", "--archive", archive, cwd=tree).local


def wait_for_pid(folder: Path, other_than: int = 0) -> int:
    """The pid of a service in ``folder`` (other than ``other_than``) once its state file names it."""
    found: list[int] = []

    def named() -> bool:
        for state_file in folder.glob("search-*.state"):
            state = service._read_state(str(state_file))
            if state is not None and int(state["pid"]) != other_than and alive(int(state["pid"])):
                found.append(int(state["pid"]))
                return True
        return False

    assert wait_until(named, UP_WITHIN)
    time.sleep(0.2)  # listening: the state file is written after the socket is bound
    return found[0]


def test_a_killed_service_is_replaced_and_its_search_answered_here(folder: Path, archives: dict[str, Path]) -> None:
    archive = str(archives["whoosh"])
    sopdocs("search", "x", "--archive", archive)
    old = service_up(folder)
    os.kill(old, signal.SIGKILL)
    assert wait_until(lambda: not alive(old))
    after = sopdocs("search", "pendataan", "--archive", archive)
    assert after.local and after.code == 0
    new = service_up(folder)
    assert new != old and not sopdocs("search", "pendataan", "--archive", archive).local


def test_searches_started_at_once_start_one_service(folder: Path, archives: dict[str, Path]) -> None:
    archive = str(archives["whoosh"])
    runs: list[Run] = []
    threads = [threading.Thread(target=lambda: runs.append(sopdocs("search", "pendataan", "--archive", archive)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [run.code for run in runs] == [0] * 4
    pid = service_up(folder)
    time.sleep(service.LOCK_SECONDS + 1)  # any extra service started would have given up by now
    assert services_in(folder) == [pid]


def test_an_idle_service_ends_and_leaves_no_socket(folder: Path, archives: dict[str, Path]) -> None:
    sopdocs("search", "x", "--archive", str(archives["whoosh"]), **{service.ENV_IDLE: "1"})
    pid = service_up(folder)
    state = state_of(folder)
    assert state is not None
    assert wait_until(lambda: not alive(pid), 15)
    assert state_of(folder) is None and not Path(state["address"][len("unix:"):]).exists()


def test_the_stop_command_ends_the_service(folder: Path, archives: dict[str, Path]) -> None:
    sopdocs("search", "x", "--archive", str(archives["whoosh"]))
    pid = service_up(folder)
    done = subprocess.run([sys.executable, "-m", "sopdocs.cli.service", "stop"], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ), timeout=60)
    assert done.returncode == 0 and "dihentikan" in done.stdout
    assert wait_until(lambda: not alive(pid)) and state_of(folder) is None
    again = subprocess.run([sys.executable, "-m", "sopdocs.cli.service", "stop"], capture_output=True, text=True,
                           cwd=ROOT, env=dict(os.environ), timeout=60)
    assert again.returncode == 0 and "Tidak ada" in again.stdout


def test_a_runtime_folder_others_may_enter_is_not_used(folder: Path, archives: dict[str, Path]) -> None:
    archive = str(archives["whoosh"])
    sopdocs("search", "x", "--archive", archive)
    service_up(folder)
    folder.chmod(0o755)
    opened = sopdocs("search", "pendataan", "--archive", archive)
    assert opened.local and opened.code == 0  # not trusted: searched here
    assert folder.stat().st_mode & 0o777 == 0o700  # and made private again for the next one
    assert not sopdocs("search", "pendataan", "--archive", archive).local


def test_off_switch(folder: Path, archives: dict[str, Path]) -> None:
    run = sopdocs("search", "pendataan", "--archive", str(archives["whoosh"]), service_on=False)
    assert run.local and run.code == 0
    time.sleep(1)
    assert services_in(folder) == [] and state_of(folder) is None


def test_over_loopback_tcp_both_sides_prove_the_key(folder: Path, archives: dict[str, Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The Windows transport, run here: a loopback port, a challenge both ways."""
    import socket

    monkeypatch.setenv(service.ENV_TCP, "1")
    archive = str(archives["tantivy"])
    sopdocs("search", "x", "--archive", archive)
    pid = service_up(folder)
    state = state_of(folder)
    assert state is not None and state["address"].startswith("tcp:")
    served, cold = sopdocs("search", "pendataan", "--archive", archive), sopdocs(
        "search", "pendataan", "--archive", archive, service_on=False)
    assert not served.local and served.output() == cold.output()
    # A stranger without the key: its proof is refused and nothing is read after it.
    port = int(state["address"][len("tcp:"):])
    with socket.create_connection(("127.0.0.1", port), timeout=service.REQUEST_SECONDS + 5) as sock:
        nonce = sock.recv(service._NONCE)
        assert len(nonce) == service._NONCE
        proof = os.urandom(service._NONCE)
        service._send_frame(sock, proof + service._mac(os.urandom(32), b"client", nonce, proof))
        assert sock.recv(100) == b""
    # A client whose key is not the service's does not send its query: it searches itself.
    key = folder / f"search-{service._tag()}.key"
    real = key.read_bytes()
    key.write_bytes(os.urandom(runtime.KEY_BYTES))
    try:
        wrong = sopdocs("search", "pendataan", "--archive", archive)
        assert wrong.local and wrong.output() == cold.output()
    finally:
        key.write_bytes(real)
    assert not sopdocs("search", "pendataan", "--archive", archive).local and services_in(folder) == [pid]
