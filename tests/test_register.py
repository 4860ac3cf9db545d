"""Tests of the document-number register (real SQLite files, real processes)."""

from __future__ import annotations

import json
import multiprocessing
import queue
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from sopdocs.errors import DateError, SopdocsError, ValidationError
from sopdocs.numbering.register import (
    AGENDA_COLUMNS,
    RESERVED,
    SCHEMA_VERSION,
    USED,
    VOID,
    NumberingRule,
    Register,
    format_serial,
)

ST = NumberingRule(kind="surat-tugas", code="800.1.11.1", unit="434.100")


@pytest.fixture()
def reg(tmp_path: Path) -> Iterator[Register]:
    with Register(tmp_path / "register.sqlite") as register:
        yield register


# --------------------------------------------------------------- process helpers
# Module-level so that "spawn" children (as on Windows) can import them.


def _bulk_rule() -> NumberingRule:
    return NumberingRule(kind="nota-dinas", code="000.1.2.3", unit="107.1", width=4)


def _take_many(path: str, count: int, barrier: Any, results: Any) -> None:
    # a generous lock wait: on a loaded machine a writer may wait long; collisions are the point
    with Register(Path(path), busy_timeout=120) as register:
        register.find("belum-ada")  # open (and maybe create) the file before the start line
        barrier.wait()
        started = time.perf_counter()
        serials = [
            register.take(_bulk_rule(), date=date(2024, 5, 2), user="proses").serial
            for _ in range(count)
        ]
        results.put((serials, time.perf_counter() - started))


def _take_forever(path: str, started: Any) -> None:
    with Register(Path(path)) as register:
        while True:
            register.take(_bulk_rule(), date=date(2024, 5, 2), subject="loop")
            started.set()


# --------------------------------------------------------------- numbering basics


def test_pattern_example_and_defaults(reg: Register) -> None:
    first = reg.take(ST, date=date(2026, 3, 9), subject="Pendataan", user="budi")
    assert first.number == "800.1.11.1/001/434.100/2026"
    assert (first.serial, first.sub, first.status) == (1, 0, USED)
    assert first.subject == "Pendataan" and first.issued_by == "budi"
    assert first.series == "800.1.11.1@434.100" and first.period == "2026"
    assert reg.take(ST, date=date(2026, 3, 9)).number == "800.1.11.1/002/434.100/2026"


def test_default_user_is_recorded(reg: Register) -> None:
    issued = reg.take(ST, date=date(2024, 1, 2))
    assert issued.issued_by.strip() != ""
    assert isinstance(issued.issued_at, datetime) and issued.issued_at.tzinfo is not None


def test_year_rollover_restarts_at_one(reg: Register) -> None:
    assert [reg.take(ST, date=date(2024, 12, 31)).number for _ in range(3)] == [
        "800.1.11.1/001/434.100/2024",
        "800.1.11.1/002/434.100/2024",
        "800.1.11.1/003/434.100/2024",
    ]
    new_year = reg.take(ST, date=date(2025, 1, 1))
    assert new_year.number == "800.1.11.1/001/434.100/2025"
    assert new_year.serial == 1 and new_year.period == "2025"
    # a late letter of the old year still continues the old year's series
    assert reg.take(ST, date=date(2024, 12, 31)).number == "800.1.11.1/004/434.100/2024"
    assert reg.take(ST, date=date(2025, 1, 2)).number == "800.1.11.1/002/434.100/2025"


def test_monthly_reset(reg: Register) -> None:
    rule = NumberingRule(
        kind="disposisi", code="000.2", pattern="{kode}/{nomor}/{unit}/{bulan}/{tahun}",
        unit="TGR", reset="bulanan",
    )
    jan = [reg.take(rule, date=date(2024, 1, d)).number for d in (3, 30, 31)]
    feb = reg.take(rule, date=date(2024, 2, 1))
    assert jan == ["000.2/001/TGR/01/2024", "000.2/002/TGR/01/2024", "000.2/003/TGR/01/2024"]
    assert feb.number == "000.2/001/TGR/02/2024" and feb.period == "2024-02"
    assert reg.take(rule, date=date(2024, 2, 1)).serial == 2


def test_roman_month() -> None:
    rule = NumberingRule(
        kind="disposisi", code="140", pattern="{kode}/{nomor}/{unit}/{bulan_romawi}/{tahun}",
        unit="TGR",
    )
    romans = [rule.format_number(1, date=date(2021, m, 1)).split("/")[3] for m in range(1, 13)]
    assert romans == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
    assert rule.format_number(1, date=date(2021, 7, 20)) == "140/001/TGR/VII/2021"


