"""The agency's page layout applied to any rendered document, at the one rendering path.

The profile's ``tata_letak`` (body font and size, margins, kop line sizes, the page-number
form and place) and ``kertas`` become a :class:`PageLayout` carried by the
:class:`~sopdocs.docx.compiled.Paper` a kind renders with (:func:`page_for`). The render
path (:mod:`sopdocs.docx.compiled`, fast and plain) then applies it to the finished XML, so
an office's own template follows the profile exactly as the built-in ones do:

* every section (``w:sectPr``): paper size and margins (with the Paper);
* the body font: ``docDefaults``, every style and every run that names a body font
  (:data:`BODY_FONTS`, or a theme font) are switched to the profile's font; symbol and
  other fonts are left alone. The body size (``docDefaults`` and ``Normal``) when asked;
* the kop line sizes: the paragraph styles :data:`KOP_STYLES` (the built-in kop uses them;
  an office's template may too);
* tables wider than the text width are narrowed proportionally (a wider left margin must
  not push a table over the right one); a table as wide as the template's own text width
  takes the new one (full-width tables span F4's wider text too); the kop table (caption
  "Kop Surat") is centred on the page (:func:`centre_kop`);
* page numbers from page 2: a header (or footer) holding the profile's form with a PAGE
  field, shown on every page but the first (``w:titlePg`` with an empty first-page
  header). A section that already has its own headers/footers keeps them: the office
  designed them.

LibreOffice prints the fonts with metric-compatible ones (:data:`PRINTED_AS`), so line
breaks and page breaks in the PDF copy match Word's.

``Paper`` lives here (page geometry) and is re-exported by :mod:`sopdocs.docx.compiled`,
which imports this module (never the other way round).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree

if TYPE_CHECKING:
    from sopdocs.definitions.profile import AgencyProfile

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

#: Fonts treated as "the body font" of a template: runs and styles naming one of them
#: follow the profile. Anything else (Symbol, Wingdings, Courier New) is kept.
BODY_FONTS = frozenset({
    "Arial", "Times New Roman", "Bookman Old Style", "Liberation Sans", "Liberation Serif",
    "URW Bookman", "URW Bookman L", "TeX Gyre Bonum", "Calibri", "Cambria",
})
#: The font LibreOffice prints each profile font with when the font itself is missing.
PRINTED_AS = {
    "Arial": "Liberation Sans",
    "Times New Roman": "Liberation Serif",
    "Bookman Old Style": "URW Bookman",
}
#: Paragraph styles of the kop lines (style id -> which profile size applies).
KOP_STYLES = {"KopPemerintah": "pemerintah", "KopInstansi": "instansi", "KopAlamat": "alamat"}

#: Placeholder of the page number in the profile's form.
PAGE_TOKEN = "{halaman}"

#: Relationship ids and part names of the page-number header/footer parts this module adds.
NUMBER_RID = "rIdSopdocsHalaman"
BLANK_RID = "rIdSopdocsHalamanKosong"
HEADER_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
FOOTER_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"
HEADER_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
FOOTER_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"

# w:sectPr children in schema order (headerReference/footerReference come first).
_SECT_ORDER = (
    "headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar",
    "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote",
    "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange",
)


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


@dataclass(frozen=True)
class PageLayout:
    """What the profile's layout changes in a rendered document (see the module docstring)."""

    font: str = "Arial"
    size_pt: float | None = 12.0
    """Body size set on ``docDefaults`` and ``Normal``; ``None`` keeps the template's."""
    kop_pt: tuple[float, float, float] = (14.0, 16.0, 10.0)
    """Sizes of the kop lines: government, agency, address/contacts."""
    page_number: str = "- {halaman} -"
    """The form of the page number on page 2 onward; ``""``: no page numbers."""
    page_number_at_top: bool = True
    size_scale: float = 1.0
    """Every text size of the document and its styles multiplied by this (a one-page form
    in a wide font: :func:`fit_scale`)."""

    # Part names in Word's own pattern (headerN.xml), numbered far above what a template has.
    @property
    def number_partname(self) -> str:
        return "/word/header91.xml" if self.page_number_at_top else "/word/footer91.xml"

    @property
    def blank_partname(self) -> str:
        return "/word/header92.xml" if self.page_number_at_top else "/word/footer92.xml"

    @property
    def part_type(self) -> tuple[str, str]:
        """(content type, relationship type) of the added parts."""
        return (HEADER_CT, HEADER_RT) if self.page_number_at_top else (FOOTER_CT, FOOTER_RT)


