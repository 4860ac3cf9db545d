"""Compiled templates: prepare a .docx template once, then render documents at zip speed.

Plain docxtpl re-reads the package, re-patches the XML and recompiles Jinja for every
document (~30 ms for a one-page letter). A :class:`CompiledTemplate` does that work once,
with docxtpl's own preprocessing (``patch_xml``: ``{%tr %}``, ``{%p %}``, ``{%tc %}``,
``{{r }}``, colspan/cellbg/vm/hm...), and per document only renders the templated parts,
post-processes them as docxtpl does (``resolve_listing``, table-grid fix, ``docPr`` ids)
and writes the zip, copying every untouched part's compressed bytes as they are.

The safety rules are those of :func:`sopdocs.docx.render.render_docx`: sandboxed Jinja with
autoescape and ``StrictUndefined``, cleaned values, every missing top-level variable
reported before anything is written, rendered XML parsed strictly (headers, footers and
footnotes too, which plain docxtpl does not check), atomic write.

The output is the document plain docxtpl + python-docx would write (the tests compare
every part, rIds, picture part names and ``docPr`` ids included), except that untouched
XML parts keep the template's bytes instead of being re-serialised by python-docx, and
where plain docxtpl misbehaves:

* broken XML in a rendered header/footer is a RenderError (plain: a raw lxml error), in
  footnotes too (plain: written as is);
* footnotes are rendered once (plain docxtpl renders them once per section, so in a
  document with two sections template code inside a *value* ran on the second pass);
* a core property longer than 255 characters is cut to fit, ending in "…" (plain: a
  ValueError): it is metadata, the document itself holds the whole text;
* a template without docProps/core.xml gets python-docx's default one, made once per
  compilation (its "modified" time is the compile time, not the render time).

Links: docxtpl's ``tpl.build_url_id(url)`` adds the relationship to a DocxTemplate this
path never writes, so a RichText holding such an id is refused (the id would dangle);
``RichText.add(text, url_id=sopdocs.docx.render.url_id(url))`` makes the link, and the
hyperlink relationship is added to the part it is rendered in (body, header, footer,
footnotes) with the id python-docx gives it. A docxtpl ``InlineImage`` is placed in the
document being rendered (picture part, relationship, content type), like an
:class:`~sopdocs.docx.render.Image`. docxtpl's ``Subdoc`` is refused (its parts belong to
another DocxTemplate). The caller's own Jinja filters (``filters=``) run in the same
sandbox, looked up per render.

Not on the fast path (handled by the plain path, :func:`render_plain`, transparently):
a ``postprocess`` callback (it needs a python-docx ``Document``; use ``paper=`` for paper
size instead).
"""

from __future__ import annotations

import copy
import functools
import io
import os
import re
import struct
import sys
import threading
import time
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

import jinja2
from docx.document import Document as _DocxDocument
from docx.image.image import Image as _DocxImage
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import CT_Relationships, serialize_part_xml
from docx.opc.packuri import PackURI
from docx.opc.pkgwriter import _ContentTypesItem
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml as _parse_oxml
from docx.oxml.shape import CT_Inline
from docx.shared import Emu, Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from lxml import etree

from sopdocs.errors import RenderError, SopdocsError
from sopdocs.docx.integrity import guard_output
from sopdocs.docx.layout import (
    PageLayout,
    Paper,
    added_parts,
    apply_sections,
    apply_styles,
    apply_to_document,
)
from sopdocs.docx.layout import text_width as layout_text_width
from sopdocs.docx.engine import (
    Image,
    TemplateData,
    TemplateFilterError,
    TemplateLimitError,
    atomic_path,
    atomic_save,
    check_template_package,
    make_environment,
    open_docx_template,
    paper_setter,
    plain_resolver,
    custom_filters,
    read_template,
    render_session,
    resolve_links,
    template_variables,
    to_template_data,
    unknown_filters,
)

__all__ = [
    "CompiledTemplate",
    "Paper",
    "ProgressBar",
    "clear_cache",
    "render_plain",
]

# Core properties docxtpl renders (docxtpl.DocxTemplate.render_properties).
_CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_JINJA_MARKERS = ("{{", "{%", "{#")

_W_TBL = qn("w:tbl")
_W_TBLGRID = qn("w:tblGrid")
_W_GRIDCOL = qn("w:gridCol")
_W_TR = qn("w:tr")
_W_TC = qn("w:tc")
_W_TCPR = qn("w:tcPr")
_W_GRIDSPAN = qn("w:gridSpan")
_W_W = qn("w:w")
_W_VAL = qn("w:val")
_WP_DOCPR = qn("wp:docPr")

# Rendered bodies are parsed strictly (never lxml's recover mode, which truncates);
# one parser per thread, as lxml parsers must not be shared between threads.
_PARSERS = threading.local()


def _body_parser() -> Any:
    parser = getattr(_PARSERS, "body", None)
    if parser is None:
        parser = _PARSERS.body = etree.XMLParser(resolve_entities=False)
    return parser


# --------------------------------------------------------------------------- zip writing


#: Longest text a core property (title, subject...) may hold in a .docx.
MAX_PROPERTY_CHARS = 255


def _fit_property(value: str) -> str:
    """A core property cut to :data:`MAX_PROPERTY_CHARS`, ending in "…" when cut."""
    return value if len(value) <= MAX_PROPERTY_CHARS else value[: MAX_PROPERTY_CHARS - 1].rstrip() + "\u2026"


@dataclass(frozen=True)
class _Entry:
    """One zip member, already compressed (``method`` 0 = stored, 8 = deflated)."""

    name: str
    method: int
    crc: int
    size: int
    data: bytes


def _deflate(name: str, payload: bytes) -> _Entry:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = compressor.compress(payload) + compressor.flush()
    return _Entry(name, zipfile.ZIP_DEFLATED, zlib.crc32(payload), len(payload), data)


