"""Register transactions: reserve -> confirm/release, schema upgrade, lock notice, rebuild.

Every test uses a real SQLite file in tmp_path.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import sopdocs.numbering.register as register_module
from sopdocs.errors import SopdocsError, ValidationError
from sopdocs.numbering.register import (
    KNOWN_CHUNK_SIZE,
    LOCK_NOTICE_SECONDS,
    RESERVED,
    RESTORED_BY,
    SCHEMA_VERSION,
    USED,
    VOID,
    NumberingRule,
    ParsedNumber,
    Register,
    RestoredNumber,
)

ST = NumberingRule(kind="surat-tugas", code="800.1.11.1", unit="434.100")
ND = NumberingRule(kind="nota-dinas", code="000.1.2", unit="434.100")


@pytest.fixture()
def path(tmp_path: Path) -> Path:
    return tmp_path / "register.sqlite"


@pytest.fixture()
def reg(path: Path) -> Iterator[Register]:
    with Register(path) as register:
        yield register


def _raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def _copy_rows(path: Path) -> dict[str, tuple[str, str | None, str | None, str | None]]:
    raw = _raw(path)
    try:
        return {
            row["code"]: (row["status"], row["txn"], row["document"], row["void_reason"])
            for row in raw.execute("SELECT * FROM copy_codes")
        }
    finally:
        raw.close()


# --------------------------------------------------------------- schema version 2

#: The version 1 layout exactly as sopdocs wrote it before transactions existed.
V1_SCHEMA = """
CREATE TABLE numbers (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    number      TEXT    NOT NULL UNIQUE,
    series      TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    serial      INTEGER NOT NULL CHECK (serial >= 0),
    sub         INTEGER NOT NULL DEFAULT 0 CHECK (sub >= 0),
    letter_date TEXT    NOT NULL,
    subject     TEXT    NOT NULL DEFAULT '',
    issued_by   TEXT    NOT NULL,
    issued_at   TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('terpakai', 'dipesan', 'batal')),
    void_reason TEXT,
    document    TEXT,
    code        TEXT    NOT NULL,
    unit        TEXT    NOT NULL DEFAULT '',
    keamanan    TEXT,
    UNIQUE (series, period, serial, sub)
);
CREATE INDEX numbers_series_date ON numbers (series, period, letter_date);
CREATE INDEX numbers_year_date ON numbers (year, letter_date);
CREATE TABLE copy_codes (
    id        INTEGER PRIMARY KEY,
    code      TEXT    NOT NULL UNIQUE,
    prefix    TEXT    NOT NULL,
    year      INTEGER NOT NULL,
    serial    INTEGER NOT NULL CHECK (serial >= 1),
    activity  TEXT    NOT NULL,
    issued_by TEXT    NOT NULL,
    issued_at TEXT    NOT NULL,
    UNIQUE (prefix, year, serial)
);
CREATE INDEX copy_codes_activity ON copy_codes (activity);
"""

_V1_NUMBER = """INSERT INTO numbers (kind, number, series, period, year, serial, sub, letter_date,
    subject, issued_by, issued_at, status, void_reason, document, code, unit, keamanan)
    VALUES (?, ?, '800.1.11.1@434.100', '2024', 2024, ?, ?, ?, ?, 'budi',
            '2024-03-01T09:00:00+07:00', ?, ?, ?, '800.1.11.1', '434.100', NULL)"""


def _make_v1(path: Path) -> None:
    raw = _raw(path)
    try:
        raw.executescript(V1_SCHEMA)
        raw.executemany(
            _V1_NUMBER,
            [
                ("surat-tugas", "800.1.11.1/001/434.100/2024", 1, 0, "2024-03-01", "Pendataan",
                 "terpakai", None, "2024/st-001.docx"),
                ("surat-tugas", "800.1.11.1/002/434.100/2024", 2, 0, "2024-03-02", "Batal",
                 "batal", "salah ketik", None),
                ("surat-tugas", "800.1.11.1/003/434.100/2024", 3, 0, "2024-03-04", "Dipesan",
                 "dipesan", None, None),
            ],
        )
        raw.execute(
            """INSERT INTO copy_codes (code, prefix, year, serial, activity, issued_by, issued_at)
               VALUES ('K-2024-0001', 'K', 2024, 1, 'Pendataan TKA', 'budi', '2024-03-01T09:00:00+07:00')"""
        )
        raw.execute("PRAGMA user_version = 1")
    finally:
        raw.close()


def test_v1_register_is_upgraded_in_place_and_keeps_everything(path: Path) -> None:
    _make_v1(path)
    with Register(path) as register:
        rows = register.list()
        assert [(n.number, n.status, n.document, n.void_reason) for n in rows] == [
            ("800.1.11.1/001/434.100/2024", USED, "2024/st-001.docx", None),
            ("800.1.11.1/002/434.100/2024", VOID, None, "salah ketik"),
            ("800.1.11.1/003/434.100/2024", RESERVED, None, None),
        ]
        assert all(n.key is None and n.txn is None for n in rows)
        assert register.copy_codes("Pendataan TKA") == ["K-2024-0001"]
        # the document already recorded starts the history
        assert register.documents_of("800.1.11.1/001/434.100/2024") == [
            ("2024/st-001.docx", "2024-03-01T09:00:00+07:00")
        ]
        # an old reservation (no transaction) still settles the old way, and is not "pending"
        assert register.pending() == {}
        assert register.attach("800.1.11.1/003/434.100/2024", "2024/st-003.docx").status == USED
        # the series and the copy codes continue where they were
        assert register.take(ST, date=date(2024, 3, 5), key="st:4").serial == 4
        assert register.issue_copy_codes("Pendataan TKA", 1, year=2024) == ["K-2024-0002"]
    raw = _raw(path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        status = raw.execute("SELECT status FROM copy_codes WHERE code = 'K-2024-0001'").fetchone()[0]
        assert status == USED
    finally:
        raw.close()
    with Register(path) as again:  # opening an upgraded file changes nothing
        assert len(again.list()) == 4


def _layout(path: Path) -> list[tuple[str, str, str]]:
    raw = _raw(path)
    try:
        return sorted(
            (row["type"], row["name"], " ".join(row["sql"].split()))
            for row in raw.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        )
    finally:
        raw.close()


def test_new_file_and_upgraded_file_have_the_same_layout(tmp_path: Path) -> None:
    old, new = tmp_path / "old.sqlite", tmp_path / "new.sqlite"
    _make_v1(old)
    for file in (old, new):
        with Register(file) as register:
            register.list()
    assert _layout(old) == _layout(new)
    names = {name for _, name, _ in _layout(new)}
    assert {"number_documents", "numbers_kind_key", "numbers_txn", "copy_codes_txn"} <= names


# --------------------------------------------------------------- reserve -> confirm


def test_reserve_under_txn_then_confirm_in_one_go(reg: Register) -> None:
    day = date(2024, 7, 1)
    a = reg.reserve(ST, date=day, subject="A", txn="run-1", key="st:a")
    b = reg.reserve(ND, date=day, subject="B", txn="run-1", key="nd:b")
    codes = reg.issue_copy_codes("Survei", 3, year=2024, txn="run-1")
    other = reg.take(ST, date=day)  # another user meanwhile
    assert (a.status, a.txn, a.key) == (RESERVED, "run-1", "st:a")
    assert other.serial == 2  # the reservation holds its number
    # reserved codes are not handed out yet
    assert reg.copy_codes("Survei") == []
    assert reg.copy_codes("Survei", unconfirmed=True) == codes
    assert reg.find_by_key("surat-tugas", "st:a") is None  # not 'terpakai' yet

    pending = reg.pending()
    assert list(pending) == ["run-1"]
    assert [n.number for n in pending["run-1"].numbers] == [a.number, b.number]
    assert pending["run-1"].copy_codes == tuple(codes)
    assert list(pending["run-1"]) == [*pending["run-1"].numbers, *codes]  # iterable: numbers, then codes

    confirmed = reg.confirm(
        "run-1",
        {a.number: "2024/st-a.docx", b.number: "2024/nd-b.docx", "*": "2024/kuesioner.docx",
         codes[0]: "2024/salinan-1.pdf"},
    )
    assert [(n.number, n.status, n.document, n.txn) for n in confirmed] == [
        (a.number, USED, "2024/st-a.docx", None),
        (b.number, USED, "2024/nd-b.docx", None),
    ]
    assert reg.pending() == {}
    assert _copy_rows(reg.path) == {
        codes[0]: (USED, None, "2024/salinan-1.pdf", None),
        codes[1]: (USED, None, "2024/kuesioner.docx", None),
        codes[2]: (USED, None, "2024/kuesioner.docx", None),
    }
    assert reg.copy_codes("Survei") == codes
    found = reg.find_by_key("surat-tugas", "st:a")
    assert found is not None and found.number == a.number
    assert [doc for doc, _ in reg.documents_of(a.number)] == ["2024/st-a.docx"]
    # confirmed rows are out of reach of a late release
    assert reg.release("run-1", "terlambat") == []
    assert reg.find(a.number) == confirmed[0]


def test_confirm_refuses_an_incomplete_or_foreign_mapping_and_changes_nothing(reg: Register) -> None:
    day = date(2024, 7, 1)
    a = reg.reserve(ST, date=day, txn="run-1")
    b = reg.reserve(ST, date=day, txn="run-1")
    c = reg.reserve(ST, date=day, txn="run-2")
    reg.issue_copy_codes("Survei", 1, year=2024, txn="run-1")
    with pytest.raises(SopdocsError, match=rf"dokumen untuk nomor {b.number} tidak diberikan.*tidak ada yang diubah"):
        reg.confirm("run-1", {a.number: "a.docx"})
    with pytest.raises(SopdocsError, match=rf"{c.number} tidak dipesan dalam transaksi ini"):
        reg.confirm("run-1", {a.number: "a.docx", b.number: "b.docx", c.number: "c.docx"})
    with pytest.raises(ValidationError, match="kosong"):
        reg.confirm("run-1", {a.number: "a.docx", b.number: " "})
    assert {n.number: (n.status, n.txn) for n in reg.list()} == {
        a.number: (RESERVED, "run-1"), b.number: (RESERVED, "run-1"), c.number: (RESERVED, "run-2")
    }
    assert _copy_rows(reg.path)["K-2024-0001"][:2] == (RESERVED, "run-1")
    assert set(reg.pending()) == {"run-1", "run-2"}
    # a run whose reservations were released (e.g. by recovery) cannot confirm them
    reg.release("run-2", "proses dianggap mati")
    with pytest.raises(SopdocsError, match=rf"{c.number} tidak dipesan"):
        reg.confirm("run-2", {c.number: "c.docx"})


def test_attach_settles_one_number_of_a_transaction_on_its_own(reg: Register) -> None:
    """What recovery does for the numbers a dead run did archive."""
    archived = reg.reserve(ST, date=date(2024, 7, 1), txn="run-1")
    lost = reg.reserve(ST, date=date(2024, 7, 1), txn="run-1")
    settled = reg.attach(archived.number, "2024/a.docx")
    assert (settled.status, settled.txn, settled.document) == (USED, None, "2024/a.docx")
    pending = reg.pending()["run-1"]
    assert [getattr(row, "number", row) for row in pending] == [lost.number] and len(pending) == 1
    # the run can no longer confirm the settled one, and releasing leaves it alone
    with pytest.raises(SopdocsError, match=f"{archived.number} tidak dipesan"):
        reg.confirm("run-1", {archived.number: "x.docx", lost.number: "y.docx"})
    assert reg.release("run-1", "proses mati") == [
        f"nomor {lost.number} dihapus (belum dipakai, tidak ada nomor sesudahnya)"
    ]
    assert reg.find(archived.number) == settled


# --------------------------------------------------------------- release


def test_release_deletes_the_tail_and_voids_what_others_followed(reg: Register) -> None:
    day = date(2024, 7, 1)
    first = reg.reserve(ST, date=day, txn="run-1")       # 001
    middle = reg.take(ST, date=day)                      # 002 (someone else)
    last = reg.reserve(ST, date=day, txn="run-1")        # 003
    codes = reg.issue_copy_codes("Survei", 2, year=2024, txn="run-1")   # 0001-0002
    other_codes = reg.issue_copy_codes("Lain", 1, year=2024)            # 0003
    tail_code = reg.issue_copy_codes("Survei", 1, year=2024, txn="run-1")  # 0004

    done = reg.release("run-1", "render gagal")
    assert done == [
        f"nomor {last.number} dihapus (belum dipakai, tidak ada nomor sesudahnya)",
        f"nomor {first.number} dibatalkan (sudah ada nomor sesudahnya): render gagal",
        "kode salinan K-2024-0004 dihapus (belum dipakai, tidak ada kode sesudahnya)",
        "kode salinan K-2024-0002 dibatalkan (sudah ada kode sesudahnya): render gagal",
        "kode salinan K-2024-0001 dibatalkan (sudah ada kode sesudahnya): render gagal",
    ]
    assert {n.number: (n.status, n.void_reason, n.txn) for n in reg.list()} == {
        first.number: (VOID, "render gagal", None),
        middle.number: (USED, None, None),
    }
    assert reg.find(last.number) is None
    rows = _copy_rows(reg.path)
    assert rows == {
        codes[0]: (VOID, None, None, "render gagal"),
        codes[1]: (VOID, None, None, "render gagal"),
        other_codes[0]: (USED, None, None, None),
    }
    assert tail_code == ["K-2024-0004"]
    assert reg.pending() == {}
    # no gap: the deleted number and code are the next ones again; the void ones never come back
    assert reg.take(ST, date=day).number == last.number
    assert reg.issue_copy_codes("Survei", 1, year=2024) == ["K-2024-0004"]
    assert reg.release("run-1", "lagi") == []  # nothing left: harmless


def test_release_of_consecutive_tail_numbers_deletes_them_all(reg: Register) -> None:
    day = date(2024, 7, 1)
    reg.take(ST, date=day)
    booked = [reg.reserve(ST, date=day, txn="run-9").number for _ in range(3)]
    reg.release("run-9", "dibatalkan pengguna")
    assert [n.serial for n in reg.list()] == [1]
    assert reg.reserve(ST, date=day, txn="run-10").number == booked[0]


def test_release_of_an_inserted_number_voids_it(reg: Register) -> None:
    reg.take(ST, date=date(2024, 7, 1))
    early = reg.reserve(ST, date=date(2024, 6, 15), txn="run-1")
    assert early.number == "800.1.11.1/000.1/434.100/2024"
    reg.release("run-1", "gagal")
    after = reg.find(early.number)
    assert after is not None and (after.status, after.void_reason) == (VOID, "gagal")


def test_release_and_txn_arguments_are_checked(reg: Register) -> None:
    with pytest.raises(ValidationError, match="alasan"):
        reg.release("run-1", "  ")
    with pytest.raises(ValidationError, match="id transaksi"):
        reg.reserve(ST, date=date(2024, 1, 1), txn=" ")
    with pytest.raises(ValidationError, match="id transaksi"):
        reg.issue_copy_codes("x", 1, year=2024, txn="a\nb")
    with pytest.raises(ValidationError, match="kunci identitas"):
        reg.take(ST, date=date(2024, 1, 1), key="")
    assert reg.list() == []


def _reserve_and_die(path: str) -> None:
    with Register(Path(path)) as register:
        register.reserve(ST, date=date(2024, 7, 1), txn="mati-1", user="andi")
        register.issue_copy_codes("Survei", 2, year=2024, txn="mati-1", user="andi")
    os._exit(3)  # the run dies before confirm or release


def test_pending_lets_recovery_release_a_run_whose_process_died(path: Path) -> None:
    with Register(path) as register:
        register.take(ST, date=date(2024, 7, 1))
    ctx = multiprocessing.get_context("spawn")
    worker = ctx.Process(target=_reserve_and_die, args=(str(path),))
    worker.start()
    worker.join(timeout=120)
    assert worker.exitcode == 3
    with Register(path) as recovery:
        pending = recovery.pending()
        assert list(pending) == ["mati-1"]
        dead = pending["mati-1"]
        assert [n.number for n in dead.numbers] == ["800.1.11.1/002/434.100/2024"]
        assert dead.copy_codes == ("K-2024-0001", "K-2024-0002")
        assert dead.started_by == "andi" and dead.started_at.tzinfo is not None
        for txn in pending:
            recovery.release(txn, "proses berhenti sebelum selesai")
        assert recovery.pending() == {}
        assert [n.number for n in recovery.list()] == ["800.1.11.1/001/434.100/2024"]
        assert recovery.copy_codes("Survei", unconfirmed=True) == []


def test_two_registers_on_one_file_never_share_a_number(path: Path) -> None:
    """Two users: one run reserves, the other takes, the run fails and releases."""
    day = date(2024, 7, 1)
    with Register(path) as run, Register(path) as clerk:
        booked = run.reserve(ST, date=day, txn="run-1")
        taken = clerk.take(ST, date=day)
        assert taken.number != booked.number
        run.release("run-1", "gagal")
        again = clerk.take(ST, date=day)
        assert again.number not in (booked.number, taken.number)  # the void one stays void
        assert [n.status for n in clerk.list()] == [VOID, USED, USED]


# --------------------------------------------------------------- identity keys and documents


def test_find_by_key_gives_the_latest_used_number_of_the_kind(reg: Register) -> None:
    day = date(2024, 7, 1)
    old = reg.take(ST, date=day, key="st:rapat", document="2024/v1.docx")
    newer = reg.take(ST, date=day, key="st:rapat", document="2024/v2.docx")
    reg.reserve(ST, date=day, key="st:rapat")               # only booked
    gone = reg.take(ST, date=day, key="st:rapat")
    reg.void(gone.number, "salah")                            # void
    found = reg.find_by_key("surat-tugas", "st:rapat")
    assert found is not None and found.number == newer.number != old.number
    assert reg.find_by_key("nota-dinas", "st:rapat") is None
    assert reg.find_by_key("surat-tugas", "lain") is None
    assert found.to_dict()["kunci"] == "st:rapat"


def test_attach_replace_repoints_and_keeps_the_history(reg: Register) -> None:
    issued = reg.take(ST, date=date(2024, 7, 1), document="2024/st.docx")
    with pytest.raises(SopdocsError, match="sudah dipakai untuk dokumen 2024/st.docx"):
        reg.attach(issued.number, "2024/st-baru.docx")
    again = reg.attach(issued.number, "2024/st-baru.docx", replace=True)
    assert (again.status, again.document) == (USED, "2024/st-baru.docx")
    reg.attach(issued.number, "2024/st-baru.docx")  # same document: fine, recorded again
    history = reg.documents_of(issued.number)
    assert [doc for doc, _ in history] == ["2024/st.docx", "2024/st-baru.docx", "2024/st-baru.docx"]
    assert all(when for _, when in history)
    assert reg.documents_of("tidak/ada") == []


def test_rekey_sets_and_clears_the_identity_key(reg: Register) -> None:
    issued = reg.take(ST, date=date(2024, 7, 1))
    assert reg.rekey(issued.number, "st:baru").key == "st:baru"
    assert reg.find_by_key("surat-tugas", "st:baru") == reg.find(issued.number)
    assert reg.rekey(issued.number, None).key is None
    with pytest.raises(SopdocsError, match="tidak ada di register"):
        reg.rekey("9/9/9", "x")


# --------------------------------------------------------------- inserted numbers keep date order


def test_insert_before_an_earlier_insert_is_refused_naming_the_blocker(reg: Register) -> None:
    reg.take(ST, date=date(2024, 7, 1))                        # 001, 1 Juli
    june = reg.take(ST, date=date(2024, 6, 15))                # allowed: 000.1
    assert june.number == "800.1.11.1/000.1/434.100/2024"
    with pytest.raises(
        SopdocsError,
        match=r"nomor sisipan untuk 01-01-2024 tidak dapat diberikan tanpa merusak urutan tanggal: "
        r"nomor 800\.1\.11\.1/000\.1/434\.100/2024 bertanggal 15-06-2024",
    ):
        reg.take(ST, date=date(2024, 1, 1))
    assert len(reg.list()) == 2  # nothing taken
    # the same date as the insert, and a later one, still fit after it
    assert reg.take(ST, date=date(2024, 6, 15)).number == "800.1.11.1/000.2/434.100/2024"
    assert reg.reserve(ST, date=date(2024, 6, 20), txn="t").number == "800.1.11.1/000.3/434.100/2024"
    # 000.3 (20 Juni) sits right after 000.2 (15 Juni): no room for 16 Juni
    with pytest.raises(SopdocsError, match=r"000\.3/434\.100/2024 bertanggal 20-06-2024 sudah ada tepat sesudah"):
        reg.take(ST, date=date(2024, 6, 16))
    dates = [n.date for n in sorted(reg.list(), key=lambda n: (n.serial, n.sub))]
    assert dates == sorted(dates)


def test_insert_between_an_insert_and_its_serial_is_refused(reg: Register) -> None:
    for day in (1, 10):
        reg.take(ST, date=date(2024, 3, day))                  # 001, 002
    reg.take(ST, date=date(2024, 3, 20))                       # 003
    assert reg.take(ST, date=date(2024, 3, 12)).number.split("/")[1] == "002.1"
    with pytest.raises(SopdocsError, match="12-03-2024"):
        reg.take(ST, date=date(2024, 3, 11))                   # would be 002.2 after 002.1 (12 Mar)
    assert reg.take(ST, date=date(2024, 3, 5)).number.split("/")[1] == "001.1"


def test_old_out_of_order_book_refuses_instead_of_making_it_worse(path: Path) -> None:
    _make_v1(path)  # 001 (1 Mar), 002 (2 Mar), 003 (4 Mar)
    raw = _raw(path)
    try:
        # what the old code did: 000.1 on 28 Feb, then 000.2 on 5 Jan (dated earlier)
        raw.executemany(_V1_NUMBER, [
            ("surat-tugas", "800.1.11.1/000.1/434.100/2024", 0, 1, "2024-02-28", "", "terpakai", None, None),
            ("surat-tugas", "800.1.11.1/000.2/434.100/2024", 0, 2, "2024-01-05", "", "terpakai", None, None),
        ])
    finally:
        raw.close()
    with Register(path) as register:
        with pytest.raises(SopdocsError, match="sudah berada sebelum nomor .*000.2.*tidak runtut"):
            register.take(ST, date=date(2024, 1, 10))
        # where a place still keeps the order, the number is given
        assert register.take(ST, date=date(2024, 2, 29)).number.split("/")[1] == "000.3"


# --------------------------------------------------------------- waiting for another user's lock


def _hold_lock(path: Path, ready: threading.Event, release: threading.Event) -> None:
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        raw.execute("BEGIN IMMEDIATE")
        ready.set()
        release.wait(timeout=60)
        raw.execute("ROLLBACK")
    finally:
        raw.close()


def _holder(path: Path) -> tuple[threading.Thread, threading.Event]:
    ready, release = threading.Event(), threading.Event()
    thread = threading.Thread(target=_hold_lock, args=(path, ready, release), daemon=True)
    thread.start()
    assert ready.wait(timeout=30)
    return thread, release


def test_a_long_lock_is_announced_once_and_then_waited_out(path: Path) -> None:
    notices: list[str] = []
    heard: list[float] = []

    def on_wait(message: str) -> None:
        heard.append(time.monotonic())
        notices.append(message)

    with Register(path, on_wait=on_wait) as register:
        register.list()  # the file exists before the other user locks it
        thread, release = _holder(path)
        timer = threading.Timer(LOCK_NOTICE_SECONDS + 1.0, release.set)
        timer.start()
        started = time.monotonic()
        try:
            issued = register.take(ST, date=date(2024, 7, 1))
        finally:
            release.set()
            timer.cancel()
            thread.join(timeout=30)
        waited = time.monotonic() - started
    assert issued.serial == 1
    assert waited >= LOCK_NOTICE_SECONDS
    # on time: about LOCK_NOTICE_SECONDS after the wait began, not at the end of it
    assert LOCK_NOTICE_SECONDS <= heard[0] - started < LOCK_NOTICE_SECONDS + 0.9
    assert notices == [
        f"register {path} sedang dipakai pengguna/proses lain; menunggu (paling lama 10 detik)..."
    ]


def test_a_short_lock_is_not_announced(path: Path) -> None:
    notices: list[str] = []
    with Register(path, on_wait=notices.append) as register:
        register.list()
        thread, release = _holder(path)
        timer = threading.Timer(0.5, release.set)
        timer.start()
        try:
            assert register.take(ST, date=date(2024, 7, 1)).serial == 1
        finally:
            release.set()
            thread.join(timeout=30)
    assert notices == []


def test_a_lock_that_outlasts_the_busy_timeout_is_refused(path: Path) -> None:
    notices: list[str] = []
    with Register(path, busy_timeout=LOCK_NOTICE_SECONDS + 0.5, on_wait=notices.append) as register:
        register.list()
        thread, release = _holder(path)
        started = time.monotonic()
        try:
            with pytest.raises(SopdocsError, match=r"dipakai pengguna/proses lain \(terkunci\).*2\.5 detik"):
                register.take(ST, date=date(2024, 7, 1))
            waited = time.monotonic() - started
        finally:
            release.set()
            thread.join(timeout=30)
        assert register.list() == []
    assert LOCK_NOTICE_SECONDS + 0.5 <= waited < LOCK_NOTICE_SECONDS + 5
    assert len(notices) == 1 and "paling lama 2.5 detik" in notices[0]


# --------------------------------------------------------------- reading numbers back


@pytest.mark.parametrize(
    "rule",
    [
        ST,
        NumberingRule(kind="st", code="800", unit="U.1", insert_style="titik2",
                      pattern="{keamanan}-{kode}/{nomor}/{unit}/{bulan_romawi}/{tahun}"),
        NumberingRule(kind="st", code="800", unit="U", insert_style="huruf", reset="bulanan",
                      pattern="{kode}.{nomor}.{unit}.{bulan}.{tahun}.{keamanan}"),
        NumberingRule(kind="nd", code="000.1.2", pattern="{kode}/{nomor}/ND/{tahun}", width=4),
    ],
)
@pytest.mark.parametrize(("serial", "sub", "keamanan"), [(15, 0, ""), (15, 1, ""), (7, 27, "SR"), (12345, 2, "B")])
def test_parse_number_inverts_format_number(rule: NumberingRule, serial: int, sub: int, keamanan: str) -> None:
    if keamanan and "{keamanan}" not in rule.pattern:
        keamanan = ""
    day = date(2024, 11, 3)
    text = rule.format_number(serial, date=day, sub=sub, keamanan=keamanan)
    parsed = rule.parse_number(text)
    month = 11 if "bulan" in rule.pattern else None
    assert parsed == ParsedNumber(
        serial=serial, sub=sub, unit=rule.unit if "{unit}" in rule.pattern else "",
        year=2024, month=month, keamanan=keamanan or None,
    )


@pytest.mark.parametrize(
    "text",
    [
        "800.1.11.1/015.0/434.100/2024",   # sub 0 is never written
        "800.1.11.1/15/434.100/2024",      # not zero-padded
        "800.1.11.1/015.01/434.100/2024",  # titik2 style under a titik rule
        "800.1.11.1/015a/434.100/2024",    # huruf style under a titik rule
        "900/015/434.100/2024",            # another classification code
        "B-800.1.11.1/015/434.100/2024",   # security prefix the pattern does not have
        "800.1.11.1/015/434.100",          # no year
        "",
    ],
)
def test_parse_number_rejects_what_the_rule_would_not_write(text: str) -> None:
    assert ST.parse_number(text) is None


def test_parse_number_reads_another_unit_and_the_style_examples() -> None:
    assert ST.parse_number("800.1.11.1/015/Disnakertrans/2019") == ParsedNumber(15, 0, "Disnakertrans", 2019, None, None)
    titik2 = NumberingRule(kind="x", code="800", unit="U", insert_style="titik2")
    huruf = NumberingRule(kind="x", code="800", unit="U", insert_style="huruf")
    assert titik2.parse_number("800/015.01/U/2024") == ParsedNumber(15, 1, "U", 2024, None, None)
    assert huruf.parse_number("800/015a/U/2024") == ParsedNumber(15, 1, "U", 2024, None, None)
    roman = NumberingRule(kind="x", code="800", pattern="{kode}/{nomor}/{bulan}/{bulan_romawi}/{tahun}")
    assert roman.parse_number("800/001/07/VII/2024") is not None
    assert roman.parse_number("800/001/07/VIII/2024") is None  # the two months disagree


# --------------------------------------------------------------- rebuilding from the archive


def _entry(number: str, *, kind: str = "surat-tugas", day: date = date(2024, 7, 1),
           rule: NumberingRule = ST, document: str = "2024/x.docx", key: str | None = None) -> RestoredNumber:
    return RestoredNumber(kind=kind, number=number, date=day, subject="dari arsip",
                          document=document, rule=rule, key=key)


def test_restore_adds_unknown_numbers_skips_known_ones_and_reports_conflicts(reg: Register) -> None:
    secret_rule = NumberingRule(kind="surat-tugas", code="800.1.11.1", unit="434.100",
                                pattern="{keamanan}-{kode}/{nomor}/{unit}/{tahun}")
    known = reg.take(ST, date=date(2024, 7, 1))                         # 001
    other_kind = reg.take(ND, date=date(2024, 7, 1))                    # 000.1.2/001/...
    entries = [
        _entry("800.1.11.1/005/434.100/2024", document="2024/st-005.docx", key="st:5"),
        _entry("800.1.11.1/005.1/434.100/2024", day=date(2024, 7, 2)),
        _entry(known.number),                                           # skipped
        _entry(other_kind.number),                                      # known for nota-dinas
        _entry("800.1.11.1/lima/434.100/2024"),                         # unreadable
        _entry("B-800.1.11.1/005/434.100/2024", rule=secret_rule),      # slot of 005 taken
        _entry("800.1.11.1/006/434.100/2023", day=date(2024, 1, 3)),    # year differs: note
    ]
    report = reg.restore(iter(entries))
    assert report.added == [
        "800.1.11.1/005/434.100/2024", "800.1.11.1/005.1/434.100/2024", "800.1.11.1/006/434.100/2023"
    ]
    assert report.skipped == [known.number]
    reasons = {c.number: c.reason for c in report.conflicts}
    assert set(reasons) == {other_kind.number, "800.1.11.1/lima/434.100/2024", "B-800.1.11.1/005/434.100/2024"}
    assert "jenis 'nota-dinas'" in reasons[other_kind.number]
    assert "tidak dapat dibaca" in reasons["800.1.11.1/lima/434.100/2024"]
    assert "sudah dipakai nomor 800.1.11.1/005/434.100/2024" in reasons["B-800.1.11.1/005/434.100/2024"]
    assert len(report.notes) == 1 and "006/434.100/2023" in report.notes[0]
    summary = str(report).splitlines()
    assert summary[0] == "pemulihan register: 3 nomor ditambahkan, 1 sudah tercatat, 3 bentrok"
    assert len(summary) == 1 + 3 + 1

    five = reg.find("800.1.11.1/005/434.100/2024")
    assert five is not None
    assert (five.status, five.issued_by, five.serial, five.sub, five.series, five.period, five.key) == (
        USED, RESTORED_BY, 5, 0, "800.1.11.1@434.100", "2024", "st:5"
    )
    assert reg.documents_of(five.number)[0][0] == "2024/st-005.docx"
    late = reg.find("800.1.11.1/006/434.100/2023")
    assert late is not None and late.period == "2023" and late.date == date(2024, 1, 3)
    # the series continues after the restored numbers, never reissuing them
    assert reg.take(ST, date=date(2024, 7, 3)).number == "800.1.11.1/006/434.100/2024"
    # restoring again adds nothing
    again = reg.restore(entries[:2])
    assert again.added == [] and again.skipped == [e.number for e in entries[:2]]


def test_restore_works_in_batches(reg: Register, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register_module, "RESTORE_BATCH_SIZE", 2)
    entries = [_entry(f"800.1.11.1/{n:03d}/434.100/2024") for n in range(1, 6)]
    report = reg.restore(entries)
    assert report.added == [e.number for e in entries] and report.conflicts == []
    assert [n.serial for n in reg.list()] == [1, 2, 3, 4, 5]


def test_restore_reports_bad_entries_without_stopping(reg: Register) -> None:
    entries = [
        _entry("800.1.11.1/001/434.100/2024", kind="nota-dinas"),   # kind differs from its rule
        _entry("800.1.11.1/002/434.100/2024", document=" "),
        _entry("800.1.11.1/003/434.100/2024"),
    ]
    report = reg.restore(entries)
    assert report.added == ["800.1.11.1/003/434.100/2024"]
    assert [c.number for c in report.conflicts] == ["800.1.11.1/001/434.100/2024", "800.1.11.1/002/434.100/2024"]


def test_known_asks_in_chunks(reg: Register) -> None:
    day = date(2024, 7, 1)
    taken = [reg.take(ST, date=day).number for _ in range(3)]
    reg.void(taken[1], "batal")
    wanted = [f"800.1.11.1/{n:04d}/X/2024" for n in range(1, 1201)] + taken
    statements: list[str] = []
    reg._connection().set_trace_callback(statements.append)
    try:
        assert reg.known(iter(wanted)) == set(taken)
    finally:
        reg._connection().set_trace_callback(None)
    queries = [s for s in statements if s.startswith("SELECT number FROM numbers WHERE number IN")]
    assert len(queries) == math.ceil(len(wanted) / KNOWN_CHUNK_SIZE)
    assert reg.known([]) == set()
