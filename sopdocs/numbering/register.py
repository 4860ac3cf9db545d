"""The official document-number register (buku agenda / register nomor naskah dinas).

A :class:`NumberingRule` says how one kind of document is numbered; a :class:`Register`
hands out numbers and remembers every one of them. :class:`Register` holds the rules
below and runs them on a storage engine: :class:`SqliteRegister`, one SQLite file in the
archive folder (the embedded default; ``Register(path)`` opens one), or
``sopdocs.numbering.pgregister.PostgresRegister``, a PostgreSQL database shared by an
office's workstations (chosen by the archive's ``pengaturan.yaml``, see
:func:`sopdocs.numbering.rules.register_for`). What follows about locking and journal
modes is the SQLite engine's; the PostgreSQL one serialises writers with an advisory
lock inside each transaction.

Rules the register keeps:

* Serials only grow. A number once issued (used, reserved or void) is never issued again;
  voiding marks it ``batal`` and keeps it in the book with the reason. The one exception
  is a run's reservation given back (:meth:`Register.release`) while nothing was issued
  after it: it is deleted, as if never taken, so the series has no gap.
* A letter dated *before* the last number of its series gets an inserted number
  ("nomor sisipan", e.g. ``015.1``) that sorts after every number dated on or before it and
  before every number dated after it, so the book stays in date order. When nothing in
  that series and period is dated on or before the letter, the insert goes after serial 0
  (``000.1``). When no such place is free (``000.1`` dated 15 June exists and a letter of
  1 January comes), the letter is refused with the number that blocks it.
* Every allocation is one short ``BEGIN IMMEDIATE`` write transaction. SQLite's own file
  locking serialises processes, also on Windows; no fcntl/flock. A writer waits for
  another one up to ``busy_timeout`` (polling in short steps so it can say, after
  :data:`LOCK_NOTICE_SECONDS`, that it is waiting). UNIQUE constraints are the last line
  of defence.
* A run that issues a document reserves its numbers and copy codes under a transaction id,
  and afterwards confirms them all at once (``terpakai`` with their documents) or releases
  them all at once: a released reservation is deleted when nothing was issued after it
  (no gap), else voided. A number is never issued twice and never spent by a failed run.

Journal mode: the default is SQLite's rollback journal, not WAL. WAL needs shared memory
between the processes using the file, which SQLite documents as not working on network
file systems, and an office register often sits on a shared drive. The writes here are
tiny and rare, so WAL would gain nothing worth that risk. Pass ``wal=True`` for a register
that only ever lives on a local disk (WAL then stays set in the file).
"""

from __future__ import annotations

import builtins
import getpass
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from dataclasses import field as dc_field
from datetime import date as Date
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Literal, Protocol, Self, TypeVar, get_args

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

#: Version of the register file layout (``PRAGMA user_version``). Version 1 files are
#: upgraded in place the first time this code opens them.
SCHEMA_VERSION = 2

#: Seconds a write may wait for another process's lock before ``on_wait`` is told.
LOCK_NOTICE_SECONDS = 2.0
#: SQLite's own busy timeout per attempt; the register loops itself up to ``busy_timeout``.
LOCK_POLL_SECONDS = 0.25
#: Default total seconds a read or write waits for another process's lock.
DEFAULT_BUSY_TIMEOUT = 10.0
#: Number texts per query in :meth:`Register.known` (below SQLite's variable limit).
KNOWN_CHUNK_SIZE = 500
#: Entries per write transaction in :meth:`Register.restore` (keeps each lock short).
RESTORE_BATCH_SIZE = 500
#: Longest transaction id accepted by :meth:`Register.reserve` and friends.
TXN_MAX_LENGTH = 200
#: Longest identity key of a document.
KEY_MAX_LENGTH = 1000
#: Key of :meth:`Register.confirm`'s mapping whose reference goes to every copy code.
ALL_COPIES = "*"
#: ``issued_by`` of the numbers :meth:`Register.restore` puts back in the book.
RESTORED_BY = "pemulihan dari arsip"

_TOKEN_RE = re.compile(r"\{([^{}]*)\}")
_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
_KIND_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*$")
_PREFIX_RE = re.compile(r"^[0-9A-Za-z]+$")
_UNKNOWN_USER = "tidak diketahui"

_T = TypeVar("_T")


