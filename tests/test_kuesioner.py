"""Questionnaires: definition checks, blank numbered forms (one file per copy or one file)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from docx import Document

from conftest import requires_libreoffice
from sopdocs.errors import RenderError, ValidationError
from sopdocs.docx.formxml import BOX
from sopdocs.kinds.kuesioner.kuesioner import KuesionerDefinition, kuesioner_from_text, load_kuesioner, render_kuesioner_file
from sopdocs.numbering.rules import register_for
from sopdocs.kinds.kuesioner.questionkinds import kinds, parse_angka

W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(autouse=True)
def _own_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never touch ./archive of the checkout.
    monkeypatch.setenv("SOPDOCS_ARCHIVE", str(tmp_path / "arsip-bawaan"))


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(name).decode("utf-8")


def parts_matching(path: Path, pattern: str) -> str:
    with zipfile.ZipFile(path) as package:
        return "".join(package.read(n).decode("utf-8") for n in package.namelist() if re.fullmatch(pattern, n))


def all_text(path: Path) -> str:
    """Body paragraphs and every table cell (nested too), joined by newlines."""
    doc = Document(str(path))
    texts = []
    body = doc.element.body
    for p in body.iter(f"{W_NS}p"):
        texts.append("".join(t.text or "" for t in p.iter(f"{W_NS}t")))
    return "\n".join(texts)


def expected_boxes(defn: KuesionerDefinition) -> int:
    count = 0
    for q in defn.questions():
        if q.kind in ("pilihan_tunggal", "pilihan_ganda"):
            count += len(q.pilihan) + (1 if q.lainnya else 0)
        elif q.kind == "ya_tidak":
            count += 2 + (1 if q.lainnya else 0)
        elif q.kind == "skala":
            count += len(q.label)
    return count


def expected_dotted(defn: KuesionerDefinition) -> int:
    """Tab stops with a dot leader: one per answer line or dotted space."""
    count = sum(field.baris for field in defn.identitas)
    for q in defn.questions():
        count += {"isian_singkat": 1, "angka": 1, "tanggal": 3}.get(q.kind, 0)
        if q.kind == "isian_panjang":
            count += q.baris
        if q.kind in ("pilihan_tunggal", "pilihan_ganda", "ya_tidak") and q.lainnya:
            count += 1
    if defn.tanda_tangan:
        count += 1 + len(defn.tanda_tangan)  # place/date line, one name line per signer
    return count


# --------------------------------------------------------------------------- definitions


def test_example_uses_every_question_kind(examples: Path) -> None:
    defn, _ = load_kuesioner(examples / "kuesioner-pendataan.yaml")
    assert {q.kind for q in defn.questions()} == set(kinds())
    assert defn.kegiatan == "Pendataan Ketenagakerjaan Perusahaan Tahun 2024"
    assert [letter for letter, _, _ in defn.numbered()] == ["B", "C", "D"]  # A: identity
    numbers = [n for _, _, items in defn.numbered() for n, _ in items]
    assert numbers == list(range(1, len(defn.questions()) + 1))
    skala = defn.question("sikap_petugas")
    assert skala.label == ["Tidak baik", "Kurang baik", "Baik", "Sangat baik"]


BAD = """\
judul: Uji
kegiatan: Uji
identitas:
  - Nama perusahaan
  - {id: nama_perusahaan, label: Nama lain}
bagian:
  - judul: Satu
    pertanyaan:
      - {id: a, jenis: pilihan_tunggal, teks: A, pilihan: [Ya, ya]}
      - {id: b, jenis: pilihan_ganda, teks: B, pilihan: ["x;y", z]}
      - {id: a, jenis: isian_singkat, teks: C}
      - {id: d, jenis: kotak_centang, teks: D}
      - {id: e, teks: E}
      - {id: f, jenis: angka, teks: F, warna: merah}
      - {id: G, jenis: skala, teks: G}
      - {id: h, jenis: tabel, teks: H, baris: 0, kolom: []}
      - {id: i, jenis: isian_panjang, teks: I, baris: 1}
