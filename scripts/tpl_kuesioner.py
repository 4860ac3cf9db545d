"""Template of the blank questionnaire (kuesioner), portrait.

Header: the copy code in a box at the top right of every page. Footer: the activity's name,
the copy code and the page number (restarting at 1 for each copy). Body: kop; title;
purpose; instructions; then the identity block, the questions and the signature columns,
which sopdocs builds in code (``blok_*``: exact tab stops, tick boxes, grids).
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

from tpl_common import _PPR_ORDER, base_document, hanging, insert_ordered, kop_surat, para, paragraph_border, tabs

NAME = "kuesioner.docx"

CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

MARGINS_MM = (20.0, 20.0, 16.0, 16.0)  # left, right, top, bottom
TEXT_MM = 210.0 - MARGINS_MM[0] - MARGINS_MM[1]
CODE_BOX_MM = 58.0


def _field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (PAGE) inside ``paragraph``."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run._r.append(begin)
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    run = paragraph.add_run()
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run._r.append(sep)
    paragraph.add_run(placeholder)
    run = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def _box(p) -> None:
    ppr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    for edge in ("top", "left", "bottom", "right"):
        b = OxmlElement(f"w:{edge}")
        b.set(qn("w:val"), "single")
        b.set(qn("w:sz"), "8")
        b.set(qn("w:space"), "2")
        b.set(qn("w:color"), "000000")
        bdr.append(b)
    insert_ordered(ppr, bdr, _PPR_ORDER)


def _page_numbers_restart(section) -> None:
    sect_pr = section._sectPr
    pg = OxmlElement("w:pgNumType")
    pg.set(qn("w:start"), "1")
    # pgNumType sits after pgMar in sectPr; python-docx's sectPr has pgSz, pgMar, cols...
    cols = sect_pr.find(qn("w:cols"))
    if cols is not None:
        cols.addprevious(pg)
    else:
        sect_pr.append(pg)


def build(out_dir: Path) -> Path:
    doc = base_document(landscape=False, size_pt=11)
    section = doc.sections[0]
    section.left_margin, section.right_margin = Mm(MARGINS_MM[0]), Mm(MARGINS_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM[2]), Mm(MARGINS_MM[3])
    section.header_distance = Mm(6)
    section.footer_distance = Mm(7)
    _page_numbers_restart(section)
    props = doc.core_properties
    props.title = "{{ kuesioner.judul }}"
    props.subject = "Kuesioner {{ kuesioner.kegiatan }} - eksemplar {{ kode }}"
    props.keywords = "kuesioner"

    # Header: the copy code, boxed, top right.
    header = section.header.paragraphs[0]
    header.text = ""
    run = header.add_run("Kode eksemplar: ")
    run.font.size = Pt(9)
    run = header.add_run("{{ kode }}")
    run.bold = True
    run.font.size = Pt(11)
    header.alignment = CENTER
    header.paragraph_format.left_indent = Mm(TEXT_MM - CODE_BOX_MM)
    _box(header)

    # Footer: activity, code, page.
    footer = section.footer.paragraphs[0]
    footer.text = ""
    run = footer.add_run("{{ kuesioner.kegiatan }}")
    run.font.size = Pt(8.5)
    run = footer.add_run("\t{{ kode }} \u2013 halaman ")
    run.font.size = Pt(8.5)
    _field(footer, "PAGE")
    for r in footer.runs[-3:]:
        r.font.size = Pt(8.5)
    stops = footer.paragraph_format.tab_stops
    # The built-in Footer style has centre/right stops for a narrower page: clear them.
    for twips in (4680, 9360):
        stops.add_tab_stop(Twips(twips), WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(Mm(TEXT_MM), WD_TAB_ALIGNMENT.RIGHT)
    paragraph_border(footer, "top", sz=4, space=2)

    kop_surat(doc, text_width_mm=TEXT_MM)
    title = para(doc, "{{ kuesioner.judul }}", bold=True, size=14, align=CENTER)
    title.paragraph_format.space_before = Pt(8)
    title.runs[0].font.all_caps = True
    para(doc, "{%p if kuesioner.kegiatan != kuesioner.judul %}")
    para(doc, "{{ kuesioner.kegiatan }}", align=CENTER, size=12)
    para(doc, "{%p endif %}")
    gap = para(doc, "")
    gap.paragraph_format.space_after = Pt(2)

    para(doc, "{%p if kuesioner.tujuan %}")
    p = para(doc, "Tujuan", bold=True)
    p.paragraph_format.keep_with_next = True
    p = para(doc, "{{ kuesioner.tujuan }}", align=JUSTIFY)
    p.paragraph_format.space_after = Pt(4)
    para(doc, "{%p endif %}")

    para(doc, "{%p if kuesioner.petunjuk %}")
    p = para(doc, "Petunjuk pengisian", bold=True)
    p.paragraph_format.keep_with_next = True
    para(doc, "{%p for butir in kuesioner.petunjuk %}")
    p = para(doc, "{{ loop.index }}.\t{{ butir }}", align=JUSTIFY)
    tabs(p, 6)
    hanging(p, 6)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")

    para(doc, "{{p blok_identitas }}")
    para(doc, "{{p blok_pertanyaan }}")
    para(doc, "{%p if kuesioner.penutup %}")
    p = para(doc, "{{ kuesioner.penutup }}", align=CENTER)
    p.runs[0].italic = True
    p.paragraph_format.space_before = Pt(10)
    para(doc, "{%p endif %}")
    para(doc, "{{p blok_tanda_tangan }}")

    path = out_dir / NAME
    doc.save(path)
    return path
