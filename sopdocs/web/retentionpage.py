"""Retention: case files whose active or inactive period ends within a chosen horizon
(the list disposal and transfer are prepared from)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from flask import Blueprint, render_template, request

from sopdocs.archive.casefile import CaseFile
from sopdocs.web.httperrors import indonesian_abort, whole_number
from sopdocs.web.state import real_cases, state

bp = Blueprint("retention", __name__)

#: Horizons offered, in months; any whole number from 0 to MAX_HORIZON_MONTHS is accepted.
HORIZONS = (3, 6, 12, 24, 60, 120)
DEFAULT_HORIZON = 12
MAX_HORIZON_MONTHS = 1200


@dataclass(frozen=True)
class Due:
    case: CaseFile
    what: str
    """``inaktif`` (move to the records centre) or ``nasib-akhir`` (final disposition)."""
    date: dt.date
    overdue: bool


def due_within(cases: list[CaseFile], today: dt.date, months: int) -> tuple[list[Due], list[CaseFile]]:
    """What falls due by ``today + months`` (overdue included), by date; and the case
    files without a retention rule."""
    limit = today + relativedelta(months=months)
    found: list[Due] = []
    unset: list[CaseFile] = []
    for case in cases:
        if case.retention is None:
            unset.append(case)
            continue
        for what, date in (("inaktif", case.inactive_due), ("nasib-akhir", case.final_due)):
            if date is not None and date <= limit:
                found.append(Due(case, what, date, date < today))
    return sorted(found, key=lambda d: (d.date, d.case.case_id, d.what)), unset


@bp.get("/retensi")
def index() -> str:
    text = request.args.get("bulan", str(DEFAULT_HORIZON)).strip()
    months = whole_number(text, 4)
    if months is None or not 0 <= months <= MAX_HORIZON_MONTHS:
        raise indonesian_abort(400, f"Jangka waktu harus bilangan bulan 0 sampai {MAX_HORIZON_MONTHS}.")
    today = dt.date.today()
    archive = state().open_archive()
    cases = real_cases(archive)
    due, unset = due_within(cases, today, months)
    return render_template("retention.html", due=due, unset=unset, months=months, horizons=HORIZONS,
                           today=today, limit=today + relativedelta(months=months), total=len(cases))
