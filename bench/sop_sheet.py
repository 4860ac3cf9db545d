"""Time to render the seed SOP sheet: layout + table + shapes + docx, in process.

Usage: python bench/sop_sheet.py [--runs N]
Prints the median and the spread of N renders (after one warm-up), and the median of
the layout step alone. Figures, not asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sopdocs.definitions.profile import load_profile  # noqa: E402
from sopdocs.kinds.sop.sopdef import load_sop  # noqa: E402
from sopdocs.kinds.sop.sopsheet import layout_for, render_sop  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--definition", type=Path, default=ROOT / "examples" / "sop-pendataan.yaml")
    args = parser.parse_args()
    sop, _ = load_sop(args.definition)
    profile, _ = load_profile(ROOT / "examples" / "profil.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sop.docx"
        render_sop(sop, profile, out)  # warm-up: imports, font tables, template cache
        times, layouts = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            layout_for(sop, profile)
            layouts.append(time.perf_counter() - start)
            start = time.perf_counter()
            render_sop(sop, profile, out)
            times.append(time.perf_counter() - start)
    ms = [t * 1000 for t in times]
    print(f"definition: {args.definition.name}, {len(sop.langkah)} steps, {len(sop.pelaksana)} actors, {args.runs} runs")
    print(f"render SOP sheet: median {statistics.median(ms):.1f} ms (min {min(ms):.1f}, max {max(ms):.1f})")
    print(f"  of which layout: median {statistics.median(layouts) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
