"""DOCX to PDF conversion with LibreOffice running headless.

Design notes (each is a trap met in practice):

* Every soffice run gets its own fresh profile folder (``-env:UserInstallation``).
  Two runs sharing a profile do not run in parallel: the second one hands its job to
  the first instance or fails, often with exit code 0 and no output.
* Several documents are converted by one soffice run: starting LibreOffice costs
  about a second, converting a small letter a fraction of that.
* The exit code means little (a missing input still exits 0), so every expected PDF is
  checked: it must exist, be non-empty and start with ``%PDF``.
* LibreOffice opens anything it can read: a "docx" that is really a text file is
  happily converted as plain text. Inputs are therefore checked to be Word (OOXML) zip
  files before starting.
* ``soffice`` is a launcher; the real work is done by a child ``soffice.bin``. Killing
  only the launcher on timeout leaves the worker running, so the whole process tree is
  ended (a new session on POSIX, ``taskkill /T`` on Windows).
* PDF/A-2b is requested twice: by the JSON filter options (LibreOffice >= 7.4) and by a
  setting written into the fresh profile (understood by older versions, which ignore the
  JSON). The result is checked for the PDF/A identification in its XMP metadata.
* Starting LibreOffice is most of the wait, so a process that converts keeps one
  LibreOffice running (:mod:`sopdocs.pdf.resident`, over UNO) and sends it every document;
  :func:`prepare_converter` starts it early, in the background. Where that cannot run (no
  Python with LibreOffice's ``uno`` module) or breaks, the batch runs above are used.
* Every command is a new process, so a command (:func:`use_service`) rather sends its
  documents to the user's converter service (:mod:`sopdocs.pdf.service`), which keeps its
  LibreOffices across commands for a few idle minutes; when it cannot be reached or
  started, the process's own resident LibreOffices are used, then the batch runs.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from sopdocs.errors import ConversionError
from sopdocs.pdf.inputs import check_docx as _check_input

if TYPE_CHECKING:
    from sopdocs.pdf.resident import ResidentConverter
    from sopdocs.pdf.service import ServiceConverter

ENV_VAR = "SOPDOCS_SOFFICE"

PDF_FILTER = "pdf:writer_pdf_Export"
PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'

# Seeds the fresh profile so that LibreOffice < 7.4 (no JSON filter options) also
# exports PDF/A-2b.
_PDFA_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Filter/PDF/Export">\
<prop oor:name="SelectPdfVersion" oor:op="fuse"><value>2</value></prop></item>
</oor:items>
"""

_PDFA_PART_2 = re.compile(rb"pdfaid:part(?:>\s*|\s*=\s*[\"'])2")

INSTALL_HINT = (
    "Pasang LibreOffice lalu ulangi:\n"
    "  Debian/Ubuntu: sudo apt-get install --no-install-recommends "
    "libreoffice-writer-nogui fonts-liberation2\n"
    "  (atau jalankan scripts/install-system-deps.sh sebagai root)\n"
    "  Windows/macOS: unduh dari https://www.libreoffice.org/download/ dan pasang.\n"
    f"Jika LibreOffice terpasang di lokasi lain, isi variabel lingkungan {ENV_VAR} "
    "dengan path lengkap ke soffice (Windows: ...\\LibreOffice\\program\\soffice.exe)."
)


def _executable_in(folder: Path) -> Path | None:
    """soffice inside an installation folder given instead of the program itself."""
    for candidate in (
        folder / "soffice.exe",
        folder / "soffice",
        folder / "program" / "soffice.exe",
        folder / "program" / "soffice",
        folder / "Contents" / "MacOS" / "soffice",
    ):
        if candidate.is_file():
            return candidate
    return None


def _windows_candidates() -> list[Path]:
    bases: list[Path] = []
    for var in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"):
        value = os.environ.get(var)
        if value:
            bases.append(Path(value))
    bases += [Path("C:/Program Files"), Path("C:/Program Files (x86)")]
    found: list[Path] = []
    for base in bases:
        found.append(base / "LibreOffice" / "program" / "soffice.exe")
        try:
            # Older installers used versioned folders such as "LibreOffice 5".
            found += sorted(base.glob("LibreOffice*/program/soffice.exe"), reverse=True)
        except OSError:
            continue
    return found


