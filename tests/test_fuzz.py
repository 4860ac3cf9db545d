"""Property-based fuzzing (Hypothesis) of every input path, each target in a child process
under a memory limit and a time limit: any input ends in exit 0, 1 or 2, never a traceback.

The driver is ``tests/fuzz_driver.py``; ``SOPDOCS_FUZZ_EXAMPLES`` raises the number of
generated inputs per target (default :data:`EXAMPLES`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Generated inputs per target in a normal run (CI runs this too).
EXAMPLES = int(os.environ.get("SOPDOCS_FUZZ_EXAMPLES", "25"))
#: Address-space limit of the child process: a bomb that gets through fails instead of swapping.
MEMORY_LIMIT_BYTES = 3 * 1024**3
#: Wall-clock limit of one target's child process.
TIME_LIMIT_SECONDS = 600


def _limit_memory() -> None:  # runs in the child before exec (POSIX only)
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


@pytest.mark.fuzz
@pytest.mark.parametrize("target", ["definitions", "responses", "queries", "templates", "metadata"])
def test_any_input_ends_in_a_clear_exit(target: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path), "SOPDOCS_ARCHIVE": str(tmp_path / "a")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "fuzz_driver.py"), target, str(EXAMPLES)],
        capture_output=True, text=True, encoding="utf-8", errors="replace", env=env, cwd=tmp_path,
        timeout=TIME_LIMIT_SECONDS, preexec_fn=_limit_memory if os.name == "posix" else None,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    assert "semua berakhir" in proc.stdout
