"""Package integrity: a written .docx is an OPC package Word will open without "repair".

:func:`check_package` lists what is wrong with a .docx (bytes or a path), in Indonesian,
each problem naming the part it is about; :func:`require_sound_package` raises a
:class:`~sopdocs.errors.RenderError` with the first few. Every document sopdocs writes goes
through :func:`guard_output` just before its temporary file is renamed onto the final name
(:func:`sopdocs.docx.engine.atomic_save`, :func:`sopdocs.docx.watermark.add_watermark`), so a
broken document is never left under its real name.

What is checked (one pass over the zip; only XML parts are read and parsed):

* the file is a zip that opens, with no duplicate entry names, and its XML parts decompress;
* ``[Content_Types].xml`` exists and parses, and every other part has a content type (an
  ``Override`` for its part name or a ``Default`` for its extension, ``.rels`` included);
* every XML part (``*.xml``, ``*.rels``, or a ``+xml`` content type) is well-formed XML;
  parsing is safe (no entities resolved, no network, no DTD, no huge trees);
* every ``_rels/*.rels`` part parses, its relationship ids are present and unique, and every
  relationship whose ``TargetMode`` is not ``External`` points at a part in the zip (targets
  resolved against the source part's folder; ``/absolute`` targets and ``../`` handled);
* every relationship id a part uses (any attribute in the officeDocument relationships
  namespace: ``r:id``, ``r:embed``, ``r:link``, ``r:pict``, ``r:dm``, ``r:lo``, ``r:qs``,
  ``r:cs``... and VML's ``o:relid``) is defined in that part's own ``.rels``;
* the package relationships (``_rels/.rels``) hold an ``officeDocument`` relationship to a
  part that exists.

``SOPDOCS_CHECK_PACKAGES=0`` switches the guard off (it is on by default).
"""

from __future__ import annotations

import hashlib

import io
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote

from lxml import etree

from sopdocs.errors import RenderError

if TYPE_CHECKING:
    from lxml.etree import ParserTarget

#: Environment variable that switches :func:`guard_output` off when set to 0/false/no/off.
CHECK_ENV = "SOPDOCS_CHECK_PACKAGES"
_OFF = frozenset({"0", "false", "no", "off", "tidak"})

#: The officeDocument relationships namespace (transitional and strict).
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_NS_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
#: VML's Office namespace (``o:relid``).
VML_OFFICE_NS = "urn:schemas-microsoft-com:office:office"
#: Package relationships and content types.
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
#: Relationship types of the main document.
OFFICE_DOCUMENT_TYPES = frozenset({
    f"{REL_NS}/officeDocument",
    f"{REL_NS_STRICT}/officeDocument",
})
CONTENT_TYPES_PART = "[Content_Types].xml"
PACKAGE_RELS_PART = "_rels/.rels"

#: Problems collected before the check stops (a document with thousands of bad ids).
MAX_PROBLEMS = 100
#: Problems shown in a :class:`RenderError` message.
SHOWN_PROBLEMS = 5
#: Largest XML part (uncompressed) the check reads; larger is a problem in itself
#: (the renderer never writes a part above ``MAX_OUTPUT_BYTES`` characters).
MAX_XML_PART_BYTES = 256 * 1024 * 1024

_PREFIXES = {REL_NS: "r", REL_NS_STRICT: "r", VML_OFFICE_NS: "o"}
#: The attributes holding relationship ids, per namespace (run only for the namespaces a part uses).
_USED_IDS = {
    REL_NS: etree.XPath("//@r:*", namespaces={"r": REL_NS}),
    REL_NS_STRICT: etree.XPath("//@r:*", namespaces={"r": REL_NS_STRICT}),
    VML_OFFICE_NS: etree.XPath("//@o:relid", namespaces={"o": VML_OFFICE_NS}),
}
_ID_NAMESPACES = tuple((ns, ns.encode("ascii")) for ns in _USED_IDS)
#: The end of ``xmlns:p="`` just before a namespace name: the prefix ``p``.
_BINDING = re.compile(rb"""xmlns:([A-Za-z_][\w.\-]*)\s*=\s*["']$""")


class _Full(Exception):
    """Enough problems collected."""


