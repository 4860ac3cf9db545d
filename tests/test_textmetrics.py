from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sopdocs.docx import textmetrics
from sopdocs.docx.textmetrics import fit_width, line_count, text_width, wrap

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")

SEED_KEGIATAN = (
    "Menyampaikan/membagikan secara langsung bahan pendataan, setelah digandakan, kepada "
    "sumber untuk diisi sesuai redaksionalnya, langsung setelah dilakukan semacam bimtek "
    "dan sosialisasi"
)


def test_known_advance_widths() -> None:
    # Arial "a" is 1139/2048 em, Times New Roman "a" 909/2048 em: at 10 pt (200 twips/em)
    assert text_width("a", "Arial", 10) == 112  # 111.2 rounded up
    assert text_width("a", "Times New Roman", 10) == 89  # 88.8 rounded up
    assert text_width("", "Arial", 10) == 0


def test_width_grows_with_bold_size_and_text() -> None:
    word = "Rekapitulasi"
    regular = text_width(word, "Times New Roman", 10)
    assert text_width(word, "Times New Roman", 10, bold=True) > regular
    assert text_width(word, "Times New Roman", 12) > regular
    assert text_width(word + " data", "Times New Roman", 10) > regular
    assert text_width("W", "Arial", 10) > text_width("i", "Arial", 10)
    # Arial is wider than Times New Roman for ordinary text
    assert text_width(SEED_KEGIATAN, "Arial", 10) > text_width(SEED_KEGIATAN, "Times New Roman", 10)


def test_font_names() -> None:
    assert text_width("abc", "times new roman", 10) == text_width("abc", "Liberation Serif", 10)
    assert text_width("abc", "ARIAL", 10) == text_width("abc", "Liberation Sans", 10)
    with pytest.raises(ValueError, match="Comic Sans"):
        text_width("abc", "Comic Sans", 10)
    with pytest.raises(ValueError):
        wrap("abc", 1000, "Calibri", 10)


def test_unknown_characters_count_wide() -> None:
    # CJK: 1 em each (200 twips at 10 pt), more than any Latin letter of the same size
    assert text_width("日本", "Arial", 10) == 400
    assert text_width("😀", "Arial", 10) > text_width("M", "Arial", 10)
    assert text_width("مرحبا", "Times New Roman", 10) >= 5 * 200
    # zero-width characters take no room
    assert text_width("a\u200bb", "Arial", 10) == text_width("ab", "Arial", 10)


def test_wrap_greedy_at_spaces_and_each_line_fits() -> None:
    width = 2500
    lines = wrap(SEED_KEGIATAN, width, "Times New Roman", 10)
    assert len(lines) > 2
    assert " ".join(lines) == SEED_KEGIATAN
    for line in lines:
        assert fit_width(line, "Times New Roman", 10) <= width
    # greedy: the first word of each next line would not have fitted on the line before
    for line, nxt in zip(lines, lines[1:]):
        first = nxt.split(" ")[0]
        assert fit_width(f"{line} {first}", "Times New Roman", 10) > width


def test_wrap_wider_box_never_needs_more_lines() -> None:
    counts = [line_count(SEED_KEGIATAN, w, "Arial", 9) for w in range(1200, 6000, 150)]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] > counts[-1]


def test_wrap_breaks_after_hyphen_between_letters() -> None:
    text = "bahan-bahan"
    width = fit_width("bahan-", "Arial", 10) + 5
    assert wrap(text, width, "Arial", 10) == ["bahan-", "bahan"]
    assert wrap(text, fit_width(text, "Arial", 10), "Arial", 10) == ["bahan-bahan"]


def test_wrap_long_word_is_broken_by_characters() -> None:
    word = "Pertanggungjawaban" * 3
    width = 900
    lines = wrap(word, width, "Times New Roman", 10)
    assert len(lines) > 1
    assert "".join(lines) == word
    for line in lines:
        assert fit_width(line, "Times New Roman", 10) <= width
    # the long word starts on a fresh line after shorter words
    lines = wrap("Data " + word, width, "Times New Roman", 10)
    assert lines[0] == "Data"
    # a box narrower than one character still returns every character
    assert "".join(wrap("abc", 10, "Arial", 10)) == "abc"


def test_wrap_newlines() -> None:
    assert wrap("Satu\nDua", 5000, "Arial", 10) == ["Satu", "Dua"]
    assert wrap("Satu\n\nDua", 5000, "Arial", 10) == ["Satu", "", "Dua"]
    assert wrap("Satu\r\nDua", 5000, "Arial", 10) == ["Satu", "Dua"]
    assert wrap("", 5000, "Arial", 10) == [""]
    assert line_count("Satu\n", 5000, "Arial", 10) == 2


def test_wrap_non_latin() -> None:
    cjk = "日本語のテキストです。" * 3
    lines = wrap(cjk, 800, "Arial", 10)
    assert "".join(lines) == cjk
    assert len(lines) == -(-len(cjk) // 3)  # 3 characters of 200 twips fit in 800, 4 do not
    arabic = "مرحبا بالعالم " * 4
    lines = wrap(arabic, 1500, "Times New Roman", 10)
    assert len(lines) > 1
    assert " ".join(lines) == arabic.strip()


def test_wrap_takes_the_model_needing_most_lines() -> None:
    # LibreOffice may break after "/": "province/" then "regency" on its own line, while
    # breaking the same word by characters would pack "ncy" with the next word.
    text = "province/regency (ATK) dievaluasi"
    width = fit_width("province/rege", "Times New Roman", 11, True)
    counts = [
        len(textmetrics._wrap_model(text, width, "Times New Roman", 11, True, model))
        for model in textmetrics._MODELS
    ]
    assert len(set(counts)) > 1  # the models disagree on this text
    assert line_count(text, width, "Times New Roman", 11, True) == max(counts)


def test_fit_width_is_the_narrowest_one_line_box() -> None:
    text = "Kasubbag PKP"
    width = fit_width(text, "Arial", 9, bold=True)
    assert line_count(text, width, "Arial", 9, bold=True) == 1
    assert line_count(text, width - 1, "Arial", 9, bold=True) == 2
    # the safety margin makes the box wider than the bare text
    assert width > text_width(text, "Arial", 9, bold=True)


@pytest.mark.skipif(not FONT_DIR.is_dir(), reason="fonts-liberation2 not installed")
def test_generated_widths_match_the_installed_fonts() -> None:
    spec = importlib.util.spec_from_file_location("gen_fontwidths", ROOT / "scripts" / "gen_fontwidths.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    committed = (ROOT / "sopdocs" / "docx" / "_fontwidths.py").read_text(encoding="utf-8")
    assert gen.render(FONT_DIR) == committed
