"""Fixity and robustness of reading bags that were damaged or tampered with: tag
manifests that protect nothing, odd manifest lines, FIFOs and other non-files inside a
bag, oversized or absurdly nested item lists, a committed update with a garbage plan,
hostile .docx files, and inputs that only pretend to be PDFs or photos. Real bags made
with ``Archive.file_case`` / ``open_case`` + ``add``."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from test_archive import ST_NUMBER, make_docx, png, surat_tugas, text_pdf

from sopdocs import cli
from sopdocs.archive import archive as archive_module
from sopdocs.archive import storage as storage_module
from sopdocs.archive import bag as baglayer
from sopdocs.archive.archive import Archive, ArchiveError, NewDocument
from sopdocs.archive.casefile import MAX_ITEM_FILE_BYTES
from sopdocs.archive.lockfile import LockFileError
from sopdocs.definitions.profile import load_profile
from sopdocs.docx import extract
from sopdocs.docx.extract import DocxTextError, docx_text
from sopdocs.errors import SopdocsError, ValidationError

CASE = "FIKSITAS-2024-01"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


@pytest.fixture()
def profile() -> Any:
    agency, _ = load_profile(EXAMPLES / "profil.yaml")
    return agency


@pytest.fixture()
def arc(tmp_path: Path, profile: Any) -> Archive:
    archive = Archive(tmp_path / "arsip", profile=profile)
    archive.file_case(CASE, classification="800.1.11.1", description="Uji keutuhan berkas", seal=False, documents=[
        NewDocument(file=surat_tugas(tmp_path), kind="surat-tugas", date=dt.date(2024, 7, 1), number=ST_NUMBER,
                    title="Surat tugas pendataan"),
        NewDocument(file=png(tmp_path / "in" / "foto.png", 3), kind="foto", date=dt.date(2024, 7, 2),
                    title="Foto kegiatan", people=[]),
    ])
    assert archive.verify().ok
    yield archive
    archive.close()


def bag_of(arc: Archive) -> Path:
    return arc.cases_dir / CASE


def cli_verify(arc: Archive, capsys: Any) -> tuple[int, str]:
    code = cli.main(["archive", "verify", "--archive", str(arc.root)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


def findings(arc: Archive) -> set[tuple[str, str]]:
    """(kind, path inside the bag) of every finding of a fresh verify."""
    prefix = f"berkas/{CASE}/"
    return {(f.kind, f.path.removeprefix(prefix)) for f in arc.verify().findings}


def details(arc: Archive) -> str:
    return "\n".join(str(f) for f in arc.verify().findings)


def within(seconds: float, action: Callable[[], Any]) -> Any:
    """``action()`` in a daemon thread: fails the test (instead of hanging it) if it
    does not finish in time; re-raises what it raised."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = action()
        except BaseException as exc:  # handed to the test thread
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still running after {seconds} s (blocked on a FIFO?)")
    if "error" in result:
        raise result["error"]
    return result.get("value")


def edit_bag_info(arc: Archive) -> None:
    info = bag_of(arc) / "bag-info.txt"
    info.write_text(info.read_text(encoding="utf-8").replace("Uji keutuhan", "Uji KEUTUHAN"), encoding="utf-8")


# --------------------------------------------------------------------------- tag manifest


@pytest.mark.parametrize("damage", ["hilang", "kosong", "terpotong", "tanpa-bag-info"])
def test_a_tag_manifest_that_protects_nothing_is_damage(arc: Archive, capsys: Any, damage: str) -> None:
    """Before: with the tag manifest emptied, an edited bag-info.txt gave "semua utuh"."""
    tagmanifest = bag_of(arc) / baglayer.TAGMANIFEST
    lines = tagmanifest.read_text(encoding="utf-8").splitlines(keepends=True)
    if damage == "hilang":
        tagmanifest.unlink()
    elif damage == "kosong":
        tagmanifest.write_bytes(b"")
    elif damage == "terpotong":
        tagmanifest.write_text(lines[0], encoding="utf-8")  # bag-info.txt only (sorted first)
    else:
        tagmanifest.write_text("".join(line for line in lines if "bag-info" not in line), encoding="utf-8")
    edit_bag_info(arc)

    found = findings(arc)
    assert not arc.verify().ok
    if damage == "terpotong":
        # bag-info.txt is still listed: its change is caught; the unlisted ones are damage.
        assert ("changed", "bag-info.txt") in found
        assert {("damaged", "bagit.txt"), ("damaged", "manifest-sha256.txt")} <= found
    else:
        assert ("damaged", "bag-info.txt") in found
    if damage == "hilang":
        assert ("missing", "tagmanifest-sha256.txt") in found
    if damage == "kosong":
        assert ("damaged", "tagmanifest-sha256.txt") in found
    code, out = cli_verify(arc, capsys)
    assert code == 1 and "semua utuh" not in out and "bag-info.txt" in out


