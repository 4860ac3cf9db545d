"""Is this document genuine? Read its verification QR code and check it against the register
and the archive.

A final document carries a QR code (:mod:`sopdocs.docx.qr`) with its number, date, kind
and the fingerprint of its content. :func:`verify_file` reads the code from a .docx (the
image in ``word/media``), a PDF (its embedded images, read in a bounded child process;
the rendered pages through ``pdftoppm`` when none holds a code) or a photo or scan
(PNG/JPEG), then:

1. the number must be in the register, ``terpakai`` (not voided, not only reserved), with
   the kind and date the code gives, else the code is forged or unknown;
2. an archived version of that number must have the code's fingerprint (the text of the
   archived .docx, recomputed), else the code was altered or copied from another letter;
3. for a file, the file is compared with the archived one of the same format:
   byte-identical, or the same text (saved again by another program) is ``asli``; other
   text is ``diubah``. A photo or scan can only prove the code (``file_matches`` None):
   the message says to compare the paper with the archived document.

Nothing is written into the archive folder (the register is opened only if it exists).
Every input is bounded: file size, image pixels, images and pages read, time.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from sopdocs.errors import SopdocsError
from sopdocs.indonesian.dates import format_tanggal

Status = Literal["asli", "diubah", "tidak_dikenal", "tanpa_kode", "tidak_terbaca"]

#: Largest file read (.docx, PDF, image).
MAX_FILE_BYTES = 50_000_000
#: Largest image (pixels) decoded; Pillow's decompression-bomb guard is set to it too.
MAX_IMAGE_PIXELS = 40_000_000
#: Images of a .docx looked at for a code (word/media), and the largest one read.
MAX_DOCX_IMAGES = 30
MAX_DOCX_IMAGE_BYTES = 10_000_000
#: Embedded images of a PDF looked at, and pages rendered when none holds a code.
MAX_PDF_IMAGES = 12
MAX_RENDERED_PAGES = 3
#: Longest side, in pixels, of a page rendered with pdftoppm (A4 at about 200 dpi: a 0.5 mm
#: module gets about 4 pixels); a page of any declared size renders no larger.
RENDER_SIDE = 2400
#: Seconds allowed for reading a PDF's images, and for rendering its pages.
PDF_TIMEOUT = 30.0

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
# The archive's stamp on its PDF copies ("Nomor ... | SHA-256 docx ..."): left out when
# texts are compared, so a copy converted without it compares equal.
_STAMP_RE = re.compile(r"(?:Nomor [^\n|]{1,120} \| )?SHA-256 docx [0-9a-f]{16}")
_NUMBER_IN_TEXT_RE = re.compile(r"Nomor\s*:?\s*([0-9][0-9A-Za-z._()-]*/[0-9A-Za-z./_()-]+)")


@dataclass(frozen=True)
class Verification:
    """The answer: one of five statuses, one Indonesian sentence, and what was found."""

    status: Status
    message: str
    number: str | None = None
    date: dt.date | None = None
    kind: str | None = None
    kind_label: str | None = None
    case_id: str | None = None
    item: str | None = None
    """The archived item, ``berkas/<case>/data/<file>``."""
    title: str | None = None
    file_matches: bool | None = None
    """The given file is the archived one in content; None for a photo/scan (code only)."""

    @property
    def ok(self) -> bool:
        return self.status == "asli"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready (the date as ISO text)."""
        return {
            "status": self.status, "message": self.message, "number": self.number,
            "date": self.date.isoformat() if self.date else None, "kind": self.kind,
            "kind_label": self.kind_label, "case_id": self.case_id, "item": self.item, "title": self.title,
            "file_matches": self.file_matches,
        }


# --------------------------------------------------------------------------- entry points


def verify_payload(payload: str, archive: Path | None = None) -> Verification:
    """Check a code's text (the payload or a verification URL) against the register and the
    archive; the answer for a photo or scan (``file_matches`` None)."""
    from sopdocs.docx.qr import QrError, parse_payload

    try:
        code = parse_payload(payload)
    except QrError as exc:
        return Verification("tidak_dikenal", f"Kode QR tidak dikenal: {exc}.")
    return _check_code(code, archive, given=None)


