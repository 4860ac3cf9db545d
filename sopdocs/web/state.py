"""What the web app keeps between requests: the archive folder, the shared search index,
the cache folder (outside the archive) and the record of fixity checks made here."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import inspect
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from sopdocs.archive.archive import Archive
from sopdocs.archive.casefile import CaseFile, kind_label
from sopdocs.errors import SopdocsError
from sopdocs.fsutil import atomic_write_text

#: Environment variable naming the cache folder (page previews, PDF copies made for
#: preview, the fixity log); default: the user's cache folder.
ENV_CACHE = "SOPDOCS_WEB_CACHE"
#: Seconds between two looks for index updates left unconfirmed (Archive.catch_up).
CATCH_UP_INTERVAL = 5.0
#: Seconds the per-kind counts of the whole index (the kind filter's list) are reused.
COUNTS_TTL = 10.0
#: Largest fixity log kept (entries, newest kept).
MAX_FIXITY_ENTRIES = 10_000


def default_cache_root() -> Path:
    """``%LOCALAPPDATA%\\sopdocs\\web`` on Windows, else ``$XDG_CACHE_HOME/sopdocs/web`` or
    ``~/.cache/sopdocs/web``."""
    env = os.environ.get(ENV_CACHE, "").strip()
    if env:
        return Path(env)
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "sopdocs" / "web"
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "sopdocs" / "web"


def cache_for(archive: Path, root: Path | None = None) -> Path:
    """This archive's cache folder: ``<cache root>/<hash of the archive path>``; never
    inside the archive."""
    archive = archive.resolve()
    base = (root or default_cache_root()).resolve()
    if base == archive or base.is_relative_to(archive):
        raise SopdocsError(f"folder cache {base} ada di dalam folder arsip {archive}; pilih folder lain "
                           f"(--cache atau {ENV_CACHE})")
    key = hashlib.sha256(str(archive).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return base / key


@dataclass(frozen=True)
class FixityRecord:
    case_id: str
    checked: dt.datetime
    ok: bool
    findings: tuple[str, ...]


class WebState:
    """Shared by every request (the server runs requests in threads)."""

    def __init__(self, archive: Path, cache: Path) -> None:
        self.archive = archive
        self.cache = cache
        self._search_archive: Archive | None = None
        self._index: Any = None
        self._index_lock = threading.Lock()
        self._catch_up_lock = threading.Lock()
        self._last_catch_up = 0.0
        self._fixity_lock = threading.Lock()
        self.search_params: frozenset[str] = frozenset()
        self._counts: tuple[float, Any] | None = None
        self.preview_lock = threading.BoundedSemaphore(2)
        self.convert_lock = threading.Lock()

    # --------------------------------------------------------------------- archive

    def open_archive(self) -> Archive:
        """A fresh Archive object for one request (reading case files; no index)."""
        return Archive(self.archive, index=False)

    def index(self) -> Any:
        """The search index, opened once (its searches are thread-safe)."""
        with self._index_lock:
            if self._index is None:
                archive = Archive(self.archive)
                self._index = archive.index()
                self._search_archive = archive
                self.search_params = frozenset(inspect.signature(self._index.search).parameters)
            return self._index

    def counts(self) -> Any:
        """The index's totals per kind and year (IndexCounts), reused for COUNTS_TTL seconds."""
        cached = self._counts
        now = time.monotonic()
        if cached is not None and now - cached[0] < COUNTS_TTL:
            return cached[1]
        found = self.index().counts()
        self._counts = (now, found)
        return found

    def catch_up(self) -> None:
        """Index what a writer announced but never confirmed (at most every few seconds)."""
        now = time.monotonic()
        if now - self._last_catch_up < CATCH_UP_INTERVAL or not self._catch_up_lock.acquire(blocking=False):
            return
        try:
            self._last_catch_up = now
            if self._search_archive is not None:
                try:
                    self._search_archive.catch_up()
                except (SopdocsError, OSError):
                    pass  # the search still works on what is indexed
        finally:
            self._catch_up_lock.release()

    def close(self) -> None:
        with self._index_lock:
            if self._search_archive is not None:
                self._search_archive.close()
            self._index = None
            self._search_archive = None

    # --------------------------------------------------------------------- fixity log

    @property
    def _fixity_file(self) -> Path:
        return self.cache / "fixity.json"

    def _read_fixity(self) -> dict[str, Any]:
        try:
            data = json.loads(self._fixity_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def last_fixity(self, case_id: str) -> FixityRecord | None:
        entry = self._read_fixity().get(case_id)
        if not isinstance(entry, dict):
            return None
        try:
            return FixityRecord(case_id, dt.datetime.fromisoformat(str(entry["checked"])), bool(entry["ok"]),
                                tuple(str(f) for f in entry.get("findings", ())))
        except (KeyError, ValueError, TypeError):
            return None

    def record_fixity(self, record: FixityRecord) -> None:
        with self._fixity_lock:
            data = self._read_fixity()
            data[record.case_id] = {"checked": record.checked.isoformat(timespec="seconds"), "ok": record.ok,
                                    "findings": list(record.findings[:100])}
            if len(data) > MAX_FIXITY_ENTRIES:
                data = dict(sorted(data.items(), key=lambda kv: str(kv[1].get("checked", "")))[-MAX_FIXITY_ENTRIES:])
            self.cache.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self._fixity_file, json.dumps(data, ensure_ascii=False, indent=1))


def real_case(archive: Archive, case_id: str) -> bool:
    """The case folder is a real folder inside the archive, not a link to elsewhere."""
    try:
        path = archive.case_path(case_id)
        return (not path.is_symlink() and path.is_dir()
                and path.resolve().is_relative_to(archive.cases_dir.resolve()))
    except (SopdocsError, OSError):
        return False


def real_cases(archive: Archive) -> list[CaseFile]:
    """Every readable case file that is a real folder of the archive."""
    return [c for c in archive.cases() if real_case(archive, c.case_id)]


@functools.lru_cache(maxsize=512)
def cached_kind_label(kind: str) -> str:
    """The label of a kind (the kind registry is fixed while the server runs)."""
    return kind_label(kind)


def state() -> WebState:
    """The state of the running app (inside a request)."""
    found = current_app.extensions["sopdocs"]
    assert isinstance(found, WebState)
    return found
