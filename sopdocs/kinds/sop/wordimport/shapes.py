"""Flowchart shapes of the document, wherever and however they were drawn.

* DrawingML (``w:drawing``): ``wp:anchor`` (floating: positioned against the page, the
  margin, the column/cell or the paragraph, by offset or alignment) or ``wp:inline``; a
  single ``wps:wsp`` shape, a group (``wpg:wgp``, nested groups too) or a drawing canvas
  (``wpc:wpc``), with flips and rotations;
* legacy VML (``w:pict``): ``v:shape`` with the flowchart shape types, ``v:rect``,
  ``v:roundrect``, ``v:oval``, ``v:line``, ``v:polyline`` and ``v:group``;
* a drawing stored twice (``mc:AlternateContent``) is read once (the DrawingML choice).

Every shape gets a kind (terminator, process, decision, connector, arrow, label), its box
and, for arrows, its end points with the arrow head last. Positions are twips: x from the
page's left edge, y from the top of the table the shape belongs to (see
:class:`Geometry`); ``exact`` says whether the vertical position rests on exact row
heights or on an estimate.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

from lxml import etree

from sopdocs.kinds.sop.wordimport.grid import Table
from sopdocs.kinds.sop.wordimport.package import DocxPackage, Section
from sopdocs.kinds.sop.wordimport.text import W, block_paragraphs, join_lines, lines_of, local

WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
V = "urn:schemas-microsoft-com:vml"
O = "urn:schemas-microsoft-com:office:office"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
EMU_PER_TWIP = 635
#: Most shapes read from one document (a 60-step sheet draws a few hundred).
MAX_SHAPES = 2_000
#: Height of a body paragraph whose spacing is not exact (twips; 11 pt at 1.15 lines).
DEFAULT_LINE = 276

_PRESETS: dict[str, str] = {
    "flowChartTerminator": "terminator", "roundRect": "terminator", "flowChartAlternateProcess": "terminator",
    "flowChartDecision": "decision", "diamond": "decision",
    "flowChartOffpageConnector": "connector", "flowChartConnector": "connector", "homePlate": "connector",
    "line": "arrow", "straightConnector1": "arrow", "bentConnector2": "arrow", "bentConnector3": "arrow",
    "bentConnector4": "arrow", "bentConnector5": "arrow", "curvedConnector2": "arrow", "curvedConnector3": "arrow",
    "curvedConnector4": "arrow", "curvedConnector5": "arrow", "rightArrow": "arrow", "downArrow": "arrow",
    "leftArrow": "arrow", "upArrow": "arrow",
}
_VML_TYPES: dict[int, str] = {
    116: "terminator", 176: "terminator", 2: "terminator", 110: "decision", 4: "decision", 177: "connector",
    120: "connector", 3: "connector", 32: "arrow", 33: "arrow", 34: "arrow", 35: "arrow", 36: "arrow", 37: "arrow",
    38: "arrow", 39: "arrow", 40: "arrow", 20: "arrow", 202: "label",
}
_PROCESS_LIKE = re.compile(r"^(flowChart|rect|snipRect|round\dRect|parallelogram|can|plaque)")


@dataclass
class Shape:
    kind: str
    x: float
    y: float
    w: float
    h: float
    table: int | None  # the table the shape belongs to
    anchor_cell: tuple[int, int, int] | None  # (table, row, grid column) the shape is anchored in
    anchor_para: int  # id of the paragraph holding the anchor (groups shapes drawn together)
    rel_v: str
    exact: bool = True
    text: str = ""
    points: list[tuple[float, float]] = field(default_factory=list)
    directed: bool = False
    inline: bool = False
    page: int = 0  # the page of its table it stands on (0: the table's first page)

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class _Frame:
    """Where a drawing sits: its anchor and the boxes its offsets are measured from."""

    table: int | None
    cell: tuple[int, int, int] | None
    para: int
    section: Section
    table_left: float  # page x of the table's left edge (of ``table``)
    table_top: float  # page y of the table's top on its first page, estimated
    row_top: float | None  # page y of the anchor row's top (in a cell)
    cell_left: float | None  # page x of the anchor cell's text
    cell_width: float | None
    para_y: float  # page y of the anchor paragraph (outside tables), estimated
    exact: bool  # page-relative positions can be matched to rows
    page: int = 0  # page (of the table) the anchor is on
    cell_exact: bool = False  # paragraph-relative positions in the anchor cell can be matched to rows


class Geometry:
    """Row and table positions of the document's tables (twips), measured or estimated."""

    def __init__(self, package: DocxPackage, tables: list[Table], table_nodes: list[etree._Element]) -> None:
        self.package = package
        self.tables = tables
        self.nodes = table_nodes
        self.heights: list[list[float]] = []
        self.row_y: list[list[float]] = []  # page y of every row's top
        self.row_page: list[list[int]] = []  # page of the table every row is on
        self.rows_exact: list[bool] = []
        self.top_exact: list[bool] = []
        for t, table in enumerate(tables):
            heights: list[float] = []
            exact = True
            for row in table.rows:
                if row.height and row.exact:
                    height = float(row.height)
                else:
                    exact = False
                    lines = max((len(cell.lines) for cell in row.cells), default=1)
                    height = max(float(row.height or 0), max(lines, 1) * DEFAULT_LINE + 30)
                heights.append(height)
            self.heights.append(heights)
            self.rows_exact.append(exact)
            top, top_exact = self.table_top(t)
            self.top_exact.append(top_exact)
            self._paginate(t, top)

    def _paginate(self, t: int, top: float) -> None:
        """Where Word puts every row: rows that do not fit go to the next page, below the
        repeated header rows (``w:tblHeader``)."""
        section = self.section(t)
        table = self.tables[t]
        heights = self.heights[t]
        bottom = float(section.page_height - section.bottom)
        repeat = 0.0
        for row, height in zip(table.rows, heights):
            if not row.header:
                break
            repeat += height
        ys: list[float] = []
        pages: list[int] = []
        y, page, on_page = top, 0, 0
        for index, height in enumerate(heights):
            if on_page and y + height > bottom and not table.rows[index].header:
                page += 1
                y = section.top + repeat
                on_page = 0
            ys.append(y)
            pages.append(page)
            y += height
            on_page += 1
        self.row_y.append(ys)
        self.row_page.append(pages)

    def row_at(self, t: int, page: int, y: float) -> int | None:
        """The row of table ``t`` at page y ``y`` on its page ``page``."""
        for index, (top, height, on) in enumerate(zip(self.row_y[t], self.heights[t], self.row_page[t])):
            if on == page and top <= y < top + height:
                return index
        return None

    def section(self, t: int) -> Section:
        return self.package.section_of(self.nodes[t]) if self.nodes[t].getparent() is self.package.body else self.package.sections[-1][1]

    def table_left(self, t: int) -> float:
        section = self.section(t)
        table = self.tables[t]
        if table.jc == "center":
            text_width = section.page_width - section.left - section.right
            return section.left + (text_width - table.edges[-1]) / 2
        if table.jc in ("right", "end"):
            return section.page_width - section.right - table.edges[-1]
        return section.left + table.indent

    def table_top(self, t: int) -> tuple[float, bool]:
        """Page y of table ``t``: the top margin plus the paragraphs between the page
        break before it and the table (exact when they have exact line spacing)."""
        section = self.section(t)
        node = self.nodes[t]
        height = 0.0
        exact = True
        sibling = node.getprevious()
        while sibling is not None and local(sibling.tag) == "p":
            height += _paragraph_height(sibling)
            exact = exact and _exact_spacing(sibling)
            if _breaks_page(sibling):
                return section.top + height, exact
            sibling = sibling.getprevious()
        return section.top + height, False


