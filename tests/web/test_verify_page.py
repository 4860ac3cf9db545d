"""The verification page: a QR code's landing page (``/verifikasi?kode=...``) and the upload form,
over real HTTP against ``sopdocs serve`` on the demo archive."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from web.helpers import CASE, SURAT_TUGAS, Client


def surat_tugas_file(demo_dir: Path) -> Path:
    data = json.loads((demo_dir / "archive" / "berkas" / CASE / "data" / "berkas.json").read_text(encoding="utf-8"))
    item = next(i for i in data["items"] if i["kind"] == "surat-tugas")
    return demo_dir / "archive" / "berkas" / CASE / "data" / item["files"][0]["name"]


def qr_image(docx: Path) -> bytes:
    with zipfile.ZipFile(docx) as package:
        if "word/media/sopdocs-qr.png" not in package.namelist():
            pytest.fail("the demo's surat tugas carries no verification QR code")
        return package.read("word/media/sopdocs-qr.png")


def qr_payload(docx: Path) -> str:
    """The text of the QR code printed on the document, read back as a phone would."""
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_image(docx))))
    assert found, "QR code not readable"
    text = str(found[0].text)
    return text.split("kode=", 1)[1] if "kode=" in text else text  # a URL form carries it in kode=


def status_of(html: str) -> str:
    found = re.search(r'id="verify-status">([^<]+)<', html)
    return found.group(1) if found else ""


def test_qr_code_url_shows_the_genuine_document(client: Client, demo_dir: Path) -> None:
    payload = qr_payload(surat_tugas_file(demo_dir))
    page = client.get("/verifikasi?kode=" + quote(payload, safe=""))
    assert page.status == 200
    assert status_of(page.text) == "Dokumen asli"
    assert f'id="verify-number">{SURAT_TUGAS}<' in page.text
    assert "5 Januari 2024" in page.text and "Surat Tugas" in page.text
    assert f'href="/berkas/{CASE}"' in page.text  # its case file
    assert re.search(rf'href="/berkas/{CASE}/\d+">Buka dokumen arsip', page.text)


def test_forged_or_garbled_codes_are_not_genuine(client: Client) -> None:
    forged = "SOPDOCS1|800.1.11.1/999/Disnakertrans/2024|2024-01-05|surat-tugas|0123456789abcdef"
    page = client.get("/verifikasi?kode=" + quote(forged, safe=""))
    assert page.status == 200 and status_of(page.text) == "Kode tidak dikenal"
    garbled = client.get("/verifikasi?kode=" + quote("<b>bukan kode</b>", safe=""))
    assert garbled.status in (200, 400)
    assert "<b>bukan kode</b>" not in garbled.text
    assert status_of(garbled.text) != "Dokumen asli"
    long = client.get("/verifikasi?kode=" + "A" * 5000)
    assert long.status == 400 and "terlalu panjang" in long.text


def test_uploading_the_archived_file_says_genuine_and_identical(client: Client, demo_dir: Path) -> None:
    docx = surat_tugas_file(demo_dir)
    token = client.csrf("/verifikasi")
    page = client.post("/verifikasi", {"csrf_token": token}, files={"berkas": ("surat.docx", docx.read_bytes())})
    assert page.status == 200, page.text[-800:]
    assert status_of(page.text) == "Dokumen asli"
    assert "sama persis dengan yang diarsipkan" in page.text


def test_uploading_a_changed_copy_says_changed(client: Client, demo_dir: Path) -> None:
    docx = surat_tugas_file(demo_dir)
    out = io.BytesIO()
    with zipfile.ZipFile(docx) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                assert b"Rahmat" in data or b"RAHMAT" in data
                data = data.replace(b"Rahmat", b"Rahmad").replace(b"RAHMAT", b"RAHMAD")
            dst.writestr(info, data)
    token = client.csrf("/verifikasi")
    page = client.post("/verifikasi", {"csrf_token": token}, files={"berkas": ("surat.docx", out.getvalue())})
    assert page.status == 200
    assert status_of(page.text) == "Dokumen telah diubah"
    assert "<strong>berbeda</strong>" in page.text


def test_uploading_a_photo_of_the_code_checks_the_code_only(client: Client, demo_dir: Path) -> None:
    token = client.csrf("/verifikasi")
    page = client.post("/verifikasi", {"csrf_token": token},
                       files={"berkas": ("foto.png", qr_image(surat_tugas_file(demo_dir)))})
    assert page.status == 200
    assert status_of(page.text) == "Dokumen asli"
    assert "Isi berkas" not in page.text  # a photo proves the code, not the content


def test_upload_refusals(client: Client) -> None:
    token = client.csrf("/verifikasi")
    assert client.post("/verifikasi", {"sandi": "x"}, files={"berkas": ("a.pdf", b"%PDF-1.4")}).status == 403
    wrong_type = client.post("/verifikasi", {"csrf_token": token}, files={"berkas": ("skrip.exe", b"MZ")})
    assert wrong_type.status == 400 and "tidak dapat diperiksa" in wrong_type.text
    junk = client.post("/verifikasi", {"csrf_token": token}, files={"berkas": ("rusak.pdf", b"bukan pdf sama sekali")})
    assert junk.status in (200, 400)
    assert status_of(junk.text) != "Dokumen asli"
    assert "Traceback" not in junk.text
