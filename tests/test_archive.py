"""The archive: real BagIt bags, fixity, unsafe names, retention, export, merge, search,
crash safety (killed processes) and two processes archiving at once."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import multiprocessing
import os
import random
import shutil
import time
from pathlib import Path
from typing import Any

import bagit
import docx
import pytest
from conftest import EXAMPLES, requires_libreoffice
from lxml import etree
from pypdf import PdfReader, PdfWriter

from sopdocs.archive import bag as baglayer
from sopdocs.archive.archive import (
    Archive,
    ArchiveError,
    NewDocument,
    Person,
    check_case_id,
)
from sopdocs.kinds.daftararsip import COLUMNS
from sopdocs.docx.extract import docx_text, find_people
from sopdocs.errors import ValidationError
from sopdocs.pdf.postprocess import stamp
from sopdocs.definitions.profile import Retensi, load_profile

CASE = "PENDATAAN-2024-01"
ST_NUMBER = "800.1.11.1/015/Disnakertrans/2024"
BUDI = ("Budi Santoso", "19900101 201503 1 002")
SITI = ("Siti Rahayu", "19880512 201101 2 003")


# --------------------------------------------------------------------------- helpers


def make_docx(path: Path, *paragraphs: str, header: str | None = None, footer: str | None = None,
              table: list[list[str]] | None = None) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table):
            for cell, value in zip(row.cells, values):
                cell.text = value
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def text_pdf(path: Path, text: str, pages: int = 1) -> Path:
    """A PDF with extractable text: blank A4 pages with ``text`` stamped as a footer."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595.28, 841.89)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer.write(fh)
    stamp(path, footer=text)
    return path


