"""DrawingML for the flowchart: native, editable Word shapes from the layout geometry.

Every shape is a ``wps`` word-processing shape in a ``wp:anchor`` positioned relative to
the PAGE, anchored in the paragraph that starts the page (outside the table), with
``layoutInCell="0"`` and ``wrapNone``. Absolute page positions do not depend on how an
engine places anchors inside table cells (LibreOffice keeps cell-anchored objects inside
their cell), and the table has fixed widths and exact row heights, so the shapes land on
the rows the layout computed, in Word and in LibreOffice alike.
"""

from __future__ import annotations

from typing import Any, Iterable

from lxml import etree

from sopdocs.docx.wordxml import W, clean_text

WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
NSMAP = {"w": W, "wp": WP, "a": A, "wps": WPS}

EMU_PER_TWIP = 635
LINE_EMU = 9525  # 0.75 pt
PRESETS = {
    "terminator": "flowChartTerminator",
    "process": "flowChartProcess",
    "decision": "flowChartDecision",
    "connector": "flowChartOffpageConnector",
}


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _e(parent: etree._Element | None, ns: str, tag: str, **attrs: Any) -> etree._Element:
    node = etree.Element(_q(ns, tag), nsmap=NSMAP) if parent is None else etree.SubElement(parent, _q(ns, tag))
    for key, value in attrs.items():
        node.set(key, str(value))
    return node


class _Ids:
    def __init__(self, start: int) -> None:
        self.next = start

    def take(self) -> int:
        self.next += 1
        return self.next


def _anchor(ids: _Ids, name: str, x: int, y: int, cx: int, cy: int) -> tuple[etree._Element, etree._Element]:
    """A run holding an anchored drawing at page position (x, y) EMU; returns (run, graphicData)."""
    run = _e(None, W, "r")
    drawing = _e(run, W, "drawing")
    shape_id = ids.take()
    anchor = _e(
        drawing, WP, "anchor",
        distT=0, distB=0, distL=0, distR=0, simplePos=0, relativeHeight=251658240 + shape_id,
        behindDoc=0, locked=0, layoutInCell=0, allowOverlap=1,
    )
    _e(anchor, WP, "simplePos", x=0, y=0)
    pos_h = _e(anchor, WP, "positionH", relativeFrom="page")
    _e(pos_h, WP, "posOffset").text = str(x)
    pos_v = _e(anchor, WP, "positionV", relativeFrom="page")
    _e(pos_v, WP, "posOffset").text = str(y)
    _e(anchor, WP, "extent", cx=cx, cy=cy)
    _e(anchor, WP, "effectExtent", l=0, t=0, r=0, b=0)
    _e(anchor, WP, "wrapNone")
    _e(anchor, WP, "docPr", id=shape_id, name=name)
    _e(anchor, WP, "cNvGraphicFramePr")
    graphic = _e(anchor, A, "graphic")
    data = _e(graphic, A, "graphicData", uri=WPS)
    return run, data


def _outline(parent: etree._Element, *, arrow: bool = False, width: int = LINE_EMU) -> None:
    ln = _e(parent, A, "ln", w=width)
    fill = _e(ln, A, "solidFill")
    _e(fill, A, "srgbClr", val="000000")
    _e(ln, A, "miter", lim=800000)
    if arrow:
        _e(ln, A, "tailEnd", type="triangle", w="med", len="med")


def _text_box(wsp: etree._Element, text: str, size_half_pt: int, *, centred: bool = True, bold: bool = True,
              font: str | None = None) -> None:
    box = _e(wsp, WPS, "txbx")
    content = _e(box, W, "txbxContent")
    p = _e(content, W, "p")
    ppr = _e(p, W, "pPr")
    _e(ppr, W, "spacing", **{_q(W, "before"): 0, _q(W, "after"): 0, _q(W, "line"): 240, _q(W, "lineRule"): "auto"})
    if centred:
        _e(ppr, W, "jc", **{_q(W, "val"): "center"})
    r = _e(p, W, "r")
    rpr = _e(r, W, "rPr")
    if font:
        _e(rpr, W, "rFonts", **{_q(W, k): font for k in ("ascii", "hAnsi", "cs", "eastAsia")})
    if bold:
        _e(rpr, W, "b")
    _e(rpr, W, "sz", **{_q(W, "val"): size_half_pt})
    _e(rpr, W, "szCs", **{_q(W, "val"): size_half_pt})
    t = _e(r, W, "t")
    t.text = clean_text(text)


def _body(wsp: etree._Element, *, anchor: str = "ctr") -> None:
    _e(wsp, WPS, "bodyPr", rot=0, vert="horz", wrap="none", lIns=0, tIns=0, rIns=0, bIns=0, anchor=anchor, anchorCtr=0)


