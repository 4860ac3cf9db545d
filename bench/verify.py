"""The verification QR code: what it costs to put on a letter, and to check a document.

    python bench/verify.py [--runs 10] [--no-pdf]

Issues one surat tugas (with its PDF copy unless --no-pdf) into a temporary archive, then
times, as medians of ``--runs``: placing the code on a rendered letter (fingerprint, QR
image, package rewrite and integrity check), `verify_payload` (register and archive
look-up), and `verify_file` on the .docx, the PDF and a 150 dpi PNG of its first page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()

    from sopdocs.docx.qr import add_verification_qr, content_fingerprint
    from sopdocs.workflow.issue import render_definition
    from sopdocs.workflow.verify import verify_file, verify_payload

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.2f}; medians of {args.runs} runs")
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "examples", work / "contoh")
        archive = work / "arsip"
        result = render_definition("surat-tugas", work / "contoh" / "surat-tugas.yaml", work / "keluaran",
                                   archive=archive, pdf=not args.no_pdf)
        docx = result.docx[0]
        copy = work / "salinan.docx"

        def place() -> None:
            shutil.copyfile(docx, copy)
            add_verification_qr(copy, number=result.numbers[0], date=dt.date(2024, 1, 5), kind="surat-tugas")

        payload = f"SOPDOCS1|{result.numbers[0]}|2024-01-05|surat-tugas|{content_fingerprint(docx)}"
        rows = [
            ("place the code on a letter", median_ms(place, args.runs)),
            ("verify_payload (code only)", median_ms(lambda: verify_payload(payload, archive), args.runs)),
            ("verify_file .docx", median_ms(lambda: verify_file(docx, archive), args.runs)),
        ]
        if result.pdf:
            pdf = result.pdf[0]
            rows.append(("verify_file PDF", median_ms(lambda: verify_file(pdf, archive), args.runs)))
            if shutil.which("pdftoppm"):
                subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                                str(work / "halaman")], check=True)
                png = work / "halaman.png"
                rows.append(("verify_file PNG 150 dpi", median_ms(lambda: verify_file(png, archive), args.runs)))
        for label, ms in rows:
            print(f"{label:<30} {ms:8.1f} ms")


if __name__ == "__main__":
    main()
