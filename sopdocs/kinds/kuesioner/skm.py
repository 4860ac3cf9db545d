"""The public satisfaction index (IKM) of a Survei Kepuasan Masyarakat (Permen PANRB 14/2017).

A questionnaire marked ``skm:`` is an SKM: its unsur are scale questions scored 1-4
(the regulation's nine: persyaratan; sistem, mekanisme dan prosedur; waktu penyelesaian;
biaya/tarif; produk spesifikasi jenis pelayanan; kompetensi pelaksana; perilaku
pelaksana; penanganan pengaduan, saran dan masukan; sarana dan prasarana). The recap
gives, as the regulation's appendix does:

* NRR per unsur = the sum of its scores / the respondents who answered it;
* weight = 1 / number of unsur (0,111 for nine), the same for every unsur;
* NRR tertimbang = NRR x weight; IKM = the sum of them (1-4);
* IKM of the unit (converted) = IKM x 25 (25-100);
* mutu pelayanan and kinerja from the converted value:

  ============== ====== =============
  converted       mutu   kinerja
  ============== ====== =============
  25,00 - 64,99    D     tidak baik
  65,00 - 76,60    C     kurang baik
  76,61 - 88,30    B     baik
  88,31 - 100,00   A     sangat baik
  ============== ====== =============

  (on the 1-4 scale: 1,00-2,5996; 2,60-3,064; 3,0644-3,532; 3,5324-4,00).

Arithmetic is exact (fractions); the weight is exactly 1/n, not a rounded 0,111 (which
would lower a nine-unsur index by 0,1 %). Values are rounded half up, to 2 decimals for
the converted index (the grade is read from that rounded figure) and to 3 for NRR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from sopdocs.definitions.fieldtypes import Teks

if TYPE_CHECKING:
    from sopdocs.definitions.yamlload import YamlDocument
    from sopdocs.errors import Problem

#: The SKM scale: 1 (tidak baik) to 4 (sangat baik).
SKALA = 4
#: Conversion factor of the index to 25-100.
KONVERSI = 25
#: Lower bound (converted, 2 decimals) of each grade, best first, with its kinerja label.
MUTU: tuple[tuple[Decimal, str, str], ...] = (
    (Decimal("88.31"), "A", "Sangat Baik"),
    (Decimal("76.61"), "B", "Baik"),
    (Decimal("65.00"), "C", "Kurang Baik"),
    (Decimal("25.00"), "D", "Tidak Baik"),
)
#: Most unsur an SKM may have (the regulation has nine; units may add some).
MAX_UNSUR = 20


class SurveiKepuasan(BaseModel):
    """The SKM settings of a questionnaire (``skm: true`` takes every scale question)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unsur: list[str] | dict[str, Teks] = Field(
        default_factory=list,
        description="id pertanyaan skala yang menjadi unsur SKM (bawaan: semua pertanyaan skala); "
                    "boleh pemetaan id: nama singkat unsur, mis. {persyaratan: Persyaratan}",
    )
    nama_layanan: Teks = Field("", description="jenis layanan yang disurvei, untuk kalimat rekap")


def _from_flag(value: Any) -> Any:
    if value is True:
        return {}
    if value is False:
        return None
    return value


#: The type of the ``skm`` field of a questionnaire: ``true``, ``false`` or the settings.
SkmSetting = Annotated[SurveiKepuasan | None, BeforeValidator(_from_flag)]


def unsur_of(defn: Any) -> list[tuple[str, str]]:
    """(question id, unsur name) of an SKM questionnaire, in order."""
    settings: SurveiKepuasan | None = getattr(defn, "skm", None)
    if settings is None:
        return []
    questions = {q.id: q for q in defn.questions()}
    if isinstance(settings.unsur, dict):
        return [(qid, name or getattr(questions.get(qid), "teks", qid)) for qid, name in settings.unsur.items()]
    if settings.unsur:
        return [(qid, getattr(questions.get(qid), "teks", qid)) for qid in settings.unsur]
    return [(q.id, q.teks) for q in defn.questions() if getattr(q, "jenis", "") == "skala"]


