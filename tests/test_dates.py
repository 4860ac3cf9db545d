from __future__ import annotations

from datetime import date, datetime

import pytest
from dateutil import parser as dparser

from sopdocs.indonesian.dates import (
    BULAN,
    HARI,
    DateStyle,
    IndonesianParserInfo,
    format_tanggal,
    nama_bulan,
    nama_hari,
    parse_tanggal,
)
from sopdocs.errors import DateError, SopdocsError

MONTH_SPELLINGS = {
    1: ["Januari", "Jan"],
    2: ["Februari", "Feb", "Peb", "Pebruari"],
    3: ["Maret", "Mar"],
    4: ["April", "Apr"],
    5: ["Mei"],
    6: ["Juni", "Jun"],
    7: ["Juli", "Jul"],
    8: ["Agustus", "Agu", "Agt", "Ags", "Agust"],
    9: ["September", "Sep", "Sept"],
    10: ["Oktober", "Okt"],
    11: ["November", "Nov", "Nop", "Nopember"],
    12: ["Desember", "Des"],
}
ALL_SPELLINGS = [(m, s) for m, forms in MONTH_SPELLINGS.items() for s in forms]

# 1-7 January 2024 run Monday to Sunday.
DAY_SPELLINGS = [
    (1, "Senin"), (1, "Sen"), (2, "Selasa"), (2, "Sel"), (3, "Rabu"), (3, "Rab"),
    (4, "Kamis"), (4, "Kam"), (5, "Jumat"), (5, "Jum'at"), (5, "Jum\u2019at"), (5, "Jum"),
    (6, "Sabtu"), (6, "Sab"), (7, "Minggu"), (7, "Ahad"), (7, "Min"),
]


def test_constants() -> None:
    assert BULAN[0] == "Januari" and BULAN[11] == "Desember" and len(BULAN) == 12
    assert HARI[0] == "Senin" and HARI[6] == "Minggu" and len(HARI) == 7


@pytest.mark.parametrize(("month", "spelling"), ALL_SPELLINGS)
def test_every_month_spelling_strict(month: int, spelling: str) -> None:
    assert parse_tanggal(f"2 {spelling} 2024") == date(2024, month, 2)
    assert parse_tanggal(f"02 {spelling.upper()} 2024") == date(2024, month, 2)
    assert parse_tanggal(f"2 {spelling.lower()}. 2024") == date(2024, month, 2)
    assert parse_tanggal(f"2-{spelling}-2024") == date(2024, month, 2)


@pytest.mark.parametrize(("month", "spelling"), ALL_SPELLINGS)
def test_every_month_spelling_fallback(month: int, spelling: str) -> None:
    # "Month day, year" is not a strict shape: it goes through dateutil.
    assert parse_tanggal(f"{spelling} 2, 2024") == date(2024, month, 2)


@pytest.mark.parametrize(("month", "spelling"), ALL_SPELLINGS)
def test_parserinfo_with_dateutil_directly(month: int, spelling: str) -> None:
    parsed = dparser.parse(f"3 {spelling} 2024", parserinfo=IndonesianParserInfo())
    assert parsed.date() == date(2024, month, 3)


def test_parserinfo_is_day_first() -> None:
    info = IndonesianParserInfo()
    assert info.dayfirst is True
    assert dparser.parse("2/1/2024", parserinfo=info).date() == date(2024, 1, 2)


@pytest.mark.parametrize(("day", "name"), DAY_SPELLINGS)
def test_every_day_name_matching(day: int, name: str) -> None:
    assert parse_tanggal(f"{name}, {day} Januari 2024") == date(2024, 1, day)
    assert parse_tanggal(f"{name} {day} Jan 2024") == date(2024, 1, day)


