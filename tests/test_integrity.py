"""The compiled engine never writes a broken document: the OPC package check
(sopdocs.docx.integrity) finds each kind of breakage, every built-in output passes it, and
the writers refuse a broken package before it reaches its final name."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from conftest import EXAMPLES
from sopdocs.docx.engine import atomic_save
from sopdocs.docx.integrity import (
    CHECK_ENV,
    check_package,
    checks_enabled,
    guard_output,
    require_sound_package,
    resolve_target,
)
from sopdocs.docx.render import render_docx
from sopdocs.docx.watermark import add_watermark
from sopdocs.errors import RenderError
from sopdocs.locations import builtin_templates_dir

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# --------------------------------------------------------------------------- helpers


def sound_docx(picture: bool = False) -> bytes:
    document = Document()
    document.add_paragraph("Isi surat")
    if picture:
        document.add_picture(str(EXAMPLES / "logo.png"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, change: Callable[[str, bytes], bytes | None], add: dict[str, bytes] | None = None) -> bytes:
    """``data`` with each part replaced by ``change(name, content)`` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def replace_part(data: bytes, part: str, content: bytes | None) -> bytes:
    return rewrite(data, lambda name, old: content if name == part else old)


def with_dangling_hyperlink(data: bytes) -> bytes:
    """A ``w:hyperlink r:id="rId99"`` in the body, with no relationship rId99."""
    link = (f'<w:p xmlns:w="{W}" xmlns:r="{R}"><w:hyperlink r:id="rId99"><w:r><w:t>tautan</w:t></w:r>'
            "</w:hyperlink></w:p>").encode()

    def change(name: str, content: bytes) -> bytes:
        return content.replace(b"<w:sectPr", link + b"<w:sectPr", 1) if name == "word/document.xml" else content

    return rewrite(data, change)


def one(problems: list[str], *needles: str) -> str:
    hits = [p for p in problems if all(n in p for n in needles)]
    assert hits, (needles, problems)
    return hits[0]


# --------------------------------------------------------------------------- the check


def test_a_sound_package_has_no_problem() -> None:
    assert check_package(sound_docx()) == []
    assert check_package(sound_docx(picture=True)) == []


def test_dangling_hyperlink_id() -> None:
    problems = check_package(with_dangling_hyperlink(sound_docx()))
    assert problems == ['word/document.xml: r:id="rId99" (w:hyperlink) tidak ada di word/_rels/document.xml.rels']


def test_dangling_picture_embed() -> None:
    data = sound_docx(picture=True)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        rels = package.read("word/_rels/document.xml.rels")
    image = re.search(rb'<Relationship [^>]*Id="(rId\d+)"[^>]*relationships/image"[^>]*/>', rels)
    assert image is not None
    broken = replace_part(data, "word/_rels/document.xml.rels", rels.replace(image.group(0), b""))
    problem = one(check_package(broken), "word/document.xml", "r:embed", image.group(1).decode())
    assert "a:blip" in problem


def test_relationship_target_missing_from_the_zip() -> None:
    broken = replace_part(sound_docx(), "word/styles.xml", None)
    problem = one(check_package(broken), "word/_rels/document.xml.rels")
    assert "word/styles.xml" in problem and "tidak ada dalam paket" in problem


def test_part_without_content_type() -> None:
    broken = rewrite(sound_docx(), lambda name, old: old, add={"word/lampiran.bin": b"\x00\x01"})
    assert check_package(broken) == ["word/lampiran.bin: tidak punya jenis isi (content type) di [Content_Types].xml"]


def test_missing_content_types() -> None:
    broken = replace_part(sound_docx(), "[Content_Types].xml", None)
    assert check_package(broken) == ["[Content_Types].xml tidak ada (jenis isi bagian-bagian tidak diketahui)"]


def test_malformed_rels() -> None:
    broken = replace_part(sound_docx(), "word/_rels/document.xml.rels", b"<Relationships><Relationship")
    problems = check_package(broken)
    one(problems, "word/_rels/document.xml.rels", "bukan XML yang sah")
    # and the ids the body uses can no longer be resolved: reported, not a crash
    assert all(p.startswith("word/") for p in problems)


def test_malformed_xml_part() -> None:
    broken = replace_part(sound_docx(), "word/styles.xml", b"<w:styles><w:style></w:styles>")
    problems = check_package(broken)
    assert len(problems) == 1
    one(problems, "word/styles.xml", "bukan XML yang sah")


