"""The register on a real PostgreSQL server: parallel takes, an outage, migration, messages."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pg.cluster import PgCluster
from sopdocs.cli import main
from sopdocs.errors import SopdocsError
from sopdocs.numbering.pgregister import PostgresRegister
from sopdocs.numbering.register import NumberingRule, Register, RestoredNumber
from sopdocs.numbering.rules import register_for

WORKER = Path(__file__).with_name("worker.py")
RULE = NumberingRule(kind="surat-tugas", code="800.1.11.1", unit="434.100")
MONTHLY = NumberingRule(kind="nota-dinas", code="000.1.2", unit="434.100", reset="bulanan",
                        pattern="{kode}/{nomor}/{unit}/{bulan_romawi}/{tahun}")
#: Seconds a worker process may take before the test gives up on it.
WORKER_TIMEOUT = 300


def _spawn(archive: Path, count: int, stop: Path | None = None) -> subprocess.Popen[str]:
    argv = [sys.executable, str(WORKER), str(archive), str(count)] + ([str(stop)] if stop else [])
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")


def _results(proc: subprocess.Popen[str]) -> tuple[list[str], list[str]]:
    out, err = proc.communicate(timeout=WORKER_TIMEOUT)
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [x["number"] for x in lines if "number" in x], [x["error"] for x in lines if "error" in x]


def _serials(archive: Path) -> list[int]:
    with register_for(archive) as register:
        return sorted(n.serial for n in register.list())


def test_register_for_picks_postgresql_from_the_settings(pg_archive: Path, tmp_path: Path) -> None:
    with register_for(pg_archive) as register:
        assert isinstance(register, PostgresRegister)
        issued = register.take(RULE, date=dt.date(2024, 1, 8), subject="Pendataan")
    assert issued.number == "800.1.11.1/001/434.100/2024"
    assert not (pg_archive / "register.sqlite").exists()
    plain = tmp_path / "lokal"
    with register_for(plain) as register:
        assert not isinstance(register, PostgresRegister)
        assert isinstance(register, Register)


def test_four_processes_take_1000_distinct_numbers_without_gap(pg_archive: Path) -> None:
    workers = [_spawn(pg_archive, 250) for _ in range(4)]
    taken: list[str] = []
    for proc in workers:
        numbers, errors = _results(proc)
        assert errors == []
        assert len(numbers) == 250
        taken.extend(numbers)
    assert len(set(taken)) == 1000
    assert _serials(pg_archive) == list(range(1, 1001))
    with register_for(pg_archive) as register:
        assert {n.number for n in register.list()} == set(taken)


def test_server_stopped_mid_run_no_duplicate_and_clean_messages(
    pg_cluster: PgCluster, pg_archive: Path, tmp_path: Path
) -> None:
    stop = tmp_path / "selesai"
    workers = [_spawn(pg_archive, 0, stop) for _ in range(3)]
    try:
        deadline = time.monotonic() + WORKER_TIMEOUT

        def wait_for(count: int) -> None:
            while len(_serials(pg_archive)) < count:
                assert time.monotonic() < deadline, "workers made no progress"
                assert all(w.poll() is None for w in workers), "a worker died"
                time.sleep(0.05)

        wait_for(30)
        pg_cluster.stop()
        time.sleep(1.5)  # the workers keep trying against a stopped server
        pg_cluster.start()
        before = len(_serials(pg_archive))
        wait_for(before + 30)
    finally:
        if not pg_cluster.running():
            pg_cluster.start()
        stop.touch()
    taken: list[str] = []
    errors: list[str] = []
    for proc in workers:
        numbers, failed = _results(proc)
        taken.extend(numbers)
        errors.extend(failed)
    assert len(taken) == len(set(taken)), "a number was issued twice"
    assert errors, "the outage was not reported"
    for message in errors:
        assert "\n" not in message
        assert "tidak dapat dihubungi" in message or "terputus" in message, message
    uncertain = [m for m in errors if "belum pasti" in m]
    serials = _serials(pg_archive)
    assert serials == list(range(1, len(serials) + 1)), "a serial was skipped or repeated"
    with register_for(pg_archive) as register:
        recorded = {n.number for n in register.list()}
    assert set(taken) <= recorded
    assert len(recorded) - len(taken) <= len(uncertain)


def test_unreachable_server_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    archive = tmp_path / "arsip"
    archive.mkdir()
    (archive / "pengaturan.yaml").write_text(
        f"register: postgresql://arsip:rahasia@127.0.0.1:{port}/sopdocs\n", encoding="utf-8")
    code = main(["number", "list", "--arsip", str(archive)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "tidak dapat dihubungi" in err and f"127.0.0.1:{port}" in err
    assert "rahasia" not in err
    with pytest.raises(SopdocsError, match="tidak ada nomor yang diberikan"):
        with register_for(archive) as register:
            register.take(RULE, date=dt.date(2024, 1, 8))


def _varied_sqlite_register(archive: Path) -> None:
    """An SQLite register with every kind of entry the book knows."""
    with Register(archive / "register.sqlite") as book:
        a = book.take(RULE, date=dt.date(2024, 1, 10), subject="Pendataan \U0001f4cb \"A\"", user="Sari",
                      document="berkas/2024-001/data/a.docx", key="kunci-a")
        book.take(RULE, date=dt.date(2024, 1, 12), subject="Kedua")
        book.take(RULE, date=dt.date(2024, 1, 11), subject="Sisipan")  # 001.1
        book.void("800.1.11.1/002/434.100/2024", "salah ketik")
        book.attach(a.number, "berkas/2024-001/data/a-v2.docx", replace=True)
        book.take(RULE, date=dt.date(2025, 1, 2), subject="Tahun baru")  # yearly reset
        for month in (1, 1, 2):
            book.take(MONTHLY, date=dt.date(2024, month, 3), subject=f"nota {month}")
        book.reserve(RULE, date=dt.date(2025, 1, 3), subject="pesanan lama")
        book.reserve(RULE, date=dt.date(2025, 1, 4), subject="dalam proses", txn="run-1", key="kunci-b")
        book.issue_copy_codes("SKM 2024", 3, year=2024, txn="run-1")
        book.issue_copy_codes("SKM 2024", 2, year=2024)
        book.restore([RestoredNumber(kind="surat-tugas", number="800.1.11.1/050/434.100/2023",
                                     date=dt.date(2023, 6, 1), subject="dari arsip",
                                     document="berkas/2023-009/data/b.docx", rule=RULE)])


def _listing(capsys: pytest.CaptureFixture[str], archive: Path) -> list[dict[str, object]]:
    assert main(["number", "list", "--json", "--arsip", str(archive)]) == 0
    data: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return data


def test_migration_keeps_every_entry(pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "arsip"
    archive.mkdir()
    (archive / "pengaturan.yaml").write_text("# kantor\ninstansi: Dinas Uji\n", encoding="utf-8")
    _varied_sqlite_register(archive)
    before = _listing(capsys, archive)
    with Register(archive / "register.sqlite") as book:
        pending_before = {k: (v.numbers, v.copy_codes) for k, v in book.pending().items()}
        history_before = {n.number: book.documents_of(n.number) for n in book.list()}
        codes_before = book.copy_codes("SKM 2024", unconfirmed=True)
    assert len(before) == 10

    code = main(["number", "migrate", "--ke", pg_url, "--arsip", str(archive)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "10 nomor, 5 kode salinan" in out
    settings = (archive / "pengaturan.yaml").read_text(encoding="utf-8")
    assert "instansi: Dinas Uji" in settings and f'register: "{pg_url}"' in settings
    assert not (archive / "register.sqlite").exists()  # kept under another name: never used by mistake
    assert len(list(archive.glob("register-sebelum-postgresql-*.sqlite"))) == 1

    assert _listing(capsys, archive) == before
    with register_for(archive) as book:
        assert isinstance(book, PostgresRegister)
        assert {k: (v.numbers, v.copy_codes) for k, v in book.pending().items()} == pending_before
        assert {n.number: book.documents_of(n.number) for n in book.list()} == history_before
        assert book.copy_codes("SKM 2024", unconfirmed=True) == codes_before
        # the series go on where they were, and the run's transaction can still be settled
        assert book.take(RULE, date=dt.date(2025, 2, 1)).number == "800.1.11.1/004/434.100/2025"
        assert book.release("run-1", "dibatalkan")
        assert book.issue_copy_codes("SKM 2024", 1, year=2024) == ["K-2024-0006"]


def test_migration_refuses_a_non_empty_target(pg_url: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with PostgresRegister(pg_url) as target:
        target.take(RULE, date=dt.date(2024, 1, 8))
    archive = tmp_path / "arsip"
    archive.mkdir()
    _varied_sqlite_register(archive)
    code = main(["number", "migrate", "--ke", pg_url, "--arsip", str(archive)])
    err = capsys.readouterr().err
    assert code == 2
    assert "tidak kosong" in err and err.count("\n") == 1
    assert not (archive / "pengaturan.yaml").exists()
    with PostgresRegister(pg_url) as target:
        assert [n.number for n in target.list()] == ["800.1.11.1/001/434.100/2024"]


def test_release_and_inserted_numbers_match_sqlite(pg_url: str, tmp_path: Path) -> None:
    """The same calls give the same book on both engines."""

    def script(book: Register) -> list[tuple[str, str]]:
        book.take(RULE, date=dt.date(2024, 3, 1))
        book.take(RULE, date=dt.date(2024, 3, 5))
        book.take(RULE, date=dt.date(2024, 3, 2))
        last = book.reserve(RULE, date=dt.date(2024, 3, 6), txn="t1")
        book.release("t1", "gagal")
        assert book.find(last.number) is None  # given back: no gap
        again = book.reserve(RULE, date=dt.date(2024, 3, 7), txn="t2")
        assert again.number == last.number
        book.take(RULE, date=dt.date(2024, 3, 8))
        book.release("t2", "gagal")
        assert book.find(last.number).status == "batal"  # type: ignore[union-attr]
        other = NumberingRule(kind="x", code="9", unit="434.100")
        book.take(other, date=dt.date(2024, 1, 1))
        book.take(other, date=dt.date(2024, 1, 3))
        book.take(other, date=dt.date(2024, 1, 2))  # 001.1
        with pytest.raises(SopdocsError, match="nomor sisipan"):
            book.take(other, date=dt.date(2024, 1, 1))  # 001.1 already follows 001: no place left
        book.take(MONTHLY, date=dt.date(2024, 2, 1))
        book.take(MONTHLY, date=dt.date(2024, 3, 1))  # monthly reset: 001 again, in March
        return [(n.number, n.status) for n in book.list()]

    with Register(tmp_path / "r.sqlite") as lite, PostgresRegister(pg_url) as pg:
        assert script(pg) == script(lite)


def test_a_held_lock_is_announced_then_given_up_cleanly(pg_url: str) -> None:
    import psycopg

    from sopdocs.numbering.pgregister import REGISTER_LOCK_KEY

    heard: list[str] = []
    with PostgresRegister(pg_url) as book:
        book.take(RULE, date=dt.date(2024, 1, 8))  # tables exist
    with psycopg.connect(pg_url, autocommit=True) as other:
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(%s)", (REGISTER_LOCK_KEY,))
        with PostgresRegister(pg_url, busy_timeout=2.5, on_wait=heard.append) as book:
            with pytest.raises(SopdocsError, match="sedang dipakai pengguna/proses lain") as caught:
                book.take(RULE, date=dt.date(2024, 1, 9))
        other.execute("ROLLBACK")
    assert "\n" not in str(caught.value)
    assert len(heard) == 1 and "menunggu" in heard[0]
    with PostgresRegister(pg_url) as book:  # nothing was written by the refused take
        assert [n.serial for n in book.list()] == [1]
        assert book.take(RULE, date=dt.date(2024, 1, 9)).serial == 2


def test_schema_is_versioned(pg_url: str) -> None:
    import psycopg

    with PostgresRegister(pg_url) as book:
        book.find("-")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        row = conn.execute("SELECT value FROM register_meta WHERE key = 'schema_version'").fetchone()
        assert row is not None and row[0] == "2"
        conn.execute("UPDATE register_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SopdocsError, match="versi skema 99"):
        with PostgresRegister(pg_url) as book:
            book.find("-")


@pytest.mark.parametrize("url, expected", [
    ("postgresql://arsip:rahasia@[::1/sopdocs", "alamat tidak sah"),
    ("postgresql://arsip:rahasia@server:abc/sopdocs", "alamat tidak sah"),
    ("postgresql://arsip:rahasia@127.0.0.1:1/sopdocs?bukan=opsi", "tidak sah"),
])
def test_malformed_urls_are_one_line_without_the_password(url: str, expected: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "arsip"
    archive.mkdir()
    (archive / "pengaturan.yaml").write_text(f"register: {url}\n", encoding="utf-8")
    assert main(["number", "list", "--arsip", str(archive)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "rahasia" not in err and err.count("\n") == 1


def test_a_register_setting_that_is_not_postgresql_is_refused(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "arsip"
    archive.mkdir()
    (archive / "pengaturan.yaml").write_text("register: mysql://arsip@server/sopdocs\n", encoding="utf-8")
    assert main(["number", "list", "--arsip", str(archive)]) == 2
    err = capsys.readouterr().err
    assert "pengaturan.yaml" in err and "register" in err and "postgresql://" in err
