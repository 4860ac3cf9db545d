"""The library facade (`sopdocs.api`) used as another Python tool would: no YAML files,
definitions built in memory, documents issued through the same path as the CLI."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLES
from sopdocs import Archive, ValidationError, api

PROFILE = EXAMPLES / "profil.yaml"


def mapping(name: str) -> dict[str, Any]:
    """An example definition as the mapping a tool would build (read here only to have one)."""
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    data.pop("profil", None)
    return data


def staff(n: int) -> dict[str, Any]:
    """One surat tugas for person ``n`` (NIP born 1990-01-01, appointed 2015-03, serial n)."""
    letter = mapping("surat-tugas.yaml")
    letter["kepada"] = [{"nama": f"PEGAWAI {n:03d}", "nip": f"19900101201503{1 + n % 2}{n:03d}",
                         "pangkat": "Penata Muda", "golongan": "III/a", "jabatan": "Pengolah Data"}]
    return letter


def register_rows(root: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(root / "register.sqlite") as conn:
        return [tuple(r) for r in conn.execute("SELECT number, status, document FROM numbers ORDER BY id")]


KINDS = {"surat-tugas": "surat-tugas.yaml", "surat-undangan": "surat-undangan.yaml",
         "kuesioner": "kuesioner-pendataan.yaml", "disposisi": "disposisi.yaml", "sop": "sop-pendataan.yaml"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_validates_from_a_mapping(kind: str) -> None:
    model, warnings = api.definition(kind, mapping(KINDS[kind]))
    assert type(model).__name__.endswith("Definition")
    again, _ = api.definition(kind, model)  # the model itself is accepted too
    assert again.model_dump() == model.model_dump()


def test_a_bad_mapping_gives_the_same_problems_as_the_yaml(tmp_path: Path) -> None:
    from sopdocs.kinds.surattugas import load_surat_tugas

    bad = mapping("surat-tugas.yaml")
    bad["tanggal_mulai"] = "32 Januari 2024"
    bad["kepada"][1]["nip"] = "123"
    del bad["untuk"]
    with pytest.raises(ValidationError) as in_memory:
        api.definition("surat-tugas", bad)
    path = tmp_path / "st.yaml"
    path.write_text(yaml.safe_dump({**bad, "profil": str(PROFILE)}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError) as from_file:
        load_surat_tugas(path)
    assert {(p.field, p.message) for p in in_memory.value.problems} == \
        {(p.field, p.message) for p in from_file.value.problems}
    assert {p.field for p in in_memory.value.problems} >= {"tanggal_mulai", "kepada[2].nip", "untuk"}
    assert all(p.file == "<data>" and p.line is None for p in in_memory.value.problems)


@pytest.mark.parametrize("kind", ["surat-tugas", "surat-undangan"])
def test_issue_numbers_archives_and_reuses_by_key(kind: str, tmp_path: Path) -> None:
    root = tmp_path / "arsip"
    first = api.issue(kind, mapping(KINDS[kind]), profile=PROFILE, archive=root, key="surat-1")
    assert first.ok and first.number and first.reference and first.sha256
    assert first.docx is not None and first.docx.is_file()  # the archived file: no working copy asked
    again = api.issue(kind, mapping(KINDS[kind]), profile=PROFILE, archive=root, key="surat-1")
    assert again.number == first.number
    other = api.issue(kind, mapping(KINDS[kind]), profile=PROFILE, archive=root)
    assert other.number != first.number
    with Archive(root) as archive:
        assert archive.verify().ok
        assert any(hit.number == first.number for hit in archive.search(first.number or "").hits)


def test_a_batch_of_200_with_3_invalid_items_issues_197(tmp_path: Path) -> None:
    root = tmp_path / "arsip"
    items: list[dict[str, Any]] = [staff(n) for n in range(200)]
    items[17]["tanggal_mulai"] = "31 Februari 2024"
    items[88]["kepada"] = []
    items[150]["untuk"] = ""
    seen: list[tuple[int, int]] = []
    results = api.issue_many("surat-tugas", items, profile=api.load_profile(PROFILE), archive=root,
                             case="PENUGASAN-2024", progress=lambda done, total: seen.append((done, total)))
    bad = [r.index for r in results if not r.ok]
    assert bad == [17, 88, 150]
    assert all(r.number is None and r.reference is None for r in results if not r.ok)
    fields = {p.field for r in results if not r.ok for p in r.problems}
    assert {"tanggal_mulai", "kepada", "untuk"} <= fields
    issued = [r for r in results if r.ok]
    assert len(issued) == 197
    numbers = [r.number for r in issued]
    assert numbers == [f"800.1.11.1/{n:03d}/Disnakertrans/2024" for n in range(1, 198)]  # no gap, none spent
    rows = register_rows(root)
    assert len(rows) == 197 and {status for _, status, _ in rows} == {"terpakai"}
    assert all((document or "").startswith("berkas/PENUGASAN-2024/data/") for _, _, document in rows)
    assert seen[-1] == (200, 200) and len(seen) == 200
    with Archive(root) as archive:
        case = archive.case("PENUGASAN-2024")
        assert len(case.items) == 197
        assert {item.main.sha256 for item in case.items} == {r.sha256 for r in issued}
        hits = archive.search('"PEGAWAI 042"').hits
        assert [hit.number for hit in hits] == [results[42].number]


def test_a_batch_that_fails_while_archiving_spends_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "arsip"

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Archive, "file_case", broken)
    with pytest.raises(OSError):
        api.issue_many("surat-tugas", [staff(n) for n in range(5)], profile=PROFILE, archive=root, case="X-2024")
    assert register_rows(root) == []


def test_unnumbered_kinds_are_refused_by_issue() -> None:
    with pytest.raises(Exception, match="tidak bernomor"):
        api.issue("disposisi", mapping("disposisi.yaml"), profile=PROFILE)


def test_profile_from_a_mapping() -> None:
    data = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    data.pop("logo", None)
    profile = api.load_profile(data)
    assert profile.kode_unit == "Disnakertrans" and api.load_profile(profile) is profile
    assert not profile.calendar().is_working_day(dt.date(2024, 1, 1))  # the calendar works from a mapping too