def _raw_entries(data: bytes) -> dict[str, _Entry]:
    """Every member of the zip ``data`` with its compressed bytes, without decompressing."""
    entries: dict[str, _Entry] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise RenderError(f"{info.filename}: bagian templat terenkripsi; simpan ulang templat tanpa sandi")
            if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                offset = info.header_offset
                name_len, extra_len = struct.unpack("<HH", data[offset + 26 : offset + 30])
                start = offset + 30 + name_len + extra_len
                raw = data[start : start + info.compress_size]
                entries[info.filename] = _Entry(info.filename, info.compress_type, info.CRC, info.file_size, raw)
            else:  # bzip2/lzma members: Word cannot read them either, re-deflate
                entries[info.filename] = _deflate(info.filename, archive.read(info))
    return entries


def _dos_time(moment: float) -> tuple[int, int]:
    t = time.localtime(moment)
    year = max(t.tm_year, 1980)
    return (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2), ((year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday


def _write_zip(stream: Any, entries: Iterable[_Entry]) -> None:
    """Write a zip archive of already-compressed ``entries`` (no zip64: parts are small)."""
    dos_time, dos_date = _dos_time(time.time())
    central: list[bytes] = []
    offset = 0
    count = 0
    for entry in entries:
        try:
            name = entry.name.encode("ascii")
            flags = 0
        except UnicodeEncodeError:
            name = entry.name.encode("utf-8")
            flags = 0x800
        size_c = len(entry.data)
        if offset + size_c > 0xFFFFFFFF or count >= 0xFFFF:
            raise RenderError("dokumen terlalu besar untuk ditulis (lebih dari 4 GB)")
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, flags, entry.method, dos_time, dos_date,
            entry.crc, size_c, entry.size, len(name), 0,
        )
        stream.write(header)
        stream.write(name)
        stream.write(entry.data)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, entry.method, dos_time, dos_date,
                entry.crc, size_c, entry.size, len(name), 0, 0, 0, 0, 0, offset,
            )
            + name
        )
        offset += len(header) + len(name) + size_c
        count += 1
    directory = b"".join(central)
    stream.write(directory)
    stream.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), offset, 0))


# --------------------------------------------------------------------------- docxtpl steps


_PARAGRAPH_OPEN = re.compile(r"<w:p(?: [^>]*)?>")
_LISTING_CHAR = re.compile("[\t\a\n\f]")


def _resolve_listing(xml: str) -> str:
    """docxtpl's resolve_listing (tabs, line and page breaks in values), faster.

    docxtpl scans the whole part with ``<w:p(?: [^>]*)?>.*?</w:p>`` and rewrites the text
    runs of each paragraph found. The same paragraphs are found here with C-level
    searches, and docxtpl's own function is applied only to those holding one of the
    characters it replaces (the others come out unchanged).
    """
    hits = [m.start() for m in _LISTING_CHAR.finditer(xml)]
    if not hits:
        return xml
    pieces: list[str] = []
    done = 0  # xml[:done] is in pieces
    position = 0
    hit = 0
    while hit < len(hits):
        opening = _PARAGRAPH_OPEN.search(xml, position)
        if opening is None:
            break
        close = xml.find("</w:p>", opening.end())
        if close < 0:
            break
        start, end = opening.start(), close + len("</w:p>")
        while hit < len(hits) and hits[hit] < start:
            hit += 1
        if hit < len(hits) and hits[hit] < end:
            pieces.append(xml[done:start])
            pieces.append(DocxTemplate.resolve_listing(None, xml[start:end]))
            done = end
        position = end
    pieces.append(xml[done:])
    return "".join(pieces)


def _after_render(xml: str) -> str:
    """docxtpl's steps after Jinja (DocxTemplate.render_xml_part), in its order."""
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    return _resolve_listing(xml)


def _fix_table_grids(tree: Any) -> None:
    """Make each table's ``w:tblGrid`` match its widest row (as docxtpl's fix_tables does).

    Works on the parsed tree, so the body is parsed once, strictly.
    """
    for table in tree.iter(_W_TBL):
        grid = table.find(_W_TBLGRID)
        if grid is None:
            continue
        columns = grid.findall(_W_GRIDCOL)
        to_add = 0
        for row in table.iter(_W_TR):
            cells = len(row.findall(_W_TC))
            if len(columns) + to_add < cells:
                to_add = cells - len(columns)
        if to_add > 0:
            width = sum(float(c.get(_W_W)) for c in columns if c.get(_W_W) is not None)
            if width > 0:
                old_average = width / len(columns)
                new_average = width / (len(columns) + to_add)
                for column in columns:
                    column.set(_W_W, str(int(float(column.get(_W_W)) * new_average / old_average)))
                for _ in range(to_add):
                    etree.SubElement(grid, _W_GRIDCOL, {_W_W: str(int(new_average))})
        columns = grid.findall(_W_GRIDCOL)
        widest = 0
        for row in table.iter(_W_TR):
            span = 0
            for cell in row.findall(_W_TC):
                props = cell.find(_W_TCPR)
                grid_span = None if props is None else props.find(_W_GRIDSPAN)
                span += int(grid_span.get(_W_VAL)) if grid_span is not None else 1
            widest = max(widest, span)
        to_remove = len(columns) - widest
        if to_remove > 0:
            removed = 0.0
            for column in columns[-to_remove:]:
                removed += float(column.get(_W_W))
                grid.remove(column)
            left = grid.findall(_W_GRIDCOL)
            extra = int(removed / len(left)) if left else 0
            for column in left:
                column.set(_W_W, str(int(float(column.get(_W_W)) + extra)))


def _fix_docpr_ids(tree: Any) -> None:
    """Number every ``wp:docPr`` from 1001, as docxtpl does, so pictures never collide."""
    for number, element in enumerate(tree.iter(_WP_DOCPR), start=1001):
        element.set("id", str(number))


def _is_constant(source: str) -> bool:
    return not any(marker in source for marker in _JINJA_MARKERS)


# --------------------------------------------------------------------------- pictures

_IMAGE_CACHE: OrderedDict[tuple[str, int, int], _DocxImage] = OrderedDict()
_MEDIA_CACHE: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
_CACHE_LIMIT = 64


