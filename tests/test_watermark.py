"""Draft mark (KONSEP) on every page: package structure, idempotence, and the real PDF."""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import IN_CI, ROOT, requires_libreoffice
from docx.enum.section import WD_SECTION
from lxml import etree

from sopdocs.docx import watermark as wm
from sopdocs.docx.watermark import (
    MARK_ID_PREFIX,
    MAX_TEXT_LENGTH,
    WatermarkError,
    add_watermark,
    has_watermark,
    watermark_bytes,
)
from sopdocs.errors import SopdocsError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
V = "urn:schemas-microsoft-com:vml"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
PKG_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
CT_HEADER = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
BODY_LINE = (
    "Kepala Dinas Kependudukan dan Pencatatan Sipil menugaskan pegawai yang namanya "
    "tersebut di bawah ini untuk melaksanakan pendataan penduduk."
)


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# --------------------------------------------------------------------------- helpers


def make_docx(
    path: Path,
    *,
    pages: int = 3,
    header: str | None = None,
    second_section: bool = False,
    title_page: bool = False,
    even_odd: bool = False,
) -> Path:
    """A python-docx document of ``pages`` pages; optionally a header in section 1, a
    second section (new page, no header of its own) for the last page, titlePg on the
    last section, and even/odd headers switched on in settings."""
    document = docx.Document()
    for page in range(1, pages + 1):
        if page > 1:
            if second_section and page == pages:
                document.add_section(WD_SECTION.NEW_PAGE)
            else:
                document.add_page_break()
        for line in range(10):
            document.add_paragraph(f"Halaman {page} baris {line}: {BODY_LINE}")
    if header is not None:
        section = document.sections[0]
        section.header.is_linked_to_previous = False
        section.header.paragraphs[0].text = header
    if title_page:
        document.sections[-1].different_first_page_header_footer = True
    if even_odd:
        document.settings.odd_and_even_pages_header_footer = True
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def assert_package_valid(path: Path) -> None:
    """Every part has a content type; every relationship target exists; every r:* id
    used in an XML part is a relationship of that part; no duplicate relationship ids."""
    content = parts(path)
    types = xml(content["[Content_Types].xml"])
    defaults = {d.get("Extension").lower(): d.get("ContentType") for d in types.iter(f"{{{PKG_CT}}}Default")}
    overrides = {o.get("PartName").lower(): o.get("ContentType") for o in types.iter(f"{{{PKG_CT}}}Override")}
    for name in content:
        if name == "[Content_Types].xml":
            continue
        extension = name.rsplit(".", 1)[-1].lower()
        assert f"/{name}".lower() in overrides or extension in defaults, f"{name}: no content type"
    for part_name in overrides:
        assert any(f"/{n}".lower() == part_name for n in content), f"override for missing part {part_name}"

    ids_of: dict[str, set[str]] = {}
    for name, data in content.items():
        if not name.endswith(".rels"):
            continue
        folder = posixpath.dirname(posixpath.dirname(name))
        source = posixpath.join(folder, posixpath.basename(name)[: -len(".rels")])
        ids: list[str] = []
        for rel in xml(data).iter(f"{{{PKG_REL}}}Relationship"):
            ids.append(rel.get("Id"))
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(posixpath.dirname(source), target))
            assert resolved in content, f"{name}: {rel.get('Id')} points to missing {resolved}"
        assert len(ids) == len(set(ids)), f"{name}: duplicate relationship ids {ids}"
        ids_of[source] = set(ids)

    for name, data in content.items():
        if not name.endswith(".xml") or name == "[Content_Types].xml":
            continue
        for element in xml(data).iter():
            for attribute, value in element.attrib.items():
                if attribute.startswith(f"{{{R}}}"):
                    assert value in ids_of.get(name, set()), f"{name}: {attribute}={value} does not resolve"


def section_refs(path: Path) -> list[dict[str, str]]:
    """Per w:sectPr (document order): header type -> target part name."""
    content = parts(path)
    rels = xml(content["word/_rels/document.xml.rels"])
    target = {rel.get("Id"): posixpath.normpath(posixpath.join("word", rel.get("Target")))
              for rel in rels.iter(f"{{{PKG_REL}}}Relationship")}
    document = xml(content["word/document.xml"])
    result = []
    for sect_pr in document.iter(w("sectPr")):
        children = [child.tag for child in sect_pr]
        refs = [c for c in children if c in (w("headerReference"), w("footerReference"))]
        assert children[: len(refs)] == refs, "header/footer references must come first in sectPr"
        result.append({ref.get(w("type")): target[ref.get(f"{{{R}}}id")]
                       for ref in sect_pr.findall(w("headerReference"))})
    return result