def _shape(ids: _Ids, name: str, x: int, y: int, w: int, h: int, *, text_box: bool = False
           ) -> tuple[etree._Element, etree._Element, etree._Element]:
    """An anchored wps shape of w x h twips at page position (x, y): (run, wsp, spPr)."""
    cx, cy = w * EMU_PER_TWIP, h * EMU_PER_TWIP
    run, data = _anchor(ids, name, x * EMU_PER_TWIP, y * EMU_PER_TWIP, cx, cy)
    wsp = _e(data, WPS, "wsp")
    if text_box:
        _e(wsp, WPS, "cNvSpPr", txBox=1)
    else:
        _e(wsp, WPS, "cNvSpPr")
    sp = _e(wsp, WPS, "spPr")
    xfrm = _e(sp, A, "xfrm")
    _e(xfrm, A, "off", x=0, y=0)
    _e(xfrm, A, "ext", cx=cx, cy=cy)
    return run, wsp, sp


def symbol(ids: _Ids, kind: str, x: int, y: int, w: int, h: int, *, name: str, text: str = "",
           font: str | None = None) -> etree._Element:
    """A flowchart symbol (preset geometry) with white fill and black outline; twips in."""
    run, wsp, sp = _shape(ids, name, x, y, w, h)
    geom = _e(sp, A, "prstGeom", prst=PRESETS[kind])
    _e(geom, A, "avLst")
    fill = _e(sp, A, "solidFill")
    _e(fill, A, "srgbClr", val="FFFFFF")
    _outline(sp)
    if text:
        _text_box(wsp, text, 16, font=font)
    _body(wsp, anchor="t" if kind == "connector" else "ctr")
    return run


def polyline(ids: _Ids, points: list[tuple[int, int]], *, name: str) -> etree._Element:
    """An arrow along ``points`` (twips, page coordinates), arrowhead at the last point."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    left, top = min(xs), min(ys)
    # A box of zero width or height is not drawn by every engine; give it a minimum.
    w = max(max(xs) - left, 1)
    h = max(max(ys) - top, 1)
    cx, cy = w * EMU_PER_TWIP, h * EMU_PER_TWIP
    run, wsp, sp = _shape(ids, name, left, top, w, h)
    geom = _e(sp, A, "custGeom")
    for tag in ("avLst", "gdLst", "ahLst", "cxnLst"):
        _e(geom, A, tag)
    _e(geom, A, "rect", l=0, t=0, r="r", b="b")
    path_list = _e(geom, A, "pathLst")
    path = _e(path_list, A, "path", w=cx, h=cy, fill="none")
    for index, (px, py) in enumerate(points):
        step = _e(path, A, "moveTo" if index == 0 else "lnTo")
        _e(step, A, "pt", x=(px - left) * EMU_PER_TWIP, y=(py - top) * EMU_PER_TWIP)
    _e(sp, A, "noFill")
    _outline(sp, arrow=True)
    _body(wsp)
    return run


def label(ids: _Ids, text: str, x: int, y: int, *, name: str, size_half_pt: int = 16,
          box: tuple[int, int] | None = None, font: str | None = None) -> etree._Element:
    """A borderless text box (e.g. "Ya", "Tidak") whose top-left corner is at (x, y) twips;
    ``box`` is its (w, h) as the layout reserved it."""
    w, h = box or (90 * len(text) + 120, 220)
    w += 60  # engines differ by a few twips in text width; never clip the last letter
    run, wsp, sp = _shape(ids, name, x, y, w, h, text_box=True)
    geom = _e(sp, A, "prstGeom", prst="rect")
    _e(geom, A, "avLst")
    _e(sp, A, "noFill")
    ln = _e(sp, A, "ln")
    _e(ln, A, "noFill")
    _text_box(wsp, text, size_half_pt, centred=False, bold=False, font=font)  # measured regular by the layout
    _body(wsp, anchor="t")
    return run


def page_shapes(layout: Any, page_index: int) -> Iterable[etree._Element]:
    """Runs with every shape of one page: symbols, connectors, arrows, labels."""
    page = layout.pages[page_index]
    ids = _Ids(1000 * (page_index + 1))
    runs: list[etree._Element] = []
    for box in page.symbols:
        runs.append(symbol(ids, box.shape, box.x, box.y, box.w, box.h, name=f"Langkah {box.step + 1}"))
    for box in page.connectors:
        runs.append(
            symbol(ids, "connector", box.x, box.y, box.w, box.h, name=f"Penghubung {box.letter}", text=box.letter,
                   font=getattr(layout, "font", None))
        )
    for index, arrow in enumerate(page.arrows):
        runs.append(polyline(ids, [tuple(p) for p in arrow.points], name=f"Panah {index + 1}"))
        if arrow.label and arrow.label_pos:
            lx, ly = arrow.label_pos
            size = int(round(getattr(layout, "label_font_size_pt", 8) * 2))
            runs.append(
                label(ids, arrow.label, int(lx), int(ly), name=f"Label {arrow.label}", size_half_pt=size,
                      box=tuple(arrow.label_size) if arrow.label_size else None, font=getattr(layout, "font", None))
            )
    return runs
