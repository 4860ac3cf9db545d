"""200 numbered, archived surat tugas: one ``sopdocs.api.issue_many`` call against a loop
of single ``sopdocs.api.issue`` calls, side by side in one run (each into its own archive).

    python bench/batch.py [--n 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "examples" / "profil.yaml"


def letters(n: int) -> list[dict[str, Any]]:
    base = yaml.safe_load((ROOT / "examples" / "surat-tugas.yaml").read_text(encoding="utf-8"))
    base.pop("profil", None)
    out = []
    for i in range(n):
        letter = dict(base)
        letter["kepada"] = [{"nama": f"PEGAWAI {i:03d}", "nip": f"19900101201503{1 + i % 2}{i:03d}",
                             "pangkat": "Penata Muda", "golongan": "III/a", "jabatan": "Pengolah Data"}]
        out.append(letter)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from sopdocs import api

    profile = api.load_profile(PROFILE)
    items = letters(args.n)
    batch, single = [], []
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores); {args.n} surat tugas per run")
    for run in range(args.runs):  # interleaved
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            results = api.issue_many("surat-tugas", items, profile=profile, archive=Path(tmp), case="BATCH-2024")
            batch.append(time.perf_counter() - start)
            assert all(r.ok for r in results)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            for item in items:
                api.issue("surat-tugas", item, profile=profile, archive=Path(tmp), case="SATU-2024")
            single.append(time.perf_counter() - start)
        print(f"run {run + 1}: issue_many {batch[-1]:.2f} s   loop of issue {single[-1]:.2f} s")
    print(f"median: issue_many {statistics.median(batch):.2f} s ({args.n / statistics.median(batch):.0f} docs/s), "
          f"loop {statistics.median(single):.2f} s; {statistics.median(single) / statistics.median(batch):.1f}x")


if __name__ == "__main__":
    main()