def verify_file(path: Path, archive: Path | None = None) -> Verification:
    """Read the code of a .docx, PDF or PNG/JPEG and check it (see the module docstring).

    A path that does not exist or is not a regular file raises SopdocsError; anything
    wrong with the content (not a supported file, damaged, too large) is a
    ``tidak_terbaca`` answer."""
    from sopdocs.docx.qr import QrError, parse_payload

    path = Path(path)
    try:
        if not path.is_file():
            raise SopdocsError(f"{path}: berkas tidak ditemukan atau bukan berkas biasa")
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise SopdocsError(f"{path}: berkas tidak dapat dibaca ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        return Verification("tidak_terbaca", f"Berkas terlalu besar ({size} byte; batas {MAX_FILE_BYTES}).")
    try:
        if head.startswith(b"%PDF-"):
            fmt, texts = "pdf", _pdf_codes(path)
        elif head.startswith(b"PK"):
            fmt, texts = "docx", _docx_codes(path)
        elif head.startswith(_PNG) or head.startswith(_JPEG):
            fmt, texts = "image", _image_codes(path.read_bytes())
        else:
            return Verification("tidak_terbaca", "Berkas bukan dokumen Word (.docx), PDF, PNG atau JPEG.")
    except _Unreadable as exc:
        return Verification("tidak_terbaca", str(exc))
    if not texts:
        return _without_code(path, fmt, archive)
    codes = []
    problems = []
    for text in texts:
        try:
            codes.append(parse_payload(text))
        except QrError as exc:
            problems.append(str(exc))
    if not codes:
        return Verification("tidak_dikenal", f"Kode QR pada berkas bukan kode verifikasi sopdocs ({problems[0]}).")
    if len({c.text() for c in codes}) > 1:
        return Verification("diubah", "Berkas memuat lebih dari satu kode verifikasi yang berbeda; "
                                      "dokumen tidak dapat dipercaya.", file_matches=False)
    return _check_code(codes[0], archive, given=(path, fmt) if fmt != "image" else None)


# --------------------------------------------------------------------------- reading codes


class _Unreadable(Exception):
    """The file cannot be read as what it claims to be (message in Indonesian)."""


def _open_image(data: bytes) -> object:
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            # Pillow's own guard (a warning, then an error at twice its limit) stays as it is
            # for the rest of the program; here the size is checked before anything is decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS or width < 1 or height < 1:
                raise _Unreadable(f"Gambar terlalu besar ({width}x{height} piksel; batas {MAX_IMAGE_PIXELS}).")
            image.load()
            return image
    except _Unreadable:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Unreadable(f"Gambar terlalu besar (batas {MAX_IMAGE_PIXELS} piksel).") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, Image.UnidentifiedImageError) as exc:
        raise _Unreadable(f"Gambar rusak atau tidak dapat dibaca ({type(exc).__name__}).") from None


def _image_codes(data: bytes) -> list[str]:
    from sopdocs.docx.qr import QrError, read_qr_texts

    image = _open_image(data)
    try:
        return read_qr_texts(image)
    except QrError as exc:
        raise _Unreadable(f"Gambar tidak dapat dibaca: {exc}.") from None


def _docx_codes(path: Path) -> list[str]:
    from sopdocs.docx.qr import MEDIA_NAME

    try:
        with zipfile.ZipFile(path) as package:
            names = package.namelist()
            if "word/document.xml" not in names:
                raise _Unreadable("Berkas zip ini bukan dokumen Word (.docx).")
            media = [info for info in package.infolist()
                     if info.filename.startswith("word/media/")
                     and info.filename.lower().endswith((".png", ".jpg", ".jpeg"))]
            media.sort(key=lambda info: info.filename != MEDIA_NAME)  # ours first
            found: list[str] = []
            for info in media[:MAX_DOCX_IMAGES]:
                if info.file_size > MAX_DOCX_IMAGE_BYTES or info.file_size > 200 * max(info.compress_size, 1):
                    continue
                with package.open(info) as handle:
                    data = handle.read(MAX_DOCX_IMAGE_BYTES + 1)
                if len(data) > MAX_DOCX_IMAGE_BYTES:
                    continue
                try:
                    found = _image_codes(data)
                except _Unreadable:
                    continue
                if found:
                    return found
            return found
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise _Unreadable(f"Dokumen Word rusak atau tidak dapat dibaca ({type(exc).__name__}).") from None


