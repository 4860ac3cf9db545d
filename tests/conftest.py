"""Shared test helpers: paths to the examples, the LibreOffice requirement."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
IN_CI = os.environ.get("CI", "").lower() == "true"
F = TypeVar("F", bound=Callable[..., object])


def soffice_available() -> bool:
    from sopdocs.pdf.convert import find_soffice

    return find_soffice() is not None


def requires_libreoffice() -> Callable[[F], F]:
    """Mark a test as needing LibreOffice: skipped when soffice is missing, except under
    CI=true, where scripts/install-system-deps.sh installed it and its absence must fail."""

    def decorate(func: F) -> F:
        func = pytest.mark.libreoffice(func)
        if not IN_CI and not soffice_available():
            func = pytest.mark.skip(
                reason="LibreOffice (soffice) not found: run scripts/install-system-deps.sh or set SOPDOCS_SOFFICE"
            )(func)
        return func

    return decorate


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A writable copy of examples/ (definitions refer to profil.yaml and logo.png beside them)."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target
