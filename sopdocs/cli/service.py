"""A per-user search service: ``sopdocs search`` answered by a process kept warm.

Most of a cold ``sopdocs search`` is spent starting Python's and sopdocs' modules (about
45 ms of 70 on a tantivy archive, where a bare open + query of the index takes 25). The
first search of an installation therefore starts this service, detached, and answers by
itself; every later search of the same user sends its arguments to the service and prints
its answer, until the service has been idle for :data:`IDLE_SECONDS`.

* **The same answers**: the service runs the command line's own code
  (:func:`sopdocs.cli.base.main`) on the client's arguments, working folder and
  environment, and sends back what it printed (stdout and stderr, in order) and the exit
  code. It opens the archive's index for each search, as a cold command does, so every
  change to the archive is seen.
* **Only searches**: any other command is refused. Whenever something is in doubt (no
  service, another installation, changed code, an error in the service, a late answer)
  the command runs the search itself: the service only ever saves time.
* **Private**: on POSIX an AF_UNIX socket in the user's runtime folder
  (:mod:`sopdocs.runtime`: 0700, checked by both sides), so the file system keeps other
  users out, and the service also checks the peer's user id where the system tells it. On
  Windows, a loopback TCP port with a challenge both ways (HMAC-SHA256 of random nonces
  with a 0600 key) before the query is sent.
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
    import socket
    from typing import Any

#: Version of the messages.
PROTOCOL = b"sopdocs-search-1"
#: Set to 0 to never use (or start) the service.
ENV_SWITCH = "SOPDOCS_SEARCH_SERVICE"
#: Seconds of idle time instead of :data:`IDLE_SECONDS` (read by the service when it starts).
ENV_IDLE = "SOPDOCS_SEARCH_SERVICE_IDLE"
#: Set to 1 to use loopback TCP with the key challenge (as on Windows) on a POSIX system too.
ENV_TCP = "SOPDOCS_SEARCH_SERVICE_TCP"
#: A service without requests this long exits.
IDLE_SECONDS = 600.0
#: Seconds a client waits for the service to answer a search before it searches itself.
ANSWER_SECONDS = 60.0
#: Seconds the service waits for a client's request once connected.
REQUEST_SECONDS = 5.0
#: Longest request (arguments, folder and environment), bytes.
MAX_REQUEST = 1 << 20
#: Longest answer (what the search printed), bytes; a longer one is printed by the command itself.
MAX_ANSWER = 64 << 20
#: Seconds a starting service waits for the lock held by one that is ending.
LOCK_SECONDS = 3.0
#: Seconds after a check of the code's files in which a request is answered without
#: another (the files are checked again after every answer, when no client waits).
CHECK_SECONDS = 1.0
#: Longest AF_UNIX socket path (the limit is 104 to 108 bytes depending on the system).
MAX_SOCKET_PATH = 100
#: The only command served.
COMMAND = "search"

_SERVED = b"S"
_NOT_SERVED = b"N"
_STOP = b"stop"
_NONCE = 32


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
    return {"state": f"{stem}.state", "key": f"{stem}.key", "lock": f"{stem}.lock", "log": f"search-{tag}.log"}


def _read_state(path: str) -> dict[str, str] | None:
    """``key=value`` lines (JSON would import ``re`` on every search)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(4096)
    except (OSError, ValueError):
        return None
    state = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    needed = ("address", "pid", "python", "root")
    return state if all(state.get(name) for name in needed) else None


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


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # undecodable arguments stay as they are


def _request(argv: list[str]) -> bytes:
    env = dict(os.environ)
    if "COLUMNS" not in env:  # the service has no terminal: the width of ours
        try:
            env["COLUMNS"] = str(os.get_terminal_size(sys.__stdout__.fileno()).columns)  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass
    fields = [os.getcwd(), str(len(argv)), *argv,
              *(f"{name}={value}" for name, value in env.items() if name and not name.startswith("="))]
    return PROTOCOL + b"\0" + b"\0".join(_encode(field) for field in fields)


def _connect(address: str, key_path: str) -> Any:
    """A connected socket to the service at ``address`` (``unix:PATH`` or ``tcp:PORT``)."""
    import _socket

    kind, _, where = address.partition(":")
    if kind == "unix" and hasattr(_socket, "AF_UNIX"):
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        sock.settimeout(ANSWER_SECONDS)
        try:
            sock.connect(where)
        except OSError:
            sock.close()
            raise
        return sock
    if kind != "tcp" or not where.isdigit():
        raise runtime.ServiceUnavailable(f"alamat tidak dikenal: {address[:80]}")
    key = runtime.read_key(key_path)
    if key is None:
        raise runtime.ServiceUnavailable("kunci layanan pencarian tidak ada")
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    sock.settimeout(ANSWER_SECONDS)
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