def _pdf_codes(path: Path) -> list[str]:
    from sopdocs.pdf.postprocess import PdfError, read_images

    try:
        images = read_images(path, max_images=MAX_PDF_IMAGES, timeout=PDF_TIMEOUT, max_bytes=MAX_FILE_BYTES)
    except PdfError as exc:
        raise _Unreadable(_plain(exc)) from None
    for data in images:
        try:
            found = _image_codes(data)
        except _Unreadable:
            continue
        if found:
            return found
    return _rendered_pdf_codes(path)


def _rendered_pdf_codes(path: Path) -> list[str]:
    """Codes on the rendered pages (a scan saved as PDF, a code drawn as vector shapes):
    the last and the first pages, with pdftoppm when poppler is installed."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return []
    pages = _pdf_page_count(path)
    wanted = list(dict.fromkeys(p for p in (pages, 1, 2) if 1 <= p <= max(pages, 1)))[:MAX_RENDERED_PAGES]
    with tempfile.TemporaryDirectory(prefix="sopdocs-periksa-") as tmp:
        for page in wanted:
            out = Path(tmp) / f"p{page}"
            try:
                subprocess.run([tool, "-png", "-gray", "-scale-to", str(RENDER_SIDE), "-f", str(page), "-l", str(page),
                                "-singlefile", str(path), str(out)], capture_output=True, timeout=PDF_TIMEOUT,
                               check=False, creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
            except (OSError, subprocess.TimeoutExpired):
                continue
            png = out.with_suffix(".png")
            if not png.is_file() or png.stat().st_size > MAX_FILE_BYTES:
                continue
            try:
                found = _image_codes(png.read_bytes())
            except _Unreadable:
                continue
            if found:
                return found
    return []


def _pdf_page_count(path: Path) -> int:
    tool = shutil.which("pdfinfo")
    if tool is None:
        return 1
    try:
        done = subprocess.run([tool, str(path)], capture_output=True, timeout=PDF_TIMEOUT, check=False,
                              creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    except (OSError, subprocess.TimeoutExpired):
        return 1
    match = re.search(rb"^Pages:\s+(\d{1,6})", done.stdout, re.MULTILINE)
    return int(match.group(1)) if match else 1


def _plain(exc: Exception) -> str:
    text = str(exc).split(": ", 1)[-1].strip()
    return text[:1].upper() + text[1:] if text else "Berkas tidak dapat dibaca."


# --------------------------------------------------------------------------- checking a code


@dataclass(frozen=True)
class _Archived:
    reference: str
    path: Path
    case_id: str
    title: str
    pdf: Path | None
    latest: bool


def _check_code(code: object, archive: Path | None, *, given: tuple[Path, str] | None) -> Verification:
    from sopdocs.archive.archive import Archive
    from sopdocs.archive.casefile import kind_label
    from sopdocs.docx.qr import QrPayload
    from sopdocs.locations import archive_dir
    from sopdocs.numbering.register import RESERVED, VOID
    from sopdocs.numbering.rules import register_exists, register_for

    assert isinstance(code, QrPayload)
    label = kind_label(code.kind)
    base = Verification("tidak_dikenal", "", number=code.number, date=code.date, kind=code.kind, kind_label=label)
    root = archive_dir(archive)
    try:
        has_register = root.is_dir() and register_exists(root)
    except SopdocsError:
        has_register = False
    if not has_register:
        return replace(base, message=f"Nomor {code.number} tidak dapat diperiksa: arsip {root} tidak memiliki "
                                     "register nomor.")
    try:
        with register_for(root) as register:
            entry = register.find(code.number)
            history = [doc for doc, _ in register.documents_of(code.number)] if entry is not None else []
    except SopdocsError as exc:
        return replace(base, message=f"Register nomor tidak dapat dibaca: {exc}.")
    if entry is None:
        return replace(base, message=f"Nomor {code.number} tidak tercatat di register: dokumen tidak dikenal "
                                     "atau palsu.")
    if entry.status == VOID:
        return replace(base, message=f"Nomor {code.number} tercatat dibatalkan di register "
                                     f"({entry.void_reason or 'tanpa alasan'}): dokumen tidak berlaku.")
    if entry.status == RESERVED:
        return replace(base, message=f"Nomor {code.number} baru dipesan, belum diterbitkan: dokumen tidak dikenal.")
    if entry.kind != code.kind or entry.date != code.date:
        return replace(base, status="diubah", file_matches=False if given else None,
                       message=f"Kode QR tidak cocok dengan register: nomor {code.number} tercatat sebagai "
                               f"{kind_label(entry.kind)} tanggal {format_tanggal(entry.date)}; kode ini palsu atau diubah.")
    store = Archive(root, index=False)
    try:
        versions = _archived_versions(store, [entry.document, *reversed(history)], latest=entry.document)
        match = next((v for v in versions if _fingerprint(v.path) == code.fingerprint), None)
    finally:
        store.close()
    if match is None:
        newest = versions[0] if versions else None
        found = replace(base, status="diubah", case_id=newest.case_id if newest else None,
                        item=newest.reference if newest else None, title=newest.title if newest else None)
        if given is not None and newest is not None:
            found = replace(found, file_matches=_same_content(given, newest))
        if not versions:
            return replace(found, message=f"Nomor {code.number} tercatat di register, tetapi dokumennya tidak ada "
                                          "di arsip; isi dokumen tidak dapat dibuktikan.")
        return replace(found, message=f"Sidik isi dalam kode QR tidak cocok dengan dokumen arsip nomor "
                                      f"{code.number} ({newest.reference if newest else '-'}): dokumen atau kodenya "
                                      "diubah.")
    found = replace(base, case_id=match.case_id, item=match.reference, title=match.title)
    note = "" if match.latest else " Catatan: dokumen ini sudah diganti versi perbaikan dengan nomor yang sama."
    where = f"berkas arsip {match.case_id} ({match.reference})"
    if given is None:
        return replace(found, status="asli", file_matches=None,
                       message=f"Kode QR sah: {label} nomor {code.number} tanggal {format_tanggal(code.date)} ada di "
                               f"{where}; bandingkan isi cetakan dengan dokumen arsip itu.{note}")
    same = _same_content(given, match)
    if same is None:
        return replace(found, status="asli", file_matches=None,
                       message=f"Kode QR sah ({where}), tetapi arsip tidak menyimpan salinan PDF untuk "
                               f"dibandingkan; bandingkan isinya dengan dokumen arsip.{note}")
    if same:
        return replace(found, status="asli", file_matches=True,
                       message=f"Dokumen asli: {label} nomor {code.number} tanggal {format_tanggal(code.date)}, "
                               f"isinya sama dengan {where}.{note}")
    return replace(found, status="diubah", file_matches=False,
                   message=f"Dokumen diubah: kode QR sah ({label} nomor {code.number}, {where}), tetapi isi "
                           "berkas ini berbeda dengan dokumen arsip.")


def _archived_versions(store: object, references: list[str | None], *, latest: str | None) -> list[_Archived]:
    """The archived files a number went to, newest first (each once)."""
    from sopdocs.archive.archive import Archive

    assert isinstance(store, Archive)
    out: list[_Archived] = []
    for reference in dict.fromkeys(r for r in references if r):
        try:
            path = store.resolve_reference(reference)
        except SopdocsError:
            continue
        if path is None or path.suffix.lower() != ".docx":
            continue
        case_id, name = reference.split("/")[1], reference.split("/")[3]
        try:
            item = next((i for i in store.case(case_id).items if i.main.name == name), None)
        except SopdocsError:
            continue
        if item is None:
            continue
        pdf = store.case_path(case_id) / "data" / item.pdf_copy.name if item.pdf_copy is not None else None
        out.append(_Archived(reference=reference, path=path, case_id=case_id, title=item.title, pdf=pdf,
                             latest=reference == latest))
    return out


def _fingerprint(path: Path) -> str | None:
    from sopdocs.docx.qr import content_fingerprint

    try:
        return content_fingerprint(path)
    except SopdocsError:
        return None


def _same_content(given: tuple[Path, str], archived: _Archived) -> bool | None:
    """Is the given file the archived one: byte-identical, or the same text? None when the
    archive holds nothing of that format to compare with."""
    path, fmt = given
    if fmt == "docx":
        if path.read_bytes() == archived.path.read_bytes():
            return True
        mine, theirs = _docx_text(path), _docx_text(archived.path)
        return mine is not None and mine == theirs
    if fmt == "pdf":
        if archived.pdf is None or not archived.pdf.is_file():
            return _same_as_converted(path, archived.path)
        if path.read_bytes() == archived.pdf.read_bytes():
            return True
        mine, theirs = _pdf_text(path), _pdf_text(archived.pdf)
        return mine is not None and mine == theirs
    return None


def _same_as_converted(pdf: Path, docx: Path) -> bool | None:
    """The archive holds the .docx only: convert it (LibreOffice, when installed) and compare
    the texts. None when it cannot be converted."""
    from sopdocs.pdf.convert import convert_many, find_soffice

    if find_soffice() is None:
        return None
    with tempfile.TemporaryDirectory(prefix="sopdocs-periksa-") as tmp:
        try:
            [made] = convert_many([docx], Path(tmp), timeout=PDF_TIMEOUT * 4)
        except (SopdocsError, OSError, ValueError):
            return None
        mine, theirs = _pdf_text(pdf), _pdf_text(made)
    if mine is None or theirs is None:
        return None
    return mine == theirs


def _docx_text(path: Path) -> str | None:
    from sopdocs.docx.extract import docx_text
    from sopdocs.docx.qr import canonical_text

    try:
        return canonical_text(docx_text(path))
    except SopdocsError:
        return None


def _pdf_text(path: Path) -> str | None:
    from sopdocs.docx.qr import canonical_text
    from sopdocs.pdf.postprocess import read_text

    try:
        return canonical_text(_STAMP_RE.sub(" ", read_text(path, max_bytes=MAX_FILE_BYTES)))
    except SopdocsError:
        return None


def _without_code(path: Path, fmt: str, archive: Path | None) -> Verification:
    """No code found: say so, with the number the text gives when there is one."""
    if fmt == "image":
        return Verification("tanpa_kode", "Tidak ada kode QR yang terbaca pada gambar; foto ulang lebih dekat, "
                                          "tegak dan terang, atau periksa berkas PDF-nya.")
    text = _docx_text(path) if fmt == "docx" else _pdf_text(path)
    match = _NUMBER_IN_TEXT_RE.search(text or "")
    number = match.group(1) if match else None
    answer = Verification("tanpa_kode", "Dokumen ini tidak memuat kode QR verifikasi sopdocs; keasliannya tidak "
                                        "dapat diperiksa dari kode." + (f" Nomor pada teksnya: {number}." if number
                                                                        else ""), number=number)
    if number is None:
        return answer
    try:
        found = _same_as_archived(number, path, fmt, archive)
    except SopdocsError:
        return answer
    if found is None:
        return answer
    version, same = found
    return replace(answer, case_id=version.case_id, item=version.reference, title=version.title, file_matches=same,
                   message=answer.message + (f" Isinya sama dengan dokumen arsip {version.reference} (dibuat sebelum "
                                             "ada kode QR, atau kodenya hilang)." if same else
                                             f" Isinya BERBEDA dengan dokumen arsip bernomor itu ({version.reference})."))


def _same_as_archived(number: str, path: Path, fmt: str, archive: Path | None) -> tuple[_Archived, bool] | None:
    """A document without a code whose text names a number the register issued: the archived
    version it is identical to (or the newest, with False); None when nothing can be said.
    A PDF is compared only with archived PDF copies (no conversion for a document without code)."""
    from sopdocs.archive.archive import Archive
    from sopdocs.locations import archive_dir
    from sopdocs.numbering.register import USED
    from sopdocs.numbering.rules import register_exists, register_for

    root = archive_dir(archive)
    if not (root.is_dir() and register_exists(root)):
        return None
    with register_for(root) as register:
        entry = register.find(number)
        if entry is None or entry.status != USED:
            return None
        history = [doc for doc, _ in register.documents_of(number)]
    store = Archive(root, index=False)
    try:
        versions = _archived_versions(store, [entry.document, *reversed(history)], latest=entry.document)
    finally:
        store.close()
    if fmt == "pdf":
        versions = [v for v in versions if v.pdf is not None]
    for version in versions:
        if _same_content((path, fmt), version):
            return version, True
    return (versions[0], False) if versions else None
