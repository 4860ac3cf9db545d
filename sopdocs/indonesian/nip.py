"""NIP, the 18-digit number of an Indonesian civil servant.

Layout: birth date YYYYMMDD, appointment YYYYMM, sex digit (1 man, 2 woman), serial of
3 digits; printed ``19720319 198003 1 001``. Broken structure is an error; an
implausible but possible story (appointed as a child, dates in the future) is only a
warning, because real documents carry such numbers and the tool must not refuse them.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from sopdocs.errors import SopdocsError

SEX = {"1": "laki-laki", "2": "perempuan"}
_LABEL = re.compile(r"^\s*NIP\s*[.:]?\s*", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s.\-]+")
MIN_AGE = 18


class NipError(SopdocsError, ValueError):
    """A NIP that cannot be read or formatted."""


@dataclass(frozen=True)
class NipCheck:
    """Outcome of :func:`check_nip`; the parts are None when they could not be read."""

    nip: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    birth: date | None = None
    appointed: tuple[int, int] | None = None
    sex: str | None = None

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors


def normalise_nip(text: str | int) -> str:
    """Digits only: strips a leading "NIP", spaces, dots and dashes. Length not checked."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise NipError(f"NIP {text!r} bukan teks atau angka")
    if isinstance(text, int):
        if text < 0:
            raise NipError(f"NIP {text} tidak boleh negatif")
        return str(text)
    digits = _SEPARATORS.sub("", _LABEL.sub("", text))
    if not digits:
        raise NipError("NIP kosong")
    if not digits.isascii() or not digits.isdigit():
        raise NipError(f'NIP "{text}" berisi karakter selain angka')
    return digits


def format_nip(text: str | int) -> str:
    """``"19720319 198003 1 001"``; raises NipError unless there are 18 digits."""
    nip = normalise_nip(text)
    if len(nip) != 18:
        raise NipError(f'NIP "{text}" harus 18 angka, ada {len(nip)}')
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"


def _age_at_month_end(birth: date, year: int, month: int) -> int:
    """Age in whole years on the last day of the month (the day is not in the NIP)."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last.year - birth.year - ((last.month, last.day) < (birth.month, birth.day))


def check_nip(text: str | int, *, today: date | None = None) -> NipCheck:
    """Check a NIP's structure (errors) and plausibility (warnings) against ``today``."""
    today = today or date.today()
    try:
        nip = normalise_nip(text)
    except NipError as exc:
        return NipCheck(nip=str(text), errors=[str(exc)])
    if len(nip) != 18:
        return NipCheck(nip=nip, errors=[f"NIP {nip} harus 18 angka, ada {len(nip)}"])

    errors: list[str] = []
    warnings: list[str] = []
    shown = format_nip(nip)
    try:
        birth: date | None = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        birth = None
        errors.append(f"NIP {shown}: tanggal lahir {nip[0:8]} bukan tanggal yang ada")
    year, month = int(nip[8:12]), int(nip[12:14])
    appointed: tuple[int, int] | None = (year, month)
    if not 1 <= month <= 12:
        appointed = None
        errors.append(f"NIP {shown}: bulan pengangkatan {nip[8:14]} tidak ada (bulan 01-12)")
    elif year < 1:
        appointed = None
        errors.append(f"NIP {shown}: tahun pengangkatan {nip[8:12]} tidak ada")
    sex = SEX.get(nip[14])
    if sex is None:
        errors.append(f"NIP {shown}: digit jenis kelamin {nip[14]} harus 1 atau 2")

    if birth is not None and birth > today:
        warnings.append(f"NIP {shown}: tanggal lahir {birth.isoformat()} di masa depan")
    if appointed is not None:
        when = f"{year:04d}-{month:02d}"
        if (year, month) > (today.year, today.month):
            warnings.append(f"NIP {shown}: pengangkatan {when} di masa depan")
        if birth is not None:
            age = _age_at_month_end(birth, year, month)
            if (year, month) < (birth.year, birth.month):
                warnings.append(f"NIP {shown}: pengangkatan {when} sebelum tanggal lahir")
            elif age < MIN_AGE:
                warnings.append(
                    f"NIP {shown}: pengangkatan {when} pada usia {age} tahun "
                    f"(di bawah {MIN_AGE}); periksa NIP"
                )
    return NipCheck(nip=nip, errors=errors, warnings=warnings, birth=birth,
                    appointed=appointed, sex=sex)
