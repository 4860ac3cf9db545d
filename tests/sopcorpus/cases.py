"""The corpus: which SOP each file shows and how it is built."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sopcorpus import specs
from sopcorpus.build import Style, build_case


@dataclass(frozen=True)
class Case:
    name: str
    spec: Callable[[], dict[str, Any]]
    style: Style
    how: str  # what the file exercises, for the report


CASES = [
    Case("drawingml-anchored", specs.with_text_decisions_pd, Style("drawingml-anchored", identity="grid", actors="anchored", rows="atleast"),
         "DrawingML shapes anchored in the actor cells (relative to cell and paragraph), rows of automatic "
         "height; the decision written in words"),
    Case("drawingml-floating", specs.pendataan, Style("drawingml-floating", identity="colon", actors="floating", arrows="chain"),
         "DrawingML shapes floating over the table (page-relative, anchored before it), arrows drawn as "
         "chains of plain lines ending in an arrow head, Ya/Tidak text boxes"),
    Case("drawingml-group", specs.kartu_kuning, Style("drawingml-group", identity="nested", actors="group", arrows="bent"),
         "the whole flowchart one group (wpg) positioned against the margins; elbow connectors with flips; "
         "identity in a nested label | : | value table"),
    Case("drawingml-canvas", specs.pendataan, Style("drawingml-canvas", identity="colon", actors="canvas", arrows="poly"),
         "the flowchart drawn on a drawing canvas (wpc) floating over the table"),
    Case("drawingml-one-anchor", specs.kartu_kuning, Style("drawingml-one-anchor", identity="grid", actors="one-anchor",
                                                           arrows="chain", rows="atleast"),
         "every shape anchored in one paragraph (the NO header cell), positioned from it; rows of "
         "automatic height (steps found by order top to bottom)"),
    Case("drawingml-polyline", specs.kartu_kuning, Style("drawingml-polyline", identity="grid", actors="floating", arrows="poly"),
         "floating DrawingML with free-form (custGeom) arrows"),
    Case("vml", specs.kartu_kuning, Style("vml", identity="colon", actors="vml", rows="atleast"),
         "legacy VML shapes (v:shape flowchart types, v:line arrows, text-box labels) floating over rows "
         "of automatic height"),
    Case("vml-fallback", specs.with_text_decisions_pd, Style("vml-fallback", identity="grid", actors="anchored", rows="atleast",
                                               alternate=True),
         "mc:AlternateContent: DrawingML with a VML fallback of the same shape (read once)"),
    Case("text-marks", specs.with_text_decisions_kk, Style("text-marks", identity="colon", actors="marks", rows="atleast"),
         "text marks in the actor cell: a check, X, bullet, Wingdings symbol"),
    Case("identity-in-header", specs.with_text_decisions_kk,
         Style("identity-in-header", identity="header", actors="inline", rows="atleast"),
         "the identity table in the page header (repeated on every page), the lists in the body, inline "
         "shapes in the actor cells"),
    Case("merged-headers", specs.with_text_decisions_pd, Style("merged-headers", identity="nested", header="merged",
                                                               actors="inline", rows="atleast", merged_kelengkapan=(1, 2)),
         "old-style hMerge header, URAIAN PROSEDUR / Kelengkapan dan Peralatan / Ket. labels, actor names "
         "over two lines, a kelengkapan cell merged over two steps, inline shapes"),
    Case("split-tables", specs.with_text_decisions_kk, Style("split-tables", identity="grid", actors="anchored", rows="atleast",
                                                             pages=[3, 6], header_on_page=[True, False], continued=5),
         "the table over three pages: the second repeats the header, the third does not, a step continued "
         "in a row without number on the next page"),
    Case("word-multipage", specs.lkjip, Style("word-multipage", identity="grid", actors="floating-rows", arrows="chain"),
         "one table of 25 steps that Word breaks over pages (header rows repeated), each step's symbol and "
         "arrows floating against the page but anchored in the step's own row; decisions whose arrows stay "
         "on one page"),
    Case("run-together", specs.with_text_decisions_pd, Style("run-together", identity="grid", actors="marks", rows="atleast",
                                                             glue=True),
         "run-together words, lines wrapped by hand (paragraphs and line breaks), '1Jam' durations"),
]


def build_all(folder: Path) -> list[tuple[Case, Path, dict[str, Any]]]:
    out = []
    for case in CASES:
        path, expected = build_case(case.spec(), case.style, folder)
        out.append((case, path, expected))
    return out