"""


def test_bad_definition_reports_every_problem_with_file_field_line() -> None:
    with pytest.raises(ValidationError) as info:
        kuesioner_from_text(BAD, "kuesioner.yaml")
    found = {(p.field, p.line): p.message for p in info.value.problems}
    assert all(p.file == "kuesioner.yaml" for p in info.value.problems)
    fields = {field for field, _ in found}
    # schema errors, each on its own line
    assert ("bagian[1].pertanyaan[4].jenis", 12) in found
    assert "tidak dikenal" in found[("bagian[1].pertanyaan[4].jenis", 12)]
    assert ("bagian[1].pertanyaan[5].jenis", 13) in found  # missing jenis
    assert ("bagian[1].pertanyaan[6].warna", 14) in found
    assert "kunci tidak dikenal" in found[("bagian[1].pertanyaan[6].warna", 14)]
    assert ("bagian[1].pertanyaan[7].id", 15) in found
    assert "huruf kecil" in found[("bagian[1].pertanyaan[7].id", 15)]
    assert {"bagian[1].pertanyaan[8].baris", "bagian[1].pertanyaan[8].kolom", "bagian[1].pertanyaan[9].baris"} <= fields
    # the union tag pydantic puts in error locations does not leak into field names
    assert not any("jenis[" in (p.field or "") for p in info.value.problems)


def test_cross_field_problems_are_reported_together() -> None:
    text = BAD.split("      - {id: d,")[0]  # only the questions that pass the schema
    with pytest.raises(ValidationError) as info:
        kuesioner_from_text(text, "k.yaml")
    problems = {(p.field, p.line): p.message for p in info.value.problems}
    assert "sudah dipakai" in problems[("identitas[2]", 5)]
    assert "dua kali" in problems[("bagian[1].pertanyaan[1].pilihan[2]", 9)]
    assert "';'" in problems[("bagian[1].pertanyaan[2].pilihan[1]", 10)]
    assert "sudah dipakai" in problems[("bagian[1].pertanyaan[3].id", 11)]


def test_schema_is_generated_without_internal_members() -> None:
    import json

    schema = json.dumps(KuesionerDefinition.model_json_schema())
    assert "_UnknownKind" not in schema
    for kind in kinds():
        assert f'"{kind}"' in schema


@pytest.mark.parametrize(
    ("raw", "value"),
    [("25", 25), ("1.250", 1250), ("1.250,5", 1250.5), ("12,5", 12.5), ("12.5", 12.5), (" 25 orang", 25), (7.0, 7)],
)
def test_numbers_the_indonesian_way(raw: object, value: float) -> None:
    assert parse_angka(raw, satuan="orang") == value


@pytest.mark.parametrize("raw", ["dua puluh", "1.2.3,4,5", "", "12 kg"])
def test_not_numbers(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_angka(raw, satuan="orang")


# --------------------------------------------------------------------------- forms


def test_thirty_numbered_copies(example_copy: Path, tmp_path: Path) -> None:
    archive = tmp_path / "arsip"
    definition = example_copy / "kuesioner-pendataan.yaml"
    result = render_kuesioner_file(definition, tmp_path / "out", copies=30, archive=archive)
    defn, _ = load_kuesioner(definition)
    assert len(result.docx) == 30
    assert len(set(result.numbers)) == 30
    assert result.numbers[0] == "K-2024-0001" and result.numbers[-1] == "K-2024-0030"
    with register_for(archive) as register:
        assert register.copy_codes(defn.kegiatan) == result.numbers
    boxes, dotted = expected_boxes(defn), expected_dotted(defn)
    for path, code in zip(result.docx, result.numbers):
        assert code in path.name
        headers = parts_matching(path, r"word/header\d*\.xml")
        footers = parts_matching(path, r"word/footer\d*\.xml")
        assert code in headers and code in footers
        assert defn.kegiatan in footers
        body = part(path, "word/document.xml")
        assert "KODE" not in body and "KODE" not in headers  # the placeholder is gone
        assert body.count(BOX) == boxes
        assert body.count('w:leader="dot"') == dotted
    # every copy is the same form apart from its code
    first = part(result.docx[0], "word/document.xml")
    assert all(part(p, "word/document.xml") == first for p in result.docx[1:])
    # the grid is a real table: header row and one row per label
    doc = Document(str(result.docx[0]))
    grid = defn.question("tk_pendidikan")
    tables = [t for t in doc.tables if t.rows[0].cells[0].text == grid.judul_baris]
    assert len(tables) == 1
    table = tables[0]
    assert [c.text for c in table.rows[0].cells] == [grid.judul_baris, *grid.kolom]
    assert [r.cells[0].text for r in table.rows[1:]] == grid.baris
    assert all(c.text == "" for r in table.rows[1:] for c in r.cells[1:])
    text = all_text(result.docx[0])
    for q in defn.questions():
        assert q.teks in text
    for option in defn.question("status_badan_usaha").pilihan:
        assert option in text
    assert "Lainnya, sebutkan:" in text


def test_codes_continue_and_never_repeat(example_copy: Path, tmp_path: Path) -> None:
    definition = example_copy / "kuesioner-pendataan.yaml"
    archive = tmp_path / "arsip"
    first = render_kuesioner_file(definition, tmp_path / "a", copies=2, archive=archive)
    second = render_kuesioner_file(definition, tmp_path / "b", copies=2, archive=archive)
    assert second.numbers == ["K-2024-0003", "K-2024-0004"]
    assert not set(first.numbers) & set(second.numbers)


def test_one_file_has_a_section_per_copy(example_copy: Path, tmp_path: Path) -> None:
    definition = example_copy / "kuesioner-pendataan.yaml"
    result = render_kuesioner_file(definition, tmp_path / "out", copies=30, one_file=True, archive=tmp_path / "arsip")
    defn, _ = load_kuesioner(definition)
    assert len(result.docx) == 1
    path = result.docx[0]
    doc = Document(str(path))
    assert len(doc.sections) == 30
    header_codes = [s.header.paragraphs[0].text.split(":")[-1].strip() for s in doc.sections]
    assert header_codes == result.numbers
    footer_codes = [re.search(r"K-\d{4}-\d{4}", s.footer.paragraphs[0].text).group(0) for s in doc.sections]
    assert footer_codes == result.numbers
    body = part(path, "word/document.xml")
    assert body.count(BOX) == 30 * expected_boxes(defn)
    assert len(re.findall(r'<w:pgNumType w:start="1"/>', body)) == 30  # pages restart per copy
    ids = re.findall(r'<wp:docPr id="(\d+)"', body)
    assert len(ids) == 30 and len(set(ids)) == 30  # the logo, once per copy, unique ids


def test_hostile_values_render_literally(example_copy: Path, tmp_path: Path) -> None:
    hostile = "A & B <c> {{ 7*7 }} {% if x %} </w:t></w:r></w:p>"
    text = f"""\
