"""Geometry of the SOP AP flowchart sheet (Permen PANRB 35/2012): table and chart.

Pure geometry, no Word: from a :class:`SheetSpec` (actors, steps, paper, font),
:func:`layout_sheet` computes the table columns, the exact row heights, how the rows are
split over pages, and the flowchart drawn over the table (symbols, off-page connectors,
orthogonal arrows and their Ya/Tidak labels). All lengths are integer twips
(1/1440 inch); all coordinates are absolute on the page, from its top-left corner.

Table assumed by the geometry (the document builder must produce exactly this):

* one table per page, its left border on the left margin (tblInd 0, Word 2013+ layout),
  fixed layout, column widths :attr:`Column.width`, total = the usable page width;
* its top at :attr:`Page.table_y` (= top margin + ``top_offset_twips``);
* header rows of exact heights :attr:`SheetLayout.header_heights`: row 1 has NO,
  KEGIATAN and KETERANGAN (merged down over row 2), PELAKSANA over the actor columns and
  MUTU BAKU over kelengkapan/waktu/output; row 2 the actor names and the mutu baku
  column titles; row 3 the column numbers 1..N;
* then one row per step, exact height :attr:`RowBox.height`, every paragraph with exact
  line spacing :attr:`SheetLayout.line_pitch`, cell margins as in the spec, the
  header in bold, text left-aligned;
* cell texts exactly as :attr:`SheetLayout.cells` and :attr:`SheetLayout.actor_titles`
  give them: words too wide for their column carry a soft hyphen (U+00AD) where the
  model breaks them, so the engines break there too, with a hyphen;
* kelengkapan with more than one item: one paragraph per item, a bullet hanging
  :data:`BULLET_INDENT` to the left of the item text.

Every row keeps :data:`ROW_PADDING_TOP` above its first and :data:`ROW_PADDING_BOTTOM`
below its last text line (the cell top/bottom margins), so no line touches a row border.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Literal

from sopdocs.docx import textmetrics
from sopdocs.errors import Problem, ValidationError

TWIPS_PER_MM = 1440 / 25.4
EMU_PER_TWIP = 635

#: Paper sizes (short side, long side) in twips; the sheet is always landscape.
PAPER_SIZES: dict[str, tuple[int, int]] = {
    "A4": (11906, 16838),  # 210 x 297 mm
    "F4": (12189, 18709),  # 215 x 330 mm (folio)
}

MAX_ACTORS = 8
MAX_STEPS = 60

GROUP_PELAKSANA = "PELAKSANA"
GROUP_MUTU_BAKU = "MUTU BAKU"
TITLES = {
    "no": "NO",
    "kegiatan": "KEGIATAN",
    "kelengkapan": "KELENGKAPAN",
    "waktu": "WAKTU",
    "output": "OUTPUT",
    "keterangan": "KETERANGAN",
}


def mm(value: float) -> int:
    """Millimetres to twips."""
    return round(value * TWIPS_PER_MM)


# Column widths.
NO_MIN_WIDTH = mm(8)
ACTOR_MAX_WIDTH = mm(30)
SINGLE_ACTOR_MAX_WIDTH = mm(40)  # one actor: room beside the symbols for connectors
ACTOR_MIN_WIDTH = mm(15)  # preferred floor; below it only when 8 actors need it
ACTOR_ABS_MIN_WIDTH = mm(11)
ACTOR_SHARE = 0.35  # of the width right of NO, split among the actors, before clamping
BORDER_ALLOWANCE = 30  # twips of a cell lost to its borders when wrapping (conservative)
# Water-filling of the text columns: (key, weight, minimum width).
TEXT_COLUMNS = (
    ("kegiatan", 45, mm(40)),
    ("kelengkapan", 17, mm(20)),
    ("waktu", 9, mm(14)),
    ("output", 14, mm(18)),
    ("keterangan", 15, mm(18)),
)

# Symbols and clearances.
SYMBOL_WIDTH_SHARE = 0.58
SYMBOL_MIN_WIDTH = 400
SYMBOL_MAX_WIDTH = 900
PROCESS_HEIGHT = 340  # 6 mm; also the terminator
DECISION_HEIGHT = 510  # 9 mm
CLEARANCE = 170  # symbol (or connector) to row edge: room for arrows between rows
CONNECTOR_SIZE = 340  # off-page connector box, square
CONNECTOR_GAP = 200  # symbol to a connector stacked above/below it (arrow length)
SIDE_CONNECTOR_GAP = 240  # symbol side to a connector placed beside it
OBSTACLE_MARGIN = 70  # arrows keep this far from symbols they do not touch
LANE_SEPARATION = 70  # parallel arrows keep this far apart
BORDER_KEEP = 40  # horizontal arrow runs keep off row lines by this much
COLUMN_KEEP = mm(1.5)  # vertical arrow runs keep this far from column lines (visibly apart)
LABEL_KEEP = 30  # a Ya/Tidak label box keeps this far from grid lines and arrows
# Cell top and bottom margins: air between the text lines and the row lines. The bottom is
# larger: LibreOffice sets text low in an exact-height line (descenders measured 0.2 mm
# lower than the line box in the PDF), so the last line keeps 0.5 mm from the border.
ROW_PADDING_TOP = mm(0.7)
ROW_PADDING_BOTTOM = mm(1.1)
BULLET = "\u2022"
BULLET_INDENT = mm(3)  # hanging indent of a bulleted kelengkapan item
ACTOR_TITLE_MIN_PT = 7.5  # actor names shrink to this before their words are hyphenated
LANE_COMFORT = 150  # lanes closer than this to a symbol cost extra
ARROW_MIN = 120  # shortest last segment: room for the arrowhead
PAGE_SAFETY = 60  # unused space kept at the bottom of each page's body
HEADER_EXTRA = 60  # extra height of header rows 1 and 2 (air around the titles)

BEND_COST = 150
CROSS_COST = 1500

Shape = Literal["terminator", "process", "decision"]
ColumnKey = Literal["no", "kegiatan", "actor", "kelengkapan", "waktu", "output", "keterangan"]
Label = Literal["Ya", "Tidak"]
Point = tuple[int, int]


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class StepSpec:
    """One step (row). ``actor`` is a 0-based index into :attr:`SheetSpec.actors`.

    ``ya``/``tidak`` are 0-based step indexes. A step with ``tidak`` is a decision;
    ``ya`` defaults to the next step (on any step it may redirect the flow).
    """

    kegiatan: str
    actor: int
    kelengkapan: str = ""
    waktu: str = ""
    output: str = ""
    keterangan: str = ""
    ya: int | None = None
    tidak: int | None = None


@dataclass(frozen=True)
class SheetSpec:
    """What to lay out. Margins are (top, right, bottom, left) in twips."""

    actors: list[str]
    steps: list[StepSpec]
    paper: str = "A4"
    margins: tuple[int, int, int, int] = (850, 850, 850, 1134)
    font: str = "Times New Roman"
    font_size_pt: float = 10
    line_pitch_twips: int | None = None  # exact line spacing; default 1.2 x font size
    header_font_size_pt: float | None = None  # default: font_size_pt (header is bold)
    cell_margin_lr_twips: int = 57  # left and right cell margins (0.1 cm)
    cell_margin_top_twips: int = ROW_PADDING_TOP
    cell_margin_bottom_twips: int = ROW_PADDING_BOTTOM
    top_offset_twips: int = 20  # space above each page's table (page-break paragraph)


# -------------------------------------------------------------------------- output


@dataclass(frozen=True)
class Column:
    """A table column: left edge ``x`` on the page and ``width`` (the gridCol/tcW)."""

    key: ColumnKey
    title: str
    x: int
    width: int
    actor: int | None = None


@dataclass(frozen=True)
class RowBox:
    """A step's table row: top ``y`` on the page and its exact ``height``."""

    step: int
    y: int
    height: int


@dataclass(frozen=True)
class SymbolBox:
    """Bounding box of a step's symbol (DrawingML flowChartTerminator / flowChartProcess /
    flowChartDecision). Arrows attach at the top centre, bottom centre and the side
    midpoints of this box, which lie on all three shapes' outlines."""

    step: int
    shape: Shape
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class ConnectorBox:
    """Off-page connector, DrawingML flowChartOffpageConnector (a pentagon pointing down:
    straight sides over the top 80 %, the tip at the bottom centre). ``step`` is the step
    it leaves ("out") or enters ("in"); ``edge`` the flow edge (from, to) it carries.
    Arrows attach at the top centre, the bottom tip or the side midpoints."""

    letter: str
    x: int
    y: int
    w: int
    h: int
    kind: Literal["out", "in"]
    step: int = -1
    edge: tuple[int, int] | None = None


@dataclass(frozen=True)
class Arrow:
    """Orthogonal polyline, arrowhead at the last point; ``edge`` = (from, to) steps.

    ``label_pos`` is the top-left corner of a ``label_size`` text box for the label.
    """

    points: list[Point]
    label: Label | None = None
    label_pos: Point | None = None
    label_size: tuple[int, int] | None = None
    edge: tuple[int, int] | None = None


