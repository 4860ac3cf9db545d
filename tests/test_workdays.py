from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
import pytest

from sopdocs import runtime
from sopdocs.errors import DateError
from sopdocs.indonesian import workdays
from sopdocs.indonesian.workdays import WorkCalendar


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture(scope="module")
def no_cuti() -> WorkCalendar:
    return WorkCalendar(cuti_bersama=False)


def _package_dates(name: str, year: int, category: str = "public") -> list[date]:
    found = holidays.country_holidays("ID", years=year, categories=(category,), language="id")
    return sorted(d for d, n in found.items() if n == name)


def test_package_facts_the_other_tests_rely_on() -> None:
    assert _package_dates("Hari Raya Idul Fitri", 2024) == [date(2024, 4, 10)]
    assert _package_dates("Hari kedua dari Hari Raya Idul Fitri", 2024) == [date(2024, 4, 11)]
    assert _package_dates("Cuti Bersama Hari Raya Idul Fitri", 2024, "government") == [
        date(2024, 4, 8), date(2024, 4, 9), date(2024, 4, 12), date(2024, 4, 15),
    ]


def test_weekdays_and_weekend(cal: WorkCalendar) -> None:
    # 8..14 January 2024: Monday..Sunday, no holidays
    flags = [cal.is_working_day(date(2024, 1, d)) for d in range(8, 15)]
    assert flags == [True, True, True, True, True, False, False]
    assert cal.holiday_name(date(2024, 1, 13)) is None  # a plain Saturday has no name


def test_across_a_weekend(cal: WorkCalendar) -> None:
    friday = date(2024, 1, 5)
    assert cal.next_working_day(friday) == date(2024, 1, 8)
    assert cal.add_working_days(friday, 1) == date(2024, 1, 8)
    assert cal.add_working_days(friday, 3) == date(2024, 1, 10)
    assert cal.next_working_day(date(2024, 1, 6)) == date(2024, 1, 8)


def test_next_working_day_is_strictly_after(cal: WorkCalendar) -> None:
    monday = date(2024, 1, 8)
    assert cal.next_working_day(monday) == date(2024, 1, 9)
    assert cal.working_day_on_or_after(monday) == monday
    assert cal.working_day_on_or_after(date(2024, 1, 6)) == date(2024, 1, 8)


def test_add_zero_and_negative(cal: WorkCalendar) -> None:
    saturday = date(2024, 1, 6)
    assert cal.add_working_days(saturday, 0) == saturday
    with pytest.raises(ValueError):
        cal.add_working_days(saturday, -1)


def test_count_inclusive_seed_example(cal: WorkCalendar) -> None:
    # "selama 3 (tiga) hari kerja, tanggal 8 s.d. 10 Januari 2024"
    assert cal.count_working_days(date(2024, 1, 8), date(2024, 1, 10)) == 3
    assert cal.count_working_days(date(2024, 1, 8), date(2024, 1, 8)) == 1
    assert cal.count_working_days(date(2024, 1, 6), date(2024, 1, 7)) == 0
    assert cal.count_working_days(date(2024, 1, 5), date(2024, 1, 8)) == 2


def test_count_end_before_start(cal: WorkCalendar) -> None:
    with pytest.raises(DateError, match="lebih awal"):
        cal.count_working_days(date(2024, 1, 10), date(2024, 1, 8))


