"""The render engine: values are data, templates are sandboxed, failures write nothing."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from docx import Document

from sopdocs.indonesian.dates import DateStyle
from sopdocs.errors import RenderError
from sopdocs.docx.render import clean_text, render_docx, template_variables


def make_template(path: Path, *paragraphs: str) -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(path)
    return path


def body_text(path: Path) -> str:
    return "\n".join(p.text for p in Document(path).paragraphs)


def document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read("word/document.xml").decode("utf-8")


HOSTILE = [
    "& < > \" '",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "{{ ''.__class__.__mro__ }}",
    "</w:t></w:r></w:p><w:p><w:r><w:t>injected",
    "emoji \U0001f600 \u2705",
    "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 right-to-left \u05e2\u05d1\u05e8\u05d9\u05ea",
    "x" * 5000,
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_render_literally(tmp_path: Path, value: str) -> None:
    template = make_template(tmp_path / "t.docx", "awal {{ nilai }} akhir", "paragraf terakhir")
    out = render_docx(template, {"nilai": value}, tmp_path / "out.docx")
    text = body_text(out)
    assert f"awal {value} akhir" in text
    # nothing after the value was lost (docxtpl's recover-mode truncation)
    assert "paragraf terakhir" in text
    assert "49" not in text.replace(value, "")


def test_template_code_in_value_is_not_executed(tmp_path: Path) -> None:
    template = make_template(tmp_path / "t.docx", "{{ nilai }}")
    out = render_docx(template, {"nilai": "{{ 7*7 }}"}, tmp_path / "out.docx")
    assert body_text(out).strip() == "{{ 7*7 }}"


def test_control_characters_are_removed(tmp_path: Path) -> None:
    template = make_template(tmp_path / "t.docx", "[{{ nilai }}]")
    out = render_docx(template, {"nilai": "a\x00b\x01c\x0bd\x1fe\ufffef"}, tmp_path / "out.docx")
    assert "[abcdef]" in body_text(out)
    assert clean_text("tab\tnew\nline") == "tab\tnew\nline"


def test_newline_becomes_line_break(tmp_path: Path) -> None:
    template = make_template(tmp_path / "t.docx", "{{ nilai }}")
    out = render_docx(template, {"nilai": "baris satu\nbaris dua"}, tmp_path / "out.docx")
    assert "<w:br/>" in document_xml(out)


def test_missing_variables_reported_together_and_nothing_written(tmp_path: Path) -> None:
    template = make_template(tmp_path / "t.docx", "{{ nomor }} {{ perihal }} {{ tanggal }}")
    target = tmp_path / "out.docx"
    with pytest.raises(RenderError) as info:
        render_docx(template, {"tanggal": "x"}, target)
    assert "nomor" in str(info.value) and "perihal" in str(info.value)
    assert "tanggal" not in str(info.value).split(":")[-1]
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [template]


def test_missing_attribute_is_an_error(tmp_path: Path) -> None:
    template = make_template(tmp_path / "t.docx", "{{ profil.alamt }}")
    with pytest.raises(RenderError, match="alamt"):
        render_docx(template, {"profil": {"alamat": "Jalan"}}, tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()


@pytest.mark.parametrize(
    "code",
    [
        "{{ cycler.__init__.__globals__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ nilai.__class__.__base__ }}",
    ],
)
def test_sandbox_refuses_python_internals(tmp_path: Path, code: str) -> None:
    template = make_template(tmp_path / "t.docx", code)
    with pytest.raises(RenderError, match="sandbox"):
        render_docx(template, {"nilai": "x"}, tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()


def test_failed_render_keeps_previous_output(tmp_path: Path) -> None:
    good = make_template(tmp_path / "good.docx", "{{ nilai }}")
    bad = make_template(tmp_path / "bad.docx", "{{ cycler.__init__.__globals__ }}")
    target = tmp_path / "out.docx"
    render_docx(good, {"nilai": "versi lama"}, target)
    with pytest.raises(RenderError):
        render_docx(bad, {"nilai": "x"}, target)
    assert "versi lama" in body_text(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.docx", "good.docx", "out.docx"]


def test_filters(tmp_path: Path) -> None:
    template = make_template(
        tmp_path / "t.docx",
        "{{ d|tanggal }}|{{ d|tanggal(true) }}|{{ d|hari }}|{{ 3|terbilang }}|{{ 11|romawi }}|{{ nip|nip }}",
    )
    context = {"d": dt.date(2024, 1, 2), "nip": "197203191980031001", "gaya_tanggal": DateStyle(nol_di_depan=True)}
    out = render_docx(template, context, tmp_path / "out.docx")
    assert body_text(out).strip() == "02 Januari 2024|Selasa, 02 Januari 2024|Selasa|tiga|XI|19720319 198003 1 001"


def test_template_variables_lists_top_level_names(tmp_path: Path) -> None:
    template = make_template(tmp_path / "t.docx", "{{ a.b }} {% for x in daftar %}{{ x }}{% endfor %} {{ range(3)|list }}")
    assert template_variables(template) == {"a", "daftar"}
