"""A resident LibreOffice: started once per process, documents sent to it over UNO.

Starting LibreOffice costs about a second; converting a letter once it runs, a tenth of
that. :func:`shared` keeps one LibreOffice per sopdocs process (its own fresh profile,
so two sopdocs processes never share one), started in the background as soon as a
command knows it will make PDFs (:func:`start_in_background`), and closed when the
process exits or after :data:`IDLE_SECONDS` unused.

sopdocs' own Python cannot load LibreOffice's ``uno`` module; the helper script
:mod:`sopdocs.pdf.unohelper` runs under the Python that can (:func:`uno_python`) and
talks JSON lines over its stdin/stdout. It owns LibreOffice and ends it as soon as its
stdin closes, so nothing is left running whether sopdocs exits, fails or is killed.

When no Python with ``uno`` is found, or LibreOffice does not start, callers fall back
to one ``soffice --convert-to`` run per batch (:mod:`sopdocs.pdf.convert`).
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from sopdocs.errors import ConversionError

#: Seconds LibreOffice may take to start and accept UNO connections.
START_SECONDS = 60.0
#: A resident LibreOffice unused this long is closed (a long-running process such as the
#: web app keeps no idle LibreOffice around).
IDLE_SECONDS = 120.0
#: Seconds the helper may take to end LibreOffice and exit once told to.
CLOSE_SECONDS = 10.0
#: Set to 0 to never use a resident LibreOffice (always one soffice run per batch).
ENV_SWITCH = "SOPDOCS_PDF_RESIDENT"
#: The Python that has LibreOffice's ``uno`` module, when it is not found by itself.
ENV_PYTHON = "SOPDOCS_UNO_PYTHON"

HELPER = Path(__file__).with_name("unohelper.py")


class ConversionTimeout(ConversionError):
    """A document took longer than its time limit (that LibreOffice was ended)."""


class ResidentUnavailable(Exception):
    """The resident LibreOffice cannot be used (not startable, or broke): convert in batch."""


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "no", "false", "off")


def uno_python(soffice: Path) -> list[Path]:
    """Pythons that may have LibreOffice's ``uno`` module, most likely first: the one named
    by ``SOPDOCS_UNO_PYTHON``; the one LibreOffice ships beside soffice (Windows, macOS,
    libreoffice.org builds); on other systems the system ``python3`` (Debian/Ubuntu
    package ``python3-uno``)."""
    configured = os.environ.get(ENV_PYTHON, "").strip().strip('"')
    if configured:
        return [Path(configured)]
    program = Path(os.path.realpath(soffice)).parent
    found = [program / "python.exe", program / "python", program.parent / "Resources" / "python"]
    if os.name != "nt":
        found.append(Path("/usr/bin/python3"))
        system = shutil.which("python3", path=os.defpath)
        if system:
            found.append(Path(system))
    own = Path(sys.executable).resolve()
    unique: list[Path] = []
    for path in found:
        if path.is_file() and path.resolve() != own and path not in unique:
            unique.append(path)
    return unique


def _creation_options() -> dict[str, Any]:
    if os.name == "nt":
        return {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)}
    # Its own session: a Ctrl-C in the terminal reaches sopdocs, whose exit then closes the
    # helper's stdin; the helper is never killed half-way through ending LibreOffice.
    return {"start_new_session": True}


class ResidentConverter:
    """One helper process and the LibreOffice it runs; :meth:`convert` is thread-safe
    (requests are sent one at a time)."""

    def __init__(self, soffice: Path) -> None:
        self.soffice = soffice
        self.office_pid: int | None = None
        self.pipe: str | None = None
        """The name LibreOffice listens on (unique; it is in soffice's command line)."""
        self._proc: subprocess.Popen[str] | None = None
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._next_id = 0
        self.last_used = time.monotonic()

    @property
    def helper_pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self, timeout: float = START_SECONDS) -> None:
        """Start the helper and wait until LibreOffice accepts documents, or raise ResidentUnavailable."""
        reasons = []
        for python in uno_python(self.soffice):
            try:
                self._start_with(python, timeout)
                return
            except ResidentUnavailable as exc:
                reasons.append(f"{python}: {exc}")
        raise ResidentUnavailable("; ".join(reasons) or "tidak ada Python dengan modul uno LibreOffice")

    def _start_with(self, python: Path, timeout: float) -> None:
        try:
            proc = subprocess.Popen(
                [str(python), str(HELPER), str(self.soffice), f"{timeout:g}"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True, encoding="utf-8", bufsize=1, **_creation_options(),
            )
        except OSError as exc:
            raise ResidentUnavailable(str(exc)) from None
        self._proc = proc
        self._replies = queue.Queue()
        assert proc.stdout is not None
        threading.Thread(target=_read_replies, args=(proc.stdout, self._replies), daemon=True).start()
        try:
            first = self._replies.get(timeout=timeout + CLOSE_SECONDS)
        except queue.Empty:
            first = {"error": f"tidak siap dalam {timeout:g} detik"}
        if first is None or not first.get("ready"):
            self.close()
            reason = "berhenti tanpa pesan" if first is None else str(first.get("error"))
            raise ResidentUnavailable(reason)
        self.office_pid = int(first["pid"])
        self.pipe = str(first["pipe"])

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def busy(self) -> bool:
        return self._lock.locked()

    def convert(self, docx: Path, pdf: Path, *, pdfa: bool, timeout: float) -> None:
        """Write ``pdf`` from ``docx``. A document LibreOffice cannot convert raises
        ConversionError; a timeout ends this LibreOffice and raises ConversionTimeout;
        a helper that broke raises ResidentUnavailable (the caller converts in batch)."""
        with self._lock:
            proc = self._proc
            if proc is None or proc.poll() is not None or proc.stdin is None:
                raise ResidentUnavailable("LibreOffice residen tidak berjalan")
            self._next_id += 1
            request = {"id": self._next_id, "src": os.path.abspath(docx), "dst": os.path.abspath(pdf), "pdfa": pdfa}
            try:
                proc.stdin.write(json.dumps(request) + "\n")
                proc.stdin.flush()
            except (OSError, ValueError) as exc:
                self.close()
                raise ResidentUnavailable(str(exc)) from None
            try:
                answer = self._replies.get(timeout=timeout)
            except queue.Empty:
                self.close()
                raise ConversionTimeout(
                    f"LibreOffice tidak selesai dalam {timeout:g} detik saat mengonversi {docx.name}; "
                    "proses dihentikan. Periksa dokumennya atau naikkan batas waktu."
                ) from None
            finally:
                self.last_used = time.monotonic()
            if answer is None:
                self.close()
                raise ResidentUnavailable("LibreOffice residen berhenti")
            if answer.get("id") != request["id"]:
                self.close()
                raise ResidentUnavailable("jawaban LibreOffice residen tidak sesuai permintaan")
            if answer.get("ok"):
                return
            if answer.get("broken"):
                self.close()
                raise ResidentUnavailable(str(answer.get("error")))
            raise ConversionError(f"{docx}: LibreOffice tidak dapat mengonversinya ({answer.get('error')})")

    def close(self) -> None:
        """Tell the helper to end LibreOffice (close its stdin) and wait for it; kill as a last resort."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=CLOSE_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            _kill_office(self.office_pid)
            try:
                proc.wait(timeout=CLOSE_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        # stdout is left to the reader thread: it ends at the helper's EOF.


def _read_replies(stream: IO[str], replies: queue.Queue[dict[str, Any] | None]) -> None:
    try:
        for line in stream:
            try:
                replies.put(json.loads(line))
            except ValueError:  # not a reply (a warning LibreOffice's Python printed)
                continue
    except (OSError, ValueError):
        pass
    finally:
        replies.put(None)
        try:
            stream.close()
        except OSError:
            pass


def _kill_office(pid: int | None) -> None:
    """Last resort when the helper did not end: LibreOffice's process group (tree on Windows)."""
    if pid is None:
        return
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(pid)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False,
                       creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
        return
    killpg = getattr(os, "killpg", None)
    if killpg is not None:
        import signal

        try:
            killpg(pid, signal.SIGKILL)
        except OSError:
            pass


# --------------------------------------------------------------------------- kept by the process

#: Most resident LibreOffices one process keeps; a batch is shared among those running.
MAX_RESIDENTS = 2

_pool: list[ResidentConverter] = []
_threads: dict[int, threading.Thread] = {}  # id(converter) -> the thread starting it
_failed: dict[str, str] = {}  # soffice path -> why its resident could not start
_guard = threading.Lock()
_idle_timer: threading.Timer | None = None


def _start(converter: ResidentConverter) -> None:
    try:
        converter.start()
    except ResidentUnavailable as exc:
        with _guard:
            _failed[str(converter.soffice)] = str(exc)
            if converter in _pool:
                _pool.remove(converter)


def start_in_background(soffice: Path, count: int = 1) -> None:
    """Have ``count`` (at most :data:`MAX_RESIDENTS`) resident LibreOffices for ``soffice``
    running or starting, without waiting: a command that will make PDFs calls this first,
    so LibreOffice starts while the documents are rendered."""
    if not enabled():
        return
    count = max(1, min(count, MAX_RESIDENTS))
    stale: list[ResidentConverter] = []
    with _guard:
        if str(soffice) in _failed:
            return
        for converter in list(_pool):
            starting = _threads.get(id(converter))
            if converter.soffice != soffice or not (converter.alive() or (starting is not None and starting.is_alive())):
                _pool.remove(converter)  # another soffice, or one that stopped: replaced
                _threads.pop(id(converter), None)
                stale.append(converter)
        while len(_pool) < count:
            converter = ResidentConverter(soffice)
            thread = threading.Thread(target=_start, args=(converter,), daemon=True)
            _pool.append(converter)
            _threads[id(converter)] = thread
            thread.start()
    for converter in stale:
        converter.close()


def running(soffice: Path) -> list[ResidentConverter]:
    """The process's resident LibreOffices for ``soffice``, one started if none is (those
    starting are waited for); empty when none can run here (the caller converts in batch)."""
    if not enabled():
        return []
    start_in_background(soffice)
    with _guard:
        threads = [_threads.get(id(converter)) for converter in _pool]
    for thread in threads:
        if thread is not None:
            thread.join(START_SECONDS + 2 * CLOSE_SECONDS)
    with _guard:
        ready = [converter for converter in _pool if converter.alive() and converter.soffice == soffice]
    if ready:
        _arm_idle_timer()
    return ready


def shared(soffice: Path) -> ResidentConverter | None:
    """The first of :func:`running`, or None."""
    found = running(soffice)
    return found[0] if found else None


def first() -> ResidentConverter | None:
    """The first resident LibreOffice of this process, running or starting (for tests and benchmarks)."""
    with _guard:
        return _pool[0] if _pool else None


def close_shared() -> None:
    """Close the process's resident LibreOffices (at exit, after idling, or on request)."""
    global _idle_timer
    with _guard:
        converters = list(_pool)
        _pool.clear()
        _threads.clear()
        timer, _idle_timer = _idle_timer, None
    if timer is not None:
        timer.cancel()
    for converter in converters:
        converter.close()


def _arm_idle_timer() -> None:
    global _idle_timer
    with _guard:
        if _idle_timer is not None:
            return
        _idle_timer = threading.Timer(IDLE_SECONDS, _close_if_idle)
        _idle_timer.daemon = True
        _idle_timer.start()


def _close_if_idle() -> None:
    global _idle_timer
    with _guard:
        _idle_timer = None
        converters = list(_pool)
    if not converters:
        return
    now = time.monotonic()
    if all(now - c.last_used >= IDLE_SECONDS and not c.busy() for c in converters):
        close_shared()
    else:
        _arm_idle_timer()


atexit.register(close_shared)
