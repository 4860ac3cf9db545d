from __future__ import annotations

import pytest

from sopdocs.indonesian.durasi import Durasi, DurasiError, parse_durasi
from sopdocs.errors import SopdocsError

SEED_WAKTU = ["1 jam", "4 jam", "7 jam", "30 menit", "1 jam", "1 jam", "10 menit", "3 menit"]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1 jam", 60),
        ("1 Jam", 60),
        ("1 JAM", 60),
        ("30 menit", 30),
        ("1 jam 30 menit", 90),
        ("1 jam, 30 menit", 90),
        ("1 jam dan 30 menit", 90),
        ("1,5 jam", 90),
        ("1.5 jam", 90),
        ("0,25 jam", 15),
        ("2 jam 15 menit", 135),
        ("10 mnt", 10),
        ("10 mnt.", 10),
        ("1jam", 60),
        ("2 hari", 2 * 450),
        ("3 hari kerja", 3 * 450),
        ("1,5 hari", 675),
        ("2 hari 3 jam", 2 * 450 + 180),
        ("1 minggu", 5 * 450),
        ("2 x 24 jam", 48 * 60),
        ("2x24 jam", 48 * 60),
        ("± 1 jam", 60),
        ("±30 menit", 30),
        ("kurang lebih 2 jam", 120),
        ("0 menit", 0),
        ("  1   jam  ", 60),
    ],
)
def test_parse(text: str, minutes: int) -> None:
    assert parse_durasi(text) == Durasi(minutes)


def test_hours_per_day_is_a_parameter() -> None:
    assert parse_durasi("1 hari", jam_per_hari=8) == Durasi(480)
    assert parse_durasi("1 minggu", jam_per_hari=8) == Durasi(5 * 480)
    assert parse_durasi("1 jam", jam_per_hari=8) == Durasi(60)
    with pytest.raises(ValueError):
        parse_durasi("1 hari", jam_per_hari=0)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "durasi kosong"),
        ("abc", "tidak terbaca"),
        ("jam", "tidak terbaca"),
        ("1-2 jam", "tidak terbaca"),
        ("1.000 menit", "tidak terbaca"),
        ("2 jem", 'satuan "jem" tidak dikenal'),
        ("5 detik", 'satuan "detik" tidak dikenal'),
        ("1 jam 2 jam", 'satuan "jam" disebut dua kali'),
        ("1 jam 30 mnt 5 menit", 'satuan "menit" disebut dua kali'),
        ("1,3 menit", "bukan jumlah menit yang bulat"),
        ("1 jam lalu", "tidak terbaca"),
    ],
)
def test_refused(text: str, fragment: str) -> None:
    with pytest.raises(DurasiError, match=fragment) as info:
        parse_durasi(text, field="langkah[3].waktu")
    message = str(info.value)
    assert message.startswith("langkah[3].waktu: ")
    if text:
        assert f'"{text}"' in message
    assert isinstance(info.value, SopdocsError) and isinstance(info.value, ValueError)


def test_non_text_refused() -> None:
    with pytest.raises(DurasiError, match="bukan durasi"):
        parse_durasi(60)  # type: ignore[arg-type]
    assert parse_durasi(Durasi(5)) == Durasi(5)


def test_seed_total_is_14_jam_43_menit() -> None:
    total = sum(parse_durasi(t) for t in SEED_WAKTU)
    assert total == Durasi(14 * 60 + 43)
    assert str(total) == "14 jam 43 menit"
    assert total.format("hari") == "1 hari 7 jam 13 menit"
    assert total.format("hari", jam_per_hari=8) == "1 hari 6 jam 43 menit"
    assert total.format("menit") == "883 menit"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "0 menit"), (30, "30 menit"), (60, "1 jam"), (61, "1 jam 1 menit"),
     (883, "14 jam 43 menit"), (48 * 60, "48 jam")],
)
def test_str(minutes: int, text: str) -> None:
    assert str(Durasi(minutes)) == text


def test_format_with_days() -> None:
    assert Durasi(2 * 450 + 180).format("hari") == "2 hari 3 jam"
    assert Durasi(450).format("hari") == "1 hari"
    assert Durasi(450 + 5).format("hari") == "1 hari 5 menit"
    assert Durasi(30).format("hari") == "30 menit"
    assert Durasi(0).format("hari") == "0 menit"
    with pytest.raises(ValueError):
        Durasi(60).format("tahun")  # type: ignore[arg-type]


def test_format_round_trips_through_parse() -> None:
    for minutes in range(0, 3000, 7):
        d = Durasi(minutes)
        assert parse_durasi(str(d)) == d
        assert parse_durasi(d.format("hari")) == d


def test_addition_and_order() -> None:
    assert Durasi(60) + Durasi(30) == Durasi(90)
    assert sum([Durasi(1), Durasi(2)], Durasi(0)) == Durasi(3)
    assert sum([], Durasi(0)) == Durasi(0)
    assert Durasi(30) < Durasi(60)
    with pytest.raises(TypeError):
        Durasi(1) + 5  # type: ignore[operator]


@pytest.mark.parametrize("bad", [-1, 1.5, True, "60"])
def test_durasi_value_checked(bad: object) -> None:
    with pytest.raises(ValueError):
        Durasi(bad)  # type: ignore[arg-type]