def _load_image(path: str) -> _DocxImage:
    try:
        stat = os.stat(path)
    except OSError:
        raise RenderError(f"gambar tidak ditemukan: {path}") from None
    key = (path, stat.st_mtime_ns, stat.st_size)
    image = _IMAGE_CACHE.get(key)
    if image is None:
        try:
            image = _DocxImage.from_file(path)
        except OSError as exc:
            raise RenderError(f"gambar tidak dapat dibaca: {path}: {exc}") from None
        except Exception as exc:  # python-docx raises its own UnrecognizedImageError
            raise RenderError(f"{path}: bukan gambar yang dikenal ({exc.__class__.__name__})") from None
        _IMAGE_CACHE[key] = image
        while len(_IMAGE_CACHE) > _CACHE_LIMIT:
            _IMAGE_CACHE.popitem(last=False)
    return image


def _media_entry(name: str, image: _DocxImage) -> _Entry:
    key = (name, image.sha1)
    entry = _MEDIA_CACHE.get(key)
    if entry is None:
        entry = _deflate(name, image.blob)
        _MEDIA_CACHE[key] = entry
        while len(_MEDIA_CACHE) > _CACHE_LIMIT:
            _MEDIA_CACHE.popitem(last=False)
    return entry


@dataclass(frozen=True)
class _Rel:
    rid: str
    reltype: str
    target_ref: str
    external: bool
    target: str | None  # partname of an internal target


@dataclass
class _TemplateImage:
    partname: str
    blob: bytes
    sha1: str
    image: _DocxImage | None = None  # parsed on first use (python-docx: Image.from_blob)


@dataclass(frozen=True)
class _PictureXml:
    xml: str  # what docxtpl's InlineImage reads from python-docx's new_pic_inline() result


@functools.lru_cache(maxsize=256)
def _inline_xml(shape_id: int, rid: str, filename: str, cx: int, cy: int) -> str:
    return CT_Inline.new_pic_inline(shape_id, rid, filename, Emu(cx), Emu(cy)).xml


class _PartShim:
    """Stands in for a python-docx story part while a part renders (InlineImage calls it)."""

    def __init__(self, state: _RenderState, partname: str, next_id: int, *, pictures: bool = True) -> None:
        self.state = state
        self.partname = partname
        self.next_id = next_id
        self.pictures = pictures

    def new_pic_inline(self, descriptor: Any, width: Any = None, height: Any = None) -> Any:
        if not self.pictures:
            raise RenderError(f"{self.state.compiled.path}: gambar tidak dapat ditaruh di catatan kaki")
        if isinstance(descriptor, os.PathLike):
            descriptor = os.fspath(descriptor)
        if isinstance(descriptor, str):
            image = _load_image(descriptor)
        elif callable(getattr(descriptor, "read", None)) and callable(getattr(descriptor, "seek", None)):
            try:  # a file-like object, as python-docx takes it
                image = _DocxImage.from_file(descriptor)
            except Exception as exc:
                raise RenderError(f"gambar tidak dapat dibaca ({exc.__class__.__name__}: {exc})") from None
        else:
            raise RenderError(f"gambar harus berupa path berkas atau berkas terbuka, bukan {type(descriptor).__name__}")
        image_partname, part_image = self.state.image_part(image)
        rid = self.state.relate_image(self.partname, image_partname)
        cx, cy = part_image.scaled_dimensions(width, height)
        return _PictureXml(_inline_xml(self.next_id, rid, part_image.filename, int(cx), int(cy)))

    def relate_to(self, target: Any, reltype: str, is_external: bool = False) -> str:
        """An external relationship of this part (docxtpl's InlineImage ``anchor`` link)."""
        if not is_external or not isinstance(target, str):
            raise RenderError("relasi internal tidak dapat dibuat dari templat")
        return self.state.relate_external(self.partname, reltype, target)


class _RenderState:
    """Per-document bookkeeping: new image parts and relationships (what python-docx tracks)."""

    def __init__(self, compiled: CompiledTemplate) -> None:
        self.compiled = compiled
        self.current_rendering_part: _PartShim | None = None  # read by docxtpl's InlineImage
        self.new_images: list[tuple[str, _DocxImage]] = []
        self.added_rels: dict[str, list[_Rel]] = {}
        self.page_number_parts = False  # the layout's page-number parts are referred to
        self.new_parts: list[tuple[str, str]] = []  # (partname, content type) of added XML parts

    def image_part(self, image: _DocxImage) -> tuple[str, _DocxImage]:
        for known in self.compiled._images:
            if known.sha1 == image.sha1:
                if known.image is None:
                    known.image = _DocxImage.from_blob(known.blob)
                return known.partname, known.image
        for partname, new in self.new_images:
            if new.sha1 == image.sha1:
                return partname, new
        used = self.compiled._image_numbers + [PackURI(p).idx for p, _ in self.new_images]
        count = len(used)
        number = next((n for n in range(1, count + 1) if n not in used), count + 1)
        partname = f"/word/media/image{number}.{image.ext}"
        self.new_images.append((partname, image))
        return partname, image

    def relate_image(self, source: str, image_partname: str) -> str:
        rels = self.compiled._rels.get(source, []) + self.added_rels.get(source, [])
        for rel in rels:
            if rel.reltype == RT.IMAGE and not rel.external and rel.target == image_partname:
                return rel.rid
        taken = {rel.rid for rel in rels}
        rid = next(f"rId{n}" for n in range(1, len(rels) + 2) if f"rId{n}" not in taken)
        ref = PackURI(image_partname).relative_ref(PackURI(source).baseURI)
        self.added_rels.setdefault(source, []).append(_Rel(rid, RT.IMAGE, ref, False, image_partname))
        return rid

    def relate_external(self, source: str, reltype: str, url: str) -> str:
        """The id of the external relationship ``source`` -> ``url`` (python-docx's
        ``get_or_add_ext_rel``: an existing one is reused, else the first free ``rIdN``)."""
        rels = self.compiled._rels.get(source, []) + self.added_rels.get(source, [])
        for rel in rels:
            if rel.reltype == reltype and rel.external and rel.target_ref == url:
                return rel.rid
        taken = {rel.rid for rel in rels}
        rid = next(f"rId{n}" for n in range(1, len(rels) + 2) if f"rId{n}" not in taken)
        self.added_rels.setdefault(source, []).append(_Rel(rid, reltype, url, True, None))
        return rid

    def links(self, xml: str, source: str) -> str:
        """``xml`` with its :func:`~sopdocs.docx.engine.url_id` links related from ``source``."""
        return resolve_links(xml, lambda url: self.relate_external(source, RT.HYPERLINK, url))


