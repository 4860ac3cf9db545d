"""The compiled engine writes what plain docxtpl writes, or refuses, and never a broken package.

Each construct is rendered through the compiled path (:class:`CompiledTemplate`, what
``render_docx`` uses) and through plain docxtpl (:func:`render_plain`, or docxtpl itself
where the construct is docxtpl's own), compared part by part after canonicalisation
(``package_differences`` of test_fastrender), and every output is checked for relationship
ids that point nowhere.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, Listing, RichText
from lxml import etree

from sopdocs.docx.compiled import CompiledTemplate, render_plain
from sopdocs.docx.render import DocxFragment, Image, render_docx, url_id
from sopdocs.errors import RenderError
from test_fastrender import make_png, package_differences

R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
URL = "https://example.go.id/surat?no=12&tahun=2024"


# --------------------------------------------------------------------------- checks


def dangling(path: Path) -> list[str]:
    """Relationship ids used in a part but missing from its rels, and internal targets
    that are not in the package: what Word calls an unreadable document."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as package:
        names = set(package.namelist())
        for name in sorted(names):
            if name.endswith(".rels"):
                folder = posixpath.dirname(posixpath.dirname(name))
                for rel in etree.fromstring(package.read(name)):
                    if rel.get("TargetMode") == "External":
                        continue
                    target = rel.get("Target")
                    resolved = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                    if resolved not in names:
                        problems.append(f"{name}: {rel.get('Id')} -> {resolved} missing")
                continue
            if not name.endswith(".xml") or name == "[Content_Types].xml":
                continue
            rels_name = posixpath.join(posixpath.dirname(name), "_rels", posixpath.basename(name) + ".rels")
            ids = {rel.get("Id") for rel in etree.fromstring(package.read(rels_name))} if rels_name in names else set()
            for element in etree.fromstring(package.read(name)).iter():
                for key, value in element.attrib.items():
                    if key.startswith(R_NS) and value not in ids:
                        problems.append(f"{name}: r:{key[len(R_NS):]}={value} dangling")
    try:
        from sopdocs.docx.integrity import check_package
    except ImportError:  # the package check is optional here; the local one always runs
        pass
    else:
        problems += check_package(path)
    return problems


def rels_of(path: Path, name: str) -> set[tuple[str, str, str, str]]:
    with zipfile.ZipFile(path) as package:
        return {
            (r.get("Id"), r.get("Type"), r.get("Target"), r.get("TargetMode", "Internal"))
            for r in etree.fromstring(package.read(name))
        }


def part_xml(path: Path, name: str = "word/document.xml") -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(name).decode("utf-8")


def both(template: Path, context: dict[str, Any], tmp_path: Path, tag: str = "", **kwargs: Any) -> tuple[Path, Path]:
    """Render ``context`` on the compiled and the plain path; assert equal and sound."""
    fast = CompiledTemplate.load(template).render(context, tmp_path / f"fast{tag}.docx", **kwargs)
    plain = render_plain(template, context, tmp_path / f"plain{tag}.docx", **kwargs)
    assert package_differences(fast, plain) == []
    assert dangling(fast) == []
    assert dangling(plain) == []
    return fast, plain


def template_with(path: Path, *paragraphs: str, header: str | None = None, footer: str | None = None) -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    if footer is not None:
        doc.sections[0].footer.paragraphs[0].text = footer
    doc.save(str(path))
    return path


