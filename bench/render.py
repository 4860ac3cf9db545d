"""Benchmark of document rendering: plain docxtpl against compiled templates.

For the SOP sheet, the surat tugas and the questionnaire (each skipped with a note while
its kind or template does not exist), renders N copies of the kind's sample document:

* plain docxtpl (``sopdocs.docx.compiled.render_plain``: re-reads, re-patches, recompiles),
* the compiled template on one core (``CompiledTemplate.render`` in a loop),
* ``render_many(workers=2)``: wall time of the whole batch, worker start-up included
  (a batch this process alone finishes in under a second is not given to workers).

Each figure is the median of --runs runs; every run writes into a fresh folder (replacing
existing files costs more on ext4, which flushes a file renamed over another). The
ratio compiled/plain is the median of the per-run ratios. Prints figures; asserts nothing.

    .venv/bin/python bench/render.py --n 500 --runs 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sopdocs.docx.compiled import CompiledTemplate, clear_cache, render_many, render_plain  # noqa: E402
from sopdocs.docx.render import builtin_templates_dir  # noqa: E402
from sopdocs.kinds.registry import kinds  # noqa: E402

KINDS = ("sop", "surat-tugas", "kuesioner")


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def fresh(root: Path, label: str) -> Path:
    folder = root / label
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def bench_kind(name: str, n: int, plain_n: int, runs: int, workers: int, root: Path) -> None:
    kind = kinds().get(name)
    if kind is None:
        print(f"{name}: skipped (document kind not registered in sopdocs.kinds.registry.kinds())")
        return
    template = builtin_templates_dir() / kind.template
    if not template.is_file():
        print(f"{name}: skipped (template {template.name} not in {template.parent})")
        return
    try:
        context = kind.sample()
    except Exception as exc:  # a kind under construction: report, measure the others
        print(f"{name}: skipped (its sample context fails: {exc.__class__.__name__}: {exc})")
        return
    clear_cache()
    compile_s = timed(lambda: CompiledTemplate.load(template))
    compiled = CompiledTemplate.load(template)
    size_kb = len(compiled.render_bytes(context)) / 1024

    plain_rates, one_rates, many_rates, ratios, many_walls = [], [], [], [], []
    for run in range(runs):
        folder = fresh(root, f"{name}-plain")
        plain_s = timed(lambda: [render_plain(template, context, folder / f"{i}.docx") for i in range(plain_n)])
        folder = fresh(root, f"{name}-one")
        one_s = timed(lambda: [compiled.render(context, folder / f"{i}.docx") for i in range(n)])
        folder = fresh(root, f"{name}-many")
        many_s = timed(lambda: render_many(compiled, [context] * n, folder, workers=workers))
        plain_rates.append(plain_n / plain_s)
        one_rates.append(n / one_s)
        many_rates.append(n / many_s)
        many_walls.append(many_s)
        ratios.append((n / one_s) / (plain_n / plain_s))

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(f"{name} ({template.name}, {size_kb:.0f} KB per document, compile {compile_s * 1000:.0f} ms)")
    print(f"  plain docxtpl        {med(plain_rates):8.1f} docs/s  ({1000 / med(plain_rates):6.2f} ms/doc, N={plain_n})")
    print(f"  compiled, 1 core     {med(one_rates):8.1f} docs/s  ({1000 / med(one_rates):6.2f} ms/doc, N={n})")
    print(
        f"  compiled, {workers} cores    {med(many_rates):8.1f} docs/s  "
        f"({med(many_walls):.2f} s wall for N={n}, start-up included)"
    )
    print(f"  ratio compiled/plain {med(ratios):8.1f}x   (1 core, median of per-run ratios)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="documents per run (compiled paths)")
    parser.add_argument("--plain-n", type=int, default=None, help="documents per run for plain docxtpl (default: --n)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median reported)")
    parser.add_argument("--workers", type=int, default=2, help="processes for render_many")
    parser.add_argument("--kinds", nargs="*", default=list(KINDS), help="document kinds to measure")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, N={args.n}, runs={args.runs}")
    with tempfile.TemporaryDirectory(prefix="sopdocs-bench-") as tmp:
        for name in args.kinds:
            bench_kind(name, args.n, args.plain_n or args.n, args.runs, args.workers, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
