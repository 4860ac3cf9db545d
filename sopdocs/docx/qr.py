"""The verification QR code of a final (numbered) document: payload, image, placement, reading.

**Payload** (versioned, compact, ASCII)::

    SOPDOCS1|<number>|<YYYY-MM-DD>|<kind>|<fingerprint>

or, when the profile sets ``verifikasi.url``, ``<url>?kode=<payload, URL-encoded>``.

**Fingerprint.** A QR code cannot hold the hash of the file that contains it, so it holds
:data:`FINGERPRINT_CHARS` hex characters of the SHA-256 of the document's *content*: its
text as :func:`sopdocs.docx.extract.docx_text` reads it (body, tables, headers, footers,
text boxes; field codes left out), Unicode NFC, whitespace collapsed. The QR image adds
no text, so the fingerprint of the archived .docx (which carries the QR) is the one
printed in its code: nothing else has to be stored, and verification recomputes it from
the archived item. The number and the date are part of the text, so the fingerprint binds
them too.

**Placement.** Beside the letter's signature block: anchored in the signer's title
paragraph (the paragraph with text ending in "," above the first "NIP" line of an indented
signature block), at the left margin, with no text wrapping, so it takes the empty space left of
the signature and never moves a line. Without such a block: at the bottom left of the last
page, just above the bottom margin.

**Size.** 0.5 mm a module (:data:`MODULE_CM`), 2-3 cm a side with the quiet zone.

**Reading.** :func:`read_qr_texts` decodes QR codes in an image with zxing-cpp; the
callers bound file sizes and pixels first (:data:`MAX_IMAGE_PIXELS`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import struct
import unicodedata
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from sopdocs.errors import SopdocsError
from sopdocs.fsutil import atomic_write_bytes

#: First field of every payload; a new layout gets a new version.
PREFIX = "SOPDOCS1"
#: Hex characters of the content fingerprint printed in the code (64 bits).
FINGERPRINT_CHARS = 16
#: Longest text read from a QR code (payload or URL); anything longer is refused unread.
MAX_QR_TEXT = 1024
#: Longest document number accepted in a payload.
MAX_NUMBER_CHARS = 100
#: Longest verification URL (the profile's ``verifikasi.url``).
MAX_URL_CHARS = 300
#: Printed size of a module (cm): 0.5 mm, readable by a phone camera and at 150 dpi scans.
MODULE_CM = 0.05
#: Printed size of the code (a side, quiet zone included), in centimetres: modules x
#: MODULE_CM within these bounds (a bare payload: 45 modules, 2.25 cm; with a verification
#: URL about 57 modules, 2.85 cm).
MIN_SIZE_CM = 2.0
MAX_SIZE_CM = 3.0
#: The QR mask pattern, fixed: segno's search for the best of the 8 takes about 13 ms a code
#: (any mask is valid; the search only lowers a penalty score that matters little for
#: a printed code with a quiet zone).
QR_MASK = 2
#: Pixels per module in the PNG (the PDF keeps it sharp at any print resolution).
PNG_SCALE = 8
#: Quiet zone around the code, in modules (the standard's minimum is 4).
QUIET_ZONE = 4
#: Largest image (pixels) decoded; larger ones are refused before they are decoded.
MAX_IMAGE_PIXELS = 40_000_000
#: Images are scaled down to at most this side before decoding (speed; QR codes stay readable).
MAX_DECODE_SIDE = 3000
#: The docPr name of the sopdocs QR drawing (a second insertion replaces it).
DRAWING_NAME = "sopdocs-qr"
MEDIA_NAME = "word/media/sopdocs-qr.png"

# Any number the register or a definition may hold (a number given by hand can be odd, even
# "../x"): printable ASCII without the field separator "|", quotes, backquote, backslash
# and angle brackets.
_NUMBER_RE = re.compile("^[ !#-&(-;=?-[\\]-_a-{}~]{1,%d}$" % MAX_NUMBER_CHARS)
_KIND_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HEX_RE = re.compile(r"^[0-9a-f]{%d}$" % FINGERPRINT_CHARS)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
EMU_PER_CM = 360_000
EMU_PER_TWIP = 635


class QrError(SopdocsError):
    """A QR payload that is not a sopdocs verification code, or a QR that cannot be made."""


# --------------------------------------------------------------------------- payload


@dataclass(frozen=True)
class QrPayload:
    """What a verification code says: the document's number, date, kind and fingerprint."""

    number: str
    date: dt.date
    kind: str
    fingerprint: str

    def text(self) -> str:
        return format_payload(self)