def test_xml_with_entities_is_not_expanded() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxxxx"><!ENTITY y "&x;&x;&x;&x;&x;">]>'
            b"<a>&y;</a>")
    assert check_package(replace_part(sound_docx(), "docProps/app.xml", bomb)) == []


def test_not_a_zip(tmp_path: Path) -> None:
    (problem,) = check_package(b"ini bukan dokumen Word", name="surat.docx")
    assert problem.startswith("surat.docx: bukan arsip zip yang sah")
    path = tmp_path / "kosong-rusak.docx"
    path.write_bytes(b"")
    (problem,) = check_package(path)
    assert str(path) in problem and "bukan arsip zip" in problem
    (problem,) = check_package(tmp_path / "tidak-ada.docx")
    assert "tidak dapat dibaca" in problem


def test_package_relationship_to_the_main_document() -> None:
    data = sound_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        rels = package.read("_rels/.rels")
    no_main = re.sub(rb'<Relationship [^>]*relationships/officeDocument"[^>]*/>', b"", rels)
    assert no_main != rels
    one(check_package(replace_part(data, "_rels/.rels", no_main)), "_rels/.rels", "officeDocument")
    one(check_package(replace_part(data, "_rels/.rels", None)), "_rels/.rels tidak ada")


def test_external_targets_and_duplicate_ids() -> None:
    data = sound_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        rels = package.read("word/_rels/document.xml.rels")
    external = rels.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="%s/hyperlink" '
                            b'Target="https://example.go.id/tidak-ada" TargetMode="External"/></Relationships>'
                            % R.encode())
    assert check_package(replace_part(with_dangling_hyperlink(data), "word/_rels/document.xml.rels", external)) == []
    twice = rels.replace(b"</Relationships>", b'<Relationship Id="rId1" Type="x" Target="styles.xml"/></Relationships>')
    one(check_package(replace_part(data, "word/_rels/document.xml.rels", twice)), "rId1", "dua kali")


def test_vml_relid_and_other_prefix() -> None:
    """Any prefix bound to the relationships namespace counts, and VML's o:relid."""
    body = (f'<w:p xmlns:w="{W}" xmlns:rel="{R}" xmlns:o="urn:schemas-microsoft-com:office:office">'
            '<w:r><w:pict><x o:relid="rId77" xmlns:x="urn:x"/></w:pict></w:r>'
            '<w:hyperlink\nrel:id="rId78"/></w:p>').encode()
    broken = rewrite(sound_docx(), lambda name, old: old.replace(b"<w:sectPr", body + b"<w:sectPr", 1)
                     if name == "word/document.xml" else old)
    problems = check_package(broken)
    one(problems, 'o:relid="rId77"')
    one(problems, 'r:id="rId78"', "w:hyperlink")


def test_resolve_target() -> None:
    assert resolve_target("word/document.xml", "media/image1.png") == "word/media/image1.png"
    assert resolve_target("word/document.xml", "../customXml/item1.xml") == "customXml/item1.xml"
    assert resolve_target("word/document.xml", "/word/styles.xml") == "word/styles.xml"
    assert resolve_target("", "word/document.xml") == "word/document.xml"
    assert resolve_target("word/document.xml", "media/gambar%201.png") == "word/media/gambar 1.png"
    assert resolve_target("word/document.xml", "../../luar.xml") is None


def test_require_names_the_file_and_the_first_problems() -> None:
    broken = with_dangling_hyperlink(sound_docx())
    with pytest.raises(RenderError) as info:
        require_sound_package(broken, name="keluar/surat.docx")
    message = str(info.value)
    assert message.startswith("keluar/surat.docx: dokumen Word yang dihasilkan rusak dan tidak disimpan")
    assert "rId99" in message
    many = rewrite(sound_docx(), lambda name, old: old,
                   add={f"word/lampiran{i}.bin": b"" for i in range(8)})
    with pytest.raises(RenderError, match="dan 3 masalah lain"):
        require_sound_package(many)


def test_the_guard_is_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CHECK_ENV, raising=False)
    assert checks_enabled()
    with pytest.raises(RenderError):
        guard_output(b"bukan zip")
    monkeypatch.setenv(CHECK_ENV, "0")
    assert not checks_enabled()
    guard_output(b"bukan zip")  # switched off: no check


