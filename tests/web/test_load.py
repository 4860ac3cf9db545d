"""The load test script runs (tiny and short here; the figures come from bench/web_load.py itself)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_web_load_bench_runs_without_errors(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "web_load.py"), "--docs", "60", "--clients", "3",
                           "--seconds", "2", "--think", "0", "--queries", "30", "--keep", str(tmp_path / "arsip")],
                          capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "errors: 0" in proc.stdout
    assert "latency ms: p50" in proc.stdout