@dataclass(frozen=True)
class Paper:
    """Paper size for every section ("A4"/"F4"); orientation from the template unless given.

    The fast-path counterpart of :func:`sopdocs.docx.render.paper_setter` (same result);
    :mod:`sopdocs.docx.compiled` applies it (it is importable from there too).
    """

    name: str
    """"A4"/"F4"; ``""`` (with a ``layout``) keeps the template's page size and margins."""
    landscape: bool | None = None
    margins: tuple[int, int, int, int] | None = None
    """(top, right, bottom, left) in twips; ``None`` keeps the template's margins."""
    layout: PageLayout | None = None
    """The agency's font, kop sizes and page numbers (:mod:`sopdocs.docx.layout`), applied
    after rendering; ``None`` leaves the template as it is."""


def layout_of(profile: AgencyProfile, *, body_size: bool = True, page_numbers: bool = True,
              shrink_wide_font: bool = False) -> PageLayout:
    """The :class:`PageLayout` of ``profile``'s ``tata_letak`` (``shrink_wide_font``: scale the
    text of a one-page form for a font wider than Arial, see :func:`fit_scale`)."""
    tl = profile.tata_letak
    return PageLayout(
        size_scale=fit_scale(tl.font) if shrink_wide_font else 1.0,
        font=tl.font,
        size_pt=tl.ukuran_font if body_size else None,
        kop_pt=(tl.ukuran_kop.pemerintah, tl.ukuran_kop.instansi, tl.ukuran_kop.alamat),
        page_number=tl.nomor_halaman if page_numbers else "",
        page_number_at_top=tl.posisi_nomor_halaman == "atas",
    )


#: A sample of ordinary Indonesian text, for comparing the widths of fonts.
_SAMPLE = "Koordinasikan dan simpan dokumen pendataan sebagai satu berkas arsip 0123456789"


def fit_scale(font: str, designed_for: str = "Arial") -> float:
    """How much smaller text in ``font`` must be to take the room the template was designed
    for in ``designed_for`` (1.0 when ``font`` is not wider): Bookman Old Style is about 10 %
    wider than Arial, so a one-page form shrinks its text by that much."""
    from sopdocs.docx.textmetrics import text_width

    ratio = text_width(_SAMPLE, designed_for, 10) / text_width(_SAMPLE, font, 10)
    return min(1.0, ratio)


def margins_twips(profile: AgencyProfile) -> tuple[int, int, int, int]:
    """The profile's margins as (top, right, bottom, left) twips."""
    m = profile.tata_letak.margin
    return tuple(round(cm * 567.0) for cm in (m.atas, m.kanan, m.bawah, m.kiri))  # type: ignore[return-value]


def page_for(
    profile: AgencyProfile,
    *,
    landscape: bool = False,
    paper: bool = True,
    margins: bool = True,
    body_size: bool = True,
    page_numbers: bool = True,
    shrink_wide_font: bool = False,
) -> Paper:
    """The Paper a kind renders with: the profile's paper, margins and layout.

    ``paper=False`` keeps the template's page size and margins (the half-folio lembar
    disposisi); ``margins=False`` keeps the template's margins (a form whose header and
    answer areas are measured for them); ``body_size=False`` keeps the template's text size
    (tables tuned to it); ``page_numbers=False`` for single sheets; ``shrink_wide_font`` for
    a form that must stay one page (:func:`fit_scale`)."""
    return Paper(
        profile.kertas if paper else "",
        landscape=landscape,
        margins=margins_twips(profile) if margins and paper else None,
        layout=layout_of(profile, body_size=body_size, page_numbers=page_numbers,
                         shrink_wide_font=shrink_wide_font),
    )


# --------------------------------------------------------------------------- fonts


def _is_body_font(value: str | None) -> bool:
    return value is not None and value in BODY_FONTS


def _switch_fonts(fonts: etree._Element, font: str) -> None:
    """Point an ``w:rFonts`` at ``font`` when it names a body or theme font."""
    theme = any(fonts.get(_w(a)) is not None for a in ("asciiTheme", "hAnsiTheme"))
    named = [fonts.get(_w(a)) for a in ("ascii", "hAnsi")]
    if not theme and not any(_is_body_font(n) for n in named):
        return
    for attr in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
        fonts.attrib.pop(_w(attr), None)
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(_w(attr), font)


def switch_fonts(root: etree._Element, font: str) -> None:
    """Every ``w:rFonts`` under ``root`` naming a body or theme font now names ``font``."""
    for fonts in root.iter(_w("rFonts")):
        _switch_fonts(fonts, font)


