"""Spreadsheet and CSV exports of the agenda book and the daftar arsip (in memory)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sopdocs.outputs import spreadsheet_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(title: str, headings: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """One sheet: a bold heading row, frozen, then the rows. Text cells that a spreadsheet
    would run as a formula are written as text (openpyxl would store ``=...`` as a formula)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(headings))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for column, heading in enumerate(headings, start=1):
        longest = max([len(str(heading)), *(len(str(r[column - 1])) for r in rows[:500])])
        sheet.column_dimensions[get_column_letter(column)].width = min(60, max(8, longest + 2))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str):
        return spreadsheet_cell(value)
    return value


def csv_bytes(headings: Sequence[str], rows: Sequence[Sequence[object]], *, delimiter: str = ",") -> bytes:
    """UTF-8 with a byte-order mark (Excel on Windows), formulas neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headings)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
