"""One path for every numbered document: no number spent by a failed run, re-renders keep
their number, drafts take none, and the register checks itself against the archive."""

from __future__ import annotations

import re
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

from sopdocs.archive.archive import Archive
from sopdocs.cli import main
from sopdocs.errors import SopdocsError
from sopdocs.numbering.register import Register
from sopdocs.workflow.activity import run_activity

CASE = "PENDATAAN-2024-01"


# --------------------------------------------------------------------------- helpers


def numbers(root: Path) -> list[tuple[str, str, str | None]]:
    """(number, status, document) of every number in the register (empty when none)."""
    path = root / "register.sqlite"
    if not path.exists():
        return []
    with Register(path) as register:
        return [(n.number, n.status, n.document) for n in register.list()]


def copy_codes(root: Path) -> list[tuple[str, str, str | None]]:
    path = root / "register.sqlite"
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        return [tuple(row) for row in conn.execute("SELECT code, status, document FROM copy_codes ORDER BY id")]


def assert_nothing_dangling(root: Path) -> None:
    """No number or copy code is 'terpakai' without an archived document it points at,
    and nothing is left reserved."""
    with Archive(root, index=False) as archive:
        for number, status, document in numbers(root):
            assert status != "dipesan", (number, "left reserved")
            if status == "terpakai":
                assert document and archive.resolve_reference(document) is not None, (number, document)
        for code, status, document in copy_codes(root):
            assert status != "dipesan", (code, "left reserved")
            if status == "terpakai":
                assert document and archive.resolve_reference(document) is not None, (code, document)


def no_case_left(root: Path) -> None:
    cases = root / "berkas"
    leftovers = sorted(p.name for p in cases.iterdir()) if cases.is_dir() else []
    assert leftovers == [], leftovers


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


# --------------------------------------------------------------------------- failures of run

# Each is (file to break, text, replacement): the run must refuse before taking a number.
BEFORE_ANY_NUMBER = {
    "sop": ("sop-pendataan.yaml", "nama: PELAKSANAAN", "nma: PELAKSANAAN"),
    "sop-nomor-control": ("sop-pendataan.yaml", "nomor: 061.1/SOP/Disnakertrans/2024",
                          'nomor: "061.1/SOP/\\u0007Disnakertrans/2024"'),
    "surat-tugas": ("surat-tugas.yaml", "tanggal_mulai: 08 Januari 2024", "tanggal_mulai: 32 Januari 2024"),
    "kuesioner": ("kuesioner-pendataan.yaml", "kegiatan:", "kegiatannya:"),
    "disposisi": ("disposisi.yaml", "sifat:", "sifatnya:"),
    "berkas-id": ("pendataan-2024.yaml", "id: PENDATAAN-2024-01", "id: ../../x"),
    "klasifikasi": ("pendataan-2024.yaml", 'kode_klasifikasi: "000.5.2"', 'kode_klasifikasi: "000 5/2"'),
    "foto-bukan-gambar": ("foto/foto-2.jpg", None, "ini bukan gambar"),
    "jawaban-hanya-judul": ("jawaban.csv", None, None),
}


@pytest.mark.parametrize("what", sorted(BEFORE_ANY_NUMBER))
def test_run_refuses_bad_input_before_any_number(example_copy: Path, tmp_path: Path, what: str) -> None:
    name, old, new = BEFORE_ANY_NUMBER[what]
    path = example_copy / name
    if what == "foto-bukan-gambar":
        path.write_text(new, encoding="utf-8")
    elif what == "jawaban-hanya-judul":
        path.write_text(path.read_text(encoding="utf-8-sig").splitlines()[0] + "\n", encoding="utf-8")
    else:
        edit(path, old, new)
    root = tmp_path / "arsip"
    with pytest.raises(SopdocsError):
        run_activity(example_copy / "pendataan-2024.yaml", archive=root)
    assert numbers(root) == [] and copy_codes(root) == []
    no_case_left(root)