class _NeedsPlain(Exception):
    """A render only plain docxtpl can do (a postprocess callback needs a Document)."""


def _fast_resolver(data: TemplateData, state: _RenderState) -> Callable[[int], str]:
    """Place the pictures of ``data`` (:class:`~sopdocs.docx.engine.DeferredMarker` values)
    through docxtpl's InlineImage bound to ``state``, made only when the template prints one
    (the template never sees it). A caller's InlineImage is re-made bound to ``state``."""

    def resolve(index: int) -> str:
        image = data.objects[index]
        if isinstance(image, Image):
            picture = InlineImage(
                state,
                str(image.path),
                width=Mm(image.width_mm) if image.width_mm else None,
                height=Mm(image.height_mm) if image.height_mm else None,
            )
        elif isinstance(image, InlineImage):
            picture = InlineImage(
                state, image.image_descriptor, image.width, image.height, getattr(image, "anchor", None)
            )
        else:  # pragma: no cover - to_template_data makes markers only for these
            raise RenderError(f"nilai {type(image).__name__} tidak dapat ditaruh dalam dokumen")
        return str(picture.__html__())

    return resolve


# --------------------------------------------------------------------------- errors


class _JinjaErrors:
    """Turn Jinja failures into the RenderError messages render_docx gives."""

    def __init__(self, template: Path) -> None:
        self.template = template

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> Literal[False]:
        if exc is None or isinstance(exc, SopdocsError) or not isinstance(exc, Exception):
            return False
        template = self.template
        line = getattr(exc, "template_line", None)
        where = f" (baris XML {line})" if line is not None else ""
        if isinstance(exc, SecurityError):
            message = f"{template}: ditolak oleh sandbox (templat mencoba mengakses bagian dalam Python){where}: {exc}"
        elif isinstance(exc, jinja2.UndefinedError):
            message = f"{template}: {exc.message}{where}"
        elif isinstance(exc, jinja2.TemplateSyntaxError):
            message = syntax_error_message(template, "", exc.source or "", exc)
        elif isinstance(exc, jinja2.TemplateError):
            message = f"{template}: {exc}{where}"
        elif isinstance(exc, TemplateLimitError):
            message = f"{template}: batas templat terlampaui{where}: {exc}"
        elif isinstance(exc, TemplateFilterError):
            message = f"{template}{where}: {exc}"
        elif isinstance(exc, RecursionError):
            message = f"{template}: templat memanggil dirinya terlalu dalam (rekursi){where}"
        elif isinstance(exc, MemoryError):
            message = f"{template}: templat memakai memori terlalu banyak{where}"
        elif isinstance(exc, ZeroDivisionError):
            message = f"{template}: pembagian dengan nol dalam templat{where}"
        else:
            message = f"{template}: galat saat merender templat{where}: {exc.__class__.__name__}: {exc}"
        raise RenderError(message) from None


def syntax_error_message(path: Path, where: str, source: str, exc: jinja2.TemplateSyntaxError) -> str:
    """A Jinja syntax error, naming the template file, the part, the line (one paragraph
    per line: docxtpl puts each ``<w:p`` on a line of its own) and that line's text."""
    line = exc.lineno or 0
    lines = source.splitlines()
    text = re.sub(r"<[^>]+>", "", lines[line - 1]).strip() if 0 < line <= len(lines) else ""
    shown = f': "{text[:80]}{"…" if len(text) > 80 else ""}"' if text else ""
    part = f"{where}, " if where else ""
    return f"{path}: templat rusak ({part}baris {line}{shown}): {exc.message}"


def unknown_filters_message(path: Path | str, names: Sequence[str]) -> str:
    return (
        f"{path}: templat rusak: filter tidak dikenal: {', '.join(names)} "
        "(filter buatan sendiri diberikan lewat filters={nama: fungsi})"
    )


def _parse_strict(xml: bytes, parser: Any = None) -> Any:
    try:
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise RenderError(f"hasil render bukan XML yang sah ({exc}); laporkan sebagai bug") from None


# --------------------------------------------------------------------------- compiled template


@dataclass
class _TemplatedPart:
    partname: str
    kind: str  # "header"/"footer" (XmlPart, re-parsed) or "footnotes" (raw blob)
    template: jinja2.Template | None
    next_id: int
    constant: _Entry | None = None