def check_skm(defn: Any, doc: YamlDocument) -> list[Problem]:
    """Every unsur is a scale question of exactly four points; at least one, at most
    :data:`MAX_UNSUR`, none twice."""
    if getattr(defn, "skm", None) is None:
        return []
    problems = []
    questions = {q.id: q for q in defn.questions()}
    unsur = unsur_of(defn)
    if not unsur:
        problems.append(doc.problem(("skm",), "survei kepuasan (skm) perlu pertanyaan berjenis skala sebagai unsur"))
    if len(unsur) > MAX_UNSUR:
        problems.append(doc.problem(("skm", "unsur"), f"paling banyak {MAX_UNSUR} unsur; ada {len(unsur)}"))
    seen: set[str] = set()
    for qid, _ in unsur:
        question = questions.get(qid)
        if qid in seen:
            problems.append(doc.problem(("skm", "unsur"), f"unsur {qid!r} disebut dua kali"))
        seen.add(qid)
        if question is None:
            problems.append(doc.problem(("skm", "unsur"), f"tidak ada pertanyaan dengan id {qid!r}"))
        elif getattr(question, "jenis", "") != "skala":
            problems.append(doc.problem(("skm", "unsur"), f"unsur {qid!r} harus pertanyaan berjenis skala"))
        elif len(getattr(question, "label", [])) != SKALA:
            problems.append(doc.problem(("skm", "unsur"), f"unsur {qid!r} harus berskala {SKALA} (1-{SKALA}) "
                                                          "seperti Permen PANRB 14/2017"))
    return problems


# --------------------------------------------------------------------------- the index


def bulat(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def teks(value: Fraction | Decimal, places: int) -> str:
    """A figure the Indonesian way (decimal comma), rounded half up: ``91,48``."""
    rounded = bulat(value, places) if isinstance(value, Fraction) else value.quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:.{places}f}".replace(".", ",")


def mutu(konversi: Decimal) -> tuple[str, str]:
    """(grade, kinerja) of a converted index rounded to 2 decimals."""
    for lower, grade, label in MUTU:
        if konversi >= lower:
            return grade, label
    return MUTU[-1][1], MUTU[-1][2]


@dataclass(frozen=True)
class NilaiUnsur:
    """One unsur: its scores summed, its respondents, its average (NRR)."""

    id: str
    nama: str
    jumlah_nilai: int
    responden: int
    bobot: Fraction

    @property
    def nrr(self) -> Fraction:
        return Fraction(self.jumlah_nilai, self.responden)

    @property
    def nrr_tertimbang(self) -> Fraction:
        return self.nrr * self.bobot

    @property
    def konversi(self) -> Decimal:
        return bulat(self.nrr * KONVERSI, 2)

    @property
    def mutu(self) -> tuple[str, str]:
        return mutu(self.konversi)


@dataclass(frozen=True)
class IndeksKepuasan:
    """The index of an SKM: its unsur, IKM (1-4), converted (25-100), grade and kinerja."""

    unsur: tuple[NilaiUnsur, ...]
    responden: int

    @property
    def bobot(self) -> Fraction:
        return Fraction(1, len(self.unsur))

    @property
    def ikm(self) -> Fraction:
        return sum((u.nrr_tertimbang for u in self.unsur), Fraction(0))

    @property
    def konversi(self) -> Decimal:
        return bulat(self.ikm * KONVERSI, 2)

    @property
    def mutu(self) -> str:
        return mutu(self.konversi)[0]

    @property
    def kinerja(self) -> str:
        return mutu(self.konversi)[1]


class IndeksTidakDapatDihitung(ValueError):
    """An unsur nobody answered: the index cannot be computed (message in Indonesian)."""


def indeks_kepuasan(unsur: Sequence[tuple[str, str, Mapping[int, int]]], responden: int) -> IndeksKepuasan:
    """The index from each unsur's (id, name, {score: count}) over ``responden`` returned forms."""
    if not unsur:
        raise IndeksTidakDapatDihitung("tidak ada unsur")
    weight = Fraction(1, len(unsur))
    values = []
    for qid, name, spread in unsur:
        bad = [score for score, count in spread.items() if count and not 1 <= score <= SKALA]
        if bad:
            raise IndeksTidakDapatDihitung(f"unsur {name}: nilai {bad[0]} di luar skala 1-{SKALA}")
        answered = sum(spread.values())
        if answered == 0:
            raise IndeksTidakDapatDihitung(f"unsur {name} tidak dijawab satu responden pun")
        values.append(NilaiUnsur(id=qid, nama=name, jumlah_nilai=sum(s * c for s, c in spread.items()),
                                 responden=answered, bobot=weight))
    return IndeksKepuasan(unsur=tuple(values), responden=responden)
