"""SOP sheet typography (issue 12): hyphenated breaks only, padded rows, labels off lines.

Checked for the seed SOP, a 25-step SOP and an SOP with 8 long-named actors, in the
layout model (every paper/font combination) and in the PDF LibreOffice prints.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from conftest import EXAMPLES, requires_libreoffice
from sopdocs.definitions.profile import AgencyProfile, load_profile
from sopdocs.docx import textmetrics
from sopdocs.kinds.sop import flowlayout
from sopdocs.kinds.sop.flowlayout import COLUMN_KEEP, SheetLayout, mm, validate_layout
from sopdocs.kinds.sop.sopdef import SopDefinition, load_sop
from sopdocs.kinds.sop.sopsheet import layout_for, render_sop

DATA = Path(__file__).resolve().parent / "data"
SOPS = {
    "seed": EXAMPLES / "sop-pendataan.yaml",
    "25-langkah": DATA / "sop-lkjip-25.yaml",
    "8-pelaksana": DATA / "sop-8-pelaksana.yaml",
}
VARIANTS = [("A4", "Arial"), ("F4", "Arial"), ("A4", "Times New Roman"), ("F4", "Times New Roman"), ("A4", "Bookman Old Style")]
MIN_GAP = mm(0.5)  # no text line closer than this to a row border


def profile_for(paper: str, font: str) -> AgencyProfile:
    base, _ = load_profile(EXAMPLES / "profil.yaml")
    layout = base.tata_letak.model_copy(update={"font": font})
    return base.model_copy(update={"kertas": paper, "tata_letak": layout})


def source_words(sop: SopDefinition) -> set[str]:
    """Every whole word of the definition, and the pieces a line may end with without a
    hyphen: after a real hyphen ("bahan-") or a slash ("Staf/")."""
    texts = [sop.nama, *sop.pelaksana]
    for step in sop.langkah:
        texts += [step.kegiatan, step.output, step.keterangan, str(step.waktu), *step.kelengkapan]
    words: set[str] = set()
    for text in texts:
        for word in text.split():
            words.add(word)
            words.update(piece for piece in re.findall(r"[^/-]*[/-]?", word) if piece)
    return words


def line_end_ok(fragment: str, words: set[str]) -> bool:
    return fragment.endswith("-") or fragment in words


def breaks_ok(text: str, lines: list[str]) -> list[str]:
    """The line breaks of ``lines`` (wrapped from ``text``) that split a word without a
    hyphen: each break must fall on a space, or after a hyphen or slash of the text, or at
    a soft hyphen (the line then ends in an added "-")."""
    text = text.replace(textmetrics.HYPHEN_BREAK, textmetrics.SOFT_HYPHEN)  # a hyphen the layout added
    source = text.replace(textmetrics.SOFT_HYPHEN, "").replace("\u200b", "")
    bad = []
    cursor = 0
    for index, line in enumerate(lines):
        body = line
        added_hyphen = line.endswith("-") and not source[cursor + len(line) - 1:cursor + len(line)] == "-"
        if added_hyphen:
            body = line[:-1]
        assert source[cursor:cursor + len(body)] == body, (source[cursor:], line)
        cursor += len(body)
        if index == len(lines) - 1:
            break
        at_space = cursor < len(source) and source[cursor].isspace()
        if not (added_hyphen or at_space or body.endswith(("-", "/"))):
            bad.append(f"{line!r} | {lines[index + 1]!r}")
        while cursor < len(source) and source[cursor].isspace():
            cursor += 1
    return bad


@pytest.fixture(scope="module", params=list(SOPS))
def sop(request: pytest.FixtureRequest) -> SopDefinition:
    definition, _ = load_sop(SOPS[request.param])
    return definition


def check_layout(sop: SopDefinition, layout: SheetLayout) -> None:
    assert validate_layout(layout) == []
    size = layout.font_size_pt
    # 1. no word broken without a hyphen (the model's own lines of the printed texts)
    for step, cells in enumerate(layout.cells):
        for key in ("kegiatan", "waktu", "output", "keterangan", "kelengkapan"):
            width = layout.text_width(key)
            if key == "kelengkapan" and layout.bulleted(step):
                width -= flowlayout.BULLET_INDENT
            for paragraph in cells[key].split("\n"):
                lines = textmetrics.wrap(paragraph, width, layout.font, size)
                assert breaks_ok(paragraph, lines) == [], (step + 1, key)
    for column, title in zip(layout.actor_columns, layout.actor_titles):
        lines = textmetrics.wrap(title, layout.text_width_of(column), layout.font, layout.actor_header_font_size_pt, True)
        assert breaks_ok(title, lines) == [], column.title
    # 2. every text line at least 0.5 mm from its row's borders
    for page in layout.pages:
        for row in page.rows:
            top = row.y + layout.cell_margin_top
            bottom = top + layout.row_lines[row.step] * layout.line_pitch
            assert top - row.y >= MIN_GAP
            assert row.y + row.height - bottom >= MIN_GAP, (row.step + 1, row.height, bottom - row.y)
        # 3. labels: inside free space (validate_layout checks lines, arrows and shapes); here
        # independently: no table line and no arrow through a label box
        lines_x = [c.x for c in layout.actor_columns] + [layout.actor_columns[-1].x + layout.actor_columns[-1].width]
        lines_y = [page.rows_y] + [r.y + r.height for r in page.rows]
        for arrow in page.arrows:
            if arrow.label is None:
                continue
            assert arrow.label_pos and arrow.label_size
            x0, y0 = arrow.label_pos
            x1, y1 = x0 + arrow.label_size[0], y0 + arrow.label_size[1]
            assert not any(x0 <= x <= x1 for x in lines_x), arrow
            assert not any(y0 <= y <= y1 for y in lines_y), arrow
            for other in page.arrows:
                for (ax, ay), (bx, by) in zip(other.points, other.points[1:]):
                    assert max(ax, bx) < x0 or min(ax, bx) > x1 or max(ay, by) < y0 or min(ay, by) > y1, (arrow, other)
        # 4. vertical arrow runs keep visibly off the column lines
        for arrow in page.arrows:
            for (ax, ay), (bx, by) in zip(arrow.points, arrow.points[1:]):
                if ax == bx and ay != by:
                    assert min(abs(ax - x) for x in lines_x) >= COLUMN_KEEP, arrow


@pytest.mark.parametrize("paper,font", VARIANTS)
def test_layout_typography(sop: SopDefinition, paper: str, font: str) -> None:
    layout = layout_for(sop, profile_for(paper, font))
    assert layout.font == font
    check_layout(sop, layout)


def test_eight_long_actor_names_are_hyphenated_not_cut() -> None:
    sop, _ = load_sop(SOPS["8-pelaksana"])
    layout = layout_for(sop, profile_for("A4", "Arial"))
    assert len(layout.actor_columns) == 8
    assert layout.actor_header_font_size_pt >= flowlayout.ACTOR_TITLE_MIN_PT
    titles = dict(zip(sop.pelaksana, layout.actor_titles))
    long_name = "Kepala Bidang Penempatan dan Perluasan Kesempatan Kerja"
    title = titles[long_name].replace(textmetrics.HYPHEN_BREAK, textmetrics.SOFT_HYPHEN)
    assert textmetrics.HYPHEN_BREAK in titles[long_name]
    assert title.replace(textmetrics.SOFT_HYPHEN, "") == long_name
    # syllable breaks (Indonesian patterns), never inside a syllable such as "Penempat|an"
    for word in title.split():
        pieces = word.split(textmetrics.SOFT_HYPHEN)
        assert all(len(piece) >= 2 for piece in pieces), word
    assert "Penempat\u00adan" not in title


def test_row_heights_follow_the_font_metrics() -> None:
    sop, _ = load_sop(SOPS["25-langkah"])
    arial = layout_for(sop, profile_for("A4", "Arial"))
    times = layout_for(sop, profile_for("A4", "Times New Roman"))
    bookman = layout_for(sop, profile_for("A4", "Bookman Old Style"))
    assert arial.line_pitch == times.line_pitch  # same size: the lines differ, not their pitch
    # Arial and Bookman are wider than Times: more lines, taller rows, as measured
    assert sum(times.row_lines) < sum(arial.row_lines) < sum(bookman.row_lines)
    for layout in (arial, times, bookman):
        for step, cells in enumerate(layout.cells):
            measured = textmetrics.line_count(cells["kegiatan"], layout.text_width("kegiatan"), layout.font, layout.font_size_pt)
            assert layout.row_lines[step] >= measured
            row = next(r for p in layout.pages for r in p.rows if r.step == step)
            assert row.height >= layout.row_lines[step] * layout.line_pitch + layout.cell_margin_top + layout.cell_margin_bottom
    heights = lambda layout: [r.height for p in layout.pages for r in p.rows]  # noqa: E731
    assert heights(arial) != heights(times)
    assert sum(heights(times)) < sum(heights(arial))


def test_textmetrics_measures_bookman_with_urw_bookman_widths() -> None:
    # URW Bookman Light "a" is 580/1000 em: at 10 pt 116 twips (Arial: 112, Times: 89)
    assert textmetrics.text_width("a", "Bookman Old Style", 10) == 116
    assert textmetrics.text_width("abc", "bookman old style", 10) == textmetrics.text_width("abc", "URW Bookman", 10)


def test_hyphenation_uses_indonesian_syllables() -> None:
    text = textmetrics.hyphenate("ditandatangani", 700, "Arial", 10)
    assert textmetrics.HYPHEN_BREAK in text
    lines = textmetrics.wrap(text, 700, "Arial", 10)
    assert len(lines) > 1 and all(line.endswith("-") for line in lines[:-1])
    assert "".join(line.rstrip("-") for line in lines) == "ditandatangani"
    for line in lines:
        assert line.rstrip("-") in {"di", "tan", "da", "ta", "nga", "ni", "ditan", "data", "ngani", "dita", "tanda", "tangani", "ditanda", "datangani", "ditandata"} or len(line) > 2
    # a word that fits a line is never hyphenated, it moves to the next line
    assert textmetrics.hyphenate("Surat tugas yang sudah", 700, "Arial", 10) == "Surat tugas yang sudah"


# ------------------------------------------------------------------ the PDF LibreOffice prints


def pdf_lines(pdf: Path, first_page: int) -> list[tuple[str, str]]:
    """(previous line of the same block, line) for the text lines of the PDF from
    ``first_page`` on, as poppler groups them (a block is a table cell), via -bbox-layout."""
    out = subprocess.run(["pdftotext", "-f", str(first_page), "-bbox-layout", str(pdf), "-"], capture_output=True,
                         check=True).stdout
    root = etree.fromstring(out, parser=etree.XMLParser(recover=True))
    lines = []
    for block in root.iter("{*}block"):
        previous = ""
        for line in block.iter("{*}line"):
            words = [w.text or "" for w in line.iter("{*}word")]
            if words:
                text = " ".join(words)
                lines.append((previous, text))
                previous = text
    return lines


def word_gaps_mm(pdf: Path, layout: SheetLayout) -> tuple[float, float]:
    """The smallest gaps (mm) between a word box of a step row and the row's top and
    bottom borders, on the flowchart pages (the layout's rows, in page coordinates)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout
    pages = list(etree.fromstring(out, parser=etree.XMLParser(recover=True)).iter("{*}page"))
    first_chart = len(pages) - len(layout.pages)
    x0 = layout.column("no").x
    x1 = layout.column("keterangan").x + layout.column("keterangan").width
    tops, bottoms = [], []
    for k, page in enumerate(layout.pages):
        for word in pages[first_chart + k].iter("{*}word"):
            wx0, wy0, wy1 = (float(word.get(a)) * 20 for a in ("xMin", "yMin", "yMax"))  # points -> twips
            for row in page.rows:
                if row.y <= (wy0 + wy1) / 2 <= row.y + row.height and x0 <= wx0 <= x1:
                    tops.append(wy0 - row.y)
                    bottoms.append(row.y + row.height - wy1)
    assert tops, "no words found in the step rows"
    return min(tops) / mm(1), min(bottoms) / mm(1)


@requires_libreoffice()
@pytest.mark.parametrize("name,paper,font", [("seed", "A4", "Arial"), ("25-langkah", "F4", "Times New Roman"),
                                             ("8-pelaksana", "A4", "Arial")])
def test_pdf_breaks_words_only_at_hyphens(tmp_path: Path, name: str, paper: str, font: str) -> None:
    from sopdocs.pdf.convert import convert_to_pdf

    sop, _ = load_sop(SOPS[name])
    profile = profile_for(paper, font)
    docx = render_sop(sop, profile, tmp_path / f"{name}.docx")
    pdf = convert_to_pdf(docx, tmp_path)
    words = source_words(sop) | set(" ".join(flowlayout.TITLES.values()).split()) | {"PELAKSANA", "MUTU", "BAKU", "JUMLAH"}
    layout = layout_for(sop, profile)
    lines = pdf_lines(pdf, first_page=2)  # the flowchart pages
    # every line-final fragment is a whole word, ends with a hyphen, or is the tail of a word
    # hyphenated at the end of the line before; never the start of a word cut off
    checked = 0
    for previous, line in lines:
        last = line.split()[-1]
        if last in words or last.endswith("-"):
            checked += 1
            continue
        if len(line.split()) == 1 and previous.endswith("-"):
            continue  # the tail of a hyphenated word
        broken = [w for w in words if len(last) >= 2 and w.startswith(last) and w != last]
        assert not broken, (last, broken[:3], previous, line)
    assert checked > 20
    # no printed word within 0.5 mm of its row's borders (poppler's word boxes, which reach
    # below the descenders)
    assert word_gaps_mm(pdf, layout) >= (0.5, 0.5)
    # and the model's hyphenated words are printed with a hyphen
    hyphenated = [t for cells in layout.cells for t in cells.values() if textmetrics.HYPHEN_BREAK in t]
    hyphenated += [t for t in layout.actor_titles if textmetrics.HYPHEN_BREAK in t]
    assert hyphenated
    ends = {line.split()[-1] for _, line in lines}
    for text in hyphenated:  # the break the model measured is where the PDF breaks
        for piece in text.split(textmetrics.LINE_BREAK)[:-1]:
            assert piece.replace(textmetrics.SOFT_HYPHEN, "").split()[-1] in ends, piece


def test_hyphenated_words_are_whole_in_the_extracted_text(tmp_path: Path) -> None:
    from sopdocs.docx.extract import docx_text

    sop, _ = load_sop(SOPS["8-pelaksana"])
    profile = profile_for("A4", "Arial")
    layout = layout_for(sop, profile)
    broken = [t for t in layout.actor_titles if textmetrics.HYPHEN_BREAK in t]
    assert broken
    docx = render_sop(sop, profile, tmp_path / "sop.docx")
    text = docx_text(docx)
    # what the search index reads: every actor name whole, no layout hyphen left
    for name in sop.pelaksana:
        assert name in text
    assert "Penem-" not in text and "Kesem-" not in text


def test_identity_lists_too_long_for_page_one_are_refused_naming_the_field(tmp_path: Path) -> None:
    import yaml

    from sopdocs.errors import ValidationError
    from sopdocs.kinds.sop.sopdef import MAX_IDENTITY_ITEM_CHARS, sop_from_text
    from sopdocs.kinds.sop.sopsheet import render_sop_file

    data = yaml.safe_load(SOPS["seed"].read_text(encoding="utf-8"))
    # each item within the per-item limit, together far more than one page holds
    data["dasar_hukum"] = [("Peraturan Daerah tentang hal yang panjang sekali " * 8)[:MAX_IDENTITY_ITEM_CHARS]] * 12
    data["profil"] = str(EXAMPLES / "profil.yaml")
    definition = tmp_path / "sop.yaml"
    definition.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    sop_from_text(definition.read_text(encoding="utf-8"))  # valid as a definition
    with pytest.raises(ValidationError) as info:
        render_sop_file(definition, tmp_path / "out.docx")
    problem = info.value.problems[0]
    assert problem.field == "dasar_hukum" and problem.line is not None
    assert "bagian identitas SOP melebihi 2 halaman" in problem.message
    assert not (tmp_path / "out.docx").exists()
