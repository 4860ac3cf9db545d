"""Indonesian dates: reading ("2 Januari 2024", "2/1/2024", "2024-01-02") and writing.

Reading is strict first: the shapes SOP documents use are matched by regular
expressions and the day is checked to exist. Only text that matches none of them is
handed to dateutil (with an Indonesian :class:`IndonesianParserInfo`), and that fallback
still refuses text without a day, month or four-digit year instead of filling the gap
from today's date. Numeric dates are always day first, except year-first ISO dates.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sopdocs.errors import DateError

BULAN: tuple[str, ...] = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
"""Month names; ``BULAN[0]`` is January."""

HARI: tuple[str, ...] = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
"""Day names in ``date.weekday()`` order: ``HARI[0]`` is Monday."""

# Every accepted spelling, lower case, per month / weekday (same order as above).
_MONTH_FORMS: tuple[tuple[str, ...], ...] = (
    ("januari", "jan"),
    ("februari", "feb", "pebruari", "peb"),
    ("maret", "mar"),
    ("april", "apr"),
    ("mei",),
    ("juni", "jun"),
    ("juli", "jul"),
    ("agustus", "agu", "agt", "ags", "agust", "agus"),
    ("september", "sep", "sept"),
    ("oktober", "okt"),
    ("november", "nov", "nopember", "nop"),
    ("desember", "des"),
)
_DAY_FORMS: tuple[tuple[str, ...], ...] = (
    ("senin", "sen"),
    ("selasa", "sel"),
    ("rabu", "rab"),
    ("kamis", "kam"),
    ("jumat", "jum"),  # "Jum'at" is folded to "Jumat" before lookup
    ("sabtu", "sab"),
    ("minggu", "ahad", "min", "ahd"),
)
_MONTHS: dict[str, int] = {f: i + 1 for i, forms in enumerate(_MONTH_FORMS) for f in forms}
_DAYS: dict[str, int] = {f: i for i, forms in enumerate(_DAY_FORMS) for f in forms}


@cache
def _dateutil() -> tuple[Any, Any]:
    """dateutil's parser and :class:`IndonesianParserInfo`, its Indonesian vocabulary (made
    on first use: dateutil is needed only for dates the strict patterns do not read)."""
    from dateutil import parser as dateutil_parser

    class IndonesianParserInfo(dateutil_parser.parserinfo):
        """dateutil vocabulary for Indonesian: month and day names, filler words, day first."""

        # types-python-dateutil declares these as 2- or 3-tuples; dateutil takes any number of
        # forms per entry (it only iterates over them), and Indonesian has 1 to 4.
        MONTHS = list(_MONTH_FORMS)  # type: ignore[arg-type]
        WEEKDAYS = list(_DAY_FORMS)  # type: ignore[arg-type]
        JUMP = [" ", ".", ",", ";", "-", "/", "'",
                "tanggal", "tgl", "pada", "hari", "bulan", "tahun", "pukul", "jam"]
        HMS = [("j",), ("m", "menit", "mnt"), ("d", "detik", "dtk")]  # type: ignore[list-item]
        AMPM = [("am",), ("pm",)]  # type: ignore[list-item]
        PERTAIN: list[str] = []
        UTCZONE = ["UTC", "GMT", "Z"]

        def __init__(self) -> None:
            super().__init__(dayfirst=True, yearfirst=False)

    return dateutil_parser, IndonesianParserInfo


def __getattr__(name: str) -> Any:
    """``IndonesianParserInfo``, made on first use (see :func:`_dateutil`)."""
    if name == "IndonesianParserInfo":
        return _dateutil()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_WS = re.compile(r"\s+")
_JUMAT = re.compile(r"\b(jum)'(at)\b", re.IGNORECASE)
# Words that may stand before or around a date without changing it.
_FILLER = frozenset({"tanggal", "tgl", "pada", "hari", "bulan", "tahun", "pukul", "jam"})
# Optional "Selasa, " / "tanggal " before any of the strict shapes.
_PREFIX = r"(?:(?P<pre>[A-Za-z]+)\.?\s*,?\s+)?"
_ISO = re.compile(
    _PREFIX + r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_YMD_SLASH = re.compile(_PREFIX + r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})")
_DMY_NUM = re.compile(
    _PREFIX + r"(?P<d>\d{1,2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})"
)
_DMY_NAME = re.compile(
    _PREFIX + r"(?P<d>\d{1,2})[\s\-/]*(?P<bulan>[A-Za-z]+)\.?[\s\-/]*(?P<y>\d{4})"
)
_YEAR_FIRST = re.compile(r"(?<!\d)\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)")
_WORD = re.compile(r"[A-Za-z']+")
_YEAR4 = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _where(field: str | None) -> str:
    return f"{field}: " if field else ""


#: Longest text quoted back in a message (a 10,000-character cell is shown cut short).
SHOWN_CHARS = 60


def _shown(raw: str) -> str:
    """``raw`` as quoted in a message: one line, at most :data:`SHOWN_CHARS` characters."""
    text = raw.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def _build(y: int, m: int, d: int, raw: str, field: str | None) -> date:
    """Return the date, or a DateError that says why it does not exist."""
    if not 1 <= m <= 12:
        raise DateError(f'{_where(field)}"{raw}" bukan tanggal yang ada (bulan {m} tidak ada)')
    if y < 1:
        raise DateError(f'{_where(field)}"{raw}" bukan tanggal yang ada (tahun {y} tidak ada)')
    days = calendar.monthrange(y, m)[1]
    if not 1 <= d <= days:
        raise DateError(
            f'{_where(field)}"{raw}" bukan tanggal yang ada '
            f"({BULAN[m - 1]} {y} hanya {days} hari)"
        )
    return date(y, m, d)


def _check_day_names(result: date, raw: str, field: str | None) -> None:
    """If the text names a weekday, it must be the weekday of ``result``."""
    named = {_DAYS[w.lower()] for w in _WORD.findall(raw) if w.lower() in _DAYS}
    if not named:
        return
    if named != {result.weekday()}:
        given = "/".join(HARI[i] for i in sorted(named))
        raise DateError(
            f'{_where(field)}"{_shown(raw)}": {format_tanggal(result)} jatuh pada hari '
            f"{nama_hari(result)}, bukan {given}"
        )


def _strict(text: str, raw: str, field: str | None) -> date | None:
    for pattern in (_ISO, _YMD_SLASH, _DMY_NUM, _DMY_NAME):
        m = pattern.fullmatch(text)
        if m:
            break
    else:
        return None
    pre = m["pre"]
    if pre is not None and pre.lower() not in _DAYS and pre.lower() not in _FILLER:
        raise DateError(f'{_where(field)}"{raw}": "{pre}" bukan nama hari')
    if "bulan" in m.groupdict():
        month = _MONTHS.get(m["bulan"].lower())
        if month is None:
            raise DateError(f'{_where(field)}"{raw}": nama bulan "{m["bulan"]}" tidak dikenal')
    else:
        month = int(m["m"])
    return _build(int(m["y"]), month, int(m["d"]), raw, field)


@cache
def _parser_info() -> Any:
    return _dateutil()[1]()


def _fallback(text: str, raw: str, field: str | None) -> date:
    """dateutil, but refusing anything it would have to guess."""
    unreadable = DateError(
        f'{_where(field)}"{raw}" tidak dapat dibaca sebagai tanggal '
        f'(contoh yang diterima: "2 Januari 2024", "02/01/2024", "2024-01-02")'
    )
    year_first = _YEAR_FIRST.search(text) is not None
    dateutil_parser, info = _dateutil()[0], _parser_info()
    results = []
    try:
        # Two different defaults: a part missing from the text shows up as a difference.
        for default in (datetime(2000, 1, 1), datetime(2004, 2, 2)):
            parsed, skipped = dateutil_parser.parse(
                text, parserinfo=info, default=default, fuzzy_with_tokens=True,
                dayfirst=not year_first, yearfirst=year_first,
            )
            for token in skipped:
                # A number or an unknown word the parser ignored: do not trust the rest.
                words = _WORD.findall(token)
                if any(ch.isdigit() for ch in token) or any(
                    w.lower() not in _DAYS and w.lower() not in _FILLER for w in words
                ):
                    raise unreadable
            results.append(parsed)
    except (ValueError, OverflowError):
        raise unreadable from None
    first, second = results
    missing = [name for name, a, b in (("tanggal", first.day, second.day),
                                       ("bulan", first.month, second.month),
                                       ("tahun", first.year, second.year)) if a != b]
    if missing:
        raise DateError(
            f'{_where(field)}"{raw}" tidak lengkap: {", ".join(missing)} tidak disebut'
        )
    if str(first.year) not in _YEAR4.findall(text):
        raise DateError(f'{_where(field)}"{raw}": tahun harus ditulis empat angka')
    return first.date()


def parse_tanggal(text: str | date | datetime, field: str | None = None) -> date:
    """Read a date written the Indonesian way; ``field`` is named in error messages.

    Accepts ``date``/``datetime`` objects as they are (YAML gives those).
    Raises :class:`DateError` for unreadable, incomplete or impossible dates, and
    when a named weekday does not match the date.
    """
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if not isinstance(text, str):
        raise DateError(f"{_where(field)}{text!r} bukan tanggal (contoh: 2 Januari 2024)")
    raw = text.strip()
    norm = _WS.sub(" ", raw.replace("\u2019", "'").replace("\u2018", "'"))
    norm = _JUMAT.sub(r"\1\2", norm)
    if not norm:
        raise DateError(f"{_where(field)}tanggal kosong")
    shown = _shown(raw)
    result = _strict(norm, shown, field)
    if result is None:
        result = _fallback(norm, shown, field)
    _check_day_names(result, norm, field)
    return result


def nama_bulan(month: int) -> str:
    """Indonesian name of month 1..12."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return BULAN[month - 1]