def _ask(state: dict[str, str], key_path: str, payload: bytes) -> bytes:
    sock = _connect(state["address"], key_path)
    try:
        _send_frame(sock, payload)
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
    tag = _tag()
    files = _files(folder, tag)
    state = _read_state(files["state"])
    if state is None or state["python"] != sys.executable or state["root"] != runtime.package_root():
        _start()
        return None
    try:
        reply = _ask(state, files["key"], _request(argv))
    except KeyboardInterrupt:  # Ctrl-C while the service searches: as the command says it
        print("dibatalkan", file=sys.stderr)
        return 130
    except (OSError, EOFError, ValueError, runtime.ServiceUnavailable):
        _start()  # a service that went away (its lock tells whether one is still there)
        return None
    if reply[:1] != _SERVED or len(reply) < 5:
        if reply[1:] == b"stale":
            _start(replacing=True)
        return None
    try:
        _replay(reply[5:])
    except OSError as exc:  # stdout closed early (``| head``): one line, as the command itself says it
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - nothing more is flushed to the closed pipe
            print(f"galat: {exc.strerror or exc}", file=sys.stderr)
        except OSError:
            pass
        return 2
    return int.from_bytes(reply[1:5], "big", signed=True)


def _replay(output: bytes) -> None:
    """Print the service's output: (stream, text) pieces in the order they were written."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]  # as sopdocs.cli.base.main does
        except (AttributeError, ValueError):
            pass
    position = 0
    while position < len(output):
        which, size = output[position], int.from_bytes(output[position + 1:position + 5], "big")
        text = output[position + 5:position + 5 + size].decode("utf-8", "surrogatepass")
        (sys.stderr if which == 2 else sys.stdout).write(text)
        position += 5 + size
    sys.stdout.flush()


def _start(*, replacing: bool = False) -> None:
    """Start the service for the next search, detached, unless one is running or starting
    (it holds its lock) or ``replacing`` one that is ending; never fails the command."""
    try:
        folder = runtime.private_dir()
        tag = _tag()
        files = _files(folder, tag)
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
        return _ask(state, files["key"], PROTOCOL + b"\0" + _STOP) == _SERVED
    except (OSError, EOFError, ValueError, runtime.ServiceUnavailable):
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
    def __init__(self, folder: str, tag: str) -> None:
        self.folder = folder
        self.tag = tag
        self.files = _files(folder, tag)
        self.idle = runtime.seconds_setting(ENV_IDLE, IDLE_SECONDS)
        self.address = ""
        self.key = b""
        self.code: dict[str, tuple[int, int]] = {}
        self.seen = 0
        self.checked = 0.0
        self.listener: socket.socket | None = None

    def serve(self) -> int:
        import secrets
        import socket

        lock = runtime.FileLock(self.files["lock"])
        if not lock.acquire(LOCK_SECONDS):
            return 0  # another one runs
        self._warm()
        if os.name == "nt" or os.environ.get(ENV_TCP) == "1":
            self.key = runtime.make_key(self.files["key"])
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            self.address = f"tcp:{listener.getsockname()[1]}"
        else:
            path = os.path.join(self.folder, f"search-{self.tag}-{secrets.token_hex(4)}.sock")
            if len(path.encode()) > MAX_SOCKET_PATH:
                print(f"{path}: path soket terlalu panjang", file=sys.stderr)
                return 2
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
            os.chmod(path, 0o600)
            self.address = f"unix:{path}"
        listener.listen(16)
        self.listener = listener
        state = {"address": self.address, "pid": str(os.getpid()), "python": sys.executable,
                 "root": runtime.package_root()}
        runtime.write_private(self.files["state"], "".join(f"{k}={v}\n" for k, v in state.items()).encode())
        try:
            import signal

            signal.signal(signal.SIGTERM, lambda *_: self.shutdown())
        except (ValueError, AttributeError):
            pass
        while True:
            listener.settimeout(self.idle)
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                self.shutdown()
            except OSError:
                continue
            try:
                self._client(conn)
            except (OSError, EOFError, ValueError):
                pass  # a client that went away or a malformed message: that connection only
            finally:
                conn.close()

    def _warm(self) -> None:
        """Import what a search runs, then note the files of every module loaded."""
        import importlib

        from sopdocs.cli import base

        base.build_parser([COMMAND])
        for name in ("sopdocs.cli.search", "sopdocs.search.factory", "sopdocs.search.tantivyindex",
                     "sopdocs.search.index", "sopdocs.locations"):
            try:
                importlib.import_module(name)
            except ImportError:
                pass  # tantivy not installed: the Whoosh default still warms
        self._note_modules()

    def _note_modules(self) -> None:
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

    def _stale(self) -> bool:
        import time

        self.checked = time.monotonic()
        for path, (mtime, size) in self.code.items():
            try:
                info = os.stat(path)
            except OSError:
                return True
            if (info.st_mtime_ns, info.st_size) != (mtime, size):
                return True
        return False

    def _client(self, conn: socket.socket) -> None:
        import hmac
        import socket

        conn.settimeout(REQUEST_SECONDS)
        if self.address.startswith("unix:"):
            if hasattr(socket, "SO_PEERCRED"):
                import struct

                _, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                 struct.calcsize("3i")))
                if uid != os.getuid():
                    return
        else:
            nonce = os.urandom(_NONCE)
            conn.sendall(nonce)
            proof = _receive_frame(conn, 2 * _NONCE + 32)
            if len(proof) != _NONCE + 32 or not hmac.compare_digest(
                    proof[_NONCE:], _mac(self.key, b"client", nonce, proof[:_NONCE])):
                return  # not ours: nothing more is read
            conn.sendall(_mac(self.key, b"server", proof[:_NONCE], nonce))
        request = _receive_frame(conn, MAX_REQUEST)
        if request == PROTOCOL + b"\0" + _STOP:
            _send_frame(conn, _SERVED)
            conn.close()
            self.shutdown()
        conn.settimeout(ANSWER_SECONDS)
        import time

        if time.monotonic() - self.checked > CHECK_SECONDS and self._stale():
            _send_frame(conn, _NOT_SERVED + b"stale")
            conn.close()
            self.shutdown()
        _send_frame(conn, self._answer(request))
        conn.close()
        self._note_modules()
        if self._stale():  # an upgrade: the next search starts a new service
            self.shutdown()

    def _answer(self, request: bytes) -> bytes:
        try:
            fields = request.decode("utf-8", "surrogatepass").split("\0")
        except UnicodeDecodeError:
            return _NOT_SERVED + b"protocol"
        if fields[0] != PROTOCOL.decode() or len(fields) < 4 or not fields[2].isdigit():
            return _NOT_SERVED + b"protocol"
        cwd, count = fields[1], int(fields[2])
        argv, env_items = fields[3:3 + count], fields[3 + count:]
        if len(argv) != count or argv[:1] != [COMMAND] or not os.path.isabs(cwd) or not os.path.isdir(cwd):
            return _NOT_SERVED + b"refused"
        env = dict(item.split("=", 1) for item in env_items if "=" in item)
        pieces: list[tuple[int, str]] = []
        try:
            code = self._run(argv, cwd, env, pieces)
        except BaseException:  # noqa: BLE001 - the command runs it itself and shows what happened
            return _NOT_SERVED + b"error"
        output = b"".join(bytes([which]) + len(data).to_bytes(4, "big") + data
                          for which, data in ((w, t.encode("utf-8", "surrogatepass")) for w, t in pieces))
        if len(output) > MAX_ANSWER:
            return _NOT_SERVED + b"large"
        return _SERVED + code.to_bytes(4, "big", signed=True) + output

    def _run(self, argv: list[str], cwd: str, env: dict[str, str], pieces: list[tuple[int, str]]) -> int:
        """``sopdocs ARGV`` in ``cwd`` with ``env``, its output kept in ``pieces``."""
        import time

        from sopdocs.cli.base import main

        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        saved_streams = sys.stdout, sys.stderr
        _set_environment(saved_env, env)
        if env.get("TZ") != saved_env.get("TZ") and hasattr(time, "tzset"):
            time.tzset()
        try:
            os.chdir(cwd)
            sys.stdout, sys.stderr = _Capture(pieces, 1), _Capture(pieces, 2)
            try:
                code = main(argv)
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
            _set_environment(dict(os.environ), saved_env)
            if env.get("TZ") != saved_env.get("TZ") and hasattr(time, "tzset"):
                time.tzset()

    def shutdown(self) -> None:
        """Remove what points here and exit."""
        state = _read_state(self.files["state"])
        if state is not None and state.get("address") == self.address:
            try:
                os.unlink(self.files["state"])
            except OSError:
                pass
        if self.address.startswith("unix:"):
            try:
                os.unlink(self.address[len("unix:"):])
            except OSError:
                pass
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
