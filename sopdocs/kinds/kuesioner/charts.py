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


#: Colour of the unit's own index bar in the SKM chart.
IKM_COLOR = "#C55A11"


def skm_chart(labels: list[str], values: list[float], ikm: float, out: Path) -> Path:
    """The SKM chart: each unsur's converted NRR (25-100) and the unit's index (IKM, last
    bar, in another colour), over the grade bands D/C/B/A of Permen PANRB 14/2017."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sopdocs.kinds.kuesioner.skm import MUTU

    names = ["\n".join(textwrap.wrap(label, 30)) or "-" for label in [*labels, "IKM unit pelayanan"]]
    numbers = [*values, ikm]
    lines = sum(name.count("\n") + 1 for name in names)
    height = 0.9 + 0.24 * lines + 0.12 * len(names)
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(names)))
        colors = [BAR_COLOR] * len(values) + [IKM_COLOR]
        bars = axes.barh(positions, [n - 25 for n in numbers], left=25, color=colors, height=0.6)
        axes.set_yticks(positions, names)
        axes.invert_yaxis()
        axes.set_xlim(25, 100)
        bounds = sorted(float(lower) for lower, _, _ in MUTU)  # 25, 65, 76.61, 88.31
        edges = [*bounds, 100.0]
        for (start, end), (_, grade, _) in zip(zip(edges, edges[1:]), sorted(MUTU, key=lambda m: m[0])):
            axes.axvline(start, color="#A6A6A6", linewidth=0.6, linestyle="--")
            axes.text((start + end) / 2, -0.75, grade, ha="center", va="bottom", fontsize=8.5, color="#595959")
        for bar, number in zip(bars, numbers):
            end = bar.get_x() + bar.get_width()
            inside = end > 91.0  # no room right of the bar: the figure goes inside its end, in white
            axes.text(end - 0.8 if inside else end + 0.8, bar.get_y() + bar.get_height() / 2, angka_id(number, 2),
                      va="center", ha="right" if inside else "left", fontsize=8.5,
                      color="white" if inside else "black")
        axes.set_xlabel("Nilai konversi (25-100) dan mutu pelayanan D, C, B, A")
        figure.tight_layout(pad=0.4)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return atomic_write_bytes(Path(out), buffer.getvalue())
