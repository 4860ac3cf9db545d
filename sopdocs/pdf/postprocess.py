"""Post-processing of PDFs with pypdf: metadata, stamps, merging, reading text.

``set_metadata``, ``stamp`` and ``merge`` work on PDFs sopdocs made itself.
``read_text`` is for PDFs from outside (incoming letters): it runs pypdf with tighter
limits in a separate Python process that is killed when it takes too long.

Why a process and not a thread: a thread stuck in a decompression bomb or an endless
content stream cannot be stopped in Python and keeps its memory and CPU until the program
exits. A child process can be killed the same way on Windows and POSIX, and its memory is
returned when it ends. The cost is starting an interpreter (about 0.2 s per call).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from io import BytesIO
from pathlib import Path
from xml.dom import minidom

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from sopdocs.errors import Problem, SopdocsError, ValidationError

__all__ = [
    "PdfError",
    "merge",
    "read_metadata",
    "read_images",
    "read_text",
    "set_metadata",
    "stamp",
]


class PdfError(SopdocsError):
    """A PDF cannot be read or written (damaged, encrypted, too large, too slow)."""


# --------------------------------------------------------------------------- helpers


def _load(pdf: Path) -> PdfReader:
    """Read a PDF sopdocs made; the bytes are read first so no handle stays open
    (Windows cannot replace a file that is still open)."""
    path = Path(pdf)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PdfError(f"{path}: berkas PDF tidak dapat dibaca ({exc}).") from exc
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            raise PdfError(f"{path}: PDF terenkripsi; tidak dapat diubah.")
        _ = len(reader.pages)
    except PyPdfError as exc:
        raise PdfError(f"{path}: PDF rusak atau bukan PDF ({exc}).") from exc
    return reader


def _write_atomic(writer: PdfWriter, target: Path) -> None:
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            writer.write(fh)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- metadata

SOPDOCS_KEYS = {
    "number": "/SopdocsNumber",
    "kind": "/SopdocsKind",
    "date": "/SopdocsDate",
    "classification": "/SopdocsClassification",
}
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
_RESERVED_KEYS = {
    "/Title", "/Author", "/Subject", "/Keywords", "/Producer",
    "/Creator", "/CreationDate", "/ModDate", "/Trapped",
}

_NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NS_DC = "http://purl.org/dc/elements/1.1/"
_NS_PDF = "http://ns.adobe.com/pdf/1.3/"


def _as_text(value: object) -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


def _update_xmp(data: bytes, info: Mapping[str, str]) -> bytes:
    """Make XMP agree with the Info entries PDF/A ties to it (Title, Author, Subject,
    Keywords). pypdf's own XMP setters are not used: they put dc:title into an
    rdf:Description that does not declare the dc prefix (as LibreOffice writes one
    Description per namespace), which yields unparsable XML."""
    doc = minidom.parseString(data)
    rdfs = doc.getElementsByTagNameNS(_NS_RDF, "RDF")
    if not rdfs:
        return data
    rdf = rdfs[0]
    targets = {
        "/Title": (_NS_DC, "dc", "title", "Alt"),
        "/Author": (_NS_DC, "dc", "creator", "Seq"),
        "/Subject": (_NS_DC, "dc", "description", "Alt"),
        "/Keywords": (_NS_PDF, "pdf", "Keywords", None),
    }
    new_desc = doc.createElementNS(_NS_RDF, "rdf:Description")
    new_desc.setAttributeNS(_NS_RDF, "rdf:about", "")
    for key, (ns, prefix, local, container) in targets.items():
        if key not in info:
            continue
        for desc in rdf.getElementsByTagNameNS(_NS_RDF, "Description"):
            if desc.hasAttributeNS(ns, local):
                desc.removeAttributeNS(ns, local)
            for old in list(desc.getElementsByTagNameNS(ns, local)):
                if old.parentNode is not None:
                    old.parentNode.removeChild(old)
        new_desc.setAttribute(f"xmlns:{prefix}", ns)
        prop = doc.createElementNS(ns, f"{prefix}:{local}")
        if container is None:
            prop.appendChild(doc.createTextNode(info[key]))
        else:
            box = doc.createElementNS(_NS_RDF, f"rdf:{container}")
            item = doc.createElementNS(_NS_RDF, "rdf:li")
            if container == "Alt":
                item.setAttribute("xml:lang", "x-default")
            item.appendChild(doc.createTextNode(info[key]))
            box.appendChild(item)
            prop.appendChild(box)
        new_desc.appendChild(prop)
    rdf.appendChild(new_desc)
    root = doc.documentElement
    assert root is not None  # it holds the rdf:RDF found above
    body = root.toxml()
    padding = (" " * 99 + "\n") * 20  # room for in-place edits, as XMP recommends
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        + body
        + "\n"
        + padding
        + '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def set_metadata(
    pdf: Path,
    *,
    number: str | None = None,
    title: str | None = None,
    kind: str | None = None,
    date: _dt.date | str | None = None,
    classification: str | None = None,
    author: str | None = None,
    extra: Mapping[str, object] | None = None,
) -> None:
    """Write document properties into ``pdf`` (rewritten atomically).

    Standard entries: /Title, /Subject ("<kind> Nomor <number>"), /Keywords
    (number, kind, classification), /Author. Custom entries: /SopdocsNumber,
    /SopdocsKind, /SopdocsDate, /SopdocsClassification, and one per ``extra`` key
    (``{"SopdocsUnit": "Disdukcapil"}`` gives /SopdocsUnit). None leaves an entry
    unchanged; Subject and Keywords are rebuilt from the given and the stored values.
    When the file has XMP metadata (PDF/A does) the matching XMP properties are
    updated too, since PDF/A requires Info and XMP to agree.
    """
    path = Path(pdf)
    problems = []
    extras: dict[str, str] = {}
    for key, value in (extra or {}).items():
        if not _NAME_RE.match(key) or f"/{key}" in _RESERVED_KEYS:
            problems.append(
                Problem(
                    f"nama metadata tambahan {key!r} tidak boleh dipakai "
                    "(huruf Latin, angka, '_', '.', '-'; bukan nama baku PDF)",
                    file=str(path),
                    field="extra",
                )
            )
        elif value is not None:
            extras[f"/{key}"] = _as_text(value)
    if problems:
        raise ValidationError(problems)

    reader = _load(path)
    existing = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
    given = {"number": number, "kind": kind, "date": date, "classification": classification}
    info: dict[str, str] = {}
    for field, key in SOPDOCS_KEYS.items():
        if given[field] is not None:
            info[key] = _as_text(given[field])
    # Subject and Keywords are derived; pieces not given now come from earlier calls.
    current = {field: info.get(key, existing.get(key)) for field, key in SOPDOCS_KEYS.items()}
    if number is not None or kind is not None:
        nomor = f"Nomor {current['number']}" if current["number"] else None
        info["/Subject"] = " ".join(p for p in (current["kind"], nomor) if p)
    if number is not None or kind is not None or classification is not None:
        info["/Keywords"] = ", ".join(
            v for v in (current["number"], current["kind"], current["classification"]) if v
        )
    if title is not None:
        info["/Title"] = title
    if author is not None:
        info["/Author"] = author
    info.update(extras)

    writer = PdfWriter(clone_from=reader)
    writer.add_metadata({NameObject(k): TextStringObject(v) for k, v in info.items()})
    metadata_ref = writer.root_object.get("/Metadata")
    if metadata_ref is not None:
        stream = metadata_ref.get_object()
        try:
            updated = _update_xmp(stream.get_data(), info)
        except Exception as exc:  # broken XMP from elsewhere: report, do not crash
            raise PdfError(f"{path}: metadata XMP rusak, tidak dapat diperbarui ({exc}).") from exc
        writer.xmp_metadata = updated
    _write_atomic(writer, path)


def read_metadata(pdf: Path) -> dict[str, str]:
    """All document information entries, keys without the leading slash
    (e.g. ``{"Title": ..., "SopdocsNumber": ...}``)."""
    reader = _load(Path(pdf))
    meta: Mapping[object, object] = reader.metadata or {}
    return {str(k).lstrip("/"): str(v) for k, v in meta.items()}


# --------------------------------------------------------------------------- stamping

_FONT = "/SopdocsHelv"
_GSTATE = "/SopdocsWm"
_FOOTER_SIZE = 8.0
#: The archive stamp ("footer") runs up the left edge of the page, its baseline this many
#: points from the edge: inside every sopdocs margin (at least 1.5 cm = 42.5 pt) and clear of
#: headers and footers (which sit inside the margins left and right), yet beyond the
#: 4-5 mm most printers cannot print.
_FOOTER_EDGE_BASELINE = 22.0
#: Standard PDF fonts (never embedded) the stamps may use, by family.
SERIF_FONT = "Times-Roman"
SANS_FONT = "Helvetica"
_SANS_HINTS = ("sans", "arial", "helvetica", "arimo", "dejavusans", "calibri", "verdana")


def _text_width(text: str, size: float, font: str = SANS_FONT) -> float:
    """Width of ``text`` in a standard font at ``size`` points."""
    try:  # pypdf ships the Adobe core-font metrics, in a private module
        from pypdf.generic._font import Font

        units = Font.from_core_font_name(f"/{font}").get_text_width(text)
    except Exception:
        units = (556.0 if font == SANS_FONT else 500.0) * len(text)  # average advance
    return units * size / 1000.0


def document_font(reader: PdfReader, max_pages: int = 2) -> str:
    """The standard font matching the document's own text: Helvetica when its fonts are
    sans serif (Arial, Liberation Sans), Times-Roman otherwise (Times New Roman, Bookman,
    Liberation Serif, URW Bookman...). The font used most often on the first pages decides."""
    counts: dict[str, int] = {}
    for page in list(reader.pages)[:max_pages]:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        if fonts is None:
            continue
        names = {str(name): str(ref.get_object().get("/BaseFont", "")) for name, ref in fonts.get_object().items()}
        try:
            data = page.get_contents()
            content = data.get_data() if data is not None else b""
        except Exception:
            content = b""
        for name, base in names.items():
            used = content.count(name.encode("latin-1", "replace") + b" ")
            counts[base] = counts.get(base, 0) + max(used, 1)
    if not counts:
        return SERIF_FONT
    main = max(counts, key=lambda base: counts[base]).lower()
    return SANS_FONT if any(hint in main for hint in _SANS_HINTS) else SERIF_FONT


def _pdf_string(text: str) -> str:
    """A PDF literal string in WinAnsiEncoding (characters outside it become '?')."""
    out = []
    for byte in text.encode("cp1252", errors="replace"):
        ch = chr(byte)
        if ch in "\\()":
            out.append("\\" + ch)
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _display_box(page: PageObject) -> tuple[float, float, float, float, int]:
    box = page.cropbox
    x0, y0 = float(min(box.left, box.right)), float(min(box.bottom, box.top))
    w, h = abs(float(box.width)), abs(float(box.height))
    rotation = int(page.get("/Rotate", 0) or 0) % 360
    rotation -= rotation % 90
    return x0, y0, w, h, rotation


def _overlay(x0: float, y0: float, w: float, h: float, rotation: int,
             watermark: str | None, footer: str | None, font: str = SANS_FONT) -> PageObject:
    """A page whose content draws the stamps, in the target page's user space.

    Coordinates are computed for the page as displayed (after /Rotate), then one ``cm``
    maps them back into user space so a rotated page still gets its footer at the
    visual bottom.
    """
    disp_w, disp_h = (h, w) if rotation in (90, 270) else (w, h)
    to_user = {
        0: (1, 0, 0, 1, x0, y0),
        90: (0, 1, -1, 0, x0 + w, y0),
        180: (-1, 0, 0, -1, x0 + w, y0 + h),
        270: (0, -1, 1, 0, x0, y0 + h),
    }[rotation]
    cm = " ".join(_num(v) for v in to_user) + " cm"
    ops: list[str] = []
    if watermark:
        angle = math.atan2(disp_h, disp_w)
        diagonal = math.hypot(disp_w, disp_h)
        unit_width = max(_text_width(watermark, 1.0, font), 0.1)
        # Fill 60 % of the diagonal, but letters no taller than a quarter of the page.
        size = min(0.6 * diagonal / unit_width, 0.25 * min(disp_w, disp_h) / 0.718)
        size = max(size, 12.0)
        cos, sin = math.cos(angle), math.sin(angle)
        half_w, half_h = unit_width * size / 2, 0.718 * size / 2  # 0.718 em = cap height
        px = disp_w / 2 - (cos * half_w - sin * half_h)
        py = disp_h / 2 - (sin * half_w + cos * half_h)
        ops += [
            "q", cm, f"{_GSTATE} gs", "0.55 g",
            "BT", f"{_FONT} {_num(size)} Tf",
            f"{_num(cos)} {_num(sin)} {_num(-sin)} {_num(cos)} {_num(px)} {_num(py)} Tm",
            f"{_pdf_string(watermark)} Tj", "ET", "Q",
        ]
    if footer:
        # Rotated a quarter turn (reading upwards), centred along the left edge.
        size = _FOOTER_SIZE
        length = _text_width(footer, size, font)
        if length > 0.9 * disp_h:
            size = max(size * 0.9 * disp_h / length, 4.0)
            length = _text_width(footer, size, font)
        fy = (disp_h - length) / 2
        ops += [
            "q", cm, "0 g",
            "BT", f"{_FONT} {_num(size)} Tf",
            f"0 1 -1 0 {_num(_FOOTER_EDGE_BASELINE)} {_num(fy)} Tm",
            f"{_pdf_string(footer)} Tj", "ET", "Q",
        ]
    page = PageObject.create_blank_page(width=w, height=h)
    font_dict = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject(f"/{font}"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })
    gstate = DictionaryObject({
        NameObject("/Type"): NameObject("/ExtGState"),
        NameObject("/ca"): FloatObject(0.35),
        NameObject("/CA"): FloatObject(0.35),
    })
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject(_FONT): font_dict}),
        NameObject("/ExtGState"): DictionaryObject({NameObject(_GSTATE): gstate}),
        NameObject("/ProcSet"): ArrayObject([NameObject("/PDF"), NameObject("/Text")]),
    })
    content = DecodedStreamObject()
    content.set_data("\n".join(ops).encode("ascii"))
    page[NameObject("/Contents")] = content
    return page


def stamp(
    pdf: Path,
    *,
    watermark: str | None = None,
    footer: str | None = None,
    out: Path | None = None,
    font: str | None = None,
) -> Path:
    """Draw a diagonal light-grey watermark (e.g. "DRAFT", "SALINAN") and/or a small
    archive line (``footer``: number and checksum) onto every page, as real page content
    (prints, and is extractable).

    The archive line runs up the left edge, in the page margin, so it never meets a
    document's own header or footer (a questionnaire's footer line, page numbers). Both
    stamps use a standard PDF font matching the document's text (``font``: "Times-Roman"
    or "Helvetica"; None: :func:`document_font`); standard fonts are not embedded, so a
    stamped PDF/A file is no longer strictly PDF/A. Characters outside Windows-1252 print
    as '?'. Writes to ``out`` (default: ``pdf`` itself, atomically); returns the written path.
    """
    path = Path(pdf)
    target = Path(out) if out is not None else path
    reader = _load(path)
    if font is not None and font not in (SERIF_FONT, SANS_FONT):
        raise PdfError(f"huruf cap {font!r} tidak dikenal; pilih {SERIF_FONT} atau {SANS_FONT}")
    chosen = font or document_font(reader)
    writer = PdfWriter(clone_from=reader)
    if watermark or footer:
        cache: dict[tuple[float, float, float, float, int], PageObject] = {}
        for page in writer.pages:
            key = _display_box(page)
            if key not in cache:
                cache[key] = _overlay(*key, watermark=watermark, footer=footer, font=chosen)
            page.merge_page(cache[key])
    _write_atomic(writer, target)
    return target


# --------------------------------------------------------------------------- merging


def merge(pdfs: Sequence[tuple[str, Path]], out: Path) -> Path:
    """Join PDFs into ``out`` with one top-level bookmark per document, titled by the
    given string (the documents' own bookmarks are kept beneath it)."""
    if not pdfs:
        raise PdfError(f"{out}: tidak ada PDF untuk digabung.")
    writer = PdfWriter()
    for title, path in pdfs:
        reader = _load(Path(path))
        if len(reader.pages) == 0:
            raise PdfError(f"{path}: PDF tidak memiliki halaman.")
        try:
            writer.append(reader, outline_item=title)
        except PyPdfError as exc:
            raise PdfError(f"{path}: gagal digabung ({exc}).") from exc
    writer.page_mode = "/UseOutlines"  # open with the bookmarks panel showing
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(writer, out)
    return out


# --------------------------------------------------------------------------- reading untrusted PDFs

# Tighter than pypdf's defaults (75 MB per stream): an incoming letter has no business
# decompressing to more than this. Unknown names (other pypdf versions) are skipped.
_READ_LIMITS: dict[str, object] = {
    "maximum_declared_stream_length": 50_000_000,
    "zlib_maximum_output_length": 50_000_000,
    "lzw_maximum_output_length": 50_000_000,
    "run_length_maximum_output_length": 50_000_000,
    "jbig2_maximum_output_length": 50_000_000,
    "brotli_maximum_output_length": 50_000_000,
    "array_based_stream_maximum_output_length": 50_000_000,
    "stream_decoding_work_maximum_length": 200_000_000,
    "xform_maximum_invocations_per_extraction": 2_000,
    "jbig2dec_binary": None,  # never start an external decoder on untrusted input
}


def _extract(path: Path, max_pages: int, max_chars: int) -> str:
    from pypdf import apply_configuration, get_configuration

    current = get_configuration()
    limits = {k: v for k, v in _READ_LIMITS.items() if hasattr(current, k)}
    with apply_configuration(None, **limits):
        reader = PdfReader(BytesIO(path.read_bytes()), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("encrypted with a password")
        parts: list[str] = []
        total = 0
        for index, page in enumerate(reader.pages):
            if index >= max_pages or total >= max_chars:
                break
            text = page.extract_text() or ""
            parts.append(text)
            total += len(text)
        return "\n".join(parts)[:max_chars]


#: Most pixels of one embedded image decoded by :func:`read_images` (Pillow's bomb guard).
MAX_IMAGE_PIXELS = 25_000_000
#: Embedded images whose sides differ more than this ratio are skipped by :func:`read_images`
#: (a QR code is square; photos and charts are not).
SQUARE_RATIO = 1.3


def _extract_images(path: Path, max_pages: int, max_images: int, max_side: int) -> list[str]:
    """Square-ish embedded images of the first pages as base64 PNG (each read once, the
    last page first: a verification code sits on the signature page, mostly the last)."""
    import base64

    from PIL import Image
    from pypdf import apply_configuration, get_configuration

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    current = get_configuration()
    limits = {k: v for k, v in _READ_LIMITS.items() if hasattr(current, k)}
    out: list[str] = []
    seen: set[object] = set()
    with apply_configuration(None, **limits):
        reader = PdfReader(BytesIO(path.read_bytes()), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("encrypted with a password")
        count = min(len(reader.pages), max_pages)
        order = [count - 1, *range(count - 1)] if count else []
        for index in order:
            page = reader.pages[index]
            resources = page.get("/Resources")
            xobjects = resources.get_object().get("/XObject") if resources is not None else None
            if xobjects is None:
                continue
            for name, ref in xobjects.get_object().items():
                key = getattr(ref, "idnum", None) or (index, name)
                if key in seen:
                    continue
                seen.add(key)
                obj = ref.get_object()
                if obj.get("/Subtype") != "/Image":
                    continue
                width, height = int(obj.get("/Width", 0) or 0), int(obj.get("/Height", 0) or 0)
                if not (16 <= width and 16 <= height) or width * height > MAX_IMAGE_PIXELS:
                    continue
                if max(width, height) > SQUARE_RATIO * min(width, height):
                    continue
                try:
                    picture = obj.decode_as_image()
                except Exception:
                    continue  # an image pypdf or Pillow cannot decode: not ours
                picture = picture.convert("L")
                picture.thumbnail((max_side, max_side))
                buffer = BytesIO()
                picture.save(buffer, format="PNG")
                out.append(base64.b64encode(buffer.getvalue()).decode("ascii"))
                if len(out) >= max_images:
                    return out
    return out


def _limit_memory(max_memory_mb: int) -> None:
    """Cap the worker's address space where the OS offers it (not on Windows)."""
    try:
        import resource  # POSIX only
    except ImportError:
        return
    try:
        limit = max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass


def _child_main() -> None:
    """Entry point of the reader process: job as JSON on stdin, answer as JSON on
    stdout (ASCII only, so no console encoding matters)."""
    import json
    import logging
    import sys

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # hostile files log a lot
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    try:
        _limit_memory(int(job["max_memory_mb"]))
        result: dict[str, object]
        if job.get("mode") == "images":
            result = {"status": "ok", "images": _extract_images(Path(job["path"]), int(job["max_pages"]),
                                                                int(job["max_images"]), int(job["max_side"]))}
        else:
            result = {
                "status": "ok",
                "text": _extract(Path(job["path"]), int(job["max_pages"]), int(job["max_chars"])),
            }
    except FileNotDecryptedError as exc:
        result = {"status": "encrypted", "detail": str(exc)}
    except LimitReachedError as exc:
        result = {"status": "limit", "detail": str(exc)}
    except MemoryError:
        result = {"status": "memory", "detail": "out of memory"}
    except Exception as exc:  # anything pypdf raises on a broken file
        result = {"status": "damaged", "detail": f"{type(exc).__name__}: {exc}"}
    sys.stdout.buffer.write(json.dumps(result, ensure_ascii=True).encode("ascii"))
    sys.stdout.flush()


_KIND_MESSAGES = {
    "encrypted": "PDF terenkripsi dengan kata sandi; teksnya tidak dapat dibaca",
    "limit": "PDF melampaui batas keamanan pembacaan (kemungkinan bom dekompresi)",
    "memory": "PDF membutuhkan memori terlalu banyak untuk dibaca",
    "damaged": "PDF rusak dan tidak dapat dibaca",
}

# Runs the worker in a fresh interpreter. -I (isolated) keeps the current folder and
# PYTHON* variables out of sys.path, so a stray pypdf.py next to the input cannot be
# imported; the folder holding the sopdocs package is added explicitly.
_CHILD_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from sopdocs.pdf.postprocess import _child_main; _child_main()"
)


def read_text(
    pdf: Path,
    *,
    max_pages: int = 200,
    timeout: float = 30,
    max_bytes: int = 100_000_000,
    max_chars: int = 5_000_000,
    max_memory_mb: int = 1024,
) -> str:
    """Text of a PDF from outside (possibly damaged or hostile).

    Extraction runs in a separate Python process with pypdf's resource limits
    tightened (and, on POSIX, an address-space cap); the process is killed after
    ``timeout`` seconds. Only the first ``max_pages`` pages are read and at most
    ``max_chars`` characters returned. Every failure is a PdfError naming the file.

    A plain subprocess rather than ``multiprocessing``: spawn re-imports the caller's
    ``__main__`` (fails when that is stdin or a script without a main guard); a
    thread could not be stopped at all.
    """
    job: dict[str, object] = {"max_pages": max_pages, "max_chars": max_chars, "max_memory_mb": max_memory_mb}
    return str(_run_child(Path(pdf), job, timeout=timeout, max_bytes=max_bytes)["text"])


def read_images(
    pdf: Path,
    *,
    max_pages: int = 50,
    max_images: int = 40,
    max_side: int = 1500,
    timeout: float = 30,
    max_bytes: int = 100_000_000,
    max_memory_mb: int = 1024,
) -> list[bytes]:
    """The square-ish embedded images of a PDF from outside, as PNG bytes (grey, at most
    ``max_side`` pixels a side), for finding a verification QR code. Runs in the same
    bounded, killable reader process as :func:`read_text`; images larger than
    :data:`MAX_IMAGE_PIXELS` or that cannot be decoded are skipped."""
    import base64

    job: dict[str, object] = {"mode": "images", "max_pages": max_pages, "max_images": max_images,
                              "max_side": max_side, "max_chars": 0, "max_memory_mb": max_memory_mb}
    result = _run_child(Path(pdf), job, timeout=timeout, max_bytes=max_bytes)
    images = result.get("images")
    if not isinstance(images, list):
        return []
    return [base64.b64decode(item) for item in images if isinstance(item, str)]


def _run_child(path: Path, job: dict[str, object], *, timeout: float, max_bytes: int) -> dict[str, object]:
    """Run one reader job on ``path`` in a fresh, killable process; the answer or a PdfError."""
    import json
    import subprocess
    import sys

    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise PdfError(f"{path}: berkas tidak dapat dibaca ({exc}).") from exc
    if size > max_bytes:
        raise PdfError(f"{path}: berkas terlalu besar ({size} byte; batas {max_bytes}).")
    if b"%PDF-" not in head:
        raise PdfError(f"{path}: bukan berkas PDF (tanda %PDF- tidak ada di awal berkas).")

    job = {**job, "path": str(path.resolve())}
    package_parent = str(Path(__file__).resolve().parent.parent)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _CHILD_CODE, package_parent],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except OSError as exc:
        raise PdfError(f"{path}: proses pembaca PDF tidak dapat dimulai ({exc}).") from exc
    try:
        out, err = proc.communicate(json.dumps(job).encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise PdfError(
            f"{path}: membaca PDF melebihi batas waktu {timeout:g} detik; "
            "berkas mungkin rusak atau sengaja dibuat berat."
        ) from None
    try:
        result = json.loads(out.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        tail = err.decode("utf-8", errors="replace").strip()[-500:]
        raise PdfError(
            f"{path}: pembaca PDF berhenti tidak wajar (kode keluar {proc.returncode}); "
            f"berkas kemungkinan rusak.{(' ' + tail) if tail else ''}"
        ) from None
    if isinstance(result, dict) and result.get("status") == "ok":
        return result
    status = str(result.get("status")) if isinstance(result, dict) else "damaged"
    detail = result.get("detail") if isinstance(result, dict) else None
    raise PdfError(
        f"{path}: {_KIND_MESSAGES.get(status, 'PDF tidak dapat dibaca')} ({detail})."
    )
