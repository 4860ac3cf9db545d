"""Register throughput: takes per second, SQLite file beside PostgreSQL server, one run.

Two loads, each on a fresh register per run, interleaved between the engines:

* ``1 process``: one workstation takes --takes numbers in a row (one open register);
* ``N processes``: --processes workstations take --takes numbers each at the same time
  (throughput = all takes / time from the first start to the last end, measured inside
  the workers after start-up and connection).

The PostgreSQL server is a throw-away cluster (tests/pg/cluster.py: a free loopback port;
``fsync = off`` like the tests unless --fsync, so by default figures show the locking and
round trips, not the disk); the SQLite register is a file in a temporary folder on local disk (rollback
journal, as shipped). Medians over --runs.

    .venv/bin/python bench/register.py --takes 200 --processes 4 --runs 3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from benchutil import interleaved, machine_load, median

ROOT = Path(__file__).resolve().parent.parent


def _cluster_module() -> ModuleType:
    """tests/pg/cluster.py (the throw-away cluster of the tests), loaded by path."""
    path = ROOT / "tests" / "pg" / "cluster.py"
    spec = importlib.util.spec_from_file_location("sopdocs_pg_cluster", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

WORKER = """
import datetime as dt, json, sys, time
from pathlib import Path
from sopdocs.numbering.register import NumberingRule
from sopdocs.numbering.rules import register_for
rule = NumberingRule(kind="surat-tugas", code="800.1.11.1", unit="434.100")
with register_for(Path(sys.argv[1])) as register:
    register.busy_timeout = 120.0
    register.find("-")  # connect (and create the tables) before the clock starts
    start = time.time()
    for i in range(int(sys.argv[2])):
        register.take(rule, date=dt.date(2024, 5, 2), subject=f"uji {i}")
    end = time.time()
print(json.dumps([start, end]))
"""


def _archive(work: Path, name: str, url: str | None) -> Path:
    folder = work / name
    folder.mkdir()
    if url is not None:
        (folder / "pengaturan.yaml").write_text(f"register: {url}\n", encoding="utf-8")
    return folder


def _parallel(archive: Path, processes: int, takes: int) -> float:
    """Takes per second of ``processes`` workers taking ``takes`` numbers each."""
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(archive), str(takes)],
                              stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    spans = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"worker failed ({proc.returncode})")
        spans.append(json.loads(out))
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return processes * takes / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--takes", type=int, default=200, help="numbers per process (default 200)")
    parser.add_argument("--processes", type=int, default=4, help="parallel processes (default 4)")
    parser.add_argument("--runs", type=int, default=3, help="runs per engine and load (default 3)")
    parser.add_argument("--fsync", action="store_true",
                        help="PostgreSQL with fsync on (durable commits, like the SQLite file)")
    args = parser.parse_args()
    clusters = _cluster_module()
    folder = clusters.pg_bin()
    if folder is None:
        raise SystemExit("PostgreSQL server binaries not found (set SOPDOCS_PG_BIN)")
    print(machine_load())
    cluster = clusters.PgCluster(folder, fsync=args.fsync)
    counter = iter(range(10**6))
    try:
        with tempfile.TemporaryDirectory(prefix="bench-register-") as tmp:
            work = Path(tmp)

            def fresh(engine: str) -> Path:
                n = next(counter)
                url = cluster.create_database(f"bench_{n}") if engine == "postgresql" else None
                return _archive(work, f"{engine}-{n}", url)

            def load(engine: str, processes: int) -> Callable[[], float]:
                return lambda: _parallel(fresh(engine), processes, args.takes)

            for processes in (1, args.processes):
                figures = interleaved({engine: load(engine, processes) for engine in ("sqlite", "postgresql")},
                                      args.runs)
                label = f"{processes} process{'es' if processes > 1 else ''} x {args.takes} takes"
                print(f"{label:<28} " + "   ".join(
                    f"{engine}: {median(values):7.0f} takes/s (min {min(values):.0f}, max {max(values):.0f})"
                    for engine, values in figures.items()))
    finally:
        cluster.destroy()
    print(machine_load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