def _exact_spacing(p: etree._Element) -> bool:
    spacing = p.find(f"{{{W}}}pPr/{{{W}}}spacing")
    return spacing is not None and spacing.get(f"{{{W}}}lineRule") == "exact"


def _paragraph_height(p: etree._Element) -> float:
    spacing = p.find(f"{{{W}}}pPr/{{{W}}}spacing")
    if spacing is not None and spacing.get(f"{{{W}}}lineRule") == "exact":
        try:
            return float(spacing.get(f"{{{W}}}line") or DEFAULT_LINE)
        except ValueError:
            return DEFAULT_LINE
    return DEFAULT_LINE


def _breaks_page(p: etree._Element) -> bool:
    if p.find(f"{{{W}}}pPr/{{{W}}}pageBreakBefore") is not None or p.find(f"{{{W}}}pPr/{{{W}}}sectPr") is not None:
        return True
    return any(br.get(f"{{{W}}}type") == "page" for br in p.iter(f"{{{W}}}br"))


# --------------------------------------------------------------------------- helpers


def _num(text: str | None, default: float = 0.0) -> float:
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        return default
    return value if math.isfinite(value) and abs(value) < 1e12 else default


_UNITS = {"pt": 20.0, "in": 1440.0, "cm": 1440 / 2.54, "mm": 144 / 2.54, "px": 15.0, "pc": 240.0, "emu": 1 / 635}


