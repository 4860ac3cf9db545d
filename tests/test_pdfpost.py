"""PDF post-processing: metadata, stamps, merging, reading untrusted PDFs."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Callable, TypeVar

import docx
import pytest
from conftest import requires_libreoffice
from pypdf import PdfReader, PdfWriter

from sopdocs.errors import SopdocsError, ValidationError
from sopdocs.pdf.convert import convert_to_pdf, find_soffice
from sopdocs.pdf.postprocess import PdfError, merge, read_metadata, read_text, set_metadata, stamp


A4 = (595.28, 841.89)
F4_LANDSCAPE = (935.43, 609.45)
NUMBER = "800.1.11.1/73/434.100/2026"




def blank_pdf(path: Path, pages: list[tuple[float, float, int]]) -> Path:
    """A PDF of empty pages: (width, height, rotation) each."""
    writer = PdfWriter()
    for width, height, rotation in pages:
        page = writer.add_blank_page(width, height)
        if rotation:
            page.rotate(rotation)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def libreoffice_pdf(tmp_path: Path, name: str, body: str, *, pdfa: bool = False) -> Path:
    document = docx.Document()
    document.add_paragraph(body)
    source = tmp_path / f"{name}.docx"
    document.save(str(source))
    return convert_to_pdf(source, tmp_path, pdfa=pdfa)


# ----------------------------------------------------------------------------- metadata


def test_metadata_round_trip(tmp_path: Path) -> None:
    pdf = blank_pdf(tmp_path / "surat.pdf", [(*A4, 0)])
    set_metadata(
        pdf,
        number=NUMBER,
        title="Surat Tugas Pendataan Penduduk",
        kind="Surat Tugas",
        date=dt.date(2026, 1, 2),
        classification="800.1.11.1",
        author="Dinas Kependudukan dan Pencatatan Sipil",
        extra={"SopdocsUnit": "Bidang Pendataan"},
    )
    meta = read_metadata(pdf)
    assert meta["Title"] == "Surat Tugas Pendataan Penduduk"
    assert meta["Subject"] == f"Surat Tugas Nomor {NUMBER}"
    assert meta["Keywords"] == f"{NUMBER}, Surat Tugas, 800.1.11.1"
    assert meta["Author"] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert meta["SopdocsNumber"] == NUMBER
    assert meta["SopdocsKind"] == "Surat Tugas"
    assert meta["SopdocsDate"] == "2026-01-02"
    assert meta["SopdocsClassification"] == "800.1.11.1"
    assert meta["SopdocsUnit"] == "Bidang Pendataan"

    # A later call changes only what it names; derived entries stay consistent.
    set_metadata(pdf, title="Judul Baru", kind="Surat Perintah")
    meta = read_metadata(pdf)
    assert meta["Title"] == "Judul Baru"
    assert meta["SopdocsNumber"] == NUMBER
    assert meta["Subject"] == f"Surat Perintah Nomor {NUMBER}"
    assert meta["Keywords"] == f"{NUMBER}, Surat Perintah, 800.1.11.1"
    assert meta["Author"] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert [p.name for p in tmp_path.iterdir()] == ["surat.pdf"]  # no temp file left


def test_metadata_rejects_bad_extra_key(tmp_path: Path) -> None:
    pdf = blank_pdf(tmp_path / "surat.pdf", [(*A4, 0)])
    before = pdf.read_bytes()
    with pytest.raises(ValidationError, match="nama metadata"):
        set_metadata(pdf, title="x", extra={"nama dengan spasi": "y", "Title": "z"})
    assert pdf.read_bytes() == before


@requires_libreoffice()
def test_metadata_keeps_pdfa_xmp_in_step(tmp_path: Path) -> None:
    pdf = libreoffice_pdf(tmp_path, "arsip", "Laporan pendataan triwulan I", pdfa=True)
    set_metadata(pdf, number=NUMBER, title="Laporan Pendataan", kind="Nota Dinas",
                 date="2026-03-31", classification="Biasa", author="Bidang Pendataan")
    reader = PdfReader(pdf)
    info = reader.metadata
    xmp = reader.xmp_metadata  # parses, i.e. the XML stayed well-formed
    assert xmp is not None and info is not None
    assert xmp.pdfaid_part == "2"
    assert xmp.dc_title == {"x-default": info["/Title"]} == {"x-default": "Laporan Pendataan"}
    assert xmp.dc_description == {"x-default": info["/Subject"]}
    assert xmp.dc_creator == [info["/Author"]]
    assert xmp.pdf_keywords == info["/Keywords"]
    assert info["/SopdocsClassification"] == "Biasa"
    assert "Laporan pendataan triwulan I" in words(reader.pages[0].extract_text())


# ----------------------------------------------------------------------------- stamping


def test_stamp_on_every_page_of_every_size(tmp_path: Path) -> None:
    pdf = blank_pdf(
        tmp_path / "draf.pdf",
        [(*A4, 0), (*F4_LANDSCAPE, 0), (*A4, 90), (*A4, 180)],
    )
    footer = f"Nomor {NUMBER} (draf)"
    stamp(pdf, watermark="DRAFT", footer=footer)
    reader = PdfReader(pdf)
    assert len(reader.pages) == 4
    for page in reader.pages:
        text = page.extract_text()
        assert "DRAFT" in text
        assert footer in text
        assert "/Annots" not in page  # page content, not an annotation


def _text_positions(page: object) -> dict[str, tuple[float, float, float]]:
    """text -> (x, y, font size) of each text run, in user space."""
    found: dict[str, tuple[float, float, float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found[text.strip()] = (x, y, size)

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize("size", [A4, F4_LANDSCAPE])
def test_archive_line_is_small_and_runs_up_the_left_margin(tmp_path: Path, size: tuple[float, float]) -> None:
    pdf = blank_pdf(tmp_path / "s.pdf", [(*size, 0)])
    stamp(pdf, footer="Salinan sesuai aslinya", watermark="SALINAN")
    positions = _text_positions(PdfReader(pdf).pages[0])
    x, y, font_size = positions["Salinan sesuai aslinya"]
    assert font_size <= 10
    # Its baseline is 22 pt from the left edge: ink between about 15 and 25 pt, inside any
    # margin of 1.5 cm (42.5 pt) and beyond the 4-5 mm a printer cannot reach.
    assert 15 < x < 30
    # Times-Roman width of the line at 8 pt is about 76 pt: centred along the height.
    assert abs(y - (size[1] - 76) / 2) < 10
    wx, wy, wsize = positions["SALINAN"]
    assert wsize > 60  # big watermark


def test_stamp_font_follows_the_document(tmp_path: Path) -> None:
    pdf = blank_pdf(tmp_path / "s.pdf", [(*A4, 0)])
    stamp(pdf, footer="Nomor 1", out=tmp_path / "serif.pdf")
    stamp(pdf, footer="Nomor 1", out=tmp_path / "sans.pdf", font="Helvetica")

    def base_fonts(path: Path) -> set[str]:
        fonts = PdfReader(path).pages[0]["/Resources"]["/Font"]
        return {str(f.get_object()["/BaseFont"]) for f in fonts.values()}

    assert base_fonts(tmp_path / "serif.pdf") == {"/Times-Roman"}  # no text of its own: serif, as letters
    assert base_fonts(tmp_path / "sans.pdf") == {"/Helvetica"}
    with pytest.raises(PdfError, match="Comic"):
        stamp(pdf, footer="x", font="Comic-Sans")


def test_stamp_to_other_file_keeps_original(tmp_path: Path) -> None:
    pdf = blank_pdf(tmp_path / "asli.pdf", [(*A4, 0)])
    before = pdf.read_bytes()
    out = stamp(pdf, watermark="SALINAN", out=tmp_path / "salinan.pdf")
    assert out == tmp_path / "salinan.pdf"
    assert pdf.read_bytes() == before
    assert "SALINAN" in PdfReader(out).pages[0].extract_text()


@requires_libreoffice()
def test_stamp_over_real_document_keeps_its_text(tmp_path: Path) -> None:
    pdf = libreoffice_pdf(tmp_path, "surat", "Dengan hormat, bersama ini kami sampaikan laporan.")
    stamp(pdf, watermark="DRAFT", footer="Draf untuk diperiksa")
    text = words(PdfReader(pdf).pages[0].extract_text())
    assert "Dengan hormat, bersama ini kami sampaikan laporan." in text
    assert "DRAFT" in text and "Draf untuk diperiksa" in text


@requires_libreoffice()
def test_archive_stamp_on_a_questionnaire_copy_meets_no_text(tmp_path: Path) -> None:
    """The questionnaire has a footer line of its own (activity, copy code, page): the archive
    stamp made with its archived PDF copy stays in the left margin, clear of every text, in
    the standard font of the same family as the document's text."""
    import shutil

    from sopdocs.archive.archive import Archive, NewDocument
    from sopdocs.workflow.issue import render_definition
    from conftest import EXAMPLES

    examples = tmp_path / "contoh"
    shutil.copytree(EXAMPLES, examples)
    made = render_definition("kuesioner", examples / "kuesioner-pendataan.yaml", tmp_path / "salinan",
                             archive=tmp_path / "arsip", copies=1)
    with Archive(tmp_path / "arsip2", index=False) as archive:
        case = archive.file_case("KUESIONER-UJI", classification="000.1.2", description="Uji", pdf=True,
                                 documents=[NewDocument(file=made.docx[0], kind="kuesioner",
                                                        date=dt.date(2024, 1, 2), title="Kuesioner uji")])
        item = case.items[0]
        assert item.pdf_copy is not None
        pdf = archive.case_path("KUESIONER-UJI") / "data" / item.pdf_copy.name
        reader = PdfReader(pdf)
    for page in reader.pages:
        runs: list[tuple[str, float, float, float, str]] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                base = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
                runs.append((text.strip(), x, y, size * abs(tm[0] or tm[1] or 1), base))

        page.extract_text(visitor_text=visit)
        stamps = [r for r in runs if "SHA-256 docx" in r[0]]
        others = [r for r in runs if "SHA-256 docx" not in r[0] and not r[0].startswith("Nomor")]
        assert stamps, "no archive stamp on the page"
        assert all(15 < x < 30 for _, x, _, _, _ in stamps)
        assert min(x for _, x, _, _, _ in others) > 45  # all the form's own text, footer included
        fonts = {base for *_, base in others if base}
        family = "Helvetica" if any("Sans" in f or "Arial" in f for f in fonts) else "Times-Roman"
        assert {base for *_, base in stamps} == {f"/{family}"}


