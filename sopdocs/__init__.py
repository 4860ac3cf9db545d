"""sopdocs: render, number, archive and search Indonesian SOP paperwork.

The public API is listed in ``__all__``; everything else is internal and may change.
Names load on first use, so ``import sopdocs`` stays cheap for the command line.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a cold command a few milliseconds
    from typing import Any

__version__ = "0.1.0"

_API: dict[str, str] = {
    # definitions and validation
    "load_sop": "kinds.sop.sopdef", "SopDefinition": "kinds.sop.sopdef",
    "load_profile": "definitions.profile", "AgencyProfile": "definitions.profile",
    # rendering
    "render_docx": "docx.render", "Image": "docx.render", "DocxFragment": "docx.render", "Rendered": "docx.render",
    "TemplateSet": "docx.templateset", "check_templates": "kinds.registry",
    "render_sop": "kinds.sop.sopsheet", "render_sop_file": "kinds.sop.sopsheet",
    # Indonesian dates, numbers, people
    "parse_tanggal": "indonesian.dates", "format_tanggal": "indonesian.dates", "nama_hari": "indonesian.dates", "DateStyle": "indonesian.dates",
    "WorkCalendar": "indonesian.workdays",
    "Durasi": "indonesian.durasi", "parse_durasi": "indonesian.durasi",
    "terbilang": "indonesian.numerals", "romawi": "indonesian.numerals",
    "format_nip": "indonesian.nip", "check_nip": "indonesian.nip",
    # numbers, archive, search
    "Register": "numbering.register", "NumberingRule": "numbering.register",
    "Archive": "archive.archive", "NewDocument": "archive.archive",
    "IndexedDocument": "search.base", "WhooshIndex": "search.index",
    # document kinds and the one path every numbered document goes through
    "DocumentKind": "kinds.registry", "register_kind": "kinds.registry", "document_kinds": "kinds.registry",
    "render_definition": "workflow.issue", "rebuild_register": "workflow.issue",
    # the whole SOP for one activity
    "run_activity": "workflow.activity", "load_kegiatan": "workflow.activity",
    # other document kinds
    "render_surat_tugas_file": "workflow.issue", "load_surat_tugas": "kinds.surattugas",
    "render_kuesioner_file": "kinds.kuesioner.kuesioner", "load_kuesioner": "kinds.kuesioner.kuesioner",
    "render_recap_file": "workflow.issue",
    "render_disposisi_file": "kinds.disposisi", "load_disposisi": "kinds.disposisi",
    # errors
    "SopdocsError": "errors", "ValidationError": "errors", "RenderError": "errors",
    "DateError": "errors", "ConversionError": "errors", "Problem": "errors",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'sopdocs' has no attribute {name!r}")
    import importlib  # here: it imports warnings, which a search answered by the service never needs

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