def marks_in(data: bytes) -> list[etree._Element]:
    return [s for s in xml(data).iter(f"{{{V}}}shape") if s.get("id", "").startswith(MARK_ID_PREFIX)]


def header_text(data: bytes) -> str:
    return "".join(t.text or "" for t in xml(data).iter(w("t")))


def body_paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --------------------------------------------------------------------------- structure


def test_one_section_without_header_gets_a_new_header_with_the_mark(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "konsep.docx")
    before = parts(source)
    body_before = body_paragraphs(source)
    add_watermark(source)

    [refs] = section_refs(source)
    assert set(refs) == {"default"}
    header = refs["default"]
    assert header not in before  # created
    content = parts(source)
    [shape] = marks_in(content[header])
    textpath = shape.find(f"{{{V}}}textpath")
    assert textpath.get("string") == "KONSEP"
    assert textpath.get("trim") == "t"
    style = dict(item.split(":", 1) for item in shape.get("style").split(";"))
    assert style["rotation"] == "315"  # -45 degrees: rising to the right
    assert int(style["z-index"]) < 0  # behind the text
    assert style["mso-position-horizontal"] == style["mso-position-vertical"] == "center"
    assert style["mso-position-horizontal-relative"] == "margin"
    assert 300 < float(style["width"].removesuffix("pt")) < 600
    assert shape.get("fillcolor") == "#C0C0C0"
    assert shape.find(f"{{{V}}}fill").get("opacity") == ".5"
    # The namespaces of the mark are declared on the header root; mc:Ignorable names
    # only declared prefixes.
    root = xml(content[header])
    for prefix in ("w", "r", "v", "o", "w10", "mc"):
        assert prefix in root.nsmap
    ignorable = root.get("{http://schemas.openxmlformats.org/markup-compatibility/2006}Ignorable", "")
    assert all(prefix in root.nsmap for prefix in ignorable.split())

    assert_package_valid(source)
    assert has_watermark(source) and not has_watermark(make_docx(tmp_path / "polos.docx"))
    assert body_paragraphs(source) == body_before  # the body is untouched
    for name, data in before.items():  # styles, numbering, media... byte for byte
        if name not in {"word/document.xml", "word/_rels/document.xml.rels", "[Content_Types].xml"}:
            assert parts(source)[name] == data, name
    assert leftovers(tmp_path) == []


def test_existing_header_keeps_its_content(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "kop.docx", header="KOP DINAS KEPENDUDUKAN")
    before = parts(source)
    [refs_before] = section_refs(source)
    add_watermark(source)
    [refs] = section_refs(source)
    assert refs == refs_before  # no new header: the existing one carries the mark
    content = parts(source)
    assert sorted(content) == sorted(before)
    header = content[refs["default"]]
    assert header_text(header) == "KOP DINAS KEPENDUDUKAN"
    assert len(marks_in(header)) == 1
    # The original paragraph (style and text run) is still there, the mark run first.
    paragraph = xml(header).find(w("p"))
    assert paragraph.find(w("pPr")) is not None
    runs = paragraph.findall(w("r"))
    assert runs[0].find(w("pict")) is not None and runs[-1].findtext(w("t")) == "KOP DINAS KEPENDUDUKAN"
    assert_package_valid(source)


def test_sections_first_page_and_even_pages_all_get_the_mark(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "dua-bagian.docx", pages=4, header="KOP", second_section=True,
                       title_page=True, even_odd=True)
    add_watermark(source, "DRAF")

    first, second = section_refs(source)
    assert set(first) == {"default", "even"}  # no titlePg in section 1
    assert set(second) == {"default", "first", "even"}
    # Section 2 inherited section 1's headers (Word's rule); the references are now
    # explicit and point to the same parts.
    assert second["default"] == first["default"]
    assert second["even"] == first["even"]
    assert len({first["default"], first["even"], second["first"]}) == 3
    content = parts(source)
    for header in {*first.values(), *second.values()}:
        [shape] = marks_in(content[header])
        assert shape.find(f"{{{V}}}textpath").get("string") == "DRAF"
    assert header_text(content[first["default"]]) == "KOP"
    # Header parts have unique names, relationships unique ids, and content types.
    types = content["[Content_Types].xml"].decode()
    for header in {*first.values(), *second.values()}:
        assert f'PartName="/{header}" ContentType="{CT_HEADER}"' in types
    shape_ids = [s.get("id") for h in {*first.values(), *second.values()} for s in marks_in(content[h])]
    assert len(shape_ids) == len(set(shape_ids))
    assert_package_valid(source)