def _length(text: str | None, unitless: float = 15.0) -> float:
    """A CSS/VML length in twips (a bare number is px unless ``unitless`` says otherwise)."""
    if not text:
        return 0.0
    match = re.fullmatch(r"\s*(-?[\d.]+(?:e-?\d+)?)\s*([a-z]*)\s*", text.lower())
    if not match:
        return 0.0
    value = _num(match.group(1))
    unit = match.group(2)
    if unit in ("f", "fd"):
        return value / 65536 * 15.0
    return value * _UNITS.get(unit, unitless)


def _style(text: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (text or "").split(";"):
        key, _, value = part.partition(":")
        if key.strip():
            out[key.strip().lower()] = value.strip()
    return out


def _rotate(points: list[tuple[float, float]], cx: float, cy: float, degrees: float) -> list[tuple[float, float]]:
    if not degrees % 360:
        return points
    rad = math.radians(degrees)
    cos, sin = math.cos(rad), math.sin(rad)
    return [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos) for x, y in points]


def _rotated_box(x: float, y: float, w: float, h: float, degrees: float) -> tuple[float, float, float, float]:
    """The box a rotation by a quarter turn gives (Word rotates about the centre)."""
    if round(degrees / 90) % 2 == 1:
        cx, cy = x + w / 2, y + h / 2
        return cx - h / 2, cy - w / 2, h, w
    return x, y, w, h


def _text(node: etree._Element) -> str:
    for box in node.iter(f"{{{W}}}txbxContent"):
        return join_lines(lines_of(block_paragraphs(box)))
    return ""


# --------------------------------------------------------------------------- collection