_TEMPLATE_CACHE: OrderedDict[Path, tuple[tuple[int, int, int], CompiledTemplate]] = OrderedDict()
_TEMPLATE_CACHE_LIMIT = 16
_TEMPLATE_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every compiled template (they are otherwise kept while their file is unchanged)."""
    with _TEMPLATE_LOCK:
        _TEMPLATE_CACHE.clear()


class CompiledTemplate:
    """A .docx template prepared once; :meth:`render` writes one document in about a millisecond."""

    path: Path
    variables: frozenset[str]

    @classmethod
    def load(cls, path: Path | str) -> CompiledTemplate:
        """The compiled form of ``path``, reused while the file's mtime, size and inode stay the same."""
        path = Path(path)
        try:
            stat = os.lstat(path)
            resolved = path.resolve()
        except OSError:
            raise RenderError(f"templat tidak ditemukan: {path}") from None
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        with _TEMPLATE_LOCK:
            cached = _TEMPLATE_CACHE.get(resolved)
            if cached is not None and cached[0] == key:
                _TEMPLATE_CACHE.move_to_end(resolved)
                return cached[1]
        compiled = cls(path, read_template(path), checked=True)  # refuses links, FIFOs, bombs...
        with _TEMPLATE_LOCK:
            _TEMPLATE_CACHE[resolved] = (key, compiled)
            _TEMPLATE_CACHE.move_to_end(resolved)
            while len(_TEMPLATE_CACHE) > _TEMPLATE_CACHE_LIMIT:
                _TEMPLATE_CACHE.popitem(last=False)
        return compiled

    def __init__(self, path: Path, data: bytes, *, checked: bool = False) -> None:
        """Prepare ``data`` (the bytes of the .docx at ``path``); prefer :meth:`load`.

        ``data`` is checked (:func:`~sopdocs.docx.engine.check_template_package`) unless
        ``checked`` says it already was."""
        self.path = Path(path)
        if not checked:
            check_template_package(data, self.path)
        self.env: SandboxedEnvironment = make_environment()
        self._memo: dict[Any, _Entry] = {}
        try:
            tpl = DocxTemplate(io.BytesIO(data))
            tpl.init_docx()
        except Exception as exc:  # not a zip, not a Word package...
            raise RenderError(f"{path}: bukan berkas .docx yang dapat dibaca ({exc})") from None
        try:
            self._prepare(tpl, data)
        except SopdocsError:
            raise
        except Exception as exc:  # a package python-docx read but that is not sound
            raise RenderError(f"{path}: templat tidak dapat disiapkan ({exc.__class__.__name__}: {exc})") from None

    def _prepare(self, tpl: DocxTemplate, data: bytes) -> None:
        document = tpl.docx
        # docxtpl's render_properties creates the core-properties part when it is missing.
        core = document.core_properties
        package = document.part.package
        parts = list(package.iter_parts())
        self._core_partname = next(
            (str(p.partname) for p in parts if p.content_type == CT.OPC_CORE_PROPERTIES), "/docProps/core.xml"
        )
        raw = _raw_entries(data)
        self._compile_body(tpl)
        self._compile_headers_footers(tpl)
        self._compile_variables()
        self._compile_footnotes(tpl, parts)
        self._compile_core(core)
        self._collect_package(package, parts, raw)

    # -- preparation ------------------------------------------------------------------

    def _from_string(self, source: str, where: str = "") -> jinja2.Template:
        try:
            return self.env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(syntax_error_message(self.path, where, source, exc)) from None

    def _compile_body(self, tpl: DocxTemplate) -> None:
        self._body_source = tpl.patch_xml(tpl.get_xml())
        part = tpl.docx.part
        self._body = self._from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", self._body_source), str(part.partname)[1:])
        self._document_partname = str(part.partname)
        self._document_next_id = part.next_id
        skeleton = copy.deepcopy(tpl.docx.element)
        body = skeleton.find(qn("w:body"))
        self._body_index = skeleton.index(body)
        skeleton.remove(body)
        self._skeleton = skeleton

    def _compile_headers_footers(self, tpl: DocxTemplate) -> None:
        self._hdrftr: list[_TemplatedPart] = []
        self._hdrftr_sources: list[str] = []
        seen: set[str] = set()
        for uri, kind in ((tpl.HEADER_URI, "header"), (tpl.FOOTER_URI, "footer")):
            for _rel_key, part in tpl.get_headers_footers(uri):
                source = tpl.patch_xml(tpl.get_part_xml(part))
                self._hdrftr_sources.append(source)
                partname = str(part.partname)
                if partname in seen:
                    continue
                seen.add(partname)
                templated = _TemplatedPart(
                    partname, kind, self._from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", source), partname[1:]),
                    part.next_id,
                )
                if _is_constant(source):
                    templated.constant = self._render_hdrftr(templated, {}, _RenderState(self))
                    templated.template = None
                self._hdrftr.append(templated)

    def _compile_variables(self) -> None:
        # The same text template_variables() parses: body, then headers, then footers.
        source = self._body_source + "".join(self._hdrftr_sources)
        try:
            names = meta.find_undeclared_variables(self.env.parse(source))
            #: filters the templated parts use that are no Jinja/sopdocs filter: the caller's
            self.filter_names = frozenset(unknown_filters(self.env, source))
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(syntax_error_message(self.path, "", source, exc)) from None
        self.variables = frozenset(set(names) - set(self.env.globals))
        del self._hdrftr_sources

    def _compile_footnotes(self, tpl: DocxTemplate, parts: list[Any]) -> None:
        self._footnotes: list[_TemplatedPart] = []
        for part in parts:
            if part.content_type != CT.WML_FOOTNOTES:
                continue
            blob = part.blob
            source = tpl.patch_xml(blob.decode("utf-8") if isinstance(blob, bytes) else blob)
            partname = str(part.partname)
            templated = _TemplatedPart(
                partname, "footnotes", self._from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", source), partname[1:]), 0
            )
            if _is_constant(source):
                templated.constant = self._render_footnotes(templated, {}, _RenderState(self))
                templated.template = None
            self._footnotes.append(templated)

    def _compile_core(self, core: CoreProperties) -> None:
        element = core._element
        self._core_element = copy.deepcopy(element)
        self._core_templates: dict[str, jinja2.Template] = {}
        constants: dict[str, str] = {}
        for name in _CORE_PROPERTIES:
            initial = getattr(core, name)
            template = self._from_string(initial, f"properti dokumen {name}")
            if _is_constant(initial):
                constants[name] = template.render({})
            else:
                self._core_templates[name] = template
        self._core_constants = constants
        self._core_entry: _Entry | None = None
        if not self._core_templates:
            self._core_entry = self._render_core({})

    def _collect_package(self, package: Any, parts: list[Any], raw: dict[str, _Entry]) -> None:
        rendered = {self._document_partname, self._core_partname}
        rendered |= {p.partname for p in self._hdrftr} | {p.partname for p in self._footnotes}
        self._parts: list[tuple[str, str]] = [(str(p.partname), p.content_type) for p in parts]
        self._styles_partname = next((name for name, ctype in self._parts if ctype == CT.WML_STYLES), None)
        self._rels: dict[str, list[_Rel]] = {}
        self._rels_entries: dict[str, _Entry] = {}
        self._static: dict[str, _Entry] = {}  # untouched parts, template bytes as they are
        # zip order: python-docx's (content types, package rels, then each part and its rels);
        # items are (partname, None) for a part, (rels name, source partname) for a rels item.
        self._order: list[tuple[str, str | None]] = []
        for source in [package, *parts]:
            partname = "/" if source is package else str(source.partname)
            rels = [
                _Rel(
                    rel.rId, rel.reltype, rel.target_ref, rel.is_external,
                    None if rel.is_external else str(rel.target_part.partname),
                )
                for rel in source.rels.values()
            ]
            if partname != "/":
                self._order.append((partname, None))
                if partname not in rendered:
                    entry = raw.get(partname[1:])
                    self._static[partname] = entry if entry is not None else _deflate(partname[1:], source.blob)
            if not rels:
                continue
            self._rels[partname] = rels
            rels_name = PackURI(partname).rels_uri if partname != "/" else PackURI("/_rels/.rels")
            self._order.append((str(rels_name), partname))
            template_rels = raw.get(str(rels_name)[1:])
            if template_rels is not None and self._rel_ids(template_rels) == {r.rid for r in rels}:
                self._rels_entries[partname] = template_rels
            else:
                self._rels_entries[partname] = _deflate(str(rels_name)[1:], source.rels.xml)
        self._images = [
            _TemplateImage(str(part.partname), part.blob, part.sha1) for part in package.image_parts
        ]
        self._image_numbers = [part.partname.idx for part in package.image_parts]
        self._content_types = self._content_types_entry([])

    @staticmethod
    def _rel_ids(entry: _Entry) -> set[str]:
        data = entry.data if entry.method == zipfile.ZIP_STORED else zlib.decompress(entry.data, -15)
        root = etree.fromstring(data)
        return {rel_id for el in root if (rel_id := el.get("Id")) is not None}

    def _content_types_entry(self, extra: list[tuple[str, str]]) -> _Entry:
        key = ("[Content_Types].xml", tuple(extra))
        entry = self._memo.get(key)
        if entry is None:
            parts = [_PartInfo(PackURI(name), ctype) for name, ctype in self._parts + extra]
            entry = _deflate("[Content_Types].xml", _ContentTypesItem.from_parts(parts).blob)
            self._remember(key, entry)
        return entry

    def _remember(self, key: Any, entry: _Entry) -> None:
        """Keep a generated entry (same pictures, same bytes) for the next documents."""
        if len(self._memo) >= 256:
            self._memo.clear()
        self._memo[key] = entry

    # -- rendering parts ----------------------------------------------------------------

    def _render_body(self, values: dict[str, Any], state: _RenderState, paper: Paper | None) -> _Entry:
        state.current_rendering_part = _PartShim(state, self._document_partname, self._document_next_id)
        with _JinjaErrors(self.path):
            xml = self._body.render(values)
        xml = state.links(_after_render(xml), self._document_partname)
        tree = _parse_strict(xml.encode("utf-8"), _body_parser())
        _fix_table_grids(tree)
        _fix_docpr_ids(tree)
        root = copy.deepcopy(self._skeleton)
        root.insert(self._body_index, tree)
        if paper is not None:
            design_width = layout_text_width(root)  # the template's, before the profile's paper
            _apply_paper(root, paper)
            if paper.layout is not None and apply_sections(root, self._own_layout(paper.layout), design_width):
                state.page_number_parts = True
        return _deflate(self._document_partname[1:], serialize_part_xml(root))

    def _own_layout(self, layout: PageLayout) -> PageLayout:
        """``layout`` without page numbers when the template already has parts by their names."""
        taken = {name for name, _ in self._parts} | {r.rid for r in self._rels.get(self._document_partname, [])}
        if any(rid in taken or name in taken for rid, name, _ in added_parts(layout)):
            return dataclasses.replace(layout, page_number="")
        return layout

    def _styles_entry(self, layout: PageLayout) -> _Entry | None:
        """The styles part with the layout's fonts and sizes (one per layout, remembered)."""
        if self._styles_partname is None:
            return None
        key = ("styles", layout)
        entry = self._memo.get(key)
        if entry is None:
            static = self._static[self._styles_partname]
            data = static.data if static.method == zipfile.ZIP_STORED else zlib.decompress(static.data, -15)
            styles = _parse_strict(data)
            apply_styles(styles, layout)
            entry = _deflate(self._styles_partname[1:], serialize_part_xml(styles))
            self._remember(key, entry)
        return entry

    def _layout_entries(self, layout: PageLayout, state: _RenderState, fresh: dict[str, _Entry]) -> list[_Entry]:
        """Styles changed in ``fresh``; the page-number parts (returned) related from the body."""
        styles = self._styles_entry(layout)
        if styles is not None and self._styles_partname is not None:
            fresh[self._styles_partname] = styles
        if not state.page_number_parts:
            return []
        content_type, reltype = layout.part_type
        made = []
        for rid, partname, xml in added_parts(layout):
            ref = PackURI(partname).relative_ref(PackURI(self._document_partname).baseURI)
            state.added_rels.setdefault(self._document_partname, []).append(_Rel(rid, reltype, ref, False, partname))
            state.new_parts.append((partname, content_type))
            key = ("layout part", partname, xml)
            entry = self._memo.get(key)
            if entry is None:
                entry = _deflate(partname[1:], xml)
                self._remember(key, entry)
            made.append(entry)
        return made

    def _render_hdrftr(self, part: _TemplatedPart, values: dict[str, Any], state: _RenderState) -> _Entry:
        if part.constant is not None:
            return part.constant
        assert part.template is not None
        state.current_rendering_part = _PartShim(state, part.partname, part.next_id)
        with _JinjaErrors(self.path):
            xml = part.template.render(values)
        xml = state.links(_after_render(xml), part.partname)
        key = (part.partname, xml)  # headers are often the same in every document of a batch
        entry = self._memo.get(key)
        if entry is None:
            try:  # as docxtpl's map_headers_footers_xml: XmlPart.load parses with python-docx's parser
                element = _parse_oxml(xml.encode("utf-8"))
            except etree.XMLSyntaxError as exc:
                raise RenderError(f"hasil render bukan XML yang sah ({exc}); laporkan sebagai bug") from None
            entry = _deflate(part.partname[1:], serialize_part_xml(element))
            self._remember(key, entry)
        return entry

    def _render_footnotes(self, part: _TemplatedPart, values: dict[str, Any], state: _RenderState) -> _Entry:
        if part.constant is not None:
            return part.constant
        assert part.template is not None
        state.current_rendering_part = _PartShim(state, part.partname, 0, pictures=False)
        with _JinjaErrors(self.path):
            xml = part.template.render(values)
        payload = state.links(_after_render(xml), part.partname).encode("utf-8")
        _parse_strict(payload)  # docxtpl writes footnotes unchecked; we refuse broken XML
        return _deflate(part.partname[1:], payload)

    def _render_core(self, values: dict[str, Any], properties: Mapping[str, Any] | None = None) -> _Entry:
        if self._core_entry is not None and not properties:
            return self._core_entry
        texts = dict(self._core_constants)
        with _JinjaErrors(self.path):
            for name, template in self._core_templates.items():
                texts[name] = template.render(values)
        key: tuple[Any, ...] | None = (self._core_partname, tuple(texts.items()), tuple((properties or {}).items()))
        try:
            entry = self._memo.get(key)
        except TypeError:  # a property value that cannot be hashed: no reuse
            key, entry = None, None
        if entry is not None:
            return entry
        element = copy.deepcopy(self._core_element)
        props = CoreProperties(element)
        for name in _CORE_PROPERTIES:
            setattr(props, name, _fit_property(texts[name]))
        for name, value in (properties or {}).items():
            if name.startswith("_") or not isinstance(getattr(CoreProperties, name, None), property):
                raise RenderError(f"properti dokumen tidak dikenal: {name}")
            if isinstance(value, str):
                value = _fit_property(value)
            try:
                setattr(props, name, value)
            except ValueError as exc:
                raise RenderError(f"properti dokumen '{name}': {exc}") from None
        entry = _deflate(self._core_partname[1:], serialize_part_xml(element))
        if key is not None:
            self._remember(key, entry)
        return entry

    # -- public -------------------------------------------------------------------------

    def render(
        self,
        context: Mapping[str, Any],
        out: Path | str,
        *,
        paper: Paper | str | None = None,
        properties: Mapping[str, Any] | None = None,
        postprocess: Callable[[Any], None] | None = None,
        filters: Mapping[str, Callable[..., Any]] | None = None,
    ) -> Path:
        """Render ``context`` into the .docx ``out`` (atomically) and return ``out``.

        Same rules and messages as :func:`sopdocs.docx.render.render_docx`. On the fast path,
        ``paper`` sets every section's paper size (as :func:`~sopdocs.docx.render.paper_setter`)
        and ``properties`` sets core properties after docxtpl's own pass (python-docx
        names: title, subject, keywords...). ``postprocess`` (a callback taking a
        python-docx Document) sends this document through the plain docxtpl path.
        ``filters`` are the caller's own Jinja filters (:func:`~sopdocs.docx.engine.custom_filters`).
        """
        out = Path(out)
        paper = _as_paper(paper)
        try:
            if postprocess is not None:
                raise _NeedsPlain
            entries = self._build(context, paper, properties, filters)
        except _NeedsPlain:
            callback = _chain(paper, properties, postprocess)
            return render_plain(self.path, context, out, postprocess=callback, filters=filters)
        tmp = atomic_path(out)
        try:
            with open(tmp, "wb") as stream:
                _write_zip(stream, entries)
            guard_output(tmp, name=str(out))  # never a package with dangling references
            os.replace(tmp, out)
        finally:
            if tmp.exists():
                tmp.unlink()
        return out

    def render_bytes(
        self,
        context: Mapping[str, Any],
        *,
        paper: Paper | str | None = None,
        properties: Mapping[str, Any] | None = None,
        filters: Mapping[str, Callable[..., Any]] | None = None,
    ) -> bytes:
        """The rendered .docx as bytes (fast path only; no file is written)."""
        entries = self._build(context, _as_paper(paper), properties, filters)
        stream = io.BytesIO()
        _write_zip(stream, entries)
        return stream.getvalue()

    def _build(
        self,
        context: Mapping[str, Any],
        paper: Paper | None,
        properties: Mapping[str, Any] | None = None,
        filters: Mapping[str, Callable[..., Any]] | None = None,
    ) -> list[_Entry]:
        own_filters = custom_filters(filters)
        unknown = sorted(self.filter_names - set(own_filters))
        if unknown:
            raise RenderError(unknown_filters_message(self.path, unknown))
        data = to_template_data(context)
        values = data.values
        missing = sorted(self.variables - set(values))
        if missing:
            raise RenderError(f"{self.path}: variabel templat tidak tersedia untuk dokumen ini: {', '.join(missing)}")
        for picture in data.images:
            if not Path(picture.path).is_file():
                raise RenderError(f"gambar tidak ditemukan: {picture.path}")
        state = _RenderState(self)
        with render_session(_fast_resolver(data, state), own_filters):
            fresh: dict[str, _Entry] = {self._document_partname: self._render_body(values, state, paper)}
            for part in self._hdrftr:
                fresh[part.partname] = self._render_hdrftr(part, values, state)
            core = self._render_core(values, properties)
            for part in self._footnotes:
                fresh[part.partname] = self._render_footnotes(part, values, state)
            fresh[self._core_partname] = core
        layout_parts = self._layout_entries(paper.layout, state, fresh) if paper and paper.layout else []

        if state.new_images or state.new_parts:
            content_types = self._content_types_entry(
                [(p, img.content_type) for p, img in state.new_images] + state.new_parts)
        else:
            content_types = self._content_types
        entries = [content_types]
        for name, source in self._order:
            if source is None:
                entries.append(fresh.get(name) or self._static[name])
            elif source in state.added_rels:
                entries.append(self._rels_with(source, name, state.added_rels[source]))
            else:
                entries.append(self._rels_entries[source])
        for source, added in state.added_rels.items():
            if source not in self._rels:  # a part that had no relationships before
                entries.append(self._rels_with(source, str(PackURI(source).rels_uri), added))
        for partname, image in state.new_images:
            entries.append(_media_entry(partname[1:], image))
        entries.extend(layout_parts)
        return entries

    def _rels_with(self, source: str, rels_name: str, added: list[_Rel]) -> _Entry:
        key = (rels_name, tuple(added))
        entry = self._memo.get(key)
        if entry is None:
            element = CT_Relationships.new()
            for rel in self._rels.get(source, []) + added:
                element.add_rel(rel.rid, rel.reltype, rel.target_ref, rel.external)
            entry = _deflate(rels_name[1:], element.xml)
            self._remember(key, entry)
        return entry