def test_stamping_twice_keeps_one_mark_and_a_new_text_replaces_it(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "dua-kali.docx", header="KOP", second_section=True, title_page=True)
    add_watermark(source)
    once = source.read_bytes()
    add_watermark(source)
    assert source.read_bytes() == once  # nothing to do: the file is not even rewritten
    assert watermark_bytes(once) is once or watermark_bytes(once) == once

    add_watermark(source, "DRAF")
    content = parts(source)
    headers = {h for refs in section_refs(source) for h in refs.values()}
    assert len(headers) == 2
    for header in headers:
        [shape] = marks_in(content[header])
        assert shape.find(f"{{{V}}}textpath").get("string") == "DRAF"
    assert len([n for n in content if re.fullmatch(r"word/header\d+\.xml", n)]) == 2
    assert_package_valid(source)


def test_other_watermarks_are_kept(tmp_path: Path) -> None:
    """A Word watermark that is not ours (e.g. RAHASIA in the template) stays."""
    source = make_docx(tmp_path / "rahasia.docx", header="KOP")
    content = parts(source)
    [refs] = section_refs(source)
    foreign = content[refs["default"]].replace(
        b"<w:r>",
        b'<w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" id="PowerPlusWaterMarkObject42" '
        b'type="#_x0000_t136"><v:textpath string="RAHASIA"/></v:shape></w:pict></w:r><w:r>',
        1,
    )
    with zipfile.ZipFile(source, "w") as archive:
        for name, data in content.items():
            archive.writestr(name, foreign if name == refs["default"] else data)
    add_watermark(source)
    add_watermark(source)
    header = parts(source)[refs["default"]]
    strings = [t.get("string") for t in xml(header).iter(f"{{{V}}}textpath") if t.get("string")]
    assert sorted(strings) == ["KONSEP", "RAHASIA"]


@pytest.mark.parametrize("template", ["disposisi.docx", "kuesioner.docx", "sop.docx"])
def test_builtin_templates_stay_valid(tmp_path: Path, template: str) -> None:
    target = tmp_path / template
    shutil.copy(ROOT / "templates" / template, target)
    before = parts(target)
    add_watermark(target)
    content = parts(target)
    refs = section_refs(target)
    assert refs and all("default" in r for r in refs)
    for header in {h for r in refs for h in r.values()}:
        assert len(marks_in(content[header])) == 1
        if header in before:  # kuesioner has a header of its own: its text is kept
            assert header_text(content[header]) == header_text(before[header])
    assert_package_valid(target)


def test_rendered_disposisi(example_copy: Path) -> None:
    from sopdocs.kinds.disposisi import render_disposisi_file

    [out] = render_disposisi_file(example_copy / "disposisi.yaml", example_copy / "out").docx
    lines_before = body_paragraphs(out)
    add_watermark(out)
    assert has_watermark(out)
    assert body_paragraphs(out) == lines_before
    assert_package_valid(out)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("text", ["KON\nSEP", "KONSEP\t", "\x00", "A\x1bB", "A\u2028B", "A\x7fB"])
def test_control_characters_are_refused(tmp_path: Path, text: str) -> None:
    source = make_docx(tmp_path / "x.docx", pages=1)
    before = source.read_bytes()
    with pytest.raises(SopdocsError, match="karakter kendali"):
        add_watermark(source, text)
    assert source.read_bytes() == before


def test_length_limit_and_empty_text(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "x.docx", pages=1)
    with pytest.raises(WatermarkError, match=f"paling banyak {MAX_TEXT_LENGTH} karakter"):
        add_watermark(source, "K" * (MAX_TEXT_LENGTH + 1))
    with pytest.raises(WatermarkError, match="kosong"):
        add_watermark(source, "   ")
    longest = "KONSEP SURAT TUGAS - BELUM DITANDATANGANI"[:MAX_TEXT_LENGTH]
    add_watermark(source, longest)
    [refs] = section_refs(source)
    [shape] = marks_in(parts(source)[refs["default"]])
    assert shape.find(f"{{{V}}}textpath").get("string") == longest
    # A long text shrinks to fit the page: rotated, it spans at most 80 % of the width.
    style = dict(item.split(":", 1) for item in shape.get("style").split(";"))
    width, height = (float(style[k].removesuffix("pt")) for k in ("width", "height"))
    assert (width + height) / 2**0.5 <= 0.8 * 612 + 1  # Letter page, python-docx default