def add_footnotes(path: Path, footnote_text: str) -> Path:
    """Add a footnotes part (as Word writes it: the r namespace declared) holding ``footnote_text``."""
    doc = Document(str(path))
    run = doc.add_paragraph("Teks dengan catatan kaki").add_run()
    run._r.append(parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="1"/>'))
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<w:footnotes {nsdecls("w", "r")}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f'<w:footnote w:id="1"><w:p><w:r><w:t>{footnote_text}</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    )
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml.encode("utf-8"), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    doc.save(str(path))
    return path


def link(text: str, url: str = URL) -> RichText:
    rich = RichText("Lihat ")
    rich.add(text, url_id=url_id(url), color="0000FF", underline=True)
    return rich


# --------------------------------------------------------------------------- links


def test_link_in_rich_text_equals_docxtpl_build_url_id(tmp_path: Path) -> None:
    template = template_with(tmp_path / "t.docx", "Rujukan: {{r tautan }}", "{{r lagi }}")
    context = {"tautan": link("laman dinas"), "lagi": link("sekali lagi")}  # same URL: one relationship
    fast, _plain = both(template, context, tmp_path)
    hyperlinks = {r for r in rels_of(fast, "word/_rels/document.xml.rels") if r[1] == RT.HYPERLINK}
    assert len(hyperlinks) == 1
    rid, _type, target, mode = hyperlinks.pop()
    assert (target, mode) == (URL, "External")
    assert part_xml(fast).count(f'r:id="{rid}"') == 2

    # docxtpl itself, the link made its documented way, gives the same package
    tpl = DocxTemplate(str(template))
    made = tpl.build_url_id(URL)
    docxtpl_context = {}
    for key in ("tautan", "lagi"):
        rich = RichText("Lihat ")
        rich.add("laman dinas" if key == "tautan" else "sekali lagi", url_id=made, color="0000FF", underline=True)
        docxtpl_context[key] = rich
    tpl.render(docxtpl_context, autoescape=True)
    tpl.save(str(tmp_path / "docxtpl.docx"))
    assert made == rid
    assert package_differences(fast, tmp_path / "docxtpl.docx") == []


def test_links_in_header_footer_and_footnotes_belong_to_their_part(tmp_path: Path) -> None:
    template = template_with(
        tmp_path / "t.docx", "Isi {{r badan }}", header="Kop {{r kop }}", footer="Kaki {{r kaki }}"
    )
    add_footnotes(template, "Sumber: {{r sumber }}")
    context = {
        "badan": link("badan"),
        "kop": link("kop", "https://kop.example/"),
        "kaki": link("kaki", "mailto:tu@example.go.id"),
        "sumber": link("sumber", "https://sumber.example/a"),
    }
    fast, _plain = both(template, context, tmp_path)
    for rels, url in (
        ("word/_rels/header1.xml.rels", "https://kop.example/"),
        ("word/_rels/footer1.xml.rels", "mailto:tu@example.go.id"),
        ("word/_rels/footnotes.xml.rels", "https://sumber.example/a"),
    ):
        assert any(r[2] == url and r[3] == "External" for r in rels_of(fast, rels)), rels


@pytest.mark.parametrize("path", ["render_docx", "render_plain"])
def test_build_url_id_of_another_template_is_refused(tmp_path: Path, path: str) -> None:
    template = template_with(tmp_path / "t.docx", "Rujukan: {{r tautan }}")
    rich = RichText()
    rich.add("laman", url_id=DocxTemplate(str(template)).build_url_id(URL))  # a DocxTemplate never written
    out = tmp_path / "o.docx"
    render = render_docx if path == "render_docx" else render_plain
    with pytest.raises(RenderError, match=r"'tautan'.*build_url_id.*url_id=sopdocs\.docx\.render\.url_id"):
        render(template, {"tautan": rich}, out)
    assert not out.exists()


def test_fragment_with_a_foreign_picture_id_is_refused(tmp_path: Path) -> None:
    template = template_with(tmp_path / "t.docx", "{{p isi }}")
    fragment = DocxFragment(
        '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<w:r><w:pict><v:imagedata xmlns:v="urn:schemas-microsoft-com:vml" r:id="rId99"/></w:pict></w:r></w:p>'
    )
    with pytest.raises(RenderError, match=r"r:id=\"rId99\""):
        render_docx(template, {"isi": fragment}, tmp_path / "o.docx")


def test_bad_urls_are_refused() -> None:
    for bad in ("", "   ", "https://a\nb", "x" * 3000):
        with pytest.raises(RenderError, match="alamat tautan"):
            url_id(bad)


# --------------------------------------------------------------------------- subdoc


class _StandInSubdoc:
    """What to_template_data sees of docxtpl's Subdoc (docxcompose may not be installed)."""


_StandInSubdoc.__module__ = "docxtpl.subdoc"
_StandInSubdoc.__name__ = "Subdoc"


@pytest.mark.parametrize("path", ["render_docx", "render_plain"])
def test_subdoc_is_refused_on_both_paths(tmp_path: Path, path: str) -> None:
    template = template_with(tmp_path / "t.docx", "awal", "{{p sub }}", "akhir")
    out = tmp_path / "o.docx"
    render = render_docx if path == "render_docx" else render_plain
    with pytest.raises(RenderError, match="'sub': Subdoc tidak didukung.*pakai DocxFragment"):
        render(template, {"sub": _StandInSubdoc()}, out)
    assert not out.exists()


def test_real_subdoc_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("docxcompose")
    template = template_with(tmp_path / "t.docx", "{{p sub }}")
    sub = DocxTemplate(str(template)).new_subdoc()
    sub.add_paragraph("isi")
    with pytest.raises(RenderError, match="Subdoc tidak didukung"):
        render_docx(template, {"sub": sub}, tmp_path / "o.docx")


# --------------------------------------------------------------------------- pictures


def test_inline_images_in_body_header_and_footer(tmp_path: Path) -> None:
    logo = make_png(tmp_path / "logo.png", 40, 20, (200, 0, 0))
    foto = make_png(tmp_path / "foto.png", 30, 30, (0, 90, 200), dpi=150)
    template = template_with(
        tmp_path / "t.docx", "Badan {{ logo }} dan {{ foto }}", "lagi {{ logo2 }}",
        header="Kop {{ kecil }}", footer="Kaki {{ foto }}",
    )
    context = {
        "logo": Image(logo, width_mm=20),
        "foto": Image(foto),
        "logo2": Image(logo, height_mm=5),
        "kecil": Image(logo, width_mm=10, height_mm=5),
    }
    fast, _ = both(template, context, tmp_path)
    # docxtpl InlineImage made against the template (the documented docxtpl way): same document
    tpl = DocxTemplate(str(template))
    raw = {
        "logo": InlineImage(tpl, str(logo), width=Mm(20)),
        "foto": InlineImage(tpl, str(foto)),
        "logo2": InlineImage(tpl, logo, height=Mm(5)),  # a Path
        "kecil": InlineImage(tpl, str(logo), width=Mm(10), height=Mm(5)),
    }
    raw_fast, _ = both(template, raw, tmp_path, tag="-raw")
    assert package_differences(fast, raw_fast) == []
    with zipfile.ZipFile(fast) as package:
        media = sorted(n for n in package.namelist() if n.startswith("word/media/"))
        types = package.read("[Content_Types].xml").decode()
    assert len(media) == 2 and 'Extension="png"' in types
    # an open file as descriptor (python-docx names the picture "image.png" then)
    stream = {**raw, "foto": InlineImage(tpl, io.BytesIO(foto.read_bytes()))}
    both(template, stream, tmp_path, tag="-stream")


def test_inline_image_with_anchor_link_matches_plain(tmp_path: Path) -> None:
    logo = make_png(tmp_path / "logo.png", 10, 10, (0, 0, 0))
    template = template_with(tmp_path / "t.docx", "Logo {{ logo }}")
    context = {"logo": InlineImage(DocxTemplate(str(template)), str(logo), width=Mm(10), anchor=URL)}
    fast, _ = both(template, context, tmp_path)
    assert any(r[2] == URL and r[3] == "External" for r in rels_of(fast, "word/_rels/document.xml.rels"))


def test_picture_in_footnotes_is_refused(tmp_path: Path) -> None:
    logo = make_png(tmp_path / "logo.png", 10, 10, (0, 0, 0))
    template = add_footnotes(template_with(tmp_path / "t.docx", "teks"), "{{ logo }}")
    with pytest.raises(RenderError, match="catatan kaki"):
        render_docx(template, {"logo": Image(logo)}, tmp_path / "o.docx")
    assert not (tmp_path / "o.docx").exists()


# --------------------------------------------------------------------------- tables


def table_template(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("Daftar {{ judul }}")
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    table.cell(0, 0).text = "Nama"
    table.cell(0, 1).text = "{% colspan lebar %}Keterangan"
    table.cell(1, 0).text = "{%tr for r in baris %}"
    table.cell(2, 0).text = "{{ r.nama }}"
    table.cell(2, 1).text = "{% vm %}{{ r.unit }}"
    table.cell(2, 2).text = "{% hm %}{{ r.catatan }}"
    table.cell(3, 0).text = "{%tr endfor %}"
    table = doc.add_table(rows=1, cols=3)
    table.cell(0, 0).text = "{%tc for k in kolom %}"
    table.cell(0, 1).text = "{{ k }}"
    table.cell(0, 2).text = "{%tc endfor %}"
    doc.save(str(path))
    return path


@pytest.mark.parametrize("rows", [0, 1, 5])
def test_dynamic_tables_and_merged_cells(tmp_path: Path, rows: int) -> None:
    template = table_template(tmp_path / "t.docx")
    context = {
        "judul": "pegawai",
        "lebar": 2,
        "baris": [{"nama": f"Pegawai {i}", "unit": "Umum", "catatan": f"c{i} & <x>"} for i in range(rows)],
        "kolom": ["A", "B", "C", "D"],
    }
    both(template, context, tmp_path)


# --------------------------------------------------------------------------- text


def test_escapes_line_breaks_and_comments(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("Nilai {{ nilai|e }} dan {{ nilai }} {# komentar Jinja #}")
    doc.add_paragraph("{{r kaya }}")
    doc.add_paragraph("{{ daftar }}")
    paragraph = doc.add_paragraph("Teks dengan komentar Word {{ nilai }}")
    doc.add_comment(paragraph.runs, text="komentar peninjau {{ tidak dirender }}", author="TU")
    doc.save(str(tmp_path / "t.docx"))
    kaya = RichText("baris satu\nbaris dua\ttab", bold=True)
    kaya.add(" & <tebal>", italic=True)
    context = {"nilai": "A & B <c> \"d\"", "kaya": kaya, "daftar": Listing("x\ny\az")}
    fast, _ = both(tmp_path / "t.docx", context, tmp_path)
    body = part_xml(fast)
    assert "A &amp; B &lt;c&gt;" in body and "<w:br/>" in body
    assert "{{ tidak dirender }}" in part_xml(fast, "word/comments.xml")


# --------------------------------------------------------------------------- repeated renders


def test_one_template_rendered_many_times(tmp_path: Path) -> None:
    logo = make_png(tmp_path / "logo.png", 40, 20, (200, 0, 0))
    foto = make_png(tmp_path / "foto.png", 30, 30, (0, 90, 200))
    template = template_with(tmp_path / "t.docx", "No {{ n }} {{ gambar }} {{r tautan }}", header="Kop {{ n }}")
    compiled = CompiledTemplate.load(template)
    contexts = [
        {"n": 1, "gambar": Image(logo), "tautan": link("a", "https://a.example/")},
        {"n": 2, "gambar": Image(foto, width_mm=15), "tautan": link("b", "https://b.example/")},
        {"n": 3, "gambar": "", "tautan": link("c")},
    ]
    first: list[Path] = []
    for i, context in enumerate(contexts):
        out = compiled.render(context, tmp_path / f"fast{i}.docx")
        plain = render_plain(template, context, tmp_path / f"plain{i}.docx")
        assert package_differences(out, plain) == []
        assert dangling(out) == []
        first.append(out)
    again = compiled.render(contexts[0], tmp_path / "again.docx")  # nothing left over from the others
    assert package_differences(again, first[0]) == []
    assert "https://b.example/" not in str(rels_of(again, "word/_rels/document.xml.rels"))


# --------------------------------------------------------------------------- filters and errors


def test_custom_filters_run_in_the_sandbox(tmp_path: Path) -> None:
    template = template_with(tmp_path / "t.docx", "{{ nama|sapaan }} {{ angka|ganda|join(', ') }}", header="{{ nama|sapaan }}")
    filters = {"sapaan": lambda v: f"Yth. {v} & rekan", "ganda": lambda v: [v, v]}
    fast, _ = both(template, {"nama": "Budi", "angka": 3}, tmp_path, filters=filters)
    assert "Yth. Budi &amp; rekan" in part_xml(fast)
    assert "3, 3" in part_xml(fast)


@pytest.mark.parametrize(
    ("filters", "source", "message"),
    [
        ({"upper": str.upper}, "{{ x|upper }}", "filter 'upper' sudah ada"),
        ({"_x": str}, "{{ x }}", "nama filter tidak sah"),
        ({"f": "bukan fungsi"}, "{{ x }}", "filter 'f' bukan fungsi"),
        ({}, "{{ x|tidakada }}", "templat rusak: filter tidak dikenal: tidakada"),
        ({"f": lambda v: object()}, "{{ x|f }}", "filter 'f' menghasilkan nilai yang bukan data.*object"),
        ({"f": lambda v: Path("/etc")}, "{{ x|f }}", "filter 'f' menghasilkan nilai yang bukan data"),
        ({"f": lambda v: [{"a": print}]}, "{{ x|f }}", r"hasil\[0\]\.a"),
        ({"f": lambda v: Image(Path("a.png"))}, "{{ x|f }}", "tidak boleh menghasilkan gambar"),
        ({"f": lambda v: v}, "{% for i in [1] %}{{ loop|f }}{% endfor %}", "tidak boleh menerima objek LoopContext"),
    ],
)
@pytest.mark.parametrize("path", ["render_docx", "render_plain"])
def test_custom_filters_refused(tmp_path: Path, filters: dict[str, Any], source: str, message: str, path: str) -> None:
    template = template_with(tmp_path / "t.docx", source)
    out = tmp_path / "o.docx"
    render = render_docx if path == "render_docx" else render_plain
    with pytest.raises(RenderError, match=message):
        render(template, {"x": "a"}, out, filters=filters)
    assert not out.exists()


def test_filter_returning_rich_text_is_markup(tmp_path: Path) -> None:
    template = template_with(tmp_path / "t.docx", "Status: {{r x|tebal }}")
    filters = {"tebal": lambda v: RichText(v, bold=True)}
    fast, _ = both(template, {"x": "SELESAI"}, tmp_path, filters=filters)
    assert "<w:b/>" in part_xml(fast)


def test_syntax_error_names_the_file_part_and_line(tmp_path: Path) -> None:
    template = template_with(tmp_path / "t.docx", "satu", "dua {{ nama + }}", "tiga")
    with pytest.raises(RenderError) as info:
        render_docx(template, {"nama": "x"}, tmp_path / "o.docx")
    message = str(info.value)
    assert str(template) in message and "templat rusak" in message
    assert "word/document.xml, baris " in message and '"dua {{ nama + }}"' in message
    template = template_with(tmp_path / "h.docx", "isi", header="Kop {% if x %} tanpa penutup")
    with pytest.raises(RenderError, match=r"word/header1\.xml, baris \d+"):
        render_docx(template, {}, tmp_path / "o.docx")


def test_media_replacement_is_refused_with_what_to_do_instead(tmp_path: Path) -> None:
    from docx import Document

    from sopdocs.docx.render import render_docx
    from sopdocs.errors import RenderError

    template = tmp_path / "t.docx"
    document = Document()
    document.add_paragraph("{{ nama }}")
    document.save(str(template))
    with pytest.raises(RenderError, match="Image"):
        render_docx(template, {"nama": "x"}, tmp_path / "out.docx", replace_media={"image1.png": tmp_path / "a.png"})
    assert not (tmp_path / "out.docx").exists()
