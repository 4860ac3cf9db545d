"""Plain text of a Word (.docx) document for the search index, and the people in it.

Reads the XML parts directly (no python-docx: it skips text boxes and headers) with
limits, because archived documents may come from outside:

* body, tables (one line per row, cells separated by tabs), headers, footers,
  footnotes and endnotes, and text boxes (DrawingML and VML);
* a text box stored twice (``mc:AlternateContent``: DrawingML plus a VML fallback) is
  read once; deleted tracked changes and field codes are left out;
* only a regular file is opened (never a FIFO or device: it could hang);
* parts larger than :data:`MAX_PART_BYTES` (uncompressed) or compressed more than
  :data:`MAX_COMPRESSION_RATIO` times (a zip bomb) are refused, and at most the declared
  size is ever decompressed;
* a part with a document type declaration (``<!DOCTYPE``: Word never writes one; it is
  how entity bombs and external entities come in) is refused; the XML parser never
  resolves entities, loads DTDs, goes to the network or accepts huge trees;
* the text is cut at ``max_chars`` (:data:`MAX_CHARS`).

Every such refusal is a :class:`DocxTextError` naming the file; the archive turns it into
a warning and indexes the document without text.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # lxml is imported where a document is read: opening an archive does not need it
    from lxml import etree

from sopdocs.errors import SopdocsError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

#: Largest uncompressed XML part read (word/document.xml, headers...).
MAX_PART_BYTES = 30_000_000
#: Largest ratio of uncompressed to compressed size of a part (Word's XML compresses
#: about 5-20 times; a zip bomb thousands of times).
MAX_COMPRESSION_RATIO = 200
#: A part this small may have any ratio (tiny parts compress oddly).
_RATIO_FREE_BYTES = 1_000_000
#: Most characters of text returned.
MAX_CHARS = 5_000_000

_PART_RE = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_PART_ORDER = {"document": 0, "header": 1, "footer": 2, "footnotes": 3, "endnotes": 4}


class DocxTextError(SopdocsError):
    """A .docx whose text cannot be read (damaged, not a Word file, too large)."""


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag: object) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


class _Collector:
    """Walks WordprocessingML and collects lines of text."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def block(self, element: etree._Element) -> None:
        """Block-level content: paragraphs, tables, and wrappers around them."""
        for child in element:
            name, ns = _local(child.tag), _ns(child.tag)
            if ns == MC and name == "Fallback":
                continue
            if ns == W and name == "p":
                self.lines.append(self.paragraph(child))
            elif ns == W and name == "tbl":
                self.table(child)
            else:  # body, sdt, sdtContent, customXml, ins, footnote, AlternateContent...
                self.block(child)

    def paragraph(self, p: etree._Element) -> str:
        parts: list[str] = []
        self._inline(p, parts)
        return "".join(parts)

    def _inline(self, element: etree._Element, parts: list[str]) -> None:
        joined = False  # a layout hyphen (noBreakHyphen + br, as the SOP sheet writes) was just dropped
        for child in element:
            name, ns = _local(child.tag), _ns(child.tag)
            if ns == MC and name == "Fallback":
                continue
            if joined and ns == W and name == "br":
                joined = False
                continue  # the word goes on after a layout hyphen: no line break in the text
            joined = False
            if ns == W and name == "noBreakHyphen":
                after = child.getnext()
                if after is not None and _ns(after.tag) == W and _local(after.tag) == "br":
                    joined = True
                    continue
            if ns == W:
                if name == "t":
                    parts.append(child.text or "")
                    continue
                if name == "tab":
                    parts.append("\t")
                    continue
                if name in ("br", "cr"):
                    parts.append("\n")
                    continue
                if name == "noBreakHyphen":
                    parts.append("-")
                    continue
                if name in ("delText", "instrText", "del", "rPr", "pPr"):
                    continue
                if name == "txbxContent":
                    # A text box: its paragraphs are lines of their own.
                    self.block(child)
                    continue
            self._inline(child, parts)

    def table(self, tbl: etree._Element) -> None:
        for row in tbl.iter(f"{{{W}}}tr"):
            if _nearest_table(row) is not tbl:
                continue  # a row of a table nested in a cell: part of that cell's text
            cells = []
            for cell in row:
                if _local(cell.tag) == "sdt":
                    cell = next(iter(cell.iter(f"{{{W}}}tc")), cell)
                if _local(cell.tag) != "tc":
                    continue
                inner = _Collector()
                inner.block(cell)
                cells.append(" ".join(line.strip() for line in inner.lines if line.strip()))
            self.lines.append("\t".join(cells))


def _nearest_table(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and not (_local(parent.tag) == "tbl" and _ns(parent.tag) == W):
        parent = parent.getparent()
    return parent


def _parser() -> etree.XMLParser:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, max_part_bytes: int) -> bytes:
    """One XML part, within the size and compression limits, never a DTD."""
    if info.file_size > max_part_bytes:
        raise DocxTextError(
            f"{path}: bagian {info.filename} terlalu besar ({info.file_size} byte; batas MAX_PART_BYTES "
            f"{max_part_bytes})"
        )
    if info.file_size > _RATIO_FREE_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise DocxTextError(
            f"{path}: bagian {info.filename} dimampatkan berlebihan ({info.compress_size} -> {info.file_size} "
            f"byte; batas rasio MAX_COMPRESSION_RATIO {MAX_COMPRESSION_RATIO}); kemungkinan bom zip"
        )
    with archive.open(info) as part:
        data = part.read(max_part_bytes + 1)
    if len(data) > max_part_bytes:
        raise DocxTextError(f"{path}: bagian {info.filename} terlalu besar (batas MAX_PART_BYTES {max_part_bytes})")
    if _has_doctype(data):
        raise DocxTextError(
            f"{path}: bagian {info.filename} berisi deklarasi DOCTYPE/ENTITY (tidak pernah ditulis Word; "
            "bisa berupa bom entitas); teks tidak dibaca"
        )
    return data


