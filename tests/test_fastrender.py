"""Compiled templates: same documents as plain docxtpl, same safety rules, batches."""

from __future__ import annotations

import io
import os
import random
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docxtpl import DocxTemplate, Listing, RichText
from lxml import etree

from conftest import requires_libreoffice
from sopdocs.docx import compiled as fastrender
from sopdocs.errors import RenderError
from sopdocs.docx.compiled import CompiledTemplate, Paper, ProgressBar, render_plain
from sopdocs.docx.render import DocxFragment, Image, builtin_templates_dir, paper_setter, render_docx, template_variables
from sopdocs.kinds.registry import kinds

# --------------------------------------------------------------------------- comparing packages

_BLANKLESS = etree.XMLParser(remove_blank_text=True, resolve_entities=False)


def _content_types(data: bytes, names: list[str]) -> dict[str, str]:
    root = etree.fromstring(data)
    defaults = {e.get("Extension").lower(): e.get("ContentType") for e in root if e.tag.endswith("Default")}
    overrides = {e.get("PartName"): e.get("ContentType") for e in root if e.tag.endswith("Override")}
    result = {}
    for name in names:
        partname = "/" + name
        result[partname] = overrides.get(partname) or defaults.get(PackURI(partname).ext.lower(), "?")
    return result


def _rels(name: str, data: bytes) -> set[tuple[str, str, str, str]]:
    source = "/" + name.replace("_rels/", "")[: -len(".rels")]
    base = PackURI(source).baseURI if source != "/" else "/"
    found = set()
    for rel in etree.fromstring(data):
        mode = rel.get("TargetMode", "Internal")
        target = rel.get("Target")
        if mode != "External":
            target = PackURI.from_rel_ref(base, target) if not target.startswith("/") else target
        found.add((rel.get("Id"), rel.get("Type"), str(target), mode))
    return found


def _c14n(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data, _BLANKLESS), method="c14n")


def _texts(path: Path) -> list[str]:
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            if not part.is_linked_to_previous:
                texts += [p.text for p in part.paragraphs]
    props = doc.core_properties
    texts += [props.title, props.subject, props.author, props.comments, props.identifier, props.language]
    return texts


def package_differences(a: Path, b: Path) -> list[str]:
    """What differs between two .docx files, part by part.

    Untouched XML parts are compared canonically (plain docxtpl re-serialises every part
    python-docx knows: declaration quotes, blank text; the compiled path keeps the template's
    bytes); relationships as (Id, Type, resolved target, mode); content types per part.
    rIds, image part names and docPr ids are compared exactly: the compiled path gives
    the ones python-docx would.
    """
    diffs: list[str] = []
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        names_a, names_b = set(za.namelist()), set(zb.namelist())
        if names_a != names_b:
            return [f"parts differ: {sorted(names_a ^ names_b)}"]
        if len(za.namelist()) != len(names_a):
            diffs.append("duplicate zip members")
        parts = [n for n in names_a if n != "[Content_Types].xml" and not n.endswith(".rels")]
        for name in sorted(names_a):
            x, y = za.read(name), zb.read(name)
            if name == "[Content_Types].xml":
                same = _content_types(x, parts) == _content_types(y, parts)
            elif name.endswith(".rels"):
                same = _rels(name, x) == _rels(name, y)
            elif name.endswith(".xml"):
                same = _c14n(x) == _c14n(y)
            else:
                same = x == y
            if not same:
                diffs.append(name)
    if _texts(a) != _texts(b):
        diffs.append("text")
    return diffs


def assert_same_document(fast: Path, plain: Path) -> None:
    assert package_differences(fast, plain) == []


# --------------------------------------------------------------------------- building templates


def make_png(path: Path, width: int, height: int, rgb: tuple[int, int, int], dpi: int = 96) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    per_metre = round(dpi / 0.0254)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


def simple_template(path: Path, *paragraphs: str) -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(str(path))
    return path


