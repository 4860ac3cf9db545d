"""Verification QR codes: payload, placement, and `sopdocs verify` on real files.

Real components throughout: letters issued through the one path (register, archive,
LibreOffice PDF copies), pages rendered by pdftoppm, codes read by zxing-cpp.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from sopdocs.cli import main
from sopdocs.docx.qr import (
    DRAWING_NAME,
    MAX_QR_TEXT,
    QrError,
    QrPayload,
    add_verification_qr,
    content_fingerprint,
    format_payload,
    has_qr,
    parse_payload,
    qr_png,
    qr_text,
)
from sopdocs.workflow.issue import render_definition
from sopdocs.workflow.verify import verify_file, verify_payload
from conftest import EXAMPLES, requires_libreoffice

NUMBER = "800.1.11.1/001/Disnakertrans/2024"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


# ----------------------------------------------------------------------------- payload


def test_payload_round_trip_and_url() -> None:
    code = QrPayload(NUMBER, dt.date(2024, 1, 5), "surat-tugas", "0123456789abcdef")
    text = format_payload(code)
    assert text == f"SOPDOCS1|{NUMBER}|2024-01-05|surat-tugas|0123456789abcdef"
    assert parse_payload(text) == code
    url = qr_text(code, "https://arsip.contoh.go.id/verifikasi")
    assert url.startswith("https://arsip.contoh.go.id/verifikasi?kode=SOPDOCS1%7C800.1.11.1%2F001")
    assert parse_payload(url) == code
    assert parse_payload(qr_text(code, "https://contoh.go.id/v?a=1")) == code  # an URL with its own query


@pytest.mark.parametrize("text", [
    "",
    "hello",
    "SOPDOCS1",
    f"SOPDOCS2|{NUMBER}|2024-01-05|surat-tugas|0123456789abcdef",         # another version
    f"SOPDOCS1|{NUMBER}|2024-02-30|surat-tugas|0123456789abcdef",         # no such day
    f"SOPDOCS1|{NUMBER}|24-1-5|surat-tugas|0123456789abcdef",
    f"SOPDOCS1|{NUMBER}|2024-01-05|Surat Tugas|0123456789abcdef",         # kind is a name
    f"SOPDOCS1|{NUMBER}|2024-01-05|surat-tugas|0123456789ABCDEF",         # upper-case hex
    f"SOPDOCS1|{NUMBER}|2024-01-05|surat-tugas|0123456789abcde",          # short
    f"SOPDOCS1|{NUMBER}|2024-01-05|surat-tugas|0123456789abcdef|x",       # a field more
    "SOPDOCS1|800\n1|2024-01-05|surat-tugas|0123456789abcdef",            # control character
    "SOPDOCS1|<script>|2024-01-05|surat-tugas|0123456789abcdef",
    "SOPDOCS1|\u0661\u0662|2024-01-05|surat-tugas|0123456789abcdef",      # Arabic-Indic digits
    "SOPDOCS1|" + "1" * 101 + "|2024-01-05|surat-tugas|0123456789abcdef",
    "https://contoh.go.id/verifikasi",                                    # URL without kode
    "https://contoh.go.id/v?kode=a&kode=b",
    "javascript:alert(1)",
    "x" * (MAX_QR_TEXT + 1),
])
def test_hostile_payloads_are_refused(text: str) -> None:
    with pytest.raises(QrError):
        parse_payload(text)
    answer = verify_payload(text, Path("/nonexistent-archive"))
    assert answer.status == "tidak_dikenal" and answer.number is None


def test_bad_verification_url_is_refused() -> None:
    code = QrPayload(NUMBER, dt.date(2024, 1, 5), "surat-tugas", "0123456789abcdef")
    for url in ("ftp://contoh.go.id", "https://contoh.go.id/a b", "https://x/#frag", "https://" + "a" * 400):
        with pytest.raises(QrError, match="verifikasi.url"):
            qr_text(code, url)


# ----------------------------------------------------------------------------- issued letters


@dataclass
class Issued:
    archive: Path
    out: Path
    docx: Path
    pdf: Path
    archived_pdf: Path
    number: str


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    """A surat tugas issued with its PDF copy, into a fresh archive."""
    base = tmp_path_factory.mktemp("verifikasi")
    examples = base / "examples"
    shutil.copytree(EXAMPLES, examples)
    archive = base / "arsip"
    out = base / "keluaran"
    result = render_definition("surat-tugas", examples / "surat-tugas.yaml", out, archive=archive, pdf=True)
    [docx], [pdf], [number] = result.docx, result.pdf, result.numbers
    archived = sorted((archive / "berkas").glob("*/data/*.pdf"))
    assert len(archived) == 1
    return Issued(archive=archive, out=out, docx=docx, pdf=pdf, archived_pdf=archived[0], number=number)


@requires_libreoffice()
def test_untouched_archived_pdf_is_genuine(issued: Issued) -> None:
    for path in (issued.archived_pdf, issued.pdf):  # the copy handed out is the archived one
        answer = verify_file(path, issued.archive)
        assert answer.status == "asli", answer.message
        assert answer.file_matches is True
        assert answer.number == issued.number == NUMBER
        assert answer.date == dt.date(2024, 1, 5) and answer.kind == "surat-tugas"
        assert answer.kind_label == "Surat Tugas"
        assert answer.case_id == "SURAT-TUGAS-2024"
        assert answer.item is not None and answer.item.startswith("berkas/SURAT-TUGAS-2024/data/")
        assert (issued.archive / answer.item).is_file()
    assert issued.pdf.read_bytes() == issued.archived_pdf.read_bytes()


@requires_libreoffice()
def test_docx_is_genuine_and_its_code_sits_beside_the_signature(issued: Issued) -> None:
    answer = verify_file(issued.docx, issued.archive)
    assert answer.status == "asli" and answer.file_matches is True
    with zipfile.ZipFile(issued.docx) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    [docpr] = [d for d in root.iter(f"{WP}docPr") if d.get("name") == DRAWING_NAME]
    anchor = docpr.getparent()
    assert anchor.tag == f"{WP}anchor" and anchor.find(f"{WP}wrapNone") is not None  # moves no text
    assert anchor.find(f"{WP}positionV").get("relativeFrom") == "paragraph"
    paragraph = anchor.getparent().getparent().getparent()
    text = "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
    assert text.strip().startswith("Kepala Dinas") and text.strip().endswith(",")  # the signer's title


@requires_libreoffice()
def test_code_does_not_move_the_signature(issued: Issued, tmp_path: Path) -> None:
    """The PDF with the code has the same pages, and the same text on each, as without it."""
    from pypdf import PdfReader

    from sopdocs.docx.qr import _remove_ours
    from sopdocs.pdf.convert import convert_many

    bare = tmp_path / "tanpa-kode.docx"
    with zipfile.ZipFile(issued.docx) as source, zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                _remove_ours(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(info.filename, data)
    [without] = convert_many([bare], tmp_path)
    with_code = PdfReader(issued.pdf)
    plain = PdfReader(without)
    assert len(with_code.pages) == len(plain.pages)
    for a, b in zip(with_code.pages, plain.pages):
        stamped = " ".join(line for line in a.extract_text().splitlines() if "SHA-256" not in line)
        assert stamped.split() == b.extract_text().split()


@requires_libreoffice()
def test_png_of_the_printed_page_is_genuine(issued: Issued, tmp_path: Path) -> None:
    """A page rendered by pdftoppm (as a scan would be): the code is read from the pixels."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils needed")
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(issued.archived_pdf),
                    str(tmp_path / "halaman")], check=True, timeout=60)
    page = tmp_path / "halaman.png"
    answer = verify_file(page, issued.archive)
    assert answer.status == "asli", answer.message
    assert answer.number == NUMBER and answer.case_id == "SURAT-TUGAS-2024"
    assert answer.file_matches is None  # a picture proves the code only
    assert "bandingkan" in answer.message
    # the same page as a grey JPEG of lower quality, as a phone or scanner might save it
    from PIL import Image

    jpeg = tmp_path / "pindaian.jpg"
    Image.open(page).convert("L").save(jpeg, quality=60)
    assert verify_file(jpeg, issued.archive).status == "asli"
    # ... and as a phone photo: turned 7 degrees, out of focus, strongly compressed
    from PIL import ImageFilter

    photo = tmp_path / "foto.jpg"
    (Image.open(page).convert("L").rotate(7, expand=True, fillcolor=200)
     .filter(ImageFilter.GaussianBlur(1.2)).save(photo, quality=55))
    assert verify_file(photo, issued.archive).status == "asli"


