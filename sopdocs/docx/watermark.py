"""A diagonal draft mark ("KONSEP") on every page of an existing Word document.

A draft letter (konsep) must never be mistaken for a signed one, so the mark sits in the
page headers, which Word and LibreOffice repeat on every page: every section gets a
reference to a header of each type it shows (default; first page when the section has
``w:titlePg``; even pages when ``w:evenAndOddHeaders`` is on in settings.xml), a new
header part being created only when the section has none of that type and inherits none.

The mark is the classic Word watermark: a VML WordArt shape (``v:shape`` with
``v:textpath``, named ``PowerPlusWaterMarkObject...``), light grey at 50 % opacity,
rotated 315 degrees (rising to the right), centred on the text area, behind the text
(negative z-index) and without text wrapping: the markup Word's own Watermark command
writes. ``trim="t"`` on the text path keeps the letters in proportion in LibreOffice
(without it LibreOffice makes the box as tall as a whole text line and stretches the
capitals over it).

Why no DrawingML (``mc:AlternateContent`` with a ``wps`` text box and the VML as fallback):
LibreOffice 7.x takes the DrawingML choice when offered, imports the ``wps`` text box as
a Writer text frame and cannot rotate a text frame by 45 degrees, so the PDF showed a
horizontal mark overflowing its box. The VML shape becomes a Fontwork shape in
LibreOffice and is drawn diagonally. Fontwork glyphs go into the PDF as vector outlines,
not as text: the mark does not pollute text extraction or the search index.

The document is rewritten atomically (temporary file in the same folder, then
``os.replace``); nothing else in the package changes. Stamping twice leaves one mark:
the sopdocs mark (recognised by its shape id) is replaced, other watermarks are kept.
"""

from __future__ import annotations

import io
import math
import os
import posixpath
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from sopdocs.docx.integrity import guard_output
from sopdocs.errors import SopdocsError
from sopdocs.fsutil import make_temp

DEFAULT_TEXT = "KONSEP"
#: Longest mark text; longer texts would have to shrink until they are unreadable.
MAX_TEXT_LENGTH = 40
#: Nominal font size of the mark; it shrinks only when the text would not fit the page.
FONT_SIZE_PT = 110.0
FONT = "Arial"  # LibreOffice substitutes the metric-compatible Liberation Sans
FILL_COLOR = "#C0C0C0"
FILL_OPACITY = ".5"
#: The rotated mark spans at most this share of the shorter page side.
PAGE_SHARE = 0.8
#: Shape id prefix of the sopdocs mark. Word and LibreOffice recognise watermarks by the
#: ``PowerPlusWaterMarkObject`` prefix; the rest makes the mark recognisably ours.
MARK_NAME = "sopdocs-konsep"
MARK_ID_PREFIX = f"PowerPlusWaterMarkObject-{MARK_NAME}"

MAX_PART_BYTES = 50_000_000

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
V = "urn:schemas-microsoft-com:vml"
O = "urn:schemas-microsoft-com:office:office"
W10 = "urn:schemas-microsoft-com:office:word"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
PKG_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
REL_SETTINGS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings"
CT_HEADER = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"

#: Namespaces declared on the root of a header part the mark lives in.
HEADER_NSMAP = {"w": W, "r": R, "v": V, "o": O, "w10": W10, "mc": MC, "w14": W14}

_HEADER_TYPES = ("default", "first", "even")
_FALSE = {"0", "false", "off"}
_SHAPETYPE_ID = "_x0000_t136"  # Word's id for the WordArt "plain text" shape type (spt 136)
# Ink extents of Arial / Liberation Sans in em, for the height of the mark box.
_CAP_HEIGHT_EM = 0.716
_X_HEIGHT_EM = 0.519
_ASCENDER_EM = 0.73
_DESCENDER_EM = 0.21
_DESCENDING = set("gjpqyQ,;()[]{}|")


class WatermarkError(SopdocsError):
    """The mark text is not acceptable, or the document cannot be stamped."""


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# --------------------------------------------------------------------------- the text


def check_text(text: str) -> str:
    """The mark text, stripped; WatermarkError when empty, too long or with control chars."""
    if not isinstance(text, str):
        raise WatermarkError("Teks tanda air harus berupa teks.")
    for position, char in enumerate(text, start=1):
        category = unicodedata.category(char)
        if category in {"Cc", "Cs", "Zl", "Zp"} or char in "\ufffe\uffff":
            raise WatermarkError(
                f"Teks tanda air tidak boleh berisi karakter kendali (baris baru, tab, dan "
                f"sejenisnya): karakter ke-{position} adalah U+{ord(char):04X}."
            )
    cleaned = text.strip()
    if not cleaned:
        raise WatermarkError("Teks tanda air kosong; isi misalnya \"KONSEP\".")
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise WatermarkError(
            f"Teks tanda air terlalu panjang ({len(cleaned)} karakter); "
            f"paling banyak {MAX_TEXT_LENGTH} karakter."
        )
    return cleaned


