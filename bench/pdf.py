"""PDF conversion: one ``soffice --convert-to`` run per batch against the resident LibreOffice.

Two measurements, each contender interleaved with the others, medians of --runs:

1. **In process**, the documents of ``sopdocs demo`` (SOP sheet, surat tugas, the 30
   questionnaires in one file, tanda terima, nota dinas, disposisi) and one surat tugas:

   * *batch*: ``convert_many(..., resident=False)``: soffice runs with fresh profiles, two
     in parallel for the demo's documents (what every command did before);
   * *resident, warm*: the process's resident LibreOffices already started (a command
     that makes PDFs starts them in the background before rendering: two for ``run`` and
     ``demo``, one for ``render``), conversions only;
   * *resident, cold*: their start included (closed before each run).

2. **Whole commands** as a user runs them, each a fresh process:
   ``sopdocs render surat-tugas ... --pdf`` and ``sopdocs demo --pdf``, with
   ``SOPDOCS_PDF_RESIDENT=0`` (batch) and without (resident).

The machine's load is printed: on a shared machine the figures are relative.

    .venv/bin/python bench/pdf.py --runs 5 [--skip-commands | --only-commands]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchutil import interleaved, machine_load, median, spread, timed  # noqa: E402
from sopdocs.pdf import resident  # noqa: E402
from sopdocs.pdf.convert import convert_many, require_soffice  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def sopdocs(args: list[str], cwd: Path, *, batch: bool) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    if batch:
        env[resident.ENV_SWITCH] = "0"
    else:
        env.pop(resident.ENV_SWITCH, None)
    done = subprocess.run([sys.executable, "-m", "sopdocs", *args], cwd=cwd, env=env, capture_output=True)
    if done.returncode:
        raise SystemExit(f"sopdocs {' '.join(args)} failed:\n{done.stderr.decode('utf-8', 'replace')}")


def demo_documents(work: Path) -> list[Path]:
    """The .docx files ``sopdocs demo`` archives (made once, without PDFs)."""
    folder = work / "demo"
    folder.mkdir()
    sopdocs(["demo", "--no-pdf"], folder, batch=True)
    found = sorted((folder / "archive" / "berkas").glob("*/data/*.docx"))
    docs = work / "docs"
    docs.mkdir()
    for path in found:
        shutil.copyfile(path, docs / path.name)
    return sorted(docs.glob("*.docx"))


def convert(docs: list[Path], out: Path, *, mode: str, soffice: Path, count: int) -> float:
    """Seconds to convert ``docs``: in batch, or with ``count`` resident LibreOffices
    (already running when warm; started inside the timing when cold)."""
    if out.exists():
        shutil.rmtree(out)
    if mode == "resident, cold":
        resident.close_shared()
    elif mode == "resident, warm":
        resident.start_in_background(soffice, count)
        resident.running(soffice)

    def work() -> None:
        if mode == "resident, cold":
            resident.start_in_background(soffice, count)
        convert_many(docs, out, resident=mode != "batch")

    seconds = timed(work)
    if len(list(out.glob("*.pdf"))) != len(docs):
        raise SystemExit(f"{mode}: not every PDF was made in {out}")
    return seconds


def in_process(work: Path, runs: int) -> None:
    soffice = require_soffice()
    docs = demo_documents(work)
    letter = [d for d in docs if "800.1.11.1" in d.name][:1]
    if resident.shared(soffice) is None:
        print("resident LibreOffice cannot run here (no Python with LibreOffice's uno module?): "
              f"{resident._failed.get(str(soffice), '?')}")
        return
    # As the commands do: `run`/`demo` keep two LibreOffices, `render --pdf` one.
    for label, batch, count in ((f"demo's {len(docs)} documents", docs, 2), ("one surat tugas", letter, 1)):
        resident.close_shared()
        figures = interleaved({mode: partial(convert, batch, work / "out" / mode.replace(", ", "-"), mode=mode,
                                             soffice=soffice, count=count)
                               for mode in ("batch", "resident, warm", "resident, cold")}, runs)
        print(f"{label} ({count} resident LibreOffice{'s' if count > 1 else ''}):")
        for mode, values in figures.items():
            print(f"  {mode:<16} {spread(values, 1.0, 's', 2)}")
        print(f"  warm resident is {median(figures['batch']) / median(figures['resident, warm']):.1f}x faster "
              "than batch", flush=True)
    resident.close_shared()


def commands(work: Path, runs: int) -> None:
    examples = work / "examples"
    shutil.copytree(ROOT / "examples", examples)
    counter = {"n": 0}

    def render(batch: bool) -> float:
        counter["n"] += 1
        out = work / f"render-{counter['n']}"
        return timed(lambda: sopdocs(["render", "surat-tugas", str(examples / "surat-tugas.yaml"), "-o", str(out),
                                      "--archive", str(work / "arsip"), "--pdf", "--timpa"], work, batch=batch))

    def demo(batch: bool) -> float:
        counter["n"] += 1
        folder = work / f"demo-{counter['n']}"
        folder.mkdir()
        return timed(lambda: sopdocs(["demo", "--pdf"], folder, batch=batch))

    for label, action in (("sopdocs render surat-tugas --pdf", render), ("sopdocs demo --pdf", demo)):
        figures = interleaved({"batch": partial(action, True), "resident": partial(action, False)}, runs)
        print(f"{label} (whole command, fresh process):")
        for mode, values in figures.items():
            print(f"  {mode:<9} {spread(values, 1.0, 's', 2)}")
        print(f"  difference {median(figures['batch']) - median(figures['resident']):.2f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-commands", action="store_true", help="only the in-process measurements")
    parser.add_argument("--only-commands", action="store_true", help="only the whole commands")
    args = parser.parse_args()
    print(machine_load())
    with tempfile.TemporaryDirectory(prefix="sopdocs-bench-pdf-") as tmp:
        if not args.only_commands:
            in_process(Path(tmp), args.runs)
        if not args.skip_commands:
            commands(Path(tmp), args.runs)
    print(f"{args.runs} interleaved runs each; {machine_load()}")


if __name__ == "__main__":
    main()
