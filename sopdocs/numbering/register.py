"""The official document-number register (buku agenda / register nomor naskah dinas).

A :class:`NumberingRule` says how one kind of document is numbered; a :class:`Register`
is an SQLite file that hands out numbers and remembers every one of them.

Rules the register keeps:

* Serials only grow. A number once issued (used, reserved or void) is never issued again;
  voiding marks it ``batal`` and keeps it in the book with the reason.
* A letter dated *before* the last number of its series gets an inserted number
  ("nomor sisipan", e.g. ``015.1``) placed after the last number issued on or before its
  date, so the book stays in date order. When nothing in that series and period is dated
  on or before the letter, the insert goes after serial 0 (``000.1``): the letter still
  gets a number at once, the book stays in date order, and no real serial is disturbed.
* Every allocation is one short ``BEGIN IMMEDIATE`` write transaction. SQLite's own file
  locking (plus a busy timeout and a bounded retry) serialises processes, also on Windows;
  no fcntl/flock. UNIQUE constraints are the last line of defence.

Journal mode: the default is SQLite's rollback journal, not WAL. WAL needs shared memory
between the processes using the file, which SQLite documents as not working on network
file systems, and an office register often sits on a shared drive. The writes here are
tiny and rare, so WAL would gain nothing worth that risk. Pass ``wal=True`` for a register
that only ever lives on a local disk (WAL then stays set in the file).
"""

from __future__ import annotations

import getpass
import random
import re
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from sopdocs.errors import DateError, Problem, SopdocsError, ValidationError

Reset = Literal["tahunan", "bulanan"]
Scope = Literal["per_klasifikasi", "bersama"]
InsertStyle = Literal["titik", "titik2", "huruf"]
Status = Literal["terpakai", "dipesan", "batal"]

USED: Status = "terpakai"
RESERVED: Status = "dipesan"
VOID: Status = "batal"

#: Security classification prefixes: Biasa, Terbatas, Rahasia, Sangat Rahasia.
SECURITY_CODES = ("B", "T", "R", "SR")
TOKENS = ("kode", "nomor", "unit", "bulan", "bulan_romawi", "tahun", "keamanan")
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
DEFAULT_PATTERN = "{kode}/{nomor}/{unit}/{tahun}"

#: Column headings of the agenda book, in order (keys of :meth:`IssuedNumber.as_row`).
AGENDA_COLUMNS = (
    "Nomor",
    "Tanggal",
    "Jenis",
    "Perihal",
    "Status",
    "Keterangan",
    "Dokumen",
    "Petugas",
    "Dicatat",
)

SCHEMA_VERSION = 1

_TOKEN_RE = re.compile(r"\{([^{}]*)\}")
_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
_KIND_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*$")
_PREFIX_RE = re.compile(r"^[0-9A-Za-z]+$")
_UNKNOWN_USER = "tidak diketahui"

_T = TypeVar("_T")


# --------------------------------------------------------------------------- rules


def _parse_pattern(pattern: str) -> tuple[list[tuple[bool, str]], list[str]]:
    """Split a pattern into (is_token, text) parts; return the parts and problems."""
    parts: list[tuple[bool, str]] = []
    problems: list[str] = []
    pos = 0
    for match in _TOKEN_RE.finditer(pattern):
        literal = pattern[pos : match.start()]
        if literal:
            parts.append((False, literal))
        name = match.group(1)
        if name not in TOKENS:
            known = ", ".join("{" + t + "}" for t in TOKENS)
            problems.append(f"token {{{name}}} tidak dikenal; yang dikenal: {known}")
        parts.append((True, name))
        pos = match.end()
    if pos < len(pattern):
        parts.append((False, pattern[pos:]))
    for is_token, text in parts:
        if not is_token and ("{" in text or "}" in text):
            problems.append(f"kurung kurawal tanpa pasangan di {text!r}")
    return parts, problems


