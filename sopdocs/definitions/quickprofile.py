"""The agency profile read without pydantic, for the commands that only number documents.

``sopdocs number take`` and ``reserve`` start often and need little of the profile (the
unit code and ``penomoran``), but they must accept and refuse a profile exactly as every
other command does. :func:`load_numbering_profile` therefore reads the file with the same
bounded YAML loader and checks every key with the same conversions
(:mod:`sopdocs.definitions.converters`), limits and cross-field checks
(:mod:`sopdocs.definitions.profilechecks`) as the full model
(:class:`sopdocs.definitions.profile.AgencyProfile`); it only ever says "surely valid".
Whatever it cannot vouch for (an unknown key, a value of another type the model might
coerce, a value out of range, a failed check) goes to the full model, which accepts it or
gives its message. Only a plainly written, valid profile skips the model (and the cost
of importing pydantic and building it).

``tests/test_quickprofile.py`` keeps the two in step: for every field of the model and a
pool of awkward values, what the quick read accepts the model accepts, with equal values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from sopdocs.definitions.converters import to_nip, to_tanggal, to_text, to_text_list
from sopdocs.errors import Problem

if TYPE_CHECKING:
    from sopdocs.definitions.profile import AgencyProfile

Reset = Literal["tahunan", "bulanan"]
Scope = Literal["per_klasifikasi", "bersama"]
InsertStyle = Literal["titik", "titik2", "huruf"]


class KindNumbering(NamedTuple):
    """``penomoran.jenis.<kind>`` (unset fields fall back to ``penomoran``)."""

    kode: str
    pola: str | None = None
    lebar: int | None = None
    reset: Reset | None = None
    lingkup: Scope | None = None
    sisipan: InsertStyle | None = None
    keamanan: str | None = None


class Numbering(NamedTuple):
    """``penomoran``: the profile-wide numbering settings and the kinds' own."""

    pola: str
    lebar: int
    reset: Reset
    lingkup: Scope
    sisipan: InsertStyle
    jenis: dict[str, KindNumbering]


class NumberingProfile(NamedTuple):
    """What numbering needs of a profile (the fields of the same names of AgencyProfile)."""

    kode_unit: str
    base_dir: Path
    penomoran: Numbering


def load_numbering_profile(path: Path) -> tuple[NumberingProfile | AgencyProfile, list[Problem]]:
    """The profile in ``path`` and its warnings: a :class:`NumberingProfile` when the quick
    read vouches for the whole file, else the full :class:`AgencyProfile` (or its
    :class:`~sopdocs.errors.ValidationError`, exactly as :func:`load_profile` gives it)."""
    from sopdocs.definitions.yamlload import load_yaml

    doc = load_yaml(Path(path))
    base_dir = Path(path).resolve().parent
    quick = quick_read(doc.data)
    if quick is not None:
        from sopdocs.definitions.profilechecks import check_profile, logo_path

        problems = check_profile(doc, nip=quick["kepala"]["nip"], logo=logo_path(base_dir, quick["logo"]),
                                 paper=quick["kertas"], margin=quick["tata_letak"]["margin"],
                                 extra_holidays=quick["hari_libur"]["tambahan"])
        if not any(problem.severity == "error" for problem in problems):
            return _numbering(quick, base_dir), problems
    from sopdocs.definitions.profile import profile_from_document

    return profile_from_document(doc, base_dir)


def quick_read(data: Any) -> dict[str, Any] | None:
    """Every field of a profile with its value as the model would hold it (defaults filled
    in), or None when the quick read cannot vouch for ``data``."""
    if not isinstance(data, dict):
        return None
    data = {key: value for key, value in data.items() if key != "base_dir"}  # the loader sets it
    try:
        result: dict[str, Any] = _PROFILE(data)
    except _Unsure:
        return None
    return result


def _numbering(quick: Mapping[str, Any], base_dir: Path) -> NumberingProfile:
    numbering = dict(quick["penomoran"])
    numbering["jenis"] = {kind: KindNumbering(**entry) for kind, entry in numbering["jenis"].items()}
    return NumberingProfile(kode_unit=quick["kode_unit"], base_dir=base_dir, penomoran=Numbering(**numbering))


# --------------------------------------------------------------------------- the checks
# Each takes a value as YAML gave it and returns it as the model would hold it, or raises
# _Unsure. They accept only what the model surely accepts the same way; the model's lax
# conversions (a text "3" for a number, true for 1.0) are left to the model.


class _Unsure(Exception):
    """The quick read cannot vouch for a value: the full model decides."""


Check = Callable[[Any], Any]
#: The default of a field that has to be given.
REQUIRED: Any = object()


def _text(value: Any) -> str:
    try:
        return to_text(value)
    except ValueError:
        raise _Unsure from None


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Unsure
    return _text(value)


def _texts(value: Any) -> list[str]:
    try:
        return to_text_list(value)
    except ValueError:
        raise _Unsure from None


def _nip_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise _Unsure
    try:
        return to_nip(value)
    except ValueError:
        raise _Unsure from None


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Unsure
    return value


def _choice(*choices: str, optional: bool = False) -> Check:
    def check(value: Any) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, str) or value not in choices:
            raise _Unsure
        return value
    return check


def _whole(low: int | None = None, high: int | None = None, *, optional: bool = False) -> Check:
    def check(value: Any) -> int | None:
        if value is None and optional:
            return None
        if type(value) is not int or (low is not None and value < low) or (high is not None and value > high):
            raise _Unsure
        return value
    return check


def _number(low: float, high: float) -> Check:
    def check(value: Any) -> float:
        if type(value) not in (int, float) or not math.isfinite(value) or not low <= value <= high:
            raise _Unsure
        return float(value)
    return check


