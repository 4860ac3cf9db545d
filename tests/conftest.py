"""Shared test helpers: paths to the examples, the LibreOffice requirement."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
IN_CI = os.environ.get("CI", "").lower() == "true"


def soffice_available() -> bool:
    from sopdocs.pdf import find_soffice

    return find_soffice() is not None


def requires_libreoffice() -> pytest.MarkDecorator:
    """Skip without LibreOffice, except in CI, where its absence must fail loudly."""
    if IN_CI:
        return pytest.mark.libreoffice
    return pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) not installed")


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A writable copy of examples/ (definitions refer to profil.yaml and logo.png beside them)."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target
