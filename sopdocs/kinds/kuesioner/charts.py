"""Bar charts for the recap letter, as PNG images (matplotlib, Agg, no pyplot).

Deterministic: fixed size, resolution and font (DejaVu Sans, shipped with matplotlib),
no date or version written into the PNG, so the same tally gives the same bytes.
No global matplotlib state is touched (no ``matplotlib.use``, no pyplot).
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sopdocs.fsutil import atomic_write_bytes
from sopdocs.kinds.kuesioner.questionkinds import Grafik, angka_id, persen

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

DPI = 150
WIDTH_IN = 6.3
BAR_COLOR = "#2F5597"

_RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "sopdocs",
    "path.simplify": True,
}


def bar_chart(grafik: Grafik, out: Path, *, axis_label: str = "Jumlah responden") -> Path:
    """A horizontal bar per answer with its count and percentage; written atomically."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    labels = ["\n".join(textwrap.wrap(label, 28)) or "-" for label in grafik.labels]
    lines = sum(label.count("\n") + 1 for label in labels)
    height = 0.55 + 0.26 * lines + 0.14 * len(labels)
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        bars = axes.barh(positions, grafik.jumlah, color=BAR_COLOR, height=0.6)
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()  # first answer on top, as on the form
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel(axis_label)
        top = max(grafik.jumlah, default=0)
        axes.set_xlim(0, max(1, top) * 1.28)
        for bar, count in zip(bars, grafik.jumlah):
            axes.text(
                bar.get_width() + max(1, top) * 0.015,
                bar.get_y() + bar.get_height() / 2,
                f"{angka_id(count)} ({persen(count, grafik.dasar)})",
                va="center",
                fontsize=8.5,
            )
        axes.grid(axis="x", color="#D9D9D9", linewidth=0.6)
        axes.set_axisbelow(True)
        figure.tight_layout(pad=0.4)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return atomic_write_bytes(Path(out), buffer.getvalue())
