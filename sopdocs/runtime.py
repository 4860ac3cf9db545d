"""The user's private runtime folder, shared by the resident services that outlive one
command (the PDF converter, :mod:`sopdocs.pdf.service`; the search, :mod:`sopdocs.cli.service`)
and by what a command keeps for the next one (a year's days off, :mod:`sopdocs.indonesian.workdays`).

The folder (:func:`runtime_dir`) is 0700 and owned by the user, checked before anything in
it is trusted: on POSIX that alone keeps other local users from the services' AF_UNIX
sockets. It holds the services' keys (0600), locks, state files and logs, and the kept lists.

Clients import this module on every command that may use a service, so it imports only
``os`` and ``sys`` at load time and works on ``str`` paths.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from typing import IO, Any

#: The runtime folder instead of the default one (tests and benchmarks use their own).
ENV_RUNTIME = "SOPDOCS_RUNTIME"
#: Length of a service key (random bytes).
KEY_BYTES = 32


class ServiceUnavailable(Exception):
    """A service cannot be used from here: the caller does the work in its own process."""


def seconds_setting(name: str, default: float) -> float:
    """A positive number of seconds from the environment variable ``name``, else ``default``."""
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


def runtime_dir() -> str:
    """The user's runtime folder (not created): ``SOPDOCS_RUNTIME``, else
    ``%LOCALAPPDATA%\\sopdocs\\run`` (Windows), ``$XDG_RUNTIME_DIR/sopdocs`` or
    ``<temp>/sopdocs-<uid>``."""
    configured = os.environ.get(ENV_RUNTIME, "").strip()
    if configured:
        return configured
    if os.name == "nt":
        local = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return os.path.join(local, "sopdocs", "run")
    xdg = os.environ.get("XDG_RUNTIME_DIR", "")
    if xdg and os.path.isdir(xdg):
        return os.path.join(xdg, "sopdocs")
    return os.path.join(_temp_root(), f"sopdocs-{os.getuid()}")


def _temp_root() -> str:
    """The temporary folder as :func:`tempfile.gettempdir` finds it on POSIX (the first of
    ``$TMPDIR``, ``$TEMP``, ``$TMP``, /tmp, /var/tmp, /usr/tmp that is a folder), without
    importing :mod:`tempfile` and what it loads."""
    for name in ("TMPDIR", "TEMP", "TMP"):
        value = os.environ.get(name, "")
        if value and os.path.isdir(value):
            return os.path.abspath(value)
    for folder in ("/tmp", "/var/tmp", "/usr/tmp"):
        if os.path.isdir(folder):
            return folder
    return os.getcwd()


def private_dir() -> str:
    """:func:`runtime_dir`, created private (0700); ServiceUnavailable when it is not ours or
    others may enter it. Such a folder is not repaired: whatever was put in it meanwhile
    cannot be trusted."""
    folder = runtime_dir()
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if os.name != "nt":
            import stat

            info = os.lstat(folder)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                raise ServiceUnavailable(f"{folder}: bukan folder milik pengguna ini")
            if info.st_mode & 0o077:
                raise ServiceUnavailable(f"{folder}: folder dapat dibuka pengguna lain; kosongkan lalu "
                                         "jadikan pribadi (chmod 700) agar dipakai lagi")
    except OSError as exc:
        raise ServiceUnavailable(f"{folder}: {exc}") from None
    return folder


def existing_private_dir() -> str | None:
    """:func:`runtime_dir` when it exists, is the user's and is private (a client's check
    before it trusts what is inside); None otherwise. Nothing is created."""
    folder = runtime_dir()
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    if os.name == "nt":
        return folder if os.path.isdir(folder) else None
    is_dir = (info.st_mode & 0o170000) == 0o040000  # stat.S_ISDIR, without importing stat
    return folder if is_dir and info.st_uid == os.getuid() and not info.st_mode & 0o077 else None


def read_private(path: str, limit: int) -> bytes | None:
    """At most ``limit`` bytes of the regular file at ``path`` (not a symlink; on POSIX owned
    by the user), or None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (info.st_mode & 0o170000) != 0o100000 or (os.name != "nt" and info.st_uid != os.getuid()):
            return None
        return os.read(fd, limit)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_key(path: str) -> bytes | None:
    data = read_private(path, 4 * KEY_BYTES)
    return data if data is not None and len(data) >= KEY_BYTES else None