@pytest.mark.parametrize("case", ["../../x", "CON", "A" * 65, "pendataan-2024-01", "ada spasi", "x/y"])
def test_run_refuses_bad_or_clashing_case_id_before_any_number(example_copy: Path, tmp_path: Path,
                                                                case: str) -> None:
    root = tmp_path / "arsip"
    run_activity(example_copy / "pendataan-2024.yaml", archive=root)  # PENDATAAN-2024-01 exists
    before = numbers(root), copy_codes(root)
    with pytest.raises(SopdocsError):
        run_activity(example_copy / "pendataan-2024.yaml", archive=root, case_id=case)
    assert (numbers(root), copy_codes(root)) == before
    with Archive(root, index=False) as archive:
        assert archive.case_ids() == [CASE]
        assert archive.verify().ok


def test_run_with_pdf_but_no_libreoffice_takes_nothing(example_copy: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPDOCS_SOFFICE", str(tmp_path / "tidak-ada" / "soffice"))
    monkeypatch.setenv("PATH", str(tmp_path / "kosong"))
    root = tmp_path / "arsip"
    with pytest.raises(SopdocsError, match="LibreOffice"):
        run_activity(example_copy / "pendataan-2024.yaml", archive=root, pdf=True)
    assert numbers(root) == [] and copy_codes(root) == []
    no_case_left(root)


def test_write_error_while_archiving_gives_everything_back_and_the_rerun_succeeds(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sopdocs.archive import bag

    root = tmp_path / "arsip"
    real = bag.copy_hashed
    calls = {"n": 0}

    def failing(src: Path, dst: Path) -> tuple[str, int]:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(bag, "copy_hashed", failing)
    with pytest.raises((SopdocsError, OSError)):
        run_activity(example_copy / "pendataan-2024.yaml", archive=root)
    assert calls["n"] >= 4, "the injected failure never ran"
    no_case_left(root)
    assert_nothing_dangling(root)
    assert [status for _, status, _ in numbers(root)] in ([], ["batal"], ["batal", "batal"])
    monkeypatch.setattr(bag, "copy_hashed", real)

    result = run_activity(example_copy / "pendataan-2024.yaml", archive=root)
    assert_nothing_dangling(root)
    surat = next(d for d in result.documents if d.kind == "surat-tugas")
    # released numbers came back: the rerun gets 001 again, not 002
    assert surat.number == "800.1.11.1/001/Disnakertrans/2024"
    assert result.copies[0] == "K-2024-0001"
    with Archive(root) as archive:
        assert archive.verify().ok
        assert archive.case(CASE).status == "ditutup"


def test_failure_after_a_later_number_voids_with_the_reason(example_copy: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A reserved number something else was issued after is not given back: it is voided."""
    from sopdocs.archive.archive import Archive as ArchiveClass
    from sopdocs.definitions.profile import load_profile
    from sopdocs.workflow.issue import take_checked

    root = tmp_path / "arsip"
    profile, _ = load_profile(example_copy / "profil.yaml")
    real = ArchiveClass.file_case

    def meanwhile_then_fail(self: ArchiveClass, *args: object, **kwargs: object) -> object:
        import datetime as dt

        # another workstation takes the next surat tugas number while this run is archiving
        take_checked(profile, "surat-tugas", date=dt.date(2024, 1, 9), subject="lain", archive=root)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(ArchiveClass, "file_case", meanwhile_then_fail)
    with pytest.raises((SopdocsError, OSError)):
        run_activity(example_copy / "pendataan-2024.yaml", archive=root)
    monkeypatch.setattr(ArchiveClass, "file_case", real)
    book = {number: (status, document) for number, status, document in numbers(root)}
    assert book["800.1.11.1/001/Disnakertrans/2024"][0] == "batal"
    assert book["800.1.11.1/002/Disnakertrans/2024"][0] == "terpakai"
    with Register(root / "register.sqlite") as register:
        voided = register.find("800.1.11.1/001/Disnakertrans/2024")
    assert voided is not None and "Input/output error" in (voided.void_reason or "")
    no_case_left(root)


def test_a_killed_run_is_finished_by_the_next_one(example_copy: Path, tmp_path: Path) -> None:
    """A run that died after reserving leaves 'dipesan' rows with a free lock; the next
    transaction releases them (nothing archived) before issuing."""
    import datetime as dt

    from sopdocs.definitions.profile import load_profile
    from sopdocs.kinds.registry import get_kind
    from sopdocs.workflow.issue import Transaction

    root = tmp_path / "arsip"
    profile, _ = load_profile(example_copy / "profil.yaml")
    store = Archive(root, profile=profile)
    txn = Transaction(store, profile)
    txn.__enter__()
    txn.reserve(get_kind("surat-tugas"), date=dt.date(2024, 1, 5), subject="mati di tengah jalan")
    txn.copy_codes("Pendataan", 3, year=2024)
    # the process "dies": the system lets its lock go; the lock file and the reservation stay
    assert txn._lock is not None
    txn._lock.release()
    txn._register.close()
    assert {status for _, status, _ in numbers(root)} == {"dipesan"}

    result = run_activity(example_copy / "pendataan-2024.yaml", archive=root)
    assert_nothing_dangling(root)
    surat = next(d for d in result.documents if d.kind == "surat-tugas")
    assert surat.number == "800.1.11.1/001/Disnakertrans/2024"
    store.close()


# --------------------------------------------------------------------------- render, re-render, drafts


def cli(*args: str) -> int:
    return main(list(args))


def test_register_points_at_the_archived_item(example_copy: Path, tmp_path: Path) -> None:
    root = tmp_path / "arsip"
    result = run_activity(example_copy / "pendataan-2024.yaml", archive=root)
    book = numbers(root)
    assert len(book) == 2
    with Archive(root, index=False) as archive:
        for number, status, document in book:
            assert status == "terpakai"
            assert document is not None and document.startswith(f"berkas/{CASE}/data/")
            target = archive.resolve_reference(document)
            assert target is not None and target.is_file()
            assert number in " ".join(_docx_text(target).split())
    assert {d.number for d in result.documents if d.kind in ("surat-tugas", "nota-dinas")} == {n for n, _, _ in book}


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    return re.sub(r"<[^>]+>", "", xml)


def test_rerender_reuses_the_number_and_records_the_new_file(example_copy: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "arsip"
    definition = example_copy / "surat-tugas.yaml"
    assert cli("render", "surat-tugas", str(definition), "-o", str(tmp_path / "out"), "--archive", str(root)) == 0
    first = capsys.readouterr().out.strip()
    edit(definition, "Melaksanakan", "Melaksanakan dengan teliti")  # fix a "typo"
    assert cli("render", "surat-tugas", str(definition), "-o", str(tmp_path / "out"), "--archive", str(root)) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == first
    assert "dipakai lagi" in captured.err
    book = numbers(root)
    assert [(n, s) for n, s, _ in book] == [("800.1.11.1/001/Disnakertrans/2024", "terpakai")]
    with Register(root / "register.sqlite") as register:
        history = register.documents_of("800.1.11.1/001/Disnakertrans/2024")
    assert len(history) == 2 and history[-1][0] == book[0][2]
    with Archive(root, index=False) as archive:
        newest = archive.resolve_reference(book[0][2] or "")
        assert newest is not None and "dengan teliti" in _docx_text(newest)
        assert archive.verify().ok
    assert "dengan teliti" in _docx_text(Path(first))
    # asked for a new one: 002
    assert cli("render", "surat-tugas", str(definition), "-o", str(tmp_path / "out"), "--archive", str(root),
               "--nomor-baru") == 0
    assert "Surat_Tugas_800.1.11.1_002_Disnakertrans_2024.docx" in capsys.readouterr().out
    assert [s for _, s, _ in numbers(root)] == ["terpakai", "terpakai"]


def test_konsep_takes_no_number_and_carries_the_watermark(example_copy: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "arsip"
    assert cli("render", "surat-tugas", str(example_copy / "surat-tugas.yaml"), "-o", str(tmp_path / "out"),
               "--archive", str(root), "--konsep") == 0
    made = Path(capsys.readouterr().out.strip())
    assert made.is_file() and "KONSEP" in made.name
    assert numbers(root) == []
    assert not (root / "berkas").exists()
    with zipfile.ZipFile(made) as package:
        headers = [n for n in package.namelist() if re.match(r"word/header\d*\.xml", n)]
        assert any("KONSEP" in package.read(n).decode("utf-8") for n in headers)
        body = package.read("word/document.xml").decode("utf-8")
    assert "800.1.11.1/" in body and "/Disnakertrans/2024" in body  # the number line, serial left blank
    assert "800.1.11.1/001/" not in body


# --------------------------------------------------------------------------- register against archive


@pytest.mark.parametrize("damage", ["deleted", "truncated", "older copy"])
def test_lost_register_issues_no_duplicate_and_rebuild_restores_it(
    example_copy: Path, tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "arsip"
    profile = str(example_copy / "profil.yaml")
    st = example_copy / "surat-tugas.yaml"
    assert cli("render", "surat-tugas", str(st), "-o", str(tmp_path / "out"), "--archive", str(root)) == 0
    register_file = root / "register.sqlite"
    old_copy = tmp_path / "register-lama.sqlite"
    shutil.copyfile(register_file, old_copy)
    run_activity(example_copy / "pendataan-2024.yaml", archive=root)  # 002 and the nota dinas
    before = sorted((n, s) for n, s, _ in numbers(root))
    capsys.readouterr()
    if damage == "deleted":
        register_file.unlink()
    elif damage == "truncated":
        register_file.write_bytes(b"")
    else:
        shutil.copyfile(old_copy, register_file)

    code = cli("number", "take", "surat-tugas", "--date", "20 Januari 2024", "--profil", profile,
               "--archive", str(root))
    err = capsys.readouterr().err
    assert code == 2 and "number rebuild" in err and "Traceback" not in err
    with pytest.raises(SopdocsError, match="rebuild"):
        run_activity(example_copy / "pendataan-2024.yaml", archive=root, case_id="KEDUA")

    assert cli("number", "rebuild", "--profil", profile, "--archive", str(root)) == 0
    assert "ditambahkan" in capsys.readouterr().out
    restored = sorted((n, s) for n, s, _ in numbers(root))
    assert restored == before
    assert_nothing_dangling(root)
    assert cli("number", "take", "surat-tugas", "--date", "20 Januari 2024", "--profil", profile,
               "--archive", str(root)) == 0
    assert capsys.readouterr().out.strip() == "800.1.11.1/003/Disnakertrans/2024"


# --------------------------------------------------------------------------- the registry


def test_every_registered_kind_is_offered_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    from sopdocs.kinds.registry import kinds

    registered = kinds()
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    render_help = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["schema", "--help"])
    schema_help = capsys.readouterr().out
    assert main(["templates", "list"]) == 0
    listed = capsys.readouterr().out
    for name, kind in registered.items():
        assert f"{name}: {kind.template}" in listed
        if kind.renderable:
            assert name in render_help
        if kind.model is not None:
            assert name in schema_help
            assert main(["schema", name]) == 0
            assert '"$schema"' in capsys.readouterr().out
    assert "surat-undangan" in registered and registered["surat-undangan"].numbered


def test_surat_undangan_is_issued_numbered_through_the_cli(example_copy: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "arsip"
    assert cli("render", "surat-undangan", str(example_copy / "surat-undangan.yaml"), "-o", str(tmp_path / "out"),
               "--archive", str(root)) == 0
    made = Path(capsys.readouterr().out.strip())
    book = numbers(root)
    assert len(book) == 1 and book[0][0].startswith("005/001/") and book[0][1] == "terpakai"
    assert book[0][0] in " ".join(_docx_text(made).split())
    assert_nothing_dangling(root)


def test_konsep_questionnaire_takes_no_copy_codes(example_copy: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "arsip"
    assert cli("render", "kuesioner", str(example_copy / "kuesioner-pendataan.yaml"), "-o", str(tmp_path / "out"),
               "--archive", str(root), "--konsep", "--copies", "2") == 0
    made = [Path(line) for line in capsys.readouterr().out.split()]
    assert len(made) == 2 and all("KONSEP" in p.name for p in made)
    assert copy_codes(root) == []
    with zipfile.ZipFile(made[0]) as package:
        assert any("KONSEP" in package.read(n).decode("utf-8") for n in package.namelist()
                   if re.match(r"word/header\d*\.xml", n))