def test_width_is_configurable_and_overflows_gracefully() -> None:
    rule = NumberingRule(kind="surat-tugas", code="800", unit="X", width=5)
    assert rule.format_number(73, date=date(2026, 1, 1)) == "800/00073/X/2026"
    assert ST.format_number(1234, date=date(2026, 1, 1)) == "800.1.11.1/1234/434.100/2026"


def test_per_classification_versus_shared_series(reg: Register) -> None:
    st = NumberingRule(kind="surat-tugas", code="800.1.11.1", unit="U1")
    nd = NumberingRule(kind="nota-dinas", code="000.1.2.3", unit="U1")
    day = date(2024, 4, 1)
    assert [reg.take(st, date=day).serial, reg.take(nd, date=day).serial] == [1, 1]
    assert reg.take(st, date=day).serial == 2

    shared_st = NumberingRule(kind="surat-tugas", code="800.1.11.1", unit="U2", scope="bersama")
    shared_nd = NumberingRule(kind="nota-dinas", code="000.1.2.3", unit="U2", scope="bersama")
    numbers = [
        reg.take(shared_st, date=day).number,
        reg.take(shared_nd, date=day).number,
        reg.take(shared_st, date=day).number,
    ]
    assert numbers == ["800.1.11.1/001/U2/2024", "000.1.2.3/002/U2/2024", "800.1.11.1/003/U2/2024"]
    # another unit has its own shared serial
    assert reg.take(shared_nd, date=day, unit="U3").number == "000.1.2.3/001/U3/2024"


def test_two_kinds_with_one_code_share_the_classification_serial(reg: Register) -> None:
    sop = NumberingRule(kind="sop", code="000.8.3.3", pattern="{kode}/{nomor}/SOP/{unit}/{tahun}",
                        unit="Disnakertrans")
    other = NumberingRule(kind="sop-revisi", code="000.8.3.3",
                          pattern="{kode}/{nomor}/REV/{unit}/{tahun}", unit="Disnakertrans")
    assert reg.take(sop, date=date(2024, 6, 1)).number == "000.8.3.3/001/SOP/Disnakertrans/2024"
    assert reg.take(other, date=date(2024, 6, 1)).number == "000.8.3.3/002/REV/Disnakertrans/2024"


def test_colliding_rules_are_refused_without_damage(reg: Register) -> None:
    a = NumberingRule(kind="surat-a", code="100", pattern="X/{nomor}/{tahun}")
    b = NumberingRule(kind="surat-b", code="200", pattern="X/{nomor}/{tahun}")
    reg.take(a, date=date(2024, 1, 1))
    with pytest.raises(SopdocsError, match=r"X/001/2024 sudah ada di register.*surat-a"):
        reg.take(b, date=date(2024, 1, 1))
    assert [n.number for n in reg.list()] == ["X/001/2024"]


# --------------------------------------------------------------- void


def test_void_stays_listed_and_is_never_reissued(reg: Register) -> None:
    day = date(2024, 8, 1)
    first, second = reg.take(ST, date=day), reg.take(ST, date=day)
    voided = reg.void(second.number, "salah ketik tujuan")
    assert voided.status == VOID and voided.void_reason == "salah ketik tujuan"
    third = reg.take(ST, date=day)
    assert third.serial == 3
    rows = reg.list()
    assert [(n.number, n.status) for n in rows] == [
        (first.number, USED), (second.number, VOID), (third.number, USED)
    ]
    assert rows[1].as_row()["Keterangan"] == "salah ketik tujuan"
    found = reg.find(second.number)
    assert found is not None and found.status == VOID


def test_void_errors(reg: Register) -> None:
    issued = reg.take(ST, date=date(2024, 8, 1))
    with pytest.raises(ValidationError, match="alasan"):
        reg.void(issued.number, "  ")
    with pytest.raises(SopdocsError, match=r"'9/9/9' tidak ada di register"):
        reg.void("9/9/9", "x")
    reg.void(issued.number, "batal rapat")
    with pytest.raises(SopdocsError, match="sudah dibatalkan sebelumnya"):
        reg.void(issued.number, "lagi")


# --------------------------------------------------------------- inserted numbers


