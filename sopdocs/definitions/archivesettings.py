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

Every ``sopdocs search`` and ``number take`` reads this file, so a plainly written one
(``key: value`` lines, as the examples above and as sopdocs writes it) is read by a quick
reader without the YAML library and the model. It only ever says "surely this": any
other file (other YAML forms, an unknown or repeated key, a value to be converted or
refused) goes to the YAML loader and the model (:mod:`sopdocs.definitions.settingsmodel`),
which give the same values and every message.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from sopdocs.definitions.yamlload import YamlDocument

#: File name of the settings inside an archive folder.
SETTINGS_FILE = "pengaturan.yaml"

IndexBackend = Literal["whoosh", "tantivy"]


class ArchiveSettings(NamedTuple):
    """What ``pengaturan.yaml`` says (every key optional; these are the defaults)."""

    #: ``register`` in the file: empty for the SQLite register in the archive folder, or
    #: ``postgresql://...`` for a shared register.
    register_url: str = ""
    #: The search engine: whoosh, or tantivy for large (province) archives.
    indeks: IndexBackend = "whoosh"
    #: The office that owns this archive (on records handed over to the province archive).
    instansi: str = ""
    #: Hash of the ``sopdocs serve`` password for the office network (empty: 127.0.0.1 only).
    sandi_web: str = ""


def archive_settings(archive: Path) -> ArchiveSettings:
    """The settings of an archive folder; the defaults when it has no ``pengaturan.yaml``.

    A bad file is a :class:`~sopdocs.errors.ValidationError` naming the file and field."""
    path = Path(archive) / SETTINGS_FILE
    if not path.is_file():
        return ArchiveSettings()
    quick = quick_settings(path)
    if quick is not None:
        return quick
    from sopdocs.definitions.yamlload import load_yaml

    return _checked(load_yaml(path))


def parse_settings(text: str, file: str) -> ArchiveSettings:
    """The settings a text would give as ``pengaturan.yaml`` (always fully checked: for
    writers, before they replace the file)."""
    from sopdocs.definitions.yamlload import parse_yaml

    return _checked(parse_yaml(text, file))


def _checked(doc: YamlDocument) -> ArchiveSettings:
    from sopdocs.definitions.settingsmodel import validated

    model = validated(doc)
    return ArchiveSettings(register_url=model.register_url, indeks=model.indeks, instansi=model.instansi,
                           sandi_web=model.sandi_web)


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
    settings = parse_settings(text, str(path))
    if settings.register_url != url:
        raise AssertionError(f"{path}: register line not read back")
    return atomic_write_text(path, text)


# --------------------------------------------------------------------------- the quick reader

#: Largest settings file the quick reader looks at (real ones are a few lines).
QUICK_LIMIT = 16 * 1024
# The patterns are compiled on first use (``re`` keeps them): most archives have no file.
#: Characters the quick reader leaves to the loader: tabs and control characters, YAML's
#: other line breaks (U+0085, U+2028, U+2029), lone surrogates, the BOM and non-characters.
_NOT_PLAIN = "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
#: A ``key: value`` line of a known key at the start of the line.
_KEY_LINE = r"(register|indeks|instansi|sandi_web):(?: +(.*))?"
#: A quoted value without escapes (``"..."`` or ``'...'``), then at most a comment.
_QUOTED = r"""(?:"([^"\\]*)"|'([^']*)')(?: +#.*)?"""
#: Plain words YAML reads as true/false or null (checked case-insensitively).
_NOT_TEXT = frozenset({"yes", "no", "true", "false", "on", "off", "y", "n", "null", "~"})
_KEYS = {"register": "register_url", "indeks": "indeks", "instansi": "instansi", "sandi_web": "sandi_web"}


def quick_settings(path: Path) -> ArchiveSettings | None:
    """The settings in ``path`` when it is made only of ``key: value`` lines (known keys
    once each, plain or quoted one-line values, comments, blank lines) whose values are
    surely valid; None in any other case (the model decides)."""
    from sopdocs.definitions.converters import to_text

    try:
        with path.open("rb") as stream:
            raw = stream.read(QUICK_LIMIT + 1)
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    text = text.replace("\r\n", "\n")
    if len(raw) > QUICK_LIMIT or re.search(_NOT_PLAIN, text):
        return None
    values: dict[str, str] = {}
    for line in text.split("\n"):
        line = line.rstrip(" ")
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(_KEY_LINE, line)
        if match is None or _KEYS[match.group(1)] in values:
            return None
        value = _scalar(match.group(2) or "")
        if value is None:
            return None
        values[_KEYS[match.group(1)]] = value
    if not values:
        return None  # an empty file is not a mapping: the model says so
    engine = values.pop("indeks", "whoosh")
    if engine not in ("whoosh", "tantivy"):
        return None
    try:
        texts = {name: to_text(value) for name, value in values.items()}
    except ValueError:
        return None
    return ArchiveSettings(indeks="tantivy" if engine == "tantivy" else "whoosh", **texts)


def _scalar(value: str) -> str | None:
    """The text of a one-line YAML value as the loader reads it ("" for none), or None
    when it is anything but a plain or quoted text."""
    value = value.lstrip(" ")
    if not value or value.startswith("#"):
        return ""  # null: an empty text
    if value[0] in "\"'":
        quoted = re.fullmatch(_QUOTED, value)
        if quoted is None:
            return None
        return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
    plain = value.split(" #", 1)[0].rstrip(" ")
    if not plain[0].isalpha() or ": " in plain or plain.endswith(":") or plain.lower() in _NOT_TEXT:
        return None
    return plain