def _dates(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _Unsure
    try:
        return [to_tanggal(item) for item in value]
    except ValueError:
        raise _Unsure from None


def _holiday_names(value: Any) -> dict[str, str]:
    """``hari_libur.tambahan``: its keys become texts before anything else (as the model's
    own validator does)."""
    if not isinstance(value, dict):
        raise _Unsure
    return {str(key): _text(name) for key, name in value.items()}


def _page_form(value: Any) -> str:
    """``tata_letak.nomor_halaman``: a text, then the model's own check of it."""
    from sopdocs.definitions.profilechecks import check_page_form

    try:
        return check_page_form(_text(value))
    except ValueError:
        raise _Unsure from None


def _mapping(values: Check, keys: Check | None = None) -> Check:
    def check(value: Any) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise _Unsure
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unsure
            out[keys(key) if keys is not None else key] = values(item)
        return out
    return check


def _model(fields: dict[str, tuple[Check, Any]]) -> Check:
    """A nested model (extra keys forbidden): every field checked, defaults filled in."""
    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or any(not isinstance(key, str) or key not in fields for key in value):
            raise _Unsure
        out = {}
        for name, (field_check, default) in fields.items():
            if name in value:
                out[name] = field_check(value[name])
            elif default is REQUIRED:
                raise _Unsure
            else:
                out[name] = default() if callable(default) else default
        return out
    return check


def _empty_dict() -> dict[str, Any]:
    return {}


def _empty_list() -> list[Any]:
    return []


# The fields of AgencyProfile and its parts (sopdocs.definitions.profile), in its order.
_MARGIN = _model({
    "atas": (_number(0.5, 6.0), 2.0),
    "bawah": (_number(0.5, 6.0), 2.5),
    "kiri": (_number(0.5, 6.0), 3.0),
    "kanan": (_number(0.5, 6.0), 2.0),
})
_KOP_SIZES = _model({
    "pemerintah": (_number(8.0, 24.0), 14.0),
    "instansi": (_number(8.0, 24.0), 16.0),
    "alamat": (_number(7.0, 14.0), 10.0),
})
_LAYOUT = _model({
    "font": (_choice("Arial", "Times New Roman", "Bookman Old Style"), "Arial"),
    "ukuran_font": (_number(9.0, 14.0), 12.0),
    "margin": (_MARGIN, lambda: _MARGIN({})),
    "ukuran_kop": (_KOP_SIZES, lambda: _KOP_SIZES({})),
    "nomor_halaman": (_page_form, "- {halaman} -"),
    "posisi_nomor_halaman": (_choice("atas", "bawah"), "atas"),
})
_VERIFICATION = _model({"url": (_text, "")})
_DATE_STYLE = _model({"nol_di_depan": (_flag, False), "dengan_hari": (_flag, False)})
_OFFICIAL = _model({
    "jabatan": (_text, REQUIRED),
    "nama": (_text, REQUIRED),
    "nip": (_nip_or_none, None),
    "pangkat": (_text, ""),
    "golongan": (_text, ""),
})
_HOLIDAYS = _model({
    "cuti_bersama": (_flag, True),
    "tambahan": (_holiday_names, _empty_dict),
    "hari_kerja_tambahan": (_dates, _empty_list),
})
_KIND_RULE = _model({
    "kode": (_text, REQUIRED),
    "pola": (_text_or_none, None),
    "lebar": (_whole(1, 8, optional=True), None),
    "reset": (_choice("tahunan", "bulanan", optional=True), None),
    "lingkup": (_choice("per_klasifikasi", "bersama", optional=True), None),
    "sisipan": (_choice("titik", "titik2", "huruf", optional=True), None),
    "keamanan": (_choice("B", "T", "R", "SR", optional=True), None),
})
_NUMBERING = _model({
    "pola": (_text, "{kode}/{nomor}/{unit}/{tahun}"),
    "lebar": (_whole(1, 8), 3),
    "reset": (_choice("tahunan", "bulanan"), "tahunan"),
    "lingkup": (_choice("per_klasifikasi", "bersama"), "per_klasifikasi"),
    "sisipan": (_choice("titik", "titik2", "huruf"), "titik"),
    "jenis": (_mapping(_KIND_RULE), _empty_dict),
})
_RETENTION = _model({
    "aktif": (_whole(0), REQUIRED),
    "inaktif": (_whole(0), REQUIRED),
    "nasib_akhir": (_choice("musnah", "dinilai kembali", "permanen"), REQUIRED),
})
_PROFILE = _model({
    "pemerintah": (_texts, REQUIRED),
    "instansi": (_texts, REQUIRED),
    "alamat": (_text, REQUIRED),
    "telepon": (_text, ""),
    "faksimile": (_text, ""),
    "email": (_text, ""),
    "laman": (_text, ""),
    "kode_pos": (_text, ""),
    "logo": (_text, ""),
    "kode_unit": (_text, REQUIRED),
    "kota": (_text, REQUIRED),
    "kertas": (_choice("A4", "F4"), "A4"),
    "tata_letak": (_LAYOUT, lambda: _LAYOUT({})),
    "verifikasi": (_VERIFICATION, lambda: _VERIFICATION({})),
    "gaya_tanggal": (_DATE_STYLE, lambda: _DATE_STYLE({})),
    "kepala": (_OFFICIAL, REQUIRED),
    "hari_libur": (_HOLIDAYS, lambda: _HOLIDAYS({})),
    "penomoran": (_NUMBERING, lambda: _NUMBERING({})),
    "retensi": (_mapping(_RETENTION), _empty_dict),
    "tenggat_disposisi": (_mapping(_whole(), keys=_choice("sangat_segera", "segera", "biasa", "rahasia")),
                          _empty_dict),
    "catatan": (_text, ""),
})