def _fill_march(register: Register, rule: NumberingRule) -> None:
    for serial in range(1, 16):  # 001..015, the last (015) dated 10 March
        register.take(rule, date=date(2024, 3, min(serial, 10)))
    register.take(rule, date=date(2024, 3, 20))  # 016


def test_inserted_numbers_keep_date_order(reg: Register) -> None:
    _fill_march(reg, ST)
    a = reg.take(ST, date=date(2024, 3, 12), subject="sisipan 1")
    b = reg.take(ST, date=date(2024, 3, 15), subject="sisipan 2")
    assert (a.number, b.number) == ("800.1.11.1/015.1/434.100/2024", "800.1.11.1/015.2/434.100/2024")
    assert (a.serial, a.sub, a.is_inserted) == (15, 1, True)
    # a letter dated on the last number's date is not inserted
    assert reg.take(ST, date=date(2024, 3, 20)).number == "800.1.11.1/017/434.100/2024"
    # inserted after the last number issued ON OR BEFORE its date (007 is dated 7 March)
    assert reg.take(ST, date=date(2024, 3, 7)).number == "800.1.11.1/007.1/434.100/2024"
    dates = [n.date for n in reg.list(year=2024)]
    assert dates == sorted(dates)
    assert [n.number.split("/")[1] for n in reg.list()][-5:] == ["015", "015.1", "015.2", "016", "017"]


@pytest.mark.parametrize(
    ("style", "expected"),
    [("titik", ["015.1", "015.2"]), ("titik2", ["015.01", "015.02"]), ("huruf", ["015a", "015b"])],
)
def test_insert_styles(reg: Register, style: str, expected: list[str]) -> None:
    rule = NumberingRule(kind="surat-tugas", code="800", unit="U", insert_style=style)  # type: ignore[arg-type]
    _fill_march(reg, rule)
    got = [reg.take(rule, date=date(2024, 3, d)).number.split("/")[1] for d in (11, 12)]
    assert got == expected


def test_format_serial_letters_beyond_z() -> None:
    assert format_serial(15, 26, style="huruf") == "015z"
    assert format_serial(15, 27, style="huruf") == "015aa"
    assert format_serial(5, 1, width=3, style="titik2") == "005.01"
    assert format_serial(5, 0, style="huruf") == "005"


def test_letter_dated_before_everything_in_its_series_gets_000_insert(reg: Register) -> None:
    reg.take(ST, date=date(2024, 1, 10))
    early = reg.take(ST, date=date(2024, 1, 3))
    assert early.number == "800.1.11.1/000.1/434.100/2024"
    assert (early.serial, early.sub) == (0, 1)
    assert reg.take(ST, date=date(2024, 1, 4)).number == "800.1.11.1/000.2/434.100/2024"
    assert reg.take(ST, date=date(2024, 1, 10)).serial == 2
    assert [n.date for n in reg.list()] == sorted(n.date for n in reg.list())


def test_void_numbers_still_count_for_date_order(reg: Register) -> None:
    reg.take(ST, date=date(2024, 2, 1))
    late = reg.take(ST, date=date(2024, 2, 20))
    reg.void(late.number, "tidak jadi")
    assert reg.take(ST, date=date(2024, 2, 5)).number == "800.1.11.1/001.1/434.100/2024"


# --------------------------------------------------------------- reservations


def test_reserve_then_attach(reg: Register, tmp_path: Path) -> None:
    booked = reg.reserve(ST, date=date(2024, 9, 2), subject="Undangan")
    assert booked.status == RESERVED and booked.document is None
    assert reg.take(ST, date=date(2024, 9, 2)).serial == 2
    doc = tmp_path / "undangan.docx"
    used = reg.attach(booked.number, doc)
    assert used.status == USED and used.document == str(doc) and used.serial == 1
    assert reg.attach(booked.number, doc).document == str(doc)  # idempotent
    with pytest.raises(SopdocsError, match="sudah dipakai untuk dokumen"):
        reg.attach(booked.number, tmp_path / "lain.docx")


def test_attach_errors(reg: Register) -> None:
    booked = reg.reserve(ST, date=date(2024, 9, 2))
    reg.void(booked.number, "kegiatan ditunda")
    with pytest.raises(SopdocsError, match="sudah dibatalkan"):
        reg.attach(booked.number, "surat.docx")
    with pytest.raises(SopdocsError, match="tidak ada di register"):
        reg.attach("nomor/palsu", "surat.docx")
    with pytest.raises(ValidationError, match="dokumen kosong"):
        reg.attach(booked.number, " ")