def find_soffice() -> Path | None:
    """Locate the LibreOffice program, or None when it is not installed.

    Order: the ``SOPDOCS_SOFFICE`` environment variable (a program or an install
    folder), the PATH, the usual Windows folders, the macOS application bundle.
    """
    configured = os.environ.get(ENV_VAR, "").strip().strip('"')
    if configured:
        # What the user configured is what is used: a wrong setting is reported (by
        # require_soffice), never silently replaced by another LibreOffice on the PATH.
        path = Path(configured).expanduser()
        if path.is_file():
            return path
        if path.is_dir():
            return _executable_in(path)
        return None
    for name in ("soffice", "libreoffice", "soffice.exe"):
        hit = shutil.which(name)
        if hit:
            return Path(hit)
    candidates = _windows_candidates() if os.name == "nt" else []
    candidates += [
        Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
        Path.home() / "Applications" / "LibreOffice.app" / "Contents" / "MacOS" / "soffice",
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def require_soffice() -> Path:
    """The soffice program, or a ConversionError saying how to install LibreOffice."""
    soffice = find_soffice()
    if soffice is not None:
        return soffice
    configured = os.environ.get(ENV_VAR, "").strip()
    note = (
        f"{ENV_VAR}={configured!r} tidak menunjuk ke program soffice yang ada.\n"
        if configured
        else ""
    )
    raise ConversionError(
        "LibreOffice (soffice) tidak ditemukan; konversi ke PDF membutuhkannya.\n"
        + note
        + INSTALL_HINT
    )


def _popen_options() -> dict[str, object]:
    if os.name == "nt":
        # No console window flashing up; taskkill /T ends the tree on timeout.
        return {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)}
    # A new session makes soffice and its soffice.bin child one process group.
    return {"start_new_session": True}


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """End soffice and the soffice.bin it started (killing only soffice orphans it)."""
    if os.name == "nt":
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(proc.pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    else:
        killpg = getattr(os, "killpg", None)
        if killpg is not None:
            import signal  # POSIX only; kills the group created by start_new_session

            try:
                killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
    try:
        proc.kill()
    except OSError:
        pass


def _run(cmd: list[str], timeout: float, what: str) -> tuple[int, str]:
    """Run a command with a timeout; return (exit code, combined output)."""
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            **_popen_options(),  # type: ignore[call-overload]
        )
    except OSError as exc:
        raise ConversionError(
            f"LibreOffice tidak dapat dijalankan ({cmd[0]}): {exc}\n{INSTALL_HINT}"
        ) from exc
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        raise ConversionError(
            f"LibreOffice tidak selesai dalam {timeout:g} detik saat mengonversi {what}; "
            "proses dihentikan. Periksa dokumennya atau naikkan batas waktu."
        ) from None
    return proc.returncode, out.decode("utf-8", errors="replace")


def soffice_version(soffice: Path | None = None, timeout: float = 60) -> str | None:
    """The ``soffice --version`` line (e.g. 'LibreOffice 7.4.7.2 ...'), or None.

    Windows builds of soffice.exe print nothing to a console, so None is normal there.
    """
    soffice = soffice or find_soffice()
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory(prefix="sopdocs-lo-") as tmp:
        profile = Path(tmp) / "profile"
        try:
            code, out = _run(
                [str(soffice), f"-env:UserInstallation={profile.as_uri()}", "--version"],
                timeout,
                "--version",
            )
        except ConversionError:
            return None
    for line in out.splitlines():
        if line.strip().lower().startswith("libreoffice"):
            return line.strip()
    return None


def _looks_like_pdf(path: Path, pdfa: bool) -> str | None:
    """None when the file is a plausible PDF (and PDF/A when asked), else the reason."""
    try:
        size = path.stat().st_size
    except OSError:
        return "berkas PDF tidak dihasilkan"
    if size == 0:
        return "berkas PDF kosong (0 byte)"
    data = path.read_bytes()
    if not data.startswith(b"%PDF"):
        return "hasil bukan berkas PDF"
    if pdfa and not _PDFA_PART_2.search(data):
        return "hasil tidak bertanda PDF/A-2 (versi LibreOffice terlalu lama?)"
    return None