@requires_libreoffice()
def test_pdf_with_one_word_changed_is_altered(issued: Issued, tmp_path: Path) -> None:
    """The letter edited (one name changed) and converted again: it still carries the
    original code, but its text is not the archived one."""
    from sopdocs.pdf.convert import convert_many

    forged = tmp_path / "surat-palsu.docx"
    with zipfile.ZipFile(issued.docx) as source, zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                assert b"RAHMAT HIDAYAT" in data
                data = data.replace(b"RAHMAT HIDAYAT", b"RAHMAT HIDAJAT")
            target.writestr(info.filename, data)
    [pdf] = convert_many([forged], tmp_path)
    answer = verify_file(pdf, issued.archive)
    assert answer.status == "diubah", answer.message
    assert answer.file_matches is False
    assert answer.number == NUMBER and answer.case_id == "SURAT-TUGAS-2024"
    docx_answer = verify_file(forged, issued.archive)
    assert docx_answer.status == "diubah" and docx_answer.file_matches is False


@requires_libreoffice()
def test_pdf_with_text_added_to_its_content_stream_is_altered(issued: Issued, tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(issued.archived_pdf))
    page = writer.pages[0]
    fonts = page["/Resources"]["/Font"]
    name = next(iter(fonts.keys()))
    extra = DecodedStreamObject()
    extra.set_data(f"BT {name} 11 Tf 100 100 Td (TAMBAHAN) Tj ET".encode("latin-1"))
    contents = page.get_contents()
    assert contents is not None
    page[NameObject("/Contents")] = writer._add_object(
        DecodedStreamObject.initialize_from_dictionary({"__streamdata__": contents.get_data() + b"\n" +
                                                        extra.get_data()}))
    changed = tmp_path / "ditambah.pdf"
    with changed.open("wb") as handle:
        writer.write(handle)
    answer = verify_file(changed, issued.archive)
    assert answer.status == "diubah" and answer.file_matches is False


