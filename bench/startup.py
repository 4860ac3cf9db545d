"""Start-up: wall time of short ``sopdocs`` commands, each a fresh process, beside bare Python.

Each command runs as a subprocess (``python -m sopdocs ...``, as the ``sopdocs`` script
does), interleaved with the others and with ``python -c pass``; medians of --runs wall
times, then medians of --runs CPU times (user + system, less disturbed by load). The
archive is a fresh temporary folder holding one archived surat tugas (so ``search`` and
``number take`` have a register, an index and a case file to check); a copy of it with
``indeks: tantivy`` in its ``pengaturan.yaml`` serves the tantivy search.

``--baseline DIR`` runs every command also from another source tree (e.g. the last commit:
``git archive HEAD | tar -x -C /tmp/base``), interleaved with this one, so a change is
measured before and after in one run on the same load.

The search service is off (``SOPDOCS_SEARCH_SERVICE=0``): this bench times the start of
the process itself; ``bench/search.py`` times searches answered by the service.

Bytecode: the children run without ``PYTHONDONTWRITEBYTECODE`` and each command runs once
before timing, so compiled ``.pyc`` files exist, as they do after ``pip install``.

    .venv/bin/python bench/startup.py --runs 7 [--baseline /tmp/base]
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
    tantivy = str(work / "arsip-tantivy")
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
        "sopdocs search tantivy": [*sopdocs, "search", "pendataan", "--archive", tantivy, "--json"],
    }


def run(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
    """Run ``command`` in ``cwd``: ``python -m sopdocs`` imports the sopdocs of that tree."""
    done = subprocess.run(command, capture_output=True, env=env, cwd=cwd)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n"
                         f"{done.stderr.decode('utf-8', 'replace')}")


def cpu_seconds(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    """User + system CPU seconds of one run (less disturbed by other load than wall time;
    POSIX only: ``resource`` is missing on Windows, where this returns 0)."""
    try:
        import resource
    except ImportError:
        return 0.0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run(command, env, cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="another source tree to run side by side (before/after)")
    args = parser.parse_args()
    trees = {"": ROOT}
    if args.baseline is not None:
        if not (args.baseline / "sopdocs" / "__init__.py").is_file():
            raise SystemExit(f"--baseline {args.baseline}: no sopdocs/ in that folder")
        trees["baseline "] = args.baseline.resolve()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["SOPDOCS_SEARCH_SERVICE"] = "0"
    print(machine_load())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "examples", work / "examples")
        run([sys.executable, "-m", "sopdocs", "render", "surat-tugas", str(work / "examples" / "surat-tugas.yaml"),
             "-o", str(work / "out"), "--archive", str(work / "arsip")], env)
        shutil.copytree(work / "arsip", work / "arsip-tantivy")
        (work / "arsip-tantivy" / "pengaturan.yaml").write_text("indeks: tantivy\n", encoding="utf-8")
        run([sys.executable, "-m", "sopdocs", "archive", "reindex", "--archive", str(work / "arsip-tantivy")], env)
        todo = {f"{tag}{name}": (command, tree) for tag, tree in trees.items() for name, command in commands(work).items()
                if not (tag and name == "python -c pass")}
        for command, tree in todo.values():  # warm-up: .pyc files written, files in the page cache
            run(command, env, tree)
        figures = interleaved({name: partial(timed, partial(run, command, env, tree))
                               for name, (command, tree) in todo.items()}, args.runs)
        cpu = interleaved({name: partial(cpu_seconds, command, env, tree) for name, (command, tree) in todo.items()},
                          args.runs)
    bare = median(figures["python -c pass"])
    print(f"{'command':<31} {'wall time':<36} {'minus bare python':>17} {'CPU (user+sys)':>15}  target")
    for name, values in figures.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else (f"< {target * 1000:.0f} ms "
                                             + ("met" if median(values) < target else "NOT met"))
        print(f"{name:<31} {spread(values):<36} {(median(values) - bare) * 1000:>14.0f} ms "
              f"{median(cpu[name]) * 1000:>12.0f} ms  {verdict}")
    print(f"{args.runs} interleaved runs per command; {machine_load()}")


if __name__ == "__main__":
    main()