@dataclass(frozen=True)
class _PartInfo:
    partname: PackURI
    content_type: str


def _as_paper(paper: Paper | str | None) -> Paper | None:
    if paper is None or isinstance(paper, Paper):
        result = paper
    else:
        result = Paper(str(paper))
    if result is not None and (result.name or result.layout is None):
        from sopdocs.definitions.profile import PAPER_MM

        if result.name not in PAPER_MM:
            raise RenderError(f"ukuran kertas tidak dikenal: {result.name} (pilihan: {', '.join(PAPER_MM)})")
    return result


def _apply_paper(root: Any, paper: Paper) -> None:
    # paper_setter only reads/writes each section's w:sectPr, so a Document wrapper
    # around the rendered element (no part) gives exactly its result.
    if not paper.name:  # a layout only: the template's page size and margins stay
        return
    paper_setter(paper.name, landscape=paper.landscape, margins=paper.margins)(_DocxDocument(root, None))  # type: ignore[arg-type]


def _chain(
    paper: Paper | None, properties: Mapping[str, Any] | None, postprocess: Callable[[Any], None] | None
) -> Callable[[Any], None] | None:
    """One python-docx postprocess doing what ``paper`` and ``properties`` do on the fast path."""
    if paper is None and not properties:
        return postprocess

    def apply(document: Any) -> None:
        if paper is not None:
            design_width = layout_text_width(document.element)
            if paper.name:
                paper_setter(paper.name, landscape=paper.landscape, margins=paper.margins)(document)
            if paper.layout is not None:
                apply_to_document(document, paper.layout, design_width)
        for name, value in (properties or {}).items():
            setattr(document.core_properties, name, value)
        if postprocess is not None:
            postprocess(document)

    return apply