def _has_doctype(data: bytes) -> bool:
    """True if the XML prolog (everything before the root element) declares a DTD."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    start = re.search(rb"<[A-Za-z_:]", data)
    prolog = data[: start.start()] if start else data
    return b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper()


def docx_text(path: Path, *, max_part_bytes: int = MAX_PART_BYTES, max_chars: int = MAX_CHARS) -> str:
    """The text of a .docx: body first, then headers, footers, footnotes, endnotes."""
    from lxml import etree

    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise DocxTextError(f"{path}: tidak dapat dibaca ({exc})") from exc
    if not stat.S_ISREG(mode):
        raise DocxTextError(f"{path}: bukan berkas biasa; tidak dibaca")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if _PART_RE.match(i.filename)]
            if not any(i.filename == "word/document.xml" for i in infos):
                raise DocxTextError(f"{path}: bukan dokumen Word (.docx): word/document.xml tidak ada")

            def order(info: zipfile.ZipInfo) -> tuple[int, str]:
                kind = re.sub(r"\d+$", "", info.filename[5:-4])
                return (_PART_ORDER.get(kind, 9), info.filename)

            collector = _Collector()
            total = 0
            for info in sorted(infos, key=order):
                data = _read_part(archive, info, path, max_part_bytes)
                root = etree.fromstring(data, _parser())
                collector.block(root)
                total = sum(len(line) + 1 for line in collector.lines)
                if total >= max_chars:
                    break
    except DocxTextError:
        raise
    except RecursionError:
        raise DocxTextError(f"{path}: teks dokumen Word tidak dapat dibaca (XML bersarang terlalu dalam)") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, etree.XMLSyntaxError, OSError, ValueError, KeyError,
            NotImplementedError, EOFError, zlib.error) as exc:
        raise DocxTextError(f"{path}: teks dokumen Word tidak dapat dibaca ({type(exc).__name__}: {exc})") from exc
    text = "\n".join(line.rstrip() for line in collector.lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text[:max_chars]


# --------------------------------------------------------------------------- people

# A NIP: 18 digits, printed 8-6-1-3 with spaces (or written as one block).
_NIP_RE = re.compile(r"(?<!\d)(\d{8})[ \t.]?(\d{6})[ \t.]?(\d)[ \t.]?(\d{3})(?!\d)")
_NAME_LABEL_RE = re.compile(r"(?:^|\t|\s)Nama(?:\s+Lengkap)?[ \t.]*:[ \t]*(?P<name>[^\t\n]+)", re.IGNORECASE)
_NIP_LABEL_RE = re.compile(r"\bNIP\b", re.IGNORECASE)
# Lines that are not names: ranks/grades, job titles, labels.
_NOT_NAME_RE = re.compile(
    r"\b(pembina|penata|pengatur|juru|golongan|pangkat|jabatan|kepala|sekretaris|staf|nip|nrp|"
    r"[ivx]+/[a-e])\b|^\W*$|:\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Person:
    """Someone named in a document: a name and (for civil servants) an 18-digit NIP."""

    name: str
    nip: str = ""


def _looks_like_name(line: str) -> bool:
    line = line.strip()
    if not line or len(line) > 80 or any(ch.isdigit() for ch in line):
        return False
    if not re.search(r"[A-Za-z]{2}", line) or _NOT_NAME_RE.search(line):
        return False
    return True


def _clean_name(text: str) -> str:
    text = re.split(r"\t|\s{3,}", text.strip())[0]
    return text.strip(" ,;:")


def find_people(text: str) -> list[Person]:
    """People named next to a NIP: "Nama : X" (within the three lines before the NIP) or,
    in a signature block, the name line above the rank and NIP lines. A heuristic: the
    people given as item metadata are the reliable source; this fills in when none are.
    """
    lines = text.splitlines()
    found: dict[str, Person] = {}
    for index, line in enumerate(lines):
        for match in _NIP_RE.finditer(line):
            nip = "".join(match.groups())
            if nip in found:
                continue
            name = ""
            before = line[: match.start()]
            label = _NAME_LABEL_RE.search(before)
            if label:
                name = _clean_name(label.group("name"))
            for back in range(index - 1, max(-1, index - 4), -1):
                if name:
                    break
                label = _NAME_LABEL_RE.search(lines[back])
                if label:
                    name = _clean_name(label.group("name"))
            if not name and _NIP_LABEL_RE.search(line[: match.start()] or line):
                # Signature block: name, (rank,) NIP on consecutive lines.
                for back in range(index - 1, max(-1, index - 3), -1):
                    candidate = lines[back].strip()
                    if _looks_like_name(candidate):
                        name = _clean_name(candidate)
                        break
            found[nip] = Person(name=name, nip=nip)
    return list(found.values())
