"""The check every document gets before LibreOffice sees it (in process and in the service).

LibreOffice opens anything it can read: a "docx" that is really a text file is happily
converted as plain text, so inputs must be Word (OOXML) zip files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from sopdocs.errors import ConversionError


def check_docx(docx: Path) -> Path:
    path = Path(docx)
    if not path.is_file():
        raise ConversionError(f"{path}: berkas tidak ditemukan.")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ConversionError(
            f"{path}: bukan dokumen Word (.docx) yang sah ({exc})."
        ) from exc
    if "[Content_Types].xml" not in names:
        raise ConversionError(f"{path}: bukan dokumen Word (.docx) yang sah (zip tanpa [Content_Types].xml).")
    return path.resolve()