class _Collector:
    def __init__(self, geometry: Geometry) -> None:
        self.geometry = geometry
        self.shapes: list[Shape] = []

    def add(self, shape: Shape, frame: "_Frame | None" = None) -> None:
        if frame is not None:
            shape.page = frame.page
        if len(self.shapes) < MAX_SHAPES:
            self.shapes.append(shape)

    # ----- DrawingML

    def drawing(self, node: etree._Element, frame: _Frame) -> None:
        container = node[0] if len(node) else None
        if container is None:
            return
        kind = local(container.tag)
        extent = container.find(f"{{{WP}}}extent")
        w = _num(None if extent is None else extent.get("cx")) / EMU_PER_TWIP
        h = _num(None if extent is None else extent.get("cy")) / EMU_PER_TWIP
        if kind == "inline":
            x = frame.cell_left if frame.cell_left is not None else frame.section.left
            if frame.cell_width is not None:
                x += max((frame.cell_width - w) / 2, 0)
            y = (frame.row_top if frame.row_top is not None else frame.para_y) + 40
            rel_v, exact, inline = "inline", False, True
        elif kind == "anchor":
            in_cell = frame.cell is not None and (container.get("layoutInCell", "1") not in ("0", "false")
                                                  or self.geometry.package.by_libreoffice)
            x = self._pos_h(container.find(f"{{{WP}}}positionH"), frame, w, in_cell)
            y, rel_v, exact = self._pos_v(container.find(f"{{{WP}}}positionV"), frame, h)
            inline = False
        else:
            return
        data = container.find(f"{{{A}}}graphic/{{{A}}}graphicData")
        if data is None:
            return
        place: Callable[[float, float], tuple[float, float]] = lambda px, py: (x + px, y + py)
        for child in data:
            name = local(child.tag)
            if name == "wsp":
                self._wsp(child, place, (0.0, 0.0, w, h), frame, rel_v, exact, inline)
            elif name in ("wgp", "wpc", "grpSp"):
                self._group(child, place, (0.0, 0.0, w, h), frame, rel_v, exact, inline, canvas=name == "wpc")

    def _pos_h(self, node: etree._Element | None, frame: _Frame, w: float, in_cell: bool) -> float:
        section = frame.section
        rel = node.get("relativeFrom", "column") if node is not None else "column"
        if rel == "page":
            left, right = 0.0, float(section.page_width)
        elif rel in ("column", "character") and in_cell and frame.cell_left is not None:
            left, right = frame.cell_left, frame.cell_left + (frame.cell_width or 0)
        elif rel == "leftMargin":
            left, right = 0.0, float(section.left)
        elif rel == "rightMargin":
            left, right = float(section.page_width - section.right), float(section.page_width)
        else:
            left, right = float(section.left), float(section.page_width - section.right)
        if node is None:
            return left
        offset = node.find(f"{{{WP}}}posOffset")
        if offset is not None:
            return left + _num(offset.text) / EMU_PER_TWIP
        align = (node.findtext(f"{{{WP}}}align") or "left").strip()
        if align == "center":
            return (left + right - w) / 2
        if align in ("right", "outside"):
            return right - w
        return left

    def _pos_v(self, node: etree._Element | None, frame: _Frame, h: float) -> tuple[float, str, bool]:
        section = frame.section
        rel = node.get("relativeFrom", "paragraph") if node is not None else "paragraph"
        offset_node = node.find(f"{{{WP}}}posOffset") if node is not None else None
        offset = _num(offset_node.text) / EMU_PER_TWIP if offset_node is not None else 0.0
        if rel in ("page", "margin", "topMargin", "bottomMargin", "insideMargin", "outsideMargin"):
            base = {"page": 0.0, "topMargin": 0.0, "bottomMargin": float(section.page_height - section.bottom)}.get(rel, float(section.top))
            if offset_node is None and node is not None:
                align = (node.findtext(f"{{{WP}}}align") or "top").strip()
                span = float(section.page_height) if rel == "page" else float(section.page_height - section.top - section.bottom)
                offset = (span - h) / 2 if align == "center" else (span - h if align == "bottom" else 0.0)
            return base + offset, rel, frame.exact
        if frame.row_top is not None:
            return frame.row_top + offset, rel, frame.cell_exact
        return frame.para_y + offset, rel, False

    def _wsp(self, wsp: etree._Element, place: Callable[[float, float], tuple[float, float]],
             box: tuple[float, float, float, float], frame: _Frame, rel_v: str, exact: bool, inline: bool) -> None:
        bx, by, bw, bh = box
        sp = next((c for c in wsp if local(c.tag) == "spPr"), None)
        xfrm = sp.find(f"{{{A}}}xfrm") if sp is not None else None
        flip_h = xfrm is not None and xfrm.get("flipH") in ("1", "true")
        flip_v = xfrm is not None and xfrm.get("flipV") in ("1", "true")
        rot = _num(None if xfrm is None else xfrm.get("rot")) / 60000
        geometry = sp.find(f"{{{A}}}prstGeom") if sp is not None else None
        custom = sp.find(f"{{{A}}}custGeom") if sp is not None else None
        prst = geometry.get("prst", "") if geometry is not None else ""
        text = _text(wsp)
        nv = next((c for c in wsp if local(c.tag) == "cNvSpPr"), None)
        is_text_box = nv is not None and nv.get("txBox") in ("1", "true")
        line = sp.find(f"{{{A}}}ln") if sp is not None else None
        no_line = line is not None and line.find(f"{{{A}}}noFill") is not None
        no_fill = sp is not None and sp.find(f"{{{A}}}noFill") is not None
        head_end = line.find(f"{{{A}}}headEnd") if line is not None else None
        tail_end = line.find(f"{{{A}}}tailEnd") if line is not None else None
        head = head_end is not None and head_end.get("type", "none") != "none"
        tail = tail_end is not None and tail_end.get("type", "none") != "none"
        kind = _PRESETS.get(prst, "")
        if not kind:
            if custom is not None:
                kind = "arrow" if (no_fill or head or tail) else "process"
            elif _PROCESS_LIKE.match(prst):
                kind = "process"
            elif prst == "ellipse":
                kind = "connector" if len(text) <= 2 and bw < 900 else "terminator"
            else:
                kind = "other"
        if is_text_box or (no_line and kind not in ("arrow",)) or (kind == "process" and _is_branch_label(text) and bw < 1500):
            kind = "label" if text else "other"
        x0, y0 = place(bx, by)
        x1, y1 = place(bx + bw, by + bh)
        w, h = x1 - x0, y1 - y0
        shape = Shape(kind=kind, x=x0, y=y0, w=w, h=h, table=frame.table, anchor_cell=frame.cell,
                      anchor_para=frame.para, rel_v=rel_v, exact=exact, text=text, inline=inline)
        if kind == "arrow":
            local_points = _path_points(custom, w, h) if custom is not None else [(0.0, 0.0), (w, h)]
            if prst in ("downArrow",):
                local_points = [(w / 2, 0.0), (w / 2, h)]
            elif prst in ("rightArrow",):
                local_points = [(0.0, h / 2), (w, h / 2)]
            elif prst in ("leftArrow",):
                local_points = [(w, h / 2), (0.0, h / 2)]
            elif prst in ("upArrow",):
                local_points = [(w / 2, h), (w / 2, 0.0)]
            points = [((w - px) if flip_h else px, (h - py) if flip_v else py) for px, py in local_points]
            points = _rotate([(x0 + px, y0 + py) for px, py in points], x0 + w / 2, y0 + h / 2, rot)
            block = prst.endswith("Arrow") and prst not in ("line",)
            if head and not tail:
                points.reverse()
            shape.points = points
            shape.directed = block or head != tail
        else:
            shape.x, shape.y, shape.w, shape.h = _rotated_box(x0, y0, w, h, rot)
        self.add(shape, frame)

    def _group(self, group: etree._Element, place: Callable[[float, float], tuple[float, float]],
               box: tuple[float, float, float, float], frame: _Frame, rel_v: str, exact: bool, inline: bool,
               *, canvas: bool = False) -> None:
        bx, by, bw, bh = box
        gpr = next((c for c in group if local(c.tag) == "grpSpPr"), None)
        xfrm = gpr.find(f"{{{A}}}xfrm") if gpr is not None else None
        if canvas or xfrm is None:
            ch_x = ch_y = 0.0
            sx = sy = 1 / EMU_PER_TWIP
        else:
            ch_off, ch_ext = xfrm.find(f"{{{A}}}chOff"), xfrm.find(f"{{{A}}}chExt")
            ch_x = _num(None if ch_off is None else ch_off.get("x"))
            ch_y = _num(None if ch_off is None else ch_off.get("y"))
            ch_w = _num(None if ch_ext is None else ch_ext.get("cx")) or 1.0
            ch_h = _num(None if ch_ext is None else ch_ext.get("cy")) or 1.0
            sx, sy = bw / ch_w, bh / ch_h

        def inner(px: float, py: float) -> tuple[float, float]:
            return place(bx + (px - ch_x) * sx, by + (py - ch_y) * sy)

        for child in group:
            name = local(child.tag)
            if name not in ("wsp", "grpSp", "wgp"):
                continue
            pr_name = "spPr" if name == "wsp" else "grpSpPr"
            pr = next((c for c in child if local(c.tag) == pr_name), None)
            cx = pr.find(f"{{{A}}}xfrm") if pr is not None else None
            off = cx.find(f"{{{A}}}off") if cx is not None else None
            ext = cx.find(f"{{{A}}}ext") if cx is not None else None
            child_box = (_num(None if off is None else off.get("x")), _num(None if off is None else off.get("y")),
                         _num(None if ext is None else ext.get("cx")), _num(None if ext is None else ext.get("cy")))

            def child_place(px: float, py: float, base: tuple[float, float, float, float] = child_box) -> tuple[float, float]:
                # child-local twips -> group coordinates -> page
                return inner(base[0] + px / sx if sx else base[0], base[1] + py / sy if sy else base[1])

            local_w = child_box[2] * sx
            local_h = child_box[3] * sy
            if name == "wsp":
                self._wsp(child, child_place, (0.0, 0.0, local_w, local_h), frame, rel_v, exact, inline)
            else:
                self._group(child, child_place, (0.0, 0.0, local_w, local_h), frame, rel_v, exact, inline)

    # ----- VML

    def pict(self, node: etree._Element, frame: _Frame) -> None:
        for child in node:
            self._vml(child, frame, None)

    def _vml(self, node: etree._Element, frame: _Frame, group: tuple[float, float, float, float, float, float, float, float] | None) -> None:
        name = local(node.tag)
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{V}}}") or name in ("shapetype", "stroke", "fill", "textbox", "path", "imagedata", "shadow"):
            return
        style = _style(node.get("style"))
        if group is None:
            unit = 15.0
            x = _length(style.get("margin-left") or style.get("left"), unit)
            y = _length(style.get("margin-top") or style.get("top"), unit)
            w = _length(style.get("width"), unit)
            h = _length(style.get("height"), unit)
            x, y, rel_v, exact = self._vml_frame(style, frame, x, y, w, h)

            def to_page(px: float, py: float) -> tuple[float, float]:
                return x + px, y + py
        else:
            gx, gy, gw, gh, ox, oy, cw, ch = group
            sx, sy = gw / (cw or 1), gh / (ch or 1)
            lx = _num(style.get("left", "0").rstrip("px") or "0")
            ly = _num(style.get("top", "0").rstrip("px") or "0")
            lw = _num(style.get("width", "0").rstrip("px") or "0")
            lh = _num(style.get("height", "0").rstrip("px") or "0")
            x, y, w, h = gx + (lx - ox) * sx, gy + (ly - oy) * sy, lw * sx, lh * sy
            rel_v, exact = "group", frame.exact

            def to_page(px: float, py: float) -> tuple[float, float]:
                return gx + (px - ox) * sx, gy + (py - oy) * sy
        if name == "group":
            size = (node.get("coordsize") or "1000,1000").split(",")
            origin = (node.get("coordorigin") or "0,0").split(",")
            inner = (x, y, w, h, _num(origin[0]), _num(origin[1] if len(origin) > 1 else "0"),
                     _num(size[0], 1000.0), _num(size[1] if len(size) > 1 else "1000", 1000.0))
            for child in node:
                self._vml(child, frame, inner)
            return
        text = _text(node)
        stroke = node.find(f"{{{V}}}stroke")
        end_arrow = stroke is not None and stroke.get("endarrow", "none") != "none"
        start_arrow = stroke is not None and stroke.get("startarrow", "none") != "none"
        kind = ""
        points: list[tuple[float, float]] = []
        if name == "line":
            fx, fy = _pair(node.get("from", "0,0"))
            tx, ty = _pair(node.get("to", "0,0"))
            if group is None:
                points = [to_page(fx, fy), to_page(tx, ty)]
            else:
                points = [to_page(_num(str(fx / 15)), _num(str(fy / 15))), to_page(_num(str(tx / 15)), _num(str(ty / 15)))]
            kind = "arrow"
        elif name == "polyline":
            raw = [_length(v) for v in (node.get("points") or "").replace(" ", ",").split(",") if v.strip()]
            pairs = list(zip(raw[0::2], raw[1::2]))
            points = [to_page(px, py) for px, py in pairs] if group is None else [to_page(px / 15, py / 15) for px, py in pairs]
            kind = "arrow"
        elif name == "rect":
            kind = "label" if (node.get("stroked") in ("f", "false") or _is_branch_label(text)) and text else "process"
        elif name == "roundrect":
            kind = "terminator"
        elif name == "oval":
            kind = "connector" if len(text) <= 2 and w < 900 else "terminator"
        elif name == "shape":
            kind = _vml_kind(node)
            if kind == "arrow":
                flip = style.get("flip", "")
                points = [(x, y), (x + w, y + h)]
                if "x" in flip:
                    points = [(x + w, y), (x, y + h)]
                if "y" in flip:
                    points = [(points[0][0], y + h), (points[1][0], y)]
            elif kind == "process" and (node.get("stroked") in ("f", "false") or _is_branch_label(text)) and text:
                kind = "label"
        if not kind or kind == "other":
            return
        rotation = _num(style.get("rotation", "0").rstrip("fd"))
        shape = Shape(kind=kind, x=x, y=y, w=w, h=h, table=frame.table, anchor_cell=frame.cell, anchor_para=frame.para,
                      rel_v=rel_v, exact=exact, text=text)
        if kind == "arrow":
            if points:
                xs = [p[0] for p in points]
                ys = [p[1] for p in points]
                shape.x, shape.y, shape.w, shape.h = min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)
            if start_arrow and not end_arrow:
                points.reverse()
            shape.points = _rotate(points, shape.cx, shape.cy, rotation)
            shape.directed = start_arrow != end_arrow
        else:
            shape.x, shape.y, shape.w, shape.h = _rotated_box(x, y, w, h, rotation)
        self.add(shape, frame)

    def _vml_frame(self, style: dict[str, str], frame: _Frame, x: float, y: float, w: float, h: float
                   ) -> tuple[float, float, str, bool]:
        section = frame.section
        rel_h = style.get("mso-position-horizontal-relative", "text")
        rel_v = style.get("mso-position-vertical-relative", "text")
        if rel_h == "page":
            base_x = 0.0
        elif rel_h in ("text", "char") and frame.cell_left is not None:
            base_x = frame.cell_left
        elif rel_h == "left-margin-area":
            base_x = 0.0
        else:
            base_x = float(section.left)
        align_h = style.get("mso-position-horizontal", "")
        if align_h == "center":
            width = float(section.page_width) if rel_h == "page" else (frame.cell_width or float(section.page_width - section.left - section.right))
            x = (width - w) / 2
        if rel_v in ("page", "margin", "top-margin-area"):
            base_y = float(section.top) if rel_v == "margin" else 0.0
            return base_x + x, base_y + y, rel_v, frame.exact
        if frame.row_top is not None:
            return base_x + x, frame.row_top + y, "paragraph", frame.cell_exact
        return base_x + x, frame.para_y + y, "paragraph", False


