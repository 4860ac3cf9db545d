"""A throw-away PostgreSQL cluster for tests and benchmarks.

``initdb`` refuses to run as root, so under root the cluster belongs to an unprivileged
user (``nobody``, else a ``sopdocs-test`` user made with ``useradd``) and every server
command runs through ``runuser``/``setpriv``. The server listens on a free loopback port
(its Unix socket goes in the cluster's own folder) with ``trust`` authentication: it is
reachable only from this machine and lives only as long as the test session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

#: Where Debian's postgresql-15 package puts the server binaries.
PG_BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin"),
               Path("/usr/lib/postgresql/17/bin"))
#: Seconds ``pg_ctl`` waits for the server to start or stop.
PG_CTL_WAIT_SECONDS = 60
#: The unprivileged users tried, in order, when running as root.
UNPRIVILEGED_USERS = ("nobody", "sopdocs-test")
#: Tries to start the server, each on a new free port (another process may take one first).
START_ATTEMPTS = 3
DATABASE = "sopdocs"
SUPERUSER = "sopdocs"


def pg_bin() -> Path | None:
    """The folder holding initdb/pg_ctl/postgres, or None when PostgreSQL is not installed."""
    env = os.environ.get("SOPDOCS_PG_BIN")
    candidates = [Path(env)] if env else []
    candidates.extend(PG_BIN_DIRS)
    which = shutil.which("pg_ctl")
    if which:
        candidates.append(Path(which).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _unprivileged_user() -> str:
    import pwd

    for name in UNPRIVILEGED_USERS:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    name = UNPRIVILEGED_USERS[-1]
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                   check=True, capture_output=True)
    return name


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PgCluster:
    """One cluster: ``start()``, ``stop()`` (``-m fast``, like an outage), ``start()`` again,
    ``destroy()`` at the end. ``url()`` names a database on it."""

    def __init__(self, bin_dir: Path, *, fsync: bool = False) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="sopdocs-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.user: str | None = _unprivileged_user() if _is_root() else None
        if self.user is not None:
            import pwd

            entry = pwd.getpwnam(self.user)
            os.chmod(self.root, 0o755)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(["initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                   "--locale=C.UTF-8", "--no-instructions"])
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.root}'\nfsync = {'on' if fsync else 'off'}\n"
                       "max_connections = 60\n")
        for attempt in range(START_ATTEMPTS):
            try:
                self.start()
                break
            except RuntimeError:
                if attempt == START_ATTEMPTS - 1:
                    raise
                # the free port was taken meanwhile: a later line of postgresql.conf wins
                self.port = _free_port()
                with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                    conf.write(f"port = {self.port}\n")
        self._run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER,
                   DATABASE], raw=True)

    def _run(self, argv: list[str], *, raw: bool = False) -> None:
        command = argv if raw else [str(self.bin / argv[0]), *argv[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr or result.stdout}")

    def start(self) -> None:
        self._run(["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(PG_CTL_WAIT_SECONDS),
                   "start"])

    def stop(self) -> None:
        self._run(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", str(PG_CTL_WAIT_SECONDS), "stop"])

    def running(self) -> bool:
        return (self.data / "postmaster.pid").is_file()

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        self._run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name],
                  raw=True)
        return self.url(name)

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        if self.running():
            try:
                self.stop()
            except RuntimeError:
                time.sleep(1)
        shutil.rmtree(self.root, ignore_errors=True)
