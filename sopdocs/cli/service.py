"""A per-user search service: ``sopdocs search`` answered by a process kept warm.

Most of a cold ``sopdocs search`` is spent starting Python's and sopdocs' modules (about
45 ms of 75 on a tantivy archive, where a bare open + query of the index takes 25). The
first search of an installation therefore starts this service, detached, and answers by
itself; every later search of the same user sends its arguments to the service and prints
its answer, until the service has been idle for :data:`IDLE_SECONDS`.

* **The same answers**: the service runs the command line's own code
  (:func:`sopdocs.cli.base.main`) on the client's arguments, working folder, environment
  and umask, and sends back what it printed (stdout and stderr, in order) and the exit
  code. It opens the archive's index for each search, as a cold command does, so every
  change to the archive is seen.
* **Only searches that read**: any other command is refused, and so is a search that needs
  the archive layer (no index yet, pending updates, a rebuild), which writes: the command
  does that with its own permissions. A request whose interpreter settings
  (:data:`INTERPRETER_SETTINGS`) differ from the service's is refused too.
* **Never in the way**: whenever something is in doubt (no service, another installation,
  changed code, an error in the service, an answer too large or late) the command runs the
  search itself. A service that does not take a request within :data:`ACCEPT_SECONDS`
  (stopped, stuck) costs that one search a second and is left alone afterwards (its state
  file is renamed ``.stuck``).
* **Private**: on POSIX an AF_UNIX socket in the user's runtime folder
  (:mod:`sopdocs.runtime`: 0700 and the user's, checked by both sides; a folder others may
  enter is not used), and each side checks the other's user id where the system tells it
  (SO_PEERCRED). On Windows, a loopback TCP port with a challenge both ways (HMAC-SHA256 of
  random nonces with a key kept in the runtime folder) before the query is sent; a caller
  that does not prove the key within :data:`REQUEST_SECONDS` is dropped and does not count
  as use.
* **Changed code**: the service notes the files of the modules it runs; after any of them
  changes (an upgrade), it refuses the next request and exits, and that search starts a
  new one.
* **Ending**: idle for :data:`IDLE_SECONDS` (``SOPDOCS_SEARCH_SERVICE_IDLE``), on
  ``python -m sopdocs.cli.service stop``, or on SIGTERM; it removes its socket and state file.

``SOPDOCS_SEARCH_SERVICE=0`` turns it off (the test suite does, but for its own tests).
The client half of this module runs on every search, so it imports nothing at load time
beyond :mod:`sopdocs.runtime`; the service half imports what it needs when it starts.
"""

from __future__ import annotations

import os
import sys

from sopdocs import runtime

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    import queue
    import socket
    from typing import Any, NoReturn

#: Version of the messages.
PROTOCOL = b"sopdocs-search-2"
#: Set to 0 to never use (or start) the service.
ENV_SWITCH = "SOPDOCS_SEARCH_SERVICE"
#: Seconds of idle time instead of :data:`IDLE_SECONDS` (read by the service when it starts).
ENV_IDLE = "SOPDOCS_SEARCH_SERVICE_IDLE"
#: Set to 1 to use loopback TCP with the key challenge (as on Windows) on a POSIX system too.
ENV_TCP = "SOPDOCS_SEARCH_SERVICE_TCP"
#: A service without requests this long exits.
IDLE_SECONDS = 600.0
#: Seconds a client gives the service to accept its request (connection, proof of the key,
#: the request taken). A service that does not is stuck: the command searches itself and
#: later commands leave that service alone.
ACCEPT_SECONDS = 1.0
#: Seconds a client waits for the answer once the request was taken (a search served is
#: bounded by the query time budget of 2 s), before it searches itself.
ANSWER_SECONDS = 30.0
#: Seconds the service gives a connection to prove the key and send its request.
REQUEST_SECONDS = 0.5
#: Connections the service reads at once (each in a thread until its request is taken).
MAX_PENDING = 16
#: Longest request (arguments, folder and environment), bytes.
MAX_REQUEST = 1 << 20
#: Longest answer (what the search printed), bytes; a longer one is printed by the command itself.
MAX_ANSWER = 64 << 20
#: Longest state file, bytes.
MAX_STATE = 4096
#: Seconds a starting service waits for the lock held by one that is ending.
LOCK_SECONDS = 3.0
#: Longest AF_UNIX socket path (the limit is 104 to 108 bytes depending on the system).
MAX_SOCKET_PATH = 100
#: The only command served.
COMMAND = "search"
#: Environment variables that change the interpreter itself: a request whose values differ
#: from the service's is not served (the command runs with its own).
INTERPRETER_SETTINGS = ("PYTHONPATH", "PYTHONWARNINGS", "PYTHONHASHSEED", "PYTHONUTF8", "PYTHONSAFEPATH",
                        "PYTHONNOUSERSITE", "PYTHONHOME", "PYTHONDEVMODE")