def edge_template(path: Path, *, merge: bool = True) -> Path:
    """One template holding every docxtpl construct the compiled path must reproduce.

    ``merge``: include paragraphs joined with ``{%-``/``-%}`` (docxtpl cannot handle them
    once LibreOffice has moved the section break into the following paragraph).
    """
    doc = Document()
    # a tag split over runs with different formatting, and a split block tag
    p = doc.add_paragraph()
    p.add_run("Kepada Yth. {{ na").bold = True
    p.add_run("ma }}").italic = True
    p.add_run(" di {{ ala").underline = True
    p.add_run("mat }}.")
    p = doc.add_paragraph()
    p.add_run("{% if ")
    p.add_run("penting %}").bold = True
    p.add_run("SEGERA{% endif %} {# komentar #}nomor {{ nomor }}")
    # paragraph loop
    doc.add_paragraph("{%p for x in daftar %}")
    doc.add_paragraph("{{ loop.index }}. {{ x }}", style="List Paragraph")
    doc.add_paragraph("{%p endfor %}")
    # table-row loop
    table = doc.add_table(rows=3, cols=2)
    table.style = "Table Grid"
    table.cell(0, 0).text = "{%tr for r in baris %}"
    table.cell(1, 0).text = "{{ r.nama }}"
    table.cell(1, 1).text = "{{ r.jabatan }}"
    table.cell(2, 0).text = "{%tr endfor %}"
    # cell loop: the row gets more (or fewer) cells than the grid has columns
    table = doc.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "{%tc for k in kolom %}"
    table.cell(0, 1).text = "{{ k }}"
    table.cell(0, 2).text = "{%tc endfor %}"
    table.cell(1, 0).text = "tetap"
    table = doc.add_table(rows=1, cols=4)
    table.cell(0, 0).text = "{%tc for k in sedikit %}"
    table.cell(0, 1).text = "{{ k }}"
    table.cell(0, 2).text = "{%tc endfor %}"
    # cell background, colspan, vertical merge in a loop
    table = doc.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "{%tr for r in baris %}"
    table.cell(1, 0).text = "{% cellbg warna %}{{ r.nama }}"
    table.cell(1, 1).text = "{% vm %}{{ judul }}"
    table.cell(2, 0).text = "{%tr endfor %}"
    table = doc.add_table(rows=1, cols=3)
    table.cell(0, 0).text = "{% colspan lebar %}lebar"
    # rich text, fragment, listing, images
    doc.add_paragraph("Status: {{r status }} selesai")
    doc.add_paragraph("{{p fragmen }}")
    doc.add_paragraph("Catatan: {{ catatan }}")
    doc.add_paragraph("Daftar: {{ listing }}")
    doc.add_paragraph("Logo {{ logo }} dan foto {{ foto }} dan logo lagi {{ logo2 }}")
    p = doc.add_paragraph("Halaman baru")
    p.runs[0].add_break(WD_BREAK.PAGE)
    if merge:
        doc.add_paragraph("Awal")
        doc.add_paragraph("{%- if penting %} digabung {% endif -%}")
        doc.add_paragraph("sesudah")
    # a second, landscape section (paper size keeps each section's orientation)
    wide = doc.add_section()
    wide.orientation = WD_ORIENT.LANDSCAPE
    wide.page_width, wide.page_height = wide.page_height, wide.page_width
    doc.add_paragraph("Lampiran {{ nomor }}")
    # headers and footers (default and first page), with a picture in the header
    section = doc.sections[0]
    section.header.paragraphs[0].text = "Kop {{ instansi }} {{ logo_kecil }}"
    section.footer.paragraphs[0].text = "Halaman kaki {{ nomor }}"
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "Kop pertama {{ instansi }}"
    section.first_page_footer.paragraphs[0].text = "tanpa tag"
    # core properties with tags
    doc.core_properties.title = "Surat {{ nomor }}"
    doc.core_properties.subject = "{{ perihal }}"
    doc.core_properties.author = "Bagian Umum"
    doc.save(str(path))
    return path