@requires_libreoffice()
def test_same_text_saved_again_is_genuine_but_another_file(issued: Issued, tmp_path: Path) -> None:
    """Saved again by another program (metadata changed, same content): still genuine."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(issued.archived_pdf))
    writer.add_metadata({"/Producer": "Pengolah lain 1.0"})
    again = tmp_path / "disimpan-ulang.pdf"
    with again.open("wb") as handle:
        writer.write(handle)
    assert again.read_bytes() != issued.archived_pdf.read_bytes()
    answer = verify_file(again, issued.archive)
    assert answer.status == "asli" and answer.file_matches is True


@requires_libreoffice()
def test_number_the_register_does_not_hold_is_unknown(issued: Issued, tmp_path: Path) -> None:
    forged = tmp_path / "nomor-karangan.docx"
    shutil.copyfile(issued.docx, forged)
    add_verification_qr(forged, number="800.1.11.1/999/Disnakertrans/2024", date=dt.date(2024, 1, 5),
                        kind="surat-tugas")
    answer = verify_file(forged, issued.archive)
    assert answer.status == "tidak_dikenal"
    assert answer.number == "800.1.11.1/999/Disnakertrans/2024"
    assert "tidak tercatat di register" in answer.message


@requires_libreoffice()
def test_forged_codes_are_reported(issued: Issued) -> None:
    real = content_fingerprint(issued.docx)
    good = f"SOPDOCS1|{NUMBER}|2024-01-05|surat-tugas|{real}"
    assert verify_payload(good, issued.archive).status == "asli"
    wrong_hash = verify_payload(f"SOPDOCS1|{NUMBER}|2024-01-05|surat-tugas|{'0' * 16}", issued.archive)
    assert wrong_hash.status == "diubah" and wrong_hash.case_id == "SURAT-TUGAS-2024"
    wrong_date = verify_payload(f"SOPDOCS1|{NUMBER}|2024-01-06|surat-tugas|{real}", issued.archive)
    assert wrong_date.status == "diubah" and "register" in wrong_date.message
    wrong_kind = verify_payload(f"SOPDOCS1|{NUMBER}|2024-01-05|nota-dinas|{real}", issued.archive)
    assert wrong_kind.status == "diubah"
    elsewhere = verify_payload(good, issued.archive.parent / "arsip-lain")
    assert elsewhere.status == "tidak_dikenal"
    assert not (issued.archive.parent / "arsip-lain").exists()  # verification writes nothing


@requires_libreoffice()
def test_cli_exit_codes(issued: Issued, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(issued.pdf), "--archive", str(issued.archive)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ASLI: ") and NUMBER in out and "SURAT-TUGAS-2024" in out
    assert main(["verify", "--kode", f"SOPDOCS1|{NUMBER}|2024-01-05|surat-tugas|{'0' * 16}",
                 "--archive", str(issued.archive)]) == 1
    assert capsys.readouterr().out.startswith("DIUBAH")
    junk = tmp_path / "acak.bin"
    junk.write_bytes(b"\x00\x01 bukan dokumen")
    assert main(["verify", str(junk), "--archive", str(issued.archive)]) == 2
    assert main(["verify", str(tmp_path / "tidak-ada.pdf"), "--archive", str(issued.archive)]) == 2
    assert "tidak-ada.pdf" in capsys.readouterr().err
    assert main(["verify", str(issued.pdf), "--archive", str(issued.archive), "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "asli" and data["file_matches"] is True and data["date"] == "2024-01-05"


@requires_libreoffice()
def test_a_draft_carries_no_code(issued: Issued, tmp_path: Path) -> None:
    result = render_definition("surat-tugas", issued.archive.parent / "examples" / "surat-tugas.yaml",
                               tmp_path / "konsep", archive=issued.archive, konsep=True)
    [draft] = result.docx
    assert not has_qr(draft)
    assert has_qr(issued.docx)
    assert verify_file(draft, issued.archive).status == "tanpa_kode"


# ----------------------------------------------------------------------------- garbage in


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims a huge size (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.broken_docx
def test_garbage_files_are_unreadable_not_crashes(tmp_path: Path) -> None:
    cases = {
        "bom.png": _png_header(100_000, 100_000),
        "terpotong.png": qr_png("SOPDOCS1|1/2/3|2024-01-05|surat-tugas|0123456789abcdef")[:60],
        "acak.jpg": b"\xff\xd8\xff" + bytes(range(256)) * 20,
        "bukan-docx.docx": _zip({"isi.txt": b"halo"}),
        "rusak.pdf": b"%PDF-1.7\n" + b"\x00" * 300,
        "teks.txt": b"SOPDOCS1|1|2024-01-05|surat-tugas|0123456789abcdef",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        answer = verify_file(path, tmp_path / "arsip")
        assert answer.status == "tidak_terbaca", (name, answer)
        assert answer.message and "\n" not in answer.message


def test_pictures_without_a_sopdocs_code(tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "kosong.png"
    Image.new("RGB", (400, 300), "white").save(blank)
    assert verify_file(blank, tmp_path).status == "tanpa_kode"
    other = tmp_path / "kode-lain.png"
    other.write_bytes(qr_png("https://contoh.com/promo"))
    answer = verify_file(other, tmp_path)
    assert answer.status == "tidak_dikenal" and "bukan kode verifikasi" in answer.message
    huge_text = tmp_path / "panjang.png"
    huge_text.write_bytes(qr_png("SOPDOCS1|" + "9" * 900))
    assert verify_file(huge_text, tmp_path).status == "tidak_dikenal"


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- other paths


def test_batch_issue_carries_codes_that_verify(tmp_path: Path) -> None:
    """Letters issued by a tool through sopdocs.api.issue_many carry the code too."""
    import yaml

    from sopdocs import api

    profile = api.load_profile(EXAMPLES / "profil.yaml")
    letter = yaml.safe_load((EXAMPLES / "surat-tugas.yaml").read_text(encoding="utf-8"))
    letter.pop("profil", None)
    second = {**letter, "tanggal": "2024-01-08"}
    results = api.issue_many("surat-tugas", [letter, second], profile=profile, archive=tmp_path / "arsip")
    assert all(r.ok for r in results), [r.problems for r in results]
    for result in results:
        assert result.docx is not None and has_qr(result.docx)
        answer = verify_file(result.docx, tmp_path / "arsip")
        assert answer.status == "asli" and answer.file_matches is True
        assert answer.number == result.number


def test_without_a_signature_block_the_code_goes_bottom_left(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Daftar hadir rapat")
    document.add_paragraph("Baris terakhir")
    path = tmp_path / "tanpa-ttd.docx"
    document.save(str(path))
    before = content_fingerprint(path)
    add_verification_qr(path, number="005/1/2024", date=dt.date(2024, 1, 5), kind="surat-undangan")
    assert content_fingerprint(path) == before  # the code adds no text
    with zipfile.ZipFile(path) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    [anchor] = [d.getparent() for d in root.iter(f"{WP}docPr") if d.get("name") == DRAWING_NAME]
    vertical = anchor.find(f"{WP}positionV")
    assert vertical.get("relativeFrom") == "page"
    section = root.find(f"{W}body/{W}sectPr")
    height = int(section.find(f"{W}pgSz").get(f"{W}h"))
    bottom = int(section.find(f"{W}pgMar").get(f"{W}bottom"))
    size = int(anchor.find(f"{WP}extent").get("cy"))
    assert int(vertical.find(f"{WP}posOffset").text) + size == (height - bottom) * 635  # ends on the bottom margin
    paragraph = anchor.getparent().getparent().getparent()
    assert "".join(t.text or "" for t in paragraph.iter(f"{W}t")) == "Baris terakhir"
    # placed again: one code, replaced
    add_verification_qr(path, number="005/1/2024", date=dt.date(2024, 1, 5), kind="surat-undangan")
    with zipfile.ZipFile(path) as package:
        root = etree.fromstring(package.read("word/document.xml"))
        assert sum(1 for d in root.iter(f"{WP}docPr") if d.get("name") == DRAWING_NAME) == 1
        assert package.namelist().count("word/media/sopdocs-qr.png") == 1


@requires_libreoffice()
def test_corrected_letter_old_copy_still_verifies_with_a_note(issued: Issued, tmp_path: Path) -> None:
    """A typo fixed and the letter made again keeps its number; the first copy handed out
    is still genuine, and the answer says a corrected version replaced it."""
    examples = issued.archive.parent / "examples"
    fixed = tmp_path / "surat-tugas.yaml"  # same file name: same letter (key = name + date)
    text = (examples / "surat-tugas.yaml").read_text(encoding="utf-8")
    assert "Melaksanakan pengumpulan data" in text
    fixed.write_text(text.replace("Melaksanakan pengumpulan data", "Melaksanakan kegiatan pengumpulan data")
                     .replace("profil: profil.yaml", f"profil: {(examples / 'profil.yaml').as_posix()}"),
                     encoding="utf-8")
    archive = tmp_path / "arsip"
    shutil.copytree(issued.archive, archive)
    first_docx = tmp_path / "pertama.docx"
    shutil.copyfile(issued.docx, first_docx)
    result = render_definition("surat-tugas", fixed, tmp_path / "keluaran", archive=archive)
    assert result.numbers == [NUMBER]
    old = verify_file(first_docx, archive)
    assert old.status == "asli" and old.file_matches is True
    assert "diganti versi perbaikan" in old.message
    new = verify_file(result.docx[0], archive)
    assert new.status == "asli" and "diganti" not in new.message
    assert new.item != old.item


@requires_libreoffice()
def test_pdf_made_by_the_user_from_the_docx_is_compared_by_text(tmp_path: Path) -> None:
    """Issued without PDF copy: a PDF the office made itself from the .docx is compared with
    a fresh conversion of the archived item."""
    from sopdocs.pdf.convert import convert_many

    examples = tmp_path / "contoh"
    shutil.copytree(EXAMPLES, examples)
    result = render_definition("surat-tugas", examples / "surat-tugas.yaml", tmp_path / "keluaran",
                               archive=tmp_path / "arsip")
    [own] = convert_many(result.docx, tmp_path / "sendiri")
    answer = verify_file(own, tmp_path / "arsip")
    assert answer.status == "asli" and answer.file_matches is True


def test_docx_without_code_names_its_number(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("SURAT TUGAS")
    document.add_paragraph("Nomor: 800.1.11.1/001/Disnakertrans/2024")
    document.add_paragraph("Nomor telepon/HP: 0812")
    path = tmp_path / "tanpa-kode.docx"
    document.save(str(path))
    answer = verify_file(path, tmp_path / "arsip")
    assert answer.status == "tanpa_kode" and answer.number == NUMBER


# ----------------------------------------------------------------------------- fuzzing the payload reader


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.builds(lambda a, b: f"SOPDOCS1|{a}|{b}", st.text(max_size=60),
                                          st.text(max_size=60)))
def test_any_text_is_a_payload_or_refused(text: str) -> None:
    try:
        code = parse_payload(text)
    except QrError:
        return
    assert parse_payload(format_payload(code)) == code


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9]{3}(\.[0-9]{1,2}){0,3}/[0-9]{3}/[A-Za-z]{3,12}/20[0-9]{2}", fullmatch=True),
       st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
       st.sampled_from(["surat-tugas", "nota-dinas", "surat-undangan"]),
       st.text(alphabet="0123456789abcdef", min_size=16, max_size=16))
def test_every_number_round_trips_through_code_and_url(number: str, day: dt.date, kind: str, digest: str) -> None:
    code = QrPayload(number, day, kind, digest)
    assert parse_payload(format_payload(code)) == code
    assert parse_payload(qr_text(code, "https://arsip.contoh.go.id/verifikasi")) == code


@requires_libreoffice()
def test_a_copy_without_its_code_is_still_compared_by_its_number(issued: Issued, tmp_path: Path) -> None:
    """The code cut out (or a letter issued before codes existed): the number in its text
    finds the archived letter, and the text is compared; the answer stays 'no code'."""
    from sopdocs.docx.qr import _remove_ours

    def without_code(target: Path, change: bytes = b"") -> Path:
        with zipfile.ZipFile(issued.docx) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "word/media/sopdocs-qr.png":
                    continue
                if info.filename == "word/_rels/document.xml.rels":
                    root = etree.fromstring(data)
                    for rel in [r for r in root if r.get("Target") == "media/sopdocs-qr.png"]:
                        root.remove(rel)
                    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                if info.filename == "word/document.xml":
                    root = etree.fromstring(data)
                    _remove_ours(root)
                    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                    if change:
                        data = data.replace(b"RAHMAT HIDAYAT", change)
                out.writestr(info.filename, data)
        return target

    same = verify_file(without_code(tmp_path / "tanpa-kode.docx"), issued.archive)
    assert same.status == "tanpa_kode" and same.number == NUMBER
    assert same.file_matches is True and same.case_id == "SURAT-TUGAS-2024"
    changed = verify_file(without_code(tmp_path / "tanpa-kode-diubah.docx", b"RAHMAT HIDAJAT"), issued.archive)
    assert changed.status == "tanpa_kode" and changed.file_matches is False and "BERBEDA" in changed.message
