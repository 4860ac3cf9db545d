"""Choosing the search engine of an archive folder.

The archive's settings (``pengaturan.yaml``, key ``indeks``) name the engine: ``whoosh``
(the default: pure Python, no server, right for one office) or ``tantivy`` (a Rust
engine for archives of hundreds of thousands of records). Both live in the same folder,
``<archive>/indeks``; an index written by the other engine is reported by ``check()`` as
needing a rebuild, which the archive then does from the bags.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sopdocs.search.index import SearchIndex

__all__ = ["INDEX_FOLDER", "index_backend", "open_index"]

INDEX_FOLDER = "indeks"
"""Name of the index folder inside an archive folder."""
SETTINGS_FILE = "pengaturan.yaml"
"""``sopdocs.definitions.archivesettings.SETTINGS_FILE``, repeated so that an archive
without settings is opened without loading the settings model (pydantic: start-up time
of every ``sopdocs search``); a test checks they agree."""

Backend = Literal["whoosh", "tantivy"]


_SIMPLE_LINE = re.compile(r"^(?:(\w+):(?:[ \t]+([\w@:/.+\-]+))?[ \t]*)?(?:(?<![^ \t])#.*)?$")
_SIMPLE_LIMIT = 4096


def _simple_engine(path: Path) -> Backend | None:
    """The ``indeks`` of a settings file made only of ``key: plain-value`` lines with
    known keys, read without the settings model; None when in any doubt (the model then
    reads the file and reports any problem)."""
    try:
        if path.stat().st_size > _SIMPLE_LIMIT:
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    engine: str = "whoosh"
    seen: set[str] = set()
    for line in text.splitlines():
        m = _SIMPLE_LINE.match(line)
        if m is None:
            return None
        key, value = m.group(1), m.group(2) or ""
        if key is None:
            continue
        if (key not in ("indeks", "register", "instansi") or (key == "instansi" and value)
                or key in seen):
            return None  # unknown or repeated key, or a name (quoting rules): full check
        seen.add(key)
        if key == "indeks":
            engine = value
    if not seen:
        return None  # an empty file is not a mapping: the model says so
    if engine == "whoosh":
        return "whoosh"
    if engine == "tantivy":
        return "tantivy"
    return None


def index_backend(archive_dir: Path) -> Backend:
    """The engine the archive's settings ask for (``whoosh`` without a settings file).

    Simple settings files are read directly, and only others through the settings model
    (:func:`sopdocs.definitions.archivesettings.archive_settings`, pydantic): its import
    is a fifth of the start-up time of a ``sopdocs search`` on tantivy."""
    path = Path(archive_dir) / SETTINGS_FILE
    if not path.is_file():
        return "whoosh"
    engine = _simple_engine(path)
    if engine is not None:
        return engine
    from sopdocs.definitions.archivesettings import archive_settings

    return archive_settings(Path(archive_dir)).indeks


def open_index(archive_dir: Path, *, backend: Backend | None = None,
               folder: Path | None = None) -> SearchIndex:
    """The search index of an archive folder, with the engine its settings name.

    ``backend`` overrides the settings; ``folder`` the index folder (default
    ``<archive_dir>/indeks``)."""
    engine = backend or index_backend(archive_dir)
    where = Path(folder) if folder is not None else Path(archive_dir) / INDEX_FOLDER
    if engine == "tantivy":
        from sopdocs.search.tantivyindex import TantivyIndex

        return TantivyIndex(where)
    from sopdocs.search.index import WhooshIndex

    return WhooshIndex(where)