def format_payload(payload: QrPayload) -> str:
    """The payload text (checked: a value that :func:`parse_payload` would refuse raises)."""
    text = "|".join((PREFIX, payload.number, payload.date.isoformat(), payload.kind, payload.fingerprint))
    parse_payload(text)  # the same rules both ways
    return text


def parse_payload(text: str) -> QrPayload:
    """Read a code's text: the bare payload, or a verification URL carrying it in ``kode``.

    Strict: length, field count, characters of every field and a real calendar date are
    checked; anything else raises :class:`QrError` with an Indonesian reason.
    """
    if not isinstance(text, str):
        raise QrError("kode QR bukan teks")
    if len(text) > MAX_QR_TEXT:
        raise QrError(f"teks kode QR terlalu panjang ({len(text)} karakter; batas {MAX_QR_TEXT})")
    text = text.strip()
    if text.lower().startswith(("http://", "https://")):
        try:
            query = urllib.parse.urlsplit(text).query
            values = urllib.parse.parse_qs(query, max_num_fields=20, strict_parsing=False).get("kode", [])
        except ValueError:
            raise QrError("alamat dalam kode QR tidak sah") from None
        if len(values) != 1:
            raise QrError("alamat dalam kode QR tidak memuat satu parameter 'kode'")
        text = values[0].strip()
    fields = text.split("|")
    if len(fields) != 5 or fields[0] != PREFIX:
        raise QrError("bukan kode verifikasi sopdocs")
    _, number, date_text, kind, fingerprint = fields
    if not _NUMBER_RE.match(number) or "  " in number or number != number.strip():
        raise QrError("nomor dalam kode QR tidak sah")
    if not _DATE_RE.match(date_text):
        raise QrError("tanggal dalam kode QR tidak sah")
    try:
        date = dt.date.fromisoformat(date_text)
    except ValueError:
        raise QrError("tanggal dalam kode QR tidak ada di kalender") from None
    if not _KIND_RE.match(kind):
        raise QrError("jenis dokumen dalam kode QR tidak sah")
    if not _HEX_RE.match(fingerprint):
        raise QrError("sidik isi dalam kode QR tidak sah")
    return QrPayload(number=number, date=date, kind=kind, fingerprint=fingerprint)


def qr_text(payload: QrPayload, url: str | None = None) -> str:
    """What the code holds: the payload, or ``<url>?kode=<payload>`` when a URL is given."""
    text = format_payload(payload)
    if not url:
        return text
    url = check_url(url)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}kode={urllib.parse.quote(text, safe='')}"


def check_url(url: str | None) -> str:
    """A verification URL the code can carry (``http(s)://``, no spaces or control
    characters, no fragment, at most :data:`MAX_URL_CHARS`); "" for none."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL_CHARS or not url.lower().startswith(("http://", "https://")) or "#" in url or any(
            ch.isspace() or ord(ch) < 32 or ord(ch) > 126 for ch in url):
        raise QrError(f"verifikasi.url {url[:60]!r} tidak sah: harus alamat http(s) tanpa spasi dan tanpa '#', "
                      f"paling panjang {MAX_URL_CHARS} karakter")
    return url


# --------------------------------------------------------------------------- fingerprint


def canonical_text(text: str) -> str:
    """The text a fingerprint is taken of: NFC, every run of whitespace one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_fingerprint(text: str) -> str:
    return hashlib.sha256(canonical_text(text).encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]


def content_fingerprint(docx: Path) -> str:
    """The fingerprint of a .docx's content (see the module docstring)."""
    from sopdocs.docx.extract import docx_text

    return text_fingerprint(docx_text(Path(docx)))


# --------------------------------------------------------------------------- image


