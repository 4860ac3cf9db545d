"""sopdocs: render, number, archive and search Indonesian SOP paperwork.

The public API is listed in ``__all__``; everything else is internal and may change.
Names load on first use, so ``import sopdocs`` stays cheap for the command line.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API: dict[str, str] = {
    # definitions and validation
    "load_sop": "sopdef", "SopDefinition": "sopdef",
    "load_profile": "profile", "AgencyProfile": "profile",
    # rendering
    "render_docx": "render", "Image": "render", "DocxFragment": "render", "Rendered": "render",
    "TemplateSet": "templateset", "check_templates": "templateset",
    "render_sop": "sopsheet", "render_sop_file": "sopsheet",
    # Indonesian dates, numbers, people
    "parse_tanggal": "dates", "format_tanggal": "dates", "nama_hari": "dates", "DateStyle": "dates",
    "WorkCalendar": "workdays",
    "Durasi": "durasi", "parse_durasi": "durasi",
    "terbilang": "numerals", "romawi": "numerals",
    "format_nip": "nip", "check_nip": "nip",
    # numbers, archive, search
    "Register": "register", "NumberingRule": "register",
    "Archive": "archive", "NewDocument": "archive",
    "IndexedDocument": "search", "WhooshIndex": "search",
    # the whole SOP for one activity
    "run_activity": "activity", "load_kegiatan": "activity",
    # other document kinds
    "render_surat_tugas_file": "surattugas", "load_surat_tugas": "surattugas",
    "render_kuesioner_file": "kuesioner", "load_kuesioner": "kuesioner",
    "render_recap_file": "recap",
    "render_disposisi_file": "disposisi", "load_disposisi": "disposisi",
    # errors
    "SopdocsError": "errors", "ValidationError": "errors", "RenderError": "errors",
    "DateError": "errors", "ConversionError": "errors", "Problem": "errors",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'sopdocs' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