_SERVED = b"S"
_NOT_SERVED = b"N"
_TAKEN = b"+"
_STOP = b"stop"
_NONCE = 32
# Why a request was not served (after _NOT_SERVED).
_STALE = b"stale"  # the code changed: the service exits, the command starts a new one
_DECLINED = b"declined"  # not for the service (another command, the archive layer, too large...)
_FAILED = b"failed"  # an unexpected error: the service exits


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "no", "false", "off")


def _tag() -> str:
    """Which installation: each Python and sopdocs folder has its own service (a 64-bit
    FNV-1a hash of both, which needs no import)."""
    value = 0xCBF29CE484222325
    for byte in f"{sys.executable}\0{runtime.package_root()}".encode("utf-8", "surrogatepass"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def _files(folder: str, tag: str) -> dict[str, str]:
    stem = os.path.join(folder, f"search-{tag}")
    return {"state": f"{stem}.state", "key": f"{stem}.key", "lock": f"{stem}.lock", "log": f"search-{tag}.log",
            "stuck": f"{stem}.stuck", "socket": f"{stem}-"}


def _read_state(path: str) -> dict[str, str] | None:
    """``key=value`` lines (JSON would import ``re`` on every search), read only from a
    regular file of the user."""
    raw = runtime.read_private(path, MAX_STATE)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    state = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    needed = ("address", "pid", "python", "root")
    return state if all(state.get(name) for name in needed) else None


def _interpreter_settings(env: dict[str, str] | os._Environ[str], strip: str = "") -> tuple[str, ...]:
    """The values of INTERPRETER_SETTINGS in ``env``; ``strip``: a folder the service's
    start put first on PYTHONPATH (:func:`sopdocs.runtime.spawn`)."""
    values = []
    for name in INTERPRETER_SETTINGS:
        value = env.get(name, "")
        if name == "PYTHONPATH" and strip:
            parts = value.split(os.pathsep)
            value = os.pathsep.join(parts[1:] if parts[:1] == [strip] else parts)
        values.append(value)
    return tuple(values)


# --------------------------------------------------------------------------- framing


def _send_frame(sock: Any, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(4, "big") + payload)


def _receive_exactly(sock: Any, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError("sambungan terputus")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive_frame(sock: Any, limit: int) -> bytes:
    size = int.from_bytes(_receive_exactly(sock, 4), "big")
    if size > limit:
        raise ValueError(f"pesan terlalu besar ({size} byte, batas {limit})")
    return _receive_exactly(sock, size)


def _mac(key: bytes, label: bytes, *parts: bytes) -> bytes:
    import hmac

    return hmac.new(key, label + b"".join(parts), "sha256").digest()


# --------------------------------------------------------------------------- the client side


class _Stuck(Exception):
    """The service did not take the request within ACCEPT_SECONDS."""


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # undecodable arguments stay as they are


def _request(argv: list[str]) -> bytes:
    env = dict(os.environ)
    columns = env.get("COLUMNS", "")
    if not (columns.isdigit() and int(columns) > 0):  # the service has no terminal: the width of ours
        try:
            env["COLUMNS"] = str(os.get_terminal_size(sys.__stdout__.fileno()).columns)  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass
    mask = os.umask(0o077)
    os.umask(mask)
    fields = [os.getcwd(), f"{mask:o}", str(len(argv)), *argv,
              *(f"{name}={value}" for name, value in env.items() if name and not name.startswith("="))]
    return PROTOCOL + b"\0" + b"\0".join(_encode(field) for field in fields)


def _connect(address: str, files: dict[str, str]) -> Any:
    """A connected socket to this installation's service at ``address`` (``unix:PATH`` in the
    runtime folder, or ``tcp:PORT``), the service proven to be the user's; the socket's
    timeout is ACCEPT_SECONDS."""
    import _socket

    kind, _, where = address.partition(":")
    if kind == "unix" and hasattr(_socket, "AF_UNIX"):
        if not (where.startswith(files["socket"]) and where.endswith(".sock") and os.sep not in
                where[len(files["socket"]):]):
            raise runtime.ServiceUnavailable(f"soket di luar folder layanan: {where[:80]}")
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        sock.settimeout(ACCEPT_SECONDS)
        try:
            sock.connect(where)
            if hasattr(_socket, "SO_PEERCRED"):  # Linux: the service runs as this user
                raw = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
                if int.from_bytes(raw[4:8], sys.byteorder) != os.getuid():
                    raise runtime.ServiceUnavailable("layanan pencarian milik pengguna lain")
        except BaseException:
            sock.close()
            raise
        return sock
    if kind != "tcp" or not where.isdigit():
        raise runtime.ServiceUnavailable(f"alamat tidak dikenal: {address[:80]}")
    key = runtime.read_key(files["key"])
    if key is None:
        raise runtime.ServiceUnavailable("kunci layanan pencarian tidak ada")
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    sock.settimeout(ACCEPT_SECONDS)
    try:
        sock.connect(("127.0.0.1", int(where)))
        server_nonce = _receive_exactly(sock, _NONCE)
        nonce = os.urandom(_NONCE)
        _send_frame(sock, nonce + _mac(key, b"client", server_nonce, nonce))
        import hmac

        if not hmac.compare_digest(_receive_exactly(sock, 32), _mac(key, b"server", nonce, server_nonce)):
            raise runtime.ServiceUnavailable("layanan pencarian tidak dikenal (kunci lain)")
    except BaseException:
        sock.close()
        raise
    return sock


def _ask(state: dict[str, str], files: dict[str, str], payload: bytes) -> bytes:
    """Send ``payload``; the service's answer. _Stuck when it does not take it in time."""
    sock = _connect(state["address"], files)
    try:
        try:
            _send_frame(sock, payload)
            taken = sock.recv(1)
        except TimeoutError:
            raise _Stuck() from None
        if taken != _TAKEN:
            raise EOFError("permintaan tidak diterima")
        sock.settimeout(ANSWER_SECONDS)
        return _receive_frame(sock, MAX_ANSWER + 64)
    finally:
        sock.close()


def answer(argv: list[str]) -> int | None:
    """Have the user's service run ``sopdocs ARGV`` (a search) and print its answer: the
    exit code, or None when the command must run it itself (a service is then started
    for the next search, unless one is running)."""
    if not enabled() or argv[:1] != [COMMAND]:
        return None
    folder = runtime.existing_private_dir()
    if folder is None:
        _start()
        return None
    files = _files(folder, _tag())
    state = _read_state(files["state"])
    if state is None or state["python"] != sys.executable or state["root"] != runtime.package_root():
        _start()
        return None
    try:
        reply = _ask(state, files, _request(argv))
    except KeyboardInterrupt:  # Ctrl-C while the service searches: as the command says it
        print("dibatalkan", file=sys.stderr)
        return 130
    except _Stuck:
        try:  # later commands leave it alone; it ends by itself (or never was going to answer)
            os.replace(files["state"], files["stuck"])
        except OSError:
            pass
        return None
    except (OSError, EOFError, ValueError, runtime.ServiceUnavailable):
        _start()  # a service that went away (its lock tells whether one is still there)
        return None
    if reply[:1] != _SERVED or len(reply) < 5:
        if reply[1:] in (_STALE, _FAILED):
            _start(replacing=True)
        return None
    try:
        _replay(reply[5:])
    except KeyboardInterrupt:
        print("dibatalkan", file=sys.stderr)
        return 130
    except OSError as exc:  # stdout closed early (``| head``): one line, as the command itself says it
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - nothing more is flushed to the closed pipe
            print(f"galat: {exc.strerror or exc}", file=sys.stderr)
        except OSError:
            pass
        return 2
    return int.from_bytes(reply[1:5], "big", signed=True)


def _replay(output: bytes) -> None:
    """Print the service's output: (stream, text) pieces in the order they were written
    (``print``: a stream that is closed, None, prints nothing, as in the command itself)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]  # as sopdocs.cli.base.main does
        except (AttributeError, ValueError):
            pass
    position = 0
    while position < len(output):
        which, size = output[position], int.from_bytes(output[position + 1:position + 5], "big")
        text = output[position + 5:position + 5 + size].decode("utf-8", "surrogatepass")
        print(text, end="", file=sys.stderr if which == 2 else sys.stdout)
        position += 5 + size
    if sys.stdout is not None:
        sys.stdout.flush()


def _socket_path(folder: str, tag: str, token: str) -> str:
    return f"{_files(folder, tag)['socket']}{token}.sock"


def _start(*, replacing: bool = False) -> None:
    """Start the service for the next search, detached, unless one is running or starting
    (it holds its lock) or ``replacing`` one that is ending; never fails the command."""
    try:
        folder = runtime.private_dir()
        tag = _tag()
        files = _files(folder, tag)
        if os.name != "nt" and os.environ.get(ENV_TCP) != "1" and \
                len(_socket_path(folder, tag, "0" * 8).encode("utf-8", "surrogatepass")) > MAX_SOCKET_PATH:
            return  # it could not listen there: not started again and again
        if not replacing:
            lock = runtime.FileLock(files["lock"])
            if not lock.acquire(0):
                return  # running or starting
            lock.release()
        runtime.spawn(["-m", "sopdocs.cli.service", "serve", folder, tag], folder, files["log"])
    except (OSError, runtime.ServiceUnavailable):
        pass


def stop(folder: str | None = None) -> bool:
    """Ask this installation's service to stop; True when one answered."""
    folder = folder or runtime.existing_private_dir()
    if folder is None:
        return False
    files = _files(folder, _tag())
    state = _read_state(files["state"])
    if state is None:
        return False
    try:
        return _ask(state, files, PROTOCOL + b"\0" + _STOP) == _SERVED
    except (OSError, EOFError, ValueError, _Stuck, runtime.ServiceUnavailable):
        return False


# --------------------------------------------------------------------------- the service side


class _Capture:
    """A text stream that keeps what is written, with which stream it went to."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, pieces: list[tuple[int, str]], which: int) -> None:
        self._pieces = pieces
        self._which = which

    def write(self, text: str) -> int:
        if text:
            self._pieces.append((self._which, text))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class _Service:
    """Requests are taken (the caller checked, the request read, ``+`` sent back) by a
    thread beside the searches (on loopback TCP, where strangers may connect, a thread per
    connection), so a client knows within ACCEPT_SECONDS that the service is alive; the
    searches run one at a time in the main thread."""

    def __init__(self, folder: str, tag: str) -> None:
        import queue
        import threading
        import time

        self.folder = folder
        self.tag = tag
        self.files = _files(folder, tag)
        self.idle = runtime.seconds_setting(ENV_IDLE, IDLE_SECONDS)
        self.address = ""
        self.key = b""
        self.started_ns = time.time_ns()
        self.code: dict[str, tuple[int, int]] = {}
        self.folders: dict[str, int] = {}
        self.changed = False
        self.parser: argparse.ArgumentParser | None = None
        self.seen = 0
        self.settings = _interpreter_settings(os.environ, strip=runtime.package_root())
        self.work: queue.Queue[tuple[socket.socket, bytes]] = queue.Queue()
        self.pending = threading.BoundedSemaphore(MAX_PENDING)
        self.last = time.monotonic()

    def serve(self) -> int:
        import glob
        import secrets
        import socket
        import threading

        lock = runtime.FileLock(self.files["lock"])
        if not lock.acquire(LOCK_SECONDS):
            return 0  # another one runs
        tcp = os.name == "nt" or os.environ.get(ENV_TCP) == "1"
        path = _socket_path(self.folder, self.tag, secrets.token_hex(4))
        if not tcp and len(path.encode("utf-8", "surrogatepass")) > MAX_SOCKET_PATH:
            print(f"{path}: path soket terlalu panjang", file=sys.stderr)
            return 2
        self._warm()
        for left in glob.glob(glob.escape(self.files["socket"]) + "*.sock"):  # of services that died
            os.unlink(left)
        if tcp:
            self.key = runtime.make_key(self.files["key"])
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: no other program on our port
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
            listener.bind(("127.0.0.1", 0))
            self.address = f"tcp:{listener.getsockname()[1]}"
        else:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
            os.chmod(path, 0o600)
            self.address = f"unix:{path}"
        listener.listen(MAX_PENDING)
        try:
            state = {"address": self.address, "pid": str(os.getpid()), "python": sys.executable,
                     "root": runtime.package_root()}
            runtime.write_private(self.files["state"], "".join(f"{k}={v}\n" for k, v in state.items()).encode())
            try:
                import signal

                signal.signal(signal.SIGTERM, lambda *_: self.shutdown())
            except (ValueError, AttributeError):
                pass
            threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
            self._work()
        finally:
            self._remove()
        return 0

    def _warm(self) -> None:
        """Import what a search runs, then note the files of every module loaded."""
        import importlib

        from sopdocs.cli import base
        from sopdocs.cli import search as cli_search

        cli_search.DIRECT_ONLY = True
        self.parser = base.build_parser([COMMAND])  # every request is a search: one parser serves them all
        for name in ("sopdocs.search.factory", "sopdocs.search.tantivyindex", "sopdocs.search.index",
                     "sopdocs.locations"):
            try:
                importlib.import_module(name)
            except ImportError:
                pass  # tantivy not installed: the Whoosh default still warms
        self._note_modules()

    def _note_modules(self) -> None:
        """Note the files of modules loaded since the last call; one first loaded after
        the warm-up and written after the service started means the code changed under it
        (a file dated in the future proves nothing: clocks differ)."""
        import time

        now, warmed = time.time_ns(), bool(self.code)
        modules = list(sys.modules.values())
        if len(modules) == self.seen:
            return
        self.seen = len(modules)
        for module in modules:
            path = getattr(module, "__file__", None)
            if isinstance(path, str) and path not in self.code:
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                self.code[path] = (info.st_mtime_ns, info.st_size)
                self.changed = self.changed or (warmed and self.started_ns < info.st_mtime_ns <= now)
                folder = os.path.dirname(path)
                if folder not in self.folders:
                    try:
                        self.folders[folder] = os.stat(folder).st_mtime_ns
                    except OSError:
                        self.changed = True

    def _moved(self) -> bool:
        """Whether a folder of the code changed (files added, removed or replaced: what an
        upgrade does); a tenth of the cost of :meth:`_stale`, checked before every answer."""
        for folder, mtime in self.folders.items():
            try:
                if os.stat(folder).st_mtime_ns != mtime:
                    return True
            except OSError:
                return True
        return False

    def _stale(self) -> bool:
        """Whether any file of the code changed (checked after every answer, when no client
        waits, and before an answer when a folder moved)."""
        if self.changed:
            return True
        for path, (mtime, size) in self.code.items():
            try:
                info = os.stat(path)
            except OSError:
                return True
            if (info.st_mtime_ns, info.st_size) != (mtime, size):
                return True
        return False

    def _accept(self, listener: socket.socket) -> None:
        import threading
        import time

        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                time.sleep(0.05)
                continue
            if not self.pending.acquire(blocking=False):
                conn.close()  # too many at once: those clients search by themselves
                continue
            if self.address.startswith("unix:"):
                self._take(conn)  # only the user can connect: read here, no thread to start
            else:
                threading.Thread(target=self._take, args=(conn,), daemon=True).start()

    def _take(self, conn: socket.socket) -> None:
        """Check the caller, read its request, tell it the request was taken, queue it."""
        try:
            conn.settimeout(REQUEST_SECONDS)
            if self._caller_is_the_user(conn):
                request = _receive_frame(conn, MAX_REQUEST)
                conn.sendall(_TAKEN)
                self.work.put((conn, request))
                return
            conn.close()
        except (OSError, EOFError, ValueError):
            conn.close()  # a client that went away, a stranger, a malformed message: that connection only
        finally:
            self.pending.release()

    def _caller_is_the_user(self, conn: socket.socket) -> bool:
        import hmac
        import socket

        if self.address.startswith("unix:"):
            if not hasattr(socket, "SO_PEERCRED"):
                return True  # the folder's permissions alone keep others out
            import struct

            _, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                             struct.calcsize("3i")))
            return uid == os.getuid()
        nonce = os.urandom(_NONCE)
        conn.sendall(nonce)
        proof = _receive_frame(conn, 2 * _NONCE + 32)
        if len(proof) != _NONCE + 32 or not hmac.compare_digest(
                proof[_NONCE:], _mac(self.key, b"client", nonce, proof[:_NONCE])):
            return False  # not ours: nothing more is read
        conn.sendall(_mac(self.key, b"server", proof[:_NONCE], nonce))
        return True

    def _work(self) -> None:
        """Answer the taken requests one by one until idle (or told to stop)."""
        import queue
        import time

        while True:
            wait = self.idle - (time.monotonic() - self.last)
            if wait <= 0:
                return
            try:
                conn, request = self.work.get(timeout=min(wait, 5.0))
            except queue.Empty:
                continue
            end = False
            try:
                conn.settimeout(ANSWER_SECONDS)
                reply, end = self._reply(request)
                _send_frame(conn, reply)
            except OSError:
                pass  # the client went away
            finally:
                conn.close()
                self.last = time.monotonic()
            if end:
                return
            self._note_modules()
            self.changed = self._stale()  # the next request is refused when the code changed

    def _reply(self, request: bytes) -> tuple[bytes, bool]:
        """The reply to a request, and whether the service ends after sending it."""
        if request == PROTOCOL + b"\0" + _STOP:
            return _SERVED, True
        if self.changed or (self._moved() and self._stale()):
            return _NOT_SERVED + _STALE, True
        reply = self._answer(request)
        return reply, reply == _NOT_SERVED + _FAILED

    def _answer(self, request: bytes) -> bytes:
        from sopdocs.cli.search import NeedsArchive

        try:
            fields = request.decode("utf-8", "surrogatepass").split("\0")
        except UnicodeDecodeError:
            return _NOT_SERVED + _DECLINED
        if fields[0] != PROTOCOL.decode() or len(fields) < 5 or not fields[3].isdigit():
            return _NOT_SERVED + _DECLINED
        cwd, mask, count = fields[1], fields[2], int(fields[3])
        argv, env_items = fields[4:4 + count], fields[4 + count:]
        env = dict(item.split("=", 1) for item in env_items if "=" in item)
        if (len(argv) != count or argv[:1] != [COMMAND] or not os.path.isabs(cwd) or not os.path.isdir(cwd)
                or not mask or any(c not in "01234567" for c in mask) or len(mask) > 4
                or _interpreter_settings(env) != self.settings):
            return _NOT_SERVED + _DECLINED
        pieces: list[tuple[int, str]] = []
        try:
            code = self._run(argv, cwd, int(mask, 8), env, pieces)
        except NeedsArchive:
            return _NOT_SERVED + _DECLINED  # it writes: the command does it with its own permissions
        except BaseException:  # noqa: BLE001 - the command runs it itself and shows what happened
            return _NOT_SERVED + _FAILED
        output = b"".join(bytes([which]) + len(data).to_bytes(4, "big") + data
                          for which, data in ((w, t.encode("utf-8", "surrogatepass")) for w, t in pieces))
        if len(output) > MAX_ANSWER:
            return _NOT_SERVED + _DECLINED
        return _SERVED + code.to_bytes(4, "big", signed=True) + output

    def _run(self, argv: list[str], cwd: str, mask: int, env: dict[str, str],
             pieces: list[tuple[int, str]]) -> int:
        """``sopdocs ARGV`` in ``cwd`` with ``env`` and the umask ``mask``, its output kept in ``pieces``."""
        import time

        from sopdocs.cli.base import main

        saved_env, saved_cwd, saved_mask = dict(os.environ), os.getcwd(), os.umask(mask)
        saved_streams = sys.stdout, sys.stderr
        _set_environment(saved_env, env)
        if env.get("TZ") != saved_env.get("TZ") and hasattr(time, "tzset"):
            time.tzset()
        try:
            os.chdir(cwd)
            sys.stdout, sys.stderr = _Capture(pieces, 1), _Capture(pieces, 2)
            try:
                code = main(argv, parser=self.parser)
            except SystemExit as exc:
                if exc.code is None or isinstance(exc.code, int):
                    code = exc.code or 0
                else:
                    pieces.append((2, f"{exc.code}\n"))
                    code = 1
            return int(code)
        finally:
            sys.stdout, sys.stderr = saved_streams
            os.chdir(saved_cwd)
            os.umask(saved_mask)
            _set_environment(dict(os.environ), saved_env)
            if env.get("TZ") != saved_env.get("TZ") and hasattr(time, "tzset"):
                time.tzset()

    def _remove(self) -> None:
        """Remove the state file (or its stuck copy) and the socket, if they are this service's."""
        for name in ("state", "stuck"):
            state = _read_state(self.files[name])
            if state is not None and state.get("address") == self.address:
                try:
                    os.unlink(self.files[name])
                except OSError:
                    pass
        if self.address.startswith("unix:"):
            try:
                os.unlink(self.address[len("unix:"):])
            except OSError:
                pass

    def shutdown(self) -> NoReturn:
        """Remove what points here and exit (SIGTERM)."""
        self._remove()
        os._exit(0)


def _set_environment(now: dict[str, str], wanted: dict[str, str]) -> None:
    """``os.environ`` from ``now`` to ``wanted``, touching only what differs."""
    for name in now.keys() - wanted.keys():
        os.environ.pop(name, None)
    for name, value in wanted.items():
        if now.get(name) != value:
            os.environ[name] = value


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[1] == "stop":
        stopped = stop()
        print("Layanan pencarian dihentikan." if stopped else "Tidak ada layanan pencarian yang berjalan.")
        return 0
    if len(argv) != 4 or argv[1] != "serve":
        print("pemakaian: python -m sopdocs.cli.service stop | serve FOLDER TAG", file=sys.stderr)
        return 2
    if argv[3] != _tag():
        print(f"{argv[3]}: bukan instalasi ini ({_tag()})", file=sys.stderr)
        return 2
    return _Service(argv[2], argv[3]).serve()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
