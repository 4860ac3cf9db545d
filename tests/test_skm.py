"""The public satisfaction index (SKM, Permen PANRB 14/2017) in the recap nota dinas.

The expected figures are worked out by hand below, from the 20 example responses
(examples/jawaban-skm.csv), not with the code under test.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from sopdocs.docx.extract import docx_text
from sopdocs.errors import ValidationError
from sopdocs.kinds.kuesioner.kuesioner import kuesioner_from_text, load_kuesioner
from sopdocs.kinds.kuesioner.skm import IndeksTidakDapatDihitung, indeks_kepuasan, mutu
from conftest import EXAMPLES

UNSUR = ["persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "pengaduan", "sarana"]


def _scores() -> dict[str, list[int]]:
    """The example's answers as scores 1-4, read with the csv module (labels looked up in
    the questionnaire's own label lists)."""
    defn, _ = load_kuesioner(EXAMPLES / "kuesioner-skm.yaml")
    with (EXAMPLES / "jawaban-skm.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert len(rows) == 20
    scores: dict[str, list[int]] = {name: [] for name in UNSUR}
    for row in rows:
        for name in UNSUR:
            cell = row[name].strip()
            if not cell:
                continue
            labels = [label.casefold() for label in defn.question(name).label]
            scores[name].append(int(cell) if cell.isdigit() else labels.index(cell.casefold()) + 1)
    return scores


def test_example_sums_are_those_worked_out_by_hand() -> None:
    scores = _scores()
    totals = {name: 0 for name in UNSUR}
    for name in UNSUR:
        for value in scores[name]:
            totals[name] += value
    # By hand (counts of 4/3/2/1 in each column):
    #   persyaratan 5x4 + 14x3 + 1x2 = 64      prosedur 3x4 + 15x3 + 2x2 = 61
    #   waktu 3x4 + 11x3 + 6x2 = 57            biaya 16x4 + 4x3 = 76
    #   produk 4x4 + 15x3 + 1x2 = 63           kompetensi 6x4 + 14x3 = 66
    #   perilaku 10x4 + 10x3 = 70              sarana 2x4 + 16x3 + 2x2 = 60
    #   pengaduan 2x4 + 11x3 + 5x2 + 1x1 = 52, by 19 respondents (one left it blank)
    assert totals == {"persyaratan": 64, "prosedur": 61, "waktu": 57, "biaya": 76, "produk": 63,
                      "kompetensi": 66, "perilaku": 70, "pengaduan": 52, "sarana": 60}
    assert {name: len(values) for name, values in scores.items()} == {
        **{name: 20 for name in UNSUR}, "pengaduan": 19}


def test_index_of_the_example_is_the_hand_computed_one() -> None:
    scores = _scores()
    spreads = [(name, name, {s: scores[name].count(s) for s in (1, 2, 3, 4)}) for name in UNSUR]
    index = indeks_kepuasan(spreads, 20)
    # By hand: NRR = sum / respondents; weight 1/9 each; IKM = sum of NRR / 9.
    #   eight unsur over 20: (64+61+57+76+63+66+70+60) / 20 = 517 / 20 = 25.85
    #   pengaduan over 19:   52 / 19 = 2.736842...
    #   IKM = (25.85 + 2.736842...) / 9 = 28.586842... / 9 = 3.176315...
    #   converted = 3.176315... x 25 = 79.4078... -> 79,41, in 76,61-88,30: mutu B, kinerja Baik
    assert index.ikm == (Fraction(517, 20) + Fraction(52, 19)) / 9
    assert round(float(index.ikm), 6) == 3.176316
    assert index.konversi == Decimal("79.41")
    assert (index.mutu, index.kinerja) == ("B", "Baik")
    nrr = {u.id: u.nrr for u in index.unsur}
    assert nrr["persyaratan"] == Fraction(16, 5)  # 64/20 = 3.2
    assert nrr["pengaduan"] == Fraction(52, 19)
    assert [u.konversi for u in index.unsur] == [Decimal(v) for v in (
        "80.00", "76.25", "71.25", "95.00", "78.75", "82.50", "87.50", "68.42", "75.00")]  # NRR x 25 each
    assert [u.mutu[0] for u in index.unsur] == ["B", "C", "C", "A", "B", "B", "B", "C", "C"]


def test_cross_check_with_a_published_worked_example() -> None:
    """A worked example of the Permen PANRB 14/2017 method published with the GASPUL
    application (github.com/rennn9/GASPUL_BACKEND, rumus_perhitungan_ikm_lengkap.md):
    29 respondents, nine unsur with totals 105, 101, 100, 116, 102, 105, 106, 105, 115
    (955 in all). Its direct methods give 955 / (29 x 9) x 25 = 91,48, mutu A. (Its table of
    weighted NRR rounds 4,0000 x 0,1111 to 0,4400 and so sums to 3,6224 -> 90,56; the exact
    sum of NRR/9 is 3,6590, as its other two methods say.)"""
    totals = [105, 101, 100, 116, 102, 105, 106, 105, 115]
    spreads = []
    for n, total in enumerate(totals, start=1):
        fours = total - 3 * 29  # 29 answers of 3 or 4 sum to 87 + the number of 4s
        if total == 100:        # U3: 15 x 4 + 12 x 3 + 2 x 2, as the example lists it
            spread = {4: 15, 3: 12, 2: 2}
        else:
            spread = {4: fours, 3: 29 - fours}
        assert sum(s * c for s, c in spread.items()) == total and sum(spread.values()) == 29
        spreads.append((f"u{n}", f"U{n}", spread))
    index = indeks_kepuasan(spreads, 29)
    assert index.ikm == Fraction(955, 29 * 9)
    assert index.konversi == Decimal("91.48")
    assert (index.mutu, index.kinerja) == ("A", "Sangat Baik")


@pytest.mark.parametrize(("value", "grade"), [
    ("100.00", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"), ("65.00", "C"),
    ("64.99", "D"), ("25.00", "D"),
])
def test_grade_intervals_of_the_regulation(value: str, grade: str) -> None:
    assert mutu(Decimal(value))[0] == grade


def test_an_unsur_nobody_answered_gives_no_index() -> None:
    with pytest.raises(IndeksTidakDapatDihitung, match="Biaya"):
        indeks_kepuasan([("a", "Persyaratan", {4: 3}), ("b", "Biaya", {})], 3)


# ----------------------------------------------------------------------------- the definition


_BASE = """
judul: SKM
kegiatan: SKM uji
tahun: 2024
bagian:
  - judul: Penilaian
    pertanyaan:
      - {id: a, jenis: skala, teks: Persyaratan}
      - {id: b, jenis: skala, teks: Prosedur}
      - {id: c, jenis: ya_tidak, teks: Pernah datang sebelumnya}
      - {id: d, jenis: skala, teks: Lima titik, label: [1, 2, 3, 4, 5]}
"""


def test_skm_true_takes_the_four_point_scale_questions_and_refuses_others() -> None:
    with pytest.raises(ValidationError) as info:
        kuesioner_from_text(_BASE + "skm: true\n")
    assert "berskala 4" in str(info.value) and "'d'" in str(info.value)
    defn, _ = kuesioner_from_text(_BASE + "skm: {unsur: [a, b]}\n")
    assert defn.skm is not None
    with pytest.raises(ValidationError, match="harus pertanyaan berjenis skala"):
        kuesioner_from_text(_BASE + "skm: {unsur: [a, c]}\n")
    with pytest.raises(ValidationError, match="tidak ada pertanyaan dengan id 'z'"):
        kuesioner_from_text(_BASE + "skm: {unsur: [a, z]}\n")
    plain, _ = kuesioner_from_text(_BASE)
    assert plain.skm is None


# ----------------------------------------------------------------------------- the recap letter


@pytest.fixture
def skm_recap(tmp_path: Path) -> Path:
    """The example's 20 copies issued (codes in the register), then the recap letter."""
    from sopdocs.workflow.issue import render_definition, render_recap_file

    examples = tmp_path / "contoh"
    shutil.copytree(EXAMPLES, examples)
    archive = tmp_path / "arsip"
    render_definition("kuesioner", examples / "kuesioner-skm.yaml", tmp_path / "salinan", archive=archive,
                      copies=20, one_file=True)
    result = render_recap_file(examples / "jawaban-skm.csv", examples / "kuesioner-skm.yaml", tmp_path / "rekap",
                               archive=archive)
    [letter] = result.docx
    return letter


def test_recap_letter_gives_the_index(skm_recap: Path) -> None:
    text = docx_text(skm_recap)
    flat = " ".join(text.split())
    assert "dari 20 responden: 79,41 (skala 25-100), mutu pelayanan B (Baik)" in flat
    assert "A. INDEKS KEPUASAN MASYARAKAT" in text and "B. HASIL PER PERTANYAAN" in text
    lines = [" ".join(line.split("\t")) for line in text.splitlines()]
    assert any(line.split() == "U8 Penanganan pengaduan, saran dan masukan 52 19 2,737 0,304 68,42 C".split()
               for line in lines)
    assert any(line.split() == "U4 Biaya/tarif 76 20 3,800 0,422 95,00 A".split() for line in lines)
    assert any(line.split() == "IKM (jumlah NRR tertimbang) 3,176 79,41 B".split() for line in lines)
    assert "Bobot tiap unsur (1/jumlah unsur) 0,111" in " ".join(" ".join(lines).split())
    with zipfile.ZipFile(skm_recap) as package:
        charts = [n for n in package.namelist() if n.startswith("word/media/")]
    assert len(charts) >= 10  # the SKM chart and one per question, plus the logo and the QR code


def test_recap_of_an_ordinary_questionnaire_has_no_index(tmp_path: Path) -> None:
    from sopdocs.workflow.issue import render_recap_file

    examples = tmp_path / "contoh"
    shutil.copytree(EXAMPLES, examples)
    result = render_recap_file(examples / "jawaban.csv", examples / "kuesioner-pendataan.yaml", tmp_path / "rekap",
                               archive=tmp_path / "arsip")
    text = docx_text(result.docx[0])
    assert "INDEKS KEPUASAN" not in text and "IKM" not in text
    assert "A. HASIL PER PERTANYAAN" in text


def test_an_unanswered_unsur_is_said_in_the_letter(tmp_path: Path) -> None:
    from sopdocs.workflow.issue import render_recap_file

    examples = tmp_path / "contoh"
    shutil.copytree(EXAMPLES, examples)
    responses = examples / "jawaban-skm.csv"
    rows = responses.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(";")
    column = header.index("biaya")
    blanked = [rows[0]] + [";".join("" if i == column else cell for i, cell in enumerate(row.split(";")))
                           for row in rows[1:]]
    responses.write_text("\n".join(blanked) + "\n", encoding="utf-8")
    result = render_recap_file(responses, examples / "kuesioner-skm.yaml", tmp_path / "rekap",
                               archive=tmp_path / "arsip")
    flat = " ".join(docx_text(result.docx[0]).split())
    assert "tidak dapat dihitung: unsur Biaya/tarif tidak dijawab satu responden pun" in flat