def _ink_height_em(text: str) -> float:
    """Height of the inked part of ``text`` (roughly), in em: with ``trim`` the VML WordArt
    stretches exactly that part over the height of its box."""
    letters = [c for c in text if not c.isspace()]
    if any(c.isupper() or c.isdigit() for c in letters) or any(c in "bdfhiklt" for c in letters):
        top = _ASCENDER_EM if any(c.islower() for c in letters) else _CAP_HEIGHT_EM
    else:
        top = _X_HEIGHT_EM
    bottom = _DESCENDER_EM if any(c in _DESCENDING for c in letters) else 0.0
    return top + bottom


def mark_size_pt(text: str, shortest_page_side_pt: float) -> tuple[float, float, float]:
    """(width, height, font size) of the mark box in points.

    The box has the proportions of the text (VML WordArt stretches the text to its box)
    and, rotated by 45 degrees, spans at most :data:`PAGE_SHARE` of the shorter page side.
    """
    from sopdocs.docx.textmetrics import text_width

    size = FONT_SIZE_PT
    width = text_width(text, FONT, size) / 20
    height = size * _ink_height_em(text)
    limit = PAGE_SHARE * shortest_page_side_pt * math.sqrt(2)  # (w + h) / sqrt(2) <= share
    scale = min(1.0, limit / (width + height))
    return round(width * scale, 2), round(height * scale, 2), round(size * scale, 1)