def _pair(text: str) -> tuple[float, float]:
    parts = text.split(",")
    return _length(parts[0], 15.0), _length(parts[1] if len(parts) > 1 else "0", 15.0)


def _vml_kind(node: etree._Element) -> str:
    if node.get(f"{{{O}}}connectortype") not in (None, "none"):
        return "arrow"
    spt = node.get(f"{{{O}}}spt")
    match = re.search(r"_x0000_t(\d+)", node.get("type") or "")
    number = int(match.group(1)) if match else (int(_num(spt)) if spt else 0)
    if number in _VML_TYPES:
        return _VML_TYPES[number]
    if number in (1, 109, 111, 112, 113, 114, 115, 117, 118, 119, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130,
                  131, 132, 133, 134, 135):
        return "process"
    stroke = node.find(f"{{{V}}}stroke")
    if stroke is not None and any(stroke.get(k, "none") != "none" for k in ("endarrow", "startarrow")):
        return "arrow"
    return "other"


def _is_branch_label(text: str) -> bool:
    return branch_of(text) is not None


def branch_of(text: str) -> str | None:
    """"ya" or "tidak" when ``text`` is a Ya/Tidak label."""
    word = re.sub(r"[^a-z]", "", text.casefold())
    if word in ("ya", "y", "yes", "iya", "setuju", "ok"):
        return "ya"
    if word in ("tidak", "t", "tdk", "no", "tidaksetuju", "tak"):
        return "tidak"
    return None


