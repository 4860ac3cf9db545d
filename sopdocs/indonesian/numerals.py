"""Roman numerals (months in document numbers) and Indonesian number words.

``terbilang`` uses num2words (lang="id") and fixes its one quirk found: a thousands
group of exactly one after a larger unit comes out as "satu ribu"
(1_001_000 -> "satu juta satu ribu") where Indonesian says "seribu".
Negative numbers are written "minus ..." (num2words says "min").
"""

from __future__ import annotations

import re

from num2words import num2words

from sopdocs.errors import SopdocsError


class NumeralError(SopdocsError, ValueError):
    """A number that cannot be written as asked (e.g. Roman 0 or 4000)."""


_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)
_SCALES = frozenset({
    "juta", "miliar", "triliun", "kuadriliun", "kuantiliun", "sekstiliun",
    "septiliun", "oktiliun", "noniliun", "desiliun",
})
_DIGITS = re.compile(r"-?\d+")
_GROUPED = re.compile(r"-?\d{1,3}(?:\.\d{3})+")  # Indonesian thousands dots: 1.000.000


def _as_int(n: int | str, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, str)):
        raise NumeralError(f"{what}: {n!r} bukan bilangan bulat")
    if isinstance(n, int):
        return n
    text = n.strip().replace(" ", "")
    if _DIGITS.fullmatch(text):
        return int(text)
    if _GROUPED.fullmatch(text):
        return int(text.replace(".", ""))
    raise NumeralError(f'{what}: "{n}" bukan bilangan bulat')


def romawi(n: int) -> str:
    """Roman numeral for 1..3999 (``romawi(7) == "VII"``)."""
    value = _as_int(n, "angka romawi")
    if not 1 <= value <= 3999:
        raise NumeralError(f"angka romawi hanya untuk 1 sampai 3999, bukan {value}")
    parts = []
    for unit, letters in _ROMAN:
        count, value = divmod(value, unit)
        parts.append(letters * count)
    return "".join(parts)


def terbilang(n: int | str, *, kapital: bool = False) -> str:
    """Indonesian words for an integer: 3 -> "tiga", 1000 -> "seribu".

    ``kapital`` capitalises the first letter only ("Dua puluh satu").
    """
    value = _as_int(n, "terbilang")
    words = num2words(abs(value), lang="id").split()
    for i in range(len(words) - 1):
        if words[i] == "satu" and words[i + 1] == "ribu" and (i == 0 or words[i - 1] in _SCALES):
            words[i : i + 2] = ["seribu", ""]
    text = " ".join(w for w in words if w)
    if value < 0:
        text = f"minus {text}"
    return text[:1].upper() + text[1:] if kapital else text


def angka_terbilang(n: int | str, *, kapital: bool = False, pemisah_ribuan: bool = True) -> str:
    """``"3 (tiga)"``; ``"1.500 (seribu lima ratus)"`` with Indonesian thousands dots
    unless ``pemisah_ribuan`` is False (years, codes)."""
    value = _as_int(n, "terbilang")
    digits = f"{value:,}".replace(",", ".") if pemisah_ribuan else str(value)
    return f"{digits} ({terbilang(value, kapital=kapital)})"