def qr_png(text: str) -> bytes:
    """A black-on-white PNG of the code: error correction M (raised when it fits the same
    size), a quiet zone of :data:`QUIET_ZONE` modules, :data:`PNG_SCALE` pixels a module."""
    import segno

    try:
        code = segno.make_qr(text, error="m", boost_error=True, mask=QR_MASK)
    except (segno.DataOverflowError, ValueError) as exc:
        raise QrError(f"kode QR tidak dapat dibuat ({exc})") from None
    from PIL import Image

    # Drawn with Pillow (C) from the module matrix: segno's own PNG writer is pure Python
    # and takes about 35 ms a code, too slow for batches of letters.
    modules = len(code.matrix)
    side = modules + 2 * QUIET_ZONE
    canvas = Image.new("L", (side, side), 255)
    canvas.paste(Image.frombytes("L", (modules, modules),
                                 bytes(0 if dark else 255 for row in code.matrix for dark in row)),
                 (QUIET_ZONE, QUIET_ZONE))
    image = canvas.convert("1").resize((side * PNG_SCALE, side * PNG_SCALE), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --------------------------------------------------------------------------- placement


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _paragraph_text(paragraph: etree._Element) -> str:
    return "".join(t.text or "" for t in paragraph.iter(_w("t")))


def _left_indent(paragraph: etree._Element) -> int:
    ind = paragraph.find(f"{_w('pPr')}/{_w('ind')}")
    if ind is None:
        return 0
    for name in ("left", "start"):
        value = ind.get(_w(name))
        if value is not None:
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def _signature_anchor(body: etree._Element, size_twips: int) -> etree._Element | None:
    """The signer's title paragraph of the letter's own (first) indented signature block,
    when there is room for the code left of it. An attachment signed again later (the
    same signer) keeps the code beside the letter's signature."""
    paragraphs = [p for p in body if p.tag == _w("p")]
    room = size_twips + 300
    for nip_at, paragraph in enumerate(paragraphs):
        if not (_paragraph_text(paragraph).strip().upper().startswith("NIP") and _left_indent(paragraph) >= room):
            continue
        for index in range(nip_at - 1, max(nip_at - 12, -1), -1):
            above = paragraphs[index]
            if _left_indent(above) < room:
                break
            if _paragraph_text(above).strip().endswith(","):
                return above
    return None


def _section_geometry(body: etree._Element) -> tuple[int, int, int]:
    """(page height, bottom margin, left margin) in twips of the last section."""
    sect = body.find(_w("sectPr"))
    height, bottom, left = 16838, 1418, 1701
    if sect is not None:
        size = sect.find(_w("pgSz"))
        margins = sect.find(_w("pgMar"))
        try:
            if size is not None and size.get(_w("h")):
                height = int(size.get(_w("h")) or height)
            if margins is not None:
                bottom = abs(int(margins.get(_w("bottom")) or bottom))
                left = int(margins.get(_w("left")) or left)
        except ValueError:
            pass
    return height, bottom, left


def _drawing_run(rid: str, docpr_id: int, size_emu: int, *, h_from: str, h_off: int, v_from: str, v_off: int,
                 description: str) -> etree._Element:
    nsmap = {"w": W, "wp": WP, "a": A, "pic": PIC, "r": R}
    run = etree.Element(_w("r"), nsmap=nsmap)
    drawing = etree.SubElement(run, _w("drawing"))
    anchor = etree.SubElement(drawing, f"{{{WP}}}anchor", {
        "distT": "0", "distB": "0", "distL": "0", "distR": "0", "simplePos": "0",
        "relativeHeight": "251659264", "behindDoc": "0", "locked": "1", "layoutInCell": "0",
        "allowOverlap": "1"})
    etree.SubElement(anchor, f"{{{WP}}}simplePos", {"x": "0", "y": "0"})
    pos_h = etree.SubElement(anchor, f"{{{WP}}}positionH", {"relativeFrom": h_from})
    etree.SubElement(pos_h, f"{{{WP}}}posOffset").text = str(h_off)
    pos_v = etree.SubElement(anchor, f"{{{WP}}}positionV", {"relativeFrom": v_from})
    etree.SubElement(pos_v, f"{{{WP}}}posOffset").text = str(v_off)
    etree.SubElement(anchor, f"{{{WP}}}extent", {"cx": str(size_emu), "cy": str(size_emu)})
    etree.SubElement(anchor, f"{{{WP}}}effectExtent", {"l": "0", "t": "0", "r": "0", "b": "0"})
    etree.SubElement(anchor, f"{{{WP}}}wrapNone")
    etree.SubElement(anchor, f"{{{WP}}}docPr", {"id": str(docpr_id), "name": DRAWING_NAME,
                                                "descr": description})
    frame = etree.SubElement(anchor, f"{{{WP}}}cNvGraphicFramePr")
    etree.SubElement(frame, f"{{{A}}}graphicFrameLocks", {"noChangeAspect": "1"})
    graphic = etree.SubElement(anchor, f"{{{A}}}graphic")
    data = etree.SubElement(graphic, f"{{{A}}}graphicData",
                            {"uri": "http://schemas.openxmlformats.org/drawingml/2006/picture"})
    pic = etree.SubElement(data, f"{{{PIC}}}pic")
    nv = etree.SubElement(pic, f"{{{PIC}}}nvPicPr")
    etree.SubElement(nv, f"{{{PIC}}}cNvPr", {"id": "0", "name": "sopdocs-qr.png"})
    etree.SubElement(nv, f"{{{PIC}}}cNvPicPr")
    fill = etree.SubElement(pic, f"{{{PIC}}}blipFill")
    etree.SubElement(fill, f"{{{A}}}blip", {f"{{{R}}}embed": rid})
    stretch = etree.SubElement(fill, f"{{{A}}}stretch")
    etree.SubElement(stretch, f"{{{A}}}fillRect")
    sp = etree.SubElement(pic, f"{{{PIC}}}spPr")
    xfrm = etree.SubElement(sp, f"{{{A}}}xfrm")
    etree.SubElement(xfrm, f"{{{A}}}off", {"x": "0", "y": "0"})
    etree.SubElement(xfrm, f"{{{A}}}ext", {"cx": str(size_emu), "cy": str(size_emu)})
    geom = etree.SubElement(sp, f"{{{A}}}prstGeom", {"prst": "rect"})
    etree.SubElement(geom, f"{{{A}}}avLst")
    return run


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _remove_ours(root: etree._Element) -> None:
    for docpr in list(root.iter(f"{{{WP}}}docPr")):
        if docpr.get("name") == DRAWING_NAME:
            drawing = docpr.getparent()
            while drawing is not None and drawing.tag != _w("r"):
                drawing = drawing.getparent()
            parent = drawing.getparent() if drawing is not None else None
            if drawing is not None and parent is not None:
                parent.remove(drawing)


def insert_qr_bytes(data: bytes, text: str, *, size_cm: float | None = None, description: str = "") -> bytes:
    """The .docx ``data`` with a QR code of ``text`` placed (see the module docstring), of
    side ``size_cm`` (None: :data:`MODULE_CM` a module). A sopdocs QR code already there is
    replaced."""
    png = qr_png(text)
    if size_cm is None:
        modules = struct.unpack(">I", png[16:20])[0] // PNG_SCALE  # the IHDR width
        size_cm = min(max(modules * MODULE_CM, MIN_SIZE_CM), MAX_SIZE_CM)
    size_emu = int(size_cm * EMU_PER_CM)
    size_twips = size_emu // EMU_PER_TWIP
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        infos = source.infolist()
        parts = {info.filename: source.read(info) for info in infos}
    document = etree.fromstring(parts["word/document.xml"], _parser())
    rels_name = "word/_rels/document.xml.rels"
    rels = etree.fromstring(parts[rels_name], _parser()) if rels_name in parts else etree.Element(
        f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
    _remove_ours(document)
    rid = None
    for rel in rels:
        if rel.get("Target") in ("media/sopdocs-qr.png", "/" + MEDIA_NAME):
            rid = rel.get("Id")
    if rid is None:
        used = {rel.get("Id") for rel in rels}
        n = 1
        while f"rIdQr{n}" in used:
            n += 1
        rid = f"rIdQr{n}"
        etree.SubElement(rels, f"{{{PKG_REL}}}Relationship",
                         {"Id": rid, "Type": IMAGE_REL, "Target": "media/sopdocs-qr.png"})
    ids = [int(d.get("id") or 0) for d in document.iter(f"{{{WP}}}docPr") if (d.get("id") or "").isdigit()]
    docpr_id = max(ids, default=0) + 1
    body = document.find(_w("body"))
    if body is None:
        raise QrError("dokumen Word tanpa isi (w:body)")
    description = description or "Kode QR verifikasi dokumen"
    anchor = _signature_anchor(body, size_twips)
    if anchor is not None:
        run = _drawing_run(rid, docpr_id, size_emu, h_from="margin", h_off=0, v_from="paragraph", v_off=0,
                           description=description)
    else:
        height, bottom, left = _section_geometry(body)
        anchor = next((p for p in reversed(list(body)) if p.tag == _w("p")), None)
        if anchor is None:
            anchor = etree.SubElement(body, _w("p"))
            sect = body.find(_w("sectPr"))
            if sect is not None:
                sect.addprevious(anchor)
        top = (height - bottom) * EMU_PER_TWIP - size_emu
        run = _drawing_run(rid, docpr_id, size_emu, h_from="page", h_off=left * EMU_PER_TWIP, v_from="page",
                           v_off=max(top, 0), description=description)
    properties = anchor.find(_w("pPr"))
    if properties is not None:
        properties.addnext(run)
    else:
        anchor.insert(0, run)
    parts["word/document.xml"] = etree.tostring(document, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts[rels_name] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts[MEDIA_NAME] = png
    types = etree.fromstring(parts["[Content_Types].xml"], _parser())
    if not any(d.get("Extension", "").lower() == "png" for d in types.iter(f"{{{CT}}}Default")):
        types.insert(0, etree.Element(f"{{{CT}}}Default", {"Extension": "png", "ContentType": "image/png"}))
    parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    order = [info.filename for info in infos] + ([MEDIA_NAME] if MEDIA_NAME not in {i.filename for i in infos} else [])
    if rels_name not in order:
        order.append(rels_name)
    changed = {"word/document.xml", rels_name, "[Content_Types].xml"}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in order:
            # Fast deflate for the parts copied unchanged (styles are ~800 kB of XML):
            # the package comes out a few kB larger, the rewrite five times faster.
            target.writestr(name, parts[name],
                            compress_type=zipfile.ZIP_STORED if name == MEDIA_NAME else zipfile.ZIP_DEFLATED,
                            compresslevel=6 if name in changed else 1)
    return out.getvalue()


def add_verification_qr(docx: Path, *, number: str, date: dt.date, kind: str, url: str | None = None) -> QrPayload:
    """Put the verification code on a rendered final document (rewritten atomically);
    returns its payload. The fingerprint is taken before the code is placed."""
    from sopdocs.docx.integrity import guard_output

    path = Path(docx)
    payload = QrPayload(number=number, date=date, kind=kind, fingerprint=content_fingerprint(path))
    text = qr_text(payload, url)
    data = insert_qr_bytes(path.read_bytes(), text,
                           description=f"Kode QR verifikasi dokumen nomor {number}")
    guard_output(data, name=str(path))
    atomic_write_bytes(path, data)
    return payload


def has_qr(docx: Path | bytes) -> bool:
    """Does the .docx carry a sopdocs verification code?"""
    source: Any = io.BytesIO(docx) if isinstance(docx, bytes) else Path(docx)
    try:
        with zipfile.ZipFile(source) as archive:
            return MEDIA_NAME in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


# --------------------------------------------------------------------------- reading


def read_qr_texts(image: Any) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in a Pillow image (already bounded by the
    caller); a second attempt on a sharpened black-and-white copy helps faint scans."""
    import zxingcpp
    from PIL import Image, ImageOps

    if image.width * image.height > MAX_IMAGE_PIXELS:
        raise QrError(f"gambar terlalu besar ({image.width}x{image.height} piksel)")
    picture = image.convert("L") if image.mode not in ("L", "RGB") else image
    if max(picture.size) > MAX_DECODE_SIDE:
        picture = picture.copy()
        picture.thumbnail((MAX_DECODE_SIDE, MAX_DECODE_SIDE))
    attempts = [picture]
    if min(picture.size) < 300:  # a tiny embedded image: give the reader more pixels
        factor = max(2, 600 // max(min(picture.size), 1))
        attempts.append(picture.convert("L").resize((picture.width * factor, picture.height * factor),
                                                    Image.Resampling.NEAREST))
    else:
        attempts.append(ImageOps.autocontrast(picture.convert("L")))
    for attempt in attempts:
        try:
            found = zxingcpp.read_barcodes(attempt, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
        except (ValueError, RuntimeError):
            continue
        texts = [r.text for r in found if r.valid and r.text and len(r.text) <= MAX_QR_TEXT]
        if texts:
            return texts
    return []