def _path_points(custom: etree._Element, w: float, h: float) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    path = custom.find(f"{{{A}}}pathLst/{{{A}}}path")
    if path is None:
        return [(0.0, 0.0), (w, h)]
    pw = _num(path.get("w")) or 1.0
    ph = _num(path.get("h")) or 1.0
    for step in path:
        for pt in step.findall(f"{{{A}}}pt"):
            points.append((_num(pt.get("x")) / pw * w, _num(pt.get("y")) / ph * h))
    return points or [(0.0, 0.0), (w, h)]


# --------------------------------------------------------------------------- walking the body


def _drawings(node: etree._Element) -> Iterator[etree._Element]:
    """``w:drawing`` and ``w:pict`` under ``node``: an ``mc:AlternateContent`` gives its
    first choice holding a drawing (its fallback is the same drawing again); drawings in
    text boxes of other drawings are not separate shapes."""
    for child in node:
        if not isinstance(child.tag, str):
            continue
        name = local(child.tag)
        if name in ("drawing", "pict") and child.tag.startswith(f"{{{W}}}"):
            yield child
        elif name == "AlternateContent":
            choices = [c for c in child if local(c.tag) == "Choice"]
            fallback = [c for c in child if local(c.tag) == "Fallback"]
            picked = next((c for c in choices if any(True for _ in _drawings(c))), None)
            if picked is None and fallback:
                picked = fallback[0]
            if picked is not None:
                yield from _drawings(picked)
        elif name in ("txbxContent", "tbl"):
            continue
        else:
            yield from _drawings(child)


