"""The pydantic model of ``<archive>/pengaturan.yaml``: the full check of a settings file
(every problem with its file, line and field) and its schema. Most files are read by the
quick reader of :mod:`sopdocs.definitions.archivesettings`, which hands this model every
file it cannot vouch for."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sopdocs.definitions.fieldtypes import Teks
from sopdocs.definitions.validation import validate
from sopdocs.definitions.yamlload import YamlDocument


class SettingsFile(BaseModel):
    """What ``pengaturan.yaml`` may say (every key optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    # ``register`` in the file (the Python name avoids shadowing BaseModel.register).
    register_url: Teks = Field("", alias="register", description="kosong: register SQLite di folder arsip; atau postgresql://... untuk register bersama")
    indeks: Literal["whoosh", "tantivy"] = Field("whoosh", description="mesin indeks pencarian: whoosh (bawaan) atau tantivy (arsip besar)")
    instansi: Teks = Field("", description="nama instansi pemilik arsip ini (untuk arsip yang diserahkan ke arsip provinsi)")
    sandi_web: Teks = Field("", description="hash kata sandi `sopdocs serve` di jaringan (buat dengan `sopdocs serve --set-password`); kosong: hanya 127.0.0.1")


def validated(doc: YamlDocument) -> SettingsFile:
    """``doc`` checked by the model (a :class:`~sopdocs.errors.ValidationError` naming the
    file, line and field when it is wrong)."""
    settings, _warnings = validate(SettingsFile, doc)
    return settings
