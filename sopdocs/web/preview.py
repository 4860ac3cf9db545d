"""Page previews of archived documents: PNG pages rendered with pdftoppm from the PDF copy,
all in the cache folder outside the archive.

Files are copied out of the archive while their SHA-256 is compared with the one the case
file records, so a preview always shows the archived content (a changed file is refused
with a message to check fixity). An item without a PDF copy gets one made from its .docx
by LibreOffice, in the cache too, marked as made for reading only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sopdocs.archive.archive import Archive
from sopdocs.archive.casefile import CaseFile, Item
from sopdocs.errors import SopdocsError

#: Most pages previewed per document (the rest: download the PDF).
MAX_PREVIEW_PAGES = 60
#: Resolution of the page images (dots per inch): an A4 page is about 740 x 1050 pixels.
PREVIEW_DPI = 90
#: Seconds pdftoppm may take for one page; LibreOffice for one document.
PDFTOPPM_TIMEOUT = 30.0
CONVERT_TIMEOUT = 180.0
#: Largest PDF or .docx previewed.
MAX_PREVIEW_SOURCE_BYTES = 200 * 1024 * 1024


#: Environment variable naming pdftoppm (e.g. poppler's bin folder on Windows); empty: none.
ENV_PDFTOPPM = "SOPDOCS_PDFTOPPM"


class PreviewError(SopdocsError):
    """No preview can be made (tool missing, file changed, conversion failed)."""


def pdftoppm() -> str | None:
    """pdftoppm (poppler): ``$SOPDOCS_PDFTOPPM`` (its path; empty: do without, the PDF is
    then shown inline), else the one on PATH."""
    chosen = os.environ.get(ENV_PDFTOPPM)
    if chosen is not None:
        return chosen if chosen and Path(chosen).is_file() else None
    return shutil.which("pdftoppm")


def _copy_verified(archive: Archive, case: CaseFile, name: str, sha256: str, size: int, target: Path) -> Path:
    """Copy archived file ``name`` to ``target`` if its content matches ``sha256``."""
    if target.is_file():
        return target
    if size > MAX_PREVIEW_SOURCE_BYTES:
        raise PreviewError(f"berkas {name} terlalu besar untuk pratinjau (MAX_PREVIEW_SOURCE_BYTES)")
    source = archive.resolve_reference(f"berkas/{case.case_id}/data/{name}")
    if source is None:
        raise PreviewError(f"berkas {name} tidak ditemukan di arsip; jalankan pemeriksaan fixity")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".tmp-", delete=False) as out:
        tmp = Path(out.name)
        try:
            with source.open("rb") as src:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            out.close()
            tmp.unlink(missing_ok=True)
            raise
    if digest.hexdigest() != sha256:
        tmp.unlink(missing_ok=True)
        raise PreviewError(f"isi berkas {name} tidak sama dengan checksum arsipnya (berubah?); "
                           "periksa fixity berkas ini")
    tmp.replace(target)
    return target


def pdf_source(archive: Archive, case: CaseFile, item: Item, cache: Path, *, convert: bool = True) -> tuple[Path, bool] | None:
    """A PDF of the item in the cache and whether it is the archived copy (True) or one
    made from the .docx for reading (False); None when there is none to show."""
    pdf = item.pdf
    if pdf is not None:
        return _copy_verified(archive, case, pdf.name, pdf.sha256, pdf.size, cache / "pdf" / f"{pdf.sha256}.pdf"), True
    docx = item.docx
    if docx is None:
        return None
    made = cache / "pdf" / f"docx-{docx.sha256}.pdf"
    if made.is_file():
        return made, False
    if not convert:
        return None
    from sopdocs.pdf.convert import convert_to_pdf, find_soffice

    if find_soffice() is None:
        return None
    work = cache / "konversi"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        source = _copy_verified(archive, case, docx.name, docx.sha256, docx.size, Path(tmp) / f"{docx.sha256}.docx")
        out = convert_to_pdf(source, Path(tmp) / "pdf", timeout=CONVERT_TIMEOUT)
        made.parent.mkdir(parents=True, exist_ok=True)
        out.replace(made)
    return made, False


def page_count(pdf: Path) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(pdf).pages)
    except (PyPdfError, OSError, ValueError) as exc:
        raise PreviewError(f"PDF tidak terbaca untuk pratinjau: {exc}") from None


def cached_png(pdf: Path, page: int, cache: Path) -> Path | None:
    """The page image if it was rendered before."""
    target = cache / "png" / pdf.stem / f"{page}.png"
    return target if target.is_file() else None


def page_png(pdf: Path, page: int, cache: Path) -> Path:
    """PNG of page ``page`` (1-based) of a PDF in the cache, rendered once."""
    tool = pdftoppm()
    if tool is None:
        raise PreviewError("pdftoppm (poppler) tidak terpasang: pratinjau gambar tidak tersedia")
    target = cache / "png" / pdf.stem / f"{page}.png"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        prefix = Path(tmp) / "halaman"
        try:
            proc = subprocess.run([tool, "-f", str(page), "-l", str(page), "-r", str(PREVIEW_DPI), "-png",
                                   "-singlefile", str(pdf), str(prefix)],
                                  capture_output=True, timeout=PDFTOPPM_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise PreviewError(f"pdftoppm melewati batas waktu {PDFTOPPM_TIMEOUT:g} detik "
                               "(PDFTOPPM_TIMEOUT)") from None
        made = prefix.with_suffix(".png")
        if proc.returncode != 0 or not made.is_file():
            raise PreviewError(f"pdftoppm gagal membuat halaman {page}: "
                               f"{proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
        made.replace(target)
    return target