class _Db(Protocol):
    """The part of a DB-API connection the register logic uses (``?`` placeholders; rows
    indexed by column name). ``sqlite3.Connection`` is one; the PostgreSQL register wraps
    its connection in one."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...


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

    def parse_number(self, text: str) -> ParsedNumber | None:
        """The inverse of :meth:`format_number`: read a number text written by this rule.

        Returns ``None`` when ``text`` is not a number of this rule (another code, another
        pattern, a malformed serial). Inserted numbers in the rule's style (``015.1``,
        ``015.01``, ``015a``) and the security prefix (present or not) are understood. The
        unit is read from the text (it may differ from the rule's current unit); a result
        is only returned when formatting it again gives exactly ``text``.
        """
        if not isinstance(text, str):
            return None
        wanted = text.strip()
        for regex in _number_regexes(self.pattern, self.code, self.insert_style):
            match = regex.fullmatch(wanted)
            if match is None:
                continue
            parsed = self._from_match(match)
            if parsed is None:
                continue
            try:
                again = self.format_number(
                    parsed.serial,
                    date=Date(parsed.year, parsed.month or 1, 1),
                    sub=parsed.sub,
                    unit=parsed.unit or None,
                    keamanan=parsed.keamanan or "",
                )
            except (SopdocsError, ValueError):
                continue
            if again == wanted:
                return parsed
        return None

    def _from_match(self, match: re.Match[str]) -> ParsedNumber | None:
        groups = match.groupdict()
        sub_text = groups.get("sub")
        if not sub_text:
            sub = 0
        elif self.insert_style == "huruf":
            sub = _letters_value(sub_text)
        else:
            sub = int(sub_text)
        month: int | None = None
        if groups.get("bulan"):
            month = int(groups["bulan"])
        if groups.get("bulan_romawi"):
            roman = ROMAN_MONTHS.index(groups["bulan_romawi"]) + 1
            if month is not None and month != roman:
                return None
            month = roman
        year = int(groups["tahun"])
        if year < 1:
            return None
        return ParsedNumber(
            serial=int(groups["serial"]),
            sub=sub,
            unit=groups.get("unit") or "",
            year=year,
            month=month,
            keamanan=groups.get("keamanan") or None,
        )


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


@dataclass(frozen=True)
class ParsedNumber:
    """The parts of a number text read back by :meth:`NumberingRule.parse_number`.

    ``month`` is ``None`` when the pattern shows no month; ``unit`` is ``""`` when it
    shows no unit; ``keamanan`` is ``None`` when the number has no security prefix.
    """

    serial: int
    sub: int
    unit: str
    year: int
    month: int | None
    keamanan: str | None


_SUB_REGEX: dict[str, str] = {
    "titik": r"(?:\.(?P<sub>[1-9][0-9]*))?",
    "titik2": r"(?:\.(?P<sub>[0-9]{2,}))?",
    "huruf": r"(?P<sub>[a-z]+)?",
}
_TOKEN_REGEX: dict[str, str] = {
    "unit": r"[0-9A-Za-z][0-9A-Za-z._-]*",
    "bulan": r"0[1-9]|1[0-2]",
    "bulan_romawi": "|".join(sorted(ROMAN_MONTHS, key=len, reverse=True)),
    "tahun": r"[0-9]{4}",
    "keamanan": "|".join(sorted(SECURITY_CODES, key=len, reverse=True)),
}


def _letters_value(text: str) -> int:
    """'a' -> 1, 'z' -> 26, 'aa' -> 27 (inverse of :func:`_letters`)."""
    value = 0
    for char in text:
        value = value * 26 + (ord(char) - ord("a") + 1)
    return value


@lru_cache(maxsize=64)
def _number_regexes(pattern: str, code: str, insert_style: str) -> tuple[re.Pattern[str], ...]:
    """Regexes matching the numbers of a pattern: with a security code, then without."""
    parts, _ = _parse_pattern(pattern)
    has_security = any(is_token and text == "keamanan" for is_token, text in parts)
    variants = (True, False) if has_security else (False,)
    out: list[re.Pattern[str]] = []
    for with_security in variants:
        pieces = [text for _, text in parts]
        if not with_security:
            _drop_security_separator(parts, pieces)
        seen: set[str] = set()
        regex: list[str] = []
        for (is_token, name), piece in zip(parts, pieces):
            if not is_token:
                regex.append(re.escape(piece))
            elif name == "keamanan" and not with_security:
                continue
            elif name == "kode":
                regex.append(re.escape(code))
            elif name == "nomor":
                regex.append(r"(?P<serial>[0-9]+)" + _SUB_REGEX[insert_style])
            elif name in seen:
                regex.append(f"(?P={name})")
            else:
                seen.add(name)
                regex.append(f"(?P<{name}>{_TOKEN_REGEX[name]})")
        out.append(re.compile("".join(regex)))
    return tuple(out)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class IssuedNumber:
    """One line of the register.

    ``key`` is the identity key of the document the number belongs to (so a re-render of
    the same letter finds its number again); ``txn`` is the transaction of the run that
    reserved it, set only while that run is in progress.
    """

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
    key: str | None = None
    txn: str | None = None

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
            "kunci": self.key,
            "transaksi": self.txn,
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


@dataclass(frozen=True)
class PendingTransaction:
    """What one unfinished run holds: its reserved numbers and copy codes.

    ``started_at``/``started_by`` are those of its earliest reservation, so a recovery step
    can tell a run that died long ago from one still working.
    """

    txn: str
    numbers: tuple[IssuedNumber, ...]
    copy_codes: tuple[str, ...]
    started_at: datetime
    started_by: str

    def __iter__(self) -> Iterator[IssuedNumber | str]:
        """The reserved numbers, then the reserved copy codes."""
        yield from self.numbers
        yield from self.copy_codes

    def __len__(self) -> int:
        return len(self.numbers) + len(self.copy_codes)


@dataclass(frozen=True)
class RestoredNumber:
    """A number found in the archive, to be put back in the book by :meth:`Register.restore`.

    ``document`` is the reference recorded for it (as :func:`document_reference` makes it);
    ``rule`` is the numbering rule its kind had, used to read serial, unit and period back
    from ``number``. ``key`` is the document's identity key when known.
    """

    kind: str
    number: str
    date: Date
    subject: str
    document: str
    rule: NumberingRule
    key: str | None = None


@dataclass(frozen=True)
class RestoreConflict:
    """A number :meth:`Register.restore` did not put in the book, and why (Indonesian)."""

    number: str
    reason: str


@dataclass
class RestoreReport:
    """Outcome of :meth:`Register.restore`.

    ``added``: numbers written to the book; ``skipped``: already there for the same kind;
    ``conflicts``: not written (another kind has the number, unreadable text, slot taken);
    ``notes``: written, but something looked odd (e.g. the year of the number and of the
    letter date differ).
    """

    added: list[str] = dc_field(default_factory=list)
    skipped: list[str] = dc_field(default_factory=list)
    conflicts: list[RestoreConflict] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)

    def __str__(self) -> str:
        """Indonesian summary for the command line: one line, then one per conflict/note."""
        lines = [
            f"pemulihan register: {len(self.added)} nomor ditambahkan, {len(self.skipped)} sudah "
            f"tercatat, {len(self.conflicts)} bentrok"
        ]
        lines.extend(f"  bentrok: {c.number}: {c.reason}" for c in self.conflicts)
        lines.extend(f"  catatan: {note}" for note in self.notes)
        return "\n".join(lines)


# --------------------------------------------------------------------------- register

#: The version 1 layout. New files are created with it and then upgraded through
#: :data:`_MIGRATIONS`, so a new file and an upgraded old one are always the same.
_SCHEMA_V1 = """
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

#: Statements that bring a file from version N (the key) to N + 1, run in one transaction.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE numbers ADD COLUMN key TEXT",
        "ALTER TABLE numbers ADD COLUMN txn TEXT",
        "CREATE INDEX numbers_kind_key ON numbers (kind, key)",
        "CREATE INDEX numbers_txn ON numbers (txn) WHERE txn IS NOT NULL",
        "ALTER TABLE copy_codes ADD COLUMN txn TEXT",
        "ALTER TABLE copy_codes ADD COLUMN status TEXT NOT NULL DEFAULT 'terpakai' "
        "CHECK (status IN ('terpakai', 'dipesan', 'batal'))",
        "ALTER TABLE copy_codes ADD COLUMN document TEXT",
        "ALTER TABLE copy_codes ADD COLUMN void_reason TEXT",
        "CREATE INDEX copy_codes_txn ON copy_codes (txn) WHERE txn IS NOT NULL",
        """CREATE TABLE number_documents (
               number      TEXT NOT NULL,
               document    TEXT NOT NULL,
               recorded_at TEXT NOT NULL
           )""",
        "CREATE INDEX number_documents_number ON number_documents (number)",
        # the documents already recorded start the history
        """INSERT INTO number_documents (number, document, recorded_at)
           SELECT number, document, issued_at FROM numbers WHERE document IS NOT NULL ORDER BY id""",
    ),
}


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