class _WellFormed:
    """A parser target that builds nothing: the parse only checks well-formedness."""

    def close(self) -> None:
        return None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


#: Digests of XML parts already found well-formed (the template's untouched styles, settings,
#: theme... recur in every document made from it); bounded, oldest dropped first.
_WELL_FORMED: dict[bytes, None] = {}
WELL_FORMED_CACHE = 512


def _check_well_formed(data: bytes) -> None:
    """Raise ``XMLSyntaxError`` unless ``data`` is well-formed XML (no tree is built). A part
    seen before (same BLAKE2b digest) is not parsed again."""
    digest = hashlib.blake2b(data, digest_size=20).digest()
    if digest in _WELL_FORMED:
        return
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             target=cast("ParserTarget[None]", _WellFormed()))
    parser.feed(data)
    parser.close()
    if len(_WELL_FORMED) >= WELL_FORMED_CACHE:
        del _WELL_FORMED[next(iter(_WELL_FORMED))]
    _WELL_FORMED[digest] = None


def _id_namespaces(data: bytes) -> list[str]:
    """The relationship-id namespaces whose attributes may occur in the XML ``data``: a prefix
    is bound to the namespace and ``prefix:`` occurs after whitespace (plain byte searches;
    a false yes only costs building the tree)."""
    found: list[str] = []
    for namespace, encoded in _ID_NAMESPACES:
        prefixes: set[bytes] = set()
        at = data.find(encoded)
        while at >= 0:
            binding = _BINDING.search(data, max(0, at - 300), at)
            if binding:
                prefixes.add(binding.group(1))
            at = data.find(encoded, at + len(encoded))
        if any(_prefix_used(data, prefix) for prefix in prefixes):
            found.append(namespace)
    return found


def _prefix_used(data: bytes, prefix: bytes) -> bool:
    needle = prefix + b":"
    at = data.find(needle)
    while at >= 0:
        if at and data[at - 1] in b" \n\t\r":
            return True
        at = data.find(needle, at + 1)
    return False


def checks_enabled() -> bool:
    """Whether :func:`guard_output` checks (``SOPDOCS_CHECK_PACKAGES``, on by default)."""
    return os.environ.get(CHECK_ENV, "1").strip().lower() not in _OFF


