"""User-facing errors.

Every error a user can cause (a bad definition file, a missing template variable,
no LibreOffice) is a :class:`SopdocsError`. The CLI prints ``str(error)`` and exits
with ``error.exit_code``; it never shows a traceback for these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding in an input file: where it is and what is wrong."""

    message: str
    file: str | None = None
    field: str | None = None
    line: int | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"baris {self.line}"
        parts = [p for p in (where, self.field) if p]
        prefix = ": ".join(parts)
        tag = "peringatan: " if self.severity == "warning" else ""
        return f"{prefix}: {tag}{self.message}" if prefix else f"{tag}{self.message}"


class SopdocsError(Exception):
    """Base class of errors caused by input or environment, not by a bug."""

    exit_code = 2


class ValidationError(SopdocsError):
    """One or more problems found in an input; all are reported together."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = [p for p in problems if p.severity == "error"] or list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DateError(SopdocsError):
    """A date that cannot be read or does not exist (e.g. 31 Februari)."""


class RenderError(SopdocsError):
    """A template could not be rendered (missing variables, sandbox refusal...)."""


class ConversionError(SopdocsError):
    """LibreOffice is missing or did not produce the expected file."""
