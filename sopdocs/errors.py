"""User-facing errors.

Every error a user can cause (a bad definition file, a missing template variable,
no LibreOffice) is a :class:`SopdocsError`. The CLI prints ``str(error)`` and exits
with ``error.exit_code``; it never shows a traceback for these.
"""

from __future__ import annotations

from typing import Any, Literal

Severity = Literal["error", "warning"]


class Problem:
    """One finding in an input file: where it is and what is wrong.

    An immutable value (compared, hashed and shown by its fields). A plain class rather
    than a dataclass: every command imports this module, and ``dataclasses`` costs a
    command's start-up more than all of this module."""

    __slots__ = ("message", "file", "field", "line", "severity")
    message: str
    file: str | None
    field: str | None
    line: int | None
    severity: Severity

    def __init__(self, message: str, file: str | None = None, field: str | None = None, line: int | None = None,
                 severity: Severity = "error") -> None:
        for name, value in zip(self.__slots__, (message, file, field, line, severity)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Problem is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Problem is immutable: cannot delete {name!r}")

    def _fields(self) -> tuple[Any, ...]:
        return (self.message, self.file, self.field, self.line, self.severity)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self.__slots__, self._fields()))
        return f"Problem({shown})"

    def __reduce__(self) -> tuple[Any, ...]:  # pickling (worker processes) without __dict__
        return (Problem, self._fields())

    def replace(self, **changes: Any) -> Problem:
        """A copy with some fields changed (as ``dataclasses.replace`` does)."""
        return Problem(**{**dict(zip(self.__slots__, self._fields())), **changes})

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
