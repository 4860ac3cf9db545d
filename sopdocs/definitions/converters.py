"""The conversions behind the field types (:mod:`sopdocs.definitions.fieldtypes`), without pydantic.

Each takes what people write in a YAML file and returns the clean value, or raises
``ValueError`` with the message the field gets. The pydantic field types wrap them; the
quick profile read (:mod:`sopdocs.definitions.quickprofile`) calls them directly, so both
give the same values.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sopdocs.errors import SopdocsError

if TYPE_CHECKING:
    from sopdocs.indonesian.durasi import Durasi

#: Control characters a definition's text may hold: tab and line breaks; any other is
#: refused (it would be dropped silently from the document, or break a number or a name).
ALLOWED_CONTROLS = frozenset("\t\n\r")


def to_tanggal(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, (str, int)):
        raise ValueError("harus berupa tanggal, mis. 02 Januari 2024")
    from sopdocs.indonesian.dates import parse_tanggal

    try:
        return parse_tanggal(str(value))
    except SopdocsError as exc:
        raise ValueError(str(exc)) from None


def to_nip(value: Any) -> str:
    from sopdocs.indonesian.nip import check_nip, normalise_nip

    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("NIP harus berupa 18 angka")
    check = check_nip(value)
    if check.errors:
        raise ValueError("; ".join(check.errors))
    return normalise_nip(value)


def to_durasi(value: Any) -> Durasi:
    from sopdocs.indonesian.durasi import Durasi, parse_durasi

    if isinstance(value, Durasi):
        return value
    if not isinstance(value, str):
        raise ValueError('waktu harus ditulis seperti "1 jam", "30 menit", "1 jam 30 menit"')
    try:
        return parse_durasi(value)
    except SopdocsError as exc:
        raise ValueError(str(exc)) from None


def no_controls(text: str) -> str:
    for char in text:
        if (char < " " or "\x7f" <= char <= "\x9f") and char not in ALLOWED_CONTROLS:
            raise ValueError(f"berisi karakter kendali U+{ord(char):04X} yang tidak boleh ada dalam teks")
    return text


def to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise ValueError("harus berupa teks")
    return no_controls(str(value).strip())


def to_text_list(value: Any) -> list[str]:
    """A list of texts; a single text or nothing is accepted too (empty list)."""
    if value is None or value == "":
        return []
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [no_controls(str(value).strip())]
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, (dict, list)) or item is None or isinstance(item, bool):
                raise ValueError("setiap butir daftar harus berupa teks")
            out.append(no_controls(str(item).strip()))
        return out
    raise ValueError("harus berupa daftar teks")