def nama_hari(d: date) -> str:
    """Indonesian weekday name of ``d`` ("Senin" ... "Minggu")."""
    return HARI[d.weekday()]


def format_tanggal(d: date, *, nol_di_depan: bool = False, dengan_hari: bool = False) -> str:
    """``2 Januari 2024``; ``02 Januari 2024`` with nol_di_depan; day name with dengan_hari."""
    if isinstance(d, datetime):
        d = d.date()
    day = f"{d.day:02d}" if nol_di_depan else str(d.day)
    text = f"{day} {BULAN[d.month - 1]} {d.year}"
    return f"{nama_hari(d)}, {text}" if dengan_hari else text


@dataclass(frozen=True)
class DateStyle:
    """How an agency writes dates (chosen in its profile)."""

    nol_di_depan: bool = False
    dengan_hari: bool = False

    def format(self, d: date) -> str:
        return format_tanggal(d, nol_di_depan=self.nol_di_depan, dengan_hari=self.dengan_hari)

    def in_text(self) -> DateStyle:
        """The style of a date inside running text: never a leading zero ("tanggal 8 s.d. 10
        Januari 2024"); the profile's zero is for the date line and fields ("05 Januari 2024")."""
        return DateStyle(nol_di_depan=False, dengan_hari=self.dengan_hari)
