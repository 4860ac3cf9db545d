"""DOCX -> PDF conversion with the real LibreOffice."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, TypeVar

import docx
import pytest
from conftest import requires_libreoffice
from docx.shared import Pt
from pypdf import PdfReader

from sopdocs.errors import ConversionError
from sopdocs.pdf.convert import convert_many, convert_to_pdf, find_soffice





def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _pdf_text(pdf: Path) -> str:
    return _words(" ".join(page.extract_text() or "" for page in PdfReader(pdf).pages))


def make_docx(path: Path, marker: str, font: str | None = None) -> Path:
    document = docx.Document()
    if font:
        style = document.styles["Normal"]
        style.font.name = font
        style.font.size = Pt(12)
    document.add_paragraph("SURAT TUGAS")
    document.add_paragraph("Nomor: 800.1.11.1/73/434.100/2026")
    document.add_paragraph(
        "Kepala Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sukamaju "
        "menugaskan pegawai untuk melaksanakan pendataan penduduk."
    )
    document.add_paragraph(f"Penanda dokumen: {marker}")
    document.add_paragraph("Sukamaju, 02 Januari 2026")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


@requires_libreoffice()
def test_converts_indonesian_docx(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "surat tugas.docx", "satu")
    pdf = convert_to_pdf(source)
    assert pdf == tmp_path / "surat tugas.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert "Nomor: 800.1.11.1/73/434.100/2026" in text
    assert "Kepala Dinas Kependudukan dan Pencatatan Sipil Kabupaten Sukamaju" in text
    assert "Sukamaju, 02 Januari 2026" in text
    # Nothing left behind from staging or the temporary profile.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["surat tugas.docx", "surat tugas.pdf"]


@requires_libreoffice()
def test_pdfa_output_is_marked_pdfa_2b(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "arsip.docx", "arsip")
    pdf = convert_to_pdf(source, tmp_path / "out", pdfa=True)
    xmp = PdfReader(pdf).xmp_metadata
    assert xmp is not None
    assert xmp.pdfaid_part == "2"
    assert xmp.pdfaid_conformance == "B"
    assert "Penanda dokumen: arsip" in _pdf_text(pdf)


@requires_libreoffice()
def test_batch_of_three_in_one_run(tmp_path: Path) -> None:
    sources = [make_docx(tmp_path / "in" / f"dok{i}.docx", f"nomor-{i}") for i in range(3)]
    out = tmp_path / "out"
    pdfs = convert_many(sources, out, workers=1)
    assert pdfs == [out / f"dok{i}.pdf" for i in range(3)]
    for i, pdf in enumerate(pdfs):
        assert f"Penanda dokumen: nomor-{i}" in _pdf_text(pdf)
    assert sorted(p.name for p in out.iterdir()) == ["dok0.pdf", "dok1.pdf", "dok2.pdf"]


@requires_libreoffice()
def test_parallel_conversions_in_separate_processes(tmp_path: Path) -> None:
    sources = [make_docx(tmp_path / f"paralel{i}.docx", f"proses-{i}") for i in range(2)]
    out = tmp_path / "out"
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        futures = [pool.submit(convert_to_pdf, src, out) for src in sources]
        pdfs = [f.result(timeout=300) for f in futures]
    assert pdfs == [out / "paralel0.pdf", out / "paralel1.pdf"]
    for i, pdf in enumerate(pdfs):
        assert f"Penanda dokumen: proses-{i}" in _pdf_text(pdf)


@requires_libreoffice()
def test_convert_many_with_two_workers_keeps_input_order(tmp_path: Path) -> None:
    sources = [make_docx(tmp_path / f"d{i}.docx", f"urut-{i}") for i in range(5)]
    pdfs = convert_many(sources, tmp_path / "out", workers=2, batch_size=2)
    for i, pdf in enumerate(pdfs):
        assert pdf.name == f"d{i}.pdf"
        assert f"Penanda dokumen: urut-{i}" in _pdf_text(pdf)


@requires_libreoffice()
def test_times_new_roman_is_rendered_with_a_metric_compatible_font(tmp_path: Path) -> None:
    if os.environ.get("CI", "").lower() != "true" and shutil.which("fc-list"):
        fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout
        if "Liberation Serif" not in fonts and "Times New Roman" not in fonts:
            pytest.skip("neither Liberation Serif nor Times New Roman installed")
    pdf = convert_to_pdf(make_docx(tmp_path / "font.docx", "huruf", font="Times New Roman"))
    names: set[str] = set()
    for page in PdfReader(pdf).pages:
        fonts_dict = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts_dict.values():
            names.add(str(ref.get_object().get("/BaseFont", "")))
    assert any("LiberationSerif" in n or "TimesNewRoman" in n for n in names), names


@requires_libreoffice()
def test_timeout_raises_and_leaves_nothing_behind(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "lambat.docx", "lambat")
    out = tmp_path / "out"
    # LibreOffice cannot even start in 50 ms, so the batch run is always cut off (the
    # resident LibreOffice's limit is per document: tests/test_converter.py).
    with pytest.raises(ConversionError, match="batas waktu|tidak selesai"):
        convert_to_pdf(source, out, timeout=0.05, resident=False)
    assert list(out.iterdir()) == []


def test_missing_soffice_gives_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = make_docx(tmp_path / "surat.docx", "tanpa-lo")
    monkeypatch.setenv("SOPDOCS_SOFFICE", str(tmp_path / "tidak-ada" / "soffice"))
    monkeypatch.setenv("PATH", "")
    if find_soffice() is not None:
        pytest.skip("LibreOffice installed in a standard folder outside PATH")
    with pytest.raises(ConversionError) as info:
        convert_to_pdf(source)
    message = str(info.value)
    assert "LibreOffice" in message
    assert "apt-get install" in message and "libreoffice-writer-nogui" in message
    assert "libreoffice.org" in message
    assert "SOPDOCS_SOFFICE" in message and "tidak-ada" in message
    assert not (tmp_path / "surat.pdf").exists()


def test_env_var_wins_over_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "LibreOffice" / "program" / "soffice.exe"
    fake.parent.mkdir(parents=True)
    fake.write_bytes(b"")
    monkeypatch.setenv("SOPDOCS_SOFFICE", str(fake))
    assert find_soffice() == fake
    monkeypatch.setenv("SOPDOCS_SOFFICE", str(tmp_path / "LibreOffice"))  # install folder
    assert find_soffice() == fake


def test_non_docx_input_is_refused(tmp_path: Path) -> None:
    # LibreOffice would silently convert this text file as plain text.
    fake = tmp_path / "surat.docx"
    fake.write_text("bukan dokumen word", encoding="utf-8")
    with pytest.raises(ConversionError, match=r"surat\.docx.*bukan dokumen Word"):
        convert_to_pdf(fake)


def test_missing_input_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match=r"hilang\.docx.*tidak ditemukan"):
        convert_many([tmp_path / "hilang.docx"], tmp_path)


def test_same_name_in_two_folders_is_refused(tmp_path: Path) -> None:
    a = make_docx(tmp_path / "a" / "surat.docx", "a")
    b = make_docx(tmp_path / "b" / "Surat.docx", "b")
    with pytest.raises(ConversionError, match="PDF yang sama"):
        convert_many([a, b], tmp_path / "out")


def test_a_wrong_env_var_is_reported_not_replaced_by_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SOPDOCS_SOFFICE pointing at nothing must not silently fall back to the soffice on PATH."""
    fake_path = tmp_path / "bin"
    fake_path.mkdir()
    other = fake_path / "soffice"
    other.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    other.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake_path))
    monkeypatch.setenv("SOPDOCS_SOFFICE", str(tmp_path / "salah" / "soffice"))
    assert find_soffice() is None
    with pytest.raises(ConversionError, match="SOPDOCS_SOFFICE"):
        convert_to_pdf(make_docx(tmp_path / "surat.docx", "env-salah"))
    monkeypatch.delenv("SOPDOCS_SOFFICE")
    assert find_soffice() == other