# --------------------------------------------------------------------------- plain path


def render_plain(
    template: Path | str,
    context: Mapping[str, Any],
    out: Path | str,
    *,
    postprocess: Callable[[Any], None] | None = None,
    filters: Mapping[str, Callable[..., Any]] | None = None,
) -> Path:
    """Render with plain docxtpl (re-reads and recompiles the template every time).

    The reference the compiled path is tested against, and the fallback for what the fast
    path cannot do (postprocess callbacks). Same rules as render_docx today.
    """
    template = Path(template)
    out = Path(out)
    env = make_environment()
    own_filters = custom_filters(filters)
    data = to_template_data(context)
    values = data.values
    missing = sorted(template_variables(template, env) - set(values))
    if missing:
        raise RenderError(f"{template}: variabel templat tidak tersedia untuk dokumen ini: {', '.join(missing)}")
    tpl = open_docx_template(template)
    try:
        source = tpl.patch_xml(tpl.get_xml()) + "".join(
            tpl.patch_xml(tpl.get_part_xml(part))
            for uri in (tpl.HEADER_URI, tpl.FOOTER_URI)
            for _key, part in tpl.get_headers_footers(uri)
        )
        unknown = sorted(unknown_filters(env, source) - set(own_filters))
    except jinja2.TemplateSyntaxError:
        unknown = []  # reported by the render below
    if unknown:
        raise RenderError(unknown_filters_message(template, unknown))
    with render_session(plain_resolver(data, tpl), own_filters), _JinjaErrors(template):
        tpl.render(values, jinja_env=env, autoescape=True)
    if postprocess is not None:
        postprocess(tpl.docx)
    return atomic_save(tpl.save, out)