def test_independence_day(cal: WorkCalendar) -> None:
    # 17 August 2023 was a Thursday
    assert cal.holiday_name(date(2023, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert not cal.is_working_day(date(2023, 8, 17))
    assert cal.add_working_days(date(2023, 8, 16), 1) == date(2023, 8, 18)
    assert cal.count_working_days(date(2023, 8, 14), date(2023, 8, 18)) == 4


def test_idul_fitri_2024_with_cuti_bersama(cal: WorkCalendar) -> None:
    # Fri 5 Apr -> Mon 8, Tue 9 cuti; Wed 10, Thu 11 Idul Fitri; Fri 12, Mon 15 cuti
    assert cal.holiday_name(date(2024, 4, 10)) == "Hari Raya Idul Fitri"
    assert cal.holiday_name(date(2024, 4, 8)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert cal.add_working_days(date(2024, 4, 5), 1) == date(2024, 4, 16)
    assert cal.count_working_days(date(2024, 4, 1), date(2024, 4, 30)) == 22 - 6


def test_idul_fitri_2024_without_cuti_bersama(no_cuti: WorkCalendar) -> None:
    assert no_cuti.holiday_name(date(2024, 4, 10)) == "Hari Raya Idul Fitri"
    assert no_cuti.holiday_name(date(2024, 4, 8)) is None
    assert no_cuti.is_working_day(date(2024, 4, 8))
    assert no_cuti.add_working_days(date(2024, 4, 5), 1) == date(2024, 4, 8)
    assert no_cuti.add_working_days(date(2024, 4, 9), 1) == date(2024, 4, 12)
    assert no_cuti.count_working_days(date(2024, 4, 1), date(2024, 4, 30)) == 22 - 2


def test_cuti_bersama_independence_day_2025(cal: WorkCalendar, no_cuti: WorkCalendar) -> None:
    monday = date(2025, 8, 18)
    assert not cal.is_working_day(monday)
    assert no_cuti.is_working_day(monday)
    assert cal.next_working_day(date(2025, 8, 15)) == date(2025, 8, 19)
    assert no_cuti.next_working_day(date(2025, 8, 15)) == monday


def test_across_new_year_loads_next_year(cal: WorkCalendar) -> None:
    # 31 Dec 2024 is a Tuesday; 1 Jan 2025 Tahun Baru Masehi
    assert cal.add_working_days(date(2024, 12, 31), 1) == date(2025, 1, 2)
    assert cal.holiday_name(date(2025, 1, 1)) == "Tahun Baru Masehi"


def test_years_are_loaded_lazily() -> None:
    c = WorkCalendar()
    assert c._loaded == set()
    c.is_working_day(date(2024, 1, 8))
    assert c._loaded == {2024}
    c.count_working_days(date(2024, 12, 30), date(2025, 1, 3))
    assert c._loaded == {2024, 2025}


def test_extra_holiday() -> None:
    c = WorkCalendar(extra_holidays={date(2024, 1, 9): "Hari Jadi Kabupaten"})
    assert c.holiday_name(date(2024, 1, 9)) == "Hari Jadi Kabupaten"
    assert not c.is_working_day(date(2024, 1, 9))
    assert c.add_working_days(date(2024, 1, 8), 1) == date(2024, 1, 10)
    assert c.count_working_days(date(2024, 1, 8), date(2024, 1, 10)) == 2


def test_extra_holiday_from_string() -> None:
    c = WorkCalendar(extra_holidays={"9 Januari 2024": "Hari Jadi"})
    assert c.holiday_name(date(2024, 1, 9)) == "Hari Jadi"


def test_extra_working_day_on_weekend_and_on_holiday() -> None:
    c = WorkCalendar(extra_working_days=[date(2024, 1, 6), "2024-04-08"])
    assert c.is_working_day(date(2024, 1, 6))
    assert c.next_working_day(date(2024, 1, 5)) == date(2024, 1, 6)
    assert c.is_working_day(date(2024, 4, 8))  # a cuti bersama worked through
    assert c.holiday_name(date(2024, 4, 8)) is None
    assert c.count_working_days(date(2024, 1, 5), date(2024, 1, 8)) == 3


def test_datetime_is_accepted(cal: WorkCalendar) -> None:
    assert cal.is_working_day(datetime(2024, 1, 8, 9, 0))
    assert cal.next_working_day(datetime(2024, 1, 5, 16, 0)) == date(2024, 1, 8)


def test_conflicting_user_lists_are_refused() -> None:
    with pytest.raises(DateError, match="sekaligus"):
        WorkCalendar(extra_holidays={date(2024, 1, 9): "X"}, extra_working_days=[date(2024, 1, 9)])


def test_bad_user_date_names_the_list() -> None:
    with pytest.raises(DateError, match="hari_libur_tambahan"):
        WorkCalendar(extra_holidays={"31 Februari 2024": "X"})
    with pytest.raises(DateError, match="hari_kerja_tambahan"):
        WorkCalendar(extra_working_days=["kemarin"])


# --------------------------------------------------------------------------- kept lists


@pytest.fixture
def kept_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "run"
    monkeypatch.setenv(runtime.ENV_RUNTIME, str(folder))
    return folder


def _package(year: int, categories: tuple[str, ...]) -> dict[date, str]:
    return {d: str(n) for d, n in holidays.country_holidays(
        "ID", years=year, categories=categories, language="id").items()}


@pytest.mark.parametrize("categories", [("public",), ("public", "government")])
def test_a_years_days_off_are_kept_and_read_back_as_the_package_gives_them(
        kept_in: Path, categories: tuple[str, ...]) -> None:
    for year in (2002, 2024, 2025, 2031):
        assert workdays.country_holidays(year, categories) == _package(year, categories)
        kept = next(kept_in.glob(f"libur-ID-*-{'+'.join(categories)}-{year}.json"))
        assert kept.stat().st_mode & 0o777 == 0o600 or os.name == "nt"
        # Read back from the file, not computed again: a day written into it is returned.
        data = json.loads(kept.read_text(encoding="utf-8"))
        data[f"{year}-03-03"] = "Hari uji"
        kept.write_text(json.dumps(data), encoding="utf-8")
        assert workdays.country_holidays(year, categories)[date(year, 3, 3)] == "Hari uji"


@pytest.mark.parametrize("content", ["", "{", "[]", '{"2024-13-01": "x"}', '{"2023-05-01": "lain tahun"}',
                                     '{"2024-05-01": ""}', '{"2024-05-01": 5}',
                                     json.dumps({f"2024-01-{d:02d}": "x" * 400 for d in range(1, 3)}),
                                     json.dumps({(date(2024, 1, 1) + timedelta(days=d)).isoformat(): "x"
                                                 for d in range(workdays.MAX_KEPT_DAYS + 1)})])
def test_a_damaged_kept_list_is_computed_again(kept_in: Path, content: str) -> None:
    workdays.country_holidays(2024, ("public",))
    kept = next(kept_in.glob("libur-ID-*-public-2024.json"))
    kept.write_text(content, encoding="utf-8")
    assert workdays.country_holidays(2024, ("public",)) == _package(2024, ("public",))
    assert json.loads(kept.read_text(encoding="utf-8")) == {
        d.isoformat(): n for d, n in _package(2024, ("public",)).items()}  # and written again


def test_without_a_usable_runtime_folder_the_days_off_are_computed(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "berkas"
    blocked.write_text("bukan folder", encoding="utf-8")
    monkeypatch.setenv(runtime.ENV_RUNTIME, str(blocked / "run"))
    assert workdays.country_holidays(2024, ("public",)) == _package(2024, ("public",))


def test_a_later_command_reads_the_kept_days_off_without_importing_holidays(kept_in: Path) -> None:
    code = ("import sys\n"
            "from sopdocs.indonesian.workdays import WorkCalendar\n"
            "from datetime import date\n"
            "print(WorkCalendar().count_working_days(date(2024, 4, 1), date(2024, 4, 30)), 'holidays' in sys.modules)\n")
    env = dict(os.environ, **{runtime.ENV_RUNTIME: str(kept_in)})
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
            for _ in range(2)]
    assert runs == ["16 True\n", "16 False\n"]
