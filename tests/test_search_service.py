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


def environment(service_on: bool = True, columns: str | None = "120", **env: str) -> dict[str, str]:
    """The commands' environment: this tree's sopdocs first (wherever they run), the switch."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    found = dict(os.environ, PYTHONPATH=path, **env)
    found.pop("COLUMNS", None)
    if columns is not None:
        found["COLUMNS"] = columns
    found[service.ENV_SWITCH] = "1" if service_on else "0"
    return found


def sopdocs(*argv: str, service_on: bool = True, cwd: Path = ROOT, umask: int | None = None,
            close_stdout: bool = False, **env: str) -> Run:
    """The command, run in ``cwd`` with this tree's sopdocs (the one a folder ``cwd`` holds first)."""
    def before() -> None:
        if umask is not None:
            os.umask(umask)
        if close_stdout:
            os.close(1)

    return Run(subprocess.run([sys.executable, "-c", COMMAND, *argv], capture_output=True, text=True, cwd=cwd,
                              env=environment(service_on, **env), timeout=120, preexec_fn=before))


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
        for state_file in [*where.glob("search-*.state"), *where.glob("search-*.stuck")]:  # others too
            state = service._read_state(str(state_file))
            if state is not None and alive(int(state["pid"])):
                os.kill(int(state["pid"]), signal.SIGCONT)
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
            service._connect(state["address"], files).close()
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
    return service._ask(state, service._files(str(folder), service._tag()), payload)


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

    def request(cwd: str, *argv: str, mask: str = "22", **env: str) -> bytes:
        settings = environment(**env)
        fields = [cwd, mask, str(len(argv)), *argv, *(f"{k}={v}" for k, v in settings.items())]
        return service.PROTOCOL + b"\0" + "\0".join(fields).encode("utf-8", "surrogateescape")

    register = tmp_path / "register"
    for payload in (request(str(tmp_path), "number", "take", "--archive", str(register)),
                    request(str(tmp_path), "demo"),
                    request("relatif", "search", "x"),
                    request(str(tmp_path / "tidak-ada"), "search", "x"),
                    request(str(tmp_path), "search", "x", mask="999"),
                    request(str(tmp_path), "search", "x", PYTHONWARNINGS="error"),  # another interpreter
                    b"sopdocs-search-1\0/\x0022\x001\0search",
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
            reply = b""
            while chunk := sock.recv(100):
                reply += chunk
            assert reply in (b"", b"+\0\0\0\x09Ndeclined"), junk
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
    # An upgrade replaces files (a new file renamed over the old: its folder changes): the
    # very next search is not answered by the old code.
    fresh = module.with_name("search.py.baru")
    shutil.copy2(module, fresh)
    os.utime(fresh, ns=(module.stat().st_atime_ns, module.stat().st_mtime_ns + 2_000_000_000))
    os.replace(fresh, module)
    upgraded = sopdocs("search", "pendataan", "--archive", archive, cwd=tree)
    assert upgraded.local and upgraded.code == 0  # the old service did not answer it
    assert wait_until(lambda: not alive(old))
    new = wait_for_pid(folder, old)
    assert new != old and not sopdocs("search", "pendataan", "--archive", archive, cwd=tree).local
    # A file changed in place (an editor): found after the answer in hand, so at most that
    # one search is answered by the code the service loaded.
    info = module.stat()
    os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000))
    sopdocs("search", "pendataan", "--archive", archive, cwd=tree)
    edited = sopdocs("search", "pendataan", "--archive", archive, cwd=tree)
    assert edited.local and edited.code == 0
    assert wait_until(lambda: not alive(new))


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


def test_a_runtime_folder_others_may_enter_is_not_used_nor_repaired(folder: Path,
                                                                     archives: dict[str, Path]) -> None:
    archive = str(archives["whoosh"])
    sopdocs("search", "x", "--archive", archive)
    service_up(folder)
    folder.chmod(0o755)
    for _ in range(2):
        opened = sopdocs("search", "pendataan", "--archive", archive)
        assert opened.local and opened.code == 0  # not trusted: searched here
    assert folder.stat().st_mode & 0o777 == 0o755  # what was put in it meanwhile is not trusted either
    folder.chmod(0o700)
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