# --------------------------------------------------------------------------- the writers


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_atomic_save_refuses_a_broken_package(tmp_path: Path) -> None:
    target = tmp_path / "out" / "surat.docx"
    target.parent.mkdir()
    with pytest.raises(RenderError, match=r"surat\.docx: dokumen Word yang dihasilkan rusak"):
        atomic_save(lambda path: Path(path).write_bytes(b"PK\x05\x06" + bytes(18)), target)
    assert leftovers(target.parent) == []


def test_the_engine_refuses_to_write_a_document_with_a_dangling_link(tmp_path: Path) -> None:
    """A template whose body holds a w:hyperlink r:id with no relationship (injected with
    python-docx): rendering raises RenderError naming it and writes nothing."""
    document = Document()
    paragraph = document.add_paragraph()
    paragraph._p.append(etree.fromstring(
        f'<w:hyperlink xmlns:w="{W}" xmlns:r="{R}" r:id="rId99"><w:r><w:t>{{{{ nama }}}}</w:t></w:r></w:hyperlink>'
    ))
    template = tmp_path / "templat-rusak.docx"
    document.save(str(template))
    out = tmp_path / "keluar" / "surat.docx"
    out.parent.mkdir()
    try:
        render_docx(template, {"nama": "Budi"}, out, postprocess=lambda doc: None)  # docxtpl's plain path
    except RenderError as exc:
        assert "rId99" in str(exc) and "w:hyperlink" in str(exc), exc
    else:
        pytest.fail("a document with a dangling r:id was written")
    assert leftovers(out.parent) == []


def test_watermark_refuses_to_write_a_broken_package(tmp_path: Path) -> None:
    path = tmp_path / "surat-rusak.docx"
    original = with_dangling_hyperlink(sound_docx())
    path.write_bytes(original)
    with pytest.raises(RenderError, match="rId99"):
        add_watermark(path, "KONSEP")
    assert path.read_bytes() == original
    assert leftovers(tmp_path) == ["surat-rusak.docx"]


# --------------------------------------------------------------------------- the built-in outputs


@pytest.fixture
def own_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOPDOCS_ARCHIVE", str(tmp_path / "arsip-bawaan"))
    return tmp_path / "arsip"


def test_every_builtin_kind_sample_renders_sound(tmp_path: Path) -> None:
    from sopdocs.kinds.registry import kinds

    checked = 0
    for kind in kinds().values():
        template = builtin_templates_dir() / kind.template
        if not template.is_file():
            continue
        out = render_docx(template, kind.sample(), tmp_path / f"{kind.name}.docx")
        assert check_package(out) == [], kind.name
        checked += 1
    assert checked >= 6


def test_real_outputs_are_sound(example_copy: Path, tmp_path: Path, own_archive: Path) -> None:
    from sopdocs.kinds.kuesioner.kuesioner import issue_codes, load_kuesioner, render_kuesioner_file
    from sopdocs.kinds.sop.sopsheet import render_sop_file
    from sopdocs.workflow.issue import render_definition, render_recap_file, render_surat_tugas_file

    made = [
        *render_surat_tugas_file(example_copy / "surat-tugas.yaml", tmp_path / "st", archive=own_archive).docx,
        *render_sop_file(example_copy / "sop-pendataan.yaml", tmp_path / "sop.docx").docx,
        *render_kuesioner_file(example_copy / "kuesioner-pendataan.yaml", tmp_path / "k1", copies=3, one_file=True,
                               archive=own_archive).docx,
        *render_kuesioner_file(example_copy / "kuesioner-pendataan.yaml", tmp_path / "k2", copies=2,
                               archive=own_archive).docx,
        *render_definition("surat-undangan", example_copy / "surat-undangan.yaml", tmp_path / "konsep",
                           konsep=True).docx,
    ]
    recap_archive = tmp_path / "arsip-rekap"
    defn, _ = load_kuesioner(example_copy / "kuesioner-pendataan.yaml")
    issue_codes(defn, 30, archive=recap_archive)
    made += render_recap_file(example_copy / "jawaban.csv", example_copy / "kuesioner-pendataan.yaml",
                              tmp_path / "rekap", archive=recap_archive, tanggal=dt.date(2024, 2, 5)).docx
    assert len(made) >= 7
    for path in made:
        assert check_package(path) == [], path
