"""Stems kept with the index (``<index>/stems.sqlite``), so a new process does not ask
Sastrawi again for every word the archive already holds.

Sastrawi costs about half a millisecond per new word in pure Python, and starting it
(loading its dictionary) about 60 ms: a ``sopdocs search`` paid that start for its few
query words, and every process that indexed documents (``run``, ``archive add``,
``reindex``) paid again for each word of their text. The stems of the words an index
holds are written next to it by its writers, and read back: all of them before indexing,
one query word at a time when searching (Sastrawi is then started only for a word the
archive has never seen).

A stem is a pure function of the word (and of the Sastrawi version and
:data:`sopdocs.search.analysis.ANALYSIS_VERSION`, both recorded in the file), so stems
read from any index folder are right for every other one. (The version tag is given by
the caller, :func:`sopdocs.search.analysis.stem_tag`, so this module imports no
analysis.) The file is a cache: anything wrong with it (damage, another version, a value
that is no stem) makes it ignored.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["STEMS_FILE", "load_all", "lookup", "reader", "save"]

STEMS_FILE = "stems.sqlite"
_MAX_WORD = 64
_BATCH = 5_000
_VERSION_KEY = "version"


def _valid(word: object, stem: object) -> bool:
    return (isinstance(word, str) and isinstance(stem, str) and 0 < len(stem) <= len(word)
            <= _MAX_WORD and word.isalpha() and stem.isalpha() and word.islower())


def _connect(path: Path, tag: str, *, create: bool) -> sqlite3.Connection | None:
    if not create and not path.is_file():
        return None
    try:
        con = sqlite3.connect(path, timeout=5.0)
        if create:
            con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            con.execute("CREATE TABLE IF NOT EXISTS stems (word TEXT PRIMARY KEY, stem TEXT) "
                        "WITHOUT ROWID")
            row = con.execute("SELECT value FROM meta WHERE key = ?", (_VERSION_KEY,)).fetchone()
            if row is None:
                con.execute("INSERT INTO meta VALUES (?, ?)", (_VERSION_KEY, tag))
                con.commit()
            elif row[0] != tag:
                con.execute("DELETE FROM stems")
                con.execute("UPDATE meta SET value = ? WHERE key = ?", (tag, _VERSION_KEY))
                con.commit()
            return con
        row = con.execute("SELECT value FROM meta WHERE key = ?", (_VERSION_KEY,)).fetchone()
        if row is None or row[0] != tag:
            con.close()
            return None
        return con
    except sqlite3.Error:
        return None


def load_all(folder: Path, tag: str) -> dict[str, str]:
    """Every valid stem kept in ``folder`` ({} when there is none, it is unusable or
    was written by another analysis: ``tag``, see :func:`sopdocs.search.analysis.stem_tag`)."""
    con = _connect(Path(folder) / STEMS_FILE, tag, create=False)
    if con is None:
        return {}
    try:
        return {w: s for w, s in con.execute("SELECT word, stem FROM stems") if _valid(w, s)}
    except sqlite3.Error:
        return {}
    finally:
        con.close()


def reader(folder: Path, tag: str) -> sqlite3.Connection | None:
    """An open connection for several :func:`lookup` calls (None when there is no usable
    file); the caller closes it."""
    return _connect(Path(folder) / STEMS_FILE, tag, create=False)


def lookup(folder: Path, words: list[str], tag: str,
           con: sqlite3.Connection | None = None) -> dict[str, str]:
    """The kept stems of ``words`` (those found and valid), through ``con`` (from
    :func:`reader`) when given, else through a connection opened for this call."""
    if not words:
        return {}
    own = con is None
    if con is None:
        con = _connect(Path(folder) / STEMS_FILE, tag, create=False)
        if con is None:
            return {}
    try:
        out: dict[str, str] = {}
        for word in words:
            row = con.execute("SELECT stem FROM stems WHERE word = ?", (word,)).fetchone()
            if row is not None and _valid(word, row[0]):
                out[word] = row[0]
        return out
    except sqlite3.Error:
        return {}
    finally:
        if own:
            con.close()


def save(folder: Path, stems: dict[str, str], tag: str) -> None:
    """Add ``stems`` to the file in ``folder`` (created if missing). Best effort: a cache
    that cannot be written is skipped, never an error of the index write."""
    items = [(w, s) for w, s in stems.items() if _valid(w, s)]
    if not items:
        return
    con = _connect(Path(folder) / STEMS_FILE, tag, create=True)
    if con is None:
        return
    try:
        for start in range(0, len(items), _BATCH):
            con.executemany("INSERT OR IGNORE INTO stems VALUES (?, ?)",
                            items[start:start + _BATCH])
        con.commit()
    except sqlite3.Error:
        pass
    finally:
        con.close()
