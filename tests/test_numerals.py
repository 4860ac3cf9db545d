from __future__ import annotations

import re

import pytest

from sopdocs.errors import SopdocsError
from sopdocs.indonesian.numerals import NumeralError, angka_terbilang, romawi, terbilang

# An independent reference spelling, written from the Indonesian rules, to check against.
_ONES = ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
_SCALES = [(10**12, "triliun"), (10**9, "miliar"), (10**6, "juta")]


def _below_1000(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += ["seratus"] if hundreds == 1 else [_ONES[hundreds], "ratus"]
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif 12 <= rest <= 19:
        words += [_ONES[rest - 10], "belas"]
    elif rest >= 20:
        tens, ones = divmod(rest, 10)
        words += [_ONES[tens], "puluh"] + ([_ONES[ones]] if ones else [])
    elif rest:
        words.append(_ONES[rest])
    return words


def _reference(n: int) -> str:
    if n == 0:
        return "nol"
    words: list[str] = []
    for size, name in _SCALES:
        count, n = divmod(n, size)
        if count:
            words += _below_1000(count) + [name]
    thousands, n = divmod(n, 1000)
    if thousands == 1:
        words.append("seribu")
    elif thousands:
        words += _below_1000(thousands) + ["ribu"]
    words += _below_1000(n)
    return " ".join(words)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (3, "tiga"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (100, "seratus"),
        (101, "seratus satu"),
        (111, "seratus sebelas"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (2024, "dua ribu dua puluh empat"),
        (101_000, "seratus satu ribu"),
        (1_000_000, "satu juta"),
        (1_001_000, "satu juta seribu"),
        (1_001_001_000, "satu miliar satu juta seribu"),
        (1_000_001_000, "satu miliar seribu"),
        (1_000_000_001_000, "satu triliun seribu"),
        (21_000, "dua puluh satu ribu"),
    ],
)
def test_terbilang_values(n: int, words: str) -> None:
    assert terbilang(n) == words


def test_terbilang_matches_reference_0_to_25000() -> None:
    for n in range(25_001):
        assert terbilang(n) == _reference(n), n


def test_terbilang_matches_reference_large() -> None:
    samples = [10**6 + k for k in (0, 1, 999, 1000, 1001, 1999, 100_000, 101_000, 999_999)]
    samples += [7 * 10**9 + 1_001_001, 12_345_678_901, 999_999_999_999, 1_000_000_000_000]
    for n in samples:
        assert terbilang(n) == _reference(n), n


def test_terbilang_string_input() -> None:
    assert terbilang("3") == "tiga"
    assert terbilang(" 11 ") == "sebelas"
    assert terbilang("1.500") == "seribu lima ratus"
    assert terbilang("1.000.000") == "satu juta"


@pytest.mark.parametrize("bad", ["1,5", "1.5", "tiga", "", 1.5, None, True])
def test_terbilang_refuses_non_integers(bad: object) -> None:
    with pytest.raises(NumeralError):
        terbilang(bad)  # type: ignore[arg-type]


def test_terbilang_kapital_and_negative() -> None:
    assert terbilang(3, kapital=True) == "Tiga"
    assert terbilang(21, kapital=True) == "Dua puluh satu"
    assert terbilang(-5) == "minus lima"


def test_angka_terbilang() -> None:
    assert angka_terbilang(3) == "3 (tiga)"
    assert angka_terbilang(3, kapital=True) == "3 (Tiga)"
    assert angka_terbilang(1500) == "1.500 (seribu lima ratus)"
    assert angka_terbilang(1_001_000) == "1.001.000 (satu juta seribu)"
    assert angka_terbilang(2024, pemisah_ribuan=False) == "2024 (dua ribu dua puluh empat)"


def _from_roman(text: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for a, b in zip(text, text[1:] + " "):
        v = values[a]
        total += -v if b != " " and values[b] > v else v
    return total


_CANONICAL = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")


def test_romawi_known_values() -> None:
    assert [romawi(m) for m in range(1, 13)] == [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ]
    assert romawi(1994) == "MCMXCIV"
    assert romawi(2024) == "MMXXIV"
    assert romawi(3999) == "MMMCMXCIX"


def test_romawi_all_values_round_trip_and_are_canonical() -> None:
    seen = set()
    for n in range(1, 4000):
        text = romawi(n)
        assert _CANONICAL.fullmatch(text), text
        assert _from_roman(text) == n
        seen.add(text)
    assert len(seen) == 3999


@pytest.mark.parametrize("bad", [0, -1, 4000, True, 2.0, "x"])
def test_romawi_out_of_range(bad: object) -> None:
    with pytest.raises(NumeralError) as info:
        romawi(bad)  # type: ignore[arg-type]
    assert isinstance(info.value, SopdocsError) and isinstance(info.value, ValueError)
