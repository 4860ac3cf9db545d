"""A per-user PDF converter service, kept across commands for a short idle time.

Every sopdocs command is a new process, and starting LibreOffice costs about a second
and a half; converting a letter once it runs, a tenth of that. The first command that
makes PDFs therefore starts this service, detached, and every later command of the same
user sends it its documents until it has been idle for :data:`IDLE_SECONDS`.

How it works:

* **Where**: a private runtime folder per user (:func:`runtime_dir`: 0700, owned by the
  user, checked; ``%LOCALAPPDATA%\\sopdocs\\run`` on Windows) holds the authkey file
  (32 random bytes, 0600), the start lock and ``pdf-service.json``, which names the
  running service's address (an AF_UNIX socket in that folder on POSIX, a named pipe
  with a random name on Windows), its process id and its version.
* **Authentication**: :mod:`multiprocessing.connection` challenge-response with the
  authkey before anything else is read, so another local user cannot make the service
  read or write files. Messages are JSON (never pickle), size-limited; the paths in a
  request are checked like any input (an existing Word file; an absolute ``.pdf`` path
  not yet there, in an existing folder).
* **Starting**: a client that finds no service (no state file, nothing listening, a
  wrong authkey, another version or LibreOffice) takes the start lock, looks again, and
  only then starts ``python -m sopdocs.pdf.service serve`` detached (a new session on
  POSIX; ``DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP`` on Windows, no fork), which
  binds a fresh address and then writes the state file: two commands starting at once
  start one service, and a stale one is replaced (an old version is asked to stop).
* **Converting**: the service keeps up to :data:`~sopdocs.pdf.resident.MAX_RESIDENTS`
  resident LibreOffices (:mod:`sopdocs.pdf.resident`) and serves many commands at once,
  each document on the next free one.
* **Ending**: after :data:`IDLE_SECONDS` without a request, on a ``stop`` request or
  SIGTERM it closes its LibreOffices and removes its socket and state file. Killed, it
  leaves nothing running either: each LibreOffice's helper ends it when its stdin (a
  pipe from the service) closes.

Whatever goes wrong on the client's side (:class:`ServiceUnavailable`), the caller uses
the process's own resident LibreOffices, then one ``soffice --convert-to`` per batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener, answer_challenge, deliver_challenge
from pathlib import Path
from typing import Any

from sopdocs import runtime
from sopdocs.errors import ConversionError
from sopdocs.pdf.inputs import check_docx
from sopdocs.runtime import ServiceUnavailable
from sopdocs.pdf.resident import (
    CLOSE_SECONDS,
    MAX_RESIDENTS,
    START_SECONDS,
    ConversionTimeout,
    ResidentConverter,
    ResidentUnavailable,
)

#: Version of the messages; with the code's fingerprint it makes a service "the same".
PROTOCOL = 1
#: A service without requests this long exits (and closes its LibreOffices).
IDLE_SECONDS = 600.0
#: Set to 0 to never use (or start) the service: the process keeps its own LibreOffices.
ENV_SWITCH = "SOPDOCS_PDF_SERVICE"
#: Seconds of idle time instead of :data:`IDLE_SECONDS` (read by the service when it starts).
ENV_IDLE = "SOPDOCS_PDF_SERVICE_IDLE"
#: The runtime folder instead of the default one (tests use one of their own).
ENV_RUNTIME = runtime.ENV_RUNTIME
#: Seconds a started service may take to answer.
SPAWN_SECONDS = 20.0
#: Seconds a command waits for another one that is starting the service.
LOCK_SECONDS = 40.0
#: Seconds the service may take to answer anything but a conversion.
HANDSHAKE_SECONDS = 5.0
#: Longest message accepted (bytes).
MAX_MESSAGE = 1 << 20
#: Most clients served at once (each connection is one thread).
MAX_CLIENTS = 64
#: LibreOffice starts that may fail in a row before the service stops trying (its clients
#: then convert by themselves).
MAX_START_FAILURES = 3
#: Longest AF_UNIX socket path (the limit is 104 to 108 bytes depending on the system).
MAX_SOCKET_PATH = 100

STATE_FILE = "pdf-service.json"
KEY_FILE = "pdf-service.key"
LOCK_FILE = "pdf-service.lock"
LOG_FILE = "pdf-service.log"
KEY_BYTES = runtime.KEY_BYTES

_CODE = [Path(__file__), Path(__file__).with_name("resident.py"), Path(__file__).with_name("unohelper.py")]


_spawned: list[subprocess.Popen[bytes]] = []


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "no", "false", "off")


def idle_seconds() -> float:
    return runtime.seconds_setting(ENV_IDLE, IDLE_SECONDS)


def version(soffice: Path) -> str:
    """What a client and the service must share: protocol, Python, LibreOffice, this code."""
    digest = hashlib.sha256(f"{PROTOCOL}\0{sys.executable}\0{soffice}".encode("utf-8"))
    for path in _CODE:
        try:
            info = path.stat()
            digest.update(f"\0{path.name}:{info.st_size}:{info.st_mtime_ns}".encode())
        except OSError:
            pass
    return f"{PROTOCOL}-{digest.hexdigest()[:16]}"


# --------------------------------------------------------------------------- the runtime folder


def runtime_dir() -> Path:
    """The user's runtime folder (not created): see :func:`sopdocs.runtime.runtime_dir`."""
    return Path(runtime.runtime_dir())