# --------------------------------------------------------------------------- progress bar


class ProgressBar:
    """A dependency-free text progress bar, usable as a ``progress(done, total)`` callback.

    Draws on ``stream`` (stderr by default) only when it is a terminal, or when ``force``.
    """

    def __init__(
        self,
        total: int | None = None,
        *,
        label: str = "",
        stream: TextIO | None = None,
        force: bool = False,
        width: int = 30,
        min_interval: float = 0.1,
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = force or bool(isatty and isatty())
        self.width = width
        self.min_interval = min_interval
        self._last = float("-inf")
        self._drawn = False
        self._line_len = 0

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        if not self.enabled:
            return
        now = time.monotonic()
        final = self.total is not None and done >= self.total
        if not final and now - self._last < self.min_interval:
            return
        self._last = now
        self._draw(done)

    def _draw(self, done: int) -> None:
        total = self.total or 0
        if total > 0:
            filled = min(self.width, self.width * done // total)
            bar = "#" * filled + "." * (self.width - filled)
            text = f"{done}/{total} {100 * done // total:3d}%"
        else:
            bar = "." * self.width
            text = f"{done}"
        line = f"{self.label} [{bar}] {text}" if self.label else f"[{bar}] {text}"
        pad = " " * max(0, self._line_len - len(line))
        self.stream.write("\r" + line + pad)
        self.stream.flush()
        self._line_len = len(line)
        self._drawn = True

    def close(self) -> None:
        """End the bar's line (only if something was drawn)."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
