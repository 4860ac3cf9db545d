"""Benchmark of the questionnaire recap: the tally and the whole letter preparation.

Generates N valid response rows (CSV, ``;`` between columns) for
``examples/kuesioner-pendataan.yaml`` -- answers read from the questionnaire itself, so
every row is usable; copy codes ``K-2024-000001`` ... -- and times, for each N:

* ``sopdocs.kinds.kuesioner.recap.recap()``: reading the file and the tally;
* ``prepare_recap()``: the same plus the letter body and the attachment blocks (tables,
  one chart per question: charts are per question, not per row).

No archive is given (an empty folder: no register), so copy codes are not checked
against distributed codes. Prints the figures side by side; asserts nothing. The recap
must grow linearly: the seconds per 1,000 rows should stay about constant.

    .venv/bin/python bench/recap.py                 # N = 2,000 / 8,000 / 100,000
    .venv/bin/python bench/recap.py --n 500 5000
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sopdocs.kinds.kuesioner.kuesioner import KuesionerDefinition, load_kuesioner  # noqa: E402
from sopdocs.kinds.kuesioner.questionkinds import (  # noqa: E402
    Angka, IsianPanjang, IsianSingkat, PilihanGanda, PilihanTunggal, Skala, TabelIsian, Tanggal, YaTidak,
)
from sopdocs.kinds.kuesioner.recap import known_columns, prepare_recap, recap  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUESTIONNAIRE = ROOT / "examples" / "kuesioner-pendataan.yaml"
SIZES = (2_000, 8_000, 100_000)
WORDS = ("Jaya", "Abadi", "Mandiri", "Sejahtera", "Nusantara", "Makmur", "Sentosa", "Karya", "Mitra", "Utama")
MONTHS = ("Januari", "Maret", "Mei", "Juli", "Oktober", "Desember")


def _answer(question: Any, rng: random.Random) -> list[tuple[str, str]]:
    """(column, cell) pairs of one valid answer to ``question``."""
    if isinstance(question, TabelIsian):
        return [(column, str(rng.randint(0, 40))) for column in question.columns()]
    if isinstance(question, PilihanGanda):
        options = question.options()
        picks = rng.sample(options, rng.randint(1, len(options)))
        if question.lainnya and rng.random() < 0.1:
            picks.append(f"Lainnya: asuransi {rng.choice(WORDS)}")
        return [(question.id, ";".join(picks))]
    if isinstance(question, (PilihanTunggal, YaTidak)):
        options = question.options()
        # the option text or its number, as people write them
        pick = rng.randrange(len(options))
        return [(question.id, options[pick] if rng.random() < 0.5 else str(pick + 1))]
    if isinstance(question, Skala):
        return [(question.id, str(rng.randint(1, len(question.label))))]
    if isinstance(question, Angka):
        low = int(question.minimum or 0)
        high = int(question.maksimum or low + 2_000)
        return [(question.id, f"{rng.randint(low, high)}")]
    if isinstance(question, Tanggal):
        if rng.random() < 0.5:
            return [(question.id, f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(1980, 2023)}")]
        return [(question.id, f"{rng.randint(1980, 2023)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")]
    if isinstance(question, (IsianSingkat, IsianPanjang)):
        return [(question.id, f"Jawaban {rng.choice(WORDS)} {rng.choice(WORDS)} nomor {rng.randint(1, 999)}")]
    raise SystemExit(f"bench/recap.py: question kind {question.kind!r} has no generator; add one")


def write_responses(defn: KuesionerDefinition, n: int, target: Path, seed: int = 2024) -> Path:
    rng = random.Random(seed)
    columns = known_columns(defn)
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(columns)
        for i in range(1, n + 1):
            cells = {"kode": f"{defn.awalan_kode}-{defn.tahun}-{i:06d}"}
            for field in defn.identitas:
                cells[field.id] = f"PT {rng.choice(WORDS)} {rng.choice(WORDS)} {i}"
            for question in defn.questions():
                cells.update(_answer(question, rng))
            writer.writerow([cells.get(column, "") for column in columns])
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=list(SIZES), help="numbers of rows")
    args = parser.parse_args(argv)
    defn, _ = load_kuesioner(QUESTIONNAIRE)
    print(f"{'rows':>9} {'file MB':>8} {'generate s':>11} {'recap() s':>10} {'ms/1000':>8} "
          f"{'prepare_recap s':>16} {'ms/1000':>8} {'processed':>10}")
    with tempfile.TemporaryDirectory(prefix="sopdocs-bench-recap-") as tmp:
        archive = Path(tmp) / "arsip"  # empty: no register, codes not checked
        archive.mkdir()
        for n in args.n:
            start = time.perf_counter()
            path = write_responses(defn, n, Path(tmp) / f"jawaban-{n}.csv")
            generated = time.perf_counter() - start

            start = time.perf_counter()
            rekap = recap(path, defn, archive=archive)
            tally_s = time.perf_counter() - start
            if rekap.ditolak:
                raise SystemExit(f"bench/recap.py: {len(rekap.ditolak)} rows refused, e.g. {rekap.ditolak[0]}")

            start = time.perf_counter()
            with prepare_recap(path, QUESTIONNAIRE, archive=archive) as letter:
                prepared_s = time.perf_counter() - start
                processed = len(letter.rekap.diolah)
            size = path.stat().st_size / 1e6
            print(f"{n:>9,} {size:>8.1f} {generated:>11.2f} {tally_s:>10.2f} {1000 * tally_s / n * 1000:>8.1f} "
                  f"{prepared_s:>16.2f} {1000 * prepared_s / n * 1000:>8.1f} {processed:>10,}", flush=True)


if __name__ == "__main__":
    main()