def private_dir() -> Path:
    """:func:`runtime_dir`, created private; ServiceUnavailable when it is not ours or not private."""
    return Path(runtime.private_dir())


def _read_key(folder: Path) -> bytes | None:
    return runtime.read_key(str(folder / KEY_FILE))


def _make_key(folder: Path) -> bytes:
    """The authkey, created (0600) when missing or unusable; called under the start lock."""
    return runtime.make_key(str(folder / KEY_FILE))


def _read_state(folder: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not isinstance(state.get("address"), str):
        return None
    return state


# --------------------------------------------------------------------------- messages


def _send(conn: Connection, message: dict[str, Any]) -> None:
    conn.send_bytes(json.dumps(message).encode("utf-8"))


def _receive(conn: Connection, timeout: float | None = None) -> dict[str, Any]:
    if timeout is not None and not conn.poll(timeout):
        raise TimeoutError("tidak ada jawaban")
    message = json.loads(conn.recv_bytes(MAX_MESSAGE).decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("pesan bukan objek JSON")
    return message


def _family(address: str) -> str:
    return "AF_PIPE" if address.startswith("\\\\.\\pipe\\") else "AF_UNIX"


def _connect(address: str, key: bytes) -> Connection:
    """An authenticated connection (both sides prove the key), or ServiceUnavailable."""
    try:
        conn = Client(address, family=_family(address))
    except (OSError, ValueError) as exc:
        raise ServiceUnavailable(f"{address}: {exc}") from None
    try:
        answer_challenge(conn, key)
        deliver_challenge(conn, key)
    except (AuthenticationError, OSError, EOFError, ValueError) as exc:
        conn.close()
        raise ServiceUnavailable(f"{address}: autentikasi gagal ({exc})") from None
    return conn


# --------------------------------------------------------------------------- the client side


class ServiceConverter:
    """One connection to the service, used like a :class:`~sopdocs.pdf.resident.ResidentConverter`."""

    def __init__(self, conn: Connection, info: dict[str, Any]) -> None:
        self._conn: Connection | None = conn
        self.info = info
        self._lock = threading.Lock()

    @property
    def service_pid(self) -> int:
        return int(self.info.get("pid", 0))

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        with self._lock:
            conn = self._conn
            if conn is None:
                raise ResidentUnavailable("layanan PDF tidak tersambung")
            try:
                _send(conn, message)
                return _receive(conn, timeout)
            except (OSError, EOFError, ValueError, TimeoutError) as exc:
                self.close()
                raise ResidentUnavailable(f"layanan PDF: {exc}") from None

    def convert(self, docx: Path, pdf: Path, *, pdfa: bool, timeout: float) -> None:
        answer = self.request({"op": "convert", "src": os.path.abspath(docx), "dst": os.path.abspath(pdf),
                               "pdfa": pdfa, "timeout": timeout},
                              timeout + START_SECONDS + 2 * CLOSE_SECONDS)
        if answer.get("ok"):
            return
        error = str(answer.get("error", "?"))
        if answer.get("timeout"):
            raise ConversionTimeout(error)
        if answer.get("refused"):
            raise ConversionError(error)
        raise ResidentUnavailable(error)

    def connected(self) -> bool:
        return self._conn is not None

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def _hello(conn: Connection, soffice: Path) -> dict[str, Any]:
    _send(conn, {"op": "hello"})
    info = _receive(conn, HANDSHAKE_SECONDS)
    if info.get("version") != version(soffice):
        raise ServiceUnavailable(f"versi lain ({info.get('version')})")
    return info


def _connect_running(folder: Path) -> Connection | None:
    """An authenticated connection to the service its state file in ``folder`` names, or None."""
    key, state = _read_key(folder), _read_state(folder)
    if key is None or state is None:
        return None
    try:
        return _connect(str(state["address"]), key)
    except ServiceUnavailable:
        return None


def _try(folder: Path, soffice: Path) -> tuple[Connection, dict[str, Any]] | None:
    """The running service of the right version, connected, or None."""
    conn = _connect_running(folder)
    if conn is None:
        return None
    try:
        return conn, _hello(conn, soffice)
    except (ServiceUnavailable, OSError, EOFError, ValueError, TimeoutError):
        _retire(conn)
        return None


def _retire(conn: Connection) -> None:
    """Ask a service of another version to stop (it finishes what it converts)."""
    try:
        _send(conn, {"op": "stop"})
        _receive(conn, HANDSHAKE_SECONDS)
    except (OSError, EOFError, ValueError, TimeoutError):
        pass
    conn.close()


def _spawn(folder: Path, soffice: Path) -> subprocess.Popen[bytes]:
    return runtime.spawn(["-m", "sopdocs.pdf.service", "serve", str(folder), str(soffice)], str(folder), LOG_FILE)


def _remove_socket(folder: Path, address: str) -> None:
    """Remove a socket a service left, only ever one of ours in ``folder``."""
    path = Path(address)
    if _family(address) == "AF_UNIX" and path.parent == folder and path.name.startswith("pdf-") \
            and path.suffix == ".sock":
        path.unlink(missing_ok=True)


def connect(soffice: Path) -> ServiceConverter:
    """A connection to the user's service for ``soffice``, started when none runs
    (under the start lock, so two commands start one); ServiceUnavailable otherwise."""
    if not enabled():
        raise ServiceUnavailable(f"{ENV_SWITCH}=0")
    folder = private_dir()
    found = _try(folder, soffice)
    if found is None:
        lock = runtime.FileLock(str(folder / LOCK_FILE))
        if not lock.acquire(LOCK_SECONDS):
            raise ServiceUnavailable("kunci layanan PDF tidak dapat diambil")
        try:
            found = _try(folder, soffice)  # another command may have started it meanwhile
            if found is None:
                _make_key(folder)
                before = _read_state(folder)
                (folder / STATE_FILE).unlink(missing_ok=True)
                if before is not None:
                    _remove_socket(folder, str(before["address"]))  # a stale one
                started = _spawn(folder, soffice)
                _spawned.append(started)  # kept: no "still running" warning when the command exits first
                deadline = time.monotonic() + SPAWN_SECONDS
                while found is None and time.monotonic() < deadline and started.poll() is None:
                    time.sleep(0.02)
                    found = _try(folder, soffice)
                if found is None:
                    if started.poll() is None:
                        started.kill()
                    raise ServiceUnavailable(f"layanan PDF tidak menjawab dalam {SPAWN_SECONDS:g} detik "
                                             f"(lihat {folder / LOG_FILE})")
        finally:
            lock.release()
    return ServiceConverter(*found)


def warm(converter: ServiceConverter, count: int) -> None:
    """Have ``count`` LibreOffices running or starting in the service (not waited for)."""
    converter.request({"op": "warm", "count": count}, HANDSHAKE_SECONDS)


def status(converter: ServiceConverter) -> dict[str, Any]:
    """The service's process id, documents converted so far and running LibreOffices."""
    return converter.request({"op": "status"}, HANDSHAKE_SECONDS)


def stop(folder: Path | None = None) -> bool:
    """Ask the service in ``folder`` (default: the user's) to stop; True when one answered."""
    conn = _connect_running(folder or runtime_dir())
    if conn is None:
        return False
    _retire(conn)
    return True


# --------------------------------------------------------------------------- the service side


class _Pool:
    """The service's resident LibreOffices; each document goes to the next free one."""

    def __init__(self, soffice: Path) -> None:
        self.soffice = soffice
        self.free: queue.Queue[ResidentConverter] = queue.Queue()
        self.all: list[ResidentConverter] = []
        self.failure = ""
        self.failures = 0
        """Starts that failed in a row: at :data:`MAX_START_FAILURES` none is tried again."""
        self._lock = threading.Lock()

    def ensure(self, count: int) -> None:
        with self._lock:
            self.all = [c for c in self.all if c.alive() or c.office_pid is None]
            while len(self.all) < max(1, min(count, MAX_RESIDENTS)) and self.failures < MAX_START_FAILURES:
                converter = ResidentConverter(self.soffice)
                self.all.append(converter)
                threading.Thread(target=self._start, args=(converter,), daemon=True).start()

    def _start(self, converter: ResidentConverter) -> None:
        try:
            converter.start()
        except ResidentUnavailable as exc:
            with self._lock:
                self.failure = str(exc)
                self.failures += 1
                if converter in self.all:
                    self.all.remove(converter)
            return
        with self._lock:
            self.failures = 0
        self.free.put(converter)

    def take(self) -> ResidentConverter:
        deadline = time.monotonic() + START_SECONDS + 2 * CLOSE_SECONDS
        self.ensure(1)
        while True:
            try:
                converter = self.free.get(timeout=0.2)
            except queue.Empty:
                with self._lock:
                    if not self.all:  # none running or starting: the client converts by itself
                        raise ResidentUnavailable(self.failure or "LibreOffice tidak berjalan") from None
                if time.monotonic() > deadline:
                    raise ResidentUnavailable("LibreOffice tidak siap") from None
                continue
            if converter.alive():
                return converter
            with self._lock:
                if converter in self.all:
                    self.all.remove(converter)
            self.ensure(1)

    def give_back(self, converter: ResidentConverter) -> None:
        if converter.alive():
            self.free.put(converter)
            return
        with self._lock:
            if converter in self.all:
                self.all.remove(converter)
        self.ensure(1)  # a replacement starts at once

    def close(self) -> None:
        with self._lock:
            converters, self.all = self.all, []
        for converter in converters:
            converter.close()


def _check_request(message: dict[str, Any]) -> tuple[Path, Path, bool, float]:
    """The paths of a request, checked like any input (ConversionError when refused)."""
    src, dst = message.get("src"), message.get("dst")
    if not isinstance(src, str) or not isinstance(dst, str) or "\0" in src + dst:
        raise ConversionError("permintaan tanpa path yang sah")
    source, target = Path(src), Path(dst)
    if not source.is_absolute() or not target.is_absolute():
        raise ConversionError("path permintaan harus absolut")
    check_docx(source)
    if target.suffix.lower() != ".pdf" or not target.parent.is_dir() or os.path.lexists(target):
        raise ConversionError(f"{target}: bukan tujuan PDF baru di folder yang ada")
    timeout = message.get("timeout", 180)
    if not isinstance(timeout, (int, float)) or not 0 < timeout <= 3600:
        raise ConversionError("batas waktu permintaan tidak sah")
    return source, target, bool(message.get("pdfa")), float(timeout)


class _Service:
    def __init__(self, folder: Path, soffice: Path, key: bytes) -> None:
        self.folder = folder
        self.soffice = soffice
        self.key = key
        self.version = version(soffice)
        self.idle = idle_seconds()
        self.pool = _Pool(soffice)
        self.busy = 0
        self.clients = 0
        self.converted = 0
        self.last = time.monotonic()
        self.guard = threading.Lock()
        self.address = ""
        self.listener: Listener | None = None

    def serve(self) -> int:
        token = secrets.token_hex(8)
        if os.name == "nt":
            self.address = f"\\\\.\\pipe\\sopdocs-pdf-{token}"
        else:
            self.address = str(self.folder / f"pdf-{token}.sock")
            if len(self.address.encode()) > MAX_SOCKET_PATH:
                print(f"{self.address}: path soket terlalu panjang", file=sys.stderr)
                return 2
        self.listener = Listener(self.address, family=_family(self.address))  # no authkey: checked per thread
        self.pool.ensure(1)  # LibreOffice starts while the first client connects
        state = {"address": self.address, "pid": os.getpid(), "version": self.version}
        tmp = self.folder / f".{STATE_FILE}.{token}"
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.folder / STATE_FILE)
        try:
            import signal

            signal.signal(signal.SIGTERM, lambda *_: self.shutdown())
        except (ImportError, ValueError, AttributeError):
            pass
        threading.Thread(target=self._watch_idle, daemon=True).start()
        while True:
            try:
                conn = self.listener.accept()
            except OSError:
                time.sleep(0.05)
                continue
            with self.guard:
                if self.clients >= MAX_CLIENTS:
                    conn.close()
                    continue
                self.clients += 1
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _watch_idle(self) -> None:
        step = min(5.0, max(0.1, self.idle / 8))
        while True:
            time.sleep(step)
            with self.guard:
                idle = self.busy == 0 and time.monotonic() - self.last >= self.idle
            if idle:
                self.shutdown()

    def shutdown(self) -> None:
        """Close the LibreOffices, remove what points here, exit."""
        self.pool.close()
        state = _read_state(self.folder)
        if state is not None and state.get("address") == self.address:
            (self.folder / STATE_FILE).unlink(missing_ok=True)
        _remove_socket(self.folder, self.address)
        os._exit(0)

    def _client(self, conn: Connection) -> None:
        try:
            # The handshake first: nothing else is read from a stranger.
            deliver_challenge(conn, self.key)
            answer_challenge(conn, self.key)
            while True:
                message = _receive(conn)
                if message.get("op") == "stop":
                    _send(conn, {"ok": True})
                    conn.close()
                    self.shutdown()
                with self.guard:
                    self.busy += 1
                try:
                    answer = self._answer(message)
                finally:
                    with self.guard:
                        self.busy -= 1
                        self.last = time.monotonic()
                _send(conn, answer)
        except (AuthenticationError, OSError, EOFError, ValueError):
            pass  # a stranger, a client that went away, or a malformed message: that connection only
        finally:
            conn.close()
            with self.guard:
                self.clients -= 1

    def _answer(self, message: dict[str, Any]) -> dict[str, Any]:
        op = message.get("op")
        if op == "hello":
            return {"version": self.version, "pid": os.getpid(), "soffice": str(self.soffice)}
        if op == "status":
            with self.pool._lock:
                running = [{"helper": c.helper_pid, "office": c.office_pid, "pipe": c.pipe}
                           for c in self.pool.all if c.alive() and c.pipe is not None]  # started
            with self.guard:
                busy = self.busy - 1  # not counting this request
            return {"pid": os.getpid(), "converted": self.converted, "busy": busy, "residents": running,
                    "idle_seconds": self.idle}
        if op == "warm":
            count = message.get("count", 1)
            self.pool.ensure(count if isinstance(count, int) else 1)
            return {"ok": True}
        if op != "convert":
            return {"error": f"operasi tidak dikenal: {str(op)[:40]}", "refused": True}
        try:
            source, target, pdfa, timeout = _check_request(message)
        except ConversionError as exc:
            return {"error": str(exc), "refused": True}
        try:
            converter = self.pool.take()
        except ResidentUnavailable as exc:
            return {"error": str(exc)}
        try:
            converter.convert(source, target, pdfa=pdfa, timeout=timeout)
        except ConversionTimeout as exc:
            return {"error": str(exc), "timeout": True}
        except ConversionError as exc:
            return {"error": str(exc), "refused": True}
        except ResidentUnavailable as exc:
            return {"error": str(exc)}
        finally:
            self.pool.give_back(converter)
        with self.guard:
            self.converted += 1
        return {"ok": True}


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[1] == "stop":  # for an admin: before updating LibreOffice, say
        stopped = stop()
        print("Layanan PDF dihentikan." if stopped else "Tidak ada layanan PDF yang berjalan.")
        return 0
    if len(argv) != 4 or argv[1] != "serve":
        print("pemakaian: python -m sopdocs.pdf.service stop | serve FOLDER SOFFICE", file=sys.stderr)
        return 2
    folder, soffice = Path(argv[2]), Path(argv[3])
    key = _read_key(folder)
    if key is None:
        print(f"{folder / KEY_FILE}: kunci tidak ada", file=sys.stderr)
        return 2
    return _Service(folder, soffice, key).serve()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