def _convert_batch(
    soffice: Path, docxs: Sequence[Path], out_dir: Path, pdfa: bool, timeout: float
) -> tuple[list[Path], list[str]]:
    """One soffice run for several documents; returns (written PDFs, failures)."""
    with tempfile.TemporaryDirectory(prefix="sopdocs-lo-") as tmp:
        profile = Path(tmp) / "profile"
        if pdfa:
            user = profile / "user"
            user.mkdir(parents=True)
            (user / "registrymodifications.xcu").write_text(_PDFA_REGISTRY, encoding="utf-8")
        # Output goes to a hidden folder next to the target so the final move is a rename.
        try:
            staging = Path(tempfile.mkdtemp(prefix=".sopdocs-pdf-", dir=out_dir))
        except OSError as exc:
            raise ConversionError(f"{out_dir}: folder keluaran tidak dapat ditulisi ({exc}).") from exc
        try:
            cmd = [
                str(soffice),
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--invisible",
                "--nologo",
                "--nodefault",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                PDFA_FILTER if pdfa else PDF_FILTER,
                "--outdir",
                str(staging),
                *(str(d) for d in docxs),
            ]
            what = ", ".join(d.name for d in docxs)
            code, output = _run(cmd, timeout, what)
            written: list[Path] = []
            failures: list[str] = []
            for docx in docxs:
                produced = staging / (docx.stem + ".pdf")
                problem = _looks_like_pdf(produced, pdfa)
                if problem is not None:
                    failures.append(f"{docx}: {problem}")
                    continue
                target = out_dir / produced.name
                try:
                    os.replace(produced, target)
                except OSError as exc:  # Windows: target open in a PDF viewer
                    failures.append(
                        f"{target}: tidak dapat ditimpa ({exc}); tutup berkas itu "
                        "jika sedang dibuka, lalu ulangi"
                    )
                    continue
                written.append(target)
            if failures:
                detail = output.strip()
                failures.append(
                    f"(kode keluar LibreOffice {code}"
                    + (f"; keluaran: {detail[-800:]}" if detail else "")
                    + ")"
                )
            return written, failures
        finally:
            shutil.rmtree(staging, ignore_errors=True)


class _Settings:
    wanted = False
    """Documents go to the user's converter service (set by :func:`use_service`)."""
    parallel = 1
    """LibreOffices the process asked for (:func:`prepare_converter`)."""


_settings = _Settings()
_service_lock = threading.Lock()
_service_connections: list[ServiceConverter] = []
_service_failed: list[str] = []
_service_thread: list[threading.Thread] = []


def use_service(wanted: bool = True) -> None:
    """Send this process's documents to the user's converter service (commands do; a
    long-running process such as the web app keeps its own resident LibreOffices)."""
    _settings.wanted = wanted


def _service_wanted() -> bool:
    from sopdocs.pdf import resident, service

    return _settings.wanted and resident.enabled() and service.enabled()


def service_converters(soffice: Path, count: int = 1) -> list[ServiceConverter]:
    """``count`` connections to the user's converter service (started when none runs), or
    an empty list when it cannot be used (then the process converts by itself)."""
    from sopdocs.pdf import resident, service

    for thread in list(_service_thread):
        if thread is not threading.current_thread():
            thread.join()
    count = max(1, min(count, resident.MAX_RESIDENTS))
    with _service_lock:
        if _service_failed:
            return []
        _service_connections[:] = [c for c in _service_connections if c.connected()]
        try:
            while len(_service_connections) < count:
                _service_connections.append(service.connect(soffice))
            service.warm(_service_connections[0], count)
        except (service.ServiceUnavailable, resident.ResidentUnavailable) as exc:
            _service_failed.append(str(exc))
            for connection in _service_connections:
                connection.close()
            _service_connections.clear()
            return []
        return _service_connections[:count]


def prepare_converter(parallel: int = 1) -> Path:
    """Check that LibreOffice is there (ConversionError with the install hint if not) and
    have ``parallel`` LibreOffices start in the background (two for a run that makes many
    PDFs at once): the service's when the process uses it, else the process's own, so they
    are ready by the time the documents are. Returns soffice."""
    from sopdocs.pdf import resident

    soffice = require_soffice()
    _settings.parallel = parallel
    if _service_wanted():
        def connect() -> None:
            if not service_converters(soffice, parallel):
                resident.start_in_background(soffice, parallel)

        thread = threading.Thread(target=connect, daemon=True)
        _service_thread[:] = [thread]
        thread.start()
    else:
        resident.start_in_background(soffice, parallel)
    return soffice


def _converters(soffice: Path, count: int) -> Sequence[ResidentConverter | ServiceConverter]:
    """What converts one document at a time here: the service's connections when the
    process uses it and it runs, else the process's own resident LibreOffices (empty when
    neither can: the caller runs soffice in batch)."""
    from sopdocs.pdf import resident

    if not resident.enabled():
        return []
    found: Sequence[ResidentConverter | ServiceConverter] = []
    if _service_wanted():
        found = service_converters(soffice, count)
    return found or resident.running(soffice)


# --------------------------------------------------------------------------- converted ahead
# A run converts each document as soon as it is final, while the next ones are rendered;
# the archive's later convert_many of a copy with the same bytes takes the PDF made ahead.

#: Most documents converted ahead and not yet taken (a long-running process that never
#: takes them keeps no more than this many PDFs in its temporary folder).
MAX_AHEAD = 50

