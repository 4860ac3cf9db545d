"""Write the corpus: SOP AP sheets made the ways real ones are made.

Each :class:`Style` says how the identity part, the header, the actors' symbols, the
arrows and the pages are built; :func:`build_case` writes one .docx from a definition
(``specs``) and returns the definition the file shows. Geometry is computed here the way
a person drawing in Word would place things: symbols centred in the actor's column on
the step's row, arrows from the bottom of one symbol to the top of the next, a decision's
Tidak arrow out of its right corner, ``Ya``/``Tidak`` text boxes beside the arrows.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopcorpus import ooxml as ox
from sopcorpus.ooxml import EMU

PAGE_W, PAGE_H, MARGIN = 16838, 11906, 720
ANCHOR_LINE = 20  # exact height of the paragraph holding page-relative shapes
WINGDINGS_CHECK = '<w:r><w:sym w:font="Wingdings" w:char="F0FC"/></w:r>'


@dataclass
class Style:
    name: str
    identity: str = "grid"  # grid | colon | nested | header
    header: str = "standard"  # standard | merged
    actors: str = "anchored"  # anchored | floating | floating-rows | one-anchor | group | canvas | vml | marks | inline
    arrows: str = "none"  # none | poly | chain | bent | vml
    rows: str = "exact"  # exact | atleast
    pages: list[int] = field(default_factory=list)  # step indices starting a new table
    header_on_page: list[bool] = field(default_factory=list)  # per extra table: header repeated?
    continued: int | None = None  # step whose text continues in a row without number on the next page
    glue: bool = False  # run-together words, hand-wrapped lines
    merged_kelengkapan: tuple[int, int] | None = None  # steps sharing one kelengkapan cell (vMerge)
    alternate: bool = False  # DrawingML with a VML fallback (mc:AlternateContent)
    number_row: bool = True
    blank_steps: tuple[int, ...] = ()  # steps drawn without symbol or mark (a sheet left unfinished)


@dataclass
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def right(self) -> int:
        return self.x + self.w


# --------------------------------------------------------------------------- identity


def _signer_lines(signer: dict[str, str], compact_nip: bool = False) -> list[str]:
    nip = signer["nip"].replace(" ", "") if compact_nip else signer["nip"]
    return [signer["jabatan"] + ",", "", "", signer["nama"], f"{signer['pangkat']} ({signer['golongan']})", f"NIP. {nip}"]


def _numbered(items: list[str], *, inline: bool = False) -> list[str]:
    if not items:
        return ["-"]
    if inline:
        return [" ".join(f"{i}. {item}" for i, item in enumerate(items, 1))]
    return [f"{i}.\t{item}" for i, item in enumerate(items, 1)]


def _lines_xml(lines: list[str], *, bold_first: bool = False) -> str:
    out = []
    for index, line in enumerate(lines):
        if "\t" in line:
            number, text = line.split("\t", 1)
            out.append(ox.p(ox.run(number), '<w:r><w:tab/></w:r>', ox.run(text)))
        else:
            out.append(ox.p(text=line, bold=bold_first and index == 0))
    return "".join(out)


LIST_TITLES = [("dasar_hukum", "DASAR HUKUM:"), ("kualifikasi_pelaksana", "KUALIFIKASI PELAKSANA:"),
               ("keterkaitan", "KETERKAITAN:"), ("peralatan_perlengkapan", "PERALATAN/PERLENGKAPAN:"),
               ("peringatan", "PERINGATAN:"), ("pencatatan_pendataan", "PENCATATAN DAN PENDATAAN:")]


def identity_xml(spec: dict[str, Any], style: Style) -> str:
    revisi = spec.get("tanggal_revisi") or "-"
    signer = spec["disahkan_oleh"]
    width = PAGE_W - 2 * MARGIN
    if style.identity == "grid":
        labels = [("NOMOR SOP", [spec["nomor"]]), ("TANGGAL PEMBUATAN", [spec["tanggal_pembuatan"]]),
                  ("TANGGAL REVISI", [revisi]), ("TANGGAL EFEKTIF", [spec["tanggal_efektif"]]),
                  ("DISAHKAN OLEH", _signer_lines(signer)), ("NAMA SOP", [spec["nama"]])]
        grid = [6800, 2600, width - 9400]
        rows = []
        for index, (label, value) in enumerate(labels):
            left = ox.tc(_lines_xml(["PEMERINTAH KABUPATEN CONTOH", "DINAS TENAGA KERJA"]) if index == 0 else ox.p(),
                         grid[0], vmerge="restart" if index == 0 else "continue")
            rows.append(ox.tr([left, ox.tc(ox.p(text=label, bold=True), grid[1]), ox.tc(_lines_xml(value), grid[2])]))
        first = ox.tbl(grid, rows)
        half = width // 2
        list_rows = []
        for pair in range(3):
            (k1, t1), (k2, t2) = LIST_TITLES[2 * pair], LIST_TITLES[2 * pair + 1]
            list_rows.append(ox.tr([ox.tc(ox.p(text=t1, bold=True), half), ox.tc(ox.p(text=t2, bold=True), half)]))
            list_rows.append(ox.tr([ox.tc(_lines_xml(_numbered(spec[k1])), half), ox.tc(_lines_xml(_numbered(spec[k2])), half)]))
        return first + ox.p() + ox.tbl([half, half], list_rows)
    if style.identity == "colon":
        right = [f"Nomor SOP : {spec['nomor']}", f"Tgl. Pembuatan : {spec['tanggal_pembuatan']}",
                 f"Tgl. Revisi : {revisi}", f"Tgl. Efektif : {spec['tanggal_efektif']}", "Disahkan oleh :",
                 *_signer_lines(signer, compact_nip=True)]
        grid = [6000, width - 6000]
        first = ox.tbl(grid, [ox.tr([ox.tc(_lines_xml(["DINAS TENAGA KERJA"]), grid[0]), ox.tc(_lines_xml(right), grid[1])])])
        title = ox.p(text=f"SOP : {spec['nama']}", bold=True, jc="center")
        half = width // 2
        cells = []
        for key, heading in LIST_TITLES:
            inline = key == "peralatan_perlengkapan"
            cells.append(ox.tc(_lines_xml([heading, *_numbered(spec[key], inline=inline)], bold_first=True), half))
        rows = [ox.tr(cells[i:i + 2]) for i in range(0, 6, 2)]
        return first + title + ox.tbl([half, half], rows)
    # nested: an outer table whose right cell holds a label | ":" | value table
    inner_grid = [2300, 200, 4800]
    labels = [("Nomor SOP", [spec["nomor"]]), ("Tanggal Pembuatan", [spec["tanggal_pembuatan"]]),
              ("Tanggal Revisi", [revisi]), ("Tanggal Efektif", [spec["tanggal_efektif"]]),
              ("Disahkan Oleh", _signer_lines(signer)), ("Nama SOP", [spec["nama"]])]
    inner_rows = [ox.tr([ox.tc(ox.p(text=label), inner_grid[0]), ox.tc(ox.p(text=":"), inner_grid[1]),
                         ox.tc(_lines_xml(value), inner_grid[2])]) for label, value in labels]
    inner = ox.tbl(inner_grid, inner_rows)
    grid = [width - sum(inner_grid) - 200, sum(inner_grid) + 200]
    outer = ox.tbl(grid, [ox.tr([ox.tc(_lines_xml(["BADAN KEPEGAWAIAN", "KABUPATEN CONTOH"]), grid[0]),
                                 ox.tc(inner + ox.p(), grid[1])])])
    half = width // 2
    rows = []
    for pair in range(3):
        (k1, t1), (k2, t2) = LIST_TITLES[2 * pair], LIST_TITLES[2 * pair + 1]
        rows.append(ox.tr([ox.tc(_lines_xml([t1.title(), *_numbered(spec[k1])]), half),
                           ox.tc(_lines_xml([t2.title(), *_numbered(spec[k2])]), half)]))
    return outer + ox.p() + ox.tbl([half, half], rows)


# --------------------------------------------------------------------------- activity table


def columns(n_actors: int) -> dict[str, Any]:
    width = PAGE_W - 2 * MARGIN
    actor = min(1400, (width - 600 - 4200 - 1900 - 1100 - 1800 - 1300) // n_actors)
    actor_widths = [actor] * n_actors
    keterangan = width - (600 + 4200 + actor * n_actors + 1900 + 1100 + 1800)
    fixed: dict[str, Any] = {"no": 600, "kegiatan": 4200, "actors": actor_widths, "kelengkapan": 1900, "waktu": 1100,
                             "output": 1800, "keterangan": keterangan}
    grid = [600, 4200, *actor_widths, 1900, 1100, 1800, keterangan]
    fixed["grid"] = grid
    return fixed


def _row_height(step: dict[str, Any]) -> int:
    lines = max(math.ceil(len(step["kegiatan"]) / 40), sum(math.ceil(len(k) / 18) for k in step.get("kelengkapan", [])),
                math.ceil(len(step.get("keterangan", "")) / 22), math.ceil(len(step.get("output", "")) / 17), 2)
    return max(800, lines * 230 + 120)


def _glue(text: str, index: int) -> str:
    """Run two words of ``text`` together (as OCR'd and PDF-converted sheets do)."""
    words = text.split(" ")
    for position in range(len(words) - 1):
        if len(words[position]) >= 5 and len(words[position + 1]) >= 5 and (position + index) % 3 == 0:
            return " ".join(words[:position]) + (" " if position else "") + words[position] + words[position + 1] + (
                " " + " ".join(words[position + 2:]) if position + 2 < len(words) else "")
    return text


def _wrapped(text: str, width_chars: int) -> list[str]:
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width_chars:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else lines


#: Words a typist hyphenated at a line end (word -> letters before the hyphen).
HAND_HYPHENATED = {"ditandatangani": 5, "pengumpulan": 6, "rekapitulasi": 5, "bahan-bahan": 6}


def _text_cell(text: str, width: int, style: Style, *, glue_index: int | None = None) -> str:
    if not style.glue:
        return ox.tc(ox.p(text=text) if text else ox.p(), width)
    if glue_index is not None:
        text = _glue(text, glue_index)
    # hand-wrapped: a paragraph per line, or one paragraph with line breaks; long words
    # hyphenated by hand at the line end
    lines = []
    for line in _wrapped(text, 30):
        for word, cut in HAND_HYPHENATED.items():
            if line.endswith(" " + word) or line == word:
                line = line[: len(line) - len(word)] + word[:cut] + "-\n" + word[cut:]
        lines.extend(line.split("\n"))
    if (glue_index or 0) % 2:
        runs = "".join(ox.run(line) + ("<w:r><w:br/></w:r>" if i < len(lines) - 1 else "") for i, line in enumerate(lines))
        return ox.tc(ox.p(runs), width)
    return ox.tc("".join(ox.p(text=line) for line in lines) or ox.p(), width)


def _header_rows(actors: list[str], cols: dict[str, Any], style: Style, no_cell_runs: str = "") -> list[str]:
    n = len(actors)
    grid = cols["grid"]
    actor_total = sum(cols["actors"])
    merged = style.header == "merged"
    kel_title = "Kelengkapan dan Peralatan" if merged else "KELENGKAPAN"
    keg_title = "URAIAN PROSEDUR" if merged else "KEGIATAN"
    h1 = [ox.tc(ox.p(ox.run("NO", bold=True), no_cell_runs), grid[0], vmerge="restart"),
          ox.tc(ox.p(text=keg_title, bold=True), grid[1], vmerge="restart")]
    if merged:  # the old way: hMerge cells instead of gridSpan
        h1 += [ox.tc(ox.p(text="PELAKSANA", bold=True), cols["actors"][0], hmerge="restart")]
        h1 += [ox.tc(ox.p(), w, hmerge="continue") for w in cols["actors"][1:]]
    else:
        h1 += [ox.tc(ox.p(text="PELAKSANA", bold=True), actor_total, span=n)]
    h1 += [ox.tc(ox.p(text="MUTU BAKU", bold=True), 1900 + 1100 + 1800, span=3),
           ox.tc(ox.p(text="KETERANGAN" if not merged else "Ket.", bold=True), cols["keterangan"], vmerge="restart")]
    h2 = [ox.tc(ox.p(), grid[0], vmerge="continue"), ox.tc(ox.p(), grid[1], vmerge="continue")]
    for name, width in zip(actors, cols["actors"]):
        if merged and "/" in name:
            head, tail = name.split("/", 1)
            h2.append(ox.tc(ox.p(text=head + "/") + ox.p(text=tail), width))
        else:
            h2.append(ox.tc(ox.p(text=name, bold=True), width))
    h2 += [ox.tc(ox.p(text=kel_title, bold=True), 1900), ox.tc(ox.p(text="WAKTU", bold=True), 1100),
           ox.tc(ox.p(text="OUTPUT", bold=True), 1800), ox.tc(ox.p(), cols["keterangan"], vmerge="continue")]
    rows = [ox.tr(h1, height=400, exact=True, header=True), ox.tr(h2, height=700, exact=True, header=True)]
    if style.number_row:
        rows.append(ox.tr([ox.tc(ox.p(text=str(i + 1), jc="center"), w) for i, w in enumerate(grid)], height=260,
                          exact=True, header=True))
    return rows


HEADER_HEIGHT = 400 + 700 + 260


def _mark_xml(index: int) -> str:
    marks = ["\u221a", "X", "\u2022", "\u2713"]
    if index % 5 == 4:
        return ox.p(WINGDINGS_CHECK, jc="center")
    return ox.p(text=marks[index % 4], jc="center")


def _shape_kind(spec: dict[str, Any], index: int) -> str:
    if index in (0, len(spec["langkah"]) - 1):
        return "terminator"
    return "decision" if spec["langkah"][index].get("keputusan") else "process"


PRESET = {"terminator": "flowChartTerminator", "process": "flowChartProcess", "decision": "flowChartDecision"}


def build_case(spec_in: dict[str, Any], style: Style, folder: Path) -> tuple[Path, dict[str, Any]]:
    """Write ``folder/<style.name>.docx`` showing ``spec_in``; returns it and the expected definition."""
    spec = copy.deepcopy(spec_in)
    if style.merged_kelengkapan:  # one cell shown for several steps: each step shows its content
        first, last = style.merged_kelengkapan
        for index in range(first + 1, last + 1):
            spec["langkah"][index]["kelengkapan"] = list(spec["langkah"][first].get("kelengkapan", []))
    actors = spec["pelaksana"]
    cols = columns(len(actors))
    grid = cols["grid"]
    steps = spec["langkah"]
    actor_x = [MARGIN + sum(grid[:2]) + sum(cols["actors"][:a]) for a in range(len(actors))]
    heights = [_row_height(s) for s in steps]
    # pages: lists of step indices
    starts = [0, *style.pages]
    pages = [list(range(a, b)) for a, b in zip(starts, [*style.pages, len(steps)])]
    header = None
    if style.identity == "header":  # the identity table repeated in the page header, the lists in the body
        full = identity_xml(spec, Style(style.name, identity="grid"))
        cut = full.index("</w:tbl>") + len("</w:tbl>")
        header, body = full[:cut], full[cut:]
    else:
        body = identity_xml(spec, style)
    boxes: dict[int, Box] = {}
    page_of: dict[int, int] = {}
    physical = 0
    for page_index, page in enumerate(pages):
        top = MARGIN + ANCHOR_LINE
        with_header = page_index == 0 or (style.header_on_page[page_index - 1] if page_index - 1 < len(style.header_on_page) else True)
        y = top + (HEADER_HEIGHT if with_header and style.number_row else (400 + 700 if with_header else 0))
        for index in page:
            kind = _shape_kind(spec, index)
            actor = actors.index(steps[index]["pelaksana"])
            w = min(760, cols["actors"][actor] - 500)
            h = 560 if kind == "decision" else 380
            if style.actors == "floating-rows" and y + heights[index] > PAGE_H - MARGIN:
                # Word breaks the table here and repeats the header rows on the next page
                y = MARGIN + HEADER_HEIGHT
                physical += 1
            boxes[index] = Box(actor_x[actor] + (cols["actors"][actor] - w) // 2, y + (heights[index] - h) // 2, w, h)
            page_of[index] = physical
            y += heights[index]
    in_row: dict[int, str] = {}  # floating-rows: the runs anchored in each step's KEGIATAN cell
    if style.actors == "floating-rows":
        route_x = actor_x[-1] + cols["actors"][-1] - 120
        for number in sorted(set(page_of.values())):
            on_page = [i for i in range(len(steps)) if page_of[i] == number]
            for index in on_page:
                kind = _shape_kind(spec, index)
                box = boxes[index]
                in_row[index] = in_row.get(index, "") + ox.anchor(ox.wsp(PRESET[kind], box.w * EMU, box.h * EMU),
                                                                   box.x, box.y, box.w, box.h, in_cell=False)
            for points, label, label_pos in _paths(spec, boxes, on_page, route_x):
                source = min(on_page, key=lambda i: abs(boxes[i].cx - points[0][0]) + abs(boxes[i].cy - points[0][1]))
                runs = "".join(ox.anchor(xml, b.x, b.y, b.w, b.h, in_cell=False)
                               for xml, b in (_line_shape(p1, p2, arrow=k == len(points) - 2)
                                              for k, (p1, p2) in enumerate(zip(points, points[1:]))))
                if label and label_pos:
                    runs += ox.anchor(ox.wsp("rect", 480 * EMU, 230 * EMU, text=label, label=True), label_pos[0],
                                      label_pos[1], 480, 230, in_cell=False)
                in_row[source] = in_row.get(source, "") + runs
        _off_page_connectors(spec, boxes, page_of, in_row)
    carry: list[str] = []  # a step's rest, continued at the top of the next table
    for page_index, page in enumerate(pages):
        with_header = page_index == 0 or (style.header_on_page[page_index - 1] if page_index - 1 < len(style.header_on_page) else True)
        anchor_runs = (_floating_runs(spec, style, boxes, page, actor_x, cols)
                       if style.actors in ("floating", "group", "vml", "canvas", "one-anchor") else "")
        if style.actors == "one-anchor":  # every shape anchored in the NO header cell, offsets from it
            body += ox.p(exact=ANCHOR_LINE, page_break_before=True)
            rows = _header_rows(actors, cols, style, anchor_runs)
        else:
            body += ox.p(anchor_runs, exact=ANCHOR_LINE, page_break_before=True)
            rows = _header_rows(actors, cols, style) if with_header else []
        rows += carry
        carry = []
        for index in page:
            step_rows = _step_rows(spec, style, index, cols, heights[index], boxes[index], in_row.get(index, ""))
            rows.append(step_rows[0])
            if len(step_rows) > 1:
                if index == page[-1] and page_index + 1 < len(pages):
                    carry = step_rows[1:]
                else:
                    rows.extend(step_rows[1:])
        body += ox.tbl(grid, rows)
    body += ox.p(text="")
    path = ox.write_docx(folder / f"{style.name}.docx", body, header=header)
    return path, spec


def _step_rows(spec: dict[str, Any], style: Style, index: int, cols: dict[str, Any], height: int, box: Box,
               anchored: str = "") -> list[str]:
    step = spec["langkah"][index]
    actors = spec["pelaksana"]
    actor = actors.index(step["pelaksana"])
    kegiatan = step["kegiatan"]
    first_part, second_part = kegiatan, ""
    if style.continued == index:
        words = kegiatan.split(" ")
        first_part, second_part = " ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2:])
    cells = [ox.tc(ox.p(text=f"{index + 1}.", jc="center"), cols["grid"][0]),
             ox.tc(ox.p(ox.run(first_part), anchored), cols["grid"][1]) if anchored
             else _text_cell(first_part, cols["grid"][1], style, glue_index=index)]
    for a, width in enumerate(cols["actors"]):
        content = ox.p()
        if a == actor:
            content = _actor_content(spec, style, index, box, cols, a)
        cells.append(ox.tc(content, width))
    kelengkapan = step.get("kelengkapan", [])
    merged = style.merged_kelengkapan
    if merged and merged[0] <= index <= merged[1]:
        vm = "restart" if index == merged[0] else "continue"
        content = "".join(ox.p(text=k) for k in kelengkapan) if vm == "restart" else ox.p()
        cells.append(ox.tc(content, 1900, vmerge=vm))
    else:
        cells.append(ox.tc("".join(ox.p(text=k) for k in kelengkapan) or ox.p(text="-"), 1900))
    waktu = step["waktu"]
    if style.glue and index % 2 == 0:
        waktu = waktu.replace(" ", "").replace("jam", "Jam").replace("menit", "Menit")
    cells.append(ox.tc(ox.p(text=waktu, jc="center"), 1100))
    cells.append(_text_cell(step.get("output", ""), 1800, style))
    cells.append(_text_cell(step.get("keterangan", ""), cols["keterangan"], style))
    rule_exact = style.rows == "exact"
    rows = [ox.tr(cells, height=height, exact=rule_exact)]
    if second_part:
        rest = [ox.tc(ox.p(), cols["grid"][0]), ox.tc(ox.p(text=second_part), cols["grid"][1])]
        rest += [ox.tc(ox.p(), w) for w in cols["actors"]]
        rest += [ox.tc(ox.p(), 1900), ox.tc(ox.p(), 1100), ox.tc(ox.p(), 1800), ox.tc(ox.p(), cols["keterangan"])]
        rows.append(ox.tr(rest, height=500))
    return rows


def _actor_content(spec: dict[str, Any], style: Style, index: int, box: Box, cols: dict[str, Any], actor: int) -> str:
    kind = _shape_kind(spec, index)
    if index in style.blank_steps:
        return ox.p()
    if style.actors == "marks":
        return _mark_xml(index)
    if style.actors == "anchored":
        shape = ox.wsp(PRESET[kind], box.w * EMU, box.h * EMU)
        x = (cols["actors"][actor] - box.w) // 2 - 108
        run = ox.anchor(shape, x, 60, box.w, box.h, rel_h="column", rel_v="paragraph", in_cell=True)
        if style.alternate:
            run = ox.alternate(run, ox.vml_shape(kind, x, 60, box.w, box.h, rel="text"))
        return ox.p(run)
    if style.actors == "inline":
        return ox.p(ox.inline(ox.wsp(PRESET[kind], box.w * EMU, box.h * EMU), box.w, box.h), jc="center")
    return ox.p()


# --------------------------------------------------------------------------- floating drawings


def _paths(spec: dict[str, Any], boxes: dict[int, Box], page: list[int], route_x: int
           ) -> list[tuple[list[tuple[int, int]], str | None, tuple[int, int] | None]]:
    """(points, label, label position) of every arrow between steps on one page."""
    out: list[tuple[list[tuple[int, int]], str | None, tuple[int, int] | None]] = []
    steps = spec["langkah"]
    on_page = set(page)
    for index in page:
        a = boxes[index]
        decision = steps[index].get("keputusan")
        nxt = index + 1
        if nxt in on_page and (not decision or decision["ya"] == nxt + 1):
            b = boxes[nxt]
            if a.cx == b.cx:
                pts = [(a.cx, a.bottom), (b.cx, b.y)]
            else:
                mid = (a.bottom + b.y) // 2
                pts = [(a.cx, a.bottom), (a.cx, mid), (b.cx, mid), (b.cx, b.y)]
            label = "Ya" if decision else None
            out.append((pts, label, (a.cx + 60, a.bottom + 10) if label else None))
        if decision and decision["ya"] != nxt + 1:
            t = boxes[decision["ya"] - 1]
            left_x = min(b.x for b in boxes.values()) - 200
            pts = [(a.x, a.cy), (left_x, a.cy), (left_x, t.cy), (t.x, t.cy)]
            out.append((pts, "Ya", (a.x - 450, a.cy - 250)))
        if decision:
            target = decision["tidak"] - 1
            if target in on_page:
                t = boxes[target]
                pts = [(a.right, a.cy), (route_x, a.cy), (route_x, t.cy), (t.right, t.cy)]
                out.append((pts, "Tidak", (a.right + 30, a.cy - 250)))
    return out


def _off_page_connectors(spec: dict[str, Any], boxes: dict[int, Box], page_of: dict[int, int],
                         in_row: dict[int, str]) -> None:
    """A decision branch to a step on another page: an arrow into an off-page connector
    with a letter beside the diamond, the same letter beside the target, an arrow into it."""
    letter = ord("A")
    size = 300
    for index, step in enumerate(spec["langkah"]):
        decision = step.get("keputusan")
        if not decision:
            continue
        for branch, target in (("Ya", decision["ya"] - 1), ("Tidak", decision["tidak"] - 1)):
            if page_of[target] == page_of[index]:
                continue
            a, t = boxes[index], boxes[target]
            text = chr(letter)
            letter += 1
            dy = -200 if branch == "Ya" else 200
            out_box = Box(a.right + 350, a.cy + dy - size // 2, size, size)
            shape, line_box = _line_shape((a.right, a.cy + dy // 4), (out_box.x, out_box.cy), arrow=True)
            runs = ox.anchor(ox.wsp("flowChartOffpageConnector", size * EMU, size * EMU, text=text), out_box.x,
                             out_box.y, size, size, in_cell=False)
            runs += ox.anchor(shape, line_box.x, line_box.y, line_box.w, line_box.h, in_cell=False)
            runs += ox.anchor(ox.wsp("rect", 480 * EMU, 230 * EMU, text=branch, label=True), a.right + 20,
                              a.cy + dy // 4 - (260 if dy < 0 else -30), 480, 230, in_cell=False)
            in_row[index] = in_row.get(index, "") + runs
            in_box = Box(t.right + 350, t.cy - size // 2, size, size)
            shape, line_box = _line_shape((in_box.x, t.cy), (t.right, t.cy), arrow=True)
            runs = ox.anchor(ox.wsp("flowChartOffpageConnector", size * EMU, size * EMU, text=text), in_box.x,
                             in_box.y, size, size, in_cell=False)
            runs += ox.anchor(shape, line_box.x, line_box.y, line_box.w, line_box.h, in_cell=False)
            in_row[target] = in_row.get(target, "") + runs


def _line_shape(p1: tuple[int, int], p2: tuple[int, int], *, arrow: bool, preset: str = "line") -> tuple[str, Box]:
    x, y = min(p1[0], p2[0]), min(p1[1], p2[1])
    w, h = max(abs(p2[0] - p1[0]), 1), max(abs(p2[1] - p1[1]), 1)
    shape = ox.wsp(preset, w * EMU, h * EMU, arrow=arrow, flip_h=p2[0] < p1[0], flip_v=p2[1] < p1[1])
    return shape, Box(x, y, w, h)


def _floating_runs(spec: dict[str, Any], style: Style, boxes: dict[int, Box], page: list[int], actor_x: list[int],
                   cols: dict[str, Any]) -> str:
    route_x = actor_x[-1] + cols["actors"][-1] - 120
    items: list[tuple[str, Box]] = []  # (wsp xml, box) in page twips
    vml: list[str] = []
    for index in page:
        kind = _shape_kind(spec, index)
        box = boxes[index]
        if style.actors == "vml":
            vml.append(ox.vml_shape(kind, box.x, box.y, box.w, box.h))
        else:
            items.append((ox.wsp(PRESET[kind], box.w * EMU, box.h * EMU), box))
    for points, label, label_pos in _paths(spec, boxes, page, route_x):
        if style.actors == "vml" or style.arrows == "vml":
            for i, (p1, p2) in enumerate(zip(points, points[1:])):
                vml.append(ox.vml_line(*p1, *p2, arrow=i == len(points) - 2))
        elif style.arrows == "poly":
            x, y = min(p[0] for p in points), min(p[1] for p in points)
            w = max(max(p[0] for p in points) - x, 1)
            h = max(max(p[1] for p in points) - y, 1)
            path = [((px - x) * EMU, (py - y) * EMU) for px, py in points]
            items.append((ox.wsp("", w * EMU, h * EMU, arrow=True, path=path), Box(x, y, w, h)))
        elif style.arrows == "chain":
            for i, (p1, p2) in enumerate(zip(points, points[1:])):
                items.append(_line_shape(p1, p2, arrow=i == len(points) - 2))
        elif style.arrows == "bent":
            if len(points) == 2:
                items.append(_line_shape(points[0], points[1], arrow=True, preset="straightConnector1"))
            else:  # first segment as a line, the rest as one elbow connector
                items.append(_line_shape(points[0], points[1], arrow=False))
                items.append(_line_shape(points[1], points[-1], arrow=True, preset="bentConnector3"))
        if label and label_pos:
            if style.actors == "vml" or style.arrows == "vml":
                vml.append(ox.vml_label(label, *label_pos))
            else:
                items.append((ox.wsp("rect", 480 * EMU, 230 * EMU, text=label, label=True), Box(label_pos[0], label_pos[1], 480, 230)))
    if style.actors == "vml":
        return "".join(f"<w:r>{v}</w:r>" for v in vml)
    if style.actors == "one-anchor":
        origin_x, origin_y = MARGIN + 108, MARGIN + ANCHOR_LINE
        return "".join(ox.anchor(xml, b.x - origin_x, b.y - origin_y, b.w, b.h, rel_h="column", rel_v="paragraph",
                                 in_cell=True) for xml, b in items)
    if style.actors in ("group", "canvas"):
        gx, gy = min(b.x for _, b in items), min(b.y for _, b in items)
        gw = max(b.right for _, b in items) - gx
        gh = max(b.bottom for _, b in items) - gy
        children = []
        for xml, b in items:
            children.append(_reoffset(xml, (b.x - gx) * EMU, (b.y - gy) * EMU))
        if style.actors == "canvas":  # a drawing canvas (Insert > Shapes > New Drawing Canvas)
            # Word writes a canvas with a VML fallback for programs without canvases (LibreOffice)
            run = ox.anchor(ox.canvas(children), gx, gy, gw, gh, in_cell=False, canvas=True)
            inner = run[len("<w:r>"):-len("</w:r>")]
            return (f'<w:r><mc:AlternateContent><mc:Choice Requires="wpc">{inner}</mc:Choice>'
                    f"<mc:Fallback><w:pict/></mc:Fallback></mc:AlternateContent></w:r>")
        graphic = ox.group(children, gw * EMU, gh * EMU)
        # the group is placed against the margins
        return ox.anchor(graphic, gx - MARGIN, gy - MARGIN, gw, gh, rel_h="margin", rel_v="margin", in_cell=False, group=True)
    runs = "".join(ox.anchor(xml, b.x, b.y, b.w, b.h, in_cell=False) for xml, b in items)
    return runs + "".join(f"<w:r>{v}</w:r>" for v in vml)


def _reoffset(xml: str, x: int, y: int) -> str:
    return xml.replace('<a:off x="0" y="0"/>', f'<a:off x="{x}" y="{y}"/>', 1)