# ----------------------------------------------------------------------------- merging


def test_merge_has_one_bookmark_per_document(tmp_path: Path) -> None:
    parts = [
        ("Surat Tugas", blank_pdf(tmp_path / "a.pdf", [(*A4, 0)] * 2)),
        ("Lampiran: Daftar Petugas", blank_pdf(tmp_path / "b.pdf", [(*F4_LANDSCAPE, 0)])),
        ("Lembar Disposisi", blank_pdf(tmp_path / "c.pdf", [(*A4, 0)] * 3)),
    ]
    out = merge(parts, tmp_path / "gabungan" / "berkas.pdf")
    reader = PdfReader(out)
    assert len(reader.pages) == 6
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title for item in top] == [t for t, _ in parts]
    assert [reader.get_destination_page_number(item) for item in top] == [0, 2, 3]


def test_merge_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PdfError, match="tidak ada PDF"):
        merge([], tmp_path / "kosong.pdf")


def test_merge_damaged_input_names_file(tmp_path: Path) -> None:
    bad = tmp_path / "rusak.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00" * 200)
    good = blank_pdf(tmp_path / "baik.pdf", [(*A4, 0)])
    with pytest.raises(PdfError, match=r"rusak\.pdf"):
        merge([("Baik", good), ("Rusak", bad)], tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


# ----------------------------------------------------------------------------- read_text


def test_read_text_reads_pages_and_honours_max_pages(tmp_path: Path) -> None:
    pdf = blank_pdf(tmp_path / "masuk.pdf", [(*A4, 0)] * 3)
    stamp(pdf, footer="Surat masuk dari Kecamatan Cibeunying")
    text = read_text(pdf)
    assert text.count("Surat masuk dari Kecamatan Cibeunying") == 3
    assert read_text(pdf, max_pages=1).count("Surat masuk dari Kecamatan Cibeunying") == 1


def test_read_text_damaged_file_gives_clear_error(tmp_path: Path) -> None:
    good = blank_pdf(tmp_path / "utuh.pdf", [(*A4, 0)])
    stamp(good, footer="isi")
    data = good.read_bytes()
    truncated = tmp_path / "terpotong.pdf"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(PdfError, match=r"terpotong\.pdf: PDF rusak") as info:
        read_text(truncated)
    assert isinstance(info.value, SopdocsError)


def test_read_text_not_a_pdf(tmp_path: Path) -> None:
    fake = tmp_path / "lampiran.pdf"
    fake.write_bytes(b"PK\x03\x04 this is a zip, not a pdf")
    with pytest.raises(PdfError, match=r"lampiran\.pdf: bukan berkas PDF"):
        read_text(fake)


def test_read_text_encrypted(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(*A4)
    writer.encrypt(user_password="rahasia", owner_password="rahasia")
    pdf = tmp_path / "terkunci.pdf"
    with pdf.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(PdfError, match="terenkripsi"):
        read_text(pdf)


def test_read_text_timeout(tmp_path: Path) -> None:
    pdf = blank_pdf(tmp_path / "lambat.pdf", [(*A4, 0)])
    # No interpreter starts in a millisecond, so the reader is always cut off.
    with pytest.raises(PdfError, match="batas waktu"):
        read_text(pdf, timeout=0.001)


def test_read_text_size_limit(tmp_path: Path) -> None:
    pdf = blank_pdf(tmp_path / "besar.pdf", [(*A4, 0)])
    with pytest.raises(PdfError, match="terlalu besar"):
        read_text(pdf, max_bytes=10)