def test_take_with_document_records_it(reg: Register) -> None:
    issued = reg.take(ST, date=date(2024, 9, 2), document="out/st-001.docx")
    assert issued.document == "out/st-001.docx"
    # a used number without a document can get one later
    bare = reg.take(ST, date=date(2024, 9, 2))
    assert reg.attach(bare.number, "out/st-002.docx").document == "out/st-002.docx"


# --------------------------------------------------------------- security prefix


def test_security_prefix_on_and_off(reg: Register) -> None:
    rule = NumberingRule(kind="surat-tugas", code="800.1.11.1", unit="434.100",
                         pattern="{keamanan}-{kode}/{nomor}/{unit}/{tahun}")
    day = date(2024, 10, 1)
    assert reg.take(rule, date=day).number == "800.1.11.1/001/434.100/2024"
    secret = reg.take(rule, date=day, keamanan="sr")
    assert secret.number == "SR-800.1.11.1/002/434.100/2024" and secret.keamanan == "SR"

    default_b = NumberingRule(kind="surat-tugas", code="800.1.11.1", unit="434.100",
                              pattern="{keamanan}-{kode}/{nomor}/{unit}/{tahun}", keamanan="B")
    assert reg.take(default_b, date=day).number == "B-800.1.11.1/003/434.100/2024"
    assert reg.take(default_b, date=day, keamanan="").number == "800.1.11.1/004/434.100/2024"


def test_security_token_elsewhere_vanishes_cleanly() -> None:
    middle = NumberingRule(kind="x", code="800", pattern="{kode}/{keamanan}/{nomor}/{tahun}")
    end = NumberingRule(kind="x", code="800", pattern="{kode}/{nomor}/{tahun}/{keamanan}")
    day = date(2024, 1, 1)
    assert middle.format_number(1, date=day) == "800/001/2024"
    assert middle.format_number(1, date=day, keamanan="R") == "800/R/001/2024"
    assert end.format_number(1, date=day) == "800/001/2024"
    assert end.format_number(1, date=day, keamanan="T") == "800/001/2024/T"


def test_security_errors(reg: Register) -> None:
    rule = NumberingRule(kind="x", code="800", pattern="{keamanan}-{kode}/{nomor}/{tahun}")
    with pytest.raises(ValidationError, match="kode keamanan 'Z' tidak dikenal"):
        reg.take(rule, date=date(2024, 1, 1), keamanan="Z")
    with pytest.raises(SopdocsError, match=r"tidak memuat \{keamanan\}"):
        reg.take(ST, date=date(2024, 1, 1), keamanan="B")
    assert reg.list() == []


# --------------------------------------------------------------- bad rules and inputs


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pattern": "{kode}/{nomer}/{tahun}"}, r"token \{nomer\} tidak dikenal"),
        ({"pattern": "{kode}/{tahun}"}, r"harus memuat \{nomor\} tepat satu kali"),
        ({"pattern": "{nomor}/{nomor}/{tahun}"}, r"harus memuat \{nomor\} tepat satu kali"),
        ({"pattern": "{kode}/{nomor}"}, r"harus memuat \{tahun\}"),
        ({"pattern": "{kode}/{nomor}/{tahun"}, "kurung kurawal tanpa pasangan"),
        ({"pattern": "  "}, "pola nomor kosong"),
        ({"reset": "bulanan"}, r"reset 'bulanan' memerlukan \{bulan\}"),
        ({"reset": "harian"}, "'harian' tidak dikenal"),
        ({"scope": "semua"}, "'semua' tidak dikenal"),
        ({"insert_style": "angka"}, "'angka' tidak dikenal"),
        ({"width": 0}, "lebar nomor urut 0"),
        ({"width": True}, "lebar nomor urut True"),
        ({"code": ""}, "kode klasifikasi '' tidak sah"),
        ({"code": "800 1"}, "kode klasifikasi '800 1' tidak sah"),
        ({"unit": "a/b"}, "kode unit 'a/b' tidak sah"),
        ({"kind": "surat tugas"}, "jenis naskah 'surat tugas' tidak sah"),
        ({"keamanan": "X"}, "kode keamanan 'X' tidak dikenal"),
        ({"keamanan": "B"}, r"pola .* tidak memuat \{keamanan\}"),
        ({"pattern": "{keamanan}{keamanan}-{kode}/{nomor}/{tahun}"}, "lebih dari sekali"),
    ],
)
def test_bad_rules_are_reported(kwargs: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"kind": "surat-tugas", "code": "800.1.11.1", "unit": "U"}
    base.update(kwargs)
    with pytest.raises(ValidationError, match=message) as caught:
        NumberingRule(**base)
    assert all(p.field and p.field.startswith("penomoran.") for p in caught.value.problems)


