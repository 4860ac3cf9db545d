"""Reading a .docx package safely: bounded, never trusting what it claims.

A Word file to import comes from anywhere. Before anything is parsed:

* only a regular file is opened (a FIFO or device could hang), at most
  :data:`MAX_DOCX_BYTES` big;
* the zip holds at most :data:`MAX_PARTS` parts; ``word/document.xml`` must be there;
* the part read is at most :data:`MAX_PART_BYTES` uncompressed and compressed at most
  :data:`MAX_COMPRESSION_RATIO` times (a zip bomb thousands of times); at most the
  declared size is ever decompressed;
* a part with a ``<!DOCTYPE``/``<!ENTITY`` (Word never writes one: entity bombs and
  external entities come that way) is refused; the parser never resolves entities,
  loads DTDs, goes to the network or accepts huge trees (libxml2 then limits depth).

Every refusal is an :class:`ImportRefused` with one line naming the file.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from sopdocs.kinds.sop.wordimport.findings import ImportRefused

#: Largest .docx file read.
MAX_DOCX_BYTES = 50_000_000
#: Most parts (files) in the zip package.
MAX_PARTS = 2_000
#: Largest uncompressed XML part read.
MAX_PART_BYTES = 30_000_000
#: Largest ratio of uncompressed to compressed size of a part (Word XML: 5-20 times).
MAX_COMPRESSION_RATIO = 200
#: A part this small may have any ratio (tiny parts compress oddly).
RATIO_FREE_BYTES = 1_000_000

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT_PART = "word/document.xml"
APP_PART = "docProps/app.xml"
HEADER_PART = re.compile(r"word/header\d{1,3}\.xml")
#: Most page headers read (Word writes at most three per section: first, even, default).
MAX_HEADERS = 12
EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
#: Largest docProps/app.xml read (it names the program that wrote the file).
MAX_APP_BYTES = 100_000


@dataclass(frozen=True)
class Section:
    """Page geometry of the section holding the activity table (twips)."""

    page_width: int = 16838
    page_height: int = 11906
    left: int = 1440
    right: int = 1440
    top: int = 1440
    bottom: int = 1440


@dataclass
class DocxPackage:
    path: Path
    body: etree._Element
    sections: list[tuple[etree._Element | None, Section]]  # (last body child of the section, its geometry)
    _section_by_child: dict[int, Section] | None = field(default=None, repr=False)
    headers: list[etree._Element] = field(default_factory=list)  # word/header*.xml roots (an identity part may be there)
    application: str = ""  # docProps/app.xml <Application>: "LibreOffice/7.4...", "Microsoft Office Word"

    @property
    def by_libreoffice(self) -> bool:
        """LibreOffice writes shapes anchored in a cell as relative to the page column
        (``layoutInCell="0"``) while it shows them relative to the cell."""
        return self.application.casefold().startswith(("libreoffice", "openoffice"))

    def section_of(self, element: etree._Element) -> Section:
        """The geometry of the section ``element`` (a body child) belongs to."""
        if self._section_by_child is None:
            self._section_by_child = {}
            ends = {id(end): section for end, section in self.sections if end is not None}
            pending: list[etree._Element] = []
            for child in self.body:
                pending.append(child)
                if id(child) in ends:
                    for node in pending:
                        self._section_by_child[id(node)] = ends[id(child)]
                    pending = []
        return self._section_by_child.get(id(element), self.sections[-1][1])


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def _has_doctype(data: bytes) -> bool:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    start = re.search(rb"<[A-Za-z_:]", data)
    prolog = (data[: start.start()] if start else data).upper()
    return b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    if info.file_size > MAX_PART_BYTES:
        raise ImportRefused(f"{path}: bagian {info.filename} terlalu besar ({info.file_size} byte; "
                            f"batas MAX_PART_BYTES {MAX_PART_BYTES})")
    if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise ImportRefused(f"{path}: bagian {info.filename} dimampatkan {info.file_size // max(info.compress_size, 1)} "
                            f"kali (batas MAX_COMPRESSION_RATIO {MAX_COMPRESSION_RATIO}); berkas ini tampaknya bom zip")
    with archive.open(info) as part:
        data = part.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise ImportRefused(f"{path}: bagian {info.filename} terlalu besar (batas MAX_PART_BYTES {MAX_PART_BYTES})")
    if _has_doctype(data):
        raise ImportRefused(f"{path}: bagian {info.filename} berisi deklarasi DOCTYPE/ENTITY (tidak pernah ditulis "
                            "Word; bisa berupa bom entitas); tidak dibaca")
    return data


def _twips(node: etree._Element | None, attr: str, default: int) -> int:
    if node is None:
        return default
    raw = node.get(f"{{{W}}}{attr}")
    if raw is None:
        return default
    try:
        value = int(float(raw))
    except ValueError:
        return default
    return value if -100_000 < value < 100_000 else default


def _section(sect_pr: etree._Element | None) -> Section:
    if sect_pr is None:
        return Section()
    size = sect_pr.find(f"{{{W}}}pgSz")
    margin = sect_pr.find(f"{{{W}}}pgMar")
    return Section(
        page_width=max(_twips(size, "w", 16838), 1), page_height=max(_twips(size, "h", 11906), 1),
        left=_twips(margin, "left", 1440), right=_twips(margin, "right", 1440),
        top=abs(_twips(margin, "top", 1440)), bottom=abs(_twips(margin, "bottom", 1440)),
    )


def _sections(body: etree._Element) -> list[tuple[etree._Element | None, Section]]:
    sections: list[tuple[etree._Element | None, Section]] = []
    for child in body:
        if child.tag == f"{{{W}}}p":
            sect_pr = child.find(f"{{{W}}}pPr/{{{W}}}sectPr")
            if sect_pr is not None:
                sections.append((child, _section(sect_pr)))
    sections.append((None, _section(body.find(f"{{{W}}}sectPr"))))
    return sections


def read_docx(path: Path) -> DocxPackage:
    """The parsed body of ``word/document.xml`` of the .docx at ``path``, within the limits."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ImportRefused(f"{path}: berkas tidak ada") from None
    except PermissionError:
        raise ImportRefused(f"{path}: tidak boleh dibaca (izin berkas)") from None
    except OSError as exc:
        raise ImportRefused(f"{path}: tidak dapat dibaca ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ImportRefused(f"{path}: bukan berkas biasa; tidak dibaca")
    if info.st_size > MAX_DOCX_BYTES:
        raise ImportRefused(f"{path}: berkas terlalu besar ({info.st_size} byte; batas MAX_DOCX_BYTES {MAX_DOCX_BYTES})")
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
        if head[:2] != b"PK":
            old = " (format .doc lama: simpan dulu sebagai .docx di Word atau LibreOffice)" if head == b"\xd0\xcf\x11\xe0" else ""
            raise ImportRefused(f"{path}: bukan dokumen Word .docx{old}")
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_PARTS:
                raise ImportRefused(f"{path}: paket berisi {len(infos)} bagian (batas MAX_PARTS {MAX_PARTS})")
            part = next((i for i in infos if i.filename == DOCUMENT_PART), None)
            if part is None:
                raise ImportRefused(f"{path}: bukan dokumen Word .docx ({DOCUMENT_PART} tidak ada)")
            data = _read_part(archive, part, path)
            headers = [etree.fromstring(_read_part(archive, info, path), _parser())
                       for info in sorted(infos, key=lambda i: i.filename) if HEADER_PART.fullmatch(info.filename)][:MAX_HEADERS]
            app = next((i for i in infos if i.filename == APP_PART), None)
            application = ""
            if app is not None and app.file_size <= MAX_APP_BYTES:
                app_root = etree.fromstring(_read_part(archive, app, path), _parser())
                application = (app_root.findtext(f"{{{EXTENDED}}}Application") or "").strip()[:100]
        root = etree.fromstring(data, _parser())
    except ImportRefused:
        raise
    except RecursionError:
        raise ImportRefused(f"{path}: dokumen Word tidak terbaca (XML bersarang terlalu dalam)") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, etree.XMLSyntaxError, OSError, ValueError, KeyError,
            NotImplementedError, EOFError, zlib.error, RuntimeError) as exc:
        raise ImportRefused(f"{path}: dokumen Word tidak terbaca ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0][:120] if str(exc) else 'rusak'})") from None
    body = root.find(f"{{{W}}}body")
    if root.tag != f"{{{W}}}document" or body is None:
        raise ImportRefused(f"{path}: bukan dokumen Word .docx (isi {DOCUMENT_PART} bukan dokumen WordprocessingML)")
    return DocxPackage(path=path, body=body, sections=_sections(body), application=application, headers=headers)
