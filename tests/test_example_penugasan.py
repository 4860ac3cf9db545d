"""The worked example examples/penugasan/: a staffing tool issuing 200 surat tugas.

The script runs as a user runs it (a child process with the installed package, from
a folder outside the checkout), and mypy --strict checks it against the installed
package, which therefore must ship its type information (sopdocs/py.typed).
"""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from sopdocs import Archive

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "penugasan"
SCRIPT = EXAMPLE / "terbitkan.py"
STAFF = 200

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sopdocs.api") is None,
    reason="sopdocs.api (the library facade the example uses) does not exist yet",
)


def test_staff_list_is_plausible() -> None:
    from sopdocs import check_nip

    with (EXAMPLE / "staf.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == STAFF
    assert len({row["nip"] for row in rows}) == STAFF
    assert len({row["nama"].split(",")[0] for row in rows}) == STAFF
    for row in rows:
        check = check_nip(row["nip"])
        assert check.ok and not check.warnings, (row, check)
        assert all(row[key] for key in ("nama", "pangkat", "golongan", "jabatan")), row


@pytest.mark.slow
def test_issues_200_searchable_letters(tmp_path: Path) -> None:
    archive = tmp_path / "arsip"
    run = subprocess.run([sys.executable, str(SCRIPT), "--archive", str(archive)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Terbit: {STAFF} dari {STAFF} surat tugas" in run.stdout
    assert f"Dapat dicari: {STAFF} dari {STAFF}" in run.stdout
    assert f"{STAFF}/{STAFF} surat" in run.stderr  # the progress callback ran to the end

    with Archive(archive) as store:
        found = store.search("ketenagakerjaan", kind="surat-tugas", limit=1000)
        numbers = {hit.number for hit in found.hits}
        assert found.total == STAFF and len(numbers) == STAFF
        assert numbers == {f"800.1.11.1/{n:03d}/Disnakertrans/2024" for n in range(1, STAFF + 1)}
        assert {hit.case_id for hit in found.hits} == {"PENUGASAN-2024"}
        assert all((archive / hit.path).is_file() for hit in found.hits)
        report = store.verify("PENUGASAN-2024")
        assert not report.findings, report.findings


def test_type_checks_against_the_installed_package(tmp_path: Path) -> None:
    # From tmp_path: no project configuration, and sopdocs is found as installed, which
    # mypy analyses only when the package carries a py.typed marker.
    run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
                          str(SCRIPT)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
