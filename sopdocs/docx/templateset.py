"""Which Word template each document kind uses, and checking a user's own templates.

A user may point at their own template folder (their kop surat, their logo); a kind whose
template is not in that folder falls back to the built-in one.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sopdocs.errors import RenderError, SopdocsError
from sopdocs.docx.render import builtin_templates_dir, render_docx, template_variables


@dataclass(frozen=True)
class DocumentKind:
    """A document kind: its template file, the variables it gives a template, and a sample."""

    name: str
    template: str
    provides: frozenset[str]
    required: frozenset[str]
    sample: Callable[[], dict[str, Any]]
    description: str = ""


_KINDS: dict[str, DocumentKind] = {}


def register_kind(kind: DocumentKind) -> DocumentKind:
    _KINDS[kind.name] = kind
    return kind


def kinds() -> dict[str, DocumentKind]:
    """Every known document kind (importing the modules that register them)."""
    from sopdocs.kinds import daftararsip, disposisi, notadinas, surattugas  # noqa: F401  (each registers its kind)
    from sopdocs.kinds.kuesioner import kuesioner  # noqa: F401  (each registers its kind)
    from sopdocs.kinds.sop import sopsheet  # noqa: F401  (each registers its kind)

    return dict(_KINDS)


class TemplateSet:
    """Templates from a user folder first, then the built-in ones."""

    def __init__(self, folder: Path | None = None) -> None:
        if folder is not None:
            folder = Path(folder)
            if not folder.is_dir():
                raise SopdocsError(f"folder templat tidak ditemukan: {folder}")
        self.folder = folder

    def path(self, name: str) -> Path:
        if self.folder is not None and (self.folder / name).is_file():
            return self.folder / name
        builtin = builtin_templates_dir() / name
        if not builtin.is_file():
            raise RenderError(f"templat {name} tidak ditemukan")
        return builtin


@dataclass
class TemplateReport:
    kind: str
    template: Path
    unknown: list[str] = field(default_factory=list)  # used, but the kind does not provide
    missing: list[str] = field(default_factory=list)  # required by the kind, not used
    errors: list[str] = field(default_factory=list)  # refused by the sandbox, broken syntax...

    @property
    def ok(self) -> bool:
        return not (self.unknown or self.errors)


def check_templates(folder: Path) -> list[TemplateReport]:
    """Check every template in ``folder`` that belongs to a known document kind."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SopdocsError(f"folder templat tidak ditemukan: {folder}")
    reports = []
    for kind in kinds().values():
        path = folder / kind.template
        if not path.is_file():
            continue
        report = TemplateReport(kind=kind.name, template=path)
        try:
            used = template_variables(path)
        except RenderError as exc:
            report.errors.append(str(exc))
            reports.append(report)
            continue
        report.unknown = sorted(used - kind.provides)
        report.missing = sorted(kind.required - used)
        if not report.unknown:
            # A trial render with sample data finds what a static look cannot:
            # sandbox refusals and misspelt attributes (profil.alamt).
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    render_docx(path, kind.sample(), Path(tmp) / "coba.docx")
                except SopdocsError as exc:
                    report.errors.append(str(exc))
        reports.append(report)
    return reports