def test_all_rule_problems_reported_together() -> None:
    with pytest.raises(ValidationError) as caught:
        NumberingRule(kind="st", code="8 0", pattern="{x}", width=99, reset="?")
    fields = {p.field for p in caught.value.problems}
    assert {"penomoran.st.code", "penomoran.st.pattern", "penomoran.st.width",
            "penomoran.st.reset"} <= fields


def test_rule_from_dict() -> None:
    rule = NumberingRule.from_dict(
        "disposisi", {"code": "000.2", "pattern": "{kode}/{nomor}/{bulan_romawi}/{tahun}",
                      "reset": "bulanan", "width": 4},
        source="sopdocs.yaml",
    )
    assert rule.format_number(7, date=date(2024, 11, 5)) == "000.2/0007/XI/2024"
    with pytest.raises(ValidationError) as caught:
        NumberingRule.from_dict("disposisi", {"kode": "000.2", "lebar": 3}, source="sopdocs.yaml")
    text = str(caught.value)
    assert "sopdocs.yaml" in text and "'kode' tidak dikenal" in text and "'code') wajib diisi" in text
    with pytest.raises(ValidationError, match=r"sopdocs\.yaml: penomoran\.disposisi\.width"):
        NumberingRule.from_dict("disposisi", {"code": "000.2", "width": "3"}, source="sopdocs.yaml")


def test_unit_required_when_pattern_shows_it(reg: Register) -> None:
    no_unit = NumberingRule(kind="surat-tugas", code="800")
    with pytest.raises(SopdocsError, match=r"memuat \{unit\} tetapi kode unit tidak diberikan"):
        reg.take(no_unit, date=date(2024, 1, 1))
    assert reg.take(no_unit, date=date(2024, 1, 1), unit="434.100").number == "800/001/434.100/2024"


@pytest.mark.parametrize("bad", ["2024-01-01", datetime(2024, 1, 1, 9, 0), None])
def test_only_date_objects_accepted(reg: Register, bad: object) -> None:
    with pytest.raises(DateError, match="datetime.date"):
        reg.take(ST, date=bad)  # type: ignore[arg-type]
    assert reg.list() == []


# --------------------------------------------------------------- listing and export


def test_list_filters_and_agenda_order(reg: Register) -> None:
    nd = NumberingRule(kind="nota-dinas", code="000.1.2.3", unit="434.100")
    reg.take(ST, date=date(2024, 5, 3))
    reg.take(nd, date=date(2024, 5, 1))
    reg.take(ST, date=date(2025, 1, 2))
    reg.take(nd, date=date(2024, 5, 3))
    assert [(n.kind, n.date.isoformat()) for n in reg.list(year=2024)] == [
        ("nota-dinas", "2024-05-01"), ("nota-dinas", "2024-05-03"), ("surat-tugas", "2024-05-03")
    ]
    assert [n.number for n in reg.list(kind="surat-tugas")] == [
        "800.1.11.1/001/434.100/2024", "800.1.11.1/001/434.100/2025"
    ]
    assert [n.number for n in reg.list(year=2025, kind="nota-dinas")] == []


def test_rows_and_dicts_for_the_cli(reg: Register) -> None:
    issued = reg.take(ST, date=date(2024, 5, 3), subject="Tugas pendataan", user="siti")
    row = issued.as_row()
    assert tuple(row) == AGENDA_COLUMNS
    assert row["Nomor"] == issued.number and row["Tanggal"] == "2024-05-03"
    assert row["Perihal"] == "Tugas pendataan" and row["Petugas"] == "siti"
    data = json.loads(json.dumps(issued.to_dict()))
    assert data["nomor"] == issued.number and data["urut"] == 1 and data["sisipan"] == 0
    assert data["status"] == "terpakai" and data["alasan_batal"] is None


def test_find_unknown_returns_none(reg: Register) -> None:
    assert reg.find("tidak/ada") is None


# --------------------------------------------------------------- copy codes


