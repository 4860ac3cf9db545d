"""Durations as written in the "waktu" column of an SOP ("1 jam", "30 menit", "2 hari").

A duration is kept as whole minutes. In an SOP a "hari" is a working day and a
"minggu" a working week of 5 such days; how many hours make a working day is a
parameter, by default 7.5 (Perpres 21/2023: 37.5 hours a week over 5 days).
Totals are written in hours and minutes unless asked otherwise, so the seed SOP's
column adds up to "14 jam 43 menit", not "1 hari 7 jam 13 menit".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sopdocs.errors import SopdocsError

JAM_PER_HARI = 7.5
HARI_PER_MINGGU = 5
#: Longest duration read, in minutes (ten years of days; a step of an SOP takes minutes to weeks).
MAX_MENIT = 60 * 24 * 366 * 10
Satuan = Literal["menit", "jam", "hari"]

_UNITS: dict[str, str] = {
    "menit": "menit", "mnt": "menit",
    "jam": "jam", "jm": "jam",
    "hari": "hari", "hr": "hari",
    "minggu": "minggu", "mgg": "minggu",
}
_APPROX = re.compile(r"^(?:±|\+/-|kurang lebih|lebih kurang|kira-kira|sekitar|kl\.?)\s*")
_PART = re.compile(
    # "1,5" or "1.5"; never "1.000" (an Indonesian thousands dot, so refused)
    r"(?P<num>\d+(?:,\d+|\.\d{1,2}(?!\d))?)\s*"
    r"(?:[x×]\s*(?P<mul>\d+)\s*)?"  # "2 x 24 jam": plain hours, 48 of them
    r"(?P<unit>[a-z]+\.?)(?:\s+kerja)?"
)
_SEP = re.compile(r"\s*(?:,|\+|\bdan\b)?\s*")


class DurasiError(SopdocsError, ValueError):
    """A duration that cannot be read."""


def _menit_per_hari(jam_per_hari: float) -> int:
    minutes = Decimal(str(jam_per_hari)) * 60
    if minutes <= 0 or minutes != minutes.to_integral_value():
        raise ValueError(f"jam_per_hari must be positive whole minutes, got {jam_per_hari}")
    return int(minutes)


@dataclass(frozen=True, order=True)
class Durasi:
    """A duration in whole minutes; ``+`` and ``sum()`` add them up."""

    menit: int

    def __post_init__(self) -> None:
        if isinstance(self.menit, bool) or not isinstance(self.menit, int) or self.menit < 0:
            raise ValueError(f"menit must be a non-negative int, got {self.menit!r}")

    def __add__(self, other: object) -> Durasi:
        if not isinstance(other, Durasi):
            return NotImplemented
        return Durasi(self.menit + other.menit)

    def __radd__(self, other: object) -> Durasi:
        if other == 0:  # sum() starts from 0
            return self
        return NotImplemented

    def format(
        self, satuan_terbesar: Satuan = "jam", *, jam_per_hari: float = JAM_PER_HARI
    ) -> str:
        """"14 jam 43 menit"; with satuan_terbesar="hari" whole working days come first."""
        rest = self.menit
        parts: list[str] = []
        if satuan_terbesar == "hari":
            hari, rest = divmod(rest, _menit_per_hari(jam_per_hari))
            parts.append(f"{hari} hari" if hari else "")
        elif satuan_terbesar not in ("jam", "menit"):
            raise ValueError(f"satuan_terbesar must be menit, jam or hari: {satuan_terbesar!r}")
        if satuan_terbesar != "menit":
            jam, rest = divmod(rest, 60)
            parts.append(f"{jam} jam" if jam else "")
        parts.append(f"{rest} menit" if rest else "")
        return " ".join(p for p in parts if p) or "0 menit"

    def __str__(self) -> str:
        return self.format()


def parse_durasi(
    text: str | Durasi, *, jam_per_hari: float = JAM_PER_HARI, field: str | None = None
) -> Durasi:
    """Read "1 jam", "1,5 jam", "2 jam 15 menit", "10 mnt", "2 hari", "1 minggu",
    "2 x 24 jam", "± 30 menit". A leading "±"/"kurang lebih" is accepted and ignored."""
    if isinstance(text, Durasi):
        return text
    where = f"{field}: " if field else ""
    if not isinstance(text, str):
        raise DurasiError(f'{where}{_shown(repr(text))} bukan durasi (contoh: "1 jam 30 menit")')
    norm = _APPROX.sub("", " ".join(text.lower().split()))
    shown = _shown(text)
    if not norm:
        raise DurasiError(f"{where}durasi kosong")
    per_unit = {"menit": 1, "jam": 60, "hari": _menit_per_hari(jam_per_hari)}
    per_unit["minggu"] = per_unit["hari"] * HARI_PER_MINGGU
    total = Decimal(0)
    seen: set[str] = set()
    pos = 0
    while pos < len(norm):
        m = _PART.match(norm, pos)
        if m is None:
            raise DurasiError(
                f'{where}"{shown}" tidak terbaca sebagai durasi '
                f'(contoh: "1 jam 30 menit", "30 menit", "2 hari")'
            )
        unit = _UNITS.get(m["unit"].rstrip("."))
        if unit is None:
            raise DurasiError(f'{where}"{shown}": satuan "{_shown(m["unit"])}" tidak dikenal '
                              "(menit, jam, hari, minggu)")
        if unit in seen:
            raise DurasiError(f'{where}"{shown}": satuan "{unit}" disebut dua kali')
        seen.add(unit)
        amount = Decimal(m["num"].replace(",", ".")) * int(m["mul"] or 1)
        total += amount * per_unit[unit]
        sep = _SEP.match(norm, m.end())
        assert sep is not None  # _SEP matches the empty string too
        pos = sep.end()
    if total > MAX_MENIT:
        raise DurasiError(f'{where}"{shown}" terlalu lama (paling lama {MAX_MENIT // (60 * 24 * 366)} tahun)')
    if total != total.to_integral_value():
        raise DurasiError(f'{where}"{shown}" bukan jumlah menit yang bulat')
    return Durasi(int(total))


def _shown(text: str) -> str:
    """``text`` as quoted in a message: one line, at most 60 characters."""
    text = text.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."