_ahead: dict[tuple[str, bool], Future[Path | None]] = {}
_ahead_lock = threading.Lock()
_ahead_pool: list[ThreadPoolExecutor] = []
_ahead_dirs: list[str] = []
_claimed: set[int] = set()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def convert_ahead(docx: Path, *, pdfa: bool = False, timeout: float = 180) -> None:
    """Start converting ``docx`` in the background (a copy of its bytes now); a later
    :func:`convert_many` of a file with the same bytes uses that PDF instead of converting
    again. Does nothing where only batch runs are possible; failures are left to that
    later call, which converts (and reports) as usual."""
    soffice = find_soffice()
    if soffice is None:
        return
    data = Path(docx).read_bytes()
    key = (hashlib.sha256(data).hexdigest(), pdfa)
    with _ahead_lock:
        if key in _ahead or len(_ahead) >= MAX_AHEAD:
            return
        if not _ahead_pool:
            import atexit

            _ahead_pool.append(ThreadPoolExecutor(max_workers=2, thread_name_prefix="sopdocs-pdf-ahead"))
            _ahead_dirs.append(tempfile.mkdtemp(prefix="sopdocs-pdf-ahead-"))
            atexit.register(shutil.rmtree, _ahead_dirs[0], True)
        folder = Path(_ahead_dirs[0]) / key[0][:32]
        folder.mkdir(exist_ok=True)
        source = folder / (Path(docx).stem + ".docx")
        source.write_bytes(data)
        _ahead[key] = _ahead_pool[0].submit(_convert_one_ahead, soffice, source, pdfa, timeout)


def _convert_one_ahead(soffice: Path, source: Path, pdfa: bool, timeout: float) -> Path | None:
    converters = _converters(soffice, _settings.parallel)
    if not converters:
        return None
    (source.parent / "pdf").mkdir(exist_ok=True)
    converter = _claim(converters)  # the two pool threads: each on its own converter
    try:
        left = _convert_resident([converter], [source], source.parent / "pdf", pdfa, timeout)
    except ConversionError:
        return None
    finally:
        with _ahead_lock:
            _claimed.discard(id(converter))
    produced = source.parent / "pdf" / (source.stem + ".pdf")
    return None if left or not produced.is_file() else produced


def _claim(converters: Sequence[ResidentConverter | ServiceConverter]) -> ResidentConverter | ServiceConverter:
    while True:
        with _ahead_lock:
            for converter in converters:
                if id(converter) not in _claimed:
                    _claimed.add(id(converter))
                    return converter
        time.sleep(0.01)


def _preload_postprocessing() -> None:
    """Import the PDF post-processing (pypdf, a tenth of a second) in a thread while this
    one waits for LibreOffice: the archive stamps every PDF it is given next."""
    if "sopdocs.pdf.postprocess" not in sys.modules:
        threading.Thread(target=importlib.import_module, args=("sopdocs.pdf.postprocess",), daemon=True).start()


def _take_ahead(paths: Sequence[Path], out_dir: Path, pdfa: bool) -> list[Path]:
    """Copy into ``out_dir`` the PDFs converted ahead for these inputs; returns the others."""
    with _ahead_lock:
        if not _ahead:
            return list(paths)
    _preload_postprocessing()
    left = []
    for path in paths:
        with _ahead_lock:
            future = _ahead.pop((_digest(path), pdfa), None)  # taken once: its files go
        made = future.result() if future is not None else None
        if made is None:
            left.append(path)
            continue
        staged: Path | None = None
        try:
            fd, name = tempfile.mkstemp(prefix=".sopdocs-pdf-", suffix=".pdf", dir=out_dir)
            os.close(fd)
            staged = Path(name)
            shutil.copyfile(made, staged)
            os.replace(staged, out_dir / (path.stem + ".pdf"))
        except OSError:
            if staged is not None:
                staged.unlink(missing_ok=True)
            left.append(path)  # the usual conversion says what is wrong
        finally:
            shutil.rmtree(made.parent.parent, ignore_errors=True)
    return left


