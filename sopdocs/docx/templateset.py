"""Which Word template file a document kind uses: the user's folder first, then the built-in one.

A user may point at their own template folder (their kop surat, their logo); a kind whose
template is not in that folder falls back to the built-in one.
"""

from __future__ import annotations

import os
from pathlib import Path

from sopdocs.errors import RenderError, SopdocsError
from sopdocs.locations import builtin_templates_dir


class TemplateSet:
    """Templates from a user folder first, then the built-in ones."""

    def __init__(self, folder: Path | None = None) -> None:
        if folder is not None:
            folder = Path(folder)
            if not folder.is_dir():
                raise SopdocsError(f"folder templat tidak ditemukan: {folder}")
        self.folder = folder

    def path(self, name: str) -> Path:
        # lexists: a link or other non-regular file under the name is the user's template too
        # (and refused by the renderer), never silently replaced by the built-in one.
        if self.folder is not None and os.path.lexists(self.folder / name):
            return self.folder / name
        builtin = builtin_templates_dir() / name
        if not builtin.is_file():
            raise RenderError(f"templat {name} tidak ditemukan")
        return builtin
