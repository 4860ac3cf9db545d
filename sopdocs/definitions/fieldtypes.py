"""Field types shared by the definition models (dates, NIP, durations, texts).

Each accepts what people write in a YAML file ("02 Januari 2024", "19720319 198003 1 001",
"1 jam 30 menit") and stores a clean value; a wrong value becomes a validation problem
on that field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from sopdocs.indonesian.dates import parse_tanggal
from sopdocs.indonesian.durasi import Durasi, parse_durasi
from sopdocs.errors import SopdocsError
from sopdocs.indonesian.nip import check_nip, normalise_nip


def _tanggal(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, (str, int)):
        raise ValueError("harus berupa tanggal, mis. 02 Januari 2024")
    try:
        return parse_tanggal(str(value))
    except SopdocsError as exc:
        raise ValueError(str(exc)) from None


def _nip(value: Any) -> str:
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("NIP harus berupa 18 angka")
    check = check_nip(value)
    if check.errors:
        raise ValueError("; ".join(check.errors))
    return normalise_nip(value)


def _durasi(value: Any) -> Durasi:
    if isinstance(value, Durasi):
        return value
    if not isinstance(value, str):
        raise ValueError('waktu harus ditulis seperti "1 jam", "30 menit", "1 jam 30 menit"')
    try:
        return parse_durasi(value)
    except SopdocsError as exc:
        raise ValueError(str(exc)) from None


#: Control characters a definition's text may hold: tab and line breaks; any other is
#: refused (it would be dropped silently from the document, or break a number or a name).
ALLOWED_CONTROLS = frozenset("\t\n\r")


def _no_controls(text: str) -> str:
    for char in text:
        if (char < " " or "\x7f" <= char <= "\x9f") and char not in ALLOWED_CONTROLS:
            raise ValueError(f"berisi karakter kendali U+{ord(char):04X} yang tidak boleh ada dalam teks")
    return text


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise ValueError("harus berupa teks")
    return _no_controls(str(value).strip())


def _text_list(value: Any) -> list[str]:
    """A list of texts; a single text or nothing is accepted too (empty list)."""
    if value is None or value == "":
        return []
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [_no_controls(str(value).strip())]
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, (dict, list)) or item is None or isinstance(item, bool):
                raise ValueError("setiap butir daftar harus berupa teks")
            out.append(_no_controls(str(item).strip()))
        return out
    raise ValueError("harus berupa daftar teks")


Tanggal = Annotated[
    dt.date,
    BeforeValidator(_tanggal),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "description": 'tanggal, mis. "02 Januari 2024" atau "2024-01-02"'}),
]
Nip = Annotated[
    str,
    BeforeValidator(_nip),
    WithJsonSchema({"type": "string", "description": "NIP 18 angka, boleh berspasi: 19720319 198003 1 001"}),
]
Waktu = Annotated[
    Durasi,
    BeforeValidator(_durasi),
    PlainSerializer(lambda d: str(d), return_type=str),
    WithJsonSchema({"type": "string", "description": 'lama kegiatan, mis. "1 jam", "30 menit", "1 jam 30 menit", "2 hari"'}),
]
Teks = Annotated[str, BeforeValidator(_text), WithJsonSchema({"type": "string"})]
DaftarTeks = Annotated[
    list[str],
    BeforeValidator(_text_list),
    WithJsonSchema({"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}),
]
