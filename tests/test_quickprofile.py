"""The quick profile read (no pydantic) never accepts what the full model refuses, and
holds the same values when it accepts (sopdocs.definitions.quickprofile)."""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path
from typing import Any, Iterator

import pydantic
import pytest
from pydantic import BaseModel

from sopdocs.definitions.profile import AgencyProfile, load_profile
from sopdocs.definitions.quickprofile import NumberingProfile, load_numbering_profile, quick_read
from sopdocs.definitions.yamlload import load_yaml
from sopdocs.errors import ValidationError
from sopdocs.numbering.rules import rule_for

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "profil.yaml"

#: Values tried in every field: other types, bounds, odd texts, dates, lists, mappings.
POOL: list[Any] = [
    None, True, False, 0, 1, -1, 3, 8, 9, 0.5, 2.5, 6.0, 6.5, 7.0, 14.0, 24.5, 1.5, float("nan"), float("inf"),
    "", "  teks  ", "3", "2.5", "true", "A4", "F4", "tahunan", "bulanan", "bersama", "per_klasifikasi", "titik2",
    "huruf", "B", "SR", "Arial", "Times New Roman", "bawah", "musnah", "dinilai kembali", "- {halaman} -",
    "{halaman}{x}", "hal {halaman}", "x\x01y", "19720319 198003 1 001", 197203191980031001, "02 Januari 2024",
    "2024-02-30", dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4), [], ["a", 1], [None], [{"a": 1}],
    ["02 Januari 2024"], {}, {"a": 1}, {"x": "y"}, {1: "a"}, {dt.date(2024, 6, 20): "Hari jadi"},
    {"kode": "800"}, {"aktif": 1, "inaktif": 2, "nasib_akhir": "musnah"}, {"biasa": 3},
]
MISSING = object()


def example() -> dict[str, Any]:
    data = load_yaml(EXAMPLE).data
    assert isinstance(data, dict)
    return data


def field_paths(model: type[BaseModel], data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every field of ``model`` (and of the models inside it, also those in mappings that
    ``data`` fills), plus an unknown key in each."""
    yield (*path, "kunci_asing")
    for name, info in model.model_fields.items():
        if name == "base_dir":
            continue
        yield (*path, name)
        inner = data.get(name) if isinstance(data, dict) else None
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from field_paths(annotation, inner if isinstance(inner, dict) else {}, (*path, name))
        args = getattr(annotation, "__args__", ())
        if isinstance(inner, dict) and len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], BaseModel):
            for key, value in inner.items():
                yield from field_paths(args[1], value, (*path, name, key))


def with_value(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    target = out
    for part in path[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = {}
            target[part] = child
        target = child
    if value is MISSING:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return out


def model_values(data: dict[str, Any]) -> dict[str, Any] | None:
    """The model's values of ``data`` (dates as text, as it dumps them), or None if it refuses."""
    try:
        profile = AgencyProfile.model_validate({**data, "base_dir": EXAMPLE.parent})
    except pydantic.ValidationError:
        return None
    return profile.model_dump(exclude={"base_dir"})


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right))
    return type(left) is type(right) and left == right


def test_the_example_is_read_quickly_with_the_models_values() -> None:
    data = example()
    quick = quick_read(data)
    assert quick is not None
    full = model_values(data)
    assert full is not None and same(plain(quick), full)


def test_what_the_quick_read_accepts_the_model_accepts_with_equal_values() -> None:
    base = example()
    paths = list(field_paths(AgencyProfile, base))
    assert ("penomoran", "jenis", "surat-tugas", "lebar") in paths and ("tata_letak", "margin", "kiri") in paths
    accepted = refused_by_both = 0
    for path in paths:
        for value in [MISSING, *POOL]:
            data = with_value(base, path, value)
            quick = quick_read(data)
            full = model_values(data)
            if quick is None:
                refused_by_both += full is None
                continue
            assert full is not None, (path, value)
            assert same(plain(quick), full), (path, value, plain(quick), full)
            accepted += 1
    assert accepted > 300 and refused_by_both > 300  # both sides were exercised


def test_the_whole_file_as_another_type_is_left_to_the_model() -> None:
    for data in (None, [], "teks", 3):
        assert quick_read(data) is None


def test_a_plain_profile_skips_the_model_with_the_same_rule_and_warnings() -> None:
    quick, warnings = load_numbering_profile(EXAMPLE)
    full, full_warnings = load_profile(EXAMPLE)
    assert isinstance(quick, NumberingProfile)
    assert [str(w) for w in warnings] == [str(w) for w in full_warnings] and warnings  # the NIP warning
    for kind in ("surat-tugas", "sop", "nota-dinas", "surat-undangan"):
        assert rule_for(quick, kind, profile_file=EXAMPLE) == rule_for(full, kind, profile_file=EXAMPLE)
    assert rule_for(quick, "kuesioner", default_code="000.5.2") == rule_for(full, "kuesioner", default_code="000.5.2")


@pytest.mark.parametrize("change", [
    "kertas: A5\n", "penomoran:\n  lebar: 12\n", "tata_letak:\n  margin: {kiri: 6, kanan: 6}\n",
    "kunci_asing: 1\n", "kepala:\n  jabatan: Kepala\n  nama: X\n  nip: 123\n", "logo: tidak-ada.png\n",
    "hari_libur:\n  tambahan: {\"31 Februari 2024\": Libur}\n", "penomoran: [\n", "tata_letak:\n  margin: {kiri: \"3\"}\n",
])
def test_a_bad_or_odd_profile_gets_the_models_answer(tmp_path: Path, change: str) -> None:
    """Appended keys replace the example's (a repeated key is itself a problem, so the
    example's own line is dropped first)."""
    key = change.split(":", 1)[0]
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    kept: list[str] = []
    skipping = False
    for line in lines:
        if line.startswith(f"{key}:"):
            skipping = True
            continue
        if skipping and (line.startswith(" ") or not line.strip()):
            continue
        skipping = False
        kept.append(line)
    path = tmp_path / "profil.yaml"
    path.write_text("".join(kept) + change, encoding="utf-8")
    (tmp_path / "logo.png").write_bytes((EXAMPLE.parent / "logo.png").read_bytes())
    try:
        expected: Any = load_profile(path)
    except ValidationError as error:
        with pytest.raises(ValidationError) as caught:
            load_numbering_profile(path)
        assert str(caught.value) == str(error)
        return
    got, warnings = load_numbering_profile(path)
    assert isinstance(got, AgencyProfile) and got == expected[0]  # odd but valid: the model's own
    assert [str(w) for w in warnings] == [str(w) for w in expected[1]]


def test_a_missing_profile_file_gets_the_same_message(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as full:
        load_profile(tmp_path / "tidak-ada.yaml")
    with pytest.raises(ValidationError) as quick:
        load_numbering_profile(tmp_path / "tidak-ada.yaml")
    assert str(quick.value) == str(full.value)
