"""Shared test helpers: paths to the examples, the LibreOffice requirement."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Callable, TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
IN_CI = os.environ.get("CI", "").lower() == "true"
# No test starts the user's PDF converter or search service (they outlive commands); their
# own tests (tests/test_converter_service.py, tests/test_search_service.py) turn them on
# with a private runtime folder.
os.environ["SOPDOCS_PDF_SERVICE"] = "0"
os.environ["SOPDOCS_SEARCH_SERVICE"] = "0"
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


def archives_with_one_letter(work: Path) -> dict[str, Path]:
    """An archive in ``work`` holding one surat tugas, indexed by Whoosh, and a copy indexed
    by tantivy (made by the real commands)."""
    import subprocess
    import sys

    whoosh = work / "arsip"
    sopdocs = [sys.executable, "-m", "sopdocs"]
    subprocess.run([*sopdocs, "render", "surat-tugas", str(EXAMPLES / "surat-tugas.yaml"), "-o", str(work / "out"),
                    "--profil", str(EXAMPLES / "profil.yaml"), "--archive", str(whoosh)], check=True, cwd=ROOT,
                   capture_output=True)
    tantivy = work / "arsip-tantivy"
    shutil.copytree(whoosh, tantivy)
    (tantivy / "pengaturan.yaml").write_text("indeks: tantivy\n", encoding="utf-8")
    subprocess.run([*sopdocs, "archive", "reindex", "--archive", str(tantivy)], check=True, cwd=ROOT,
                   capture_output=True)
    return {"whoosh": whoosh, "tantivy": tantivy}


# --------------------------------------------------------------------------- package integrity
# The integrity check (sopdocs.docx.integrity) runs over every output of the test suite: it is
# on in every writer (the default, asserted here), and after each test every .docx left in its
# tmp_path is checked. Tests that leave deliberately broken .docx files there are marked
# ``@pytest.mark.broken_docx``, or name those files with "rusak"/"broken".

BROKEN_NAMES = ("rusak", "broken")


@pytest.fixture(scope="session", autouse=True)
def _package_checks_on() -> Iterator[None]:
    """The guard is on by default: a developer's SOPDOCS_CHECK_PACKAGES=0 does not leak in."""
    from sopdocs.docx.integrity import CHECK_ENV, checks_enabled

    saved = os.environ.pop(CHECK_ENV, None)
    assert checks_enabled(), "the package integrity check must be on by default"
    yield
    if saved is not None:
        os.environ[CHECK_ENV] = saved


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    if call.when == "call":
        item.stash[_CALL_FAILED] = outcome.get_result().failed


_CALL_FAILED = pytest.StashKey[bool]()


def written_docx(folder: Path) -> Iterator[Path]:
    """Regular .docx files under ``folder`` (links, FIFOs and devices are never opened)."""
    for root, _dirs, files in os.walk(folder):  # does not follow links to folders
        for name in files:
            if not name.lower().endswith(".docx") or any(word in name.lower() for word in BROKEN_NAMES):
                continue
            path = Path(root) / name
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    yield path
            except OSError:
                continue


@pytest.fixture(autouse=True)
def _outputs_are_sound(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that passed, every .docx (zip) in its tmp_path is a sound package."""
    folder: Path | None = None
    if "tmp_path" in request.fixturenames and request.node.get_closest_marker("broken_docx") is None:
        folder = request.getfixturevalue("tmp_path")
    yield
    if folder is None or request.node.stash.get(_CALL_FAILED, True):
        return
    from sopdocs.docx.integrity import check_package

    found: list[str] = []
    for path in written_docx(folder):
        if zipfile.is_zipfile(path):
            found.extend(f"{path.relative_to(folder)}: {problem}" for problem in check_package(path))
    assert not found, "dokumen .docx rusak ditinggalkan tes ini:\n" + "\n".join(found)
