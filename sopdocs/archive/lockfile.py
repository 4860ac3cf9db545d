"""An exclusive lock shared between processes, held on a file, on Windows and POSIX.

The operating system releases the lock when the holding process ends, however it ends
(killed, crashed), so a crash never leaves the archive locked. The platform part is
Whoosh's ``FileLock`` (msvcrt on Windows, fcntl elsewhere; Whoosh is a dependency
already); this module adds bounded waiting with backoff and re-entrancy.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sopdocs.errors import SopdocsError

if TYPE_CHECKING:  # imported on first use: whoosh.util pulls in urllib, http and ssl (~25 ms)
    from whoosh.util.filelock import FileLock


class LockTimeoutError(SopdocsError):
    """Another process held the lock for longer than the wait limit."""


class LockFileError(SopdocsError):
    """The lock file cannot serve as one: a folder, a FIFO... stands at its place."""


def _check_lock_path(path: Path) -> None:
    """LockFileError if something other than a regular file is where the lock file goes
    (a missing file is fine: it is created; other errors are left to the open)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        what = ("folder" if stat.S_ISDIR(mode) else "tautan simbolik" if stat.S_ISLNK(mode)
                else "bukan berkas biasa")
        raise LockFileError(
            f"{path}: berkas kunci ini adalah {what}, bukan berkas biasa; pindahkan atau hapus "
            "(setelah memastikan tidak ada proses sopdocs yang berjalan), lalu ulangi"
        )


class InterProcessLock:
    """``with lock.hold(): ...`` waits up to ``timeout`` seconds for the lock.

    Re-entrant within one object (nested ``hold`` calls in one thread are cheap);
    two objects on the same file exclude each other, also within one process.
    """

    def __init__(self, path: Path, *, timeout: float = 120.0, what: str = "") -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.what = what or str(self.path)
        self._lock: FileLock | None = None
        self._depth = 0
        self._mutex = threading.RLock()

    @property
    def held(self) -> bool:
        return self._depth > 0

    def try_acquire(self) -> bool:
        """Take the lock if free right now (no waiting); True if taken. Pair with release()."""
        with self._mutex:
            if self._depth:
                self._depth += 1
                return True
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _check_lock_path(self.path)
            from whoosh.util.filelock import FileLock

            lock = FileLock(str(self.path))
            if not lock.acquire(blocking=False):
                return False
            self._lock = lock
            self._depth = 1
            return True

    def acquire(self, timeout: float | None = None) -> None:
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        delay = 0.01
        while not self.try_acquire():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockTimeoutError(
                    f"{self.what} sedang dipakai proses lain dan tidak lepas dalam "
                    f"{limit:g} detik; coba lagi nanti (kunci: {self.path})"
                )
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.25)

    def release(self) -> None:
        with self._mutex:
            if self._depth == 0:
                return
            self._depth -= 1
            if self._depth == 0 and self._lock is not None:
                lock, self._lock = self._lock, None
                lock.release()

    @contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        with self._mutex:
            self.acquire(timeout)
            try:
                yield
            finally:
                self.release()