@pytest.mark.parametrize(("day", "name"), DAY_SPELLINGS)
def test_every_day_name_mismatching_is_refused(day: int, name: str) -> None:
    wrong = day % 7 + 1  # the next day of the week
    with pytest.raises(DateError, match="jatuh pada hari"):
        parse_tanggal(f"{name}, {wrong} Januari 2024")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02 Januari 2024", date(2024, 1, 2)),
        ("2 Jan 2024", date(2024, 1, 2)),
        ("17 Agt 1945", date(1945, 8, 17)),
        ("Selasa, 2 Januari 2024", date(2024, 1, 2)),
        ("2024-01-02", date(2024, 1, 2)),
        ("2024-1-2", date(2024, 1, 2)),
        ("2024/01/02", date(2024, 1, 2)),
        ("2024-01-02T10:30:00", date(2024, 1, 2)),
        ("2/1/2024", date(2024, 1, 2)),
        ("02-01-2024", date(2024, 1, 2)),
        ("02.01.2024", date(2024, 1, 2)),
        ("13/1/2024", date(2024, 1, 13)),
        ("  2   Januari\u00a02024 ", date(2024, 1, 2)),
        ("tanggal 6 Januari 2024", date(2024, 1, 6)),
        ("Sabtu, 06/01/2024", date(2024, 1, 6)),
        ("Kamis, 2024-01-04", date(2024, 1, 4)),
        ("29 Februari 2024", date(2024, 2, 29)),
        ("31 Desember 2023", date(2023, 12, 31)),
        # fallback shapes
        ("Januari 2, 2024", date(2024, 1, 2)),
        ("2 Januari, 2024", date(2024, 1, 2)),
        ("hari Sabtu tanggal 6 Januari 2024", date(2024, 1, 6)),
        ("Jumat, Januari 5, 2024", date(2024, 1, 5)),
        ("2 Januari 2024 10:00", date(2024, 1, 2)),
    ],
)
def test_accepted_shapes(text: str, expected: date) -> None:
    assert parse_tanggal(text) == expected


def test_numeric_dates_are_day_first_and_iso_is_year_first() -> None:
    assert parse_tanggal("2/1/2024") == date(2024, 1, 2)
    assert parse_tanggal("1/2/2024") == date(2024, 2, 1)
    assert parse_tanggal("2024-01-02") == date(2024, 1, 2)
    assert parse_tanggal("2024-02-01") == date(2024, 2, 1)
    # a day-name prefix must not push ISO into dateutil's day-first reading
    assert parse_tanggal("Kamis, 2024-02-01") == date(2024, 2, 1)


def test_month_over_12_is_not_swapped() -> None:
    with pytest.raises(DateError, match="bulan 13 tidak ada"):
        parse_tanggal("2/13/2024")


def test_date_objects_pass_through() -> None:
    assert parse_tanggal(date(2024, 1, 6)) == date(2024, 1, 6)
    result = parse_tanggal(datetime(2024, 1, 6, 9, 30))
    assert result == date(2024, 1, 6) and type(result) is date


def test_impossible_date_message_names_field_and_text() -> None:
    with pytest.raises(DateError) as info:
        parse_tanggal("31 Februari 2024", field="tanggal_efektif")
    assert str(info.value) == (
        'tanggal_efektif: "31 Februari 2024" bukan tanggal yang ada '
        "(Februari 2024 hanya 29 hari)"
    )
    assert isinstance(info.value, SopdocsError)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("29 Februari 2023", "Februari 2023 hanya 28 hari"),
        ("31 April 2024", "April 2024 hanya 30 hari"),
        ("31/06/2024", "Juni 2024 hanya 30 hari"),
        ("2024-02-30", "Februari 2024 hanya 29 hari"),
        ("0 Januari 2024", "Januari 2024 hanya 31 hari"),
        ("32 Januari 2024", "bukan tanggal yang ada"),
        ("2024-13-01", "bulan 13 tidak ada"),
        ("0000-01-01", "tahun 0 tidak ada"),
    ],
)
def test_impossible_dates(text: str, fragment: str) -> None:
    with pytest.raises(DateError, match=fragment):
        parse_tanggal(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2 Januari", "tahun tidak disebut"),
        ("Januari 2024", "tanggal tidak disebut"),
        ("2024", "tanggal, bulan tidak disebut"),
        ("Selasa", "tidak disebut"),
        ("2 Jan 24", "empat angka"),
        ("2/1/24", "empat angka"),
        ("hello", "tidak dapat dibaca"),
        ("rapat 2 Januari 2024", '"rapat" bukan nama hari'),
        ("Seninn, 1 Januari 2024", '"Seninn" bukan nama hari'),
        ("2 Janari 2024", 'nama bulan "Janari" tidak dikenal'),
        ("2 Januari 2024 x 5", "tidak dapat dibaca"),
        ("2 Jan 2024 3 Jan 2024", "tidak dapat dibaca"),
        ("pada 2 Januari 2024 rapat", "tidak dapat dibaca"),
        ("", "kosong"),
        ("   ", "kosong"),
    ],
)
def test_refused_text(text: str, fragment: str) -> None:
    with pytest.raises(DateError, match=fragment):
        parse_tanggal(text, field="tanggal")