def test_an_unlisted_tag_file_is_damage_and_listed_ones_are_hashed(arc: Archive, capsys: Any) -> None:
    extra = bag_of(arc) / "manifest-md5.txt"  # a tag file the tag manifest does not list
    extra.write_text("d41d8cd98f00b204e9800998ecf8427e  data/berkas.json\n", encoding="utf-8")
    assert ("damaged", "manifest-md5.txt") in findings(arc)
    assert "tidak tercantum di tagmanifest-sha256.txt" in details(arc)
    extra.unlink()
    assert arc.verify().ok
    manifest = bag_of(arc) / baglayer.MANIFEST
    manifest.write_bytes(manifest.read_bytes() + b"\n")  # harmless for a parser, but a change
    assert ("changed", "manifest-sha256.txt") in findings(arc)
    assert cli_verify(arc, capsys)[0] == 1


@pytest.mark.parametrize("line, expected", [
    ("../x", "keluar dari folder berkas"),
    ("data/../../x", "keluar dari folder berkas"),
    ("/etc/passwd", "jalur mutlak"),
    ("C:/Windows/win.ini", "jalur mutlak"),
    ("bag-info.txt", "bukan berkas muatan"),
    ("DUPLICATE", "tercantum dua kali"),
    ("MALFORMED", "bukan baris manifest yang sah"),
])
def test_odd_manifest_lines_are_findings_not_crashes(arc: Archive, capsys: Any, line: str, expected: str) -> None:
    manifest = bag_of(arc) / baglayer.MANIFEST
    first = manifest.read_text(encoding="utf-8").splitlines()[0]
    if line == "DUPLICATE":
        added = first
    elif line == "MALFORMED":
        added = "bukan-checksum data/x"
    else:
        added = f"{'0' * 64}  {line}"
    manifest.write_text(manifest.read_text(encoding="utf-8") + added + "\n", encoding="utf-8")
    report = arc.verify()
    assert any(f.kind == "damaged" and f.path.endswith("manifest-sha256.txt") and expected in f.detail
               for f in report.findings), report
    # The rest of the bag is still checked: a changed payload file is still found.
    (bag_of(arc) / "data" / "002_Foto_kegiatan.png").write_bytes(b"lain")
    assert ("changed", "data/002_Foto_kegiatan.png") in findings(arc)
    code, out = cli_verify(arc, capsys)
    assert code == 1 and expected in out
    with pytest.raises(SopdocsError, match="manifest"):  # writers refuse to build on it
        arc.add(CASE, png(Path(arc.root.parent) / "in" / "baru.png", 99), kind="foto", date=dt.date(2024, 7, 3),
                title="Foto baru")


def test_tag_manifest_lines_must_name_tag_files(arc: Archive) -> None:
    tagmanifest = bag_of(arc) / baglayer.TAGMANIFEST
    tagmanifest.write_text(tagmanifest.read_text(encoding="utf-8") + f"{'0' * 64}  data/berkas.json\n"
                           + f"{'0' * 64}  ../../rahasia.txt\n", encoding="utf-8")
    text = details(arc)
    assert "bukan berkas tag" in text and "keluar dari folder berkas" in text


# --------------------------------------------------------------------------- only regular files


@needs_fifo
def test_a_fifo_in_the_payload_is_reported_and_never_opened(arc: Archive, capsys: Any) -> None:
    data = bag_of(arc) / "data"
    item_file = data / "001_800.1.11.1_015_Disnakertrans_2024.docx"
    item_file.unlink()
    os.mkfifo(item_file)  # an item's file replaced by a FIFO: reading it would block forever
    os.mkfifo(data / "pipa")  # and one more, listed nowhere
    report = within(30, arc.verify)
    found = {(f.kind, f.path.removeprefix(f"berkas/{CASE}/")) for f in report.findings}
    assert ("damaged", "data/001_800.1.11.1_015_Disnakertrans_2024.docx") in found
    assert ("damaged", "data/pipa") in found
    assert "FIFO" in str(report)
    assert within(60, arc.reindex) == 2  # both items indexed; the FIFO one without text
    assert any("FIFO" in str(w) for w in arc.warnings)
    code, out = within(30, lambda: cli_verify(arc, capsys))
    assert code == 1 and "FIFO" in out