def _convert_resident(
    converters: Sequence[ResidentConverter | ServiceConverter], docxs: Sequence[Path], out_dir: Path, pdfa: bool, timeout: float
) -> list[Path]:
    """The documents through the resident LibreOffices (biggest first, each running one
    taking the next); returns those not converted (refused, or left when one broke), which
    the caller gives to a batch run. ``timeout`` is the limit for one document."""
    from sopdocs.pdf.resident import ConversionTimeout

    try:
        staging = Path(tempfile.mkdtemp(prefix=".sopdocs-pdf-", dir=out_dir)).resolve()  # UNO needs absolute paths
    except OSError as exc:
        raise ConversionError(f"{out_dir}: folder keluaran tidak dapat ditulisi ({exc}).") from exc
    todo = queue.Queue[Path]()
    for docx in sorted(docxs, key=lambda d: d.stat().st_size, reverse=True):
        todo.put(docx)
    done: set[Path] = set()
    timeouts: list[ConversionTimeout] = []
    broken: list[bool] = []

    def work(converter: ResidentConverter | ServiceConverter) -> None:
        while not timeouts and not broken:
            try:
                docx = todo.get_nowait()
            except queue.Empty:
                return
            produced = staging / (docx.stem + ".pdf")
            try:
                converter.convert(docx, produced, pdfa=pdfa, timeout=timeout)
            except ConversionTimeout as exc:
                timeouts.append(exc)
                return
            except ConversionError:  # refused here: the batch run tries it, and reports it
                continue
            except Exception:  # ResidentUnavailable: what is left goes to a batch run
                broken.append(True)
                return
            if _looks_like_pdf(produced, pdfa) is not None:
                continue
            try:
                os.replace(produced, out_dir / produced.name)
            except OSError:  # Windows: target open in a PDF viewer (the batch run says so)
                continue
            done.add(docx)

    try:
        used = list(converters)[: max(1, len(docxs))]
        if len(used) == 1:
            work(used[0])
        else:
            with ThreadPoolExecutor(max_workers=len(used)) as pool:
                list(pool.map(work, used))
        if timeouts:
            raise timeouts[0]
        return [docx for docx in docxs if docx not in done]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def convert_many(
    docxs: Sequence[Path],
    out_dir: Path,
    *,
    pdfa: bool = False,
    workers: int = 2,
    timeout: float = 180,
    batch_size: int = 25,
    resident: bool | None = None,
) -> list[Path]:
    """Convert Word documents to ``out_dir/<stem>.pdf``; returns the PDFs in input order.

    The process's resident LibreOffice converts them one by one when it can run
    (``resident`` None: unless ``SOPDOCS_PDF_RESIDENT=0``; False: never; ``timeout`` is
    then the limit for one document). Otherwise documents are split into at most
    ``batch_size`` per soffice run and up to ``workers`` runs go in parallel, each with
    its own profile; ``timeout`` is the limit for one soffice run. Documents that
    converted are kept even when others fail; the ConversionError then lists every failure.
    """
    paths = [_check_input(Path(d)) for d in docxs]
    if not paths:
        return []
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConversionError(f"{out_dir}: folder keluaran tidak dapat dibuat ({exc}).") from exc
    seen: dict[str, Path] = {}
    for path in paths:
        key = path.stem.casefold()  # Windows and macOS file names ignore case
        if key in seen and seen[key] != path:
            raise ConversionError(
                f"{seen[key]} dan {path} akan menghasilkan PDF yang sama "
                f"({path.stem}.pdf di {out_dir}); ganti nama salah satunya."
            )
        seen[key] = path
    unique = list(dict.fromkeys(paths))
    soffice = require_soffice()

    if resident is not False:
        unique = _take_ahead(unique, out_dir, pdfa)
        if not unique:
            return [out_dir / (p.stem + ".pdf") for p in paths]
        converters = _converters(soffice, len(unique))
        if converters:
            _preload_postprocessing()
            unique = _convert_resident(converters, unique, out_dir, pdfa, timeout)
            if not unique:
                return [out_dir / (p.stem + ".pdf") for p in paths]

    workers = max(1, workers)
    runs = max(min(workers, len(unique)), -(-len(unique) // max(1, batch_size)))
    batches = [unique[i::runs] for i in range(runs)]
    with ThreadPoolExecutor(max_workers=min(workers, len(batches))) as pool:
        results = list(
            pool.map(lambda b: _convert_batch(soffice, b, out_dir, pdfa, timeout), batches)
        )
    failures = [f for _, fails in results for f in fails]
    if failures:
        raise ConversionError("Konversi ke PDF gagal:\n" + "\n".join(failures))
    return [out_dir / (p.stem + ".pdf") for p in paths]


def convert_to_pdf(
    docx: Path, out_dir: Path | None = None, *, pdfa: bool = False, timeout: float = 180,
    resident: bool | None = None,
) -> Path:
    """Convert one Word document; the PDF goes next to it unless ``out_dir`` is given."""
    docx = Path(docx)
    target_dir = Path(out_dir) if out_dir is not None else docx.resolve().parent
    return convert_many([docx], target_dir, pdfa=pdfa, workers=1, timeout=timeout, resident=resident)[0]