def test_a_stuck_service_costs_one_search_a_second_and_is_left_alone(folder: Path,
                                                                     archives: dict[str, Path]) -> None:
    archive = str(archives["whoosh"])
    sopdocs("search", "x", "--archive", archive)
    pid = service_up(folder)
    os.kill(pid, signal.SIGSTOP)
    try:
        first, second = (sopdocs("search", "pendataan", "--archive", archive) for _ in range(2))
        assert first.local and first.code == 0 and "1 dokumen" in first.stdout
        assert second.local and second.code == 0  # not asked again: no state file names it
        assert state_of(folder) is None and (folder / f"search-{service._tag()}.stuck").exists()
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_closed_stdout_is_handled_as_without_the_service(folder: Path, archives: dict[str, Path]) -> None:
    archive = str(archives["whoosh"])
    sopdocs("search", "x", "--archive", archive)
    service_up(folder)
    served = sopdocs("search", "pendataan", "--archive", archive, close_stdout=True)
    cold = sopdocs("search", "pendataan", "--archive", archive, close_stdout=True, service_on=False)
    assert not served.local and (served.code, served.stderr) == (cold.code, cold.stderr)
    assert "Traceback" not in served.stderr


def test_a_search_that_writes_runs_in_the_command_with_its_permissions(folder: Path, archives: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    """An archive without an index yet: the search builds it (the archive layer), so the
    service declines it and the command does it, under the command's umask."""
    sopdocs("search", "x", "--archive", str(archives["whoosh"]))
    service_up(folder)
    copies = []
    for name in ("a", "b"):
        copy = tmp_path / name
        shutil.copytree(archives["whoosh"], copy)
        shutil.rmtree(copy / "indeks")
        copies.append(copy)
    served = sopdocs("search", "pendataan", "--archive", str(copies[0]), umask=0o027)
    cold = sopdocs("search", "pendataan", "--archive", str(copies[1]), umask=0o027, service_on=False)
    assert served.local and served.output() == cold.output() and served.code == 0
    made = [p for p in (copies[0] / "indeks").rglob("*") if p.is_file()]
    assert made and all(p.stat().st_mode & 0o007 == 0 for p in made)
    assert not sopdocs("search", "pendataan", "--archive", str(copies[0])).local  # indexed now: served


def test_the_terminals_width_reaches_the_service(folder: Path, archives: dict[str, Path]) -> None:
    import fcntl
    import struct
    import termios

    archive = str(archives["whoosh"])
    sopdocs("search", "x", "--archive", archive)
    service_up(folder)

    def on_a_terminal(service_on: bool, columns: str | None) -> tuple[bool, str]:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 190, 0, 0))
        env = environment(service_on, columns=columns)
        with subprocess.Popen([sys.executable, "-c", COMMAND, "search", "pendataan", "--archive", archive],
                              stdout=slave, stderr=subprocess.PIPE, cwd=ROOT, env=env) as proc:
            os.close(slave)
            out = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            err = proc.stderr.read().decode() if proc.stderr else ""
        os.close(master)
        return err.rstrip().endswith("LOCAL 0"), out.decode("utf-8", "replace")

    for columns in (None, "0", ""):
        served, cold = on_a_terminal(True, columns), on_a_terminal(False, columns)
        assert served[0] and served[1] == cold[1], columns
        # The snippets fill the terminal's 190 columns, not the 120 of a command without one.
        assert 160 < max(len(line) for line in served[1].splitlines()) <= 190


def test_strangers_on_the_port_do_not_hold_up_a_search(folder: Path, archives: dict[str, Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.setenv(service.ENV_TCP, "1")
    archive = str(archives["whoosh"])
    sopdocs("search", "x", "--archive", archive)
    service_up(folder)
    state = state_of(folder)
    assert state is not None
    port = int(state["address"][len("tcp:"):])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]  # connect, say nothing
    try:
        assert not sopdocs("search", "pendataan", "--archive", archive).local
    finally:
        for sock in idle:
            sock.close()


def test_code_dated_in_the_future_does_not_retire_the_service(folder: Path, archives: dict[str, Path],
                                                              tmp_path: Path) -> None:
    """Files unpacked with a clock ahead of this one: the service keeps serving (it does not
    take them for an upgrade and start again on every search)."""
    tree = tmp_path / "pasang"
    shutil.copytree(ROOT / "sopdocs", tree / "sopdocs", ignore=shutil.ignore_patterns("__pycache__"))
    ahead = time.time_ns() + 3600 * 10**9
    for module in (tree / "sopdocs" / "cli" / "search.py", tree / "sopdocs" / "search" / "base.py"):
        os.utime(module, ns=(ahead, ahead))
    archive = str(archives["whoosh"])
    sopdocs("search", "x", "--archive", archive, cwd=tree)
    pid = wait_for_pid(folder)
    runs = [sopdocs("search", "pendataan", "--archive", archive, cwd=tree) for _ in range(3)]
    assert [run.local for run in runs] == [False] * 3 and alive(pid)