def test_missing_year_is_never_filled_from_today() -> None:
    for text in ("2 Januari", "Senin 2 Januari", "2/1", "02-01"):
        with pytest.raises(DateError):
            parse_tanggal(text)


def test_mismatched_day_name_message() -> None:
    with pytest.raises(DateError) as info:
        parse_tanggal("Senin, 2 Januari 2024", field="tanggal_pembuatan")
    assert str(info.value) == (
        'tanggal_pembuatan: "Senin, 2 Januari 2024": 2 Januari 2024 jatuh pada hari '
        "Selasa, bukan Senin"
    )


def test_mismatched_day_name_in_fallback_and_after_the_date() -> None:
    with pytest.raises(DateError, match="bukan Senin"):
        parse_tanggal("Senin, Januari 5, 2024")
    with pytest.raises(DateError, match="bukan Senin"):
        parse_tanggal("5 Januari 2024 Senin")


def test_non_string_input_is_refused() -> None:
    with pytest.raises(DateError, match="tanggal_efektif: 20240102 bukan tanggal"):
        parse_tanggal(20240102, field="tanggal_efektif")  # type: ignore[arg-type]


def test_format_tanggal() -> None:
    d = date(2024, 1, 2)
    assert format_tanggal(d) == "2 Januari 2024"
    assert format_tanggal(d, nol_di_depan=True) == "02 Januari 2024"
    assert format_tanggal(d, dengan_hari=True) == "Selasa, 2 Januari 2024"
    assert format_tanggal(d, nol_di_depan=True, dengan_hari=True) == "Selasa, 02 Januari 2024"
    assert format_tanggal(date(2024, 12, 25)) == "25 Desember 2024"
    assert format_tanggal(datetime(2024, 8, 17, 8, 0)) == "17 Agustus 2024"


def test_format_then_parse_round_trip_whole_year() -> None:
    d = date(2024, 1, 1)
    while d.year == 2024:
        for text in (format_tanggal(d), format_tanggal(d, nol_di_depan=True, dengan_hari=True)):
            assert parse_tanggal(text) == d
        d = date.fromordinal(d.toordinal() + 1)


def test_nama_hari_and_nama_bulan() -> None:
    assert [nama_hari(date(2024, 1, day)) for day in range(1, 8)] == list(HARI)
    assert [nama_bulan(m) for m in range(1, 13)] == list(BULAN)
    with pytest.raises(ValueError):
        nama_bulan(13)
    with pytest.raises(ValueError):
        nama_bulan(0)


def test_date_style() -> None:
    d = date(2024, 1, 6)
    assert DateStyle().format(d) == "6 Januari 2024"
    assert DateStyle(nol_di_depan=True).format(d) == "06 Januari 2024"
    assert DateStyle(dengan_hari=True).format(d) == "Sabtu, 6 Januari 2024"
    style = DateStyle(nol_di_depan=True)
    with pytest.raises(AttributeError):
        style.nol_di_depan = False  # type: ignore[misc]


@pytest.mark.parametrize("text", [
    "a" * 10_000, "1 " * 5_000, "12:" * 3_000, "1 Januari " + "9" * 5_000, "Senin,\n" * 1_000 + "2 Januari 2024",
    "2024-02-31" + " x" * 3_000,
])
def test_long_hostile_text_gives_a_short_one_line_message(text: str) -> None:
    """A 10,000-character response cell: read (or refused) quickly, quoted back cut short."""
    try:
        parse_tanggal(text, field="tanggal_operasi")
    except DateError as exc:
        message = str(exc)
        assert message.startswith("tanggal_operasi: ") and "\n" not in message and len(message) < 300