def make_key(path: str) -> bytes:
    """The key at ``path``, created (0600, random) when missing or unusable; call it under
    the service's start lock."""
    key = read_key(path)
    if key is not None:
        return key
    key = os.urandom(KEY_BYTES)
    tmp = f"{path}.{os.urandom(4).hex()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        _replace(tmp, path)
    except OSError as exc:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise ServiceUnavailable(f"{path}: {exc}") from None
    return key


def write_private(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` (0600) through a temporary file and a rename, so a reader
    never sees half of it."""
    tmp = f"{path}.{os.urandom(4).hex()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        _replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def _replace(source: str, target: str) -> None:
    """``os.replace``; on Windows retried for a moment while a reader has ``target`` open."""
    for attempt in range(20):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if os.name != "nt" or attempt == 19:
                raise
            import time

            time.sleep(0.01)


class FileLock:
    """An exclusive lock on a file (flock on POSIX, msvcrt.locking on Windows), released
    when the holder closes it or dies."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None

    def acquire(self, timeout: float) -> bool:
        import time

        fh = open(self.path, "a+b")  # noqa: SIM115 - kept open while locked
        deadline = time.monotonic() + timeout
        while True:
            try:
                if sys.platform == "win32":
                    import msvcrt

                    fh.seek(0)
                    msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                else:
                    import fcntl

                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fh = fh
                return True
            except OSError:
                if time.monotonic() >= deadline:
                    fh.close()
                    return False
                time.sleep(0.05)

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is None:
            return
        try:
            if sys.platform == "win32":
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
        fh.close()  # closing releases a flock


def installed_version(module: str, distribution: str) -> str | None:
    """The version of the installed ``distribution`` that provides ``module``, from the name
    of its ``.dist-info`` folder beside the module (``importlib.metadata`` costs a command
    30 to 60 ms: it imports email, zipfile and inspect and scans every distribution), else
    from ``importlib.metadata``; None when it is not installed."""
    from importlib.util import find_spec

    try:
        spec = find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return None
    wanted = _normal(distribution)
    for where in spec.submodule_search_locations or [os.path.dirname(spec.origin or "")]:
        try:
            names = sorted(os.listdir(os.path.dirname(where)))
        except OSError:
            continue
        for name in names:
            project, _, found = name.removesuffix(".dist-info").rpartition("-")
            if name.endswith(".dist-info") and _normal(project) == wanted and found:
                return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _normal(project: str) -> str:
    """A project name as dist-info folders spell it (PEP 503 normalisation, with ``_``)."""
    return "".join("_" if c in "-_." else c for c in project.lower())


def package_root() -> str:
    """The folder that holds the ``sopdocs`` package (put on a service's ``PYTHONPATH``)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def spawn(args: list[str], folder: str, log_name: str) -> subprocess.Popen[bytes]:
    """Start ``python ARGS`` detached from the terminal and the command (a new session on
    POSIX, ``DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP`` on Windows, no fork), in
    ``folder``, its stderr in ``folder/log_name``; ServiceUnavailable when it cannot start."""
    import subprocess

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root(), env.get("PYTHONPATH", "")) if p)
    options: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "cwd": folder,
                                  "env": env, "close_fds": True}
    if os.name == "nt":
        options["creationflags"] = (getattr(subprocess, "DETACHED_PROCESS", 0x8)
                                    | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200)
                                    | getattr(subprocess, "CREATE_NO_WINDOW", 0))
    else:
        options["start_new_session"] = True  # not in the terminal's process group: Ctrl-C does not reach it
    log_path = os.path.join(folder, log_name)
    try:
        if os.path.lexists(log_path):
            os.unlink(log_path)  # never written through a link someone left there
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as log:
            return subprocess.Popen([sys.executable, *args], stderr=log, **options)
    except OSError as exc:
        raise ServiceUnavailable(f"{args[1] if len(args) > 1 else 'layanan'} tidak dapat dijalankan: {exc}") from None