def png(path: Path, seed: int = 0) -> Path:
    """A small real PNG (photos are checked with Pillow), distinct for every seed."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = hashlib.sha256(str(seed).encode()).digest() * 6  # 4 x 4 RGB pixels = 48 bytes
    Image.frombytes("RGB", (4, 4), pixels[:48]).save(path, format="PNG")
    return path


@pytest.fixture()
def profile() -> Any:
    agency, _ = load_profile(EXAMPLES / "profil.yaml")
    return agency


@pytest.fixture()
def archive(tmp_path: Path, profile: Any) -> Archive:
    arc = Archive(tmp_path / "arsip", profile=profile)
    arc.open_case(CASE, classification="800.1.11.1", description="Pendataan tenaga kerja 2024")
    yield arc
    arc.close()


def case_dir(arc: Archive, case_id: str = CASE) -> Path:
    return arc.cases_dir / case_id


def surat_tugas(tmp_path: Path) -> Path:
    return make_docx(
        tmp_path / "in" / "surat-tugas.docx",
        "SURAT TUGAS",
        f"Nomor: {ST_NUMBER}",
        "Untuk melaksanakan pengumpulan data ketenagakerjaan di Kota Contoh.",
        table=[["Nama", ":", BUDI[0]], ["NIP", ":", BUDI[1]]],
        header="DINAS KETENAGAKERJAAN DAN TRANSMIGRASI",
    )


def index_ids(arc: Archive) -> set[str]:
    results = arc.index().search("", limit=100_000)
    assert results.total == len(results.hits)
    return {hit.doc_id for hit in results.hits}


def bag_ids(arc: Archive) -> set[str]:
    return {item.doc_id(case.case_id) for case in arc.cases() for item in case.items}


# --------------------------------------------------------------------------- bags


def test_case_file_is_a_valid_bag_with_archival_metadata(archive: Archive, tmp_path: Path) -> None:
    st = archive.add(CASE, surat_tugas(tmp_path), kind="surat-tugas", number=ST_NUMBER,
                     date=dt.date(2024, 1, 5), title="Surat tugas pendataan")
    photo = archive.add(CASE, png(tmp_path / "in" / "foto.png"), kind="foto", date=dt.date(2024, 1, 9),
                        title="Foto pengumpulan data", people=[BUDI, Person(*SITI)])
    scan = archive.add(CASE, text_pdf(tmp_path / "in" / "rekap.pdf", "Rekapitulasi hasil pendataan"),
                       kind="rekap", number="000.5.2/7/Disnakertrans/2024", date=dt.date(2024, 2, 1),
                       title="Rekapitulasi", media="kertas")
    path = case_dir(archive)

    # An independent reader (the Library of Congress bagit package) accepts the bag.
    reader = bagit.Bag(str(path))
    assert reader.validate() is True
    assert reader.algorithms == ["sha256"]
    assert reader.version_info == (1, 0)
    info = baglayer.read_bag_info(path)
    assert info["Kode-Klasifikasi"] == "800.1.11.1"
    assert info["Uraian-Informasi-Berkas"] == "Pendataan tenaga kerja 2024"
    assert info["Kurun-Waktu"] == "2024"
    assert info["Jumlah-Item"] == "3"
    assert info["Pencipta-Arsip"] == "DINAS KETENAGAKERJAAN DAN TRANSMIGRASI"
    assert info["Unit-Pengolah"] == "Disnakertrans"
    assert (info["Retensi-Aktif-Tahun"], info["Retensi-Inaktif-Tahun"], info["Nasib-Akhir"]) == ("2", "3", "musnah")
    assert info["Jadwal-Nasib-Akhir"] == "2029-02-01"  # latest item + 2 + 3 years
    assert info["External-Identifier"] == CASE

    listing = json.loads((path / "data" / "berkas.json").read_text(encoding="utf-8"))
    manifest = baglayer.read_manifest(path)
    items = listing["items"]
    assert [i["item"] for i in items] == [1, 2, 3]
    for item in items:
        for archived in item["files"]:
            assert manifest[f"data/{archived['name']}"] == archived["sha256"]
    assert items[0]["files"][0]["name"] == "001_800.1.11.1_015_Disnakertrans_2024.docx"
    assert items[0]["level"] == "asli" and items[0]["media"] == "elektronik"
    # People were found in the document's own text (name next to the NIP in a table).
    assert items[0]["people"] == [{"name": BUDI[0], "nip": "199001012015031002"}]
    assert items[1]["media"] == "foto"
    assert items[1]["people"][1] == {"name": SITI[0], "nip": "198805122011012003"}
    assert items[2]["media"] == "kertas"
    assert st.item == 1 and photo.item == 2 and scan.item == 3
    assert archive.verify().ok


def test_the_same_file_twice_is_one_item_and_numbers_do_not_clash(archive: Archive, tmp_path: Path) -> None:
    source = surat_tugas(tmp_path)
    first = archive.add(CASE, source, kind="surat-tugas", number=ST_NUMBER, date=dt.date(2024, 1, 5), title="ST")
    again = archive.add(CASE, source, kind="surat-tugas", number=ST_NUMBER, date=dt.date(2024, 1, 5), title="ST")
    assert again == first
    other = make_docx(tmp_path / "in" / "lain.docx", "isi lain")
    with pytest.raises(ValidationError, match="sudah ada di berkas"):
        archive.add(CASE, other, kind="surat-tugas", number=ST_NUMBER, date=dt.date(2024, 1, 5), title="ST")
    copy = archive.add(CASE, other, kind="surat-tugas", number=ST_NUMBER, date=dt.date(2024, 1, 6),
                       title="Salinan ST", copy_of=ST_NUMBER)
    assert (copy.level, copy.copy_of) == ("kopi", 1)
    with pytest.raises(ValidationError, match="copy_of"):
        archive.add(CASE, make_docx(tmp_path / "in" / "x.docx", "x"), kind="kuesioner", date=dt.date(2024, 1, 6),
                    title="x", copy_of=99)
    assert len(archive.case(CASE).items) == 2
    assert archive.verify().ok


def test_bad_documents_are_refused_together(archive: Archive, tmp_path: Path) -> None:
    exe = tmp_path / "in" / "program.exe"
    exe.parent.mkdir(parents=True, exist_ok=True)
    exe.write_bytes(b"MZ")
    with pytest.raises(ValidationError) as caught:
        archive.add_many(CASE, [
            NewDocument(file=exe, kind="Surat Tugas", date=dt.date(2024, 1, 5), title=""),
            NewDocument(file=tmp_path / "tidak-ada.docx", kind="sop", date="2024-01-05", title="x"),  # type: ignore[arg-type]
            NewDocument(file=surat_tugas(tmp_path), kind="sop", date=dt.date(2024, 1, 5), title="x",
                        people=[("Budi", "123")], media="digital"),
        ])
    text = str(caught.value)
    for expected in (".exe", "jenis naskah 'Surat Tugas'", "judul kosong", "tidak ditemukan",
                     "bukan datetime.date", "NIP 123", "media 'digital'"):
        assert expected in text
    assert archive.case(CASE).items == ()


def test_closed_case_file_takes_no_items_until_reopened(archive: Archive, tmp_path: Path) -> None:
    archive.add(CASE, surat_tugas(tmp_path), kind="surat-tugas", number=ST_NUMBER, date=dt.date(2024, 1, 5),
                title="ST")
    sealed = archive.seal(CASE, closed=dt.date(2024, 3, 1), location="Ruang arsip lt. 2", box="B-07")
    assert sealed.status == "ditutup" and sealed.final_due == dt.date(2029, 3, 1)
    info = baglayer.read_bag_info(case_dir(archive))
    assert (info["Status-Berkas"], info["Tanggal-Ditutup"], info["Lokasi-Simpan"], info["Nomor-Boks"]) == (
        "ditutup", "2024-03-01", "Ruang arsip lt. 2", "B-07")
    extra = make_docx(tmp_path / "in" / "disposisi.docx", "Disposisi: setuju")
    with pytest.raises(ArchiveError, match="ditutup"):
        archive.add(CASE, extra, kind="disposisi", date=dt.date(2024, 3, 2), title="Disposisi")
    archive.reopen(CASE)
    assert archive.add(CASE, extra, kind="disposisi", date=dt.date(2024, 3, 2), title="Disposisi").item == 2
    assert archive.verify().ok


# --------------------------------------------------------------------------- fixity


@pytest.mark.broken_docx  # leaves deliberately broken .docx files in tmp_path
def test_verify_reports_changed_missing_and_unexpected_files(archive: Archive, tmp_path: Path) -> None:
    archive.add(CASE, surat_tugas(tmp_path), kind="surat-tugas", number=ST_NUMBER, date=dt.date(2024, 1, 5),
                title="ST")
    archive.add(CASE, png(tmp_path / "in" / "a.png", 1), kind="foto", date=dt.date(2024, 1, 9), title="Foto 1")
    archive.add(CASE, png(tmp_path / "in" / "b.png", 2), kind="foto", date=dt.date(2024, 1, 9), title="Foto 2")
    assert archive.verify().ok
    data = case_dir(archive) / "data"
    changed = data / "001_800.1.11.1_015_Disnakertrans_2024.docx"
    raw = bytearray(changed.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one bit of one byte
    changed.write_bytes(bytes(raw))
    (data / "003_Foto_2.png").unlink()
    (data / "catatan.txt").write_text("ditambahkan di luar sopdocs", encoding="utf-8")
    info = case_dir(archive) / "bag-info.txt"
    info.write_text(info.read_text(encoding="utf-8").replace("Pendataan", "Pendatan", 1), encoding="utf-8")

    for report in (archive.verify(), archive.verify(CASE)):
        assert not report.ok
        found = {(f.kind, f.path) for f in report.findings}
        base = f"berkas/{CASE}"
        assert ("changed", f"{base}/data/001_800.1.11.1_015_Disnakertrans_2024.docx") in found
        assert ("missing", f"{base}/data/003_Foto_2.png") in found
        assert ("unexpected", f"{base}/data/catatan.txt") in found
        assert ("changed", f"{base}/bag-info.txt") in found
        assert all(f.case_id == CASE for f in report.findings)
        assert "BERUBAH" in str(report) and "HILANG" in str(report) and "TIDAK DIKENAL" in str(report)


def test_a_tampered_item_list_stops_writers_and_names_cannot_escape(archive: Archive, tmp_path: Path) -> None:
    archive.add(CASE, text_pdf(tmp_path / "in" / "a.pdf", "satu"), kind="rekap", date=dt.date(2024, 1, 9),
                title="Rekap")
    listing = case_dir(archive) / "data" / "berkas.json"
    data = json.loads(listing.read_text(encoding="utf-8"))
    secret = tmp_path / "rahasia.pdf"
    text_pdf(secret, "rahasia negara")
    data["items"][0]["files"][0]["name"] = "../../../rahasia.pdf"
    listing.write_text(json.dumps(data), encoding="utf-8")

    report = archive.verify(CASE)
    kinds = {(f.kind, f.path.rsplit("/", 1)[-1]) for f in report.findings}
    assert ("changed", "berkas.json") in kinds and ("damaged", "berkas.json") in kinds
    with pytest.raises(ArchiveError, match="checksum di manifest"):
        archive.add(CASE, png(tmp_path / "in" / "c.png"), kind="foto", date=dt.date(2024, 1, 9), title="x")
    result_dir = tmp_path / "gabung"
    with pytest.raises(ArchiveError, match="tidak ada dokumen"):
        archive.merge(CASE, result_dir / "x.pdf")
    assert archive.reindex() == 1
    assert archive.search("rahasia").total == 0  # the file outside was never read


@pytest.mark.parametrize("number", [
    "../../../etc/passwd", "..\\..\\Windows\\system32\\x", "/etc/shadow", "C:\\Windows\\win.ini",
    "C:relative", "CON", "aux.txt", "a/b/c/d", "\\\\server\\share\\x", "..", "nomor\x00nol",
    "800.1.11.1/015/Disnakertrans/2024", " ", "Ünïcödé/ñ",
])
def test_unsafe_numbers_never_leave_the_case_file(tmp_path: Path, number: str) -> None:
    arc = Archive(tmp_path / "arsip")
    arc.open_case("K1", classification="000.5.2", description="uji", creator="Dinas", unit="U")
    before = {p for p in tmp_path.rglob("*")}
    source = make_docx(tmp_path / "in" / "x.docx", "isi")
    item = arc.add("K1", source, kind="kuesioner", number=number.replace("\x00", ""), date=dt.date(2024, 1, 2),
                   title="Kuesioner", people=[])
    data = (tmp_path / "arsip" / "berkas" / "K1" / "data").resolve()
    for archived in item.files:
        target = (data / archived.name).resolve()
        assert target.parent == data and target.is_file()
        assert baglayer.is_payload_name(archived.name)
        assert not any(ch in archived.name for ch in '/\\:*?"<>|')
    created = {p for p in tmp_path.rglob("*")} - before
    outside = [p for p in created if not p.resolve().is_relative_to((tmp_path / "arsip").resolve())
               and not p.resolve().is_relative_to((tmp_path / "in").resolve())]
    assert outside == []
    assert arc.verify().ok
    arc.close()


@pytest.mark.parametrize("case_id", [
    "../luar", "..", "a/b", "a\\b", "C:", "C:\\arsip", "/mutlak", "CON", "nul", "com1.txt", "x.", ".tersembunyi",
    "", "a" * 65, "spasi di tengah", "-awal",
])
def test_unsafe_case_ids_are_refused(tmp_path: Path, case_id: str) -> None:
    arc = Archive(tmp_path / "arsip")
    with pytest.raises(ValidationError, match="ID berkas"):
        arc.open_case(case_id, classification="000.5.2", description="uji")
    with pytest.raises(ValidationError):
        check_case_id(case_id)
    assert not (tmp_path / "arsip" / "berkas").exists() or not any((tmp_path / "arsip" / "berkas").iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["arsip"])


def test_case_ids_differing_only_in_case_are_one_folder(archive: Archive) -> None:
    with pytest.raises(ArchiveError, match="huruf besar/kecil"):
        archive.open_case(CASE.lower(), classification="000.5.2", description="x")
    with pytest.raises(ArchiveError, match="sudah ada"):
        archive.open_case(CASE, classification="000.5.2", description="x")
    assert archive.open_case(CASE, classification="000.5.2", description="x", exist_ok=True).case_id == CASE


# --------------------------------------------------------------------------- interrupted writes


def test_interrupted_writes_are_reported_then_finished_or_removed(archive: Archive, tmp_path: Path) -> None:
    archive.add(CASE, png(tmp_path / "in" / "a.png", 1), kind="foto", date=dt.date(2024, 1, 9), title="Foto 1")
    path = case_dir(archive)
    case, data = archive._load(path)

    # 1. A case file whose creation stopped half-way: reported, not in the archive.
    staging = archive.cases_dir / ".staging-BARU-2024-0123456789ab"
    (staging / "data").mkdir(parents=True)
    (staging / "data" / "berkas.json").write_bytes(b'{"format": "sopdo')
    report = archive.verify()
    assert [(f.kind, f.case_id) for f in report.findings] == [("incomplete", "BARU-2024")]
    assert "BARU-2024" not in archive.case_ids()

    # 2. An update that stopped before COMMIT: reported; the bag itself is the old one.
    work = baglayer.stage_update(path, add=[baglayer.PayloadFile("002_x.png", data=b"x")],
                                 replace=[baglayer.PayloadFile("berkas.json", data=b"{}")],
                                 info=case.bag_info(), sizes=case.payload_sizes(len(data)))
    report = archive.verify(CASE)
    assert [(f.kind, f.case_id) for f in report.findings] == [("incomplete", CASE)]
    assert bagit.Bag(str(path)).is_valid()
    assert archive.cleanup() == [staging, work]
    assert archive.verify().ok

    # 3. An update that stopped after COMMIT, with some files moved: finished on verify.
    new_item = baglayer.PayloadFile("002_Foto_2.png", data=b"foto dua")
    from dataclasses import replace as dc_replace
    from sopdocs.archive.archive import ArchivedFile, Item

    item = Item(item=2, number="", date=dt.date(2024, 1, 10), kind="foto", title="Foto 2", level="asli",
                media="foto", classification=case.classification,
                files=(ArchivedFile("002_Foto_2.png", "asli", hashlib.sha256(b"foto dua").hexdigest(), 8),))
    updated = dc_replace(case, items=(*case.items, item))
    work = baglayer.stage_update(path, add=[new_item],
                                 replace=[baglayer.PayloadFile("berkas.json", data=updated.to_json())],
                                 info=updated.bag_info(), sizes=case.payload_sizes(len(data)))
    (work / "COMMIT").write_text("x", encoding="utf-8")
    os.replace(work / "data" / "002_Foto_2.png", path / "data" / "002_Foto_2.png")  # the crash came here
    assert not bagit.Bag(str(path)).is_valid()
    report = archive.verify(CASE)
    assert report.ok, str(report)
    assert [i.title for i in archive.case(CASE).items] == ["Foto 1", "Foto 2"]
    assert bagit.Bag(str(path)).is_valid()


# --------------------------------------------------------------------------- retention


def test_retention_comes_from_the_code_or_its_nearest_parent(tmp_path: Path, profile: Any) -> None:
    schedule = {"800": Retensi(aktif=1, inaktif=4, nasib_akhir="dinilai kembali"),
                "800.1.11.1": Retensi(aktif=2, inaktif=3, nasib_akhir="musnah"),
                "000.8.3.3": Retensi(aktif=5, inaktif=10, nasib_akhir="permanen")}
    arc = Archive(tmp_path / "arsip", profile=profile.model_copy(update={"retensi": schedule}))
    exact = arc.open_case("A", classification="800.1.11.1", description="a")
    parent = arc.open_case("B", classification="800.2.3", description="b")
    permanent = arc.open_case("C", classification="000.8.3.3", description="c")
    assert arc.warnings == []
    none = arc.open_case("D", classification="900.1", description="d")
    assert "900.1" in str(arc.warnings[-1]) and arc.warnings[-1].severity == "warning"
    assert (exact.retention.code, exact.retention.final) == ("800.1.11.1", "musnah")
    assert (parent.retention.code, parent.retention.active_years, parent.retention.final) == ("800", 1, "dinilai kembali")
    assert permanent.retention.final == "permanen"
    assert none.retention is None and none.final_due is None
    assert baglayer.read_bag_info(arc.cases_dir / "D")["Retensi"].startswith("belum diatur")

    # Counted from the latest document while open; from the closing date once closed.
    arc.add("B", png(tmp_path / "in" / "1.png", 1), kind="foto", date=dt.date(2024, 2, 29), title="kabisat")
    case = arc.case("B")
    assert case.retention_base == dt.date(2024, 2, 29)
    assert case.inactive_due == dt.date(2025, 2, 28) and case.final_due == dt.date(2029, 2, 28)
    closed = arc.seal("B", closed=dt.date(2024, 12, 31))
    assert closed.final_due == dt.date(2029, 12, 31)
    info = baglayer.read_bag_info(arc.cases_dir / "B")
    assert (info["Retensi-Kode-JRA"], info["Jadwal-Pindah-Inaktif"], info["Jadwal-Nasib-Akhir"]) == (
        "800", "2025-12-31", "2029-12-31")
    assert [c.case_number for c in arc.cases()] == [1, 2, 3, 4]


# --------------------------------------------------------------------------- export and merge


def test_export_csv_has_the_daftar_arsip_columns(archive: Archive, tmp_path: Path) -> None:
    archive.add(CASE, surat_tugas(tmp_path), kind="surat-tugas", number=ST_NUMBER, date=dt.date(2024, 1, 5),
                title="Surat tugas pendataan")
    archive.add(CASE, png(tmp_path / "in" / "a.png"), kind="foto", date=dt.date(2024, 1, 9), title="Foto lapangan")
    archive.open_case("KOSONG", classification="000.1.2", description="Berkas kosong")
    out = tmp_path / "daftar.csv"
    archive.export(csv=out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    header = rows[0]
    assert header == [heading for _, heading in COLUMNS]
    for needed in ("Nomor Berkas", "Kode Klasifikasi", "Uraian Informasi Berkas", "Kurun Waktu", "Jumlah Item",
                   "Nomor Item", "Uraian Item", "Tanggal", "Tingkat Perkembangan", "Keterangan (Media)",
                   "Pencipta Arsip", "Unit Pengolah", "Lokasi Simpan", "Nomor Folder", "Nomor Boks",
                   "Retensi Aktif (tahun)", "Retensi Inaktif (tahun)", "Nasib Akhir", "SHA-256"):
        assert needed in header
    records = [dict(zip(header, row)) for row in rows[1:]]
    assert len(records) == 3  # two items + the empty case file
    first = records[0]
    assert (first["Nomor Berkas"], first["Kode Klasifikasi"], first["Nomor Item"], first["Nomor Naskah"]) == (
        "1", "800.1.11.1", "1", ST_NUMBER)
    assert (first["Tanggal"], first["Tingkat Perkembangan"], first["Keterangan (Media)"]) == (
        "2024-01-05", "asli", "elektronik")
    assert (first["Nasib Akhir"], first["Retensi Aktif (tahun)"], first["Jadwal Nasib Akhir"]) == (
        "musnah", "2", "2029-01-09")
    assert records[1]["Keterangan (Media)"] == "foto" and records[1]["Jumlah Item"] == "2"
    assert records[2]["ID Berkas"] == "KOSONG" and records[2]["Nomor Item"] == ""
    assert records[0]["SHA-256"] == archive.case(CASE).items[0].main.sha256

    semicolon = tmp_path / "daftar-excel.csv"
    archive.export(csv=semicolon, delimiter=";")
    assert semicolon.read_text(encoding="utf-8-sig").splitlines()[0].startswith("Nomor Berkas;Kode Klasifikasi;")

    word = tmp_path / "daftar.docx"
    archive.export(docx=word, title="DAFTAR ARSIP AKTIF")
    text = docx_text(word)
    # the number has a column of its own ("Nomor Naskah") in the Word list
    for expected in ("DAFTAR ARSIP AKTIF", "Pendataan tenaga kerja 2024", "Nomor Naskah", ST_NUMBER,
                     "Foto Dokumentasi: Foto lapangan", "05 Januari 2024", "Berkas kosong",
                     "Jumlah: 2 berkas, 2 item.", "NIP. 19720319 198003 1 001"):
        assert expected in text, expected


def test_merge_puts_a_bookmark_per_document(archive: Archive, tmp_path: Path) -> None:
    archive.add(CASE, text_pdf(tmp_path / "in" / "sop.pdf", "SOP pendataan", pages=2), kind="sop",
                number="061.1/SOP/Disnakertrans/2024", date=dt.date(2024, 1, 2), title="SOP Pendataan")
    archive.add(CASE, png(tmp_path / "in" / "a.png"), kind="foto", date=dt.date(2024, 1, 9), title="Foto lapangan")
    archive.add(CASE, text_pdf(tmp_path / "in" / "rekap.pdf", "Rekap"), kind="rekap", date=dt.date(2024, 2, 1),
                title="Rekapitulasi hasil")
    result = archive.merge(CASE, tmp_path / "gabung" / "berkas.pdf")
    reader = PdfReader(str(result.path))
    assert len(reader.pages) == 3
    titles = [entry.title for entry in reader.outline]
    assert titles == ["1. SOP 061.1/SOP/Disnakertrans/2024: SOP Pendataan", "3. Rekapitulasi: Rekapitulasi hasil"]
    assert [reader.get_destination_page_number(entry) for entry in reader.outline] == [0, 2]
    assert result.bookmarks == titles and result.skipped == ["2. Foto lapangan"]
    assert archive.verify().ok  # merging reads the bag, never writes into it
    with pytest.raises(ArchiveError, match="jangan menulis"):
        archive.merge(CASE, case_dir(archive) / "data" / "gabung.pdf")
    with pytest.raises(ArchiveError, match="jangan menulis"):
        archive.export(csv=archive.cases_dir / "daftar.csv")
    assert archive.verify().ok


@requires_libreoffice()
def test_add_many_makes_pdf_copies_in_one_run(archive: Archive, tmp_path: Path, capsys: Any) -> None:
    from sopdocs.pdf.postprocess import read_metadata, read_text

    documents = []
    for n in range(1, 11):
        source = make_docx(tmp_path / "in" / f"kuesioner-{n}.docx", f"KUESIONER PENDATAAN nomor salinan {n}",
                           "Identitas responden: nama, alamat, pekerjaan.")
        documents.append(NewDocument(file=source, kind="kuesioner", date=dt.date(2024, 1, 3),
                                     number=f"000.5.2/{n:03d}/Disnakertrans/2024", title=f"Kuesioner salinan {n}",
                                     classification="000.5.2", people=[]))
    started = time.perf_counter()
    items = archive.add_many(CASE, documents, pdf=True, pdfa=True, watermark="SALINAN")
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n[archive] 10 documents with PDF/A copies in one LibreOffice run: {elapsed:.1f} s")
    assert [i.item for i in items] == list(range(1, 11))
    for item in items:
        copy = item.pdf_copy
        assert copy is not None and copy.name == item.main.name[:-5] + ".pdf"
        pdf_path = case_dir(archive) / "data" / copy.name
        meta = read_metadata(pdf_path)
        assert meta["SopdocsNumber"] == item.number
        assert meta["Title"] == item.title
        assert (meta["SopdocsKind"], meta["SopdocsClassification"], meta["SopdocsDate"]) == (
            "Kuesioner", "000.5.2", "2024-01-03")
        text = " ".join(read_text(pdf_path).split())
        assert f"Nomor {item.number} | SHA-256 docx {item.main.sha256[:16]}" in text
        assert "SALINAN" in text and "KUESIONER PENDATAAN" in text
    assert archive.verify().ok
    assert bagit.Bag(str(case_dir(archive))).is_valid()
    merged = archive.merge(CASE, tmp_path / "semua.pdf")
    assert len(PdfReader(str(merged.path)).outline) == 10


# --------------------------------------------------------------------------- search


@pytest.fixture()
def searchable(archive: Archive, tmp_path: Path) -> Archive:
    archive.add(CASE, surat_tugas(tmp_path), kind="surat-tugas", number=ST_NUMBER, date=dt.date(2024, 1, 5),
                title="Surat tugas pendataan")
    archive.add(CASE, make_docx(tmp_path / "in" / "kuesioner.docx", "KUESIONER",
                                "Lembar ini dikumpulkan kembali oleh petugas setelah diisi responden."),
                kind="kuesioner", number="000.5.2/001/Disnakertrans/2024", date=dt.date(2024, 1, 3),
                title="Kuesioner pendataan tenaga kerja", people=[])
    archive.add(CASE, text_pdf(tmp_path / "in" / "disposisi.pdf", "Disposisi kepala dinas: laporan disetujui"),
                kind="disposisi", number="000.1.2/044/Disnakertrans/2024", date=dt.date(2024, 2, 2),
                title="Lembar disposisi", people=[SITI])
    return archive


def test_search_by_exact_number(searchable: Archive) -> None:
    results = searchable.search(ST_NUMBER)
    assert results.hits[0].number == ST_NUMBER
    assert results.hits[0].case_id == CASE and results.hits[0].doc_id == f"{CASE}/001"
    assert results.hits[0].path == f"berkas/{CASE}/data/001_800.1.11.1_015_Disnakertrans_2024.docx"


def test_search_by_person_name_and_nip_with_and_without_spaces(searchable: Archive) -> None:
    for query in ("Budi Santoso", BUDI[1], BUDI[1].replace(" ", "")):
        results = searchable.search(query)
        assert [h.number for h in results.hits] == [ST_NUMBER], query
    for query in ("Siti Rahayu", SITI[1], SITI[1].replace(" ", "")):  # from item metadata only
        assert [h.kind for h in searchable.search(query).hits] == ["disposisi"], query


def test_search_finds_inflected_words_and_nothing_for_an_absent_word(searchable: Archive) -> None:
    inflected = searchable.search("pengumpulan")  # the text says "dikumpulkan" ...
    assert {h.kind for h in inflected.hits} == {"kuesioner", "surat-tugas"}
    assert {h.kind for h in searchable.search("menyetujui").hits} == {"disposisi"}  # ... "disetujui"
    absent = searchable.search("xilofon")
    assert absent.total == 0 and absent.hits == []
    assert searchable.search("pengumpulan", kind="kuesioner").total == 1
    assert searchable.search("pengumpulan", date_from=dt.date(2024, 1, 4)).total == 1


def test_a_damaged_or_deleted_index_is_rebuilt_from_the_bags(searchable: Archive, tmp_path: Path) -> None:
    expected = bag_ids(searchable)
    searchable.close()
    for path in (searchable.index_dir).iterdir():
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(b"\x00rusak")
    arc = Archive(searchable.root)
    assert index_ids(arc) == expected
    assert any("dibangun ulang" in str(w) for w in arc.warnings)
    arc.close()
    shutil.rmtree(searchable.index_dir)
    arc = Archive(searchable.root)
    assert index_ids(arc) == expected
    arc.close()


# --------------------------------------------------------------------------- text extraction


def test_docx_text_reads_body_tables_headers_footers_and_text_boxes_once(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "t.docx", "Paragraf badan", header="Kop di kepala", footer="Kaki halaman",
                     table=[["Nama", ":", "Ani"], ["NIP", ":", "19850312 201001 1 004"]])
    document = docx.Document(str(path))
    run = document.paragraphs[0].add_run()
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
          'xmlns:v="urn:schemas-microsoft-com:vml"')
    box = ('<w:p><w:r><w:t>Teks di kotak</w:t></w:r></w:p>')
    xml = (f'<mc:AlternateContent {ns}><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>'
           f'<w:txbxContent>{box}</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>'
           f'<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{box}</w:txbxContent></v:textbox>'
           f'</v:shape></w:pict></mc:Fallback></mc:AlternateContent>')
    run._r.append(etree.fromstring(xml))
    deleted = etree.fromstring(f'<w:del {ns} w:id="1" w:author="x"><w:r><w:delText>dihapus</w:delText></w:r></w:del>')
    document.paragraphs[0]._p.append(deleted)
    document.save(str(path))
    text = docx_text(path)
    assert text.count("Teks di kotak") == 1
    for expected in ("Paragraf badan", "Kop di kepala", "Kaki halaman", "Nama\t:\tAni"):
        assert expected in text
    assert "dihapus" not in text
    assert find_people(text) == [Person("Ani", "198503122010011004")]


def test_find_people_in_a_rendered_surat_tugas(tmp_path: Path) -> None:
    from sopdocs.workflow.issue import render_surat_tugas_file

    rendered = render_surat_tugas_file(EXAMPLES / "surat-tugas.yaml", tmp_path / "out", archive=tmp_path / "arsip")
    found = find_people(docx_text(rendered.docx[0]))
    assert Person("RAHMAT HIDAYAT, S.E.", "198503122010011004") in found
    assert Person("ANDI PRATAMA", "199301152019031005") in found
    # The signer: name line above the rank line above the NIP.
    assert Person("DIDUGARNAWI, S.Pd., M.M.", "197203191980031001") in found


# --------------------------------------------------------------------------- processes
# Module-level so that "spawn" children (as on Windows) can import them.


def _archive_forever(root: str, seed: int, started: Any) -> None:
    """Open case files and archive small documents until killed."""
    arc = Archive(Path(root))
    sources = Path(root).parent / f"bahan-{seed}"
    rnd = random.Random(seed)
    n = 0
    while True:
        case_id = f"K{seed}-{n // 4}"
        if n % 4 == 0:
            arc.open_case(case_id, classification="000.5.2", description=f"berkas uji {n}", creator="Dinas Uji",
                          unit="Uji", exist_ok=True)
        if rnd.random() < 0.5:
            source = make_docx(sources / f"d{n}.docx", f"Kuesioner pendataan nomor {n}", "Nama : Budi Santoso",
                               "NIP : 19900101 201503 1 002")
        else:
            source = sources / f"t{n}.txt"
            source.parent.mkdir(parents=True, exist_ok=True)
            source.write_text(f"catatan lapangan {n} " + "data " * rnd.randint(1, 2000), encoding="utf-8")
        arc.add(case_id, source, kind="kuesioner", number=f"000.5.2/{seed}{n:04d}/Uji/2024",
                date=dt.date(2024, 1, 1) + dt.timedelta(days=n % 300), title=f"Dokumen {n}")
        started.set()
        if n % 4 == 2:  # a whole case file in one step, as `sopdocs run` files it
            docs = [NewDocument(file=make_docx(sources / f"f{n}-{k}.docx", f"Surat pendataan {n} {k}",
                                               "data " * rnd.randint(1, 3000)),
                                kind="surat-tugas", number=f"800/{seed}{n:04d}{k}/Uji/2024", date=dt.date(2024, 2, 1),
                                title=f"Surat {n} {k}", people=[])
                    for k in range(4)]
            arc.file_case(f"F{seed}-{n}", classification="800.1.11.1", description=f"berkas utuh {n}",
                          creator="Dinas Uji", unit="Uji", documents=docs)
        n += 1


def _archive_batch(root: str, case_id: str, tag: str, count: int, barrier: Any, results: Any) -> None:
    arc = Archive(Path(root))
    sources = Path(root).parent / f"bahan-{tag}"
    paths = [make_docx(sources / f"{tag}{i}.docx", f"Dokumen {tag} {i} pengumpulan data") for i in range(count)]
    barrier.wait()
    numbers = []
    for i, source in enumerate(paths):
        item = arc.add(case_id, source, kind="kuesioner", number=f"000.5.2/{tag}{i:03d}/Uji/2024",
                       date=dt.date(2024, 3, 1), title=f"Dokumen {tag} {i}", people=[])
        numbers.append(item.number)
    arc.close()
    results.put((tag, numbers, [str(w) for w in arc.warnings]))


@pytest.mark.slow
def test_two_processes_archiving_at_once_lose_nothing(tmp_path: Path) -> None:
    root = tmp_path / "arsip"
    arc = Archive(root)
    arc.open_case("BERSAMA", classification="000.5.2", description="dua proses", creator="Dinas", unit="U")
    arc.open_case("SENDIRI-A", classification="000.5.2", description="a", creator="Dinas", unit="U")
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    jobs = [("BERSAMA", "a"), ("BERSAMA", "b"), ("SENDIRI-A", "c"), ("BERSAMA", "d")]
    workers = [ctx.Process(target=_archive_batch, args=(str(root), case, tag, 8, barrier, results), daemon=True)
               for case, tag in jobs]
    for worker in workers:
        worker.start()
    done = [results.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert all(warnings == [] for _, _, warnings in done)
    shared = arc.case("BERSAMA")
    assert len(shared.items) == 24 and sorted(i.item for i in shared.items) == list(range(1, 25))
    assert len(arc.case("SENDIRI-A").items) == 8
    assert arc.verify().ok
    expected = {n for _, numbers, _ in done for n in numbers}
    assert {i.number for c in arc.cases() for i in c.items} == expected and len(expected) == 32
    assert index_ids(arc) == bag_ids(arc)
    assert arc.search("000.5.2/b005/Uji/2024").hits[0].number == "000.5.2/b005/Uji/2024"
    arc.close()


@pytest.mark.slow
def test_killed_while_archiving_leaves_old_or_new_state(tmp_path: Path, capsys: Any) -> None:
    root = tmp_path / "arsip"
    ctx = multiprocessing.get_context("spawn")
    rnd = random.Random(20240105)
    outcomes = {"utuh": 0, "tidak lengkap": 0}
    trials = 20
    for trial in range(trials):
        started = ctx.Event()
        worker = ctx.Process(target=_archive_forever, args=(str(root), trial, started), daemon=True)
        worker.start()
        assert started.wait(120), "worker never archived anything"
        time.sleep(rnd.uniform(0.0, 0.6))
        worker.kill()
        worker.join(30)

        arc = Archive(root)
        report = arc.verify()
        if report.ok:
            outcomes["utuh"] += 1
        else:
            outcomes["tidak lengkap"] += 1
            assert all(f.kind == "incomplete" and f.case_id for f in report.findings), str(report)
        # Nothing half-written under a final name: every case file that exists is a valid bag.
        for case_id in arc.case_ids():
            assert bagit.Bag(str(arc.cases_dir / case_id)).is_valid(), case_id
        # The search index catches up with what the dead process committed ...
        arc.search("kuesioner")
        assert index_ids(arc) == bag_ids(arc)
        # ... and reindex rebuilds it from the bags exactly.
        arc.reindex()
        assert index_ids(arc) == bag_ids(arc)
        arc.cleanup()
        assert arc.verify().ok
        arc.close()
    with capsys.disabled():
        print(f"\n[archive] {trials} kills: {outcomes}; {len(bag_ids(Archive(root)))} documents archived")