def test_not_a_word_document_is_refused_and_left_alone(tmp_path: Path) -> None:
    fake = tmp_path / "bukan.docx"
    fake.write_text("ini bukan dokumen Word", encoding="utf-8")
    with pytest.raises(WatermarkError, match="bukan dokumen Word"):
        add_watermark(fake)
    assert fake.read_text(encoding="utf-8") == "ini bukan dokumen Word"
    with pytest.raises(WatermarkError, match="tidak dapat dibaca"):
        add_watermark(tmp_path / "tidak-ada.docx")
    assert leftovers(tmp_path) == []


def test_failed_replace_leaves_the_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_docx(tmp_path / "x.docx", pages=1)
    before = source.read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "berkas sedang dibuka")

    monkeypatch.setattr(wm.os, "replace", refuse)
    with pytest.raises(WatermarkError, match="tutup berkas itu"):
        add_watermark(source)
    assert source.read_bytes() == before
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- the PDF


def _gray_pages(pdf: Path, out: Path, dpi: int = 30) -> list[tuple[int, int, bytes]]:
    """Each page as (width, height, 8-bit grey pixels), rendered by pdftoppm."""
    out.mkdir()
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), str(out / "p")], check=True)
    pages = []
    for image in sorted(out.glob("p-*.pgm")):
        data = image.read_bytes()
        magic, width, height, maxval, pixels = re.match(rb"(P5)\s+(\d+)\s+(\d+)\s+(\d+)\s(.*)", data, re.S).groups()
        assert maxval == b"255"
        pages.append((int(width), int(height), pixels))
    return pages


def _page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True).stdout
    return text.decode("utf-8").split("\f")


@requires_libreoffice()
def test_every_pdf_page_shows_a_diagonal_grey_mark_behind_the_text(tmp_path: Path) -> None:
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        if IN_CI:
            pytest.fail("poppler-utils (pdftoppm, pdftotext) missing")
        pytest.skip("poppler-utils (pdftoppm, pdftotext) not installed")
    from sopdocs.pdf.convert import convert_many

    # Pages 1-2: section 1 with its own header; page 3: section 2 with a different first
    # page (titlePg) and no header of its own.
    plain = make_docx(tmp_path / "polos.docx", header="KOP SURAT", second_section=True, title_page=True)
    stamped = tmp_path / "konsep.docx"
    shutil.copy(plain, stamped)
    add_watermark(stamped)
    plain_pdf, stamped_pdf = convert_many([plain, stamped], tmp_path / "pdf")

    # The mark adds no text (LibreOffice draws WordArt as outlines) and moves nothing.
    assert _page_texts(stamped_pdf) == _page_texts(plain_pdf)
    plain_pages = _gray_pages(plain_pdf, tmp_path / "polos")
    stamped_pages = _gray_pages(stamped_pdf, tmp_path / "konsep")
    assert len(stamped_pages) == len(plain_pages) == 3
    for number, ((width, height, before), (_, _, after)) in enumerate(zip(plain_pages, stamped_pages), 1):
        mark = [
            (i % width, i // width)
            for i, (b, a) in enumerate(zip(before, after))
            if b > 245 and 150 <= a <= 240  # white paper turned light grey
        ]
        assert len(mark) > 500, f"page {number}: no mark ({len(mark)} grey pixels)"
        # Text stays on top: dark text pixels are still dark.
        hidden = sum(1 for b, a in zip(before, after) if b < 80 and a >= 120)
        assert hidden <= 5, f"page {number}: {hidden} text pixels covered by the mark"
        n = len(mark)
        mx = sum(x for x, _ in mark) / n
        my = sum(y for _, y in mark) / n
        assert abs(mx - width / 2) < 0.1 * width and abs(my - height / 2) < 0.1 * height, (number, mx, my)
        sxx = sum((x - mx) ** 2 for x, _ in mark)
        syy = sum((y - my) ** 2 for _, y in mark)
        sxy = sum((x - mx) * (y - my) for x, y in mark)
        correlation = sxy / (sxx * syy) ** 0.5
        # Rising to the right (y grows downwards in the image), close to a straight line.
        assert correlation < -0.8, f"page {number}: not diagonal (correlation {correlation:.2f})"
        assert 0.75 < sxx / syy < 1.33, f"page {number}: not at 45 degrees"