def _day_text(iso: str) -> str:
    """'2024-06-15' -> '15-06-2024' (how dates are shown in messages)."""
    return Date.fromisoformat(iso).strftime("%d-%m-%Y")


def _check_txn(txn: object) -> str:
    value = txn.strip() if isinstance(txn, str) else ""
    if not value or len(value) > TXN_MAX_LENGTH or not value.isprintable():
        raise ValidationError(
            [Problem(f"id transaksi {txn!r} tidak sah; harus teks 1 sampai {TXN_MAX_LENGTH} "
                     "karakter tanpa karakter kendali", field="transaksi")]
        )
    return value


def _check_key(key: object) -> str:
    value = key.strip() if isinstance(key, str) else ""
    if not value or len(value) > KEY_MAX_LENGTH:
        raise ValidationError(
            [Problem(f"kunci identitas dokumen {key!r} tidak sah; harus teks 1 sampai "
                     f"{KEY_MAX_LENGTH} karakter", field="kunci")]
        )
    return value


def _record_document(conn: _Db, number: str, document: str, when: str) -> None:
    conn.execute(
        "INSERT INTO number_documents (number, document, recorded_at) VALUES (?, ?, ?)",
        (number, document, when),
    )


class Register:
    """The number register: the rules every storage engine keeps (see module docs).

    ``Register(path)`` opens the SQLite file at ``path`` (a :class:`SqliteRegister`, like
    ``pathlib.Path`` gives a ``PosixPath``); :func:`sopdocs.numbering.rules.register_for`
    opens the register an archive's settings name, SQLite or PostgreSQL
    (``sopdocs.numbering.pgregister.PostgresRegister``). The logic lives here and runs
    against a small DB-API connection (:class:`_Db`); an engine only supplies the
    connection, the write transaction (one writer at a time, all or nothing) and reads.

    Use as a context manager (or call :meth:`close`): Windows cannot delete or move a file
    that is still open. One ``Register`` object belongs to one thread; every process or
    thread opens its own.

    ``busy_timeout`` is how long (seconds) a read or write waits in all for another
    process's lock before giving up with a :class:`SopdocsError`. When a wait has lasted
    :data:`LOCK_NOTICE_SECONDS`, ``on_wait`` (if given) is called once with an Indonesian
    message saying who is waited for, so a user is not left looking at a silent command.

    Transactions: a run that issues a document reserves its numbers and copy codes under a
    transaction id (:meth:`reserve` / :meth:`issue_copy_codes` with ``txn``), then either
    :meth:`confirm` s them with the document references or :meth:`release` s them. Runs
    that died leave their reservations in :meth:`pending`.
    """

    #: Column giving the order of ``number_documents`` rows (SQLite: its rowid).
    _DOC_ORDER = "rowid"
    #: Where the register is, for messages (a file path, or a URL without its password).
    path: Path | str

    def __new__(
        cls,
        path: Path | str,
        *,
        wal: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        on_wait: Callable[[str], None] | None = None,
    ) -> Register:
        if cls is Register:
            return super().__new__(SqliteRegister)
        return super().__new__(cls)

    def __init__(
        self,
        path: Path | str,
        *,
        wal: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.busy_timeout = busy_timeout
        self.on_wait = on_wait

    # -- lifecycle

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what an engine supplies

    def close(self) -> None:
        """Close the connection (the object may be used again: it reconnects)."""
        raise NotImplementedError

    def _write(self, work: Callable[[_Db], _T]) -> _T:
        """Run ``work`` in one write transaction: alone among writers, all or nothing."""
        raise NotImplementedError

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> builtins.list[Any]:
        """The rows of one query (rows are indexed by column name)."""
        raise NotImplementedError

    @staticmethod
    def _insert(conn: _Db, sql: str, params: tuple[Any, ...]) -> int:
        """Run an INSERT of one row and return its ``id``."""
        cursor = conn.execute(sql, params)
        row_id = cursor.lastrowid
        assert isinstance(row_id, int)
        return row_id

    def _wait_message(self) -> str:
        return (
            f"register {self.path} sedang dipakai pengguna/proses lain; menunggu "
            f"(paling lama {self.busy_timeout:g} detik)..."
        )


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
        key: str | None = None,
    ) -> IssuedNumber:
        """Issue the next number of the rule's series for a letter dated ``date``.

        ``unit``/``keamanan`` default to the rule's values; ``keamanan=""`` forces no
        security prefix. A date earlier than the series' last number gets an inserted
        number (see module docs). ``key`` is the document's identity key
        (:meth:`find_by_key`).
        """
        return self._allocate(rule, USED, date, subject, user, document, unit, keamanan, None, key)

    def reserve(
        self,
        rule: NumberingRule,
        *,
        date: Date,
        subject: str = "",
        user: str | None = None,
        unit: str | None = None,
        keamanan: str | None = None,
        txn: str | None = None,
        key: str | None = None,
    ) -> IssuedNumber:
        """Like :meth:`take`, but the number is only booked (``dipesan``).

        Without ``txn`` the booking lasts until :meth:`attach` or :meth:`void`. With
        ``txn`` it belongs to that run: :meth:`confirm` makes it ``terpakai``,
        :meth:`release` gives it back.
        """
        tx = _check_txn(txn) if txn is not None else None
        return self._allocate(rule, RESERVED, date, subject, user, None, unit, keamanan, tx, key)

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
        txn: str | None,
        key: str | None,
    ) -> IssuedNumber:
        if not isinstance(rule, NumberingRule):
            raise SopdocsError(f"aturan penomoran tidak sah: {rule!r}")
        day = _check_date(date)
        shown_unit = rule._unit(unit)
        security = rule._security(keamanan)
        identity = _check_key(key) if key is not None else None
        series = rule.series_key(shown_unit)
        period = rule.period(day)
        who = (user or "").strip() or _current_user()
        doc = str(document) if document is not None else None
        when = _now().isoformat()

        def work(conn: _Db) -> IssuedNumber:
            serial, sub = self._next_slot(conn, series, period, day)
            text = rule.format_number(serial, date=day, sub=sub, unit=shown_unit, keamanan=security or "")
            clash = conn.execute("SELECT kind, series FROM numbers WHERE number = ?", (text,)).fetchone()
            if clash is not None:
                raise SopdocsError(
                    f"nomor {text} sudah ada di register (jenis '{clash['kind']}', seri "
                    f"{clash['series']}); aturan penomoran '{rule.kind}' menghasilkan nomor yang sama "
                    "dengan seri lain: bedakan polanya, misalnya dengan {kode} atau {unit}"
                )
            row_id = self._insert(
                conn,
                """INSERT INTO numbers (kind, number, series, period, year, serial, sub,
                       letter_date, subject, issued_by, issued_at, status, document, code,
                       unit, keamanan, key, txn)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (rule.kind, text, series, period, day.year, serial, sub, day.isoformat(),
                 subject, who, when, status, doc, rule.code, shown_unit, security, identity, txn),
            )
            if doc is not None:
                _record_document(conn, text, doc, when)
            return self._row(conn, row_id)

        return self._write(work)

    @staticmethod
    def _next_slot(conn: _Db, series: str, period: str, day: Date) -> tuple[int, int]:
        """(serial, sub) for a new number; must run inside the write transaction.

        The slot sorts after every number of the series dated on or before ``day`` and
        before every one dated after it. Dated after all of them: the next serial. Else an
        inserted number right after the last one dated on or before ``day`` (after serial
        0 when there is none); when the next number already takes that place, no slot keeps
        the date order and the letter is refused.
        """
        iso = day.isoformat()
        before = conn.execute(
            """SELECT number, serial, sub FROM numbers
               WHERE series = ? AND period = ? AND letter_date <= ?
               ORDER BY serial DESC, sub DESC LIMIT 1""",
            (series, period, iso),
        ).fetchone()
        after = conn.execute(
            """SELECT number, serial, sub, letter_date FROM numbers
               WHERE series = ? AND period = ? AND letter_date > ?
               ORDER BY serial, sub LIMIT 1""",
            (series, period, iso),
        ).fetchone()
        previous = (before["serial"], before["sub"]) if before is not None else (0, 0)
        if after is None:
            return previous[0] + 1, 0
        slot = (previous[0], previous[1] + 1)
        if (after["serial"], after["sub"]) > slot:
            return slot
        head = (
            f"nomor sisipan untuk {day.strftime('%d-%m-%Y')} tidak dapat diberikan tanpa merusak "
            f"urutan tanggal: nomor {after['number']} bertanggal {_day_text(after['letter_date'])} "
        )
        if before is None:
            where = "sudah menempati tempat paling awal seri ini"
        elif (after["serial"], after["sub"]) < previous:
            where = (f"sudah berada sebelum nomor {before['number']} yang bertanggal lebih awal "
                     "(urutan register ini sudah tidak runtut)")
        else:
            where = f"sudah ada tepat sesudah nomor {before['number']}"
        raise SopdocsError(
            f"{head}{where}, sehingga tidak ada tempat untuk surat bertanggal lebih awal; nomor "
            f"yang sudah diberikan tidak diubah. Beri surat ini tanggal "
            f"{_day_text(after['letter_date'])} atau sesudahnya"
        )

    def attach(self, number_text: str, document: str | Path, *, replace: bool = False) -> IssuedNumber:
        """Record the document a number ended up on; a reservation becomes ``terpakai``.

        A ``terpakai`` number already on another document is refused unless ``replace``
        (a re-render of the same letter: the newest file is recorded). Every call adds a
        line to the number's document history (:meth:`documents_of`). A number reserved
        under a transaction is settled on its own and leaves the transaction (recovery uses
        this for the numbers a dead run did archive); a run settles its own with
        :meth:`confirm`.
        """
        doc = str(document).strip()
        if not doc:
            raise ValidationError([Problem("dokumen kosong", field="dokumen")])
        when = _now().isoformat()

        def work(conn: _Db) -> IssuedNumber:
            row = self._require(conn, number_text)
            if row["status"] == VOID:
                raise SopdocsError(
                    f"nomor {number_text} sudah dibatalkan ({row['void_reason']}); tidak dapat dipakai"
                )
            if row["status"] == USED and row["document"] not in (None, doc) and not replace:
                raise SopdocsError(
                    f"nomor {number_text} sudah dipakai untuk dokumen {row['document']}"
                )
            conn.execute(
                "UPDATE numbers SET status = ?, document = ?, txn = NULL WHERE id = ?",
                (USED, doc, row["id"]),
            )
            _record_document(conn, number_text, doc, when)
            return self._row(conn, row["id"])

        return self._write(work)

    def rekey(self, number_text: str, key: str | None) -> IssuedNumber:
        """Set (or with ``None`` clear) the identity key of a number already in the book."""
        identity = _check_key(key) if key is not None else None

        def work(conn: _Db) -> IssuedNumber:
            row = self._require(conn, number_text)
            conn.execute("UPDATE numbers SET key = ? WHERE id = ?", (identity, row["id"]))
            return self._row(conn, row["id"])

        return self._write(work)

    def void(self, number_text: str, reason: str) -> IssuedNumber:
        """Mark a number ``batal`` with a reason. It stays in the book and is never reissued."""
        why = (reason or "").strip()
        if not why:
            raise ValidationError(
                [Problem(f"alasan pembatalan nomor {number_text} wajib diisi", field="alasan")]
            )

        def work(conn: _Db) -> IssuedNumber:
            row = self._require(conn, number_text)
            if row["status"] == VOID:
                raise SopdocsError(
                    f"nomor {number_text} sudah dibatalkan sebelumnya ({row['void_reason']})"
                )
            conn.execute(
                "UPDATE numbers SET status = ?, void_reason = ?, txn = NULL WHERE id = ?",
                (VOID, why, row["id"]),
            )
            return self._row(conn, row["id"])

        return self._write(work)

    def _require(self, conn: _Db, number_text: str) -> Any:
        row: Any = conn.execute(
            "SELECT * FROM numbers WHERE number = ?", (number_text,)
        ).fetchone()
        if row is None:
            raise SopdocsError(f"register {self.path}: nomor {number_text!r} tidak ada di register")
        return row

    @staticmethod
    def _row(conn: _Db, row_id: int | None) -> IssuedNumber:
        row = conn.execute("SELECT * FROM numbers WHERE id = ?", (row_id,)).fetchone()
        assert row is not None, f"row {row_id} vanished inside its own transaction"
        return _to_issued(row)

    def find(self, number_text: str) -> IssuedNumber | None:
        rows = self._read("SELECT * FROM numbers WHERE number = ?", (number_text,))
        return _to_issued(rows[0]) if rows else None

    def find_by_key(self, kind: str, key: str) -> IssuedNumber | None:
        """The latest ``terpakai`` number of ``kind`` recorded with identity ``key``.

        A re-render of the same letter uses it to keep its number.
        """
        rows = self._read(
            "SELECT * FROM numbers WHERE kind = ? AND key = ? AND status = ? ORDER BY id DESC LIMIT 1",
            (kind, _check_key(key), USED),
        )
        return _to_issued(rows[0]) if rows else None

    def documents_of(self, number_text: str) -> builtins.list[tuple[str, str]]:
        """(document, recorded_at ISO time) of every document recorded for a number, oldest first."""
        rows = self._read(
            "SELECT document, recorded_at FROM number_documents WHERE number = ? ORDER BY " + self._DOC_ORDER,
            (number_text,),
        )
        return [(row["document"], row["recorded_at"]) for row in rows]

    def known(self, numbers: Iterable[str]) -> set[str]:
        """Which of ``numbers`` (texts) the register has, whatever their status.

        One query per :data:`KNOWN_CHUNK_SIZE` texts.
        """
        wanted = list(dict.fromkeys(n for n in numbers if isinstance(n, str)))
        found: set[str] = set()
        for start in range(0, len(wanted), KNOWN_CHUNK_SIZE):
            chunk = tuple(wanted[start : start + KNOWN_CHUNK_SIZE])
            marks = ", ".join("?" * len(chunk))
            rows = self._read(f"SELECT number FROM numbers WHERE number IN ({marks})", chunk)
            found.update(row["number"] for row in rows)
        return found

    # -- transactions of a run

    def confirm(self, txn: str, documents: Mapping[str, str]) -> builtins.list[IssuedNumber]:
        """Make everything reserved under ``txn`` final, in one write transaction.

        ``documents`` maps each reserved number text to its document reference; every
        number of the transaction must be there, and every key must be a number or copy
        code of the transaction (or :data:`ALL_COPIES`), else nothing changes. Copy codes
        get ``documents[code]``, else ``documents["*"]``, else no reference. Returns the
        confirmed numbers.
        """
        tx = _check_txn(txn)
        refs: dict[str, str] = {}
        problems: list[Problem] = []
        for name, ref in documents.items():
            text = ref.strip() if isinstance(ref, str) else ""
            if not text:
                problems.append(Problem(f"dokumen untuk {name} kosong", field="dokumen"))
            refs[str(name)] = text
        if problems:
            raise ValidationError(problems)
        when = _now().isoformat()

        def work(conn: _Db) -> list[IssuedNumber]:
            rows = conn.execute(
                "SELECT id, number FROM numbers WHERE txn = ? AND status = ? ORDER BY id", (tx, RESERVED)
            ).fetchall()
            codes = [
                row["code"]
                for row in conn.execute(
                    "SELECT code FROM copy_codes WHERE txn = ? AND status = ? ORDER BY id", (tx, RESERVED)
                )
            ]
            mine = {row["number"] for row in rows} | set(codes)
            missing = [row["number"] for row in rows if row["number"] not in refs]
            stray = [name for name in refs if name != ALL_COPIES and name not in mine]
            if missing or stray:
                why: list[str] = []
                if missing:
                    why.append(f"dokumen untuk nomor {', '.join(missing)} tidak diberikan")
                if stray:
                    why.append(
                        f"{', '.join(stray)} tidak dipesan dalam transaksi ini (mungkin sudah "
                        "dilepas, dibatalkan, atau milik transaksi lain)"
                    )
                raise SopdocsError(
                    f"register {self.path}: transaksi {tx} tidak dikonfirmasi: {'; '.join(why)}; "
                    "tidak ada yang diubah"
                )
            for row in rows:
                doc = refs[row["number"]]
                conn.execute(
                    "UPDATE numbers SET status = ?, document = ?, txn = NULL WHERE id = ?",
                    (USED, doc, row["id"]),
                )
                _record_document(conn, row["number"], doc, when)
            for code in codes:
                conn.execute(
                    "UPDATE copy_codes SET status = ?, document = ?, txn = NULL WHERE code = ?",
                    (USED, refs.get(code) or refs.get(ALL_COPIES), code),
                )
            return [self._row(conn, row["id"]) for row in rows]

        return self._write(work)

    def release(self, txn: str, reason: str) -> builtins.list[str]:
        """Give back everything still reserved under ``txn``, in one write transaction.

        A number (copy code) after which nothing was issued in its series and period
        (prefix and year) is deleted, so no gap is left; any other is marked ``batal`` with
        ``reason`` and never reissued. Confirmed rows are not touched. Returns one
        Indonesian line per number or code, saying what happened to it.
        """
        tx = _check_txn(txn)
        why = (reason or "").strip() if isinstance(reason, str) else ""
        if not why:
            raise ValidationError(
                [Problem(f"alasan melepas pesanan transaksi {tx} wajib diisi", field="alasan")]
            )

        def work(conn: _Db) -> list[str]:
            done: list[str] = []
            # last first: deleting the last one may free the one before it
            rows = conn.execute(
                """SELECT id, number, series, period, serial, sub FROM numbers
                   WHERE txn = ? AND status = ? ORDER BY serial DESC, sub DESC, id DESC""",
                (tx, RESERVED),
            ).fetchall()
            for row in rows:
                later = conn.execute(
                    """SELECT 1 FROM numbers WHERE series = ? AND period = ?
                       AND (serial > ? OR (serial = ? AND sub > ?)) LIMIT 1""",
                    (row["series"], row["period"], row["serial"], row["serial"], row["sub"]),
                ).fetchone()
                if later is None:
                    conn.execute("DELETE FROM numbers WHERE id = ?", (row["id"],))
                    conn.execute("DELETE FROM number_documents WHERE number = ?", (row["number"],))
                    done.append(f"nomor {row['number']} dihapus (belum dipakai, tidak ada nomor sesudahnya)")
                else:
                    conn.execute(
                        "UPDATE numbers SET status = ?, void_reason = ?, txn = NULL WHERE id = ?",
                        (VOID, why, row["id"]),
                    )
                    done.append(f"nomor {row['number']} dibatalkan (sudah ada nomor sesudahnya): {why}")
            codes = conn.execute(
                """SELECT id, code, prefix, year, serial FROM copy_codes
                   WHERE txn = ? AND status = ? ORDER BY serial DESC, id DESC""",
                (tx, RESERVED),
            ).fetchall()
            for row in codes:
                later = conn.execute(
                    "SELECT 1 FROM copy_codes WHERE prefix = ? AND year = ? AND serial > ? LIMIT 1",
                    (row["prefix"], row["year"], row["serial"]),
                ).fetchone()
                if later is None:
                    conn.execute("DELETE FROM copy_codes WHERE id = ?", (row["id"],))
                    done.append(f"kode salinan {row['code']} dihapus (belum dipakai, tidak ada kode sesudahnya)")
                else:
                    conn.execute(
                        "UPDATE copy_codes SET status = ?, void_reason = ?, txn = NULL WHERE id = ?",
                        (VOID, why, row["id"]),
                    )
                    done.append(f"kode salinan {row['code']} dibatalkan (sudah ada kode sesudahnya): {why}")
            return done

        return self._write(work)

    def pending(self) -> dict[str, PendingTransaction]:
        """Reservations of runs not confirmed or released yet, per transaction id."""
        numbers = self._read(
            "SELECT * FROM numbers WHERE txn IS NOT NULL AND status = ? ORDER BY id", (RESERVED,)
        )
        codes = self._read(
            """SELECT txn, code, issued_at, issued_by FROM copy_codes
               WHERE txn IS NOT NULL AND status = ? ORDER BY id""",
            (RESERVED,),
        )
        held: dict[str, tuple[list[IssuedNumber], list[str], list[tuple[datetime, str]]]] = {}
        for row in numbers:
            entry = held.setdefault(row["txn"], ([], [], []))
            issued = _to_issued(row)
            entry[0].append(issued)
            entry[2].append((issued.issued_at, issued.issued_by))
        for row in codes:
            entry = held.setdefault(row["txn"], ([], [], []))
            entry[1].append(row["code"])
            entry[2].append((datetime.fromisoformat(row["issued_at"]), row["issued_by"]))
        out: dict[str, PendingTransaction] = {}
        for tx, (issued_numbers, issued_codes, starts) in held.items():
            started_at, started_by = min(starts, key=lambda item: item[0])
            out[tx] = PendingTransaction(tx, tuple(issued_numbers), tuple(issued_codes), started_at, started_by)
        return out

    # -- rebuilding from the archive

    def restore(self, entries: Iterable[RestoredNumber]) -> RestoreReport:
        """Put numbers found in the archive back in the book (e.g. after losing the file).

        Unknown numbers are added as ``terpakai`` (issued by :data:`RESTORED_BY`), with
        series, period, serial and sub-number read from the number by its rule; numbers
        the book has for the same kind are skipped; the rest (another kind has the number,
        the text does not fit the rule, its place in the series is taken, a bad entry) are
        reported as conflicts without stopping. ``entries`` is read completely before the
        first write; writes go in transactions of :data:`RESTORE_BATCH_SIZE` entries.
        """
        report = RestoreReport()
        prepared: list[_Restoring] = []
        for entry in list(entries):
            checked = _check_restored(entry)
            if isinstance(checked, RestoreConflict):
                report.conflicts.append(checked)
            else:
                prepared.append(checked)
        for start in range(0, len(prepared), RESTORE_BATCH_SIZE):
            batch = prepared[start : start + RESTORE_BATCH_SIZE]
            part = self._write(partial(_restore_batch, batch=batch, when=_now().isoformat()))
            report.added.extend(part.added)
            report.skipped.extend(part.skipped)
            report.conflicts.extend(part.conflicts)
            report.notes.extend(part.notes)
        return report

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
        txn: str | None = None,
    ) -> builtins.list[str]:
        """Issue ``count`` new copy codes like ``K-2024-0001``; never repeated within prefix+year.

        With ``txn`` the codes are only booked (``dipesan``) for that run, see :meth:`confirm`
        and :meth:`release`.
        """
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
        tx = _check_txn(txn) if txn is not None else None
        status = RESERVED if tx is not None else USED
        who = (user or "").strip() or _current_user()
        when = _now().isoformat()

        def work(conn: _Db) -> list[str]:
            last = conn.execute(
                "SELECT COALESCE(MAX(serial), 0) AS last FROM copy_codes WHERE prefix = ? AND year = ?",
                (prefix, year),
            ).fetchone()["last"]
            codes = [f"{prefix}-{year:04d}-{serial:0{width}d}" for serial in range(last + 1, last + count + 1)]
            conn.executemany(
                """INSERT INTO copy_codes (code, prefix, year, serial, activity, issued_by, issued_at,
                       status, txn)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(code, prefix, year, last + 1 + i, name, who, when, status, tx) for i, code in enumerate(codes)],
            )
            return codes

        return self._write(work)

    def copy_codes(self, activity: str, *, unconfirmed: bool = False) -> builtins.list[str]:
        """Copy codes issued for an activity, in issue order.

        Only ``terpakai`` codes (handed out); with ``unconfirmed`` also the ones still
        booked by a run and the void ones.
        """
        status_clause = "" if unconfirmed else " AND status = 'terpakai'"
        rows = self._read(
            f"SELECT code FROM copy_codes WHERE activity = ?{status_clause} ORDER BY year, prefix, serial",
            ((activity or "").strip(),),
        )
        return [row["code"] for row in rows]

    # -- the agenda book (last: the method name hides the builtin in annotations below it;
    # signatures say builtins.list so that typing.get_type_hints and pdoc resolve them)

    def list(self, year: int | None = None, kind: str | None = None) -> builtins.list[IssuedNumber]:
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


