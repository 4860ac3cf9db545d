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
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from sopdocs.errors import ConversionError

if TYPE_CHECKING:
    from sopdocs.pdf.resident import ResidentConverter

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


def _check_input(docx: Path) -> Path:
    path = Path(docx)
    if not path.is_file():
        raise ConversionError(f"{path}: berkas tidak ditemukan.")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ConversionError(
            f"{path}: bukan dokumen Word (.docx) yang sah ({exc})."
        ) from exc
    if "[Content_Types].xml" not in names:
        raise ConversionError(f"{path}: bukan dokumen Word (.docx) yang sah (zip tanpa [Content_Types].xml).")
    return path.resolve()


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


def prepare_converter(parallel: int = 1) -> Path:
    """Check that LibreOffice is there (ConversionError with the install hint if not) and
    start ``parallel`` resident LibreOffices in the background (two for a run that makes
    many PDFs at once), so they are ready by the time the documents are. Returns soffice."""
    from sopdocs.pdf import resident

    soffice = require_soffice()
    resident.start_in_background(soffice, parallel)
    return soffice


def _convert_resident(
    converters: Sequence[ResidentConverter], docxs: Sequence[Path], out_dir: Path, pdfa: bool, timeout: float
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

    def work(converter: ResidentConverter) -> None:
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
        from sopdocs.pdf import resident as residents

        converters = residents.running(soffice)
        if converters:
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
