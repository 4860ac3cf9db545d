"""The archive's own settings: ``<archive>/pengaturan.yaml`` (optional).

Which register and which search index an archive folder uses. Without the file the
archive is the embedded default that needs no server: the SQLite register
``<archive>/register.sqlite`` and the Whoosh index in ``<archive>/indeks``. Keys are
Indonesian, like every definition file::

    register: postgresql://arsip@server-kantor/sopdocs   # shared by several workstations
    indeks: tantivy                                      # for large (province) archives
    instansi: Dinas Ketenagakerjaan dan Transmigrasi     # this office, on received records

The register URL may name a password; prefer a ``.pgpass`` file or the ``PGPASSWORD``
environment variable so the folder holds no secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sopdocs.definitions.fieldtypes import Teks
from sopdocs.definitions.validation import validate
from sopdocs.definitions.yamlload import load_yaml, parse_yaml

#: File name of the settings inside an archive folder.
SETTINGS_FILE = "pengaturan.yaml"

IndexBackend = Literal["whoosh", "tantivy"]


class ArchiveSettings(BaseModel):
    """What ``pengaturan.yaml`` may say (every key optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    # ``register`` in the file (the Python name avoids shadowing BaseModel.register).
    register_url: Teks = Field("", alias="register", description="kosong: register SQLite di folder arsip; atau postgresql://... untuk register bersama")
    indeks: IndexBackend = Field("whoosh", description="mesin indeks pencarian: whoosh (bawaan) atau tantivy (arsip besar)")
    instansi: Teks = Field("", description="nama instansi pemilik arsip ini (untuk arsip yang diserahkan ke arsip provinsi)")
    sandi_web: Teks = Field("", description="hash kata sandi `sopdocs serve` di jaringan (buat dengan `sopdocs serve --set-password`); kosong: hanya 127.0.0.1")


def archive_settings(archive: Path) -> ArchiveSettings:
    """The settings of an archive folder; the defaults when it has no ``pengaturan.yaml``.

    A bad file is a :class:`~sopdocs.errors.ValidationError` naming the file and field."""
    path = Path(archive) / SETTINGS_FILE
    if not path.is_file():
        return ArchiveSettings()
    settings, _warnings = validate(ArchiveSettings, load_yaml(path))
    return settings


def set_register_url(archive: Path, url: str) -> Path:
    """Write ``register: <url>`` into the archive's ``pengaturan.yaml`` (atomically).

    The other lines (comments, ``indeks``, ``instansi``) stay as they are; an existing
    ``register:`` line is replaced, else one is added. The result is validated before it
    replaces the file. Returns the file's path.
    """
    import json

    from sopdocs.fsutil import atomic_write_text

    path = Path(archive) / SETTINGS_FILE
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    line = f"register: {json.dumps(url, ensure_ascii=False)}"
    lines = old.splitlines()
    kept = [text for text in lines if not text.startswith("register:")]
    where = next((i for i, text in enumerate(lines) if text.startswith("register:")), len(kept))
    kept.insert(min(where, len(kept)), line)
    text = "\n".join(kept) + "\n"
    settings, _warnings = validate(ArchiveSettings, parse_yaml(text, str(path)))
    if settings.register_url != url:
        raise AssertionError(f"{path}: register line not read back")
    return atomic_write_text(path, text)