def edge_context(tmp_path: Path) -> dict[str, Any]:
    logo = make_png(tmp_path / "logo.png", 40, 20, (200, 0, 0))
    foto = make_png(tmp_path / "foto.png", 30, 30, (0, 90, 200), dpi=150)
    status = RichText("SELESAI", bold=True, color="#00AA00")
    status.add(" (diverifikasi)", italic=True)
    return {
        "nama": "Budi & <Ani>",
        "alamat": "Jl. Merdeka 1\nKota Baru",
        "penting": True,
        "nomor": "800/12/DTK/2024",
        "daftar": ["satu", "dua & tiga", "{{ 7*7 }}"],
        "baris": [{"nama": "Siti", "jabatan": "Kepala"}, {"nama": "Agus", "jabatan": "Staf\tAhli"}],
        "kolom": ["A", "B", "C", "D", "E"],
        "sedikit": ["X"],
        "warna": "FFEE00",
        "judul": "Tim",
        "lebar": 3,
        "status": status,
        "fragmen": DocxFragment(
            f'<w:p {nsdecls("w")}><w:r><w:rPr><w:b/></w:rPr><w:t>Fragmen kode</w:t></w:r></w:p>'
        ),
        "catatan": "baris 1\nbaris 2\ttab",
        "listing": Listing("a\nb\ac"),
        "logo": Image(logo, width_mm=20),
        "foto": Image(foto),
        "logo2": Image(logo, height_mm=5),
        "logo_kecil": Image(logo, width_mm=10, height_mm=5),
        "instansi": "Dinas Tenaga Kerja",
        "perihal": "Undangan rapat",
    }


