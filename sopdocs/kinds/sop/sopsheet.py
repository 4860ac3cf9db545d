"""The SOP sheet (SOP AP format): identity part from the template, activity table by code.

The activity table is generated from the flowchart geometry (:mod:`sopdocs.kinds.sop.flowlayout`):
one table per page, fixed column widths and exact row heights, so Word and LibreOffice
break pages where the layout expects and the flowchart shapes line up with the rows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypedDict

from lxml import etree

from sopdocs.kinds.sop import flowlayout
from sopdocs.docx import wordxml
from sopdocs.errors import Problem, ValidationError
from sopdocs.definitions.profile import AgencyProfile, pejabat_context, profile_context, resolve_profile
from sopdocs.docx.compiled import Paper
from sopdocs.docx.render import DocxFragment, Image, Rendered, render_docx
from sopdocs.kinds.sop.sopdef import SopDefinition, load_sop, sop_from_document
from sopdocs.docx.templateset import TemplateSet
from sopdocs.kinds.registry import DocumentKind, register_kind
from sopdocs.docx.wordxml import el, sub

TEMPLATE = "sop.docx"
ACTOR_MARK = "\u25cf"  # shown in the actor's cell when no flowchart is drawn
MARGINS = (850, 850, 850, 850)  # twips (15 mm); the section is set to these when rendering
TOTAL_ROW = 400  # twips kept free at the foot of every page for the JUMLAH WAKTU row


def layout_for(sop: SopDefinition, profile: AgencyProfile) -> flowlayout.SheetLayout:
    """The geometry of the activity table and its flowchart for this SOP."""
    steps = []
    for step in sop.langkah:
        steps.append(
            flowlayout.StepSpec(
                kegiatan=step.kegiatan,
                actor=sop.actor_index(step),
                kelengkapan="\n".join(step.kelengkapan),
                waktu=str(step.waktu),
                output=step.output,
                keterangan=step.keterangan,
                ya=step.keputusan.ya - 1 if step.keputusan else None,
                tidak=step.keputusan.tidak - 1 if step.keputusan else None,
            )
        )
    top, right, bottom, left = MARGINS
    # The last page ends with the JUMLAH WAKTU row and a closing paragraph: every page keeps
    # room for them, so pagination never depends on which page is last.
    spec = flowlayout.SheetSpec(
        actors=list(sop.pelaksana), steps=steps, paper=profile.kertas, margins=(top, right, bottom + TOTAL_ROW, left)
    )
    try:
        return flowlayout.layout_sheet(spec)
    except ValidationError as exc:
        # The layout names fields like "langkah[8]"; place them in the definition file.
        problems = []
        for problem in exc.problems:
            match = re.fullmatch(r"langkah\[(\d+)\](?:\.(\w+))?", problem.field or "")
            path: tuple[str | int, ...] = ("langkah", int(match.group(1)) - 1, "kegiatan") if match else (problem.field or "",)
            problems.append(sop.problem(path, problem.message))
        raise ValidationError(problems) from None


# --------------------------------------------------------------------------- table XML


class _TextFormat(TypedDict):
    """The keyword arguments of :func:`_cell` shared by every cell of a table."""

    size: int
    line: int
    font: str


class _HeadFormat(_TextFormat):
    """...and those of its header cells."""

    align: str
    bold: bool
    shade: bool


def _cell(width: int, texts: list[str] | str, *, align: str = "left", bold: bool = False, span: int = 1,
          vmerge: str | None = None, shade: bool = False, valign: str = "center", size: int, line: int,
          font: str) -> etree._Element:
    tc = el("tc")
    pr = sub(tc, "tcPr")
    sub(pr, "tcW", {"w": width, "type": "dxa"})
    if span > 1:
        sub(pr, "gridSpan", {"val": span})
    if vmerge is not None:
        attrs = {"val": vmerge} if vmerge == "restart" else {}
        sub(pr, "vMerge", attrs)
    if shade:
        sub(pr, "shd", {"val": "clear", "color": "auto", "fill": "D9D9D9"})
    sub(pr, "vAlign", {"val": valign})
    lines = [texts] if isinstance(texts, str) else texts or [""]
    for text in lines:
        tc.append(wordxml.paragraph(text, align=align, bold=bold, size_half_pt=size, line_twips=line, font=font))
    return tc


def _row(height: int, cells: list[etree._Element], *, header: bool = False) -> etree._Element:
    tr = el("tr")
    pr = sub(tr, "trPr")
    sub(pr, "cantSplit")
    sub(pr, "trHeight", {"val": height, "hRule": "exact"})
    if header:
        sub(pr, "tblHeader")
    for cell in cells:
        tr.append(cell)
    return tr


def activity_table_xml(sop: SopDefinition, layout: flowlayout.SheetLayout, *, draw_chart: bool = True) -> str:
    """The flowchart part: per page an anchor paragraph (new page) and a table."""
    from sopdocs.kinds.sop import drawingml

    size = int(round(layout.font_size_pt * 2))
    line = layout.line_pitch
    font = layout.font
    fmt: _TextFormat = {"size": size, "line": line, "font": font}
    cols = layout.columns
    actor_cols = [c for c in cols if c.key == "actor"]
    n_actor = len(actor_cols)
    by_key = {c.key: c for c in cols if c.key != "actor"}
    widths = [c.width for c in cols]
    elements: list[etree._Element] = []
    for page_index, page in enumerate(layout.pages):
        anchor = wordxml.paragraph(page_break_before=True, line_twips=layout.top_offset, size_half_pt=2)
        if draw_chart:
            for node in drawingml.page_shapes(layout, page_index):
                anchor.append(node)
        elements.append(anchor)
        tbl = el("tbl")
        pr = sub(tbl, "tblPr")
        sub(pr, "tblW", {"w": sum(widths), "type": "dxa"})
        sub(pr, "tblInd", {"w": 0, "type": "dxa"})
        pr.append(wordxml.borders("tblBorders"))
        sub(pr, "tblLayout", {"type": "fixed"})
        margins = sub(pr, "tblCellMar")
        for edge, value in (
            ("top", layout.cell_margin_tb),
            ("left", layout.cell_margin_lr),
            ("bottom", layout.cell_margin_tb),
            ("right", layout.cell_margin_lr),
        ):
            sub(margins, edge, {"w": value, "type": "dxa"})
        sub(pr, "tblLook", {"val": "0000", "firstRow": 0, "lastRow": 0, "firstColumn": 0, "lastColumn": 0, "noHBand": 1, "noVBand": 1})
        grid = sub(tbl, "tblGrid")
        for width in widths:
            sub(grid, "gridCol", {"w": width})
        h1, h2, h3 = layout.header_heights
        head: _HeadFormat = {"align": "center", "bold": True, "shade": True, **fmt}
        actor_head: _HeadFormat = {**head, "size": int(round(layout.actor_header_font_size_pt * 2))}
        tbl.append(_row(h1, [
            _cell(by_key["no"].width, "NO", vmerge="restart", **head),
            _cell(by_key["kegiatan"].width, "KEGIATAN", vmerge="restart", **head),
            _cell(sum(c.width for c in actor_cols), "PELAKSANA", span=n_actor, **head),
            _cell(sum(by_key[k].width for k in ("kelengkapan", "waktu", "output")), "MUTU BAKU", span=3, **head),
            _cell(by_key["keterangan"].width, "KETERANGAN", vmerge="restart", **head),
        ], header=True))
        tbl.append(_row(h2, [
            _cell(by_key["no"].width, "", vmerge="continue", **head),
            _cell(by_key["kegiatan"].width, "", vmerge="continue", **head),
            *[_cell(c.width, c.title, **actor_head) for c in actor_cols],
            _cell(by_key["kelengkapan"].width, "KELENGKAPAN", **head),
            _cell(by_key["waktu"].width, "WAKTU", **head),
            _cell(by_key["output"].width, "OUTPUT", **head),
            _cell(by_key["keterangan"].width, "", vmerge="continue", **head),
        ], header=True))
        tbl.append(_row(h3, [
            _cell(c.width, str(i + 1), align="center", **fmt) for i, c in enumerate(cols)
        ], header=True))
        for row in page.rows:
            step = sop.langkah[row.step]
            actor = sop.actor_index(step)
            cells = [
                _cell(by_key["no"].width, f"{row.step + 1}.", align="center", valign="top", **fmt),
                _cell(by_key["kegiatan"].width, step.kegiatan, align="both", valign="top", **fmt),
            ]
            for c in actor_cols:
                mark = ACTOR_MARK if (c.actor == actor and not draw_chart) else ""
                cells.append(_cell(c.width, mark, align="center", **fmt))
            cells += [
                _cell(by_key["kelengkapan"].width, list(step.kelengkapan) or [""], valign="top", **fmt),
                _cell(by_key["waktu"].width, str(step.waktu), align="center", valign="top", **fmt),
                _cell(by_key["output"].width, step.output, valign="top", **fmt),
                _cell(by_key["keterangan"].width, step.keterangan, valign="top", **fmt),
            ]
            tbl.append(_row(row.height, cells))
        if page_index == len(layout.pages) - 1:
            before = by_key["no"].width + by_key["kegiatan"].width + sum(c.width for c in actor_cols) + by_key["kelengkapan"].width
            tbl.append(_row(TOTAL_ROW - 2 * layout.top_offset, [
                _cell(before, "JUMLAH WAKTU", span=2 + n_actor + 1, align="right", bold=True, **fmt),
                # the total spans WAKTU and OUTPUT so "14 jam 43 menit" fits on one line
                _cell(by_key["waktu"].width + by_key["output"].width, str(sop.total_waktu), span=2, bold=True, **fmt),
                _cell(by_key["keterangan"].width, "", **fmt),
            ]))
        elements.append(tbl)
    # A body must not end with a table; a 1 pt paragraph (room kept by TOTAL_ROW) closes it.
    elements.append(wordxml.paragraph(line_twips=layout.top_offset, size_half_pt=2))
    return wordxml.to_xml(elements)


# --------------------------------------------------------------------------- context


def sop_context(sop: SopDefinition, profile: AgencyProfile, *, draw_chart: bool = True) -> dict[str, Any]:
    """Everything the SOP template may use."""
    signer = sop.disahkan_oleh or profile.kepala
    layout = layout_for(sop, profile)
    steps = []
    for number, step in enumerate(sop.langkah, start=1):
        steps.append(
            {
                "no": number,
                "kegiatan": step.kegiatan,
                "pelaksana": step.pelaksana,
                "kelengkapan": list(step.kelengkapan),
                "waktu": str(step.waktu),
                "output": step.output,
                "keterangan": step.keterangan,
                "keputusan": (
                    {"pertanyaan": step.keputusan.pertanyaan, "ya": step.keputusan.ya, "tidak": step.keputusan.tidak}
                    if step.keputusan
                    else None
                ),
            }
        )
    return {
        "profil": profile_context(profile),
        "gaya_tanggal": profile.date_style,
        "logo": Image(profile.logo_path, height_mm=22) if profile.logo_path else "",
        "sop": {
            "nomor": sop.nomor,
            "nama": sop.nama,
            "tanggal_pembuatan": sop.tanggal_pembuatan,
            "tanggal_revisi": sop.tanggal_revisi,
            "tanggal_efektif": sop.tanggal_efektif,
            "disahkan_oleh": pejabat_context(signer),
            "dasar_hukum": list(sop.dasar_hukum),
            "kualifikasi_pelaksana": list(sop.kualifikasi_pelaksana),
            "keterkaitan": list(sop.keterkaitan),
            "peralatan_perlengkapan": list(sop.peralatan_perlengkapan),
            "peringatan": list(sop.peringatan),
            "pencatatan_pendataan": list(sop.pencatatan_pendataan),
            "pelaksana": list(sop.pelaksana),
            "langkah": steps,
            "total_waktu": str(sop.total_waktu),
        },
        "tabel_kegiatan": DocxFragment(activity_table_xml(sop, layout, draw_chart=draw_chart)),
    }


def render_sop(
    sop: SopDefinition,
    profile: AgencyProfile,
    out: Path,
    *,
    templates: TemplateSet | None = None,
    draw_chart: bool = True,
) -> Path:
    """Render the SOP sheet of ``sop`` into the .docx ``out``."""
    templates = templates or TemplateSet()
    context = sop_context(sop, profile, draw_chart=draw_chart)
    # The flowchart is positioned on the page: the margins must be the layout's.
    paper = Paper(profile.kertas, landscape=True, margins=MARGINS)
    return render_docx(templates.path(TEMPLATE), context, Path(out), paper=paper)


def render_sop_file(
    definition: Path,
    out: Path,
    *,
    profile: Path | None = None,
    templates: Path | TemplateSet | None = None,
    pdf: bool = False,
    draw_chart: bool = True,
) -> Rendered:
    """Validate a definition file and render its SOP sheet (``out``: folder or .docx)."""
    from sopdocs.fsutil import resolve_output, safe_filename

    sop, warnings = load_sop(Path(definition))
    agency, profile_warnings = resolve_profile(profile, sop.profil, Path(definition))
    template_set = templates if isinstance(templates, TemplateSet) else TemplateSet(templates)
    target = resolve_output(out, "SOP_" + safe_filename(sop.nomor))
    result = Rendered(warnings=[*warnings, *profile_warnings])
    result.docx.append(render_sop(sop, agency, target, templates=template_set, draw_chart=draw_chart))
    if pdf:
        result.add_pdf_copies()
    return result


def _sample() -> dict[str, Any]:
    from sopdocs.locations import builtin_examples_dir

    examples = builtin_examples_dir()
    sop, _ = load_sop(examples / "sop-pendataan.yaml")
    agency, _ = resolve_profile(None, sop.profil, examples / "sop-pendataan.yaml")
    return sop_context(sop, agency)


register_kind(
    DocumentKind(
        name="sop",
        label="SOP",
        code="000.8.3.3",  # for `number take sop`; the sheet carries the nomor its definition gives
        model=SopDefinition,
        load=load_sop,
        parse=sop_from_document,
        render_file=render_sop_file,
        template=TEMPLATE,
        provides=frozenset({"profil", "gaya_tanggal", "logo", "sop", "tabel_kegiatan"}),
        required=frozenset({"sop", "tabel_kegiatan"}),
        sample=_sample,
        description="lembar SOP (format SOP AP): bagian identitas dan bagan alir",
    )
)


__all__ = ["render_sop", "render_sop_file", "sop_context", "layout_for", "Problem"]
