"""Which step each flowchart symbol belongs to, which actor column it stands in, and where
a decision's Ya and Tidak arrows lead.

A symbol belongs to a step row by, in this order: its position when the rows have exact
heights (then the geometry is known); the row its anchor is in, for a shape positioned
against its paragraph; or its rank: when a table's remaining symbols, top to bottom, are
exactly as many as its remaining steps, the n-th symbol is the n-th step's. The actor is
the PELAKSANA column under the symbol's centre. A decision's branches are traced from
the diamond along arrows (a chain of plain lines ending in an arrow head too) to the
symbol they reach, through off-page connectors with the same letter; ``Ya``/``Tidak`` is
the label nearest to the branch's first segment.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

from sopdocs.kinds.sop.wordimport.activity import ActivityTables
from sopdocs.kinds.sop.wordimport.findings import Findings
from sopdocs.kinds.sop.wordimport.shapes import Geometry, Shape, branch_of

SYMBOLS = ("terminator", "process", "decision")
#: How far (twips) an arrow end may be from the symbol it touches (about 2 mm).
TOUCH = 120
#: How far (twips) a Ya/Tidak label may be from the branch it names (about 1.2 cm).
LABEL_REACH = 700
#: Most arrows followed along one branch.
MAX_CHAIN = 30
#: Most branches (arrows leaving a diamond) looked at per decision.
MAX_BRANCHES = 4
#: Most Ya/Tidak labels weighed per decision (the nearest ones).
MAX_LABELS = 4


@dataclass
class Placement:
    actor: dict[int, int] = field(default_factory=dict)  # step index -> actor index
    symbol: dict[int, Shape] = field(default_factory=dict)
    decisions: dict[int, dict[str, int]] = field(default_factory=dict)  # step -> {"ya": step, "tidak": step} (0-based)
    decision_steps: set[int] = field(default_factory=set)


def place(activity: ActivityTables, geometry: Geometry, shapes: list[Shape], findings: Findings) -> Placement:
    result = Placement()
    row_step: dict[tuple[int, int], int] = {}
    for index, record in enumerate(activity.steps):
        for ref in record.rows:
            row_step.setdefault(ref, index)
    symbols = [s for s in shapes if s.kind in SYMBOLS and s.table in activity.tables]
    claimed: dict[int, list[Shape]] = {}
    pending: dict[int, list[Shape]] = {}
    per_anchor: dict[tuple[int, int], int] = {}
    for shape in symbols:
        if shape.anchor_cell is not None:
            key = (shape.anchor_cell[0], shape.anchor_cell[1])
            per_anchor[key] = per_anchor.get(key, 0) + 1
    for shape in symbols:
        assert shape.table is not None
        step: int | None = None
        if shape.exact and not shape.inline:
            row = geometry.row_at(shape.table, shape.page, shape.cy)
            step = row_step.get((shape.table, row)) if row is not None else None
            if step is None and row is not None and row < activity.columns.header_rows:
                continue  # a symbol drawn in the header (a legend)
        elif shape.anchor_cell is not None and (shape.rel_v in ("paragraph", "line", "inline", "group")
                                                or per_anchor[shape.anchor_cell[:2]] == 1):
            # positioned against its own paragraph, or the only symbol anchored in its row
            step = row_step.get(shape.anchor_cell[:2])
        if step is None:
            pending.setdefault(shape.table, []).append(shape)
        else:
            claimed.setdefault(step, []).append(shape)
    for t, waiting in pending.items():
        steps_here = [i for i, s in enumerate(activity.steps) if any(ref[0] == t for ref in s.rows) and i not in claimed]
        waiting.sort(key=lambda s: (s.anchor_cell[1] if s.anchor_cell else -1, s.page, s.cy, s.cx))
        if len(waiting) == len(steps_here):
            for shape, step_index in zip(waiting, steps_here):
                claimed.setdefault(step_index, []).append(shape)
        else:
            findings.add("pelaksana", f"{len(waiting)} simbol bagan alir di tabel ke-{t + 1} tidak dapat dipasangkan "
                                      f"dengan {len(steps_here)} langkah yang belum bersimbol; periksa pelaksananya")
    for index, record in enumerate(activity.steps):
        number = index + 1
        found = claimed.get(index, [])
        by_shape: set[int] = set()
        for shape in found:
            actor = _actor_of(activity, geometry, shape)
            if actor is None:
                findings.add("pelaksana", "simbol bagan alir berada di luar kolom pelaksana", number)
            else:
                by_shape.add(actor)
        if found:
            decisions = [s for s in found if s.kind == "decision"]
            result.symbol[index] = decisions[0] if decisions else found[0]
            if decisions:
                result.decision_steps.add(index)
        by_mark = set(record.marks)
        names = activity.columns.names
        if len(by_shape) > 1:
            findings.add("pelaksana", "simbol di lebih dari satu kolom pelaksana ("
                         + ", ".join(names[a] for a in sorted(by_shape)) + "); pilih satu", number)
        elif len(by_mark) > 1 and not by_shape:
            findings.add("pelaksana", "tanda di lebih dari satu kolom pelaksana ("
                         + ", ".join(names[a] for a in sorted(by_mark)) + "); pilih satu", number)
        elif by_shape and by_mark and by_shape != by_mark:
            findings.add("pelaksana", f"simbol di kolom {names[min(by_shape)]!r} tetapi tanda di kolom "
                         f"{names[min(by_mark)]!r}; pilih satu", number)
        elif by_shape or by_mark:
            result.actor[index] = min(by_shape or by_mark)
        else:
            findings.add("pelaksana", "tidak ada simbol atau tanda di kolom pelaksana; isi salah satu: "
                         + ", ".join(names), number)
    _decisions(activity, shapes, result, findings)
    return result


def _actor_of(activity: ActivityTables, geometry: Geometry, shape: Shape) -> int | None:
    assert shape.table is not None
    table = geometry.tables[shape.table]
    left = geometry.table_left(shape.table)
    for index, (col, span) in enumerate(activity.columns.actors):
        x0 = left + table.edges[col]
        x1 = left + table.edges[min(col + span, table.columns)]
        if x0 <= shape.cx < x1:
            return index
    return None


# --------------------------------------------------------------------------- decisions


def _near_box(point: tuple[float, float], shape: Shape, reach: float = TOUCH) -> bool:
    x, y = point
    return shape.x - reach <= x <= shape.x + shape.w + reach and shape.y - reach <= y <= shape.y + shape.h + reach


def _seg_distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    px, py = p
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


@dataclass
class _Branch:
    first: list[tuple[float, float]]  # points of the first arrow, oriented away from the decision
    target: Shape | None
    label: str | None = None
    text_label: str | None = None


def _follow(start: Shape, arrow: Shape, points: list[tuple[float, float]], arrows: list[Shape],
            stops: list[Shape]) -> Shape | None:
    used = {id(arrow)}
    end = points[-1]
    for _ in range(MAX_CHAIN):
        for stop in stops:
            if stop is not start and _near_box(end, stop):
                return stop
        nxt = None
        for other in arrows:
            if id(other) in used or not other.points:
                continue
            if math.dist(other.points[0], end) <= TOUCH:
                nxt = other.points
            elif math.dist(other.points[-1], end) <= TOUCH and not other.directed:
                nxt = list(reversed(other.points))
            elif other.directed and any(_seg_distance(end, a, b) <= TOUCH / 2 for a, b in zip(other.points, other.points[1:])):
                nxt = other.points  # joins another arrow midway: go where it goes
            if nxt is not None:
                used.add(id(other))
                break
        if nxt is None:
            return None
        end = nxt[-1]
    return None


def _branches(decision: Shape, shapes: list[Shape]) -> list[_Branch]:
    same = [s for s in shapes if s.table == decision.table and s.page == decision.page]
    arrows = [s for s in same if s.kind == "arrow" and len(s.points) >= 2]
    stops = [s for s in same if s.kind in (*SYMBOLS, "connector")]
    branches: list[_Branch] = []
    for arrow in arrows:
        first, last = arrow.points[0], arrow.points[-1]
        if _near_box(first, decision) and not _near_box(last, decision):
            points = arrow.points
        elif _near_box(last, decision) and not _near_box(first, decision) and not arrow.directed:
            points = list(reversed(arrow.points))
        else:
            continue
        if len(branches) >= MAX_BRANCHES:
            break
        target = _follow(decision, arrow, points, arrows, stops)
        text_label = branch_of(arrow.text) if arrow.text else None
        branches.append(_Branch(first=points, target=target, text_label=text_label))
    labels = [s for s in same if s.kind == "label" and branch_of(s.text)]
    _assign_labels(branches, labels)
    for branch in branches:
        branch.label = branch.label or branch.text_label
    return branches


def _assign_labels(branches: list[_Branch], labels: list[Shape]) -> None:
    """Each Ya/Tidak label to one branch: of all ways to pair the labels near the branches
    with them, the one naming most branches with the least total distance (a label placed
    sloppily between two arrows goes where the other label does not fit better)."""
    def distance(label: Shape, branch: _Branch) -> float:
        return min(_seg_distance((label.cx, label.cy), a, b) for a, b in zip(branch.first, branch.first[1:]))

    near = [label for label in labels if any(distance(label, b) <= LABEL_REACH for b in branches)]
    near.sort(key=lambda label: min(distance(label, b) for b in branches))
    near = near[:MAX_LABELS]
    best: tuple[int, float, tuple[int | None, ...]] | None = None
    options = [*range(len(branches)), None]
    for choice in itertools.product(options, repeat=len(near)):
        taken = [c for c in choice if c is not None]
        if len(taken) != len(set(taken)):
            continue
        if any(c is not None and distance(near[i], branches[c]) > LABEL_REACH for i, c in enumerate(choice)):
            continue
        total = sum(distance(near[i], branches[c]) for i, c in enumerate(choice) if c is not None)
        key = (-len(taken), total, choice)
        if best is None or key[:2] < best[:2]:
            best = key
    if best is not None:
        for i, c in enumerate(best[2]):
            if c is not None:
                branches[c].label = branch_of(near[i].text)


def _through_connectors(target: Shape | None, shapes: list[Shape]) -> Shape | None:
    """A branch ending in an off-page connector continues from the connector with the same letter."""
    seen = 0
    while target is not None and target.kind == "connector" and seen < 10:
        seen += 1
        key = re.sub(r"\W", "", target.text).casefold()
        if not key:
            return None
        twins = [s for s in shapes if s.kind == "connector" and s is not target and re.sub(r"\W", "", s.text).casefold() == key]
        nxt = None
        for twin in twins:
            same = [s for s in shapes if s.table == twin.table and s.page == twin.page]
            arrows = [s for s in same if s.kind == "arrow" and len(s.points) >= 2]
            stops = [s for s in same if s.kind in (*SYMBOLS, "connector")]
            for arrow in arrows:
                if _near_box(arrow.points[0], twin):
                    nxt = _follow(twin, arrow, arrow.points, arrows, stops)
                elif _near_box(arrow.points[-1], twin) and not arrow.directed:
                    nxt = _follow(twin, arrow, list(reversed(arrow.points)), arrows, stops)
                if nxt is not None:
                    break
            if nxt is not None:
                break
        target = nxt
    return target


def _decisions(activity: ActivityTables, shapes: list[Shape], result: Placement, findings: Findings) -> None:
    step_of = {id(shape): index for index, shape in result.symbol.items()}
    for index in sorted(result.decision_steps):
        number = index + 1
        decision = result.symbol[index]
        targets: dict[str, int] = {}
        unlabelled: list[int] = []
        for branch in _branches(decision, shapes):
            target = _through_connectors(branch.target, shapes)
            step = step_of.get(id(target)) if target is not None else None
            if step is None:
                continue
            if branch.label is None:
                unlabelled.append(step)
            elif branch.label in targets and targets[branch.label] != step:
                findings.add("keputusan", f"dua panah berlabel {branch.label.capitalize()}; periksa tujuannya", number)
            else:
                targets[branch.label] = step
        if len(targets) == 1 and len(unlabelled) == 1:
            missing = "tidak" if "ya" in targets else "ya"
            targets[missing] = unlabelled[0]
            findings.add("keputusan", f"panah ke langkah {unlabelled[0] + 1} tidak berlabel; dibaca sebagai "
                         f"{missing.capitalize()} karena panah lain berlabel {('ya' if missing == 'tidak' else 'tidak').capitalize()}", number)
        if targets:
            result.decisions[index] = targets