@dataclass
class Page:
    """One page: its table's rows and the chart drawn over them."""

    index: int
    table_y: int  # top of this page's table (header row 1)
    rows_y: int  # top of the first step row
    rows: list[RowBox] = field(default_factory=list)
    symbols: list[SymbolBox] = field(default_factory=list)
    connectors: list[ConnectorBox] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)


@dataclass
class SheetLayout:
    """The whole sheet. Page size is landscape; margins (top, right, bottom, left)."""

    page_width: int
    page_height: int
    margins: tuple[int, int, int, int]
    columns: list[Column]
    header_heights: tuple[int, int, int]
    line_pitch: int  # exact line spacing of the step rows (twips)
    header_line_pitch: int  # exact line spacing of the header rows
    font: str
    font_size_pt: float
    header_font_size_pt: float
    label_font_size_pt: float
    actor_header_font_size_pt: float  # actor names: smaller than the header when a word would break
    actor_header_line_pitch: int  # their exact line spacing
    cell_margin_lr: int
    cell_margin_top: int
    cell_margin_bottom: int
    top_offset: int
    pages: list[Page]
    row_lines: list[int] = field(default_factory=list)  # lines of the fullest cell per step
    #: per step, the texts to print (soft hyphens where a word breaks): "kegiatan", "waktu",
    #: "output", "keterangan" as str; "kelengkapan" items joined by "\n"
    cells: list[dict[str, str]] = field(default_factory=list)
    actor_titles: list[str] = field(default_factory=list)  # actor names as printed (soft hyphens)

    def text_width(self, key: str) -> int:
        """Width available to the text of a column's cells (what the wrap was measured in)."""
        return _inner(self.column(key), self.cell_margin_lr)

    def text_width_of(self, column: Column) -> int:
        return _inner(column, self.cell_margin_lr)

    def bulleted(self, step: int) -> bool:
        """Whether a step's kelengkapan is printed as a bulleted list."""
        return len(self.cells[step]["kelengkapan"].split("\n")) > 1

    @property
    def table_x(self) -> int:
        return self.margins[3]

    @property
    def table_width(self) -> int:
        return sum(c.width for c in self.columns)

    @property
    def body_bottom(self) -> int:
        return self.page_height - self.margins[2]

    @property
    def actor_columns(self) -> list[Column]:
        return [c for c in self.columns if c.key == "actor"]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def page_of(self, step: int) -> int:
        for page in self.pages:
            if any(r.step == step for r in page.rows):
                return page.index
        raise KeyError(step)


# ------------------------------------------------------------------------ helpers


@dataclass(frozen=True)
class _Rect:
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def cx(self) -> int:
        return (self.x0 + self.x1) // 2

    @property
    def cy(self) -> int:
        return (self.y0 + self.y1) // 2

    def grow(self, d: int) -> _Rect:
        return _Rect(self.x0 - d, self.y0 - d, self.x1 + d, self.y1 + d)

    def hits(self, other: _Rect) -> bool:
        """Open interiors intersect (touching edges do not count)."""
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1


Seg = tuple[int, int, int, int]


