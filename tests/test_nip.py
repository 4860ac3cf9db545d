from __future__ import annotations

from datetime import date

import pytest

from sopdocs.errors import SopdocsError
from sopdocs.indonesian.nip import NipCheck, NipError, check_nip, format_nip, normalise_nip

TODAY = date(2024, 1, 2)
SEED = "197203191980031001"  # the seed SOP's Kepala Dinas
GOOD = "198503152010012003"  # born 15 Mar 1985, appointed Jan 2010, woman, serial 003


@pytest.mark.parametrize(
    "text",
    [
        SEED,
        int(SEED),
        "19720319 198003 1 001",
        "19720319.198003.1.001",
        "19720319-198003-1-001",
        " 19720319  198003 1 001 ",
        "NIP. 19720319 198003 1 001",
        "nip: 197203191980031001",
        "NIP 19720319 198003 1 001",
    ],
)
def test_normalise_nip(text: str | int) -> None:
    assert normalise_nip(text) == SEED


@pytest.mark.parametrize(
    "bad", ["19720319 198003 1 00l", "KIP 197203191980031001", "\uff11\uff12", -1, None]
)
def test_normalise_nip_refuses(bad: object) -> None:
    with pytest.raises(NipError) as info:
        normalise_nip(bad)  # type: ignore[arg-type]
    assert isinstance(info.value, SopdocsError)


def test_format_nip() -> None:
    assert format_nip(SEED) == "19720319 198003 1 001"
    assert format_nip("19720319.198003.1.001") == "19720319 198003 1 001"
    with pytest.raises(NipError, match="harus 18 angka, ada 17"):
        format_nip("19720319198003100")


def test_good_nip_has_no_findings() -> None:
    result = check_nip(GOOD, today=TODAY)
    assert result == NipCheck(
        nip=GOOD, errors=[], warnings=[], birth=date(1985, 3, 15), appointed=(2010, 1),
        sex="perempuan",
    )
    assert result.ok


def test_seed_nip_warns_but_is_accepted() -> None:
    result = check_nip("19720319 198003 1 001", today=TODAY)
    assert result.ok and result.errors == []
    assert result.birth == date(1972, 3, 19)
    assert result.appointed == (1980, 3)
    assert result.sex == "laki-laki"
    assert len(result.warnings) == 1
    assert "usia 8 tahun" in result.warnings[0]
    assert "19720319 198003 1 001" in result.warnings[0]


def test_age_18_boundary() -> None:
    # born 19 Mar 2000: turns 18 within March 2018 -> no warning; February 2018 -> 17
    assert check_nip("200003192018031001", today=TODAY).warnings == []
    warned = check_nip("200003192018021001", today=TODAY).warnings
    assert len(warned) == 1 and "usia 17 tahun" in warned[0]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("19720319198003100", "harus 18 angka, ada 17"),
        ("1972031919800310011", "harus 18 angka, ada 19"),
        ("", "NIP kosong"),
        ("  ", "NIP kosong"),
        ("19720319 198003 1 0O1", "karakter selain angka"),
        ("197202311980031001", "tanggal lahir 19720231 bukan tanggal yang ada"),
        ("197213011980031001", "tanggal lahir 19721301 bukan tanggal yang ada"),
        ("197203191980001001", "bulan pengangkatan 198000 tidak ada"),
        ("197203191980131001", "bulan pengangkatan 198013 tidak ada"),
        ("197203191980033001", "jenis kelamin 3 harus 1 atau 2"),
        ("197203191980030001", "jenis kelamin 0 harus 1 atau 2"),
    ],
)
def test_errors(text: str, fragment: str) -> None:
    result = check_nip(text, today=TODAY)
    assert not result.ok
    assert any(fragment in e for e in result.errors), result.errors


def test_several_errors_reported_together() -> None:
    result = check_nip("197202311980133001", today=TODAY)
    assert len(result.errors) == 3
    assert result.birth is None and result.appointed is None and result.sex is None


def test_wrong_length_leaves_parts_empty() -> None:
    result = check_nip("1234", today=TODAY)
    assert result.birth is None and result.appointed is None and result.sex is None
    assert result.warnings == []


def test_appointed_in_the_future_is_a_warning() -> None:
    result = check_nip("198503152024021003", today=TODAY)
    assert result.ok
    assert any("2024-02 di masa depan" in w for w in result.warnings)
    assert check_nip("198503152024011003", today=TODAY).warnings == []  # this month: fine


def test_born_in_the_future_is_a_warning() -> None:
    result = check_nip("203001012050011001", today=TODAY)
    assert result.ok
    assert any("tanggal lahir 2030-01-01 di masa depan" in w for w in result.warnings)


def test_appointed_before_birth_is_a_warning() -> None:
    result = check_nip("198503151980011001", today=TODAY)
    assert result.ok
    assert any("sebelum tanggal lahir" in w for w in result.warnings)
