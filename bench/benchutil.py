"""Shared helpers of the benchmarks: the machine's load, interleaved runs, medians.

Every benchmark runs its contenders interleaved (A B C, B C A, C A B, ...) so a burst of
load from another process falls on all of them, and reports medians. The load average is
printed before and after: figures taken under load are relative, not absolute.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping, Sequence


def machine_load() -> str:
    """``load 1.23 0.98 0.70 on 2 cores`` (``os.getloadavg`` is missing on Windows)."""
    cores = os.cpu_count() or 1
    try:
        one, five, fifteen = os.getloadavg()
    except (AttributeError, OSError):
        return f"load average not available on this system; {cores} cores"
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {cores} cores"


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of ``action`` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleaved(actions: Mapping[str, Callable[[], float]], runs: int) -> dict[str, list[float]]:
    """Run every action ``runs`` times, interleaved and rotated (A B C, B C A, ...).

    Each action returns the figure of one run (usually seconds, from :func:`timed`).
    """
    names = list(actions)
    figures: dict[str, list[float]] = {name: [] for name in names}
    for run in range(runs):
        shift = run % len(names)
        for name in names[shift:] + names[:shift]:
            figures[name].append(actions[name]())
    return figures


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float], scale: float = 1000.0, unit: str = "ms", digits: int = 0) -> str:
    """``median 123 ms (min 110, max 150)``."""
    return (f"median {median(values) * scale:.{digits}f} {unit} "
            f"(min {min(values) * scale:.{digits}f}, max {max(values) * scale:.{digits}f})")