class SqliteRegister(Register):
    """The register in one SQLite file (created on first use): the embedded default.

    Every write is one ``BEGIN IMMEDIATE`` transaction; SQLite's file locking serialises
    processes (see module docs for the journal mode).
    """

    def __init__(
        self,
        path: Path,
        *,
        wal: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(path, wal=wal, busy_timeout=busy_timeout, on_wait=on_wait)
        self.path: Path = Path(path)
        self.wal = wal
        self._conn: sqlite3.Connection | None = None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _error(self, error: sqlite3.Error) -> SopdocsError:
        if _is_busy(error):
            return SopdocsError(
                f"register {self.path}: berkas sedang dipakai pengguna/proses lain (terkunci) dan "
                f"tidak lepas dalam {self.busy_timeout:g} detik; coba lagi sebentar lagi"
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
            conn = sqlite3.connect(
                self.path, timeout=min(LOCK_POLL_SECONDS, self.busy_timeout), isolation_level=None
            )
        except sqlite3.Error as error:
            raise self._error(error) from None
        conn.row_factory = sqlite3.Row
        self._conn = conn
        try:
            if self.wal:
                self._locked(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone())
            version = self._locked(lambda: conn.execute("PRAGMA user_version").fetchone()[0])
            if version != SCHEMA_VERSION:
                self._write(self._migrate)
        except BaseException:
            self.close()
            raise
        return conn

    def _migrate(self, conn: _Db) -> None:
        """Create the file's tables, or upgrade an older file in place (one transaction)."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return  # another process created or upgraded it while we waited for the lock
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
            for statement in _SCHEMA_V1.split(";"):
                if statement.strip():
                    conn.execute(statement)
            version = 1
        while version < SCHEMA_VERSION:
            for statement in _MIGRATIONS[version]:
                conn.execute(statement)
            version += 1
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _locked(self, action: Callable[[], _T]) -> _T:
        """Run ``action``, trying again while another connection holds the file's lock.

        Each attempt waits at most :data:`LOCK_POLL_SECONDS` inside SQLite; the loop stops
        when ``busy_timeout`` is spent. ``on_wait`` hears once, after
        :data:`LOCK_NOTICE_SECONDS`, that the register is busy.
        """
        started = time.monotonic()
        told = False
        while True:
            tried = time.monotonic()
            try:
                return action()
            except sqlite3.Error as error:
                if not _is_busy(error):
                    raise self._error(error) from None
                now = time.monotonic()
                waited = now - started
                if waited >= self.busy_timeout:
                    raise self._error(error) from None
                if not told and waited >= LOCK_NOTICE_SECONDS and self.on_wait is not None:
                    told = True
                    self.on_wait(self._wait_message())
                if now - tried < LOCK_POLL_SECONDS / 10:
                    # refused at once (no busy handler ran): do not spin
                    time.sleep(LOCK_POLL_SECONDS / 10 * (0.5 + random.random()))

    def _write(self, work: Callable[[_Db], _T]) -> _T:
        """Run ``work`` inside one ``BEGIN IMMEDIATE`` transaction, waiting out other writers."""
        conn = self._conn if self._conn is not None else self._connection()

        def attempt() -> _T:
            try:
                conn.execute("BEGIN IMMEDIATE")
                result = work(conn)
                conn.execute("COMMIT")
                return result
            except BaseException:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                raise

        return self._locked(attempt)

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> builtins.list[Any]:
        conn = self._connection()
        return self._locked(lambda: conn.execute(sql, params).fetchall())


@dataclass(frozen=True)
class _Restoring:
    """One checked :class:`RestoredNumber`; ``parsed`` is None when its rule cannot read it."""

    number: str
    entry: RestoredNumber
    parsed: ParsedNumber | None
    series: str
    period: str


def _check_restored(entry: object) -> _Restoring | RestoreConflict:
    """Check one entry of :meth:`Register.restore` and read its number."""
    number = getattr(entry, "number", None)
    label = number.strip() if isinstance(number, str) else repr(number)
    if not isinstance(entry, RestoredNumber):
        return RestoreConflict(label, f"bukan data nomor yang dipulihkan: {entry!r}")
    if not isinstance(entry.number, str) or not label:
        return RestoreConflict(label, "nomor kosong")
    if not isinstance(entry.rule, NumberingRule):
        return RestoreConflict(label, f"aturan penomoran tidak sah: {entry.rule!r}")
    if entry.kind != entry.rule.kind:
        return RestoreConflict(
            label, f"jenis '{entry.kind}' tidak sama dengan jenis aturan penomorannya '{entry.rule.kind}'"
        )
    if isinstance(entry.date, datetime) or not isinstance(entry.date, Date):
        return RestoreConflict(label, f"tanggal {entry.date!r} bukan datetime.date")
    if not isinstance(entry.document, str) or not entry.document.strip():
        return RestoreConflict(label, "referensi dokumen kosong")
    if entry.key is not None:
        try:
            _check_key(entry.key)
        except ValidationError as error:
            return RestoreConflict(label, str(error))
    parsed = entry.rule.parse_number(label)
    if parsed is None:
        return _Restoring(label, entry, None, "", "")
    series = entry.rule.series_key(parsed.unit)
    if entry.rule.reset == "bulanan" and parsed.month is not None:
        period = f"{parsed.year:04d}-{parsed.month:02d}"
    else:
        period = f"{parsed.year:04d}"
    return _Restoring(label, entry, parsed, series, period)


def _restore_batch(conn: _Db, batch: Iterable[_Restoring], when: str) -> RestoreReport:
    """Write one batch of :meth:`Register.restore` (inside its write transaction)."""
    part = RestoreReport()
    for item in batch:
        entry, parsed = item.entry, item.parsed
        known = conn.execute("SELECT kind FROM numbers WHERE number = ?", (item.number,)).fetchone()
        if known is not None:
            if known["kind"] == entry.kind:
                part.skipped.append(item.number)
            else:
                part.conflicts.append(RestoreConflict(
                    item.number, f"nomor sudah tercatat untuk jenis '{known['kind']}', bukan '{entry.kind}'"
                ))
            continue
        if parsed is None:
            part.conflicts.append(RestoreConflict(
                item.number,
                f"nomor tidak dapat dibaca dengan aturan penomoran '{entry.rule.kind}' "
                f"(kode {entry.rule.code}, pola {entry.rule.pattern})",
            ))
            continue
        taken = conn.execute(
            "SELECT number FROM numbers WHERE series = ? AND period = ? AND serial = ? AND sub = ?",
            (item.series, item.period, parsed.serial, parsed.sub),
        ).fetchone()
        if taken is not None:
            part.conflicts.append(RestoreConflict(
                item.number,
                f"urutannya di seri {item.series} periode {item.period} sudah dipakai nomor {taken['number']}",
            ))
            continue
        document = entry.document.strip()
        conn.execute(
            """INSERT INTO numbers (kind, number, series, period, year, serial, sub,
                   letter_date, subject, issued_by, issued_at, status, document, code,
                   unit, keamanan, key, txn)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)""",
            (entry.kind, item.number, item.series, item.period, parsed.year, parsed.serial, parsed.sub,
             entry.date.isoformat(), entry.subject or "", RESTORED_BY, when, USED, document,
             entry.rule.code, parsed.unit, parsed.keamanan,
             entry.key.strip() if entry.key is not None else None),
        )
        _record_document(conn, item.number, document, when)
        part.added.append(item.number)
        if parsed.year != entry.date.year or (parsed.month is not None and parsed.month != entry.date.month):
            part.notes.append(
                f"nomor {item.number}: tanggal surat {entry.date.strftime('%d-%m-%Y')} tidak sesuai "
                "dengan tahun/bulan pada nomornya; dicatat menurut nomornya"
            )
    return part


def _to_issued(row: Any) -> IssuedNumber:
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
        key=row["key"],
        txn=row["txn"],
    )
