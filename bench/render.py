"""Rendering: plain docxtpl, used as its documentation shows, against sopdocs' compiled path.

For each document kind (its built-in template and its sample context), interleaved in
every run:

* **docxtpl**: ``tpl = DocxTemplate(path); tpl.render(context, jinja_env, autoescape=True);
  tpl.save(out)`` per document, the way docxtpl's documentation writes it. The context is
  the kind's sample with pictures as ``InlineImage(tpl, path, width=Mm(..))`` and the
  sopdocs filters (``tanggal``, ``terbilang``...) in one ``jinja2.Environment`` made once;
  autoescape on, as sopdocs renders (so ``&`` in a value stays valid XML).
* **sopdocs**: :func:`sopdocs.docx.render.render_docx` per document (the compiled
  template is cached after the first call; its compile time is printed separately).

One process, one core: no worker processes are used. Each figure is the median of --runs
runs (each run writes into a fresh folder); the ratio is the median of the per-run
ratios. The text of one document from each side is compared (``docx_text``) so both
render the same document. The machine's load is printed before and after: on a shared
machine the figures are relative. Prints figures; asserts nothing.

    .venv/bin/python bench/render.py --n 200 --plain-n 50 --runs 5
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jinja2  # noqa: E402
from docx.shared import Mm  # noqa: E402
from docxtpl import DocxTemplate, InlineImage  # noqa: E402

from benchutil import interleaved, machine_load, median, timed  # noqa: E402
from sopdocs.docx.compiled import CompiledTemplate, clear_cache  # noqa: E402
from sopdocs.docx.engine import FILTERS, Image  # noqa: E402
from sopdocs.docx.extract import docx_text  # noqa: E402
from sopdocs.docx.render import builtin_templates_dir, render_docx  # noqa: E402
from sopdocs.kinds.registry import kinds  # noqa: E402

KINDS = ("sop", "surat-tugas", "kuesioner", "nota-dinas", "disposisi")

#: One environment, made once, as a docxtpl user passing custom filters would.
JINJA_ENV = jinja2.Environment(autoescape=True)
JINJA_ENV.filters.update(FILTERS)


def docxtpl_context(tpl: DocxTemplate, value: Any) -> Any:
    """The sample context as a docxtpl user writes it: pictures become ``InlineImage``
    bound to ``tpl``; everything else (strings, dates, fragments with ``__html__``) as is."""
    if isinstance(value, Image):
        return InlineImage(tpl, str(value.path), width=Mm(value.width_mm) if value.width_mm else None,
                           height=Mm(value.height_mm) if value.height_mm else None)
    if isinstance(value, Mapping):
        return {key: docxtpl_context(tpl, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [docxtpl_context(tpl, item) for item in value]
    return value


def render_docxtpl(template: Path, context: Mapping[str, Any], out: Path) -> None:
    tpl = DocxTemplate(str(template))
    tpl.render(docxtpl_context(tpl, context), JINJA_ENV, autoescape=True)
    tpl.save(str(out))


def fresh(root: Path, label: str) -> Path:
    folder = root / label
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def batch(render: Callable[[Path, Mapping[str, Any], Path], Any], template: Path, context: Mapping[str, Any],
          count: int, root: Path, label: str) -> float:
    """Documents per second of ``count`` renders into a fresh folder."""
    folder = fresh(root, label)
    seconds = timed(lambda: [render(template, context, folder / f"{i}.docx") for i in range(count)])
    return count / seconds


def same_text(template: Path, context: Mapping[str, Any], root: Path) -> str:
    folder = fresh(root, "compare")
    render_docxtpl(template, context, folder / "docxtpl.docx")
    render_docx(template, context, folder / "sopdocs.docx")

    def words(path: Path) -> list[str]:
        return docx_text(path).split()

    plain, ours = words(folder / "docxtpl.docx"), words(folder / "sopdocs.docx")
    if plain == ours:
        return "same text"
    differing = sum(1 for a, b in zip(plain, ours) if a != b) + abs(len(plain) - len(ours))
    return f"text differs in {differing} of {max(len(plain), len(ours))} words"


def bench_kind(name: str, n: int, plain_n: int, runs: int, root: Path) -> tuple[str, float] | None:
    kind = kinds().get(name)
    if kind is None:
        print(f"{name}: skipped (not a registered document kind)")
        return None
    template = builtin_templates_dir() / kind.template
    if not template.is_file():
        print(f"{name}: skipped (template {template.name} not in {template.parent})")
        return None
    try:
        context = kind.sample()
        check = same_text(template, context, root)
    except Exception as exc:  # a kind under construction: report, measure the others
        print(f"{name}: skipped ({exc.__class__.__name__}: {exc})")
        return None
    clear_cache()
    compile_s = timed(lambda: CompiledTemplate.load(template))
    size_kb = (root / "compare" / "sopdocs.docx").stat().st_size / 1024
    rates = interleaved({
        "docxtpl": partial(batch, render_docxtpl, template, context, plain_n, root, f"{name}-docxtpl"),
        "sopdocs": partial(batch, render_docx, template, context, n, root, f"{name}-sopdocs"),
    }, runs)
    ratio = median([ours / plain for ours, plain in zip(rates["sopdocs"], rates["docxtpl"])])
    plain_rate, our_rate = median(rates["docxtpl"]), median(rates["sopdocs"])
    print(f"{name} ({template.name}, {size_kb:.0f} KB, compile once {compile_s * 1000:.0f} ms; {check})")
    print(f"  docxtpl  {plain_rate:8.1f} docs/s  {1000 / plain_rate:7.2f} ms/doc  (N={plain_n})")
    print(f"  sopdocs  {our_rate:8.1f} docs/s  {1000 / our_rate:7.2f} ms/doc  (N={n})")
    print(f"  ratio    {ratio:8.1f}x  (median of per-run ratios)", flush=True)
    return name, ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="documents per run, sopdocs")
    parser.add_argument("--plain-n", type=int, default=50, help="documents per run, docxtpl")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median reported; at least 5)")
    parser.add_argument("--kinds", nargs="*", default=list(KINDS), help="document kinds to measure")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}; one process, one core; {args.runs} interleaved runs; {machine_load()}")
    results = []
    with tempfile.TemporaryDirectory(prefix="sopdocs-bench-") as tmp:
        for name in args.kinds:
            found = bench_kind(name, args.n, args.plain_n, args.runs, Path(tmp))
            if found is not None:
                results.append(found)
    print("summary: " + ", ".join(f"{name} {ratio:.1f}x" for name, ratio in results))
    print(f"after: {machine_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