@needs_fifo
@pytest.mark.parametrize("name", ["bag-info.txt", "tagmanifest-sha256.txt", "manifest-sha256.txt", "bagit.txt",
                                  "data/berkas.json"])
def test_a_fifo_as_a_tag_file_or_item_list_is_reported(arc: Archive, name: str) -> None:
    target = bag_of(arc) / name
    target.unlink()
    os.mkfifo(target)
    report = within(30, arc.verify)
    assert any(f.kind == "damaged" and f.path.endswith(name) for f in report.findings), report
    within(60, arc.reindex)
    if name == "data/berkas.json":
        with pytest.raises(ArchiveError, match="berkas.json.*FIFO"):
            within(30, lambda: arc.case(CASE))


def test_a_symlink_in_the_payload_is_not_followed(arc: Archive, tmp_path: Path) -> None:
    outside = tmp_path / "rahasia.txt"
    outside.write_text("rahasia", encoding="utf-8")
    link = bag_of(arc) / "data" / "002_Foto_kegiatan.png"
    link.unlink()
    try:
        link.symlink_to(outside)
    except OSError:
        pytest.skip("symbolic links not allowed here")
    report = arc.verify()
    assert any(f.kind == "damaged" and "tautan simbolik" in f.detail for f in report.findings), report
    with pytest.raises(SopdocsError, match="bukan berkas biasa"):
        baglayer.hash_file(link)


# --------------------------------------------------------------------------- bounds


def test_an_absurdly_nested_item_list_is_a_clean_finding(arc: Archive, capsys: Any) -> None:
    listing = bag_of(arc) / "data" / "berkas.json"
    listing.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    started = time.monotonic()
    report = arc.verify()
    assert time.monotonic() - started < 10
    assert any(f.kind == "damaged" and f.path.endswith("berkas.json") and "bersarang" in f.detail
               for f in report.findings), report
    with pytest.raises(ArchiveError, match="berkas.json.*bersarang"):
        arc.case(CASE)
    code, out = cli_verify(arc, capsys)
    assert code == 1 and "berkas.json" in out


def test_an_oversized_item_list_is_refused_unread(arc: Archive, capsys: Any) -> None:
    listing = bag_of(arc) / "data" / "berkas.json"
    original = listing.read_bytes()
    listing.write_bytes(original[:-3] + b" " * (20 * 1024 * 1024) + original[-3:])  # still valid JSON: 20 MB
    assert listing.stat().st_size > MAX_ITEM_FILE_BYTES
    with pytest.raises(ArchiveError, match="berkas.json.*terlalu besar.*MAX_ITEM_FILE_BYTES"):
        arc.case(CASE)
    report = arc.verify()
    assert any(f.kind == "damaged" and "terlalu besar" in f.detail for f in report.findings), report
    assert cli_verify(arc, capsys)[0] == 1


def test_oversized_tag_files_are_not_read(arc: Archive) -> None:
    info = bag_of(arc) / "bag-info.txt"
    info.write_bytes(info.read_bytes() + b"X-Isi: " + b"a" * (baglayer.MAX_TAG_FILE_BYTES + 10) + b"\n")
    with pytest.raises(SopdocsError, match="terlalu besar"):
        baglayer.read_bag_info(bag_of(arc))
    assert any("MAX_TAG_FILE_BYTES" in f.detail for f in arc.verify().findings)


def test_a_large_text_file_is_indexed_up_to_the_limit(tmp_path: Path, profile: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_module, "MAX_TEXT_FILE_BYTES", 2_000)
    source = tmp_path / "in" / "catatan.txt"
    source.parent.mkdir(parents=True)
    source.write_text("pembukaan " + "isi " * 1_000 + "penutupanunik", encoding="utf-8")
    with Archive(tmp_path / "arsip", profile=profile) as archive:
        archive.file_case("TEKS", classification="800.1.11.1", description="Teks panjang", documents=[
            NewDocument(file=source, kind="laporan", date=dt.date(2024, 7, 1), title="Catatan")])
        assert archive.search("pembukaan").hits
        assert not archive.search("penutupanunik").hits


# --------------------------------------------------------------------------- hostile .docx


BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                   for i in range(1, 10))
        + b']>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        + b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")


def replace_part(docx_path: Path, part: str, data: bytes) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(docx_path) as old, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, data if info.filename == part else old.read(info))
    docx_path.write_bytes(buffer.getvalue())
    return docx_path


