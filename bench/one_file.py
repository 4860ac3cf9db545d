"""Time and peak memory of ``sopdocs render kuesioner --copies N``: one file vs separate files.

Each run is its own subprocess (peak RSS from ``resource.getrusage(RUSAGE_CHILDREN)``).
Usage: ``.venv/bin/python bench/one_file.py [N ...]`` (default 250 500 1000).
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(copies: int, one_file: bool) -> tuple[float, float]:
    """Seconds and peak MB of one render in a fresh process (own copy of the examples)."""
    with tempfile.TemporaryDirectory() as tmp:
        examples = Path(tmp) / "examples"
        shutil.copytree(ROOT / "examples", examples)
        command = [sys.executable, "-c",
                   "import resource, sys; from sopdocs.cli import main; code = main(sys.argv[1:]);"
                   " print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)",
                   "render", "kuesioner", str(examples / "kuesioner-pendataan.yaml"), "--copies", str(copies),
                   "-o", str(Path(tmp) / "out"), "--archive", str(Path(tmp) / "arsip")]
        if one_file:
            command.append("--one-file")
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        if done.returncode:
            raise SystemExit(done.stderr)
        return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


def main(argv: list[str]) -> None:
    counts = [int(a) for a in argv] or [250, 500, 1000]
    print(f"{'copies':>7} | {'one file':>18} | {'separate files':>18}")
    for n in counts:
        one = run(n, True)
        many = run(n, False)
        print(f"{n:>7} | {one[0]:6.2f} s {one[1]:6.0f} MB | {many[0]:6.2f} s {many[1]:6.0f} MB", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