def _set_size(rpr: etree._Element, half_points: int) -> None:
    for tag in ("sz", "szCs"):
        node = rpr.find(_w(tag))
        if node is None:
            node = etree.SubElement(rpr, _w(tag))
        node.set(_w("val"), str(half_points))


def _rpr(parent: etree._Element) -> etree._Element:
    rpr = parent.find(_w("rPr"))
    if rpr is None:
        rpr = etree.SubElement(parent, _w("rPr"))
    return rpr


def _ensure_fonts(rpr: etree._Element, font: str) -> None:
    fonts = rpr.find(_w("rFonts"))
    if fonts is None:
        fonts = etree.Element(_w("rFonts"))
        style = rpr.find(_w("rStyle"))
        rpr.insert(0 if style is None else rpr.index(style) + 1, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
        fonts.attrib.pop(_w(attr), None)
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(_w(attr), font)


def scale_sizes(root: etree._Element, scale: float) -> None:
    """Every ``w:sz``/``w:szCs`` under ``root`` times ``scale`` (half-points, at least 2)."""
    if scale == 1.0:
        return
    for node in root.iter(_w("sz"), _w("szCs")):
        try:
            node.set(_w("val"), str(max(2, round(int(node.get(_w("val"), "0")) * scale))))
        except ValueError:
            continue


def apply_styles(styles: etree._Element, layout: PageLayout) -> None:
    """The profile's font (and body size, kop sizes) in a ``w:styles`` element."""
    defaults = styles.find(_w("docDefaults"))
    if defaults is None:
        defaults = etree.Element(_w("docDefaults"))
        styles.insert(0, defaults)
    rpr_default = defaults.find(_w("rPrDefault"))
    if rpr_default is None:
        rpr_default = etree.Element(_w("rPrDefault"))
        defaults.insert(0, rpr_default)
    default_rpr = _rpr(rpr_default)
    _ensure_fonts(default_rpr, layout.font)
    if layout.size_pt is not None:
        _set_size(default_rpr, round(layout.size_pt * 2))
    switch_fonts(styles, layout.font)
    kop_sizes = dict(zip(("pemerintah", "instansi", "alamat"), layout.kop_pt))
    for style in styles.iter(_w("style")):
        style_id = style.get(_w("styleId"))
        if style_id == "Normal" and style.get(_w("type")) == "paragraph":
            rpr = _rpr(style)
            _ensure_fonts(rpr, layout.font)
            if layout.size_pt is not None:
                _set_size(rpr, round(layout.size_pt * 2))
        elif style_id in KOP_STYLES:
            _set_size(_rpr(style), round(kop_sizes[KOP_STYLES[style_id]] * 2))
    scale_sizes(styles, layout.size_scale)


# --------------------------------------------------------------------------- sections


def _insert_ordered(parent: etree._Element, child: etree._Element) -> None:
    name = etree.QName(child).localname
    later = set(_SECT_ORDER[_SECT_ORDER.index(name) + 1:])
    for index, existing in enumerate(parent):
        if etree.QName(existing).localname in later:
            parent.insert(index, child)
            return
    parent.append(child)


def sections(root: etree._Element) -> list[etree._Element]:
    return list(root.iter(_w("sectPr")))


def _text_width(sect: etree._Element) -> int | None:
    size, mar = sect.find(_w("pgSz")), sect.find(_w("pgMar"))
    if size is None or mar is None:
        return None
    try:
        return int(size.get(_w("w"), "0")) - int(mar.get(_w("left"), "0")) - int(mar.get(_w("right"), "0"))
    except ValueError:
        return None


#: Caption (``w:tblCaption``) of the kop table: its text column is centred on the page.
KOP_CAPTION = "Kop Surat"
#: Nearest the kop's logo comes to the paper's edge (twips; 12 mm).
KOP_EDGE_TWIPS = 680


def centre_kop(table: etree._Element, sect: etree._Element) -> bool:
    """Centre the text column of the kop table (logo column, text column) on the page.

    The text column is as wide as it can be with its centre on the page's centre, its
    right edge inside the right margin and the logo column left of it no nearer the
    paper's edge than :data:`KOP_EDGE_TWIPS` (the logo may stand in the left margin, as on
    printed kop). Returns whether the table was the kop."""
    caption = table.find(f"{_w('tblPr')}/{_w('tblCaption')}")
    if caption is None or caption.get(_w("val")) != KOP_CAPTION:
        return False
    size, mar = sect.find(_w("pgSz")), sect.find(_w("pgMar"))
    cols = table.findall(f"{_w('tblGrid')}/{_w('gridCol')}")
    if size is None or mar is None or len(cols) != 2:
        return True
    try:
        page = int(size.get(_w("w"), "0"))
        left, right = int(mar.get(_w("left"), "0")), int(mar.get(_w("right"), "0"))
        logo = int(cols[0].get(_w("w"), "0"))
    except ValueError:
        return True
    centre = page // 2 - left  # the page's centre, from the left margin
    half = min(page // 2 - right, page // 2 - logo - KOP_EDGE_TWIPS)
    if half <= 0:
        return True
    text = 2 * half
    indent = centre - half - logo
    cols[1].set(_w("w"), str(text))
    tbl_pr = table.find(_w("tblPr"))
    assert tbl_pr is not None
    width = tbl_pr.find(_w("tblW"))
    if width is not None:
        width.set(_w("w"), str(logo + text))
        width.set(_w("type"), "dxa")
    ind = tbl_pr.find(_w("tblInd"))
    if ind is None:
        ind = etree.SubElement(tbl_pr, _w("tblInd"))
        # tblInd follows tblW/jc/tblCellSpacing in the schema
        anchor = next((tbl_pr.find(_w(t)) for t in ("tblCellSpacing", "jc", "tblW") if tbl_pr.find(_w(t)) is not None), None)
        if anchor is not None:
            anchor.addnext(ind)
    ind.set(_w("w"), str(indent))
    ind.set(_w("type"), "dxa")
    for row in table.findall(_w("tr")):
        cells = row.findall(_w("tc"))
        if len(cells) == 2:
            tcw = cells[1].find(f"{_w('tcPr')}/{_w('tcW')}")
            if tcw is not None:
                tcw.set(_w("w"), str(text))
                tcw.set(_w("type"), "dxa")
    return True


def text_width(root: etree._Element) -> int | None:
    """The text width (twips) of the last section of the document ``root``."""
    sects = sections(root)
    return _text_width(sects[-1]) if sects else None


def fit_tables(root: etree._Element, design_width: int | None = None) -> None:
    """Narrow every top-level table wider than its section's text width, proportionally;
    a table as wide as the template's own text width (``design_width``, read before the
    profile's paper and margins were set) takes the new text width, wider or narrower;
    centre the kop (:func:`centre_kop`)."""
    body = root.find(_w("body"))
    if body is None:
        return
    sects = sections(body)
    if len(sects) == 1:  # the usual document: one section, its sectPr last in the body
        _fit_tables(body.findall(_w("tbl")), sects[0], design_width)
        return
    pending: list[etree._Element] = []
    for child in body:
        if child.tag == _w("tbl"):
            pending.append(child)
            continue
        sect = child.find(f"{_w('pPr')}/{_w('sectPr')}") if child.tag == _w("p") else child
        if sect is not None and sect.tag == _w("sectPr"):
            _fit_tables(pending, sect, design_width)
            pending = []
    last = body.find(_w("sectPr"))
    if pending and last is not None:
        _fit_tables(pending, last, design_width)


#: A table within this many twips of the template's text width is a full-width table.
FULL_WIDTH_SLACK = 60


def _fit_tables(tables: list[etree._Element], sect: etree._Element, design_width: int | None) -> None:
    width = _text_width(sect)
    for table in tables:
        if centre_kop(table, sect):
            continue
        if width:
            _fit_table(table, width, design_width)


def _fit_table(table: etree._Element, text_width: int, design_width: int | None = None) -> None:
    cols = table.findall(f"{_w('tblGrid')}/{_w('gridCol')}")
    try:
        total = sum(int(c.get(_w("w"), "0")) for c in cols)
    except ValueError:
        return
    full = design_width is not None and abs(total - design_width) <= FULL_WIDTH_SLACK
    if total <= 0 or (total <= text_width and not full) or total == text_width:
        return
    ratio = text_width / total
    for col in cols:
        col.set(_w("w"), str(int(int(col.get(_w("w"), "0")) * ratio)))
    for node in table.iter(_w("tcW"), _w("tblW")):
        if node.get(_w("type")) in (None, "dxa"):
            try:
                node.set(_w("w"), str(int(int(node.get(_w("w"), "0")) * ratio)))
            except ValueError:
                continue


def apply_sections(root: etree._Element, layout: PageLayout, design_width: int | None = None) -> bool:
    """Page-number references and ``titlePg`` in every section of ``root`` (the document
    element) that has no header/footer of its own; the body font in its runs; tables fitted.
    Returns whether any section now refers to the page-number parts."""
    switch_fonts(root, layout.font)
    scale_sizes(root, layout.size_scale)
    fit_tables(root, design_width)
    if not layout.page_number:
        return False
    kind = "headerReference" if layout.page_number_at_top else "footerReference"
    used = False
    for sect in sections(root):
        if sect.find(_w("headerReference")) is not None or sect.find(_w("footerReference")) is not None:
            continue
        for rid, which in ((NUMBER_RID, "default"), (BLANK_RID, "first")):
            ref = etree.Element(_w(kind))
            ref.set(_w("type"), which)
            ref.set(f"{{{R_NS}}}id", rid)
            _insert_ordered(sect, ref)
        if sect.find(_w("titlePg")) is None:
            _insert_ordered(sect, etree.Element(_w("titlePg")))
        _header_distance(sect)
        used = True
    return used


def _header_distance(sect: etree._Element) -> None:
    """Keep the page number inside the margin: header (footer) at most half of it away."""
    mar = sect.find(_w("pgMar"))
    if mar is None:
        return
    for edge, dist in (("top", "header"), ("bottom", "footer")):
        try:
            margin, current = int(mar.get(_w(edge), "0")), int(mar.get(_w(dist), "0"))
        except ValueError:
            continue
        wanted = min(567, abs(margin) // 2)
        if current > wanted or current <= 0:
            mar.set(_w(dist), str(wanted))


# --------------------------------------------------------------------------- the parts


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{_escape(text)}</w:t></w:r>' if text else ""


def number_part_xml(layout: PageLayout) -> bytes:
    """The header (footer) holding the page number in the profile's form, centred."""
    before, _, after = layout.page_number.partition(PAGE_TOKEN)
    root = "hdr" if layout.page_number_at_top else "ftr"
    field = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t>2</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:{root} xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr><w:jc w:val="center"/></w:pPr>'
        f"{_text_run(before)}{field}{_text_run(after)}</w:p></w:{root}>"
    )
    return xml.encode("utf-8")


def blank_part_xml(layout: PageLayout) -> bytes:
    """The empty first-page header (footer): page 1 carries no number."""
    root = "hdr" if layout.page_number_at_top else "ftr"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:{root} xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p/></w:{root}>'
    ).encode("utf-8")


def added_parts(layout: PageLayout) -> Iterable[tuple[str, str, bytes]]:
    """(relationship id, part name, XML) of the page-number parts."""
    yield NUMBER_RID, layout.number_partname, number_part_xml(layout)
    yield BLANK_RID, layout.blank_partname, blank_part_xml(layout)


# --------------------------------------------------------------------------- plain path


def apply_to_document(document: Any, layout: PageLayout, design_width: int | None = None) -> None:
    """The same changes on a python-docx ``Document`` (the plain render path);
    ``design_width``: the template's text width before the profile's paper was set."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import XmlPart

    import dataclasses

    root = document.element
    styles = document.styles.element
    apply_styles(styles, layout)
    part = document.part
    taken = {str(p.partname) for p in part.package.iter_parts()} | set(part.rels)
    if any(rid in taken or name in taken for rid, name, _ in added_parts(layout)):
        layout = dataclasses.replace(layout, page_number="")  # parts of that name exist: leave them
    if not apply_sections(root, layout, design_width):
        return
    content_type, reltype = layout.part_type
    for rid, partname, xml in added_parts(layout):
        from docx.oxml.parser import parse_xml

        new = XmlPart(PackURI(partname), content_type, parse_xml(xml), part.package)
        part.rels.add_relationship(reltype, new, rid)


# --------------------------------------------------------------------------- one line


def one_line(text: str, font: str, width_mm: float, sizes_pt: tuple[float, ...]) -> Any:
    """``text`` (an official number) as a docxtpl RichText at the largest of ``sizes_pt``
    at which it fits ``width_mm`` on one line in ``font`` (place it with ``{{r name }}``).
    Too long even at the smallest size: that size, and it may wrap after a "/" only
    (a zero-width space follows each slash), never inside a part of the number."""
    from docxtpl import RichText

    from sopdocs.docx.textmetrics import text_width

    available = width_mm * TWIPS_PER_MM
    for size in sizes_pt:
        if text_width(text, font, size) <= available:
            return RichText(text, size=round(size * 2))
    return RichText(text.replace("/", "/\u200b"), size=round(sizes_pt[-1] * 2))


TWIPS_PER_MM = 1440 / 25.4
