"""Field types shared by the definition models (dates, NIP, durations, texts).

Each accepts what people write in a YAML file ("02 Januari 2024", "19720319 198003 1 001",
"1 jam 30 menit") and stores a clean value; a wrong value becomes a validation problem
on that field. The conversions themselves are in :mod:`sopdocs.definitions.converters`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from sopdocs.definitions.converters import to_durasi, to_nip, to_tanggal, to_text, to_text_list
from sopdocs.indonesian.durasi import Durasi


Tanggal = Annotated[
    dt.date,
    BeforeValidator(to_tanggal),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "description": 'tanggal, mis. "02 Januari 2024" atau "2024-01-02"'}),
]
Nip = Annotated[
    str,
    BeforeValidator(to_nip),
    WithJsonSchema({"type": "string", "description": "NIP 18 angka, boleh berspasi: 19720319 198003 1 001"}),
]
Waktu = Annotated[
    Durasi,
    BeforeValidator(to_durasi),
    PlainSerializer(lambda d: str(d), return_type=str),
    WithJsonSchema({"type": "string", "description": 'lama kegiatan, mis. "1 jam", "30 menit", "1 jam 30 menit", "2 hari"'}),
]
Teks = Annotated[str, BeforeValidator(to_text), WithJsonSchema({"type": "string"})]
DaftarTeks = Annotated[
    list[str],
    BeforeValidator(to_text_list),
    WithJsonSchema({"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}),
]
