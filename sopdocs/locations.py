"""Where things are: the archive folder, and the built-in templates and examples.

The archive folder is ``--archive``, else ``$SOPDOCS_ARCHIVE``, else ``./archive``. The
templates and examples ship inside the installed package (``sopdocs/templates``,
``sopdocs/examples``) or sit beside the package in a checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from sopdocs.errors import SopdocsError

ENV_ARCHIVE = "SOPDOCS_ARCHIVE"
PACKAGE_DIR = Path(__file__).resolve().parent


def archive_dir(explicit: Path | str | None = None) -> Path:
    """The archive folder: ``explicit``, else ``$SOPDOCS_ARCHIVE``, else ``./archive``."""
    if explicit is not None and str(explicit) != "":
        return Path(explicit)
    env = os.environ.get(ENV_ARCHIVE, "").strip()
    if env:
        return Path(env)
    return Path.cwd() / "archive"


def _shipped(name: str) -> Path:
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise SopdocsError(f"{name} bawaan sopdocs tidak ditemukan; pasang ulang paket sopdocs")


def builtin_templates_dir() -> Path:
    """The built-in templates: inside the installed package, or ``templates/`` of a checkout."""
    return _shipped("templates")


def builtin_examples_dir() -> Path:
    """The built-in examples (the seed SOP and its activity): in the package or the checkout."""
    return _shipped("examples")
