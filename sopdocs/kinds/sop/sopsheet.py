"""The SOP sheet (SOP AP format): identity part from the template, activity table by code.

The activity table is generated from the flowchart geometry (:mod:`sopdocs.kinds.sop.flowlayout`):
one table per page, fixed column widths and exact row heights, so Word and LibreOffice
break pages where the layout expects and the flowchart shapes line up with the rows.
The table is set in the profile's font (``tata_letak.font``) at :func:`table_font_size`,
measured with that font's widths, so its rows fit the text whichever font is chosen.
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
from sopdocs.docx import textmetrics
from sopdocs.docx.textmetrics import HYPHEN_BREAK, LINE_BREAK, SOFT_HYPHEN
from sopdocs.docx.wordxml import el, sub

TEMPLATE = "sop.docx"
ACTOR_MARK = "\u25cf"  # shown in the actor's cell when no flowchart is drawn
MARGINS = (850, 850, 850, 850)  # twips (15 mm); the section is set to these when rendering
TOTAL_ROW = 400  # twips kept free at the foot of every page for the JUMLAH WAKTU row
TABLE_FONT_OFFSET_PT = 2.0  # the activity table is this much smaller than the body text
TABLE_FONT_MIN_PT = 8.0
TABLE_FONT_MAX_PT = 11.0


def table_font_size(profile: AgencyProfile) -> float:
    """The activity table's font size: the body size less TABLE_FONT_OFFSET_PT (12 pt body:
    10 pt table), within TABLE_FONT_MIN_PT..TABLE_FONT_MAX_PT, in half points."""
    size = profile.tata_letak.ukuran_font - TABLE_FONT_OFFSET_PT
    return min(TABLE_FONT_MAX_PT, max(TABLE_FONT_MIN_PT, round(size * 2) / 2))


# The identity part (template sop.docx): a header block, then the six lists in a two-column
# table (7568 twips a column, items numbered with a 340-twip hanging indent), all on page 1.
IDENTITY_PAIRS = (
    ("dasar_hukum", "kualifikasi_pelaksana"),
    ("keterkaitan", "peralatan_perlengkapan"),
    ("peringatan", "pencatatan_pendataan"),
)
IDENTITY_COLUMN = 7568 - 2 * 108 - 340  # text width of a list item (twips)
IDENTITY_FONT_PT = 11.0  # the template's text size (conservative)
IDENTITY_LINE = round(IDENTITY_FONT_PT * 1.2 * 20)
IDENTITY_HEADER = flowlayout.mm(80)  # kop, SOP number, dates, signer, name: kept free above the lists
IDENTITY_PAGES = 2  # the official form has it on one page; a long list may run onto a second


def check_identity(sop: SopDefinition, profile: AgencyProfile) -> None:
    """Refuse identity lists longer than IDENTITY_PAGES pages hold, naming the longest list
    (ValidationError), as an activity too tall for a page is refused.

    Measured with the profile's font like the activity rows: each pair of lists side by
    side takes the lines of the longer one plus its heading line."""
    short, _ = flowlayout.PAPER_SIZES[profile.kertas]
    body = short - MARGINS[0] - MARGINS[2]
    available = (body - IDENTITY_HEADER) // IDENTITY_LINE + (IDENTITY_PAGES - 1) * (body // IDENTITY_LINE)
    font = profile.tata_letak.font
    lines: dict[str, int] = {}
    for pair in IDENTITY_PAIRS:
        for key in pair:
            lines[key] = sum(
                textmetrics.line_count(item, IDENTITY_COLUMN, font, IDENTITY_FONT_PT) for item in getattr(sop, key)
            ) or 1
    total = sum(1 + max(lines[a], lines[b]) for a, b in IDENTITY_PAIRS)
    if total > available:
        longest = max(lines, key=lambda key: lines[key])
        raise ValidationError([sop.problem(
            (longest,),
            f"bagian identitas SOP melebihi {IDENTITY_PAGES} halaman {profile.kertas} (perkiraan {total} baris, "
            f"muat {available}); persingkat {longest} ({lines[longest]} baris) atau daftar lain",
        )])


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
        actors=list(sop.pelaksana), steps=steps, paper=profile.kertas, margins=(top, right, bottom + TOTAL_ROW, left),
        font=profile.tata_letak.font, font_size_pt=table_font_size(profile),
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


def _empty_run(*, bold: bool, size: int, font: str) -> etree._Element:
    r = wordxml.run("", bold=bold, size_half_pt=size, font=font)
    for t in r.findall(wordxml.w("t")):
        r.remove(t)
    return r


def _run(text: str, *, bold: bool, size: int, font: str) -> etree._Element:
    """A run of ``text``. The layout's hyphenated breaks (textmetrics.HYPHEN_BREAK) become
    a non-breaking hyphen and a line break (w:noBreakHyphen + w:br: printed as "-" at the
    line end, and text extraction joins the word again); newlines w:br; soft hyphens Word's
    optional hyphens (w:softHyphen)."""
    r = _empty_run(bold=bold, size=size, font=font)
    for hi, hyphenated in enumerate(text.split(HYPHEN_BREAK)):
        if hi:
            sub(r, "noBreakHyphen")
            sub(r, "br")
        for li, line in enumerate(hyphenated.replace(LINE_BREAK, "\n").split("\n")):
            if li:
                sub(r, "br")
            for index, piece in enumerate(line.split(SOFT_HYPHEN)):
                if index:
                    sub(r, "softHyphen")
                if piece:
                    t = sub(r, "t")
                    t.text = wordxml.clean_text(piece)
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def _para(text: str, *, align: str, bold: bool, size: int, line: int, font: str, bullet: bool = False) -> etree._Element:
    p = wordxml.paragraph(align=align, size_half_pt=size, line_twips=line, font=font)
    if bullet:
        ppr = p.find(wordxml.w("pPr"))
        assert ppr is not None
        tabs = sub(ppr, "tabs")
        sub(tabs, "tab", {"val": "left", "pos": flowlayout.BULLET_INDENT})
        sub(ppr, "ind", {"left": flowlayout.BULLET_INDENT, "hanging": flowlayout.BULLET_INDENT})
        _order_ppr(ppr)
        p.append(_run(flowlayout.BULLET, bold=bold, size=size, font=font))
        tab_run = _empty_run(bold=bold, size=size, font=font)
        sub(tab_run, "tab")
        p.append(tab_run)
    if text:
        p.append(_run(text, bold=bold, size=size, font=font))
    return p


_PPR_ORDER = ["keepNext", "pageBreakBefore", "tabs", "spacing", "ind", "jc", "rPr"]


def _order_ppr(ppr: etree._Element) -> None:
    """Put pPr children in the schema order Word insists on."""
    children = sorted(ppr, key=lambda c: _PPR_ORDER.index(etree.QName(c).localname))
    for child in children:
        ppr.append(child)


def _cell(width: int, texts: list[str] | str, *, align: str = "left", bold: bool = False, span: int = 1,
          vmerge: str | None = None, shade: bool = False, valign: str = "center", size: int, line: int,
          font: str, bullets: bool = False) -> etree._Element:
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
        tc.append(_para(text, align=align, bold=bold, size=size, line=line, font=font, bullet=bullets))
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
            ("top", layout.cell_margin_top),
            ("left", layout.cell_margin_lr),
            ("bottom", layout.cell_margin_bottom),
            ("right", layout.cell_margin_lr),
        ):
            sub(margins, edge, {"w": value, "type": "dxa"})
        sub(pr, "tblLook", {"val": "0000", "firstRow": 0, "lastRow": 0, "firstColumn": 0, "lastColumn": 0, "noHBand": 1, "noVBand": 1})
        grid = sub(tbl, "tblGrid")
        for width in widths:
            sub(grid, "gridCol", {"w": width})
        h1, h2, h3 = layout.header_heights
        head: _HeadFormat = {"align": "center", "bold": True, "shade": True, **fmt}
        actor_head: _HeadFormat = {
            **head, "size": int(round(layout.actor_header_font_size_pt * 2)), "line": layout.actor_header_line_pitch,
        }
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
            *[_cell(c.width, title, **actor_head) for c, title in zip(actor_cols, layout.actor_titles)],
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
            texts = layout.cells[row.step]
            actor = sop.actor_index(step)
            cells = [
                _cell(by_key["no"].width, f"{row.step + 1}.", align="center", valign="top", **fmt),
                _cell(by_key["kegiatan"].width, texts["kegiatan"], valign="top", **fmt),
            ]
            for c in actor_cols:
                mark = ACTOR_MARK if (c.actor == actor and not draw_chart) else ""
                cells.append(_cell(c.width, mark, align="center", **fmt))
            items = texts["kelengkapan"].split("\n") if texts["kelengkapan"] else [""]
            cells += [
                _cell(by_key["kelengkapan"].width, items, valign="top", bullets=layout.bulleted(row.step), **fmt),
                _cell(by_key["waktu"].width, texts["waktu"], align="center", valign="top", **fmt),
                _cell(by_key["output"].width, texts["output"], valign="top", **fmt),
                _cell(by_key["keterangan"].width, texts["keterangan"], valign="top", **fmt),
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
    check_identity(sop, profile)
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
    # The flowchart is positioned on the page: the margins must be the layout's. The
    # profile's font applies to the identity part too (its text size stays the template's,
    # and no page-number header: it could push the flowchart's table down under its shapes).
    from sopdocs.docx.layout import layout_of

    page = layout_of(profile, body_size=False, page_numbers=False)
    paper = Paper(profile.kertas, landscape=True, margins=MARGINS, layout=page)
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