@pytest.mark.broken_docx  # leaves a deliberately broken .docx in tmp_path
def test_an_entity_bomb_docx_is_archived_without_text_and_with_a_warning(arc: Archive, tmp_path: Path) -> None:
    bomb = replace_part(make_docx(tmp_path / "in" / "bom.docx", "x"), "word/document.xml", BOMB)
    started = time.monotonic()
    item = arc.add(CASE, bomb, kind="laporan", date=dt.date(2024, 7, 3), title="Laporan bom", people=[])
    assert time.monotonic() - started < 20
    assert any("DOCTYPE" in str(w) for w in arc.warnings)
    assert not arc.search("lol").hits
    assert arc.verify().ok and item.item == 3


@pytest.mark.broken_docx  # leaves a deliberately broken .docx in tmp_path
def test_the_xml_parser_itself_never_expands_entities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even without the DOCTYPE check, lxml (no entity resolution, no huge trees) neither
    expands the bomb nor hangs."""
    bomb = replace_part(make_docx(tmp_path / "bom.docx", "x"), "word/document.xml", BOMB)
    monkeypatch.setattr(extract, "_has_doctype", lambda data: False)
    started = time.monotonic()
    try:
        text = docx_text(bomb)
    except DocxTextError:
        text = ""
    assert time.monotonic() - started < 10 and "lollol" not in text


@pytest.mark.broken_docx  # leaves a deliberately broken .docx in tmp_path
@pytest.mark.parametrize("what", ["zip-bomb", "malformed", "too-deep", "not-a-zip"])
def test_hostile_or_broken_docx_give_a_clean_error(tmp_path: Path, what: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_docx(tmp_path / "x.docx", "x")
    head = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    if what == "zip-bomb":  # 8 MB of spaces, compressed about a thousand times
        replace_part(path, "word/document.xml", head + b" " * 8_000_000 + b"</w:body></w:document>")
        expected = "MAX_COMPRESSION_RATIO"
    elif what == "malformed":
        replace_part(path, "word/document.xml", head + b"<w:p><w:r>")
        expected = "tidak dapat dibaca"
    elif what == "too-deep":
        replace_part(path, "word/document.xml", head + b"<w:sdt>" * 5_000 + b"</w:sdt>" * 5_000
                     + b"</w:body></w:document>")
        expected = "tidak dapat dibaca"
    else:
        path.write_bytes(b"PK\x03\x04 bukan zip")
        expected = "tidak dapat dibaca"
    started = time.monotonic()
    with pytest.raises(DocxTextError, match=expected):
        docx_text(path)
    assert time.monotonic() - started < 10
    monkeypatch.setattr(extract, "MAX_COMPRESSION_RATIO", 10**9)
    if what == "zip-bomb":
        with pytest.raises(DocxTextError, match="MAX_PART_BYTES"):
            docx_text(path, max_part_bytes=1_000_000)


# --------------------------------------------------------------------------- a committed update with a bad plan


@pytest.mark.parametrize("plan", [b"sampah{", b'{"moves": [["../../luar", "../../luar"]]}', b'{"moves": 5}',
                                  b"[" * 100_000])
def test_a_committed_update_with_a_garbage_plan_is_a_clean_finding(arc: Archive, capsys: Any, tmp_path: Path,
                                                                   plan: bytes) -> None:
    work = bag_of(arc) / ".update-0123456789ab"
    work.mkdir()
    (work / "plan.json").write_bytes(plan)
    (work / "COMMIT").write_text("2024-07-03T10:00:00\n", encoding="utf-8")
    report = arc.verify()
    assert [(f.kind, f.path) for f in report.findings] == [("damaged", f"berkas/{CASE}/.update-0123456789ab")]
    assert "plan.json" in report.findings[0].detail and "rusak" in report.findings[0].detail
    code, out = cli_verify(arc, capsys)
    assert code == 1 and "plan.json" in out
    with pytest.raises(SopdocsError, match="plan.json"):  # a writer stops cleanly, touching nothing
        arc.add(CASE, png(tmp_path / "in" / "baru.png", 42), kind="foto", date=dt.date(2024, 7, 3), title="Baru")
    assert arc.cleanup() == [] and any("plan.json" in str(w) for w in arc.warnings)
    assert work.is_dir() and len(arc.case(CASE).items) == 2


# --------------------------------------------------------------------------- inputs that pretend


@pytest.mark.parametrize("content", [b"", b"ini teks biasa, bukan PDF", b"%PDF-1.7\nrusak"])
def test_a_pdf_copy_that_is_no_pdf_is_refused(arc: Archive, tmp_path: Path, content: bytes) -> None:
    fake = tmp_path / "in" / "salinan.pdf"
    fake.write_bytes(content)
    with pytest.raises(ValidationError) as caught:
        arc.add(CASE, make_docx(tmp_path / "in" / "nota.docx", "Nota"), kind="nota-dinas", date=dt.date(2024, 7, 3),
                title="Nota", pdf_copy=fake)
    assert [p.field for p in caught.value.problems] == ["pdf_copy"]
    assert "salinan.pdf" in str(caught.value)
    assert len(arc.case(CASE).items) == 2
    good = text_pdf(tmp_path / "in" / "baik.pdf", "salinan")
    item = arc.add(CASE, make_docx(tmp_path / "in" / "nota.docx", "Nota"), kind="nota-dinas",
                   date=dt.date(2024, 7, 3), title="Nota", pdf_copy=good)
    assert item.pdf_copy is not None


@pytest.mark.parametrize("name, options", [("foto.jpg", {"kind": "foto"}), ("gambar.png", {"kind": "laporan"}),
                                           ("catatan.txt", {"kind": "foto"}),
                                           ("catatan.txt", {"kind": "laporan", "media": "foto"})])
def test_a_photo_that_is_no_image_is_refused(arc: Archive, tmp_path: Path, name: str, options: dict[str, str]) -> None:
    fake = tmp_path / "in" / name
    fake.write_text("ini bukan gambar", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        arc.add(CASE, fake, date=dt.date(2024, 7, 3), title="Foto palsu", people=[], **options)
    assert [p.field for p in caught.value.problems] == ["file"]
    assert name in str(caught.value) and "bukan gambar" in str(caught.value)
    real = EXAMPLES / "foto" / "foto-1.jpg"
    assert arc.add(CASE, real, kind="foto", date=dt.date(2024, 7, 3), title="Foto asli", people=[]).media == "foto"


# --------------------------------------------------------------------------- paths that are not what they should be


def test_an_index_path_that_is_a_file_or_a_lock_that_is_a_folder_is_named(arc: Archive) -> None:
    arc.close()
    index = arc.root / "indeks"
    if index.exists():
        import shutil

        shutil.rmtree(index)
    index.write_text("bukan folder", encoding="utf-8")
    with pytest.raises(ArchiveError, match=str(index).replace("\\", "\\\\")):
        arc.reindex()
    with pytest.raises(ArchiveError, match="bukan folder"):
        arc.search("tugas")
    index.unlink()
    (arc.root / "indeks.lock").unlink(missing_ok=True)
    (arc.root / "indeks.lock").mkdir()
    with pytest.raises(ArchiveError, match="indeks.lock"):
        arc.reindex()
    (arc.root / "indeks.lock").rmdir()
    assert arc.reindex() == 2
    arc.close()
    writelock = index / "MAIN_WRITELOCK"
    writelock.unlink(missing_ok=True)
    writelock.mkdir()
    with pytest.raises(ArchiveError, match="MAIN_WRITELOCK"):
        arc.reindex()


def test_an_archive_lock_that_is_a_folder_is_named(arc: Archive, tmp_path: Path) -> None:
    lock = arc.root / ".arsip.lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()
    with pytest.raises(LockFileError, match=r"\.arsip\.lock.*folder"):
        arc.add(CASE, png(tmp_path / "in" / "baru.png", 5), kind="foto", date=dt.date(2024, 7, 3), title="Baru")
    code = cli.main(["archive", "verify", "--archive", str(arc.root)])
    assert code != 0


def test_a_closed_case_file_says_what_to_do(arc: Archive, tmp_path: Path) -> None:
    arc.seal(CASE, closed=dt.date(2024, 7, 31))
    with pytest.raises(ArchiveError) as caught:
        arc.add(CASE, png(tmp_path / "in" / "baru.png", 6), kind="foto", date=dt.date(2024, 8, 1), title="Baru")
    message = str(caught.value)
    assert "sudah ditutup" in message and f"sopdocs archive reopen {CASE}" in message and "berkas baru" in message
    assert arc.reopen(CASE).status == "terbuka"


def test_json_helpers_are_strict() -> None:
    from sopdocs.archive.casefile import json_too_deep

    assert not json_too_deep(json.dumps({"a": [1, {"b": "[[[[[[[[[[ ]]]"}]}).encode())
    assert json_too_deep(b"[" * 40 + b"]" * 40)
    assert json_too_deep(b"[[")
    assert sys.getrecursionlimit() >= 100  # nothing above changed it