# --------------------------------------------------------------------------- the package


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _resolve(source_part: str, target: str) -> str:
    """The part name a relationship target points to (no leading slash)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def _true(element: etree._Element | None) -> bool:
    """An on/off element (w:titlePg, w:evenAndOddHeaders): present and not switched off."""
    if element is None:
        return False
    return (element.get(_w("val")) or "true").strip().lower() not in _FALSE


@dataclass
class _Package:
    infos: list[zipfile.ZipInfo]
    data: dict[str, bytes]
    changed: dict[str, bytes] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)

    def names_folded(self) -> set[str]:
        return {name.casefold() for name in [*self.data, *self.added]}

    def read(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        try:
            return self.data[name]
        except KeyError:
            raise WatermarkError(f"Dokumen Word rusak: bagian {name} tidak ada.") from None

    def xml(self, name: str) -> etree._Element:
        try:
            return etree.fromstring(self.read(name), _parser())
        except etree.XMLSyntaxError as exc:
            raise WatermarkError(f"Dokumen Word rusak: {name} bukan XML yang sah ({exc}).") from exc


def _open(data: bytes) -> _Package:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            contents: dict[str, bytes] = {}
            for info in infos:
                if info.file_size > MAX_PART_BYTES:
                    raise WatermarkError(
                        f"Bagian {info.filename} dalam dokumen terlalu besar ({info.file_size} byte)."
                    )
                contents[info.filename] = archive.read(info)
    except WatermarkError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise WatermarkError(f"Berkas bukan dokumen Word (.docx) yang sah ({exc}).") from exc
    if "[Content_Types].xml" not in contents:
        raise WatermarkError("Berkas bukan dokumen Word (.docx) yang sah: [Content_Types].xml tidak ada.")
    return _Package(infos, contents)


def _write(package: _Package) -> bytes:
    out = io.BytesIO()
    stamp = next((i.date_time for i in package.infos if i.filename.endswith("document.xml")), (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in package.infos:
            if info.filename in package.changed:
                fresh = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                fresh.compress_type = zipfile.ZIP_DEFLATED
                fresh.external_attr = info.external_attr
                archive.writestr(fresh, package.changed[info.filename])
            else:
                archive.writestr(info, package.data[info.filename])
        for name in package.added:
            fresh = zipfile.ZipInfo(name, date_time=stamp)
            fresh.compress_type = zipfile.ZIP_DEFLATED
            fresh.external_attr = 0o644 << 16
            archive.writestr(fresh, package.changed[name])
    return out.getvalue()


def _main_part(package: _Package) -> str:
    if "_rels/.rels" in package.data:
        rels = package.xml("_rels/.rels")
        for rel in rels.iter(f"{{{PKG_REL}}}Relationship"):
            if rel.get("Type") == REL_OFFICE_DOCUMENT and rel.get("TargetMode") != "External":
                return _resolve("", rel.get("Target", ""))
    if "word/document.xml" in package.data:
        return "word/document.xml"
    raise WatermarkError("Berkas bukan dokumen Word (.docx) yang sah: dokumen utama tidak ditemukan.")


# --------------------------------------------------------------------------- the mark


def _mark_run(paragraph: etree._Element, text: str, width_pt: float, height_pt: float, font_pt: float,
              shape_id: str, with_shapetype: bool) -> etree._Element:
    """``w:r`` holding the VML WordArt watermark (Word's own watermark markup), appended to
    ``paragraph`` (built in place so that it uses the namespaces declared on the root)."""
    run = etree.SubElement(paragraph, _w("r"))
    rpr = etree.SubElement(run, _w("rPr"))
    etree.SubElement(rpr, _w("noProof"))
    pict = etree.SubElement(run, _w("pict"))
    if with_shapetype:
        shapetype = etree.SubElement(pict, f"{{{V}}}shapetype", {
            "id": _SHAPETYPE_ID,
            "coordsize": "21600,21600",
            f"{{{O}}}spt": "136",
            "adj": "10800",
            "path": "m@7,l@8,m@5,21600l@6,21600e",
        })
        formulas = etree.SubElement(shapetype, f"{{{V}}}formulas")
        for eqn in ("sum #0 0 10800", "prod #0 2 1", "sum 21600 0 @1", "sum 0 0 @2", "sum 21600 0 @3",
                    "if @0 @3 0", "if @0 21600 @1", "if @0 0 @2", "if @0 @4 21600", "mid @5 @6",
                    "mid @8 @5", "mid @7 @8", "mid @6 @7", "sum @6 0 @5"):
            etree.SubElement(formulas, f"{{{V}}}f", {"eqn": eqn})
        etree.SubElement(shapetype, f"{{{V}}}path", {
            "textpathok": "t",
            f"{{{O}}}connecttype": "custom",
            f"{{{O}}}connectlocs": "@9,0;@10,10800;@11,21600;@12,10800",
            f"{{{O}}}connectangles": "270,180,90,0",
        })
        etree.SubElement(shapetype, f"{{{V}}}textpath", {"on": "t", "fitshape": "t"})
        handles = etree.SubElement(shapetype, f"{{{V}}}handles")
        etree.SubElement(handles, f"{{{V}}}h", {"position": "#0,bottomRight", "xrange": "6629,14971"})
        etree.SubElement(shapetype, f"{{{O}}}lock", {f"{{{V}}}ext": "edit", "text": "t", "shapetype": "t"})
    style = ";".join([
        "position:absolute",
        "margin-left:0",
        "margin-top:0",
        f"width:{width_pt:g}pt",
        f"height:{height_pt:g}pt",
        "rotation:315",
        "z-index:-251654144",  # negative: behind the text
        "mso-position-horizontal:center",
        "mso-position-horizontal-relative:margin",
        "mso-position-vertical:center",
        "mso-position-vertical-relative:margin",
    ])
    shape = etree.SubElement(pict, f"{{{V}}}shape", {
        "id": shape_id,
        "type": f"#{_SHAPETYPE_ID}",
        "alt": text,
        "style": style,
        f"{{{O}}}allowincell": "f",
        "fillcolor": FILL_COLOR,
        "stroked": "f",
    })
    etree.SubElement(shape, f"{{{V}}}fill", {"opacity": FILL_OPACITY})
    etree.SubElement(shape, f"{{{V}}}textpath", {
        "style": f'font-family:"{FONT}";font-size:{font_pt:g}pt',
        "string": text,
        # Without trim LibreOffice replaces the box height by the height of a whole text
        # line, and stretches the capitals over it (tall, narrow letters).
        "trim": "t",
    })
    # No wrap type: the text flows as if the shape were not there (Word's "wrapNone").
    etree.SubElement(shape, f"{{{W10}}}wrap", {"anchorx": "margin", "anchory": "margin"})
    return run


def _is_our_shape(shape: etree._Element) -> bool:
    return (shape.get("id") or "").startswith(MARK_ID_PREFIX)


def _remove_marks(root: etree._Element) -> None:
    for shape in list(root.iter(f"{{{V}}}shape")):
        if not _is_our_shape(shape):
            continue
        run = shape.getparent()
        while run is not None and run.tag != _w("r"):
            run = run.getparent()
        holder = run.getparent() if run is not None else None
        if run is not None and holder is not None:
            holder.remove(run)


def _with_namespaces(root: etree._Element) -> etree._Element:
    """The header root with every namespace of the mark declared on it (Word wants that)."""
    declared: dict[str | None, str] = dict(root.nsmap)
    missing = {p: u for p, u in HEADER_NSMAP.items() if u not in declared.values() and p not in declared}
    if not missing:
        return root
    nsmap = dict(declared)
    nsmap.update(missing)
    attributes: dict[str, str] = {str(k): str(v) for k, v in root.attrib.items()}
    fresh = etree.Element(root.tag, attrib=attributes, nsmap=nsmap)
    fresh.text = root.text
    for child in list(root):
        fresh.append(child)
    return fresh


def _tiny_paragraph(root: etree._Element) -> etree._Element:
    """An empty 1 pt paragraph at the end of ``root``: holds the anchor without making the
    header taller."""
    p = etree.SubElement(root, _w("p"))
    ppr = etree.SubElement(p, _w("pPr"))
    etree.SubElement(ppr, _w("spacing"), {_w("before"): "0", _w("after"): "0", _w("line"): "20",
                                          _w("lineRule"): "exact"})
    rpr = etree.SubElement(ppr, _w("rPr"))
    etree.SubElement(rpr, _w("sz"), {_w("val"): "2"})
    etree.SubElement(rpr, _w("szCs"), {_w("val"): "2"})
    return p


def _stamp_header(root: etree._Element, text: str, size: tuple[float, float, float],
                  shape_id: str) -> etree._Element:
    """Remove an earlier sopdocs mark, then anchor the mark in the first paragraph."""
    _remove_marks(root)
    root = _with_namespaces(root)
    has_shapetype = any(s.get("id") == _SHAPETYPE_ID for s in root.iter(f"{{{V}}}shapetype"))
    paragraph = next((child for child in root if child.tag == _w("p")), None)
    if paragraph is None:
        paragraph = _tiny_paragraph(root)
    run = _mark_run(paragraph, text, *size, shape_id=shape_id, with_shapetype=not has_shapetype)
    ppr = paragraph.find(_w("pPr"))
    paragraph.insert(0 if ppr is None else paragraph.index(ppr) + 1, run)
    return root


def _new_header() -> etree._Element:
    root = etree.Element(_w("hdr"), nsmap=HEADER_NSMAP)
    root.set(f"{{{MC}}}Ignorable", "w14")
    _tiny_paragraph(root)
    return root


def _page_side_pt(sect_pr: etree._Element) -> float:
    size = sect_pr.find(_w("pgSz"))
    try:
        width = int(size.get(_w("w")) or "") if size is not None else 11906
        height = int(size.get(_w("h")) or "") if size is not None else 16838
    except ValueError:
        width, height = 11906, 16838
    return min(width, height) / 20


def _add_header_ref(sect_pr: etree._Element, kind: str, rid: str) -> None:
    """Header/footer references come first in w:sectPr (CT_SectPr schema order)."""
    position = 0
    for index, child in enumerate(sect_pr):
        if child.tag in (_w("headerReference"), _w("footerReference")):
            position = index + 1
    ref = etree.SubElement(sect_pr, _w("headerReference"), {_w("type"): kind, f"{{{R}}}id": rid})
    sect_pr.insert(position, ref)


def watermark_bytes(data: bytes, text: str = DEFAULT_TEXT) -> bytes:
    """The .docx ``data`` with the draft mark on every page (``data`` itself when unchanged)."""
    text = check_text(text)
    package = _open(data)
    main = _main_part(package)
    document = package.xml(main)
    body = document.find(_w("body"))
    if body is None:
        raise WatermarkError(f"Dokumen Word rusak: {main} tidak berisi w:body.")
    holders = (_w("body"), _w("pPr"))  # not the old sectPr inside w:sectPrChange
    sections = [s for s in document.iter(_w("sectPr")) if getattr(s.getparent(), "tag", None) in holders]
    document_changed = False
    if not sections:  # no sectPr: Word uses default page settings; an empty sectPr keeps them
        sections = [etree.SubElement(body, _w("sectPr"))]
        document_changed = True

    rels_name = _rels_name(main)
    rels = package.xml(rels_name) if rels_name in package.data else etree.Element(
        f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
    targets: dict[str, str] = {}
    settings_part = None
    for rel in rels.iter(f"{{{PKG_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        targets[rel.get("Id", "")] = _resolve(main, rel.get("Target", ""))
        if rel.get("Type") == REL_SETTINGS:
            settings_part = targets[rel.get("Id", "")]
    even_pages = False
    if settings_part and settings_part in package.data:
        even_pages = _true(package.xml(settings_part).find(_w("evenAndOddHeaders")))

    types = etree.fromstring(package.read("[Content_Types].xml"), _parser())
    side = min(_page_side_pt(s) for s in sections)
    size = mark_size_pt(text, side)
    rels_changed = False
    new_parts: dict[str, etree._Element] = {}

    def create_header() -> str:
        nonlocal rels_changed
        taken = package.names_folded() | {n.casefold() for n in new_parts}
        folder = posixpath.dirname(main)
        number = 1
        while posixpath.join(folder, f"header{number}.xml").casefold() in taken:
            number += 1
        part = posixpath.join(folder, f"header{number}.xml")
        ids = {rel.get("Id", "") for rel in rels}
        numbers = [int(m.group(1)) for i in ids if (m := re.fullmatch(r"rId(\d+)", i))]
        rid = f"rId{max(numbers, default=0) + 1}"
        while rid in ids:  # pragma: no cover - max + 1 is free
            rid += "x"
        etree.SubElement(rels, f"{{{PKG_REL}}}Relationship",
                         {"Id": rid, "Type": REL_HEADER, "Target": posixpath.relpath(part, folder or ".")})
        etree.SubElement(types, f"{{{PKG_CT}}}Override", {"PartName": f"/{part}", "ContentType": CT_HEADER})
        new_parts[part] = _new_header()
        targets[rid] = part
        rels_changed = True
        return rid

    inherited: dict[str, str] = {}
    used: list[str] = []
    for sect_pr in sections:
        refs = {ref.get(_w("type"), "default"): ref.get(f"{{{R}}}id", "")
                for ref in sect_pr.findall(_w("headerReference"))}
        needed = ["default"]
        if _true(sect_pr.find(_w("titlePg"))):
            needed.append("first")
        if even_pages:
            needed.append("even")
        for kind in needed:
            if kind not in refs:
                # Word would show the previous section's header of this type (or none):
                # refer to it explicitly, or to a new header holding only the mark.
                refs[kind] = inherited.get(kind) or create_header()
                _add_header_ref(sect_pr, kind, refs[kind])
                document_changed = True
        inherited.update(refs)
        used += [rid for rid in refs.values() if rid not in used]

    for index, rid in enumerate(used, start=1):
        part = targets.get(rid)
        if part is None:
            raise WatermarkError(f"Dokumen Word rusak: header {rid} tidak ada dalam {rels_name}.")
        shape_id = f"{MARK_ID_PREFIX}-{index}"
        if part in new_parts:
            new_parts[part] = _stamp_header(new_parts[part], text, size, shape_id)
            continue
        original = package.read(part)
        stamped = _serialize(_stamp_header(package.xml(part), text, size, shape_id))
        if stamped != original:
            package.changed[part] = stamped

    if document_changed:
        package.changed[main] = _serialize(document)
    if rels_changed:
        package.changed[rels_name] = _serialize(rels)
        package.changed["[Content_Types].xml"] = _serialize(types)
        if rels_name not in package.data:
            package.added.append(rels_name)
    for part, root in new_parts.items():
        package.changed[part] = _serialize(root)
        package.added.append(part)
    if not package.changed:
        return data
    return _write(package)


def has_watermark(source: Path | bytes) -> bool:
    """Whether any header of the .docx (a path or its bytes) holds the sopdocs mark."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    package = _open(data)
    marker = MARK_ID_PREFIX.encode("ascii")
    return any(
        marker in content
        for name, content in package.data.items()
        if re.search(r"(^|/)header\d*\.xml$", name)
    )


def add_watermark(docx: Path, text: str = DEFAULT_TEXT) -> None:
    """Stamp ``text`` (default "KONSEP") diagonally on every page of ``docx``, in place.

    The file is replaced atomically; when anything fails it is left as it was.
    Stamping an already stamped document replaces the earlier sopdocs mark.
    """
    path = Path(docx)
    text = check_text(text)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WatermarkError(f"{path}: berkas tidak dapat dibaca ({exc}).") from exc
    try:
        stamped = watermark_bytes(data, text)
    except WatermarkError as exc:
        raise WatermarkError(f"{path}: {exc}") from exc
    if stamped == data:
        return
    guard_output(stamped, name=str(path))  # a broken package is refused before anything is written
    tmp = make_temp(path)
    try:
        shutil.copymode(path, tmp)
        with open(tmp, "wb") as handle:
            handle.write(stamped)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WatermarkError(
            f"{path}: tanda air tidak dapat disimpan ({exc}); tutup berkas itu jika sedang "
            "dibuka, lalu ulangi."
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
