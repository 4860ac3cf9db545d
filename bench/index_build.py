"""The Whoosh index build alone: ``WhooshIndex.rebuild`` of bench/search.py's documents.

Prints, for each run, documents per second (wall and per CPU second of this process, the
latter less disturbed by other load on the machine), the split between adding the
documents (analysis, postings gathered in memory) and finishing (writing the segment's
posting lists, the stems, the swap), the size of the index and the peak memory of the
process; medians over ``--runs``. ``--profile`` prints the top functions of one more
build under cProfile instead (figures under the profiler are slower, and skewed
towards Python-level calls).

The documents are generated before timing, and a warm-up build of ``--warmup`` documents
loads Sastrawi and stems their words first (as ``bench/search.py --keep`` does with the
stems kept in the index), so the figures are those of a rebuild of a known archive.

    .venv/bin/python bench/index_build.py --docs 2000 --runs 3
    .venv/bin/python bench/index_build.py --docs 2000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchutil import machine_load  # noqa: E402
from search import make_corpus  # noqa: E402
from sopdocs.search.index import IndexedDocument, WhooshIndex  # noqa: E402


@dataclass
class Run:
    wall: float
    cpu: float
    add_wall: float
    add_cpu: float
    size: int


def peak_memory_mb() -> float | None:
    """Peak resident memory of this process (None where ``resource`` is missing)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def build(folder: Path, docs: Sequence[IndexedDocument]) -> Run:
    """One ``rebuild`` of ``docs`` into the index in ``folder``; the time the last
    document was taken splits adding from finishing."""
    index = WhooshIndex(folder)
    added: list[float] = []

    def feed() -> Iterator[IndexedDocument]:
        yield from docs
        added.extend((time.perf_counter(), time.process_time()))

    wall, cpu = time.perf_counter(), time.process_time()
    index.rebuild(feed())
    end_wall, end_cpu = time.perf_counter(), time.process_time()
    index.close()
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    return Run(end_wall - wall, end_cpu - cpu, added[0] - wall, added[1] - cpu, size)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=2000, help="documents (default 2000)")
    parser.add_argument("--runs", type=int, default=3, help="timed builds (default 3)")
    parser.add_argument("--warmup", type=int, default=300,
                        help="documents of the untimed first build (default 300)")
    parser.add_argument("--profile", action="store_true", help="profile one build instead")
    parser.add_argument("--top", type=int, default=30, help="functions shown with --profile")
    args = parser.parse_args(argv)

    print(f"bench/index_build.py: {args.docs:,} documents; {machine_load()}", flush=True)
    start = time.perf_counter()
    docs = list(make_corpus(args.docs).docs)
    print(f"  generated in {time.perf_counter() - start:.1f} s", flush=True)
    work = Path(tempfile.mkdtemp(prefix="sopdocs-index-build-"))
    try:
        folder = work / "indeks"
        build(folder, docs[:args.warmup])
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            run = build(folder, docs)
            profiler.disable()
            print(f"  under cProfile: {args.docs / run.wall:.0f} docs/s")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
            return
        runs = []
        for i in range(args.runs):
            run = build(folder, docs)
            runs.append(run)
            print(f"  run {i + 1}: {args.docs / run.wall:.0f} docs/s, "
                  f"{args.docs / run.cpu:.0f} docs per CPU second; adding "
                  f"{run.add_wall / args.docs * 1000:.2f} ms/doc, finishing "
                  f"{run.wall - run.add_wall:.1f} s; {machine_load()}", flush=True)

        def med(values: list[float]) -> float:
            return statistics.median(values)

        peak = peak_memory_mb()
        print(f"\n== Whoosh rebuild of {args.docs:,} documents (about 550 words), "
              f"median of {len(runs)}")
        print(f"docs/s (wall)                 {med([args.docs / r.wall for r in runs]):8.0f}")
        print(f"docs per CPU second           {med([args.docs / r.cpu for r in runs]):8.0f}")
        print(f"adding, ms/doc (wall / CPU)   {med([r.add_wall for r in runs]) / args.docs * 1000:8.2f}"
              f" / {med([r.add_cpu for r in runs]) / args.docs * 1000:.2f}")
        print(f"finishing, s (wall / CPU)     {med([r.wall - r.add_wall for r in runs]):8.2f}"
              f" / {med([r.cpu - r.add_cpu for r in runs]):.2f}")
        print(f"index size, MB                {runs[-1].size / 1e6:8.1f}")
        print("peak memory of the process   " + (f"{peak:8.0f} MB" if peak else "       -"))
        print(f"{machine_load()} (figures under load are relative)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
