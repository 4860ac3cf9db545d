"""A Word table as a grid: cells placed on grid columns, merges resolved, column edges.

``w:gridSpan`` (and the old ``w:hMerge``) widen a cell over grid columns; ``w:vMerge``
continues the cell above (the continuing cells point at the cell that started the merge);
``w:gridBefore``/``w:gridAfter`` skip grid columns. Column x positions come from
``w:tblGrid`` (twips from the table's left edge); when the grid is missing or does not
match the cells, the cell widths (``w:tcW``) are used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from sopdocs.kinds.sop.wordimport.text import W, Para, block_paragraphs, join_lines, lines_of, local

#: Most rows and grid columns of a table read (an SOP has at most 60 steps and 14 columns).
MAX_ROWS = 2_000
MAX_GRID_COLUMNS = 64


@dataclass
class Cell:
    element: etree._Element
    row: int
    col: int  # first grid column
    span: int
    paras: list[Para]
    merged_from: "Cell | None" = None  # vMerge continue: the cell that started the merge

    @property
    def origin(self) -> "Cell":
        return self.merged_from or self

    @property
    def text(self) -> str:
        return join_lines(lines_of(self.paras))

    @property
    def lines(self) -> list[str]:
        return lines_of(self.paras)


@dataclass
class Row:
    element: etree._Element
    index: int
    cells: list[Cell]
    height: int | None = None  # twips, from w:trHeight
    exact: bool = False  # hRule="exact"
    header: bool = False  # w:tblHeader

    def at(self, col: int) -> Cell | None:
        for cell in self.cells:
            if cell.col <= col < cell.col + cell.span:
                return cell
        return None


@dataclass
class Table:
    element: etree._Element
    rows: list[Row]
    edges: list[int]  # x of every grid column edge (len = columns + 1), twips from the table's left edge
    indent: int = 0  # w:tblInd (twips)
    jc: str = "left"
    cell_margin_left: int = 108
    nested: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def columns(self) -> int:
        return len(self.edges) - 1


def _int(value: str | None, default: int | None = None) -> int | None:
    if value is None:
        return default
    try:
        number = int(float(value))
    except ValueError:
        return default
    return number if -1_000_000 < number < 1_000_000 else default


def _attr(node: etree._Element | None, name: str) -> str | None:
    return None if node is None else node.get(f"{{{W}}}{name}")


def _span(tc: etree._Element) -> int:
    value = _int(_attr(tc.find(f"{{{W}}}tcPr/{{{W}}}gridSpan"), "val"), 1) or 1
    return max(1, min(value, MAX_GRID_COLUMNS))


def _vmerge(tc: etree._Element) -> str | None:
    node = tc.find(f"{{{W}}}tcPr/{{{W}}}vMerge")
    if node is None:
        return None
    return "restart" if _attr(node, "val") == "restart" else "continue"


def _cells_of(tr: etree._Element) -> list[etree._Element]:
    """The w:tc of a row, looking through content controls and custom XML around cells."""
    out: list[etree._Element] = []
    for child in tr:
        name = local(child.tag)
        if name == "tc":
            out.append(child)
        elif name in ("sdt", "sdtContent", "customXml"):
            out.extend(_cells_of(child))
    return out


def _rows_of(tbl: etree._Element) -> list[etree._Element]:
    out: list[etree._Element] = []
    for child in tbl:
        name = local(child.tag)
        if name == "tr":
            out.append(child)
        elif name in ("sdt", "sdtContent", "customXml"):
            out.extend(_rows_of(child))
    return out


def read_table(tbl: etree._Element) -> Table:
    grid = [max(_int(_attr(col, "w"), 0) or 0, 0) for col in tbl.findall(f"{{{W}}}tblGrid/{{{W}}}gridCol")][:MAX_GRID_COLUMNS]
    rows: list[Row] = []
    above: dict[int, Cell] = {}  # grid column -> the cell last seen there (for vMerge)
    widest = 0
    tc_widths: dict[int, int] = {}
    for r_index, tr in enumerate(_rows_of(tbl)[:MAX_ROWS]):
        tr_pr = tr.find(f"{{{W}}}trPr")
        col = _int(_attr(None if tr_pr is None else tr_pr.find(f"{{{W}}}gridBefore"), "val"), 0) or 0
        height_node = None if tr_pr is None else tr_pr.find(f"{{{W}}}trHeight")
        row = Row(element=tr, index=r_index, cells=[],
                  height=_int(_attr(height_node, "val")),
                  exact=_attr(height_node, "hRule") == "exact",
                  header=tr_pr is not None and tr_pr.find(f"{{{W}}}tblHeader") is not None
                  and _attr(tr_pr.find(f"{{{W}}}tblHeader"), "val") not in ("0", "false"))
        pending_hmerge: Cell | None = None
        for tc in _cells_of(tr):
            span = _span(tc)
            hmerge = tc.find(f"{{{W}}}tcPr/{{{W}}}hMerge")
            if hmerge is not None and _attr(hmerge, "val") != "restart" and pending_hmerge is not None:
                pending_hmerge.span += span
                col += span
                continue
            cell = Cell(element=tc, row=r_index, col=col, span=span, paras=block_paragraphs(tc))
            width = _int(_attr(tc.find(f"{{{W}}}tcPr/{{{W}}}tcW"), "w"))
            if width and _attr(tc.find(f"{{{W}}}tcPr/{{{W}}}tcW"), "type") in (None, "dxa") and span == 1:
                tc_widths.setdefault(col, width)
            if _vmerge(tc) == "continue" and col in above:
                cell.merged_from = above[col].origin
            pending_hmerge = cell if hmerge is not None else None
            row.cells.append(cell)
            for c in range(col, col + span):
                above[c] = cell
            col += span
        widest = max(widest, col)
        rows.append(row)
    widest = min(widest, MAX_GRID_COLUMNS)
    if len(grid) < widest or not any(grid):
        grid = [tc_widths.get(c, grid[c] if c < len(grid) and grid[c] else 1000) for c in range(widest)]
    edges = [0]
    for width in grid:
        edges.append(edges[-1] + width)
    tbl_pr = tbl.find(f"{{{W}}}tblPr")
    indent = _int(_attr(None if tbl_pr is None else tbl_pr.find(f"{{{W}}}tblInd"), "w"), 0) or 0
    jc = _attr(None if tbl_pr is None else tbl_pr.find(f"{{{W}}}jc"), "val") or "left"
    margin = _int(_attr(None if tbl_pr is None else tbl_pr.find(f"{{{W}}}tblCellMar/{{{W}}}left"), "w"))
    if margin is None:
        margin = _int(_attr(None if tbl_pr is None else tbl_pr.find(f"{{{W}}}tblCellMar/{{{W}}}start"), "w"), 108)
    return Table(element=tbl, rows=rows, edges=edges, indent=indent, jc=jc, cell_margin_left=margin or 0)


def body_tables(container: etree._Element) -> list[etree._Element]:
    """Top-level tables in document order (inside content controls too), not nested ones."""
    out: list[etree._Element] = []
    for child in container:
        name = local(child.tag)
        if name == "tbl":
            out.append(child)
        elif name in ("sdt", "sdtContent", "customXml"):
            out.extend(body_tables(child))
    return out


def nested_tables(tbl: etree._Element) -> list[etree._Element]:
    """Tables inside the cells of ``tbl`` (an identity part is often a table in a table)."""
    return [node for node in tbl.iter(f"{{{W}}}tbl") if node is not tbl]
