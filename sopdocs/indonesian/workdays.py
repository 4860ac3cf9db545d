"""Working days of an Indonesian government office.

The working week is Monday to Friday (Perpres 21/2023). Days off are the national
public holidays of the ``holidays`` package, optionally its cuti bersama (the
``holidays`` package keeps those, for 2002 onwards, in the ``government`` category
of Indonesia; later years only once the package knows the decree), plus the user's own
extra holidays. Extra working days (a Saturday swapped in, a holiday the office works
through) override everything else.

Holidays and cuti bersama are set yearly by decree and are sometimes revised, so the
package's list for a year may be out of date: the user lists are the correction.

The package's list of a year is kept in the user's runtime folder (:mod:`sopdocs.runtime`)
per package version: importing ``holidays`` and computing a year (lunar calendars, the
Indonesian names) costs a command about a quarter of a second, reading the list back a
millisecond.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from sopdocs import runtime
from sopdocs.indonesian.dates import format_tanggal, parse_tanggal
from sopdocs.errors import DateError

# A calendar where no working day follows within this many days is misconfigured.
_SEARCH_LIMIT = 366
#: A kept list of a year's days off is used only within these bounds (else computed again).
MAX_KEPT_DAYS = 100
MAX_KEPT_NAME = 300


def _as_date(d: date | datetime) -> date:
    return d.date() if isinstance(d, datetime) else d


class WorkCalendar:
    """Monday-Friday working days minus holidays; years are loaded when first needed.

    ``cuti_bersama`` defaults to True because ASN offices close on cuti bersama; set
    it False for a unit that stays open (its staff then take leave individually).
    ``extra_holidays`` maps dates to names; ``extra_working_days`` are working days
    even on a weekend or holiday. Both accept ``date`` objects or date strings.
    """

    def __init__(
        self,
        *,
        cuti_bersama: bool = True,
        extra_holidays: Mapping[date, str] | Mapping[str, str] | Mapping[date | str, str] | None = None,
        extra_working_days: Iterable[date | str] = (),
    ) -> None:
        self.cuti_bersama = cuti_bersama
        self._extra_holidays: dict[date, str] = {
            parse_tanggal(d, "hari_libur_tambahan"): name
            for d, name in (extra_holidays or {}).items()
        }
        self._extra_working: frozenset[date] = frozenset(
            parse_tanggal(d, "hari_kerja_tambahan") for d in extra_working_days
        )
        both = sorted(self._extra_working & self._extra_holidays.keys())
        if both:
            listed = ", ".join(format_tanggal(d) for d in both)
            raise DateError(
                f"{listed} tercantum sebagai hari libur tambahan dan hari kerja tambahan "
                "sekaligus"
            )
        self._loaded: set[int] = set()
        self._holidays: dict[date, str] = {}

    def _load(self, year: int) -> None:
        if year in self._loaded:
            return
        categories = ("public", "government") if self.cuti_bersama else ("public",)
        for day, name in country_holidays(year, categories).items():
            self._holidays.setdefault(day, name)
        self._loaded.add(year)

    def holiday_name(self, d: date) -> str | None:
        """Name of the day off on ``d``; None for ordinary days, plain weekends and
        extra working days."""
        d = _as_date(d)
        if d in self._extra_working:
            return None
        if d in self._extra_holidays:
            return self._extra_holidays[d]
        self._load(d.year)
        return self._holidays.get(d)

    def is_working_day(self, d: date) -> bool:
        d = _as_date(d)
        if d in self._extra_working:
            return True
        if d.weekday() >= 5:
            return False
        return self.holiday_name(d) is None

    def working_day_on_or_after(self, d: date) -> date:
        """``d`` itself if it is a working day, else the next one."""
        d = _as_date(d)
        for offset in range(_SEARCH_LIMIT):
            candidate = d + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise DateError(
            f"tidak ada hari kerja dalam {_SEARCH_LIMIT} hari sejak {format_tanggal(d)}"
        )

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d`` (``d`` itself never counts)."""
        return self.working_day_on_or_after(_as_date(d) + timedelta(days=1))

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d``, not counting ``d``; n=0 gives ``d`` back."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        d = _as_date(d)
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def count_working_days(self, start: date, end: date) -> int:
        """Working days from ``start`` to ``end``, both included."""
        start, end = _as_date(start), _as_date(end)
        if end < start:
            raise DateError(
                f"tanggal akhir {format_tanggal(end)} lebih awal dari tanggal awal "
                f"{format_tanggal(start)}"
            )
        days = (end - start).days + 1
        return sum(self.is_working_day(start + timedelta(days=i)) for i in range(days))


def country_holidays(year: int, categories: tuple[str, ...]) -> dict[date, str]:
    """Indonesia's days off in ``year`` by the ``holidays`` package, in Indonesian; kept in
    the user's runtime folder per package version and read back from there."""
    kept = _kept_file(year, categories)
    if kept is not None:
        found = _read_kept(kept, year)
        if found is not None:
            return found
    import holidays  # ~120 ms: imported when a year is first computed, not by every command

    found = {day: str(name) for day, name in
             holidays.country_holidays("ID", years=year, categories=categories, language="id").items()}
    if kept is not None:
        try:
            runtime.write_private(kept, json.dumps({d.isoformat(): n for d, n in found.items()},
                                                   ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass  # not kept: computed again next time
    return found


def _kept_file(year: int, categories: tuple[str, ...]) -> str | None:
    version = runtime.installed_version("holidays", "holidays")
    if version is None or not version.replace(".", "").isalnum():
        return None
    try:
        folder = runtime.private_dir()
    except runtime.ServiceUnavailable:
        return None
    import os

    return os.path.join(folder, f"libur-ID-{version}-{'+'.join(categories)}-{year:04d}.json")


def _read_kept(path: str, year: int) -> dict[date, str] | None:
    """The kept list, or None when it is missing or not what this module writes."""
    raw = runtime.read_private(path, MAX_KEPT_DAYS * (MAX_KEPT_NAME + 20))
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or len(data) > MAX_KEPT_DAYS:
            return None
        found = {date.fromisoformat(day): name for day, name in data.items()}
    except (ValueError, TypeError):
        return None
    if any(d.year != year or not isinstance(n, str) or not n or len(n) > MAX_KEPT_NAME for d, n in found.items()):
        return None
    return found
