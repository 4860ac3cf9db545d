"""The activity table: its header (two header rows and the column-number row), and one
record per step, over as many tables (pages) as the sheet has.

Column roles come from the header labels: NO, KEGIATAN (or URAIAN PROSEDUR), the actor
names under PELAKSANA, KELENGKAPAN / WAKTU / OUTPUT under MUTU BAKU, KETERANGAN. A table
without a header that has as many grid columns continues the previous one; a row with an
empty NO cell continues the step above (a step split over two pages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sopdocs.kinds.sop.wordimport.findings import Findings
from sopdocs.kinds.sop.wordimport.grid import Cell, Row, Table
from sopdocs.kinds.sop.wordimport.text import EMPTY_MARKS, join_lines, list_items, normalise_label

NO_LABELS = ("NO", "NOMOR", "NOURUT")
KEGIATAN_LABELS = ("KEGIATAN", "URAIANPROSEDUR", "URAIANKEGIATAN", "AKTIVITAS", "URAIAN", "PROSEDUR", "URAIANAKTIVITAS")
ROLE_PREFIXES = {
    "kelengkapan": ("KELENGKAPAN", "PERSYARATAN", "SYARAT", "PERSYARATANKELENGKAPAN"),
    "waktu": ("WAKTU",),
    "output": ("OUTPUT", "OUTPUTS", "HASIL", "KELUARAN"),
    "keterangan": ("KETERANGAN", "KET"),
}
GROUP_PELAKSANA = ("PELAKSANA",)
GROUP_MUTU = ("MUTUBAKU", "MUTUBUKU")
#: Header rows are looked for in the first rows of a table only.
HEADER_SEARCH_ROWS = 6
#: Characters that are a mark in an actor cell.
MARKS = set("\u221a\u2713\u2714\u2611\u2612\u2715\u2716\u2717\u2718xXvV\u2022\u25cf\u25cb\u25e6\u25aa\u25a0\u2219\u00b7*oO\u2023")
_STEP_NO = re.compile(r"^\s*(\d{1,3})\s*[.)]?\s*$")
_TOTAL = ("JUMLAH", "TOTAL", "JUMLAHWAKTU")


@dataclass
class ColumnMap:
    no: int  # -1: the sheet has no NO column (every row with an activity is a step)
    kegiatan: int
    actors: list[tuple[int, int]]  # (first grid column, span) of each actor
    roles: dict[str, int]  # kelengkapan/waktu/output/keterangan -> grid column
    names: list[str]
    header_rows: int  # rows of the header (column-number row included)


@dataclass
class StepRecord:
    number: int | None
    kegiatan_lines: list[str] = field(default_factory=list)
    kelengkapan: list[str] = field(default_factory=list)
    waktu: str = ""
    output_lines: list[str] = field(default_factory=list)
    keterangan_lines: list[str] = field(default_factory=list)
    marks: dict[int, str] = field(default_factory=dict)  # actor index -> mark text
    rows: list[tuple[int, int]] = field(default_factory=list)  # (table index, row index)
    merged: set[str] = field(default_factory=set)  # fields read from a cell merged over several steps

    @property
    def kegiatan(self) -> str:
        return join_lines(self.kegiatan_lines)

    @property
    def output(self) -> str:
        return join_lines(self.output_lines)

    @property
    def keterangan(self) -> str:
        return join_lines(self.keterangan_lines)


@dataclass
class ActivityTables:
    tables: list[int]  # indices into the document's table list
    columns: ColumnMap
    steps: list[StepRecord]
    total: str = ""


def _label(cell: Cell | None) -> str:
    return normalise_label(cell.text) if cell is not None else ""


def _matches(cell: Cell | None, labels: tuple[str, ...]) -> bool:
    label = _label(cell)
    return bool(label) and any(label == x or (len(x) > 3 and label.startswith(x)) for x in labels)


def find_header(table: Table) -> ColumnMap | None:
    """The column roles when ``table`` starts with an activity-table header."""
    for r in range(min(HEADER_SEARCH_ROWS, len(table.rows))):
        row = table.rows[r]
        group = next((c for c in row.cells if _matches(c, GROUP_PELAKSANA) and c.merged_from is None), None)
        if group is None:
            continue
        no = next((c for c in row.cells if _matches(c, NO_LABELS)), None)
        keg = next((c for c in row.cells if _matches(c, KEGIATAN_LABELS)), None)
        if keg is None or r + 1 >= len(table.rows):
            continue
        below = table.rows[r + 1]
        actors: list[tuple[int, int]] = []
        names: list[str] = []
        for cell in below.cells:
            if group.col <= cell.col < group.col + group.span:
                actors.append((cell.col, cell.span))
                names.append(cell.text)
        if group.span == 1 and not any(names):
            continue
        roles: dict[str, int] = {}
        for candidate_row in (row, below):
            for cell in candidate_row.cells:
                if group.col <= cell.col < group.col + group.span:
                    continue
                for role, prefixes in ROLE_PREFIXES.items():
                    if role not in roles and _matches(cell, prefixes):
                        roles[role] = cell.col
        header_rows = r + 2
        if header_rows < len(table.rows) and is_number_row(table.rows[header_rows]):
            header_rows += 1
        return ColumnMap(no=no.col if no is not None else -1, kegiatan=keg.col, actors=actors, roles=roles, names=names, header_rows=header_rows)
    return None


def is_number_row(row: Row) -> bool:
    """The row numbering the columns 1, 2, 3... under the header."""
    numbers = [cell.text.strip().rstrip(".") for cell in row.cells if cell.merged_from is None]
    if len(numbers) < 4 or not all(n.isdigit() for n in numbers):
        return False
    values = [int(n) for n in numbers]
    return values == list(range(values[0], values[0] + len(values)))


def _is_header_row(row: Row) -> bool:
    labels = {normalise_label(cell.text) for cell in row.cells}
    return bool(labels & {"PELAKSANA", "MUTUBAKU"}) or ({"NO"} <= labels and bool(labels & set(KEGIATAN_LABELS)))


def _mark(text: str) -> str:
    compact = re.sub(r"\s", "", text)
    return compact if compact and len(compact) <= 2 and all(ch in MARKS for ch in compact) else ""


def read_activity(tables: list[Table], findings: Findings) -> ActivityTables | None:
    """The activity table(s): the first table with an activity header and the tables after
    it that repeat the header or continue it."""
    start = None
    columns: ColumnMap | None = None
    for index, table in enumerate(tables):
        columns = find_header(table)
        if columns is not None:
            start = index
            break
    if columns is None or start is None:
        return None
    result = ActivityTables(tables=[], columns=columns, steps=[])
    for index in range(start, len(tables)):
        table = tables[index]
        header = find_header(table) if index > start else columns
        if header is not None:
            if header.names != columns.names:
                findings.add("langkah", f"tabel ke-{index + 1} adalah tabel kegiatan dengan pelaksana lain "
                                        f"({', '.join(header.names)}): SOP lain? Hanya SOP pertama yang dibaca")
                break
            first = header.header_rows
        elif table.columns == tables[start].columns and (columns.no < 0 or any(
                _STEP_NO.match(_text_at(r, columns.no)) for r in table.rows[:3])):
            first = 1 if table.rows and is_number_row(table.rows[0]) else 0
        else:
            if index > start and result.steps:
                break
            continue
        result.tables.append(index)
        if _read_rows(table, index, first, columns, result, findings):
            break
    return result


def _read_rows(table: Table, t_index: int, first: int, columns: ColumnMap, result: ActivityTables,
               findings: Findings) -> bool:
    """Step records of one table; True when the total row (the end of the sheet) was met."""
    for row in table.rows[first:]:
        if is_number_row(row) or _is_header_row(row):
            continue
        texts = [cell.text for cell in row.cells if cell.merged_from is None]
        if any(normalise_label(t).startswith(_TOTAL) for t in texts if t) and not _STEP_NO.match(texts[0] if texts else ""):
            result.total = next((t for t in reversed(texts) if t and not normalise_label(t).startswith(_TOTAL)), "")
            return True
        if not any(t.strip() for t in texts) and not _has_shapes(row):
            continue
        if columns.no < 0:
            kegiatan_cell = row.at(columns.kegiatan)
            number_match = _STEP_NO.match(str(len(result.steps) + 1)) if kegiatan_cell is not None and kegiatan_cell.text else None
        else:
            number_match = _STEP_NO.match(_text_at(row, columns.no))
        if number_match:
            record = StepRecord(number=int(number_match.group(1)))
            result.steps.append(record)
        elif result.steps:
            record = result.steps[-1]
            if record.rows and record.rows[-1][0] == t_index:
                findings.add("kegiatan", "baris tanpa nomor langkah digabung ke langkah di atasnya", record.number)
        else:
            if any(t.strip() for t in texts):
                findings.add("langkah", f"baris tanpa nomor sebelum langkah pertama dilewati: {' | '.join(t for t in texts if t)[:80]!r}")
            continue
        record.rows.append((t_index, row.index))
        _take(row, columns, record)
    return False


def _text_at(row: Row, col: int) -> str:
    cell = row.at(col) if col >= 0 else None
    return cell.text if cell is not None else ""


def _has_shapes(row: Row) -> bool:
    return any(isinstance(node.tag, str) and node.tag.endswith(("}drawing", "}pict")) for node in row.element.iter())


def _cell_at(row: Row, col: int, record: StepRecord) -> tuple[Cell | None, bool]:
    """The cell (the start of its merge) in grid column ``col``; True when it is merged
    down from a row of another step."""
    cell = row.at(col)
    if cell is None:
        return None, False
    origin = cell.origin
    table = record.rows[-1][0]
    return origin, cell.merged_from is not None and (table, origin.row) not in record.rows


def _take(row: Row, columns: ColumnMap, record: StepRecord) -> None:
    keg, _ = _cell_at(row, columns.kegiatan, record)
    if keg is not None and keg.row == row.index:
        record.kegiatan_lines.extend(keg.lines)
    for index, (col, span) in enumerate(columns.actors):
        for c in range(col, col + span):
            cell = row.at(c)
            if cell is not None and cell.merged_from is None:
                mark = _mark(cell.text)
                if mark:
                    record.marks[index] = mark
    for role in ("kelengkapan", "waktu", "output", "keterangan"):
        role_col = columns.roles.get(role)
        if role_col is None:
            continue
        col = role_col
        cell, merged = _cell_at(row, col, record)
        if cell is None:
            continue
        if merged:
            record.merged.add(role)
        if role == "kelengkapan":
            items = list_items(cell.paras, lines_are_items=True)
            record.kelengkapan.extend(i for i in items if i not in record.kelengkapan or cell.row == row.index)
        elif role == "waktu":
            text = cell.text
            if text.casefold() not in EMPTY_MARKS and not record.waktu:
                record.waktu = text
        else:
            lines = cell.lines
            if len(lines) == 1 and lines[0].casefold() in EMPTY_MARKS:
                continue
            target = record.output_lines if role == "output" else record.keterangan_lines
            if cell.row == row.index or not target:
                target.extend(lines)