def _seg_rect(seg: Seg) -> _Rect:
    x1, y1, x2, y2 = seg
    return _Rect(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def _seg_hits_rect(seg: Seg, rect: _Rect) -> bool:
    """An axis-parallel segment passes through the open interior of ``rect``."""
    x1, y1, x2, y2 = seg
    if y1 == y2:
        if not rect.y0 < y1 < rect.y1:
            return False
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
        return lo < rect.x1 and rect.x0 < hi
    if not rect.x0 < x1 < rect.x1:
        return False
    lo, hi = (y1, y2) if y1 <= y2 else (y2, y1)
    return lo < rect.y1 and rect.y0 < hi


def _segments(points: list[Point]) -> list[Seg]:
    return [(a[0], a[1], b[0], b[1]) for a, b in zip(points, points[1:])]


def _simplify(points: list[Point]) -> list[Point]:
    out: list[Point] = []
    for p in points:
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            a, b = out[-2], out[-1]
            if (a[0] == b[0] == p[0]) or (a[1] == b[1] == p[1]):
                out[-1] = p
                continue
        out.append(p)
    return out


def _crosses(a: Seg, b: Seg) -> bool:
    """Perpendicular segments crossing at interior points of both."""
    ah = a[1] == a[3]
    bh = b[1] == b[3]
    if ah == bh:
        return False
    h, v = (a, b) if ah else (b, a)
    hx0, hx1 = sorted((h[0], h[2]))
    vy0, vy1 = sorted((v[1], v[3]))
    return hx0 < v[0] < hx1 and vy0 < h[1] < vy1


def _overlaps(a: Seg, b: Seg, sep: int) -> bool:
    """Parallel segments closer than ``sep`` that run alongside each other."""
    ah = a[1] == a[3]
    bh = b[1] == b[3]
    if ah != bh:
        return False
    if ah:
        if abs(a[1] - b[1]) >= sep:
            return False
        lo = max(min(a[0], a[2]), min(b[0], b[2]))
        hi = min(max(a[0], a[2]), max(b[0], b[2]))
    else:
        if abs(a[0] - b[0]) >= sep:
            return False
        lo = max(min(a[1], a[3]), min(b[1], b[3]))
        hi = min(max(a[1], a[3]), max(b[1], b[3]))
    return hi > lo


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, 27 -> AB ..."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


# ------------------------------------------------------------------------- checks


def _check_spec(spec: SheetSpec) -> None:
    problems: list[Problem] = []
    n_actors = len(spec.actors)
    if not 1 <= n_actors <= MAX_ACTORS:
        problems.append(Problem(
            f"{n_actors} pelaksana; lembar SOP memuat 1 sampai {MAX_ACTORS} pelaksana",
            field="pelaksana",
        ))
    for i, name in enumerate(spec.actors):
        if not name.strip():
            problems.append(Problem("nama pelaksana kosong", field=f"pelaksana[{i + 1}]"))
    n_steps = len(spec.steps)
    if not 1 <= n_steps <= MAX_STEPS:
        problems.append(Problem(
            f"{n_steps} langkah; lembar SOP memuat 1 sampai {MAX_STEPS} langkah", field="langkah"
        ))
    if spec.paper not in PAPER_SIZES:
        problems.append(Problem(
            f"ukuran kertas {spec.paper!r} tidak dikenal; pilih {' atau '.join(PAPER_SIZES)}",
            field="kertas",
        ))
    try:
        textmetrics.face_key(spec.font)
    except ValueError:
        problems.append(Problem(
            f"huruf {spec.font!r} tidak didukung; pilih {' atau '.join(textmetrics.FONTS)}",
            field="huruf",
        ))
    if not 6 <= spec.font_size_pt <= 14:
        problems.append(Problem(f"ukuran huruf {spec.font_size_pt} pt di luar 6-14 pt", field="ukuran_huruf"))
    if spec.header_font_size_pt is not None and not 6 <= spec.header_font_size_pt <= 14:
        problems.append(Problem(
            f"ukuran huruf judul {spec.header_font_size_pt} pt di luar 6-14 pt", field="ukuran_huruf"
        ))
    if spec.line_pitch_twips is not None and spec.line_pitch_twips < spec.font_size_pt * 20:
        problems.append(Problem(
            f"jarak baris {spec.line_pitch_twips} twip lebih kecil dari ukuran huruf", field="jarak_baris"
        ))
    if len(spec.margins) != 4 or any(m < 0 for m in spec.margins):
        problems.append(Problem(f"margin {spec.margins!r} tidak sah", field="margin"))
    if min(spec.cell_margin_lr_twips, spec.cell_margin_top_twips, spec.cell_margin_bottom_twips,
           spec.top_offset_twips) < 0:
        problems.append(Problem("margin sel dan jarak atas tidak boleh negatif", field="margin"))
    if 1 <= n_actors <= MAX_ACTORS:
        for i, step in enumerate(spec.steps):
            where = f"langkah[{i + 1}]"
            if not 0 <= step.actor < n_actors:
                problems.append(Problem(
                    f"pelaksana nomor {step.actor + 1} tidak ada (ada {n_actors} pelaksana)",
                    field=f"{where}.pelaksana",
                ))
    for i, step in enumerate(spec.steps):
        where = f"langkah[{i + 1}]"
        for name, target in (("ya", step.ya), ("tidak", step.tidak)):
            if target is None:
                continue
            if not 0 <= target < n_steps:
                problems.append(Problem(
                    f"menuju langkah {target + 1} yang tidak ada (ada {n_steps} langkah)",
                    field=f"{where}.{name}",
                ))
            elif target == i:
                problems.append(Problem("menuju langkah itu sendiri", field=f"{where}.{name}"))
        if step.tidak is not None and step.ya is not None and step.ya == step.tidak:
            problems.append(Problem("ya dan tidak menuju langkah yang sama", field=f"{where}.tidak"))
        if step.tidak is not None and step.ya is None and step.tidak == i + 1:
            problems.append(Problem(
                "ya (langkah berikutnya) dan tidak menuju langkah yang sama", field=f"{where}.tidak"
            ))
    if problems:
        raise ValidationError(problems)


# ------------------------------------------------------------------------- edges


@dataclass
class _Edge:
    src: int
    dst: int
    label: Label | None
    exit: Literal["bottom", "side"]


def _edges(steps: list[StepSpec]) -> list[_Edge]:
    n = len(steps)
    edges: list[_Edge] = []
    for i, step in enumerate(steps):
        nxt = i + 1 if i + 1 < n else None
        if step.tidak is None:
            target = step.ya if step.ya is not None else (nxt if i < n - 1 else None)
            if target is not None:
                edges.append(_Edge(i, target, None, "bottom"))
            continue
        ya = step.ya if step.ya is not None else nxt
        if ya is None:
            edges.append(_Edge(i, step.tidak, "Tidak", "side"))
            continue
        if ya != nxt and step.tidak == nxt:
            edges.append(_Edge(i, step.tidak, "Tidak", "bottom"))
            edges.append(_Edge(i, ya, "Ya", "side"))
        else:
            edges.append(_Edge(i, ya, "Ya", "bottom"))
            edges.append(_Edge(i, step.tidak, "Tidak", "side"))
    return edges


def _shape(spec: SheetSpec, i: int) -> Shape:
    if i == 0 or i == len(spec.steps) - 1:
        return "terminator"
    return "decision" if spec.steps[i].tidak is not None else "process"


def _symbol_width(actor_width: int, n_actors: int) -> int:
    width = min(SYMBOL_MAX_WIDTH, round(SYMBOL_WIDTH_SHARE * actor_width))
    if n_actors == 1:
        # No neighbour column: an off-page connector beside a symbol must fit in its own.
        width = min(width, actor_width - 2 * (SIDE_CONNECTOR_GAP + CONNECTOR_SIZE + BORDER_KEEP))
    return max(SYMBOL_MIN_WIDTH, width) // 2 * 2  # even: the centre is a whole twip


def _symbol_height(shape: Shape) -> int:
    return DECISION_HEIGHT if shape == "decision" else PROCESS_HEIGHT


# ------------------------------------------------------------------------ columns


def _water_fill(total: int, items: list[tuple[str, int, int]]) -> dict[str, int]:
    """Split ``total`` by weight, never below each item's minimum."""
    fixed: dict[str, int] = {}
    while True:
        free = [it for it in items if it[0] not in fixed]
        remaining = total - sum(fixed.values())
        weight = sum(it[1] for it in free)
        shares = {key: remaining * w / weight for key, w, _ in free}
        short = [it for it in free if shares[it[0]] < it[2]]
        if not short:
            break
        for key, _, minimum in short:
            fixed[key] = minimum
    widths = dict(fixed)
    for key, share in shares.items():
        widths[key] = int(share)
    first = items[0][0]
    widths[first] += total - sum(widths.values())
    return widths


def _columns(spec: SheetSpec, page_w: int, header_pt: float) -> list[Column]:
    top, right, bottom, left = spec.margins
    usable = page_w - left - right
    pad = 2 * spec.cell_margin_lr_twips + BORDER_ALLOWANCE

    def need(text: str) -> int:
        return textmetrics.fit_width(text, spec.font, header_pt, bold=True) + pad

    n = len(spec.actors)
    no_w = max(NO_MIN_WIDTH, need(TITLES["no"]), textmetrics.fit_width(f"{len(spec.steps)}.", spec.font, spec.font_size_pt) + pad)
    rest = usable - no_w
    fitted = [(key, weight, max(minimum, need(TITLES[key]))) for key, weight, minimum in TEXT_COLUMNS]
    actor_w = 0
    for items in (fitted, list(TEXT_COLUMNS)):
        widest = SINGLE_ACTOR_MAX_WIDTH if n == 1 else ACTOR_MAX_WIDTH
        preferred = min(widest, max(ACTOR_MIN_WIDTH, int(ACTOR_SHARE * rest / n)))
        actor_w = min(preferred, (rest - sum(it[2] for it in items)) // n)
        if actor_w >= ACTOR_ABS_MIN_WIDTH:
            break
    else:
        raise ValidationError([Problem(
            f"{n} pelaksana tidak muat pada kertas {spec.paper} dengan margin ini; "
            "kurangi pelaksana, perkecil margin atau pakai kertas F4",
            field="pelaksana",
        )])
    widths = _water_fill(rest - n * actor_w, items)
    columns: list[Column] = []
    x = left

    def add(key: ColumnKey, title: str, width: int, actor: int | None = None) -> None:
        nonlocal x
        columns.append(Column(key, title, x, width, actor))
        x += width

    add("no", TITLES["no"], no_w)
    add("kegiatan", TITLES["kegiatan"], widths["kegiatan"])
    for a, name in enumerate(spec.actors):
        add("actor", name, actor_w, a)
    for key in ("kelengkapan", "waktu", "output", "keterangan"):
        add(key, TITLES[key], widths[key])
    return columns


# ------------------------------------------------------------------------ heights


def _inner(col: Column, margin_lr: int) -> int:
    return col.width - 2 * margin_lr - BORDER_ALLOWANCE


def _lines(text: str, col: Column, spec: SheetSpec, size: float, bold: bool = False) -> int:
    return textmetrics.line_count(text, _inner(col, spec.cell_margin_lr_twips), spec.font, size, bold)


def _hyphenated(text: str, width: int, spec: SheetSpec, size: float, bold: bool = False) -> str:
    return textmetrics.hyphenate(text, width, spec.font, size, bold)


def _step_cells(spec: SheetSpec, step: StepSpec, columns: list[Column]) -> dict[str, str]:
    """The step's cell texts as printed: words too wide for their column hyphenated."""
    by_key = {c.key: c for c in columns if c.key != "actor"}
    size = spec.font_size_pt
    cells = {
        key: _hyphenated(getattr(step, key), _inner(by_key[key], spec.cell_margin_lr_twips), spec, size)
        for key in ("kegiatan", "waktu", "output", "keterangan")
    }
    items = step.kelengkapan.split("\n") if step.kelengkapan else []
    width = _inner(by_key["kelengkapan"], spec.cell_margin_lr_twips)
    if len(items) > 1:
        width -= BULLET_INDENT
    cells["kelengkapan"] = "\n".join(_hyphenated(item, width, spec, size) for item in items)
    return cells


def _actor_title_size(spec: SheetSpec, columns: list[Column], header_pt: float) -> float:
    """The largest size (down to ACTOR_TITLE_MIN_PT, still legible) at which no word of an
    actor name breaks; below that floor the words are hyphenated."""
    actors = [c for c in columns if c.key == "actor"]
    size = header_pt
    while size > ACTOR_TITLE_MIN_PT:
        if all(
            textmetrics.fit_width(word, spec.font, size, bold=True) <= c.width - 2 * spec.cell_margin_lr_twips - BORDER_ALLOWANCE
            for c in actors
            for word in c.title.replace("/", "/ ").split()
        ):
            break
        size -= 0.5
    return size


def _pitch(size_pt: float, at_most: int) -> int:
    """Exact line spacing of text at ``size_pt`` (1.2 x), no more than ``at_most``."""
    return min(at_most, round(size_pt * 1.2 * 20))


def _header_heights(
    spec: SheetSpec, columns: list[Column], pitch: int, header_pt: float, actor_pt: float, actor_titles: list[str]
) -> tuple[int, int, int]:
    tb = spec.cell_margin_top_twips + spec.cell_margin_bottom_twips
    by_key = {c.key: c for c in columns if c.key != "actor"}
    actors = [c for c in columns if c.key == "actor"]
    pel = Column("actor", GROUP_PELAKSANA, actors[0].x, sum(c.width for c in actors))
    mutu_cols = [by_key[k] for k in ("kelengkapan", "waktu", "output")]
    mutu = Column("kelengkapan", GROUP_MUTU_BAKU, mutu_cols[0].x, sum(c.width for c in mutu_cols))
    l1 = max(_lines(GROUP_PELAKSANA, pel, spec, header_pt, True), _lines(GROUP_MUTU_BAKU, mutu, spec, header_pt, True))
    actor_lines = max(_lines(title, c, spec, actor_pt, True) for c, title in zip(actors, actor_titles))
    l2 = max(_lines(c.title, c, spec, header_pt, True) for c in mutu_cols)
    merged = max(_lines(by_key[k].title, by_key[k], spec, header_pt, True) for k in ("no", "kegiatan", "keterangan"))
    h1 = l1 * pitch + tb + HEADER_EXTRA
    h2 = max(l2 * pitch, actor_lines * _pitch(actor_pt, pitch)) + tb + HEADER_EXTRA
    h2 = max(h2, merged * pitch + tb - h1)  # NO, KEGIATAN, KETERANGAN span rows 1-2
    h3 = pitch + tb
    return h1, h2, h3


def _text_height(spec: SheetSpec, cells: dict[str, str], index: int, columns: list[Column], pitch: int) -> tuple[int, int]:
    by_key = {c.key: c for c in columns if c.key != "actor"}
    size = spec.font_size_pt
    items = cells["kelengkapan"].split("\n")
    bullet_col = by_key["kelengkapan"]
    if len(items) > 1:
        bullet_col = Column("kelengkapan", "", bullet_col.x, bullet_col.width - BULLET_INDENT)
    lines = max(
        _lines(f"{index + 1}.", by_key["no"], spec, size),
        _lines(cells["kegiatan"], by_key["kegiatan"], spec, size),
        sum(_lines(item, bullet_col, spec, size) for item in items),
        _lines(cells["waktu"], by_key["waktu"], spec, size),
        _lines(cells["output"], by_key["output"], spec, size),
        _lines(cells["keterangan"], by_key["keterangan"], spec, size),
    )
    return lines, lines * pitch + spec.cell_margin_top_twips + spec.cell_margin_bottom_twips


def _stack_height(shape: Shape, top_conn: bool, bottom_conn: bool) -> int:
    h = _symbol_height(shape)
    if top_conn:
        h += CONNECTOR_SIZE + CONNECTOR_GAP
    if bottom_conn:
        h += CONNECTOR_GAP + CONNECTOR_SIZE
    return h


# --------------------------------------------------------------------- pagination


def _paginate(
    spec: SheetSpec,
    text_h: list[int],
    edges: list[_Edge],
    avail: int,
) -> list[tuple[int, int, bool, bool]]:
    """Greedy pages: (first step, last step, top slot used, bottom slot used)."""
    n = len(spec.steps)
    shapes = [_shape(spec, i) for i in range(n)]
    incoming: dict[int, list[int]] = {i: [] for i in range(n)}
    bottom_target: dict[int, int] = {}
    for edge in edges:
        incoming[edge.dst].append(edge.src)
        if edge.exit == "bottom":
            bottom_target[edge.src] = edge.dst

    def height(i: int, top: bool, bottom: bool) -> int:
        return max(text_h[i], _stack_height(shapes[i], top, bottom) + 2 * CLEARANCE)

    def page_height(s: int, e: int) -> tuple[int, bool, bool]:
        top = any(not s <= u <= e for u in incoming[s])
        bottom = e in bottom_target and not s <= bottom_target[e] <= e
        if s == e:
            return height(s, top, bottom), top, bottom
        total = height(s, top, False) + height(e, False, bottom)
        total += sum(height(i, False, False) for i in range(s + 1, e))
        return total, top, bottom

    pages: list[tuple[int, int, bool, bool]] = []
    s = 0
    while s < n:
        best: tuple[int, bool, bool] | None = None
        lower = 0  # the rows s..e without any connector room: a lower bound
        for e in range(s, n):
            lower += height(e, False, False)
            if lower > avail:
                break
            total, top, bottom = page_height(s, e)
            if total <= avail:
                best = (e, top, bottom)
        if best is None:
            total, _, _ = page_height(s, s)
            raise ValidationError([Problem(
                f"baris langkah ini setinggi {total / TWIPS_PER_MM:.0f} mm, melebihi tinggi "
                f"halaman yang tersedia ({avail / TWIPS_PER_MM:.0f} mm); persingkat teksnya",
                field=f"langkah[{s + 1}]",
            )])
        e, top, bottom = best
        pages.append((s, e, top, bottom))
        s = e + 1
    return pages


# ------------------------------------------------------------------------ routing


_Candidate = tuple[float, list[Point], list[tuple[int, str]], "int | None", "int | None"]


class _Router:
    """Obstacles, drawn segments and used ports of one page; finds orthogonal routes."""

    def __init__(self, x0: int, x1: int, y0: int, y1: int, borders_x: list[int], borders_y: list[int]):
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1
        self.borders_x = borders_x
        self.borders_y = borders_y
        self.boxes: list[_Rect] = []
        self.grown: list[_Rect] = []  # boxes grown by OBSTACLE_MARGIN
        self.symbol_boxes: list[_Rect] = []
        self.segments: list[Seg] = []
        self.ports: set[tuple[int, str]] = set()

    def add_box(self, rect: _Rect, symbol: bool = False) -> int:
        self.boxes.append(rect)
        self.grown.append(rect.grow(OBSTACLE_MARGIN))
        if symbol:
            self.symbol_boxes.append(rect)
        return len(self.boxes) - 1

    def add_path(self, points: list[Point]) -> None:
        self.segments.extend(_segments(points))

    # -- validity -----------------------------------------------------------

    def _near_border(self, seg: Seg) -> bool:
        if seg[0] == seg[2]:  # vertical
            x = seg[0]
            if not self.x0 + COLUMN_KEEP <= x <= self.x1 - COLUMN_KEEP:
                return True
            return any(abs(x - b) < COLUMN_KEEP for b in self.borders_x)
        y = seg[1]
        if not self.y0 + BORDER_KEEP <= y <= self.y1 - BORDER_KEEP:
            return True
        lo, hi = sorted((seg[0], seg[2]))
        if lo < self.x0 + BORDER_KEEP or hi > self.x1 - BORDER_KEEP:
            return True
        return any(abs(y - b) < BORDER_KEEP for b in self.borders_y)

    def path_ok(self, points: list[Point], start_box: int | None, end_box: int | None, strict: bool = True) -> bool:
        segs = _segments(points)
        last = len(segs) - 1
        for k, seg in enumerate(segs):
            if self._near_border(seg):
                return False
            for b, rect in enumerate(self.grown):
                exempt = (b == start_box and k == 0) or (b == end_box and k == last)
                if _seg_hits_rect(seg, self.boxes[b] if exempt else rect):
                    return False
            if strict and any(_overlaps(seg, other, LANE_SEPARATION) for other in self.segments):
                return False
        return True

    def extra_cost(self, points: list[Point]) -> float:
        segs = _segments(points)
        cost = 0.0
        for seg in segs:
            cost += CROSS_COST * sum(1 for other in self.segments if _crosses(seg, other))
            cost += 4 * CROSS_COST * sum(1 for other in self.segments if _overlaps(seg, other, LANE_SEPARATION))
        for seg in segs[1:-1]:
            if seg[0] != seg[2]:
                continue
            lo, hi = sorted((seg[1], seg[3]))
            for rect in self.symbol_boxes:
                if rect.y0 < hi and lo < rect.y1:
                    d = min(abs(seg[0] - rect.x0), abs(seg[0] - rect.x1))
                    if d < LANE_COMFORT:
                        cost += 2 * (LANE_COMFORT - d)
        return cost

    def box_ok(self, rect: _Rect) -> bool:
        if rect.x0 < self.x0 + BORDER_KEEP or rect.x1 > self.x1 - BORDER_KEEP:
            return False
        if any(rect.hits(other) for other in self.grown):
            return False
        return not any(_seg_hits_rect(seg, rect.grow(OBSTACLE_MARGIN // 2)) for seg in self.segments)

    # -- search -------------------------------------------------------------

    def lane_xs(self) -> list[int]:
        return list(range(self.x0 + COLUMN_KEEP, self.x1 - COLUMN_KEEP + 1, 20))

    def route(self, candidates: list[_Candidate], relax: bool = True) -> tuple[list[Point], list[tuple[int, str]]] | None:
        """Cheapest valid candidate; with ``relax``, overlaps are allowed if nothing else fits."""
        candidates = sorted(candidates, key=lambda c: c[0])
        for strict in (True, False) if relax else (True,):
            best: tuple[float, list[Point], list[tuple[int, str]]] | None = None
            for base, points, ports, sbox, ebox in candidates:
                if best is not None and base >= best[0]:
                    break
                if strict and any(p in self.ports for p in ports if p[1] != "top"):
                    continue
                if not self.path_ok(points, sbox, ebox, strict):
                    continue
                total = base + self.extra_cost(points)
                if any(p in self.ports for p in ports):
                    total += 4 * CROSS_COST
                if best is None or total < best[0]:
                    best = (total, points, ports)
            if best is not None:
                return best[1], best[2]
        return None


def _path_cost(points: list[Point]) -> float:
    length = sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in zip(points, points[1:]))
    return length + BEND_COST * max(0, len(points) - 2)


# ------------------------------------------------------------------------- layout


@dataclass
class _Placed:
    """A symbol or connector on a page, with the row it sits in."""

    step: int
    rect: _Rect
    box: int  # index in the router
    row: RowBox
    shape: str


def _chart(
    spec: SheetSpec, columns: list[Column], text_h: list[int], edges: list[_Edge], avail: int, table_y: int,
    rows_y: int, label_pt: float,
) -> tuple[list[Page], set[int]]:
    """Rows, symbols, arrows and labels; with the steps whose labels found no free place."""
    n = len(spec.steps)
    plan = _paginate(spec, text_h, edges, avail)
    shapes = [_shape(spec, i) for i in range(n)]
    actor_cols = [c for c in columns if c.key == "actor"]
    sym_w = _symbol_width(actor_cols[0].width, len(actor_cols))
    page_of = {}
    for p, (s, e, _, _) in enumerate(plan):
        for i in range(s, e + 1):
            page_of[i] = p

    pages: list[Page] = []
    routers: list[_Router] = []
    placed: dict[int, _Placed] = {}
    for p, (s, e, top_slot, bottom_slot) in enumerate(plan):
        page = Page(p, table_y, rows_y)
        y = rows_y
        borders_y = [rows_y]
        x0 = actor_cols[0].x
        x1 = actor_cols[-1].x + actor_cols[-1].width
        for i in range(s, e + 1):
            t = top_slot and i == s
            b = bottom_slot and i == e
            h = max(text_h[i], _stack_height(shapes[i], t, b) + 2 * CLEARANCE)
            row = RowBox(i, y, h)
            page.rows.append(row)
            y += h
            borders_y.append(y)
        router = _Router(x0, x1, rows_y, y, [c.x for c in actor_cols[1:]], borders_y)
        for row in page.rows:
            i = row.step
            t = top_slot and i == s
            b = bottom_slot and i == e
            stack = _stack_height(shapes[i], t, b)
            sy = row.y + (row.height - stack) // 2 + (CONNECTOR_SIZE + CONNECTOR_GAP if t else 0)
            col = actor_cols[spec.steps[i].actor]
            sx = col.x + (col.width - sym_w) // 2
            sh = _symbol_height(shapes[i])
            sym = SymbolBox(i, shapes[i], sx, sy, sym_w, sh)
            page.symbols.append(sym)
            rect = _Rect(sx, sy, sx + sym_w, sy + sh)
            placed[i] = _Placed(i, rect, router.add_box(rect, symbol=True), row, shapes[i])
        pages.append(page)
        routers.append(router)

    _route_all(spec, edges, plan, pages, routers, placed, page_of)
    cramped = _place_labels(spec, pages, routers, label_pt)
    _assign_letters(pages)
    return pages, cramped


def layout_sheet(spec: SheetSpec) -> SheetLayout:
    """Compute the whole sheet; ValidationError for input that cannot be laid out."""
    _check_spec(spec)
    short, long = PAPER_SIZES[spec.paper]
    page_w, page_h = long, short
    top, right, bottom, left = spec.margins
    header_pt = spec.header_font_size_pt or spec.font_size_pt
    pitch = spec.line_pitch_twips or round(spec.font_size_pt * 1.2 * 20)
    header_pitch = max(pitch, round(header_pt * 1.2 * 20))
    if page_w - left - right < mm(150) or page_h - top - bottom < mm(80):
        raise ValidationError([Problem(f"margin {spec.margins!r} terlalu besar untuk kertas {spec.paper}", field="margin")])
    columns = _columns(spec, page_w, header_pt)
    actor_pt = _actor_title_size(spec, columns, header_pt)
    actor_titles = [
        _hyphenated(c.title, _inner(c, spec.cell_margin_lr_twips), spec, actor_pt, True)
        for c in columns if c.key == "actor"
    ]
    headers = _header_heights(spec, columns, header_pitch, header_pt, actor_pt, actor_titles)
    table_y = top + spec.top_offset_twips
    rows_y = table_y + sum(headers)
    body_bottom = page_h - bottom
    avail = body_bottom - PAGE_SAFETY - rows_y
    n = len(spec.steps)
    cells = [_step_cells(spec, step, columns) for step in spec.steps]
    text = [_text_height(spec, cells[i], i, columns, pitch) for i in range(len(spec.steps))]
    text_h = [t[1] for t in text]
    edges = _edges(spec.steps)
    label_pt = max(6.0, spec.font_size_pt - 1)
    # A label that finds no free place (tight rows) gets room: its row grows, and again.
    for _ in range(LABEL_ATTEMPTS):
        pages, cramped = _chart(spec, columns, text_h, edges, avail, table_y, rows_y, label_pt)
        if not cramped:
            break
        rows = {r.step: r for page in pages for r in page.rows}
        lh = round(label_pt * 1.2 * 20)
        for i in cramped:
            text_h[i] = rows[i].height + lh + 2 * LABEL_KEEP
    return SheetLayout(
        page_width=page_w,
        page_height=page_h,
        margins=spec.margins,
        columns=columns,
        header_heights=headers,
        line_pitch=pitch,
        header_line_pitch=header_pitch,
        actor_header_font_size_pt=actor_pt,
        actor_header_line_pitch=_pitch(actor_pt, header_pitch),
        font=spec.font,
        font_size_pt=spec.font_size_pt,
        header_font_size_pt=header_pt,
        label_font_size_pt=label_pt,
        cell_margin_lr=spec.cell_margin_lr_twips,
        cell_margin_top=spec.cell_margin_top_twips,
        cell_margin_bottom=spec.cell_margin_bottom_twips,
        top_offset=spec.top_offset_twips,
        pages=pages,
        row_lines=[t[0] for t in text],
        cells=cells,
        actor_titles=actor_titles,
    )


def _route_all(
    spec: SheetSpec,
    edges: list[_Edge],
    plan: list[tuple[int, int, bool, bool]],
    pages: list[Page],
    routers: list[_Router],
    placed: dict[int, _Placed],
    page_of: dict[int, int],
) -> None:
    last_rows = {e for _, e, _, _ in plan}
    cross = [e for e in edges if page_of[e.src] != page_of[e.dst]]
    inside = [e for e in edges if page_of[e.src] == page_of[e.dst]]
    label_w = {
        label: textmetrics.fit_width(label, spec.font, max(6.0, spec.font_size_pt - 1)) + 20
        for label in ("Ya", "Tidak")
    }

    def add_arrow(page: int, points: list[Point], edge: _Edge, label: Label | None) -> None:
        points = _simplify(points)
        pages[page].arrows.append(Arrow(points, label, None, None, (edge.src, edge.dst)))
        routers[page].add_path(points)

    # 1. Backbone: bottom exits to the next row on the same page.
    rest: list[_Edge] = []
    for edge in inside:
        if edge.exit == "bottom" and edge.dst == edge.src + 1:
            a, b = placed[edge.src], placed[edge.dst]
            p = page_of[edge.src]
            if a.rect.cx == b.rect.cx:
                pts = [(a.rect.cx, a.rect.y1), (b.rect.cx, b.rect.y0)]
            else:
                yh = (a.rect.y1 + a.row.y + a.row.height) // 2
                pts = [(a.rect.cx, a.rect.y1), (a.rect.cx, yh), (b.rect.cx, yh), (b.rect.cx, b.rect.y0)]
            add_arrow(p, pts, edge, edge.label)
            routers[p].ports.update({(a.box, "bottom"), (b.box, "top")})
        else:
            rest.append(edge)

    # 2. Off-page connectors stacked above/below a symbol (room reserved in the row).
    top_slot_edge: dict[int, _Edge] = {}
    for s, _, top_used, _ in plan:
        into = sorted((e for e in cross if e.dst == s), key=lambda e: (e.src != s - 1, e.src))
        if top_used and into:
            top_slot_edge[s] = into[0]
    free: list[tuple[_Edge, Literal["out", "in"]]] = []
    for edge in cross:
        a = placed[edge.src]
        p = page_of[edge.src]
        if edge.exit == "bottom" and edge.src in last_rows and (a.box, "bottom") not in routers[p].ports:
            r = a.rect
            conn = _Rect(r.cx - CONNECTOR_SIZE // 2, r.y1 + CONNECTOR_GAP, r.cx + CONNECTOR_SIZE - CONNECTOR_SIZE // 2, r.y1 + CONNECTOR_GAP + CONNECTOR_SIZE)
            _add_connector(pages[p], routers[p], conn, "out", edge.src, edge)
            add_arrow(p, [(r.cx, r.y1), (r.cx, conn.y0)], edge, edge.label)
            routers[p].ports.add((a.box, "bottom"))
        else:
            free.append((edge, "out"))
        b = placed[edge.dst]
        q = page_of[edge.dst]
        if top_slot_edge.get(edge.dst) is edge:
            r = b.rect
            conn = _Rect(r.cx - CONNECTOR_SIZE // 2, r.y0 - CONNECTOR_GAP - CONNECTOR_SIZE, r.cx + CONNECTOR_SIZE - CONNECTOR_SIZE // 2, r.y0 - CONNECTOR_GAP)
            _add_connector(pages[q], routers[q], conn, "in", edge.dst, edge)
            add_arrow(q, [(r.cx, conn.y1), (r.cx, r.y0)], edge, None)
            routers[q].ports.add((b.box, "top"))
        else:
            free.append((edge, "in"))

    # 3. In-page edges through lanes, short spans first so that they take the inner
    # lanes; then the other connectors, in free room near their symbol (they can go
    # almost anywhere, so they come last).
    def span(edge: _Edge) -> int:
        return abs(placed[edge.src].rect.cy - placed[edge.dst].rect.cy)

    for edge in sorted(rest, key=lambda e: (span(e), e.src)):
        p = page_of[edge.src]
        a, b = placed[edge.src], placed[edge.dst]
        exits = ("bottom",) if edge.exit == "bottom" else ("side",)
        lw = label_w[edge.label] if edge.label else 0
        lane = _lane_route(routers[p], a, b, exits, ("side", "top"), lw, loop=edge.dst < edge.src)
        pts = lane if lane is not None else _fallback_route(a, b, edge)
        add_arrow(p, pts, edge, edge.label)
    for edge, kind in free:
        step = edge.src if kind == "out" else edge.dst
        p = page_of[step]
        pts = _place_connector(pages[p], routers[p], placed[step], edge, kind, label_w)
        add_arrow(p, pts, edge, edge.label if kind == "out" else None)


def _add_connector(page: Page, router: _Router, rect: _Rect, kind: Literal["out", "in"], step: int, edge: _Edge) -> int:
    box = ConnectorBox("", rect.x0, rect.y0, rect.x1 - rect.x0, rect.y1 - rect.y0, kind, step, (edge.src, edge.dst))
    page.connectors.append(box)
    return router.add_box(rect)


def _place_connector(
    page: Page,
    router: _Router,
    sym: _Placed,
    edge: _Edge,
    kind: Literal["out", "in"],
    label_w: dict[str, int],
) -> list[Point]:
    """Put an off-page connector near ``sym`` where an arrow can reach it; the arrow's points."""
    r = sym.rect
    size = CONNECTOR_SIZE
    half = size // 2
    row = sym.row
    lw = label_w[edge.label] if edge.label and kind == "out" else 0
    prefer_right = (router.x1 - r.x1) >= (r.x0 - router.x0)
    options: list[tuple[float, _Rect]] = []
    dys = [0] + [d * sign for d in range(100, 1300, 100) for sign in (-1, 1)]
    for dy in dys:
        y0 = r.cy - half + dy
        if y0 < router.y0 + BORDER_KEEP or y0 + size > router.y1 - BORDER_KEEP:
            continue
        for x0 in range(router.x0 + BORDER_KEEP, router.x1 - BORDER_KEEP - size + 1, 20):
            rect = _Rect(x0, y0, x0 + size, y0 + size)
            if rect.x1 > r.x0 - SIDE_CONNECTOR_GAP and rect.x0 < r.x1 + SIDE_CONNECTOR_GAP and dy == 0:
                continue
            right = rect.x0 >= r.cx
            dist = (rect.x0 - r.x1) if right else (r.x0 - rect.x1)
            cost = abs(dist) + 3 * abs(dy) + (0 if right == prefer_right else 100)
            if 0 < dist < lw + SIDE_CONNECTOR_GAP and dy == 0:
                cost += 150  # the label will not fit above the arrow
            if any(rect.x0 - BORDER_KEEP < bx < rect.x1 + BORDER_KEEP for bx in router.borders_x):
                cost += 300  # straddles a column line
            if rect.y0 < row.y or rect.y1 > row.y + row.height:
                cost += 600  # outside its symbol's row
            options.append((cost, rect))
    options.sort(key=lambda o: o[0])
    exits: tuple[str, ...] = ("side",) if edge.exit == "side" else ("bottom", "side")
    first_free: _Rect | None = None
    for relax in (False, True):
        tried = 0
        for _, rect in options:
            if not router.box_ok(rect):
                continue
            first_free = first_free or rect
            tried += 1
            if tried > 15:
                break
            box = router.add_box(rect)
            conn = _Placed(sym.step, rect, box, row, "connector")
            if kind == "out":
                pts = _lane_route(router, sym, conn, exits, ("side", "top"), lw, loop=False, relax=relax)
            else:
                pts = _lane_route(router, conn, sym, ("bottom", "side"), ("side", "top"), 0, loop=False, relax=relax)
            router.boxes.pop()
            router.grown.pop()
            if pts is not None:
                _add_connector(page, router, rect, kind, sym.step, edge)
                return pts
    # No clean route: an L-shaped arrow to the nearest free place (validate_layout
    # reports what it crosses), or beside the symbol when there is no free place at all.
    rect = first_free or _Rect(r.x1 + SIDE_CONNECTOR_GAP, r.cy - half, r.x1 + SIDE_CONNECTOR_GAP + size, r.cy - half + size)
    _add_connector(page, router, rect, kind, sym.step, edge)
    side_x = r.x1 if rect.cx > r.cx else r.x0
    if rect.y0 <= r.cy <= rect.y1:
        near_x = rect.x0 if rect.cx > r.cx else rect.x1
        pts = [(side_x, r.cy), (near_x, r.cy)]
    else:
        tip_y = rect.y1 if rect.cy < r.cy else rect.y0
        pts = [(side_x, r.cy), (rect.cx, r.cy), (rect.cx, tip_y)]
    return _simplify(pts if kind == "out" else pts[::-1])


def _lane_route(
    router: _Router,
    a: _Placed,
    b: _Placed,
    exits: tuple[str, ...],
    entries: tuple[str, ...],
    label_w: int,
    loop: bool,
    relax: bool = True,
) -> list[Point] | None:
    """Route from ``a`` (bottom or side exit) to ``b`` (top or side entry) via a lane x.

    Shapes: exit, horizontal to the lane, vertical along the lane, then into the target's
    side, or across above the target and down into its top. The source's lower and the
    target's upper clearances hold the horizontal pieces near the ends.
    """
    ra, rb = a.rect, b.rect
    y1 = (ra.y1 + max(ra.y1, a.row.y + a.row.height)) // 2  # below the source
    y2 = rb.y0 - min(ARROW_MIN + 30, max(0, rb.y0 - b.row.y - BORDER_KEEP - 5))  # above the target
    if y1 - ra.y1 < OBSTACLE_MARGIN + 5:
        y1 = ra.y1 + OBSTACLE_MARGIN + 5
    if rb.y0 - y2 < OBSTACLE_MARGIN + 5:
        y2 = rb.y0 - OBSTACLE_MARGIN - 5
    room_left = ra.x0 - router.x0
    room_right = router.x1 - ra.x1
    candidates: list[_Candidate] = []
    for x in router.lane_xs() + [ra.cx, rb.cx]:
        starts: list[tuple[list[Point], tuple[int, str], float]] = []
        if "bottom" in exits:
            starts.append(([(ra.cx, ra.y1), (ra.cx, y1), (x, y1)], (a.box, "bottom"), 0))
        if "side" in exits:
            cramped = label_w + 2 * OBSTACLE_MARGIN
            if x >= ra.x1 + OBSTACLE_MARGIN:
                starts.append(([(ra.x1, ra.cy), (x, ra.cy)], (a.box, "right"), 500 if room_right < cramped else 0))
            elif x <= ra.x0 - OBSTACLE_MARGIN:
                starts.append(([(ra.x0, ra.cy), (x, ra.cy)], (a.box, "left"), 500 if room_left < cramped else 0))
        ends: list[tuple[list[Point], tuple[int, str], float]] = []
        if "side" in entries:
            if x >= rb.x1 + OBSTACLE_MARGIN:
                ends.append(([(x, rb.cy), (rb.x1, rb.cy)], (b.box, "right"), 0))
            elif x <= rb.x0 - OBSTACLE_MARGIN:
                ends.append(([(x, rb.cy), (rb.x0, rb.cy)], (b.box, "left"), 0))
        if "top" in entries:
            ends.append(([(x, y2), (rb.cx, y2), (rb.cx, rb.y0)], (b.box, "top"), 300 if loop else 0))
        for spts, sport, scost in starts:
            for epts, eport, ecost in ends:
                pts = _simplify(spts + epts)
                if len(pts) < 2:
                    continue
                (px, py), (qx, qy) = pts[-2], pts[-1]
                if abs(px - qx) + abs(py - qy) < ARROW_MIN:
                    continue
                candidates.append((_path_cost(pts) + scost + ecost, pts, [sport, eport], a.box, b.box))
    found = router.route(candidates, relax=relax)
    if found is None:
        return None
    pts, ports = found
    router.ports.update(ports)
    return pts


def _fallback_route(a: _Placed, b: _Placed, edge: _Edge) -> list[Point]:
    """A plain route when no clean one exists (validate_layout will report the problem)."""
    ra, rb = a.rect, b.rect
    if edge.exit == "bottom":
        y1 = ra.y1 + OBSTACLE_MARGIN
        return _simplify([(ra.cx, ra.y1), (ra.cx, y1), (rb.cx, y1), (rb.cx, rb.y0)])
    x = max(ra.x1, rb.x1) + 2 * OBSTACLE_MARGIN
    return _simplify([(ra.x1, ra.cy), (x, ra.cy), (x, rb.cy), (rb.x1, rb.cy)])


# ------------------------------------------------------------------------- labels


def _label_spots(points: list[Point], lw: int, lh: int) -> Iterator[_Rect]:
    """Candidate label boxes near the start of an arrow, best first (lazily: the search
    along the whole arrow only runs when the places beside its start are all taken)."""
    gap = 30
    spots: list[_Rect] = []

    def beside(p: Point, q: Point, along: int, lateral: int) -> None:
        """Boxes on both sides of segment p-q, ``along`` from p and ``lateral`` off it."""
        (x0, y0), (x1, y1) = p, q
        if y0 == y1:  # horizontal: above, then below
            sign = 1 if x1 > x0 else -1
            lx = x0 + gap + along if sign > 0 else x0 - gap - along - lw
            for ly in (y0 - gap - lateral - lh, y0 + gap + lateral):
                spots.append(_Rect(lx, ly, lx + lw, ly + lh))
        else:  # vertical: right, then left (the side away from the next bend first)
            sign = 1 if y1 > y0 else -1
            ly = y0 + 15 + along if sign > 0 else y0 - 15 - along - lh
            nxt_right = len(points) > 2 and points[2][0] > x0
            for side in ((-1, 1) if nxt_right else (1, -1)):
                lx = x0 + gap + lateral if side > 0 else x0 - gap - lateral - lw
                spots.append(_Rect(lx, ly, lx + lw, ly + lh))

    beside(points[0], points[1], 0, 0)
    beside(points[0], points[1], 0, CONNECTOR_SIZE // 2)
    beside(points[0], points[1], CONNECTOR_SIZE // 2, 0)
    beside(points[0], points[1], 0, CONNECTOR_SIZE // 2 + lh)
    beside(points[0], points[1], CONNECTOR_SIZE + 60, 0)
    if len(points) > 2:
        beside(points[1], points[2], DECISION_HEIGHT // 2, 0)
        beside(points[1], points[2], DECISION_HEIGHT // 2 + lh + gap, 0)
    yield from spots
    spots = []
    # Then any place beside the arrow (within LABEL_GAP_MAX of it), nearest its start first.
    first = _segments(points)[0]
    near: dict[tuple[int, int], int] = {}
    for seg in _segments(points):
        grown = _seg_rect(seg).grow(LABEL_GAP_MAX)
        for x in range(grown.x0 - lw, grown.x1 + 1, LABEL_STEP):
            for y in range(grown.y0 - lh, grown.y1 + 1, LABEL_STEP):
                rect = _Rect(x, y, x + lw, y + lh)
                gap = _distance_to_segment(rect, seg)
                if LABEL_KEEP < gap <= LABEL_GAP_MAX:
                    near[(x, y)] = _distance_to_segment(rect, first) + 4 * abs(x + lw // 2 - points[0][0]) // 10
    for (x, y), _ in sorted(near.items(), key=lambda t: t[1])[:LABEL_CANDIDATES]:
        yield _Rect(x, y, x + lw, y + lh)


LABEL_ATTEMPTS = 4  # times a row grows to make room for a label
LABEL_CANDIDATES = 1500  # places tried per label, nearest its arrow's start first
LABEL_STEP = 30  # grid of the search for a free place (twips)
LABEL_GAP_MAX = 200  # a label placed off its arrow's start stays this close to the arrow


def _distance_to_segment(rect: _Rect, seg: Seg) -> int:
    """Gap between a box and an axis-parallel segment (0 when they touch)."""
    s = _seg_rect(seg)
    dx = max(s.x0 - rect.x1, rect.x0 - s.x1, 0)
    dy = max(s.y0 - rect.y1, rect.y0 - s.y1, 0)
    return dx + dy


def _covers(label: _Rect, box: _Rect, diamond: bool) -> bool:
    """A label box overlaps a shape: its bounding box, or for a decision the diamond itself
    (a label may sit in the empty corners of a diamond's bounding box)."""
    if not diamond:
        return label.hits(box)
    a, b = (box.x1 - box.x0) / 2, (box.y1 - box.y0) / 2
    dx = max(label.x0 - box.cx, box.cx - label.x1, 0)
    dy = max(label.y0 - box.cy, box.cy - label.y1, 0)
    return dx / a + dy / b < 1


def _cut_off(rect: _Rect, own: list[Seg], lines_x: list[int], lines_y: list[int]) -> bool:
    """A table line runs between the label box and the nearest point of its own arrow."""
    best: tuple[int, Point] | None = None
    for seg in own:
        s = _seg_rect(seg)
        px = min(max(rect.cx, s.x0), s.x1)
        py = min(max(rect.cy, s.y0), s.y1)
        d = _distance_to_segment(rect, seg)
        if best is None or d < best[0]:
            best = (d, (px, py))
    if best is None:
        return False
    px, py = best[1]
    hull = _Rect(min(rect.x0, px), min(rect.y0, py), max(rect.x1, px), max(rect.y1, py))
    return any(hull.x0 < x < hull.x1 for x in lines_x) or any(hull.y0 < y < hull.y1 for y in lines_y)


class _LabelSpace:
    """What a label on one page must keep clear of (precomputed once per page)."""

    def __init__(self, page: Page, router: _Router):
        self.lines_x = [router.x0, *router.borders_x, router.x1]
        self.lines_y = list(router.borders_y)
        self.area = _Rect(router.x0, router.y0, router.x1, router.y1)
        self.arrows = [_seg_rect(seg) for seg in router.segments]
        self.boxes = list(router.boxes)
        self.diamonds = frozenset(_Rect(s.x, s.y, s.x + s.w, s.y + s.h) for s in page.symbols if s.shape == "decision")
        self.taken: list[_Rect] = []

    def conflicts(self, rect: _Rect, own: list[Seg], first: bool = False) -> list[str]:
        """What a label box at ``rect`` would touch, each with a LABEL_KEEP clearance: the
        chart area's edge, table lines, arrows, shapes, other labels; or whether a table line
        cuts it off from its own arrow. ``first``: stop at the first conflict."""
        found: list[str] = []
        keep = rect.grow(LABEL_KEEP)
        checks = (
            ("leaves the chart area", lambda: rect.x0 < self.area.x0 or rect.x1 > self.area.x1
             or rect.y0 < self.area.y0 or rect.y1 > self.area.y1),
            ("touches a table line", lambda: any(keep.x0 <= x <= keep.x1 for x in self.lines_x)
             or any(keep.y0 <= y <= keep.y1 for y in self.lines_y)),
            ("touches another label", lambda: any(keep.hits(t) for t in self.taken)),
            ("touches a symbol or connector", lambda: any(_covers(keep, b, b in self.diamonds) for b in self.boxes)),
            ("touches an arrow", lambda: any(
                a.x0 <= keep.x1 and keep.x0 <= a.x1 and a.y0 <= keep.y1 and keep.y0 <= a.y1 for a in self.arrows)),
            ("is cut off from its arrow by a table line", lambda: _cut_off(rect, own, self.lines_x, self.lines_y)),
        )
        for name, test in checks:
            if test():
                found.append(name)
                if first:
                    break
        return found


_SERIOUS = frozenset({"leaves the chart area", "touches a symbol or connector", "touches another label"})


def _place_labels(spec: SheetSpec, pages: list[Page], routers: list[_Router], label_pt: float) -> set[int]:
    """Place every Ya/Tidak label in free space near its arrow's start; returns the steps
    whose label found none (the least bad place is taken; the caller grows their rows)."""
    cramped: set[int] = set()
    lh = round(label_pt * 1.2 * 20)
    for page, router in zip(pages, routers):
        space = _LabelSpace(page, router)
        for k, arrow in enumerate(page.arrows):
            if arrow.label is None:
                continue
            lw = textmetrics.fit_width(arrow.label, spec.font, label_pt) + 20
            own = _segments(arrow.points)
            spots = _label_spots(arrow.points, lw, lh)
            rect = next((spot for spot in spots if not space.conflicts(spot, own, first=True)), None)
            if rect is None:
                def badness(spot: _Rect) -> int:
                    return sum(10 if c in _SERIOUS else 1 for c in space.conflicts(spot, own))

                rect = min(islice(_label_spots(arrow.points, lw, lh), LABEL_FALLBACK_SPOTS), key=badness)
                if arrow.edge is not None:
                    cramped.add(arrow.edge[0])
            space.taken.append(rect)
            page.arrows[k] = Arrow(arrow.points, arrow.label, (rect.x0, rect.y0), (lw, lh), arrow.edge)
    return cramped


LABEL_FALLBACK_SPOTS = 200  # places weighed when none is free


def _assign_letters(pages: list[Page]) -> None:
    """Letters A, B, ... in reading order of the "out" connectors; "in" copies them."""
    outs = [(p.index, c.y, c.x, c) for p in pages for c in p.connectors if c.kind == "out"]
    outs.sort(key=lambda t: (t[0], t[1], t[2]))
    letter_of: dict[tuple[int, int], str] = {}
    for k, (_, _, _, conn) in enumerate(outs):
        assert conn.edge is not None
        letter_of[conn.edge] = _letters(k)
    for page in pages:
        page.connectors = [
            ConnectorBox(letter_of[c.edge], c.x, c.y, c.w, c.h, c.kind, c.step, c.edge)  # type: ignore[index]
            for c in page.connectors
        ]


# ----------------------------------------------------------------------- checking


def validate_layout(layout: SheetLayout) -> list[str]:
    """Geometric problems of a layout (empty when clean), as readable sentences."""
    problems: list[str] = []
    actor_cols = layout.actor_columns
    ax0 = actor_cols[0].x
    ax1 = actor_cols[-1].x + actor_cols[-1].width
    body_top = layout.margins[0]
    body_bottom = layout.body_bottom
    steps_seen: list[int] = []
    letters_out: dict[str, int] = {}
    letters_in: dict[str, int] = {}
    for page in layout.pages:
        where = f"page {page.index + 1}"
        rows = {r.step: r for r in page.rows}
        y = page.rows_y
        for row in page.rows:
            if row.y != y:
                problems.append(f"{where}: row of step {row.step + 1} does not follow the previous row")
            y = row.y + row.height
            steps_seen.append(row.step)
        if page.table_y < body_top or y > body_bottom:
            problems.append(f"{where}: table runs outside the page body ({page.table_y}..{y})")
        boxes: list[tuple[str, _Rect]] = []
        diamonds = {_Rect(s.x, s.y, s.x + s.w, s.y + s.h) for s in page.symbols if s.shape == "decision"}
        for sym in page.symbols:
            rect = _Rect(sym.x, sym.y, sym.x + sym.w, sym.y + sym.h)
            boxes.append((f"symbol of step {sym.step + 1}", rect))
            sym_row = rows.get(sym.step)
            if sym_row is None:
                problems.append(f"{where}: symbol of step {sym.step + 1} has no row on this page")
                continue
            if rect.y0 < sym_row.y or rect.y1 > sym_row.y + sym_row.height:
                problems.append(f"{where}: symbol of step {sym.step + 1} crosses its row's edge")
            col = actor_cols[0]
            for c in actor_cols:
                if c.x <= rect.cx < c.x + c.width:
                    col = c
            if rect.x0 < col.x or rect.x1 > col.x + col.width:
                problems.append(f"{where}: symbol of step {sym.step + 1} crosses its column's edge")
        for conn in page.connectors:
            rect = _Rect(conn.x, conn.y, conn.x + conn.w, conn.y + conn.h)
            boxes.append((f"connector {conn.letter}", rect))
            if rect.x0 < ax0 or rect.x1 > ax1 or rect.y0 < page.rows_y or rect.y1 > y:
                problems.append(f"{where}: connector {conn.letter} lies outside the chart area")
            target = letters_out if conn.kind == "out" else letters_in
            if conn.letter in target:
                problems.append(f"{where}: connector letter {conn.letter} used twice as {conn.kind}")
            target[conn.letter] = page.index
        for i, (name, rect) in enumerate(boxes):
            for name2, rect2 in boxes[i + 1:]:
                if rect.hits(rect2):
                    problems.append(f"{where}: {name} overlaps {name2}")
        for arrow in page.arrows:
            label = f"arrow {arrow.edge[0] + 1}->{arrow.edge[1] + 1}" if arrow.edge else "arrow"
            pts = arrow.points
            if len(pts) < 2:
                problems.append(f"{where}: {label} has fewer than two points")
                continue
            for seg in _segments(pts):
                if seg[0] != seg[2] and seg[1] != seg[3]:
                    problems.append(f"{where}: {label} has a slanted segment {seg}")
                for name, rect in boxes:
                    if _seg_meets_rect(seg, rect):
                        problems.append(f"{where}: {label} crosses or runs along the {name}")
            for px, py in pts:
                if not (ax0 <= px <= ax1 and page.rows_y <= py <= y):
                    problems.append(f"{where}: {label} leaves the chart area at ({px}, {py})")
                    break
            for end, pt in (("start", pts[0]), ("end", pts[-1])):
                if not any(_on_boundary(pt, rect) for _, rect in boxes):
                    problems.append(f"{where}: {label} does not {end} on a symbol or connector")
            if arrow.label_pos and arrow.label_size:
                lx, ly = arrow.label_pos
                lrect = _Rect(lx, ly, lx + arrow.label_size[0], ly + arrow.label_size[1])
                for name, rect in boxes:
                    if _covers(lrect, rect, rect in diamonds):
                        problems.append(f"{where}: label {arrow.label} of {label} covers the {name}")
                if lrect.x0 < ax0 or lrect.x1 > ax1:
                    problems.append(f"{where}: label {arrow.label} of {label} leaves the actor columns")
                lines_x = [c.x for c in actor_cols] + [ax1]
                lines_y = [page.rows_y] + [r.y + r.height for r in page.rows]
                if any(lrect.x0 < x < lrect.x1 for x in lines_x) or any(lrect.y0 < y < lrect.y1 for y in lines_y):
                    problems.append(f"{where}: label {arrow.label} of {label} crosses a table line")
                elif _cut_off(lrect, _segments(pts), lines_x, lines_y):
                    problems.append(f"{where}: label {arrow.label} of {label} is cut off from its arrow by a table line")
                for other in page.arrows:
                    if any(_seg_meets_rect(seg, lrect) for seg in _segments(other.points)):
                        problems.append(f"{where}: label {arrow.label} of {label} crosses an arrow")
                        break
    if sorted(steps_seen) != list(range(len(steps_seen))):
        problems.append("rows do not cover every step exactly once")
    for letter in sorted(set(letters_out) | set(letters_in)):
        if letter not in letters_out or letter not in letters_in:
            problems.append(f"connector {letter} has no matching pair")
        elif letters_out[letter] == letters_in[letter]:
            problems.append(f"connector {letter} joins a page to itself")
    return problems


def _seg_meets_rect(seg: Seg, rect: _Rect) -> bool:
    """The segment shares more than a single point with the closed rectangle."""
    s = _seg_rect(seg)
    ix0, ix1 = max(s.x0, rect.x0), min(s.x1, rect.x1)
    iy0, iy1 = max(s.y0, rect.y0), min(s.y1, rect.y1)
    return ix0 <= ix1 and iy0 <= iy1 and (ix1 > ix0 or iy1 > iy0)


def _on_boundary(pt: Point, rect: _Rect) -> bool:
    x, y = pt
    inside_x = rect.x0 <= x <= rect.x1
    inside_y = rect.y0 <= y <= rect.y1
    return (inside_x and y in (rect.y0, rect.y1)) or (inside_y and x in (rect.x0, rect.x1))


# -------------------------------------------------------------------------- debug


def render_svg(layout: SheetLayout, page_index: int) -> str:
    """A plain SVG of one page (grid, symbols, connectors, arrows): for looking only."""
    page = layout.pages[page_index]
    w, h = layout.page_width, layout.page_height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w / 20:.0f}pt" height="{h / 20:.0f}pt" '
        f'viewBox="0 0 {w} {h}" font-family="{layout.font}">',
        '<defs><marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
        f'<rect width="{w}" height="{h}" fill="white"/>',
    ]
    x0 = layout.table_x
    x1 = x0 + layout.table_width
    bottom = page.rows[-1].y + page.rows[-1].height if page.rows else page.rows_y
    ys = [page.table_y]
    for hh in layout.header_heights:
        ys.append(ys[-1] + hh)
    ys += [r.y + r.height for r in page.rows]
    for y in ys:
        out.append(f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#999" stroke-width="10"/>')
    for x in [col.x for col in layout.columns] + [x1]:
        out.append(f'<line x1="{x}" y1="{page.table_y}" x2="{x}" y2="{bottom}" stroke="#999" stroke-width="10"/>')
    size = layout.header_font_size_pt * 20
    for c in layout.columns:
        out.append(
            f'<text x="{c.x + c.width / 2}" y="{ys[2] - 60}" font-size="{size}" text-anchor="middle" '
            f'font-weight="bold">{_xml(c.title[:14])}</text>'
        )
    for row in page.rows:
        kcol = layout.column("kegiatan")
        out.append(f'<text x="{layout.column("no").x + 40}" y="{row.y + 200}" font-size="{size}">{row.step + 1}</text>')
        out.append(f'<text x="{kcol.x + 40}" y="{row.y + 200}" font-size="{size * 0.8}">lines: {layout.row_lines[row.step]}</text>')
    for s in page.symbols:
        if s.shape == "decision":
            cx, cy = s.x + s.w / 2, s.y + s.h / 2
            out.append(
                f'<polygon points="{cx},{s.y} {s.x + s.w},{cy} {cx},{s.y + s.h} {s.x},{cy}" '
                'fill="#fff3c4" stroke="black" stroke-width="15"/>'
            )
        else:
            rx = s.h / 2 if s.shape == "terminator" else 0
            out.append(
                f'<rect x="{s.x}" y="{s.y}" width="{s.w}" height="{s.h}" rx="{rx}" '
                'fill="#dbe9ff" stroke="black" stroke-width="15"/>'
            )
        out.append(f'<text x="{s.x + s.w / 2}" y="{s.y + s.h / 2 + 60}" font-size="160" text-anchor="middle">{s.step + 1}</text>')
    for conn in page.connectors:
        tip = conn.y + conn.h
        shoulder = conn.y + conn.h * 0.8
        out.append(
            f'<polygon points="{conn.x},{conn.y} {conn.x + conn.w},{conn.y} {conn.x + conn.w},{shoulder} '
            f'{conn.x + conn.w / 2},{tip} {conn.x},{shoulder}" '
            f'fill="{"#d8f5d0" if conn.kind == "out" else "#f5d0e6"}" stroke="black" stroke-width="15"/>'
        )
        out.append(f'<text x="{conn.x + conn.w / 2}" y="{conn.y + conn.h / 2 + 50}" font-size="160" '
                   f'text-anchor="middle" font-weight="bold">{conn.letter}</text>')
    for a in page.arrows:
        pts = " ".join(f"{x},{y}" for x, y in a.points)
        out.append(f'<polyline points="{pts}" fill="none" stroke="black" stroke-width="12" marker-end="url(#ah)"/>')
        if a.label and a.label_pos and a.label_size:
            lx, ly = a.label_pos
            out.append(
                f'<text x="{lx}" y="{ly + a.label_size[1] * 0.8}" font-size="{layout.label_font_size_pt * 20}">{a.label}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