def _letters(n: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa (bijective base 26)."""
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("a") + rem) + out
    return out


def format_serial(serial: int, sub: int = 0, *, width: int = 3, style: InsertStyle = "titik") -> str:
    """Serial text with an optional insert sub-number: 15, 1 -> '015.1' / '015.01' / '015a'."""
    base = f"{serial:0{width}d}"
    if sub <= 0:
        return base
    if style == "titik":
        return f"{base}.{sub}"
    if style == "titik2":
        return f"{base}.{sub:02d}"
    return base + _letters(sub)


def _check_date(value: object, what: str = "tanggal") -> Date:
    if isinstance(value, datetime) or not isinstance(value, Date):
        raise DateError(
            f"{what}: harus berupa datetime.date, bukan {type(value).__name__} ({value!r})"
        )
    return value


def _norm_security(value: str | None, *, where: str) -> str | None:
    if value is None or value == "":
        return None
    code = value.strip().upper()
    if code not in SECURITY_CODES:
        raise ValidationError(
            [
                Problem(
                    f"kode keamanan {value!r} tidak dikenal; pilih salah satu dari "
                    + ", ".join(SECURITY_CODES),
                    field=where,
                )
            ]
        )
    return code


@dataclass(frozen=True)
class NumberingRule:
    """How one kind of document is numbered.

    ``pattern`` tokens: ``{kode}`` classification code, ``{nomor}`` serial (zero-padded to
    ``width``; inserted numbers get their suffix here), ``{unit}``, ``{bulan}`` (01-12),
    ``{bulan_romawi}`` (I-XII), ``{tahun}``, ``{keamanan}`` (B/T/R/SR). When no security
    code applies, ``{keamanan}`` vanishes together with the separator run that follows it
    (or, at the end of the pattern, the one before it): ``"{keamanan}-{kode}/..."`` gives
    ``"B-800/..."`` or ``"800/..."``.

    ``scope``: ``per_klasifikasi`` keeps one serial per classification code (within a unit);
    ``bersama`` shares one serial among all kinds of the unit. The unit only separates
    series when the pattern shows it (``{unit}``).
    """

    kind: str
    code: str
    pattern: str = DEFAULT_PATTERN
    unit: str = ""
    width: int = 3
    reset: Reset = "tahunan"
    scope: Scope = "per_klasifikasi"
    insert_style: InsertStyle = "titik"
    keamanan: str | None = None

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise ValidationError(problems)

    def _problems(self, source: str | None = None) -> list[Problem]:
        kind = self.kind if isinstance(self.kind, str) and self.kind else "?"

        def bad(field: str, message: str) -> Problem:
            return Problem(message, file=source, field=f"penomoran.{kind}.{field}")

        out: list[Problem] = []
        if not isinstance(self.kind, str) or not _KIND_RE.match(self.kind):
            out.append(
                bad("kind", f"jenis naskah {self.kind!r} tidak sah; pakai huruf, angka, '-' atau '_'")
            )
        if not isinstance(self.code, str) or not _CODE_RE.match(self.code):
            out.append(
                bad(
                    "code",
                    f"kode klasifikasi {self.code!r} tidak sah; pakai angka/huruf dan titik, "
                    "misalnya '800.1.11.1'",
                )
            )
        if self.unit != "" and (not isinstance(self.unit, str) or not _CODE_RE.match(self.unit)):
            out.append(
                bad("unit", f"kode unit {self.unit!r} tidak sah; pakai angka/huruf, '.', '-' atau '_'")
            )
        if isinstance(self.width, bool) or not isinstance(self.width, int) or not 1 <= self.width <= 9:
            out.append(bad("width", f"lebar nomor urut {self.width!r} harus bilangan bulat 1 sampai 9"))
        for field, value, allowed in (
            ("reset", self.reset, get_args(Reset)),
            ("scope", self.scope, get_args(Scope)),
            ("insert_style", self.insert_style, get_args(InsertStyle)),
        ):
            if value not in allowed:
                choices = ", ".join(repr(a) for a in allowed)
                out.append(bad(field, f"nilai {value!r} tidak dikenal; pilih salah satu dari {choices}"))
        if self.keamanan is not None and (
            not isinstance(self.keamanan, str) or self.keamanan not in SECURITY_CODES
        ):
            out.append(
                bad(
                    "keamanan",
                    f"kode keamanan {self.keamanan!r} tidak dikenal; pilih salah satu dari "
                    + ", ".join(SECURITY_CODES),
                )
            )
        if not isinstance(self.pattern, str) or not self.pattern.strip():
            out.append(bad("pattern", "pola nomor kosong"))
            return out
        parts, pattern_problems = _parse_pattern(self.pattern)
        out.extend(bad("pattern", f"pola {self.pattern!r}: {p}") for p in pattern_problems)
        tokens = [text for is_token, text in parts if is_token]
        if tokens.count("nomor") != 1:
            out.append(bad("pattern", f"pola {self.pattern!r} harus memuat {{nomor}} tepat satu kali"))
        if "tahun" not in tokens:
            out.append(
                bad(
                    "pattern",
                    f"pola {self.pattern!r} harus memuat {{tahun}}: nomor urut mulai lagi setiap "
                    "tahun, tanpa tahun nomornya akan berulang",
                )
            )
        if self.reset == "bulanan" and "bulan" not in tokens and "bulan_romawi" not in tokens:
            out.append(
                bad(
                    "pattern",
                    f"reset 'bulanan' memerlukan {{bulan}} atau {{bulan_romawi}} dalam pola "
                    f"{self.pattern!r}, kalau tidak nomornya berulang setiap bulan",
                )
            )
        if tokens.count("keamanan") > 1:
            out.append(bad("pattern", f"pola {self.pattern!r} memuat {{keamanan}} lebih dari sekali"))
        if self.keamanan is not None and "keamanan" not in tokens:
            out.append(
                bad("keamanan", f"kode keamanan diberikan tetapi pola {self.pattern!r} tidak memuat {{keamanan}}")
            )
        return out

    @classmethod
    def from_dict(cls, kind: str, data: Mapping[str, Any], *, source: str | None = None) -> NumberingRule:
        """Build a rule from configuration (e.g. one entry of a YAML file).

        Keys are the field names (``code``, ``pattern``, ``unit``, ``width``, ``reset``,
        ``scope``, ``insert_style``, ``keamanan``). Unknown keys and all bad values are
        reported together, naming ``source``.
        """
        names = {f.name for f in fields(cls)} - {"kind"}
        problems = [
            Problem(f"kunci {key!r} tidak dikenal; yang dikenal: {', '.join(sorted(names))}",
                    file=source, field=f"penomoran.{kind}.{key}")
            for key in data
            if key not in names
        ]
        if "code" not in data:
            problems.append(Problem("kode klasifikasi ('code') wajib diisi", file=source,
                                    field=f"penomoran.{kind}.code"))
        if problems:
            raise ValidationError(problems)
        try:
            return cls(kind=kind, **{k: v for k, v in data.items()})
        except ValidationError as error:
            if source is None:
                raise
            raise ValidationError(
                [Problem(p.message, file=source, field=p.field, line=p.line) for p in error.problems]
            ) from None

    def series_key(self, unit: str | None = None) -> str:
        """Key of the serial counter this rule draws from (``kode@unit`` or ``*@unit``)."""
        shown_unit = self._unit(unit, required=False)
        head = self.code if self.scope == "per_klasifikasi" else "*"
        return f"{head}@{shown_unit}"

    def period(self, day: Date) -> str:
        """The reset period a date falls in: ``'2024'`` or ``'2024-03'``."""
        return f"{day.year:04d}" if self.reset == "tahunan" else f"{day.year:04d}-{day.month:02d}"

    def _unit(self, unit: str | None, *, required: bool = True) -> str:
        if "{unit}" not in self.pattern:
            return ""
        value = self.unit if unit is None else unit
        if value and not _CODE_RE.match(value):
            raise ValidationError(
                [Problem(f"kode unit {value!r} tidak sah; pakai angka/huruf, '.', '-' atau '_'",
                         field=f"penomoran.{self.kind}.unit")]
            )
        if required and not value:
            raise SopdocsError(
                f"jenis naskah '{self.kind}': pola {self.pattern!r} memuat {{unit}} tetapi kode "
                "unit tidak diberikan (isi 'unit' pada aturan penomoran)"
            )
        return value

    def _security(self, keamanan: str | None) -> str | None:
        """``None`` means the rule's default; ``""`` means explicitly no security code."""
        value = _norm_security(self.keamanan if keamanan is None else keamanan,
                               where=f"penomoran.{self.kind}.keamanan")
        if value is not None and "{keamanan}" not in self.pattern:
            raise SopdocsError(
                f"jenis naskah '{self.kind}': kode keamanan {value!r} diminta tetapi pola "
                f"{self.pattern!r} tidak memuat {{keamanan}}"
            )
        return value

    def format_number(
        self,
        serial: int,
        *,
        date: Date,
        sub: int = 0,
        unit: str | None = None,
        keamanan: str | None = None,
    ) -> str:
        """The number text for a serial, e.g. ``800.1.11.1/015/434.100/2024``."""
        day = _check_date(date)
        values = {
            "kode": self.code,
            "nomor": format_serial(serial, sub, width=self.width, style=self.insert_style),
            "unit": self._unit(unit),
            "bulan": f"{day.month:02d}",
            "bulan_romawi": ROMAN_MONTHS[day.month - 1],
            "tahun": f"{day.year:04d}",
            "keamanan": self._security(keamanan) or "",
        }
        parts, _ = _parse_pattern(self.pattern)
        pieces = [values[text] if is_token else text for is_token, text in parts]
        if not values["keamanan"]:
            _drop_security_separator(parts, pieces)
        return "".join(pieces)


def _strip_separators(text: str, *, leading: bool) -> str:
    """Remove the run of non-alphanumeric characters at the start (or end) of ``text``."""
    chars = list(text) if leading else list(reversed(text))
    while chars and not chars[0].isalnum():
        chars.pop(0)
    return "".join(chars) if leading else "".join(reversed(chars))


def _drop_security_separator(parts: list[tuple[bool, str]], pieces: list[str]) -> None:
    """Remove the separator run next to an empty ``{keamanan}`` (after it, else before it)."""
    for i, (is_token, text) in enumerate(parts):
        if not (is_token and text == "keamanan"):
            continue
        if i + 1 < len(parts) and not parts[i + 1][0]:
            pieces[i + 1] = _strip_separators(pieces[i + 1], leading=True)
        elif i > 0 and not parts[i - 1][0]:
            pieces[i - 1] = _strip_separators(pieces[i - 1], leading=False)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class IssuedNumber:
    """One line of the register."""

    id: int
    kind: str
    number: str
    series: str
    period: str
    serial: int
    sub: int
    date: Date
    subject: str
    issued_by: str
    issued_at: datetime
    status: Status
    void_reason: str | None
    document: str | None
    code: str
    unit: str
    keamanan: str | None

    @property
    def is_inserted(self) -> bool:
        return self.sub > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary with Indonesian keys (for ``--json``)."""
        return {
            "nomor": self.number,
            "tanggal": self.date.isoformat(),
            "jenis": self.kind,
            "perihal": self.subject,
            "status": self.status,
            "alasan_batal": self.void_reason,
            "dokumen": self.document,
            "petugas": self.issued_by,
            "dicatat": self.issued_at.isoformat(),
            "kode_klasifikasi": self.code,
            "unit": self.unit,
            "keamanan": self.keamanan,
            "seri": self.series,
            "periode": self.period,
            "urut": self.serial,
            "sisipan": self.sub,
        }

    def as_row(self) -> dict[str, str]:
        """One agenda-book row, keyed by :data:`AGENDA_COLUMNS` (for ``--csv`` / tables)."""
        return {
            "Nomor": self.number,
            "Tanggal": self.date.isoformat(),
            "Jenis": self.kind,
            "Perihal": self.subject,
            "Status": self.status,
            "Keterangan": self.void_reason or "",
            "Dokumen": self.document or "",
            "Petugas": self.issued_by,
            "Dicatat": self.issued_at.isoformat(),
        }


# --------------------------------------------------------------------------- register

_SCHEMA = """
CREATE TABLE numbers (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    number      TEXT    NOT NULL UNIQUE,
    series      TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    serial      INTEGER NOT NULL CHECK (serial >= 0),
    sub         INTEGER NOT NULL DEFAULT 0 CHECK (sub >= 0),
    letter_date TEXT    NOT NULL,
    subject     TEXT    NOT NULL DEFAULT '',
    issued_by   TEXT    NOT NULL,
    issued_at   TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('terpakai', 'dipesan', 'batal')),
    void_reason TEXT,
    document    TEXT,
    code        TEXT    NOT NULL,
    unit        TEXT    NOT NULL DEFAULT '',
    keamanan    TEXT,
    UNIQUE (series, period, serial, sub)
);
CREATE INDEX numbers_series_date ON numbers (series, period, letter_date);
CREATE INDEX numbers_year_date ON numbers (year, letter_date);
CREATE TABLE copy_codes (
    id        INTEGER PRIMARY KEY,
    code      TEXT    NOT NULL UNIQUE,
    prefix    TEXT    NOT NULL,
    year      INTEGER NOT NULL,
    serial    INTEGER NOT NULL CHECK (serial >= 1),
    activity  TEXT    NOT NULL,
    issued_by TEXT    NOT NULL,
    issued_at TEXT    NOT NULL,
    UNIQUE (prefix, year, serial)
);
CREATE INDEX copy_codes_activity ON copy_codes (activity);
"""


def _current_user() -> str:
    try:
        name = getpass.getuser()
    except Exception:  # OSError/KeyError/ImportError depending on platform and version
        name = ""
    return name or _UNKNOWN_USER


def _now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


def _is_busy(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
        return True
    text = str(error).lower()
    return "locked" in text or "busy" in text


class Register:
    """The number register stored in one SQLite file (created on first use).

    Use as a context manager (or call :meth:`close`): Windows cannot delete or move a file
    that is still open. One ``Register`` object belongs to one thread; every process or
    thread opens its own.
    """

    def __init__(
        self,
        path: Path,
        *,
        wal: bool = False,
        busy_timeout: float = 10.0,
        retries: int = 6,
    ) -> None:
        self.path = Path(path)
        self.wal = wal
        self.busy_timeout = busy_timeout
        self.retries = retries
        self._conn: sqlite3.Connection | None = None

    # -- lifecycle

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _error(self, error: sqlite3.Error) -> SopdocsError:
        if _is_busy(error):
            return SopdocsError(
                f"register {self.path}: berkas sedang dipakai proses lain (terkunci) dan tidak "
                "lepas setelah beberapa kali dicoba; coba lagi sebentar lagi"
            )
        if isinstance(error, sqlite3.DatabaseError) and "not a database" in str(error):
            return SopdocsError(f"register {self.path}: bukan berkas register SQLite ({error})")
        return SopdocsError(f"register {self.path}: {error}")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        if self.path.exists() and self.path.is_dir():
            raise SopdocsError(f"register {self.path}: ini folder, bukan berkas register")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SopdocsError(f"register {self.path}: folder tidak dapat dibuat ({error})") from None
        try:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        except sqlite3.Error as error:
            raise self._error(error) from None
        conn.row_factory = sqlite3.Row
        self._conn = conn
        try:
            if self.wal:
                self._retry(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone())
            version = self._retry(lambda: conn.execute("PRAGMA user_version").fetchone()[0])
            if version != SCHEMA_VERSION:
                self._write(self._migrate)
        except BaseException:
            self.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return  # another process created it while we waited for the lock
        if version > SCHEMA_VERSION:
            raise SopdocsError(
                f"register {self.path}: versi skema {version} dibuat oleh sopdocs yang lebih baru "
                f"(versi ini mengenal sampai {SCHEMA_VERSION}); perbarui sopdocs"
            )
        if version == 0:
            others = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            if others:
                raise SopdocsError(
                    f"register {self.path}: berkas SQLite ini bukan register sopdocs "
                    f"(berisi tabel {', '.join(others)})"
                )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _sleep(self, attempt: int) -> None:
        delay = min(0.05 * (2**attempt), 2.0)
        time.sleep(delay * (0.5 + random.random()))

    def _retry(self, action: Callable[[], _T]) -> _T:
        """Run one autocommit statement, retrying while the file is locked."""
        for attempt in range(self.retries + 1):
            try:
                return action()
            except sqlite3.Error as error:
                if _is_busy(error) and attempt < self.retries:
                    self._sleep(attempt)
                    continue
                raise self._error(error) from None
        raise AssertionError("unreachable")

    def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` inside one ``BEGIN IMMEDIATE`` transaction, retrying on lock errors."""
        conn = self._conn if self._conn is not None else self._connection()
        for attempt in range(self.retries + 1):
            try:
                conn.execute("BEGIN IMMEDIATE")
                result = work(conn)
                conn.execute("COMMIT")
                return result
            except BaseException as error:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                if not isinstance(error, sqlite3.Error):
                    raise
                if _is_busy(error) and attempt < self.retries:
                    self._sleep(attempt)
                    continue
                raise self._error(error) from None
        raise AssertionError("unreachable")

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        conn = self._connection()
        return self._retry(lambda: conn.execute(sql, params).fetchall())

    # -- numbers

    def take(
        self,
        rule: NumberingRule,
        *,
        date: Date,
        subject: str = "",
        user: str | None = None,
        document: str | Path | None = None,
        unit: str | None = None,
        keamanan: str | None = None,
    ) -> IssuedNumber:
        """Issue the next number of the rule's series for a letter dated ``date``.

        ``unit``/``keamanan`` default to the rule's values; ``keamanan=""`` forces no
        security prefix. A date earlier than the series' last number gets an inserted
        number (see module docs).
        """
        return self._allocate(rule, USED, date, subject, user, document, unit, keamanan)

    def reserve(
        self,
        rule: NumberingRule,
        *,
        date: Date,
        subject: str = "",
        user: str | None = None,
        unit: str | None = None,
        keamanan: str | None = None,
    ) -> IssuedNumber:
        """Like :meth:`take`, but the number is only booked (``dipesan``) until :meth:`attach`."""
        return self._allocate(rule, RESERVED, date, subject, user, None, unit, keamanan)

    def _allocate(
        self,
        rule: NumberingRule,
        status: Status,
        date: Date,
        subject: str,
        user: str | None,
        document: str | Path | None,
        unit: str | None,
        keamanan: str | None,
    ) -> IssuedNumber:
        if not isinstance(rule, NumberingRule):
            raise SopdocsError(f"aturan penomoran tidak sah: {rule!r}")
        day = _check_date(date)
        shown_unit = rule._unit(unit)
        security = rule._security(keamanan)
        series = rule.series_key(shown_unit)
        period = rule.period(day)
        who = (user or "").strip() or _current_user()
        doc = str(document) if document is not None else None
        when = _now()

        def work(conn: sqlite3.Connection) -> int:
            serial, sub = self._next_slot(conn, series, period, day)
            text = rule.format_number(serial, date=day, sub=sub, unit=shown_unit, keamanan=security or "")
            clash = conn.execute("SELECT kind, series FROM numbers WHERE number = ?", (text,)).fetchone()
            if clash is not None:
                raise SopdocsError(
                    f"nomor {text} sudah ada di register (jenis '{clash['kind']}', seri "
                    f"{clash['series']}); aturan penomoran '{rule.kind}' menghasilkan nomor yang sama "
                    "dengan seri lain: bedakan polanya, misalnya dengan {kode} atau {unit}"
                )
            cursor = conn.execute(
                """INSERT INTO numbers (kind, number, series, period, year, serial, sub,
                       letter_date, subject, issued_by, issued_at, status, document, code,
                       unit, keamanan)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (rule.kind, text, series, period, day.year, serial, sub, day.isoformat(),
                 subject, who, when.isoformat(), status, doc, rule.code, shown_unit, security),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        row_id = self._write(work)
        return self._by_id(row_id)

    @staticmethod
    def _next_slot(conn: sqlite3.Connection, series: str, period: str, day: Date) -> tuple[int, int]:
        """(serial, sub) for a new number; must run inside the write transaction."""
        iso = day.isoformat()
        last_date, last_serial = conn.execute(
            "SELECT MAX(letter_date), COALESCE(MAX(serial), 0) FROM numbers WHERE series = ? AND period = ?",
            (series, period),
        ).fetchone()
        if last_date is None or iso >= last_date:
            return last_serial + 1, 0
        (anchor,) = conn.execute(
            """SELECT COALESCE(MAX(serial), 0) FROM numbers
               WHERE series = ? AND period = ? AND letter_date <= ?""",
            (series, period, iso),
        ).fetchone()
        (last_sub,) = conn.execute(
            "SELECT COALESCE(MAX(sub), 0) FROM numbers WHERE series = ? AND period = ? AND serial = ?",
            (series, period, anchor),
        ).fetchone()
        return anchor, last_sub + 1

    def attach(self, number_text: str, document: str | Path) -> IssuedNumber:
        """Record the document a number ended up on; a reservation becomes ``terpakai``."""
        doc = str(document).strip()
        if not doc:
            raise ValidationError([Problem("dokumen kosong", field="dokumen")])

        def work(conn: sqlite3.Connection) -> int:
            row = self._require(conn, number_text)
            if row["status"] == VOID:
                raise SopdocsError(
                    f"nomor {number_text} sudah dibatalkan ({row['void_reason']}); tidak dapat dipakai"
                )
            if row["status"] == USED and row["document"] not in (None, doc):
                raise SopdocsError(
                    f"nomor {number_text} sudah dipakai untuk dokumen {row['document']}"
                )
            conn.execute(
                "UPDATE numbers SET status = ?, document = ? WHERE id = ?", (USED, doc, row["id"])
            )
            return int(row["id"])

        return self._by_id(self._write(work))

    def void(self, number_text: str, reason: str) -> IssuedNumber:
        """Mark a number ``batal`` with a reason. It stays in the book and is never reissued."""
        why = (reason or "").strip()
        if not why:
            raise ValidationError(
                [Problem(f"alasan pembatalan nomor {number_text} wajib diisi", field="alasan")]
            )

        def work(conn: sqlite3.Connection) -> int:
            row = self._require(conn, number_text)
            if row["status"] == VOID:
                raise SopdocsError(
                    f"nomor {number_text} sudah dibatalkan sebelumnya ({row['void_reason']})"
                )
            conn.execute(
                "UPDATE numbers SET status = ?, void_reason = ? WHERE id = ?", (VOID, why, row["id"])
            )
            return int(row["id"])

        return self._by_id(self._write(work))

    def _require(self, conn: sqlite3.Connection, number_text: str) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM numbers WHERE number = ?", (number_text,)).fetchone()
        if row is None:
            raise SopdocsError(f"register {self.path}: nomor {number_text!r} tidak ada di register")
        return row

    def find(self, number_text: str) -> IssuedNumber | None:
        rows = self._read("SELECT * FROM numbers WHERE number = ?", (number_text,))
        return _to_issued(rows[0]) if rows else None

    def list(self, year: int | None = None, kind: str | None = None) -> list[IssuedNumber]:
        """Every number (void and reserved included) in agenda-book order.

        Order: letter date, then series and serial/sub-number, then issue order.
        """
        where: list[str] = []
        params: list[Any] = []
        if year is not None:
            where.append("year = ?")
            params.append(year)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._read(
            f"SELECT * FROM numbers {clause} ORDER BY letter_date, series, period, serial, sub, id",
            tuple(params),
        )
        return [_to_issued(row) for row in rows]

    def _by_id(self, row_id: int) -> IssuedNumber:
        return _to_issued(self._read("SELECT * FROM numbers WHERE id = ?", (row_id,))[0])

    # -- questionnaire copy codes

    def issue_copy_codes(
        self,
        activity: str,
        count: int,
        *,
        year: int,
        prefix: str = "K",
        width: int = 4,
        user: str | None = None,
    ) -> list[str]:
        """Issue ``count`` new copy codes like ``K-2024-0001``; never repeated within prefix+year."""
        problems: list[Problem] = []
        name = (activity or "").strip() if isinstance(activity, str) else ""
        if not name:
            problems.append(Problem("nama kegiatan wajib diisi", field="kegiatan"))
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            problems.append(Problem(f"jumlah kode {count!r} harus bilangan bulat 1 atau lebih", field="jumlah"))
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
            problems.append(Problem(f"tahun {year!r} tidak sah", field="tahun"))
        if not isinstance(prefix, str) or not _PREFIX_RE.match(prefix):
            problems.append(Problem(f"awalan {prefix!r} harus huruf/angka saja, misalnya 'K'", field="awalan"))
        if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= 9:
            problems.append(Problem(f"lebar {width!r} harus bilangan bulat 1 sampai 9", field="lebar"))
        if problems:
            raise ValidationError(problems)
        who = (user or "").strip() or _current_user()
        when = _now().isoformat()

        def work(conn: sqlite3.Connection) -> list[str]:
            (last,) = conn.execute(
                "SELECT COALESCE(MAX(serial), 0) FROM copy_codes WHERE prefix = ? AND year = ?",
                (prefix, year),
            ).fetchone()
            codes = [f"{prefix}-{year:04d}-{serial:0{width}d}" for serial in range(last + 1, last + count + 1)]
            conn.executemany(
                """INSERT INTO copy_codes (code, prefix, year, serial, activity, issued_by, issued_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [(code, prefix, year, last + 1 + i, name, who, when) for i, code in enumerate(codes)],
            )
            return codes

        return self._write(work)

    def copy_codes(self, activity: str) -> list[str]:
        """All copy codes issued for an activity, in issue order."""
        rows = self._read(
            "SELECT code FROM copy_codes WHERE activity = ? ORDER BY year, prefix, serial",
            ((activity or "").strip(),),
        )
        return [row["code"] for row in rows]


def _to_issued(row: sqlite3.Row) -> IssuedNumber:
    return IssuedNumber(
        id=row["id"],
        kind=row["kind"],
        number=row["number"],
        series=row["series"],
        period=row["period"],
        serial=row["serial"],
        sub=row["sub"],
        date=Date.fromisoformat(row["letter_date"]),
        subject=row["subject"],
        issued_by=row["issued_by"],
        issued_at=datetime.fromisoformat(row["issued_at"]),
        status=row["status"],
        void_reason=row["void_reason"],
        document=row["document"],
        code=row["code"],
        unit=row["unit"],
        keamanan=row["keamanan"],
    )