def add_footnotes(path: Path, footnote_text: str) -> Path:
    """Add a footnotes part (python-docx cannot) whose footnote holds ``footnote_text``."""
    doc = Document(str(path))
    run = doc.add_paragraph("Teks dengan catatan kaki").add_run()
    run._r.append(parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="1"/>'))
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<w:footnotes {nsdecls("w")}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        "</w:footnote>"
        f'<w:footnote w:id="1"><w:p><w:r><w:t>{footnote_text}</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    )
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml.encode("utf-8"), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    doc.save(str(path))
    return path


def render_both(template: Path, context: dict[str, Any], tmp_path: Path, **kwargs: Any) -> tuple[Path, Path]:
    fast = CompiledTemplate.load(template).render(context, tmp_path / "fast.docx", paper=kwargs.get("paper"))
    plain_post = kwargs.get("postprocess")
    plain = render_plain(template, context, tmp_path / "plain.docx", postprocess=plain_post)
    return fast, plain


def document_xml(path: Path, name: str = "word/document.xml") -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(name).decode("utf-8")


# --------------------------------------------------------------------------- equality


@pytest.mark.parametrize("name", sorted(kinds()))
def test_builtin_kinds_render_as_plain_docxtpl(tmp_path: Path, name: str) -> None:
    kind = kinds()[name]
    template = builtin_templates_dir() / kind.template
    context = kind.sample()
    fast, plain = render_both(template, context, tmp_path)
    assert_same_document(fast, plain)
    # with a paper size (XML-level on the fast path, through python-docx on the plain one)
    fast = CompiledTemplate.load(template).render(context, tmp_path / "fast-f4.docx", paper=Paper("F4", True))
    plain = render_plain(template, context, tmp_path / "plain-f4.docx", postprocess=paper_setter("F4", landscape=True))
    assert_same_document(fast, plain)


@pytest.mark.parametrize("template", sorted(builtin_templates_dir().glob("*.docx")), ids=lambda p: p.name)
def test_builtin_templates_variables_match(template: Path) -> None:
    assert CompiledTemplate.load(template).variables == template_variables(template)


def test_edge_cases_render_as_plain_docxtpl(tmp_path: Path) -> None:
    template = edge_template(tmp_path / "edge.docx")
    context = edge_context(tmp_path)
    fast, plain = render_both(template, context, tmp_path)
    assert_same_document(fast, plain)
    xml = document_xml(fast)
    # the constructs really were exercised
    assert "Budi &amp; &lt;Ani&gt;" in xml and "{{" not in xml.replace("{{ 7*7 }}", "")
    assert xml.count("<w:drawing>") == 3 and 'w:fill="FFEE00"' in xml and 'w:gridSpan w:val="3"' in xml
    assert "<w:b/>" in xml and "Fragmen kode" in xml and "<w:br/>" in xml and "<w:tab/>" in xml
    with zipfile.ZipFile(fast) as package:
        media = sorted(n for n in package.namelist() if n.startswith("word/media/"))
        assert media == ["word/media/image1.png", "word/media/image2.png"]  # logo shared, foto
        header_rels = [n for n in package.namelist() if n.startswith("word/_rels/header")]
        assert header_rels and "image1.png" in package.read(header_rels[0]).decode()
    texts = _texts(fast)
    assert "Kepada Yth. Budi & <Ani> di Jl. Merdeka 1\nKota Baru." in texts
    assert "Surat 800/12/DTK/2024" in texts and "Undangan rapat" in texts
    assert any("Kop Dinas Tenaga Kerja" in t for t in texts) and "Halaman kaki 800/12/DTK/2024" in texts


@requires_libreoffice()
def test_template_written_by_libreoffice_renders_as_plain_docxtpl(tmp_path: Path) -> None:
    """A template python-docx did not write: other part bytes, other run splitting."""
    from sopdocs.pdf.convert import find_soffice

    (tmp_path / "src").mkdir()
    source = edge_template(tmp_path / "src" / "edge.docx", merge=False)
    converted = tmp_path / "lo"
    subprocess.run(
        [
            str(find_soffice()), "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(converted), str(source),
        ],
        check=True, capture_output=True, timeout=180,
    )
    template = converted / "edge.docx"
    fast, plain = render_both(template, edge_context(tmp_path), tmp_path)
    assert_same_document(fast, plain)
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(plain) as b:  # the normalisation was needed
        assert a.read("word/styles.xml") != b.read("word/styles.xml")
    assert "Kepada Yth. Budi & <Ani> di Jl. Merdeka 1\nKota Baru." in _texts(fast)


def test_cell_loop_grid_matches_plain_when_growing_and_shrinking(tmp_path: Path) -> None:
    template = edge_template(tmp_path / "edge.docx")
    context = edge_context(tmp_path)
    for kolom, sedikit in ((["A"] * 9, []), ([], ["P", "Q", "R", "S", "T", "U"])):
        context.update(kolom=kolom, sedikit=sedikit)
        fast, plain = render_both(template, context, tmp_path)
        assert_same_document(fast, plain)


def test_paper_matches_paper_setter(tmp_path: Path) -> None:
    template = edge_template(tmp_path / "edge.docx")
    context = edge_context(tmp_path)
    for name, landscape in (("A4", None), ("F4", True), ("F4", False)):
        fast, plain = render_both(
            template, context, tmp_path, paper=Paper(name, landscape), postprocess=paper_setter(name, landscape=landscape)
        )
        assert_same_document(fast, plain)
    xml = document_xml(CompiledTemplate.load(template).render(context, tmp_path / "l.docx", paper=Paper("F4", True)))
    assert xml.count('w:orient="landscape"') == 2 and xml.count('w:w="18709" w:h="12189"') == 2
    xml = document_xml(CompiledTemplate.load(template).render(context, tmp_path / "k.docx", paper="A4"))
    assert xml.count('w:w="11906" w:h="16838"') == 1 and xml.count('w:w="16838" w:h="11906"') == 1
    with pytest.raises(RenderError, match="kertas"):
        CompiledTemplate.load(template).render(context, tmp_path / "x.docx", paper="B5")


def test_properties_match_a_python_docx_postprocess(tmp_path: Path) -> None:
    template = edge_template(tmp_path / "edge.docx")
    context = edge_context(tmp_path)
    properties = {"title": "Lembar Disposisi 800/1", "subject": "Rapat & koordinasi", "keywords": "disposisi"}

    def postprocess(document: Any) -> None:
        for name, value in properties.items():
            setattr(document.core_properties, name, value)

    fast = CompiledTemplate.load(template).render(context, tmp_path / "fast.docx", properties=properties)
    plain = render_plain(template, context, tmp_path / "plain.docx", postprocess=postprocess)
    assert_same_document(fast, plain)
    assert Document(str(fast)).core_properties.keywords == "disposisi"
    # metadata longer than a .docx property holds is cut to fit, never an error naming the template
    long = CompiledTemplate.load(template).render(context, tmp_path / "long.docx", properties={"title": "x" * 300})
    title = Document(str(long)).core_properties.title
    assert len(title) == 255 and title.endswith("\u2026")
    with pytest.raises(RenderError, match="tidak dikenal"):
        CompiledTemplate.load(template).render(context, tmp_path / "x.docx", properties={"judul": "x"})
    assert not (tmp_path / "x.docx").exists()


def test_footnotes_render_as_plain_docxtpl(tmp_path: Path) -> None:
    template = add_footnotes(simple_template(tmp_path / "t.docx", "Isi {{ isi }}"), "Sumber: {{ sumber }}")
    fast, plain = render_both(template, {"isi": "laporan", "sumber": "BPS & Dinas"}, tmp_path)
    assert_same_document(fast, plain)
    assert "Sumber: BPS &amp; Dinas" in document_xml(fast, "word/footnotes.xml")


def test_footnote_values_are_never_code_even_with_several_sections(tmp_path: Path) -> None:
    """Plain docxtpl renders the footnotes part once per section: its second pass runs
    template code found in values ({{ 7*7 }} becomes 49). The compiled path renders once."""
    template = simple_template(tmp_path / "t.docx", "Isi {{ isi }}")
    doc = Document(str(template))
    doc.add_section()
    doc.add_paragraph("bagian dua")
    doc.save(str(template))
    add_footnotes(template, "Sumber: {{ sumber }}")
    out = CompiledTemplate.load(template).render({"isi": "x", "sumber": "{{ 7*7 }}"}, tmp_path / "o.docx")
    assert "Sumber: {{ 7*7 }}" in document_xml(out, "word/footnotes.xml")


def test_listing_resolution_is_docxtpls() -> None:
    """The compiled path's resolve_listing gives docxtpl's result on arbitrary markup soups."""
    pieces = [
        "<w:p>", '<w:p w:rsidR="1">', "</w:p>", "<w:pPr><w:jc/></w:pPr>", "<w:r>", "</w:r>", "<w:rPr><w:b/></w:rPr>",
        "<w:t>", '<w:t xml:space="preserve">', "</w:t>", "teks", "\n", "\t", "\a", "\f", "<w:p", " x", ">", "<w:tc>",
    ]
    rng = random.Random(7)
    for _ in range(3000):
        xml = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        assert fastrender._resolve_listing(xml) == DocxTemplate.resolve_listing(None, xml), xml  # type: ignore[arg-type]


def test_untouched_parts_are_copied_as_compressed_in_the_template(tmp_path: Path) -> None:
    template = edge_template(tmp_path / "edge.docx")
    out = CompiledTemplate.load(template).render(edge_context(tmp_path), tmp_path / "out.docx")

    def raw(path: Path, name: str) -> bytes:
        with zipfile.ZipFile(path) as package:
            info = package.getinfo(name)
            with open(path, "rb") as f:
                f.seek(info.header_offset + 26)
                skip = sum(struct.unpack("<HH", f.read(4)))
                f.seek(skip, io.SEEK_CUR)
                return f.read(info.compress_size)

    for name in ("word/styles.xml", "word/theme/theme1.xml", "docProps/thumbnail.jpeg"):
        assert raw(out, name) == raw(template, name)
    with zipfile.ZipFile(out) as package:
        assert package.testzip() is None


def test_render_docx_matches_the_plain_reference(tmp_path: Path) -> None:
    """render_plain is the reference the tests use; it must be what render_docx does."""
    template = edge_template(tmp_path / "edge.docx")
    context = edge_context(tmp_path)
    a = render_plain(template, context, tmp_path / "a.docx")
    b = render_docx(template, context, tmp_path / "b.docx")
    assert_same_document(a, b)


# --------------------------------------------------------------------------- cache


def test_changed_template_is_used_on_next_render(tmp_path: Path) -> None:
    template = simple_template(tmp_path / "t.docx", "versi satu {{ x }}")
    first = CompiledTemplate.load(template)
    first.render({"x": "A"}, tmp_path / "1.docx")
    assert CompiledTemplate.load(template) is first
    simple_template(template, "versi dua, lebih panjang {{ x }} {{ y }}")
    second = CompiledTemplate.load(template)
    assert second is not first and second.variables == {"x", "y"}
    second.render({"x": "B", "y": "C"}, tmp_path / "2.docx")
    assert "versi dua, lebih panjang B C" in _texts(tmp_path / "2.docx")
    assert "versi satu A" in _texts(tmp_path / "1.docx")


def test_same_size_change_is_seen_through_mtime(tmp_path: Path) -> None:
    template = simple_template(tmp_path / "t.docx", "AAAA {{ x }}")
    stat = template.stat()
    CompiledTemplate.load(template).render({"x": "1"}, tmp_path / "1.docx")
    data = template.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(template, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "word/document.xml":
                body = body.replace(b"AAAA", b"BBBB")
            dst.writestr(info.filename, body)
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    out = CompiledTemplate.load(template).render({"x": "2"}, tmp_path / "2.docx")
    assert "BBBB 2" in _texts(out)


# --------------------------------------------------------------------------- safety (as render_docx)

HOSTILE = [
    "& < > \" '",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "</w:t></w:r></w:p><w:p><w:r><w:t>injected",
    "emoji \U0001f600 \u2705 \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "kontrol\x00\x01\x0b\ufffe dibuang",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_render_literally(tmp_path: Path, value: str) -> None:
    template = simple_template(tmp_path / "t.docx", "awal {{ nilai }} akhir", "paragraf terakhir")
    fast, plain = render_both(template, {"nilai": value}, tmp_path)
    assert_same_document(fast, plain)
    texts = _texts(fast)
    assert "paragraf terakhir" in texts and "49" not in "".join(texts)


def test_missing_variables_reported_together_and_nothing_written(tmp_path: Path) -> None:
    template = simple_template(tmp_path / "t.docx", "{{ nomor }} {{ perihal }} {{ tanggal }}")
    target = tmp_path / "out.docx"
    with pytest.raises(RenderError) as info:
        CompiledTemplate.load(template).render({"tanggal": "x"}, target)
    assert "nomor, perihal" in str(info.value) and "tanggal" not in str(info.value).split(":")[-1]
    assert sorted(tmp_path.iterdir()) == [template]


@pytest.mark.parametrize(
    "code", ["{{ cycler.__init__.__globals__ }}", "{{ nilai.__class__.__base__ }}", "{{ profil.alamt }}"]
)
def test_sandbox_and_undefined_refused_without_output(tmp_path: Path, code: str) -> None:
    template = simple_template(tmp_path / "t.docx", code)
    target = tmp_path / "out.docx"
    target.write_bytes(b"versi lama")
    with pytest.raises(RenderError, match="sandbox|alamt"):
        CompiledTemplate.load(template).render({"nilai": "x", "profil": {"alamat": "J"}}, target)
    assert target.read_bytes() == b"versi lama"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.docx", "t.docx"]


def test_broken_template_syntax_is_a_render_error(tmp_path: Path) -> None:
    template = simple_template(tmp_path / "t.docx", "{% if x %} tanpa penutup")
    with pytest.raises(RenderError, match="templat rusak"):
        CompiledTemplate.load(template)


@pytest.mark.parametrize("where", ["body", "header", "footnote"])
def test_broken_xml_is_refused_everywhere(tmp_path: Path, where: str) -> None:
    template = simple_template(tmp_path / "t.docx", "{{ isi }}" if where == "body" else "teks")
    if where == "header":
        doc = Document(str(template))
        doc.sections[0].header.paragraphs[0].text = "{{ isi }}"
        doc.save(str(template))
    if where == "footnote":
        add_footnotes(template, "{{ isi }}")
    target = tmp_path / "out.docx"
    with pytest.raises(RenderError, match="bukan XML yang sah"):
        CompiledTemplate.load(template).render({"isi": DocxFragment("<w:r><w:t>tanpa penutup")}, target)
    assert not target.exists()


def test_missing_picture_is_reported(tmp_path: Path) -> None:
    template = simple_template(tmp_path / "t.docx", "{{ logo }}")
    with pytest.raises(RenderError, match="gambar tidak ditemukan"):
        CompiledTemplate.load(template).render({"logo": Image(tmp_path / "tidak-ada.png")}, tmp_path / "o.docx")


def test_missing_template_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="templat tidak ditemukan"):
        CompiledTemplate.load(tmp_path / "tidak-ada.docx")


# --------------------------------------------------------------------------- plain-path fallback


def test_postprocess_callback_goes_through_plain_path(tmp_path: Path) -> None:
    template = simple_template(tmp_path / "t.docx", "isi {{ x }}")

    def tambah(document: Any) -> None:
        document.add_paragraph("ditambahkan oleh postprocess")

    out = CompiledTemplate.load(template).render({"x": "1"}, tmp_path / "o.docx", postprocess=tambah)
    assert "ditambahkan oleh postprocess" in _texts(out)
    plain = render_plain(template, {"x": "1"}, tmp_path / "p.docx", postprocess=tambah)
    assert_same_document(out, plain)


def test_subdoc_is_refused_not_rendered_without_its_parts(tmp_path: Path) -> None:
    pytest.importorskip("docxcompose")  # docxtpl's Subdoc needs it; not a sopdocs dependency
    template = simple_template(tmp_path / "t.docx", "awal", "{{p sub }}", "akhir")
    sub = DocxTemplate(str(template)).new_subdoc()
    sub.add_paragraph("isi subdokumen")
    with pytest.raises(RenderError, match="Subdoc tidak didukung; pakai DocxFragment|Subdoc tidak didukung"):
        CompiledTemplate.load(template).render({"sub": sub}, tmp_path / "o.docx")
    assert not (tmp_path / "o.docx").exists()


# --------------------------------------------------------------------------- progress
# (render_many and its worker processes left in issue 16: measured slower than one core)


def test_progress_bar_draws_only_when_forced_or_on_a_terminal() -> None:
    stream = io.StringIO()
    with ProgressBar(label="Render", stream=stream, force=True, min_interval=0) as bar:
        for done in range(5):
            bar(done + 1, 5)
    text = stream.getvalue()
    assert "Render [" in text and "5/5 100%" in text and "#" * 30 in text and text.endswith("\n")
    assert "\r" in text
    quiet = io.StringIO()
    bar = ProgressBar(stream=quiet)
    bar(3, 5)
    bar.close()
    assert quiet.getvalue() == ""
