"""Cost of the package integrity check (sopdocs.docx.integrity) on the built-in outputs.

Renders each output once into a temporary folder, then times ``check_package`` on it
(median of ``--runs``) beside the time the render itself took, so the check's share of
a render is seen side by side.

    python bench/integrity.py [--runs 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ["SOPDOCS_ARCHIVE"] = tempfile.mkdtemp(prefix="sopdocs-bench-")

    from sopdocs.docx.integrity import check_package
    from sopdocs.kinds.kuesioner.kuesioner import render_kuesioner_file
    from sopdocs.kinds.sop.sopsheet import render_sop_file
    from sopdocs.workflow.issue import render_recap_file, render_surat_tugas_file

    work = Path(tempfile.mkdtemp(prefix="sopdocs-bench-"))
    examples = work / "examples"
    shutil.copytree(ROOT / "examples", examples)
    makers = {
        "surat tugas": lambda: render_surat_tugas_file(examples / "surat-tugas.yaml", work / "st",
                                                       archive=work / "a1").docx[0],
        "kuesioner, 30 copies in one file": lambda: render_kuesioner_file(
            examples / "kuesioner-pendataan.yaml", work / "k", copies=30, one_file=True, archive=work / "a2").docx[0],
        "SOP sheet": lambda: render_sop_file(examples / "sop-pendataan.yaml", work / "sop.docx").docx[0],
        "recap nota dinas": lambda: render_recap_file(examples / "jawaban.csv", examples / "kuesioner-pendataan.yaml",
                                                      work / "r", archive=work / "a2",
                                                      tanggal=dt.date(2024, 2, 5)).docx[0],
    }
    print(f"{'document':34s} {'KiB':>6s} {'render ms':>10s} {'check ms (median)':>18s} {'share':>6s}")
    for label, make in makers.items():
        start = time.perf_counter()
        path = make()
        render_ms = (time.perf_counter() - start) * 1000
        assert check_package(path) == [], label
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            check_package(path)
            times.append((time.perf_counter() - start) * 1000)
        check_ms = statistics.median(times)
        print(f"{label:34s} {path.stat().st_size / 1024:6.0f} {render_ms:10.1f} {check_ms:18.1f} "
              f"{check_ms / render_ms:6.0%}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
