"""The main job: ``sopdocs demo`` / ``sopdocs run``, then finding every record again."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLES

CLI = [sys.executable, "-m", "sopdocs"]


def sopdocs(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run ``sopdocs demo`` in an empty folder; it archives into ./archive there."""
    work = tmp_path_factory.mktemp("demo")
    proc = sopdocs("demo", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "Berkas PENDATAAN-2024-01 diarsipkan" in proc.stdout
    assert "Contoh pencarian" in proc.stdout
    return work


def search(work: Path, *args: str) -> dict:
    proc = sopdocs("search", *args, "--json", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def case_items(work: Path) -> list[dict]:
    data = json.loads((work / "archive" / "berkas" / "PENDATAAN-2024-01" / "data" / "berkas.json").read_text(encoding="utf-8"))
    return data["items"] if "items" in data else data["item"]


def test_demo_archives_one_case_file_with_every_document(demo: Path) -> None:
    kinds = sorted(item["kind"] for item in case_items(demo))
    assert kinds == sorted(["sop", "surat-tugas", "kuesioner", "daftar-eksemplar", "tanda-terima", "foto", "foto",
                            "nota-dinas", "disposisi"])
    proc = sopdocs("archive", "verify", cwd=demo)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_numbered_document_is_found_by_its_exact_number(demo: Path) -> None:
    numbered = [item for item in case_items(demo) if item["number"]]
    assert {item["kind"] for item in numbered} == {"sop", "surat-tugas", "nota-dinas"}
    for item in numbered:
        found = search(demo, item["number"])
        assert found["hits"], item["number"]
        assert found["hits"][0]["number"] == item["number"]
        assert found["hits"][0]["kind"] == item["kind"]


@pytest.mark.parametrize("query", ["Rahmat Hidayat", "198503122010011004", "19850312 201001 1 004", "NUR AINI"])
def test_surat_tugas_found_by_assignee_name_and_nip(demo: Path, query: str) -> None:
    found = search(demo, query)
    assert [hit["kind"] for hit in found["hits"]] == ["surat-tugas"]


def test_misspelt_name_gets_did_you_mean(demo: Path) -> None:
    found = search(demo, "Rahmad Hidayat")
    assert found["did_you_mean"] and "rahmat" in found["did_you_mean"].lower()
    assert [hit["kind"] for hit in found["hits"]] == ["surat-tugas"]


def test_questionnaire_found_by_a_differently_inflected_word(demo: Path) -> None:
    # the form says "Mengumpulkan data"; "dikumpulkan" stems to the same "kumpul"
    found = search(demo, "dikumpulkan", "--kind", "kuesioner")
    assert [hit["kind"] for hit in found["hits"]] == ["kuesioner"]


def test_absent_word_gives_no_results_and_exit_zero(demo: Path) -> None:
    proc = sopdocs("search", "kriptografi", cwd=demo)
    assert proc.returncode == 0
    assert "tidak ada hasil" in proc.stdout + proc.stderr
    assert search(demo, "kriptografi")["hits"] == []


def test_demo_again_makes_a_second_case_file(demo: Path) -> None:
    proc = sopdocs("demo", cwd=demo)
    assert proc.returncode == 0, proc.stderr
    assert "PENDATAAN-2024-01-2" in proc.stdout
    # numbers continue in the register: the second surat tugas is 002
    assert "800.1.11.1/002/Disnakertrans/2024" in proc.stdout


# ------------------------------------------------------------------ crash safety


def _docx_files_are_whole(root: Path) -> None:
    """No file under its final name is half-written: every archived .docx opens as a zip."""
    for path in (root / "berkas").rglob("*.docx"):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue  # staging folders: not final names
        with zipfile.ZipFile(path) as package:
            assert package.testzip() is None, path


@pytest.mark.slow
def test_killing_run_at_random_moments_leaves_a_consistent_archive(tmp_path: Path) -> None:
    from sopdocs.archive.archive import Archive
    from sopdocs.numbering.register import Register

    root = tmp_path / "arsip"
    rng = random.Random(20241123)
    definition = EXAMPLES / "pendataan-2024.yaml"
    finished = 0
    interrupted: set[str] = set()
    for trial in range(20):
        case = f"UJI-{trial:02d}"
        proc = subprocess.Popen(
            [*CLI, "run", str(definition), "--archive", str(root), "--case", case],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 3.5))
        if proc.poll() is None:
            proc.kill()
            interrupted.add(case)
        else:
            finished += 1
        proc.wait()
        with Archive(root) as archive:
            report = archive.verify()
            if not report.ok:
                # only case files whose run was killed may be reported, and only as incomplete
                # (they stay so until `archive verify --clean` or the next write finishes them)
                assert report.incomplete_cases <= interrupted, str(report)
                assert all(f.kind == "incomplete" for f in report.findings), str(report)
        _docx_files_are_whole(root)
    assert finished < 20  # some runs really were killed mid-way
    # `archive verify --clean` removes what the killed runs left and finishes their
    # transactions: no number stays reserved, none is 'terpakai' without its document
    proc = subprocess.run([*CLI, "archive", "verify", "--clean", "--archive", str(root)],
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and a run after all that killing succeeds
    proc = subprocess.run([*CLI, "run", str(definition), "--archive", str(root), "--case", "UJI-AKHIR"],
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    with Register(root / "register.sqlite") as register, Archive(root, index=False) as archive:
        book = register.list()
        assert not register.pending()
    assert book and all(n.status in ("terpakai", "batal") for n in book)
    with Archive(root, index=False) as archive:
        for n in book:
            if n.status == "terpakai":
                assert n.document and archive.resolve_reference(n.document) is not None, n
        archived = {item.number for item in archive.numbered_items() if item.kind != "sop"}
    assert archived == {n.number for n in book if n.status == "terpakai"}
    with Archive(root) as archive:
        assert archive.verify().ok
        archive.reindex()
        items = [(case.case_id, item) for case in archive.cases() for item in case.items]
        for case_id, item in items:
            if item.number:
                hits = archive.search(item.number, limit=50).hits
                assert any(hit.case_id == case_id for hit in hits), (case_id, item.number)
        total = archive.search("kind:sop", limit=1000).total
        assert total == sum(1 for _, item in items if item.kind == "sop")


def test_a_limited_query_says_so(demo: Path) -> None:
    """A fuzzy distance past the limit is clamped, and the user is told, in both outputs."""
    found = search(demo, "pendataan~99")
    assert found["notice"] and "2" in found["notice"]
    proc = sopdocs("search", "pendataan~99", cwd=demo)
    assert proc.returncode == 0 and "catatan:" in proc.stderr


def test_a_leading_wildcard_is_refused_with_a_message(demo: Path) -> None:
    proc = sopdocs("search", "*a*", cwd=demo)
    assert proc.returncode == 2 and proc.stderr.startswith("galat:") and "Traceback" not in proc.stderr
