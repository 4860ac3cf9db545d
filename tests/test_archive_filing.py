"""Filing a whole case file in one step (``Archive.file_case``), checking a new case file
before any work, interrupted runs of the older open/add/seal flow, the numbers the
register can rebuild from, and references to archived files. Real archive folders."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import bagit
import pytest
from conftest import EXAMPLES, requires_libreoffice
from test_archive import BUDI, ST_NUMBER, index_ids, make_docx, png, surat_tugas, text_pdf

from sopdocs.archive import bag as baglayer
from sopdocs.archive.archive import Archive, ArchivedNumber, ArchiveError, NewDocument
from sopdocs.archive.casefile import KIND_LABELS, PENDING_LABEL, kind_label
from sopdocs.definitions.profile import load_profile
from sopdocs.errors import ConversionError, SopdocsError, ValidationError

CASE = "PENDATAAN-2024-07"
KQ_NUMBER = "000.5.2/001/Disnakertrans/2024"


@pytest.fixture()
def profile() -> Any:
    agency, _ = load_profile(EXAMPLES / "profil.yaml")
    return agency


@pytest.fixture()
def arc(tmp_path: Path, profile: Any) -> Archive:
    archive = Archive(tmp_path / "arsip", profile=profile)
    yield archive
    archive.close()


def documents(tmp_path: Path) -> list[NewDocument]:
    """What a run archives: a numbered surat tugas (people from its text), a numbered
    questionnaire and its copy, a photo and a scanned recap."""
    folder = tmp_path / "in"
    return [
        NewDocument(file=surat_tugas(tmp_path), kind="surat-tugas", date=dt.date(2024, 7, 1), number=ST_NUMBER,
                    title="Surat tugas pendataan"),
        NewDocument(file=make_docx(folder / "kuesioner.docx", "KUESIONER", "Identitas responden"),
                    kind="kuesioner", date=dt.date(2024, 7, 2), number=KQ_NUMBER, title="Kuesioner", people=[]),
        NewDocument(file=make_docx(folder / "kuesioner-salinan.docx", "KUESIONER salinan"), kind="kuesioner",
                    date=dt.date(2024, 7, 2), number=KQ_NUMBER, title="Salinan kuesioner", copy_of=KQ_NUMBER,
                    people=[]),
        NewDocument(file=png(folder / "foto.png", 7), kind="foto", date=dt.date(2024, 7, 9),
                    title="Foto pengumpulan data", people=[BUDI]),
        NewDocument(file=text_pdf(folder / "rekap.pdf", "Rekapitulasi hasil pendataan"), kind="rekap",
                    date=dt.date(2024, 7, 20), number="000.5.2/7/Disnakertrans/2024", title="Rekapitulasi",
                    media="kertas"),
    ]


def file_it(arc: Archive, tmp_path: Path, case_id: str = CASE, **options: Any) -> Any:
    return arc.file_case(case_id, classification="800.1.11.1", description="Pendataan tenaga kerja Juli 2024",
                         documents=documents(tmp_path), location="Ruang arsip lt. 2", **options)


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with a hash of its content (folders as ``<dir>``)."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): ("<dir>" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(root.rglob("*"))}


def fake_convert_many(docxs: list[Path], out_dir: Path, **_: Any) -> list[Path]:
    """Stands in for LibreOffice: a real (text) PDF per document."""
    return [text_pdf(Path(out_dir) / f"{Path(d).stem}.pdf", f"PDF dari {Path(d).name}") for d in docxs]


# --------------------------------------------------------------------------- file_case


def test_file_case_makes_a_complete_sealed_case_file(arc: Archive, tmp_path: Path) -> None:
    case = file_it(arc, tmp_path, closed=dt.date(2024, 7, 31))

    assert (case.case_id, case.case_number, case.status, case.closed) == (CASE, 1, "ditutup", dt.date(2024, 7, 31))
    assert not case.pending and not case.incomplete
    assert [i.item for i in case.items] == [1, 2, 3, 4, 5]
    assert [i.kind for i in case.items] == ["surat-tugas", "kuesioner", "kuesioner", "foto", "rekap"]
    assert (case.items[2].level, case.items[2].copy_of) == ("kopi", 2)
    assert case.items[0].people[0].nip == "199001012015031002"  # read from the document's text
    assert case.final_due == dt.date(2029, 7, 31)  # closed + 2 + 3 years (profile schedule)
    assert arc.case(CASE) == case  # berkas.json holds what was returned
    path = arc.cases_dir / CASE
    info = baglayer.read_bag_info(path)
    assert (info["Status-Berkas"], info["Tanggal-Ditutup"], info["Jumlah-Item"], info["Lokasi-Simpan"]) == (
        "ditutup", "2024-07-31", "5", "Ruang arsip lt. 2")
    assert PENDING_LABEL not in info
    assert bagit.Bag(str(path)).is_valid()
    report = arc.verify()
    assert report.ok, str(report)
    assert str(report) == "1 berkas, 6 file: semua utuh"
    assert sorted(p.name for p in arc.cases_dir.iterdir()) == [CASE]  # no staging folder left
    assert not list(arc.queue_dir.glob("*.tertunda"))  # the index update was confirmed
    # Indexed once, right away: by number, by a person from the text, by a word.
    assert arc.search(ST_NUMBER).hits[0].doc_id == f"{CASE}/001"
    assert [h.kind for h in arc.search(BUDI[0]).hits] == ["surat-tugas", "foto"]
    assert index_ids(arc) == {f"{CASE}/{n:03d}" for n in range(1, 6)}
    # Sealed: nothing more goes in; the same id cannot be filed again.
    with pytest.raises(ArchiveError, match="ditutup"):
        arc.add(CASE, png(tmp_path / "in" / "lagi.png", 9), kind="foto", date=dt.date(2024, 8, 1), title="x")
    with pytest.raises(ValidationError, match="sudah ada"):
        file_it(arc, tmp_path)
    assert arc.warnings == []


def test_file_case_can_leave_the_case_file_open(arc: Archive, tmp_path: Path) -> None:
    case = file_it(arc, tmp_path, seal=False)
    assert (case.status, case.closed, case.incomplete) == ("terbuka", None, False)
    extra = arc.add(CASE, png(tmp_path / "in" / "lagi.png", 9), kind="foto", date=dt.date(2024, 8, 1), title="x")
    assert extra.item == 6
    assert arc.verify().ok
    assert arc.cleanup() == []  # an open case file with items is a legitimate one


def test_file_case_numbers_case_files_after_the_existing_ones(arc: Archive, tmp_path: Path) -> None:
    arc.open_case("LAMA", classification="000.5.2", description="berkas lama")
    arc.add("LAMA", png(tmp_path / "in" / "a.png", 1), kind="foto", date=dt.date(2024, 1, 1), title="a")
    assert file_it(arc, tmp_path).case_number == 2


@pytest.mark.parametrize("failure", ["no-libreoffice", "disk-full", "interrupt-while-staging", "rename"])
def test_a_failure_before_the_rename_leaves_the_archive_as_it_was(
        arc: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    import sopdocs.pdf.convert as convert

    arc.open_case("LAIN", classification="000.5.2", description="berkas lain")
    arc.add("LAIN", png(tmp_path / "in" / "a.png", 1), kind="foto", date=dt.date(2024, 1, 1), title="a")
    before = tree(arc.root)
    pdf = False
    if failure == "no-libreoffice":  # `sopdocs run --pdf` on a machine without LibreOffice
        monkeypatch.setattr(convert, "find_soffice", lambda: None)
        pdf, expected = True, ConversionError
    elif failure == "disk-full":  # while copying the third document into the private folder
        real, calls = baglayer.copy_hashed, []

        def copy_hashed(src: Path, dst: Path) -> tuple[str, int]:
            calls.append(src)
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
            return real(src, dst)

        monkeypatch.setattr(baglayer, "copy_hashed", copy_hashed)
        expected = OSError
    elif failure == "interrupt-while-staging":  # Ctrl+C with half the bag written, lock held
        real_put, written = baglayer._put, []

        def put(file: Any, target: Path) -> tuple[str, int]:
            if len(written) == 3:
                assert any(p.name.startswith(".staging-") for p in arc.cases_dir.iterdir())
                raise KeyboardInterrupt
            written.append(target)
            return real_put(file, target)

        monkeypatch.setattr(baglayer, "_put", put)
        expected = KeyboardInterrupt
    else:  # the final rename itself fails (e.g. refused by a virus scanner)
        real_rename = os.rename

        def rename(src: Any, dst: Any) -> None:
            if Path(src).name.startswith(".staging-") and Path(dst).name == CASE:
                raise PermissionError(13, "Access is denied")
            real_rename(src, dst)

        monkeypatch.setattr(os, "rename", rename)
        expected = OSError

    with pytest.raises(expected):
        file_it(arc, tmp_path, pdf=pdf)
    assert tree(arc.root) == before  # byte for byte: no case file, no staging folder, no index marker
    assert CASE not in arc.case_ids()
    assert not [p for p in arc.cases_dir.iterdir() if p.name.startswith(".")]
    assert arc.verify().ok

    monkeypatch.undo()  # the cause is fixed: the same call now works, nothing blocks it
    monkeypatch.setattr(convert, "convert_many", fake_convert_many)
    case = file_it(arc, tmp_path, pdf=pdf)
    assert case.status == "ditutup" and len(case.items) == 5
    assert all((i.pdf_copy is not None) == (pdf and i.main.name.endswith(".docx")) for i in case.items)
    assert arc.verify().ok
    assert arc.search(ST_NUMBER).hits[0].case_id == CASE


def test_a_bad_document_is_refused_before_any_work(arc: Archive, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    docs = documents(tmp_path)
    broken = [*docs, NewDocument(file=tmp_path / "in" / "hilang.docx", kind="kuesioner", date=dt.date(2024, 7, 2),
                                 title="Hilang")]
    monkeypatch.setattr(Archive, "_prepare", lambda *a, **k: pytest.fail("prepared despite a bad document"))
    with pytest.raises(ValidationError, match="tidak ditemukan"):
        arc.file_case(CASE, classification="800.1.11.1", description="x", documents=broken)
    with pytest.raises(ValidationError, match="tidak ada dokumen"):
        arc.file_case(CASE, classification="800.1.11.1", description="x", documents=[])
    assert tree(arc.root) == {}


def test_a_number_clash_inside_the_documents_is_refused_whole(arc: Archive, tmp_path: Path) -> None:
    docs = documents(tmp_path)
    other = make_docx(tmp_path / "in" / "lain.docx", "isi lain")
    clash = NewDocument(file=other, kind="surat-tugas", date=dt.date(2024, 7, 3), number=ST_NUMBER, title="Lain")
    with pytest.raises(ValidationError, match="sudah ada di berkas"):
        arc.file_case(CASE, classification="800.1.11.1", description="x", documents=[*docs, clash])
    assert arc.case_ids() == [] and not arc.cases_dir.exists()  # it made the folder, it removed it


# --------------------------------------------------------------------------- check_new_case


@pytest.mark.parametrize(("case_id", "classification", "field", "message"), [
    ("../../x", "800.1.11.1", "case_id", "tidak sah"),
    ("CON", "800.1.11.1", "case_id", "dicadangkan Windows"),
    ("a" * 65, "800.1.11.1", "case_id", "paling panjang 64"),
    ("berkas/lain", "800.1.11.1", "case_id", "tidak sah"),
    ("pendataan-2024-07", "800.1.11.1", "case_id", "huruf besar/kecil"),  # only the letter case differs
    (CASE, "800.1.11.1", "case_id", "sudah ada"),
    ("BARU", "8 00", "classification", "kode klasifikasi '8 00' tidak sah"),
    ("BARU", "", "classification", "kode klasifikasi"),
])
def test_check_new_case_refuses_before_any_work(arc: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               case_id: str, classification: str, field: str,
                                               message: str) -> None:
    file_it(arc, tmp_path)
    before = tree(arc.root)
    with pytest.raises(ValidationError) as caught:
        arc.check_new_case(case_id, classification)
    assert caught.value.exit_code == 2
    assert [p.field for p in caught.value.problems] == [field] and message in str(caught.value)
    # file_case refuses the same way, before reading any document
    monkeypatch.setattr(Archive, "_prepare", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        arc.file_case(case_id, classification=classification, description="x", documents=documents(tmp_path))
    assert tree(arc.root) == before


def test_check_new_case_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    arc = Archive(tmp_path / "arsip")
    arc.check_new_case("BARU-2024", "000.5.2")  # fine: returns None
    with pytest.raises(ValidationError) as caught:
        arc.check_new_case("../luar", "x y", description=" ")
    assert [p.field for p in caught.value.problems] == ["case_id", "classification", "description"]
    assert not (tmp_path / "arsip").exists()


# --------------------------------------------------------------------------- interrupted runs


def test_interrupted_open_add_seal_runs_are_incomplete_and_cleaned(arc: Archive, tmp_path: Path) -> None:
    # A run of the older flow that stopped right after open_case: an open case file with no items.
    arc.open_case("KOSONG", classification="000.5.2", description="terhenti setelah dibuka")
    # One that was marked pending and stopped after adding, before sealing.
    arc.open_case("SETENGAH", classification="000.5.2", description="terhenti sebelum ditutup", pending=True)
    assert PENDING_LABEL + ": ya" in (arc.cases_dir / "SETENGAH" / "bag-info.txt").read_text(encoding="utf-8")
    arc.add("SETENGAH", make_docx(tmp_path / "in" / "s.docx", "dokumen setengah jadi"), kind="kuesioner",
            date=dt.date(2024, 7, 1), title="Setengah jadi", people=[])
    # One that was marked pending and finished: seal removes the mark.
    arc.open_case("SELESAI", classification="000.5.2", description="selesai", pending=True)
    arc.add("SELESAI", png(tmp_path / "in" / "s.png", 3), kind="foto", date=dt.date(2024, 7, 1), title="Foto")
    sealed = arc.seal("SELESAI")
    assert not sealed.pending and PENDING_LABEL not in baglayer.read_bag_info(arc.cases_dir / "SELESAI")
    assert "pending" not in json.loads((arc.cases_dir / "SELESAI" / "data" / "berkas.json").read_bytes())["case"]
    # A legitimate open case file of the `archive add` flow.
    arc.open_case("TERBUKA", classification="000.5.2", description="sedang diisi")
    arc.add("TERBUKA", png(tmp_path / "in" / "t.png", 4), kind="foto", date=dt.date(2024, 7, 1), title="Foto")
    assert index_ids(arc) == {"SETENGAH/001", "SELESAI/001", "TERBUKA/001"}

    report = arc.verify()
    assert [(f.kind, f.case_id, f.path) for f in report.findings] == [
        ("incomplete", "KOSONG", "berkas/KOSONG"), ("incomplete", "SETENGAH", "berkas/SETENGAH")]
    assert report.incomplete_cases == {"KOSONG", "SETENGAH"}
    for finding in report.findings:
        assert "terhenti sebelum selesai" in finding.detail and "sopdocs archive verify --clean" in finding.detail
    assert "TIDAK LENGKAP: berkas/KOSONG: berkas terbuka tanpa item" in str(report)
    assert "1 item, belum ditutup" in str(arc.verify("SETENGAH"))
    assert arc.verify("TERBUKA").ok and arc.verify("SELESAI").ok
    # The rerun is told what to do rather than just "sudah ada".
    with pytest.raises(ValidationError, match="tidak lengkap.*verify --clean"):
        arc.check_new_case("KOSONG", "000.5.2")

    removed = arc.cleanup()
    assert removed == [arc.cases_dir / "KOSONG", arc.cases_dir / "SETENGAH"]
    assert arc.case_ids() == ["SELESAI", "TERBUKA"]
    assert arc.verify().ok
    assert index_ids(arc) == {"SELESAI/001", "TERBUKA/001"}  # the removed documents left the index too
    assert arc.search("setengah").total == 0
    # Nothing blocks the rerun now.
    arc.check_new_case("KOSONG", "000.5.2")
    assert file_it(arc, tmp_path, case_id="SETENGAH").status == "ditutup"
    assert arc.verify().ok


def test_cleanup_keeps_an_incomplete_case_file_holding_foreign_files(arc: Archive) -> None:
    arc.open_case("KOSONG", classification="000.5.2", description="x")
    (arc.cases_dir / "KOSONG" / "data" / "catatan.txt").write_text("ditaruh tangan", encoding="utf-8")
    assert arc.cleanup() == []
    assert arc.case_ids() == ["KOSONG"]
    assert any("tidak dihapus otomatis" in str(w) for w in arc.warnings)
    assert {f.kind for f in arc.verify().findings} == {"incomplete", "unexpected"}


def test_cleanup_waits_for_the_archive_lock(arc: Archive) -> None:
    arc.open_case("KOSONG", classification="000.5.2", description="x")
    other = Archive(arc.root, lock_timeout=0.2)
    with arc._lock.hold():  # another process writing
        with pytest.raises(SopdocsError, match="sedang dipakai"):
            other.cleanup()
    assert arc.case_ids() == ["KOSONG"]
    assert other.cleanup() == [arc.cases_dir / "KOSONG"]


# --------------------------------------------------------------------------- numbers and references


def test_numbered_items_list_what_the_register_can_rebuild_from(arc: Archive, tmp_path: Path) -> None:
    file_it(arc, tmp_path)
    arc.open_case("K2", classification="000.5.2", description="kedua")
    arc.add("K2", make_docx(tmp_path / "in" / "nd.docx", "Nota dinas"), kind="nota-dinas",
            date=dt.date(2024, 8, 1), number="000.1.2/9/Disnakertrans/2024", title="Nota dinas", people=[])
    arc.add("K2", png(tmp_path / "in" / "k2.png", 5), kind="foto", date=dt.date(2024, 8, 2), title="tanpa nomor")
    arc.open_case("RUSAK", classification="000.5.2", description="rusak")
    (arc.cases_dir / "RUSAK" / "data" / "berkas.json").write_text("{", encoding="utf-8")

    found = list(arc.numbered_items())
    assert [(n.case_id, n.item, n.number, n.kind) for n in found] == [
        ("K2", 1, "000.1.2/9/Disnakertrans/2024", "nota-dinas"),
        (CASE, 1, ST_NUMBER, "surat-tugas"),
        (CASE, 2, KQ_NUMBER, "kuesioner"),  # its copy (item 3) is not a second number
        (CASE, 5, "000.5.2/7/Disnakertrans/2024", "rekap"),
    ]
    first = found[1]
    assert first == ArchivedNumber(number=ST_NUMBER, kind="surat-tugas", date=dt.date(2024, 7, 1),
                                   title="Surat tugas pendataan", case_id=CASE, item=1,
                                   reference=f"berkas/{CASE}/data/001_800.1.11.1_015_Disnakertrans_2024.docx")
    assert [str(w) for w in arc.warnings] and "RUSAK" in str(arc.warnings[0])
    for number in found:
        assert arc.item_reference(number.case_id, number.item) == number.reference
        path = arc.resolve_reference(number.reference)
        assert path is not None and path.is_file()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == arc.case(number.case_id).item(number.item).main.sha256
    assert arc.search(found[0].number).hits[0].path == found[0].reference  # the index uses the same form
    with pytest.raises(ArchiveError, match="tidak ada item nomor 9"):
        arc.item_reference(CASE, 9)


def test_numbered_items_read_only_the_item_lists(arc: Archive, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    file_it(arc, tmp_path)
    monkeypatch.setattr(baglayer, "hash_file", lambda *a: pytest.fail("hashed"))
    monkeypatch.setattr(baglayer, "read_manifest", lambda *a: pytest.fail("read a manifest"))
    assert len(list(arc.numbered_items())) == 3


@pytest.mark.parametrize("ref", [
    "../rahasia.pdf", "berkas/../../rahasia.pdf", f"berkas/{CASE}/data/../../../rahasia.pdf",
    f"berkas/{CASE}/../{CASE}/data/x.pdf", "/etc/passwd", "C:/Windows/win.ini", "C:rahasia.pdf",
    f"berkas\\{CASE}\\data\\x.pdf", "\\\\server\\share\\x", f"berkas/{CASE}/bag-info.txt",
    f"berkas/{CASE}/data/", f"berkas/{CASE}/data/sub/x.pdf", "berkas/../data/x.pdf", "berkas/CON/data/x.pdf",
    f"indeks/{CASE}/data/x.pdf", "", f"/berkas/{CASE}/data/x.pdf", f"berkas/{CASE}/data/x.pdf/..",
])
def test_resolve_reference_refuses_paths_out_of_the_archive(arc: Archive, tmp_path: Path, ref: str) -> None:
    file_it(arc, tmp_path)
    with pytest.raises(ValidationError, match="rujukan arsip"):
        arc.resolve_reference(ref)


def test_resolve_reference_finds_only_archived_items(arc: Archive, tmp_path: Path) -> None:
    case = file_it(arc, tmp_path)
    data = arc.cases_dir / CASE / "data"
    assert arc.resolve_reference(f"berkas/{CASE}/data/{case.items[0].main.name}") == data / case.items[0].main.name
    assert arc.resolve_reference(f"berkas/{CASE}/data/berkas.json") is None  # the item list is not an item
    assert arc.resolve_reference(f"berkas/{CASE}/data/tidak_ada.docx") is None
    assert arc.resolve_reference(f"berkas/LAIN/data/{case.items[0].main.name}") is None
    # A tampered item list naming a link to a file outside the archive leads nowhere.
    secret = text_pdf(tmp_path / "rahasia.pdf", "rahasia")
    (data / "999_link.pdf").symlink_to(secret)
    listing = json.loads((data / "berkas.json").read_text(encoding="utf-8"))
    listing["items"][0]["files"].append({"name": "999_link.pdf", "role": "salinan-pdf", "sha256": "0" * 64,
                                         "size": 1})
    (data / "berkas.json").write_text(json.dumps(listing), encoding="utf-8")
    assert arc.resolve_reference(f"berkas/{CASE}/data/999_link.pdf") is None


# --------------------------------------------------------------------------- labels


def test_labels_come_from_the_kind_registry_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from sopdocs.kinds import registry

    assert set(KIND_LABELS) == {"foto", "daftar-eksemplar", "daftar-salinan", "rekap", "laporan"}
    monkeypatch.setattr(registry, "label", lambda name: {"surat-tugas": "Surat Tugas Uji"}.get(name, name))
    assert kind_label("surat-tugas") == "Surat Tugas Uji"
    assert kind_label("foto") == "Foto Dokumentasi"  # not a document kind
    assert kind_label("berita-acara") == "Berita Acara"  # neither: the name, readable


def test_registered_kinds_keep_their_labels_in_case_files(arc: Archive, tmp_path: Path) -> None:
    from sopdocs.kinds.registry import label

    case = file_it(arc, tmp_path)
    assert [i.label for i in case.items] == [label("surat-tugas"), label("kuesioner"), label("kuesioner"),
                                             "Foto Dokumentasi", "Rekapitulasi"]


# --------------------------------------------------------------------------- size and PDF


def test_file_case_with_35_documents(arc: Archive, tmp_path: Path, capsys: Any) -> None:
    docs = [NewDocument(file=make_docx(tmp_path / "in" / f"k{n}.docx", f"Kuesioner nomor salinan {n}",
                                       "Nama : Budi Santoso", "NIP : 19900101 201503 1 002"),
                        kind="kuesioner", date=dt.date(2024, 7, 2), number=f"000.5.2/{n:03d}/Disnakertrans/2024",
                        title=f"Kuesioner {n}")
            for n in range(1, 36)]
    started = time.perf_counter()
    case = arc.file_case("BESAR", classification="000.5.2", description="35 kuesioner", documents=docs)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n[archive] file_case with 35 documents, no PDF: {elapsed:.2f} s")
    assert len(case.items) == 35 and case.status == "ditutup"
    assert arc.verify().ok
    assert arc.search("000.5.2/035/Disnakertrans/2024").hits[0].doc_id == "BESAR/035"


@requires_libreoffice()
def test_file_case_with_real_pdf_copies(arc: Archive, tmp_path: Path) -> None:
    from sopdocs.pdf.postprocess import read_metadata, read_text

    case = file_it(arc, tmp_path, pdf=True)
    with_pdf = [i for i in case.items if i.pdf_copy is not None]
    assert [i.item for i in with_pdf] == [1, 2, 3]  # the three .docx
    for item in with_pdf:
        pdf_path = arc.cases_dir / CASE / "data" / item.pdf_copy.name
        assert read_metadata(pdf_path)["SopdocsKind"] == item.label
        assert f"SHA-256 docx {item.main.sha256[:16]}" in " ".join(read_text(pdf_path).split())
    assert arc.verify().ok and bagit.Bag(str(arc.cases_dir / CASE)).is_valid()
    assert case.status == "ditutup"
