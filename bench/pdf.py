"""PDF conversion: batch soffice runs, resident LibreOffices, and the per-user converter service.

Two measurements, each contender interleaved with the others, medians of --runs:

1. **In process**, the documents of ``sopdocs demo`` (SOP sheet, surat tugas, the 30
   questionnaires in one file, tanda terima, nota dinas, disposisi) and one surat tugas:

   * *batch*: ``convert_many(..., resident=False)``: soffice runs with fresh profiles, two
     in parallel for the demo's documents (what every command did before);
   * *resident, warm*: the process's resident LibreOffices already started, conversions only;
   * *resident, cold*: their start included (closed before each run);
   * *service, warm*: sent to the converter service (running, its LibreOffices up).

2. **Whole commands** as a user runs them, each a fresh process (``sopdocs render
   surat-tugas ...`` into a new archive, ``sopdocs demo`` in a new folder), in five modes:
   without ``--pdf``; ``--pdf`` in batch (``SOPDOCS_PDF_RESIDENT=0``); with the process's
   own resident LibreOffices (``SOPDOCS_PDF_SERVICE=0``); through the converter service
   started by the command itself (*cold*: no service running before); through the service
   already running with its LibreOffices up (*warm*). The **PDF step** of a mode is its
   median minus the median without ``--pdf``.

The benchmark uses a runtime folder of its own for the service and stops it at the end.
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
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchutil import interleaved, machine_load, median, spread, timed  # noqa: E402
from sopdocs.pdf import resident, service  # noqa: E402
from sopdocs.pdf.convert import convert_many, require_soffice, service_converters, use_service  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


#: Modes of a whole command: the environment it runs with, and whether the service runs before it.
COMMAND_MODES = {
    "no --pdf": ({}, False),
    "--pdf, batch": ({resident.ENV_SWITCH: "0"}, False),
    "--pdf, in-process": ({service.ENV_SWITCH: "0"}, False),
    "--pdf, service cold": ({service.ENV_SWITCH: "1"}, False),
    "--pdf, service warm": ({service.ENV_SWITCH: "1"}, True),
}


def sopdocs(args: list[str], cwd: Path, *, batch: bool = False, extra: dict[str, str] | None = None) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.pop(resident.ENV_SWITCH, None)
    env[service.ENV_SWITCH] = "0"  # unless a mode turns it on
    if batch:
        env[resident.ENV_SWITCH] = "0"
    env.update(extra or {})
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
    use_service(mode == "service, warm")
    if mode == "resident, cold":
        resident.close_shared()
    elif mode == "resident, warm":
        resident.start_in_background(soffice, count)
        resident.running(soffice)
    elif mode == "service, warm":
        os.environ[service.ENV_SWITCH] = "1"
        service_up(soffice, count)
        service_converters(soffice, count)

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
                               for mode in ("batch", "resident, warm", "resident, cold", "service, warm")}, runs)
        print(f"{label} ({count} resident LibreOffice{'s' if count > 1 else ''}):")
        for mode, values in figures.items():
            print(f"  {mode:<16} {spread(values, 1.0, 's', 2)}")
        print(f"  warm resident is {median(figures['batch']) / median(figures['resident, warm']):.1f}x faster "
              "than batch", flush=True)
    resident.close_shared()
    use_service(False)


def commands(work: Path, runs: int) -> None:
    """Whole commands, fresh processes, every mode interleaved; the PDF step is a mode's
    median minus the median of the same command without --pdf."""
    examples = work / "examples"
    shutil.copytree(ROOT / "examples", examples)
    soffice = require_soffice()
    counter = {"n": 0}

    def ready(warm: bool) -> None:
        """The service running (warm: started and its LibreOffices up) or not (cold)."""
        if warm:
            service_up(soffice, 2)
        else:
            stop_service()

    def render(mode: str) -> float:
        extra, warm = COMMAND_MODES[mode]
        ready(warm)
        counter["n"] += 1
        out = work / f"render-{counter['n']}"
        pdf = ["--pdf"] if mode != "no --pdf" else []
        return timed(lambda: sopdocs(["render", "surat-tugas", str(examples / "surat-tugas.yaml"), "-o", str(out),
                                      "--archive", str(work / f"arsip-{counter['n']}"), *pdf], work, extra=extra))

    def demo(mode: str) -> float:
        extra, warm = COMMAND_MODES[mode]
        ready(warm)
        counter["n"] += 1
        folder = work / f"demo-{counter['n']}"
        folder.mkdir()
        return timed(lambda: sopdocs(["demo", "--pdf" if mode != "no --pdf" else "--no-pdf"], folder, extra=extra))

    for label, action in (("sopdocs render surat-tugas", render), ("sopdocs demo", demo)):
        figures = interleaved({mode: partial(action, mode) for mode in COMMAND_MODES}, runs)
        base = median(figures["no --pdf"])
        print(f"{label} (whole command, fresh process; PDF step = median minus 'no --pdf'):")
        for mode, values in figures.items():
            step = "" if mode == "no --pdf" else f"  PDF step {median(values) - base:.2f} s"
            print(f"  {mode:<20} {spread(values, 1.0, 's', 2)}{step}")
        print(f"  ({machine_load()})", flush=True)
    stop_service()


def service_up(soffice: Path, count: int) -> None:
    """The benchmark's service running with ``count`` LibreOffices up."""
    os.environ[service.ENV_SWITCH] = "1"
    converter = service.connect(soffice)
    service.warm(converter, count)
    deadline = time.monotonic() + 120
    while len(service.status(converter)["residents"]) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    converter.close()


def stop_service() -> None:
    state = service._read_state(service.runtime_dir())
    service.stop()
    if state is not None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _alive(int(state["pid"])):
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return not Path(f"/proc/{pid}/stat").is_file() or " Z " not in Path(f"/proc/{pid}/stat").read_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-commands", action="store_true", help="only the in-process measurements")
    parser.add_argument("--only-commands", action="store_true", help="only the whole commands")
    args = parser.parse_args()
    print(machine_load())
    with tempfile.TemporaryDirectory(prefix="sopdocs-bench-pdf-") as tmp:
        # a service of the benchmark's own (its own runtime folder), stopped at the end
        os.environ[service.ENV_RUNTIME] = tempfile.mkdtemp(prefix="sdb-")
        try:
            if not args.only_commands:
                in_process(Path(tmp), args.runs)
            if not args.skip_commands:
                commands(Path(tmp), args.runs)
        finally:
            stop_service()
            shutil.rmtree(os.environ[service.ENV_RUNTIME], ignore_errors=True)
    print(f"{args.runs} interleaved runs each; {machine_load()}")


if __name__ == "__main__":
    main()