def rels_part(part: str) -> str:
    """The relationships part of ``part`` (``word/document.xml`` -> ``word/_rels/document.xml.rels``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _source_of(rels: str) -> str | None:
    """The part a ``.rels`` part belongs to ("" for the package), or None if not a rels part."""
    folder, name = posixpath.split(rels)
    if posixpath.basename(folder) != "_rels" or not name.lower().endswith(".rels"):
        return None
    return posixpath.join(posixpath.dirname(folder), name[: -len(".rels")])


def resolve_target(source: str, target: str) -> str | None:
    """The part name (no leading slash) a relationship ``target`` of ``source`` points to;
    None when it leaves the package."""
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        joined = target.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(source), target)
    name = posixpath.normpath(joined) if joined else ""
    if name in ("", ".") or name == ".." or name.startswith("../"):
        return None
    return name


def _extension(name: str) -> str:
    """The extension a ``Default`` content type matches (``_rels/.rels`` -> ``rels``)."""
    base = posixpath.basename(name)
    return base.rpartition(".")[2].lower() if "." in base else ""


def _is_xml(name: str, content_type: str | None) -> bool:
    lower = name.lower()
    if lower.endswith((".xml", ".rels")):
        return True
    return content_type is not None and (content_type.endswith("+xml") or content_type in ("application/xml",
                                                                                          "text/xml"))


def _qname(element: etree._Element, attr: str) -> tuple[str, str]:
    """``(r:id, w:hyperlink)``: the attribute and its element with the usual prefixes."""
    ns, _, local = attr[1:].partition("}")
    tag = element.tag if isinstance(element.tag, str) else ""
    prefix = element.prefix
    element_local = etree.QName(tag).localname if tag else "?"
    return f"{_PREFIXES.get(ns, 'r')}:{local}", f"{prefix}:{element_local}" if prefix else element_local


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, problem: str) -> None:
        self.problems.append(problem)
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Full

    def run(self, archive: zipfile.ZipFile) -> None:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        folded: dict[str, str] = {}
        for info in infos:
            key = info.filename.casefold()
            if key in folded:
                self.add(f"{info.filename}: nama bagian ganda dalam arsip zip")
            folded[key] = info.filename

        # [Content_Types].xml first: the content types decide which parts are XML.
        overrides: dict[str, str] = {}
        defaults: dict[str, str] = {}
        ct_info = next((i for i in infos if i.filename == CONTENT_TYPES_PART), None)
        types: etree._Element | None = None  # unknown content types: no part is said to lack one
        if ct_info is None:
            self.add(f"{CONTENT_TYPES_PART} tidak ada (jenis isi bagian-bagian tidak diketahui)")
        else:
            types = self._parse(archive, ct_info)
            if types is not None:
                for element in types:
                    if element.tag == f"{{{CONTENT_TYPES_NS}}}Default":
                        defaults[(element.get("Extension") or "").lower()] = element.get("ContentType") or ""
                    elif element.tag == f"{{{CONTENT_TYPES_NS}}}Override":
                        part = (element.get("PartName") or "").lstrip("/")
                        overrides[unquote(part).casefold()] = element.get("ContentType") or ""

        rels: dict[str, dict[str, tuple[str, str, str | None]]] = {}  # source -> id -> (type, target, mode)
        used: dict[str, dict[str, tuple[str, str]]] = {}  # part -> id -> (attribute, element)
        for info in infos:
            name = info.filename
            if name == CONTENT_TYPES_PART:
                continue
            content_type = overrides.get(name.casefold())
            if content_type is None:
                content_type = defaults.get(_extension(name))
            if content_type is None and types is not None:
                self.add(f"{name}: tidak punya jenis isi (content type) di {CONTENT_TYPES_PART}")
            if not _is_xml(name, content_type):
                continue
            source = _source_of(name)
            if source is None:
                ids = self._scan(archive, info)
                if ids:
                    used[name] = ids
                continue
            root = self._parse(archive, info)
            if root is not None:
                rels[source.casefold()] = self._relationships(name, source, root, folded)

        for part, ids in used.items():
            defined = rels.get(part.casefold())
            for rid, (attribute, where) in ids.items():
                if defined is None:
                    self.add(f'{part}: {attribute}="{rid}" ({where}) dipakai, tetapi {rels_part(part)} tidak ada')
                elif rid not in defined:
                    self.add(f'{part}: {attribute}="{rid}" ({where}) tidak ada di {rels_part(part)}')

        package = rels.get("")
        if package is None:
            self.add(f"{PACKAGE_RELS_PART} tidak ada (dokumen utama tidak diketahui)")
        else:
            mains = [
                (target, mode) for kind, target, mode in package.values() if kind in OFFICE_DOCUMENT_TYPES
            ]
            if not mains:
                self.add(f"{PACKAGE_RELS_PART}: tidak ada hubungan officeDocument ke dokumen utama")
            for target, mode in mains:
                if mode == "External":
                    self.add(f"{PACKAGE_RELS_PART}: dokumen utama {target} bukan bagian dari paket")

    def _read(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
        """The part's bytes, or None (a problem added) when it cannot be read."""
        name = info.filename
        if info.file_size > MAX_XML_PART_BYTES:
            self.add(f"{name}: terlalu besar untuk diperiksa ({info.file_size} byte)")
            return None
        try:
            return archive.read(info)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, NotImplementedError,
                RuntimeError, ValueError) as exc:
            self.add(f"{name}: tidak dapat dibaca dari arsip zip ({exc})")
            return None

    def _parse(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> etree._Element | None:
        """The part's tree, or None (a problem added) when it is not sound XML."""
        data = self._read(archive, info)
        if data is None:
            return None
        try:
            return etree.fromstring(data, _parser())
        except etree.XMLSyntaxError as exc:
            self.add(f"{info.filename}: bukan XML yang sah ({exc})")
            return None

    def _scan(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict[str, tuple[str, str]]:
        """The relationship ids a (non-rels) XML part uses. A part in which no such attribute
        can occur is only checked to be well-formed, without building a tree (much cheaper)."""
        data = self._read(archive, info)
        if data is None:
            return {}
        try:
            namespaces = _id_namespaces(data)
            if not namespaces:
                _check_well_formed(data)
                return {}
            return self._used_ids(etree.fromstring(data, _parser()), namespaces)
        except etree.XMLSyntaxError as exc:
            self.add(f"{info.filename}: bukan XML yang sah ({exc})")
            return {}

    def _relationships(self, name: str, source: str, root: etree._Element,
                       folded: dict[str, str]) -> dict[str, tuple[str, str, str | None]]:
        found: dict[str, tuple[str, str, str | None]] = {}
        if root.tag != f"{{{PKG_REL_NS}}}Relationships":
            self.add(f"{name}: bukan daftar hubungan (akar <{etree.QName(root).localname}>)")
            return found
        for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
            rid = rel.get("Id") or ""
            target = rel.get("Target")
            mode = rel.get("TargetMode")
            if not rid:
                self.add(f"{name}: hubungan tanpa Id (Target {target!r})")
                continue
            if rid in found:
                self.add(f"{name}: Id hubungan {rid} dipakai dua kali")
                continue
            found[rid] = (rel.get("Type") or "", target or "", mode)
            if target is None:
                self.add(f"{name}: hubungan {rid} tanpa Target")
                continue
            if mode == "External":
                continue
            part = resolve_target(source, target)
            if part is None:
                self.add(f"{name}: hubungan {rid} menunjuk ke luar paket ({target})")
            elif part.casefold() not in folded:
                self.add(f"{name}: hubungan {rid} menunjuk ke {part}, yang tidak ada dalam paket")
        return found

    @staticmethod
    def _used_ids(root: etree._Element, namespaces: Iterable[str]) -> dict[str, tuple[str, str]]:
        ids: dict[str, tuple[str, str]] = {}
        found: list[object] = []
        for namespace in namespaces:
            result = _USED_IDS[namespace](root)
            if isinstance(result, list):
                found.extend(result)
        for item in found:
            if not isinstance(item, etree._ElementUnicodeResult):
                continue
            value = str(item).strip()
            parent = item.getparent()
            if not value or value in ids or parent is None or item.attrname is None:
                continue
            ids[value] = _qname(parent, item.attrname)
        return ids


def check_package(data: bytes | Path, *, name: str = "") -> list[str]:
    """What is wrong with the .docx ``data`` (its bytes or its path): an empty list when
    Word will open it as it is. Problems are in Indonesian, each naming the part; ``name``
    (the file name) only prefixes a problem about the file as a whole."""
    label = name or (str(data) if isinstance(data, Path) else "berkas")
    checker = _Checker()
    try:
        source: io.BytesIO | Path = io.BytesIO(data) if isinstance(data, bytes) else Path(data)
        with zipfile.ZipFile(source) as archive:
            checker.run(archive)
    except _Full:
        checker.problems.append("(pemeriksaan dihentikan: terlalu banyak masalah)")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        checker.problems.append(f"{label}: bukan arsip zip yang sah ({exc})")
    except OSError as exc:
        checker.problems.append(f"{label}: berkas tidak dapat dibaca ({exc})")
    return checker.problems


def describe(problems: Iterable[str], *, name: str = "") -> str:
    """The message of a :class:`RenderError` for ``problems`` (the first few)."""
    problems = list(problems)
    shown = "; ".join(problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    tail = f"; dan {more} masalah lain" if more > 0 else ""
    prefix = f"{name}: " if name else ""
    return f"{prefix}dokumen Word yang dihasilkan rusak dan tidak disimpan: {shown}{tail}"


def require_sound_package(data: bytes | Path, *, name: str = "") -> None:
    """Raise :class:`RenderError` naming ``name`` and the first problems when the .docx
    ``data`` (bytes or a path) is not a sound package."""
    problems = check_package(data, name=name)
    if problems:
        raise RenderError(describe(problems, name=name))


def guard_output(data: bytes | Path, *, name: str = "") -> None:
    """:func:`require_sound_package` unless ``SOPDOCS_CHECK_PACKAGES`` switches it off; called
    on every document just before it is renamed onto its final name."""
    if checks_enabled():
        require_sound_package(data, name=name)