def test_copy_codes_never_repeat(reg: Register) -> None:
    first = reg.issue_copy_codes("Pendataan TKA", 3, year=2024)
    second = reg.issue_copy_codes("Survei Kepuasan", 2, year=2024)
    third = reg.issue_copy_codes("Pendataan TKA", 2, year=2024)
    assert first == ["K-2024-0001", "K-2024-0002", "K-2024-0003"]
    assert second == ["K-2024-0004", "K-2024-0005"]
    assert third == ["K-2024-0006", "K-2024-0007"]
    assert reg.copy_codes("Pendataan TKA") == first + third
    assert reg.copy_codes("Survei Kepuasan") == second
    assert reg.copy_codes("Tidak Ada") == []
    assert reg.issue_copy_codes("Pendataan TKA", 1, year=2025) == ["K-2025-0001"]
    assert reg.issue_copy_codes("Lain", 1, year=2024, prefix="Q", width=6) == ["Q-2024-000001"]


def test_copy_code_errors(reg: Register) -> None:
    with pytest.raises(ValidationError) as caught:
        reg.issue_copy_codes(" ", 0, year=2024, prefix="K-1", width=0)
    assert {p.field for p in caught.value.problems} == {"kegiatan", "jumlah", "awalan", "lebar"}
    assert reg.copy_codes("x") == []


# --------------------------------------------------------------- the file itself


def test_schema_version_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "register.sqlite"
    with Register(path) as first:
        first.take(ST, date=date(2024, 1, 1))
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    raw.close()
    with Register(path) as again:
        assert again.take(ST, date=date(2024, 1, 1)).serial == 2
    path.unlink()  # closed: deletable (also on Windows)


def test_wal_mode_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "local.sqlite"
    with Register(path, wal=True) as register:
        register.take(ST, date=date(2024, 1, 1))
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_not_a_register_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_text("ini bukan basis data, hanya teks biasa " * 50, encoding="utf-8")
    with pytest.raises(SopdocsError, match="junk.sqlite"), Register(junk) as register:
        register.list()

    foreign = tmp_path / "foreign.sqlite"
    raw = sqlite3.connect(foreign)
    raw.execute("CREATE TABLE pegawai (nip TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(SopdocsError, match="bukan register sopdocs.*pegawai"), Register(foreign) as register:
        register.list()

    newer = tmp_path / "newer.sqlite"
    raw = sqlite3.connect(newer)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(SopdocsError, match="lebih baru"), Register(newer) as register:
        register.list()

    with pytest.raises(SopdocsError, match="folder"), Register(tmp_path) as register:
        register.list()


# --------------------------------------------------------------- several processes


def test_four_processes_take_1000_numbers_without_collision(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_take_many, args=(str(path), 250, barrier, results), daemon=True)
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    collected: list[tuple[list[int], float]] = []
    deadline = time.monotonic() + 300
    try:
        while len(collected) < len(workers) and time.monotonic() < deadline:
            try:
                collected.append(results.get(timeout=0.5))
            except queue.Empty:
                failed = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
                assert not failed, f"a worker process failed (exit codes {failed})"
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.kill()
    assert len(collected) == 4
    assert all(worker.exitcode == 0 for worker in workers)
    returned = sorted(serial for serials, _ in collected for serial in serials)
    assert returned == list(range(1, 1001))
    with Register(path) as register:
        rows = register.list()
    assert sorted(n.serial for n in rows) == list(range(1, 1001))
    assert len({n.number for n in rows}) == 1000
    assert all(n.sub == 0 for n in rows)


def test_killed_process_leaves_register_consistent(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite"
    ctx = multiprocessing.get_context("spawn")
    started = ctx.Event()
    worker = ctx.Process(target=_take_forever, args=(str(path), started), daemon=True)
    worker.start()
    try:
        assert started.wait(timeout=120), "worker never committed a number"
        with Register(path) as watcher:
            deadline = time.monotonic() + 120
            while len(watcher.list()) < 40 and time.monotonic() < deadline:
                time.sleep(0.01)
        worker.kill()  # mid-loop, quite possibly mid-transaction
    finally:
        worker.join(timeout=60)
    assert worker.exitcode != 0

    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        raw.close()
    with Register(path) as register:
        rows = register.list()
        serials = sorted(n.serial for n in rows)
        assert len(serials) >= 40
        assert serials == list(range(1, len(serials) + 1))
        assert len({n.number for n in rows}) == len(rows)
        following = register.take(_bulk_rule(), date=date(2024, 5, 2))
        assert following.serial == len(serials) + 1
