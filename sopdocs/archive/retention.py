"""Retention schedule (jadwal retensi arsip, JRA): how long a case file is kept.

The profile's ``retensi`` maps classification codes to active and inactive years and a
final disposition (musnah / dinilai kembali / permanen). A JRA usually sets retention
at some level of the classification tree, so a code without its own entry takes the
entry of its nearest parent: ``800.1.11.1`` -> ``800.1.11`` -> ``800.1`` -> ``800``.

Years are counted from the case file's reference date: the day it was closed, or while
it is still open the date of its latest document (stated in bag-info as
``Retensi-Dihitung-Dari``; an assumption, since JRA texts count "sejak berkas ditutup").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta

if TYPE_CHECKING:  # the models (pydantic) are not needed to read a case file
    from sopdocs.definitions.profile import Retensi


@dataclass(frozen=True)
class RetentionRule:
    """The schedule entry that applies to a classification code."""

    code: str
    """The code of the entry that matched (the case's own code or a parent)."""
    active_years: int
    inactive_years: int
    final: str
    """Nasib akhir: musnah, dinilai kembali or permanen."""

    def inactive_from(self, base: dt.date) -> dt.date:
        """When the case file is due to move to the records centre (arsip inaktif)."""
        return base + relativedelta(years=self.active_years)

    def final_due(self, base: dt.date) -> dt.date:
        """When the final disposition is due (destruction, reassessment or transfer)."""
        return base + relativedelta(years=self.active_years + self.inactive_years)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "active_years": self.active_years,
                "inactive_years": self.inactive_years, "final": self.final}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RetentionRule:
        return cls(code=str(data["code"]), active_years=int(data["active_years"]),  # type: ignore[call-overload]
                   inactive_years=int(data["inactive_years"]), final=str(data["final"]))  # type: ignore[call-overload]


def parent_codes(code: str) -> list[str]:
    """``"800.1.11.1"`` -> ``["800.1.11.1", "800.1.11", "800.1", "800"]``."""
    parts = [p for p in code.strip().split(".") if p]
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def retention_for(schedule: Mapping[str, Retensi], classification: str) -> RetentionRule | None:
    """The entry of ``classification`` or of its nearest parent code; None if none."""
    for code in parent_codes(classification):
        entry = schedule.get(code)
        if entry is not None:
            return RetentionRule(code=code, active_years=entry.aktif,
                                 inactive_years=entry.inaktif, final=entry.nasib_akhir)
    return None