def collect_shapes(package: DocxPackage, geometry: Geometry) -> list[Shape]:
    collector = _Collector(geometry)
    tables = geometry.nodes
    index_of = {id(node): i for i, node in enumerate(tables)}
    body_children = list(package.body)
    positions = [i for i, child in enumerate(body_children) if id(child) in index_of]
    # heights of the body paragraphs before each position (for anchors outside the tables)
    heights = [0.0]
    for child in body_children:
        heights.append(heights[-1] + (_paragraph_height(child) if local(child.tag) == "p" else 0.0))
    paragraph_ids = 0

    def frame_for(t: int | None, cell: tuple[int, int, int] | None, para_index: int, para_offset: float,
                  section: Section, *, after: bool = False) -> _Frame:
        """``para_offset``: for an anchor outside the tables, its distance from the top of
        table ``t`` (negative: above it) or, ``after`` it, from its end."""
        if t is None:
            return _Frame(None, None, para_index, section, float(section.left), float(section.top), None, None, None,
                          float(section.top) + para_offset, False)
        top = geometry.row_y[t][0] if geometry.row_y[t] else float(section.top)
        exact = geometry.top_exact[t] and geometry.rows_exact[t]
        left = geometry.table_left(t)
        row_top = cell_left = cell_width = None
        page = 0
        para_y = top + para_offset
        if after and geometry.row_y[t]:
            para_y = geometry.row_y[t][-1] + geometry.heights[t][-1] + para_offset
            page = geometry.row_page[t][-1]
        if cell is not None:
            _, r, c = cell
            table = geometry.tables[t]
            row_top = geometry.row_y[t][r]
            page = geometry.row_page[t][r]
            the_cell = table.rows[r].at(c)
            span = the_cell.span if the_cell is not None else 1
            cell_left = left + table.edges[c] + table.cell_margin_left
            cell_width = table.edges[min(c + span, table.columns)] - table.edges[c] - 2 * table.cell_margin_left
        return _Frame(t, cell, para_index, section, left, top, row_top, cell_left, cell_width, para_y, exact, page,
                      cell_exact=geometry.rows_exact[t])

    for position, child in enumerate(body_children):
        if len(collector.shapes) >= MAX_SHAPES:
            break
        name = local(child.tag)
        if name == "tbl" and id(child) in index_of:
            t = index_of[id(child)]
            table = geometry.tables[t]
            section = package.section_of(child)
            for row in table.rows:
                for cell in row.cells:
                    for para in cell.element.iter(f"{{{W}}}p"):
                        paragraph_ids += 1
                        drawings = list(_drawings(para))
                        if not drawings or any(local(a.tag) == "txbxContent" for a in para.iterancestors()):
                            continue
                        frame = frame_for(t, (t, row.index, cell.col), paragraph_ids, 0.0, section)
                        for drawing in drawings:
                            _dispatch(collector, drawing, frame)
        elif name in ("p", "sdt"):
            paragraph_ids += 1
            drawings = list(_drawings(child))
            if not drawings:
                continue
            after = bisect.bisect_right(positions, position)
            target = positions[after] if after < len(positions) else (positions[after - 1] if after else None)
            table_index = index_of[id(body_children[target])] if target is not None else None
            offset = 0.0
            after_table = False
            if table_index is not None and target is not None and target > position:
                offset = -(heights[target] - heights[position])
            elif table_index is not None and target is not None:
                offset = heights[position] - heights[target + 1]
                after_table = True
            frame = frame_for(table_index, None, paragraph_ids, offset, package.section_of(child), after=after_table)
            for drawing in drawings:
                _dispatch(collector, drawing, frame)
    return collector.shapes


def _dispatch(collector: _Collector, drawing: etree._Element, frame: _Frame) -> None:
    if local(drawing.tag) == "drawing":
        collector.drawing(drawing, frame)
    else:
        collector.pict(drawing, frame)
