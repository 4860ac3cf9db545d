"""SOP definitions: every problem reported at once, with file, field and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sopdocs.errors import ValidationError
from sopdocs.kinds.schemas import json_schema
from sopdocs.kinds.sop.sopdef import load_sop, sop_from_text

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

MINIMAL = """\
nomor: 000.8.3.3/001/Disnakertrans/2024
nama: CONTOH
tanggal_pembuatan: 02 Januari 2024
tanggal_efektif: 06 Januari 2024
pelaksana: [Kepala Dinas, Staf]
langkah:
  - kegiatan: Memulai
    pelaksana: Staf
    waktu: 1 jam
  - kegiatan: Menilai
    pelaksana: Kepala Dinas
    waktu: 10 menit
    keputusan: {ya: 3, tidak: 1}
  - kegiatan: Selesai
    pelaksana: Staf
    waktu: 5 menit
"""


def errors_of(text: str) -> list:
    with pytest.raises(ValidationError) as info:
        sop_from_text(text, "sop.yaml")
    return info.value.problems


def test_seed_example_loads() -> None:
    sop, warnings = load_sop(EXAMPLES / "sop-pendataan.yaml")
    assert sop.nomor == "061.1/SOP/Disnakertrans/2024"
    assert len(sop.langkah) == 8
    assert str(sop.total_waktu) == "14 jam 43 menit"
    assert sop.langkah[6].keputusan is not None and sop.langkah[6].keputusan.tidak == 6
    assert sop.tanggal_pembuatan.isoformat() == "2024-01-02"
    assert warnings == []


def test_minimal_definition() -> None:
    sop, _ = sop_from_text(MINIMAL)
    assert sop.pelaksana == ["Kepala Dinas", "Staf"]
    assert sop.langkah[1].keputusan.ya == 3


def test_malformed_yaml_names_file_and_line() -> None:
    problems = errors_of(MINIMAL.replace("nama: CONTOH", "nama: [CONTOH"))
    assert len(problems) == 1
    assert problems[0].file == "sop.yaml"
    assert problems[0].line is not None and problems[0].line >= 2
    assert "YAML" in problems[0].message


def test_missing_required_field() -> None:
    problems = errors_of(MINIMAL.replace("nama: CONTOH\n", ""))
    assert [(p.field, p.message) for p in problems] == [("nama", "wajib diisi")]


def test_unknown_actor_with_line() -> None:
    text = MINIMAL.replace("    pelaksana: Kepala Dinas\n", "    pelaksana: Kepala Bidang\n")
    problems = errors_of(text)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.field == "langkah[2].pelaksana"
    assert problem.line == 11
    assert "Kepala Bidang" in problem.message and "Kepala Dinas" in problem.message
    assert str(problem).startswith("sop.yaml:11: langkah[2].pelaksana: ")


def test_every_problem_at_once() -> None:
    text = (
        MINIMAL.replace("waktu: 1 jam", "waktu: sebentar")
        .replace("tanggal_efektif: 06 Januari 2024", "tanggal_efektif: 31 Februari 2024")
        .replace("nama: CONTOH", "nama: CONTOH\nnomer: salah ketik")
    )
    fields = {p.field for p in errors_of(text)}
    assert fields == {"langkah[1].waktu", "tanggal_efektif", "nomer"}


def test_bad_date_message_names_the_date() -> None:
    problems = errors_of(MINIMAL.replace("06 Januari 2024", "31 Februari 2024"))
    assert "31 Februari 2024" in problems[0].message
    assert problems[0].line == 4


def test_decision_target_must_exist() -> None:
    problems = errors_of(MINIMAL.replace("{ya: 3, tidak: 1}", "{ya: 3, tidak: 9}"))
    assert problems[0].field == "langkah[2].keputusan.tidak"
    assert "9" in problems[0].message


def test_duplicate_key_is_reported() -> None:
    problems = errors_of(MINIMAL.replace("nama: CONTOH", "nama: CONTOH\nnama: LAGI"))
    assert problems[0].field == "nama" and problems[0].line == 3


def test_actor_case_mismatch_gets_a_hint() -> None:
    problems = errors_of(MINIMAL.replace("    pelaksana: Kepala Dinas\n", "    pelaksana: kepala dinas\n"))
    assert "maksudnya 'Kepala Dinas'" in problems[0].message


def test_too_many_actors() -> None:
    actors = ", ".join(f"Pelaksana {i}" for i in range(9))
    text = MINIMAL.replace("pelaksana: [Kepala Dinas, Staf]", f"pelaksana: [Kepala Dinas, Staf, {actors}]")
    problems = errors_of(text)
    assert problems[0].field == "pelaksana" and "8" in problems[0].message


def test_implausible_nip_is_a_warning_not_an_error() -> None:
    text = MINIMAL + "disahkan_oleh: {jabatan: Kepala Dinas, nama: Budi, nip: '197203191980031001'}\n"
    sop, warnings = sop_from_text(text, "sop.yaml")
    assert sop.disahkan_oleh.nip == "197203191980031001"
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    assert warnings[0].field == "disahkan_oleh.nip"


def test_invalid_nip_is_an_error() -> None:
    text = MINIMAL + "disahkan_oleh: {jabatan: Kepala Dinas, nama: Budi, nip: '1972'}\n"
    problems = errors_of(text)
    assert problems[0].field == "disahkan_oleh.nip"


def test_json_schema() -> None:
    schema = json.loads(json_schema("sop"))
    assert "langkah" in schema["properties"] and "source" not in schema["properties"]
    assert set(schema["required"]) >= {"nomor", "nama", "pelaksana", "langkah"}


def test_long_identity_item_is_refused_naming_the_field() -> None:
    from sopdocs.kinds.sop.sopdef import MAX_IDENTITY_ITEM_CHARS

    long_item = "Peraturan " + "sangat panjang " * 400  # ~6,000 characters: would spill over pages
    text = MINIMAL + f"dasar_hukum:\n  - Undang-Undang Nomor 1\n  - {long_item}\n"
    problems = errors_of(text)
    assert len(problems) == 1
    assert problems[0].field == "dasar_hukum[2]" and problems[0].line == 19
    assert "dasar_hukum butir 2 terlalu panjang" in problems[0].message and str(MAX_IDENTITY_ITEM_CHARS) in problems[0].message
    # one item at the limit is fine
    ok = MINIMAL + "dasar_hukum:\n  - " + "a" * MAX_IDENTITY_ITEM_CHARS + "\n"
    sop, _ = sop_from_text(ok, "sop.yaml")
    assert len(sop.dasar_hukum[0]) == MAX_IDENTITY_ITEM_CHARS


def test_too_many_identity_items_is_refused() -> None:
    from sopdocs.kinds.sop.sopdef import MAX_IDENTITY_ITEMS

    items = "".join(f"  - Peralatan {i}\n" for i in range(MAX_IDENTITY_ITEMS + 1))
    problems = errors_of(MINIMAL + "peralatan_perlengkapan:\n" + items)
    assert [p.field for p in problems] == ["peralatan_perlengkapan"]
    assert f"paling banyak {MAX_IDENTITY_ITEMS} butir" in problems[0].message


@pytest.mark.parametrize("field", ["dasar_hukum", "peringatan", "kualifikasi_pelaksana"])
def test_blank_list_items_are_refused(field: str) -> None:
    problems = errors_of(MINIMAL + f"{field}:\n  - Ada isinya\n  - '   '\n")
    assert [p.field for p in problems] == [f"{field}[2]"]
    assert "kosong" in problems[0].message


def test_blank_kelengkapan_item_is_refused() -> None:
    text = MINIMAL.replace("    waktu: 1 jam\n", "    waktu: 1 jam\n    kelengkapan: [Komputer, ' ']\n", 1)
    problems = errors_of(text)
    assert [p.field for p in problems] == ["langkah[1].kelengkapan[2]"]
