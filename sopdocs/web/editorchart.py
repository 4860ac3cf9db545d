"""The flowchart of an SOP as SVG, for the editor page: every page of the sheet's layout
(:mod:`sopdocs.kinds.sop.flowlayout`) one under the other, with the table grid, the step
numbers and the start of each activity, the symbols, connectors, arrows and Ya/Tidak labels.

All text is escaped; no ``style`` attributes (the page's CSP forbids inline styles), only
presentation attributes.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from sopdocs.kinds.sop.flowlayout import SheetLayout
from sopdocs.kinds.sop.sopdef import SopDefinition

#: Gap between two pages in the drawing (twips).
PAGE_GAP = 400
#: Characters of an activity shown in its row.
KEGIATAN_CHARS = 60


def chart_svg(sop: SopDefinition, layout: SheetLayout) -> str:
    """Only the flowchart part of the table is shown (NO, KEGIATAN and the actors: the mutu
    baku columns hold text the form shows anyway), so the drawing stays legible."""
    left = layout.table_x - 100
    actor_end = max((c.x + c.width for c in layout.columns if c.key == "actor"), default=layout.table_x + layout.table_width)
    width = actor_end + 200 - left
    parts: list[str] = []
    offset = 0
    for page in layout.pages:
        top = page.table_y - 200
        bottom = (page.rows[-1].y + page.rows[-1].height if page.rows else page.rows_y) + 200
        height = bottom - top
        parts.append(f'<g class="halaman" transform="translate(0 {offset - top})">')
        parts.append(_page(sop, layout, page))
        parts.append("</g>")
        offset += height + PAGE_GAP
    total = max(offset - PAGE_GAP, 1)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="bagan-svg" viewBox="{left} 0 {width} {total}" '
            f'role="img" aria-label="Bagan alir SOP">'
            '<defs><marker id="panah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#222"/></marker></defs>'
            + "".join(parts) + "</svg>")


def _text(x: float, y: float, text: str, *, size: float = 150, anchor: str = "start", bold: bool = False,
          cls: str = "") -> str:
    weight = ' font-weight="bold"' if bold else ""
    klass = f" class={quoteattr(cls)}" if cls else ""
    return (f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size:.0f}" text-anchor="{anchor}"{weight}{klass} '
            f'font-family="sans-serif" fill="#222">{escape(text)}</text>')


def _page(sop: SopDefinition, layout: SheetLayout, page: object) -> str:
    from sopdocs.kinds.sop.flowlayout import Page

    assert isinstance(page, Page)
    out: list[str] = []
    x0 = layout.table_x
    x1 = x0 + layout.table_width
    ys = [page.table_y]
    for h in layout.header_heights:
        ys.append(ys[-1] + h)
    ys += [r.y + r.height for r in page.rows]
    bottom = ys[-1]
    out.append(f'<rect x="{x0}" y="{page.table_y}" width="{x1 - x0}" height="{bottom - page.table_y}" fill="#fff" '
               'stroke="#888" stroke-width="12"/>')
    for y in ys[1:-1]:
        out.append(f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#bbb" stroke-width="8"/>')
    for col in layout.columns[1:]:
        out.append(f'<line x1="{col.x}" y1="{page.table_y}" x2="{col.x}" y2="{bottom}" stroke="#bbb" stroke-width="8"/>')
    for col in layout.columns:
        if col.key not in ("no", "kegiatan", "actor"):
            continue
        title = col.title if len(col.title) <= 16 else col.title[:15] + "…"
        out.append(_text(col.x + col.width / 2, ys[2] - 80, title, size=130, anchor="middle", bold=True))
    kegiatan = layout.column("kegiatan")
    number = layout.column("no")
    for row in page.rows:
        step = sop.langkah[row.step]
        text = step.kegiatan if len(step.kegiatan) <= KEGIATAN_CHARS else step.kegiatan[: KEGIATAN_CHARS - 1] + "…"
        out.append(_text(number.x + number.width / 2, row.y + 200, f"{row.step + 1}.", size=140, anchor="middle"))
        out.append(_text(kegiatan.x + 60, row.y + 200, text, size=130))
    for symbol in page.symbols:
        cls = f"simbol simbol-{symbol.shape}"
        if symbol.shape == "decision":
            cx, cy = symbol.x + symbol.w / 2, symbol.y + symbol.h / 2
            out.append(f'<polygon class="{cls}" data-langkah="{symbol.step + 1}" points="{cx},{symbol.y} '
                       f'{symbol.x + symbol.w},{cy} {cx},{symbol.y + symbol.h} {symbol.x},{cy}" fill="#fff6d5" '
                       'stroke="#222" stroke-width="15"/>')
        else:
            rx = symbol.h / 2 if symbol.shape == "terminator" else 0
            out.append(f'<rect class="{cls}" data-langkah="{symbol.step + 1}" x="{symbol.x}" y="{symbol.y}" '
                       f'width="{symbol.w}" height="{symbol.h}" rx="{rx}" fill="#e3eeff" stroke="#222" stroke-width="15"/>')
        out.append(_text(symbol.x + symbol.w / 2, symbol.y + symbol.h / 2 + 50, str(symbol.step + 1), size=140,
                         anchor="middle"))
    for conn in page.connectors:
        tip, shoulder = conn.y + conn.h, conn.y + conn.h * 0.75
        out.append(f'<polygon class="penghubung" points="{conn.x},{conn.y} {conn.x + conn.w},{conn.y} '
                   f'{conn.x + conn.w},{shoulder} {conn.x + conn.w / 2},{tip} {conn.x},{shoulder}" fill="#eef8ea" '
                   'stroke="#222" stroke-width="12"/>')
        out.append(_text(conn.x + conn.w / 2, conn.y + conn.h / 2 + 40, conn.letter, size=130, anchor="middle",
                         bold=True))
    for arrow in page.arrows:
        points = " ".join(f"{x},{y}" for x, y in arrow.points)
        out.append(f'<polyline class="panah" points="{points}" fill="none" stroke="#222" stroke-width="12" '
                   'marker-end="url(#panah)"/>')
        if arrow.label and arrow.label_pos:
            lx, ly = arrow.label_pos
            h = arrow.label_size[1] if arrow.label_size else 200
            out.append(_text(lx, ly + h * 0.8, arrow.label, size=layout.label_font_size_pt * 20, cls="label-cabang"))
    return "".join(out)
