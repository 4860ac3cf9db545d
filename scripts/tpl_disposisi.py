"""Template of the lembar disposisi (disposition sheet), on half a folio sheet.

Half folio: an F4 sheet (215 x 330 mm) cut in two, used upright: 165 x 215 mm, as regional
tata naskah dinas rules commonly prescribe for a lembar disposisi.
Top to bottom: a compact kop; "LEMBAR DISPOSISI"; one bordered table in the layout of the
printed forms: letter details left (surat dari, nomor, tanggal) and register details right
(diterima tanggal, nomor agenda); sifat with tick boxes; perihal; "diteruskan kepada" left
and the "dengan hormat harap" checklist right; the response deadline; the decision with
tick boxes; catatan left and the head's date, paraf and name right.

Tick boxes are U+25A1 (white square) and, for a chosen item, U+25A0 (black square), and
the chosen label is bold. Both squares are in Times New Roman and Liberation Serif, so
no fallback font is used. The ballot boxes U+2610/U+2611 and the check marks
U+2713/U+2714 are in neither font, and a tick drawn over the square with negative
character spacing is not possible: LibreOffice does not let glyphs overlap.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from tpl_common import KOP_STYLES, base_document, cant_split, hanging, kop_surat, para, table_grid, tabs

NAME = "disposisi.docx"

PAGE_MM = (165.0, 215.0)  # half folio, upright
MARGINS_MM = (12.0, 12.0, 10.0, 10.0)  # left, right, top, bottom
TEXT_MM = PAGE_MM[0] - MARGINS_MM[0] - MARGINS_MM[1]
SIZE_PT = 11.0
LEFT_MM = 78.0  # letter details / diteruskan kepada / catatan
RIGHT_MM = TEXT_MM - LEFT_MM  # register details / checklist / signature
KOP_SCALE = 0.75  # the letter kop, shrunk to fit half a folio
LOGO_MM = 18.0

CENTER = WD_ALIGN_PARAGRAPH.CENTER

BOX = "\u25a1"  # white square: not chosen
CHOSEN = "\u25a0"  # black square: chosen


def _run(p, text: str = "", *, bold: bool = False, tab: bool = False):
    """A run, optionally bold, optionally starting with a tab."""
    run = p.add_run()
    if bold:
        run.bold = True
    if tab:
        run.add_tab()
    if text:
        run.add_text(text)
    return run


def _tag(p, tag: str) -> None:
    """A docxtpl run-level tag (``{%r ... %}``): its run disappears on rendering."""
    p.add_run(f"{{%r {tag} %}}")


def tick_box(p, condition: str) -> None:
    """A square, filled when the Jinja expression ``condition`` is true."""
    _run(p, f"{{{{ '{CHOSEN}' if {condition} else '{BOX}' }}}}")


def _bold_if(p, condition: str, text: str, *, tab: bool = False) -> None:
    """``text``, bold when ``condition`` holds."""
    _tag(p, f"if {condition}")
    _run(p, text, bold=True, tab=tab)
    _tag(p, "else")
    _run(p, text, tab=tab)
    _tag(p, "endif")


def _label(p, text: str, colon_mm: float, value_mm: float) -> None:
    tabs(p, colon_mm, value_mm)
    hanging(p, value_mm)
    _run(p, text)
    _run(p, ":", tab=True)
    _run(p, "", tab=True)


def _choices(p, seq: str) -> None:
    """A square and label for every choice in ``seq`` (items with ``label`` and
    ``dipilih``), one after another on the line, separated by tabs."""
    _tag(p, f"for c in {seq}")
    tick_box(p, "c.dipilih")
    _bold_if(p, "c.dipilih", "\u00a0{{ c.label }}")
    _tag(p, "if not loop.last")
    _run(p, "", tab=True)
    _tag(p, "endif")
    _tag(p, "endfor")


def _merge_row(table, index: int):
    row = table.rows[index]
    return row.cells[0].merge(row.cells[1])


def _tag_row(table, index: int, tag: str) -> None:
    """A table row holding only a ``{%tr ... %}`` tag (removed on rendering)."""
    cell = _merge_row(table, index)
    cell.paragraphs[0].add_run(f"{{%tr {tag} %}}")


def _compact_kop(doc) -> None:
    """The shared letter kop, shrunk: the default kop sizes scaled by KOP_SCALE, fixed on
    the runs (the profile's kop sizes are for full-size letters)."""
    body = doc.element.body
    before = list(body)  # holding the proxies keeps their identity stable
    sizes = tuple(round(size * KOP_SCALE * 2) / 2 for _, size, _ in KOP_STYLES)
    kop_surat(doc, text_width_mm=TEXT_MM, logo_mm=LOGO_MM, sizes=sizes)  # type: ignore[arg-type]
    for node in body:
        if any(node is old for old in before):
            continue
        for size in [*node.iter(qn("w:sz")), *node.iter(qn("w:szCs"))]:
            if node.tag == qn("w:p"):  # the rule under the kop
                size.set(qn("w:val"), str(max(2, int(round(int(size.get(qn("w:val"))) * KOP_SCALE)))))


def _cell_paragraphs_top(cell) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP


def build(out_dir: Path) -> Path:
    doc = base_document(landscape=False, size_pt=SIZE_PT)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.left_margin, section.right_margin = Mm(MARGINS_MM[0]), Mm(MARGINS_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM[2]), Mm(MARGINS_MM[3])
    props = doc.core_properties
    # Title and subject are set from the values after rendering (sopdocs.kinds.disposisi), so
    # a value with "&" is never escaped twice by docxtpl's property rendering.
    props.title = "Lembar Disposisi"
    props.subject = "Lembar Disposisi"
    props.keywords = "disposisi"

    _compact_kop(doc)
    title = para(doc, "LEMBAR DISPOSISI", bold=True, size=12, align=CENTER)
    title.paragraph_format.space_before = Pt(4)
    title.paragraph_format.space_after = Pt(4)

    # Rows: 0 letter|register, 1 sifat, 2 perihal, 3 diteruskan|checklist, 4 deadline,
    # 5-7 decision (between {%tr if %} rows), 8 catatan|signature.
    table = doc.add_table(rows=9, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table_grid(table, [LEFT_MM, RIGHT_MM], lines=True)
    for row in table.rows:
        cant_split(row)
        for cell in row.cells:
            _cell_paragraphs_top(cell)

    left, right = table.rows[0].cells
    first = True
    for text, expr in (
        ("Surat dari", "{{ disposisi.surat_dari }}"),
        ("No. Surat", "{{r disposisi.nomor_surat_baris }}"),
        ("Tgl. Surat", "{{ disposisi.tanggal_surat|tanggal }}"),
    ):
        p = para(left, first=first)
        first = False
        _label(p, text, 19.0, 21.0)
        _run(p, expr)
    first = True
    for text, expr in (
        ("Diterima Tgl.", "{{ disposisi.diterima_tanggal|tanggal }}"),
        ("No. Agenda", "{{ disposisi.nomor_agenda }}"),
    ):
        p = para(right, first=first)
        first = False
        _label(p, text, 22.0, 24.0)
        _run(p, expr)

    cell = _merge_row(table, 1)
    p = cell.paragraphs[0]
    _label(p, "Sifat", 19.0, 21.0)
    p.paragraph_format.tab_stops.add_tab_stop(Mm(51.0))
    p.paragraph_format.tab_stops.add_tab_stop(Mm(75.0))
    p.paragraph_format.tab_stops.add_tab_stop(Mm(97.0))
    _choices(p, "disposisi.sifat_pilihan")

    cell = _merge_row(table, 2)
    p = cell.paragraphs[0]
    _label(p, "Perihal", 19.0, 21.0)
    _run(p, "{{ disposisi.perihal }}")

    left, right = table.rows[3].cells
    p = para(left, "Diteruskan kepada:", bold=True, first=True)
    para(left, "{%p for tujuan in disposisi.diteruskan_kepada %}")
    p = para(left, "{{ loop.index }}.\t{{ tujuan }}")
    tabs(p, 5.0)
    hanging(p, 5.0)
    para(left, "{%p endfor %}")

    para(right, "Dengan hormat harap:", bold=True, first=True)
    para(right, "{%p for butir in disposisi.instruksi %}")
    p = para(right)
    tabs(p, 5.0)
    hanging(p, 5.0)
    tick_box(p, "butir.dipilih")
    _bold_if(p, "butir.dipilih", "{{ butir.label }}", tab=True)
    para(right, "{%p endfor %}")

    cell = _merge_row(table, 4)
    p = cell.paragraphs[0]
    _run(p, "Batas waktu tanggapan: ")
    _run(p, "{{ disposisi.batas_waktu|tanggal(true) }}", bold=True)
    _run(p, "{{ disposisi.batas_waktu_keterangan }}")

    _tag_row(table, 5, "if disposisi.keputusan")
    cell = _merge_row(table, 6)
    p = cell.paragraphs[0]
    _label(p, "Keputusan", 19.0, 21.0)
    p.paragraph_format.tab_stops.add_tab_stop(Mm(51.0))
    _choices(p, "disposisi.keputusan_pilihan")
    _tag_row(table, 7, "endif")

    left, right = table.rows[8].cells
    table.rows[8].height = Mm(50)
    table.rows[8].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    para(left, "Catatan:", bold=True, first=True)
    para(left, "{{ disposisi.catatan }}")
    para(right, "{{ profil.kota }}, {{ disposisi.tanggal|tanggal }}", align=CENTER, first=True)
    para(right, "{{ disposisi.pejabat.jabatan }},", align=CENTER)
    para(right, "")
    para(right, "{{ disposisi.paraf }}", align=CENTER)
    para(right, "")
    para(right, "{{ disposisi.pejabat.nama }}", bold=True, underline=True, align=CENTER)
    para(right, "{%p if disposisi.pejabat.pangkat_golongan %}")
    para(right, "{{ disposisi.pejabat.pangkat_golongan }}", align=CENTER)
    para(right, "{%p endif %}")
    para(right, "{%p if disposisi.pejabat.nip %}")
    para(right, "NIP. {{ disposisi.pejabat.nip|nip }}", align=CENTER)
    para(right, "{%p endif %}")

    path = out_dir / NAME
    doc.save(path)
    return path
