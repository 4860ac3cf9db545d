"""Small builders for WordprocessingML elements that sopdocs code generates.

Text passed in is always set as element text (lxml escapes it), never parsed as markup,
so values from definition files cannot inject XML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from lxml import etree

# XML 1.0 allows \t \n \r and everything from \x20 except surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Remove characters XML 1.0 cannot hold (NUL, most C0 controls, lone surrogates)."""
    return _NOT_XML.sub("", text)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSMAP = {"w": W}


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def el(tag: str, attrs: Mapping[str, str | int] | None = None, *children: etree._Element) -> etree._Element:
    node = etree.Element(w(tag), nsmap=NSMAP)
    for key, value in (attrs or {}).items():
        node.set(w(key), str(value))
    for child in children:
        node.append(child)
    return node


def sub(parent: etree._Element, tag: str, attrs: Mapping[str, str | int] | None = None) -> etree._Element:
    node = etree.SubElement(parent, w(tag))
    for key, value in (attrs or {}).items():
        node.set(w(key), str(value))
    return node


def run(text: str, *, bold: bool = False, size_half_pt: int | None = None, font: str | None = None) -> etree._Element:
    """A run; newlines in ``text`` become line breaks."""
    r = el("r")
    rpr = sub(r, "rPr")
    if font:
        sub(rpr, "rFonts", {"ascii": font, "hAnsi": font, "cs": font, "eastAsia": font})
    if bold:
        sub(rpr, "b")
        sub(rpr, "bCs")
    if size_half_pt:
        sub(rpr, "sz", {"val": size_half_pt})
        sub(rpr, "szCs", {"val": size_half_pt})
    for index, line in enumerate(clean_text(text).split("\n")):
        if index:
            sub(r, "br")
        t = sub(r, "t")
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def paragraph(
    text: str = "",
    *,
    align: str | None = None,
    bold: bool = False,
    size_half_pt: int | None = None,
    line_twips: int | None = None,
    font: str | None = None,
    keep_next: bool = False,
    page_break_before: bool = False,
) -> etree._Element:
    p = el("p")
    ppr = sub(p, "pPr")
    if keep_next:
        sub(ppr, "keepNext")
    if page_break_before:
        sub(ppr, "pageBreakBefore")
    spacing: dict[str, str | int] = {"before": 0, "after": 0}
    if line_twips:
        spacing.update({"line": line_twips, "lineRule": "exact"})
    sub(ppr, "spacing", spacing)
    if align:
        sub(ppr, "jc", {"val": align})
    if size_half_pt:
        rpr = sub(ppr, "rPr")
        sub(rpr, "sz", {"val": size_half_pt})
        sub(rpr, "szCs", {"val": size_half_pt})
    if text:
        p.append(run(text, bold=bold, size_half_pt=size_half_pt, font=font))
    return p


def borders(tag: str, size_eighth_pt: int = 4, edges: Iterable[str] = ("top", "left", "bottom", "right", "insideH", "insideV")) -> etree._Element:
    node = el(tag)
    for edge in edges:
        sub(node, edge, {"val": "single", "sz": size_eighth_pt, "space": 0, "color": "000000"})
    return node


def to_xml(elements: Iterable[etree._Element]) -> str:
    return "".join(etree.tostring(e, encoding="unicode") for e in elements)
