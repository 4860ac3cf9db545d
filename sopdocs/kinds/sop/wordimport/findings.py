"""What the importer could not read for certain: one finding per step and field."""

from __future__ import annotations

from dataclasses import dataclass

from sopdocs.errors import SopdocsError


class ImportRefused(SopdocsError):
    """A .docx the importer will not read (not a Word file, too large, hostile)."""


@dataclass(frozen=True)
class Finding:
    """One thing to check: ``step`` is 1-based (None for the identity part), ``field`` the
    definition key (``pelaksana``, ``keputusan``, ``nomor``...), ``message`` Indonesian."""

    field: str
    message: str
    step: int | None = None

    @property
    def where(self) -> str:
        return f"langkah {self.step} {self.field}" if self.step is not None else self.field

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class Findings:
    """The findings of one import, in the order they were made, without duplicates."""

    def __init__(self) -> None:
        self.items: list[Finding] = []

    def add(self, field: str, message: str, step: int | None = None) -> None:
        finding = Finding(field, message, step)
        if finding not in self.items:
            self.items.append(finding)

    def for_field(self, field: str, step: int | None = None) -> list[Finding]:
        return [f for f in self.items if f.field == field and f.step == step]