profil: profil.yaml
judul: '{hostile}'
kegiatan: 'Kegiatan {hostile}'
tahun: 2024
petunjuk: ['{hostile}']
identitas: ['Nama {hostile}']
bagian:
  - judul: '{hostile}'
    pertanyaan:
      - {{id: a, jenis: pilihan_ganda, teks: 'Tanya {hostile}', pilihan: ['{hostile}', 'Dua'], lainnya: true}}
      - {{id: b, jenis: tabel, teks: t, baris: ['{hostile}'], kolom: ['K {hostile}']}}
      - {{id: c, jenis: skala, teks: s, label: ['{hostile}', 'baik']}}
      - {{id: d, jenis: angka, teks: n, satuan: '{hostile}'}}
"""
    definition = example_copy / "jahat.yaml"
    definition.write_text(text, encoding="utf-8")
    result = render_kuesioner_file(definition, tmp_path / "out", copies=1, archive=tmp_path / "arsip")
    body = all_text(result.docx[0])
    assert body.count(hostile) >= 8
    assert "49" not in body
    footer = parts_matching(result.docx[0], r"word/footer\d*\.xml")
    assert "Kegiatan A &amp; B &lt;c&gt; {{ 7*7 }}" in footer


def test_broken_template_uses_no_codes(example_copy: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templat"
    templates.mkdir()
    doc = Document()
    doc.add_paragraph("{{ kode }} {{ tidak_ada }}")
    doc.save(str(templates / "kuesioner.docx"))
    archive = tmp_path / "arsip"
    with pytest.raises(RenderError, match="tidak_ada"):
        render_kuesioner_file(example_copy / "kuesioner-pendataan.yaml", tmp_path / "out", copies=5,
                              archive=archive, templates=templates)
    with register_for(archive) as register:
        assert register.copy_codes("Pendataan Ketenagakerjaan Perusahaan Tahun 2024") == []


@pytest.mark.parametrize("copies", [0, -1, 10_001, True])
def test_copies_out_of_range(example_copy: Path, tmp_path: Path, copies: int) -> None:
    with pytest.raises(ValidationError, match="jumlah salinan"):
        render_kuesioner_file(example_copy / "kuesioner-pendataan.yaml", tmp_path / "out", copies=copies,
                              archive=tmp_path / "arsip")


@requires_libreoffice()
def test_copy_converts_to_a_two_page_pdf(example_copy: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    result = render_kuesioner_file(example_copy / "kuesioner-pendataan.yaml", tmp_path / "out", copies=1,
                                   pdf=True, archive=tmp_path / "arsip")
    reader = PdfReader(str(result.pdf[0]))
    assert len(reader.pages) == 2  # one sheet printed on both sides
    for page in reader.pages:
        assert "K-2024-0001" in page.extract_text()


def test_sixty_copies_in_one_file_each_section_its_own_code(example_copy: Path, tmp_path: Path) -> None:
    from sopdocs.docx.integrity import check_package

    result = render_kuesioner_file(example_copy / "kuesioner-pendataan.yaml", tmp_path / "out", copies=60,
                                   one_file=True, archive=tmp_path / "arsip")
    path = result.docx[0]
    assert check_package(path) == []
    doc = Document(str(path))
    assert len(doc.sections) == 60
    for section, code in zip(doc.sections, result.numbers):
        assert not section.header.is_linked_to_previous and not section.footer.is_linked_to_previous
        assert section.header.paragraphs[0].text.endswith(code)
        assert code in section.footer.paragraphs[0].text
        start = section._sectPr.find(f"{W_NS}pgNumType").get(f"{W_NS}start")
        assert start == "1"
    headers = {s.header.part.partname for s in doc.sections}
    assert len(headers) == 60  # one header part per copy
    assert "KODE" not in part(path, "word/document.xml")


@requires_libreoffice()
def test_one_file_pdf_shows_each_code_on_its_own_pages(example_copy: Path, tmp_path: Path) -> None:
    import subprocess

    from sopdocs.pdf.convert import convert_to_pdf

    result = render_kuesioner_file(example_copy / "kuesioner-pendataan.yaml", tmp_path / "out", copies=60,
                                   one_file=True, archive=tmp_path / "arsip")
    pdf = convert_to_pdf(result.docx[0], tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    assert len(pages) == 2 * 60  # two pages per copy
    for index, code in enumerate(result.numbers):
        for page in pages[2 * index : 2 * index + 2]:
            assert page.count(code) >= 2 and all(c not in page for c in result.numbers if c != code)
        assert re.search(rf"{code} – halaman 1\b", pages[2 * index]) and re.search(rf"{code} – halaman 2\b", pages[2 * index + 1])
