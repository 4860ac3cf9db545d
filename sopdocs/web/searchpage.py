"""The search page: one box with the CLI's query language, filters, counts, paging."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request
from markupsafe import Markup, escape

from sopdocs.errors import SopdocsError
from sopdocs.web.httperrors import whole_number
from sopdocs.web.state import cached_kind_label, state

bp = Blueprint("search", __name__)

#: Hits per page.
PAGE_SIZE = 20
#: Deepest page offered (offset = (page - 1) * PAGE_SIZE stays within the index's bound).
MAX_PAGE = 200
#: Longest value accepted in any filter field (the query itself is bounded by the index).
MAX_FILTER_CHARS = 60

_MARKED = re.compile(r"\[\[(.+?)\]\]")
_CLASSIFICATION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.]{0,39}$")
_KIND = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SORTS = {"relevance": "Relevansi", "date": "Tanggal terbaru", "date_asc": "Tanggal terlama"}


def highlight(snippet: str) -> Markup:
    """The index marks matched words ``[[like this]]``: escape everything, then turn the
    marks into ``<mark>``."""
    text = str(escape(snippet))
    return Markup(_MARKED.sub(lambda m: f"<mark>{m.group(1)}</mark>", text))


@dataclass
class Filters:
    q: str = ""
    kind: str = ""
    year: int | None = None
    classification: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "relevance"
    page: int = 1

    @property
    def any_filter(self) -> bool:
        return bool(self.kind or self.year or self.classification or self.date_from or self.date_to)

    def params(self, **change: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "q": self.q, "jenis": self.kind, "tahun": self.year or "", "klasifikasi": self.classification,
            "dari": self.date_from.isoformat() if self.date_from else "",
            "sampai": self.date_to.isoformat() if self.date_to else "",
            "urut": "" if self.sort == "relevance" else self.sort, "hal": "" if self.page == 1 else self.page,
        }
        values.update(change)
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    def url(self, **change: Any) -> str:
        return "?" + urlencode(self.params(**change))


def _field(name: str, label: str) -> str:
    value = request.args.get(name, "").strip()
    if len(value) > MAX_FILTER_CHARS:
        raise SopdocsError(f"{label}: isian terlalu panjang (paling banyak {MAX_FILTER_CHARS} karakter)")
    return value


def read_filters() -> tuple[Filters, list[str]]:
    """The filters of the request; problems are messages for the page (not errors)."""
    from sopdocs.indonesian.dates import parse_tanggal

    problems: list[str] = []
    f = Filters(q=request.args.get("q", "").strip())
    kind = _field("jenis", "Jenis")
    if kind and not _KIND.match(kind):
        problems.append(f"Jenis {kind!r} tidak dikenal.")
    else:
        f.kind = kind
    year = _field("tahun", "Tahun")
    if year:
        number = whole_number(year, 4)
        if number is not None and 1900 <= number <= 9999:
            f.year = number
        else:
            problems.append(f"Tahun {year!r} tidak sah (contoh: 2024).")
    code = _field("klasifikasi", "Klasifikasi")
    if code and not _CLASSIFICATION.match(code):
        problems.append(f"Kode klasifikasi {code!r} tidak sah (contoh: 800.1).")
    else:
        f.classification = code
    for name, label, attr in (("dari", "Tanggal awal", "date_from"), ("sampai", "Tanggal akhir", "date_to")):
        value = _field(name, label)
        if value:
            try:
                setattr(f, attr, parse_tanggal(value, field=label))
            except SopdocsError as exc:
                problems.append(str(exc))
    if f.date_from and f.date_to and f.date_from > f.date_to:
        problems.append("Tanggal awal sesudah tanggal akhir.")
        f.date_to = None
    sort = request.args.get("urut", "relevance")
    f.sort = sort if sort in SORTS else "relevance"
    page = request.args.get("hal", "1")
    number = whole_number(page, 6)
    f.page = min(number, MAX_PAGE) if number is not None and number >= 1 else 1
    return f, problems


@bp.get("/")
def index() -> str:
    f, problems = read_filters()
    web = state()
    idx = web.index()
    results = None
    error = None
    counts = None
    if f.q or f.any_filter:
        web.catch_up()
        try:
            results = idx.search(f.q, kind=f.kind or None, date_from=f.date_from, date_to=f.date_to,
                                 limit=PAGE_SIZE, sort=f.sort, offset=(f.page - 1) * PAGE_SIZE,
                                 classification=f.classification or None, year=f.year)
        except SopdocsError as exc:
            error = str(exc)
        # The same query without the filters: were the filters what excluded everything?
        if results is not None and results.total == 0 and f.any_filter and f.q:
            try:
                counts = idx.search(f.q, limit=1).total
            except SopdocsError:
                counts = None
    else:
        try:
            counts = web.counts().total
        except SopdocsError:
            counts = None
    pages = 0
    if results is not None:
        pages = min(MAX_PAGE, -(-results.total // PAGE_SIZE))
    return render_template("search.html", f=f, results=results, error=error, problems=problems,
                           unfiltered_total=counts, pages=pages, sorts=SORTS, highlight=highlight,
                           kinds=_kinds(f.kind), page_size=PAGE_SIZE)


def _kinds(current: str) -> list[tuple[str, str, int]]:
    """Kinds for the filter list: those in the index, with their counts."""
    try:
        by_kind = dict(state().counts().by_kind)
    except SopdocsError:
        by_kind = {}
    if current and current not in by_kind:
        by_kind[current] = 0
    return sorted(((n, cached_kind_label(n), c) for n, c in by_kind.items()), key=lambda kv: kv[1])
