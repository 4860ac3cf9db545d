"""Start-up: wall time of short ``sopdocs`` commands, each a fresh process, beside bare Python.

Each command runs as a subprocess (``python -m sopdocs ...``, as the ``sopdocs`` script
does), interleaved with the others and with ``python -c pass``; medians of --runs wall
times, then medians of --runs CPU times (user + system, less disturbed by load). The
archive is a fresh temporary folder holding one archived surat tugas (so ``search`` and
``number take`` have a register, an index and a case file to check).

Bytecode: the children run without ``PYTHONDONTWRITEBYTECODE`` and each command runs once
before timing, so compiled ``.pyc`` files exist, as they do after ``pip install``.

    .venv/bin/python bench/startup.py --runs 7
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

from benchutil import interleaved, machine_load, median, spread, timed

ROOT = Path(__file__).resolve().parent.parent

#: Targets of issue 16, in seconds.
TARGETS = {"sopdocs --help": 0.150, "sopdocs number take": 0.300}


def commands(work: Path) -> dict[str, list[str]]:
    examples = work / "examples"
    archive = str(work / "arsip")
    profile = str(examples / "profil.yaml")
    sopdocs = [sys.executable, "-m", "sopdocs"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "sopdocs --help": [*sopdocs, "--help"],
        "sopdocs --version": [*sopdocs, "--version"],
        "sopdocs render --help": [*sopdocs, "render", "--help"],
        "sopdocs number take": [*sopdocs, "number", "take", "surat-tugas", "--date", "8 Januari 2024",
                                "--subject", "Uji awal", "--profil", profile, "--archive", archive],
        "sopdocs number list": [*sopdocs, "number", "list", "--archive", archive],
        "sopdocs search": [*sopdocs, "search", "pendataan", "--archive", archive],
    }


def run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, capture_output=True, env=env, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n"
                         f"{done.stderr.decode('utf-8', 'replace')}")


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one run (less disturbed by other load than wall time;
    POSIX only: ``resource`` is missing on Windows, where this returns 0)."""
    try:
        import resource
    except ImportError:
        return 0.0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run(command, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    print(machine_load())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "examples", work / "examples")
        run([sys.executable, "-m", "sopdocs", "render", "surat-tugas", str(work / "examples" / "surat-tugas.yaml"),
             "-o", str(work / "out"), "--archive", str(work / "arsip")], env)
        todo = commands(work)
        for command in todo.values():  # warm-up: .pyc files written, files in the page cache
            run(command, env)
        figures = interleaved({name: partial(timed, partial(run, command, env)) for name, command in todo.items()},
                              args.runs)
        cpu = interleaved({name: partial(cpu_seconds, command, env) for name, command in todo.items()}, args.runs)
    bare = median(figures["python -c pass"])
    print(f"{'command':<22} {'wall time':<36} {'minus bare python':>17} {'CPU (user+sys)':>15}  target")
    for name, values in figures.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else (f"< {target * 1000:.0f} ms "
                                             + ("met" if median(values) < target else "NOT met"))
        print(f"{name:<22} {spread(values):<36} {(median(values) - bare) * 1000:>14.0f} ms "
              f"{median(cpu[name]) * 1000:>12.0f} ms  {verdict}")
    print(f"{args.runs} interleaved runs per command; {machine_load()}")


if __name__ == "__main__":
    main()
