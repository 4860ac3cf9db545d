"""Benchmark of the sopdocs search index (Whoosh) against SQLite FTS5 as a reference.

Generates synthetic Indonesian-like documents (deterministic seed), indexes them with
:class:`sopdocs.search.index.WhooshIndex` and with SQLite FTS5 (tokenizer unicode61, no
stemming), and prints indexing speed, size on disk and search latency (median, p95)
over a mix of queries. Prints figures only; asserts nothing.

    .venv/bin/python bench/search.py --docs 10000 --queries 200

``--hostile`` times, one by one, queries that used to take seconds (leading wildcards,
an unbounded range, a huge fuzzy distance) next to a few normal ones, on an index of
``--docs`` documents that ``--keep DIR`` reuses between runs (building 10,000 documents
takes a few minutes). ``--save F`` writes the figures as JSON, ``--compare F`` prints an
earlier run's figures beside the new ones (e.g. before/after a change):

    .venv/bin/python bench/search.py --hostile --docs 10000 --keep /tmp/sopdocs-hostile
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sopdocs.search.index import IndexedDocument, WhooshIndex  # noqa: E402

# Root words of the kind found in local-government paperwork (written for this bench).
ROOTS = """
data kumpul tugas lapor periksa catat laksana atur rencana ukur nilai kirim terima
arsip simpan minta setuju tanda tangan bayar anggar biaya kerja tenaga latih didik
sosial usaha daftar verifikasi validasi survei tanya jawab isi olah hitung rekap
bina awas pantau evaluasi koordinasi rapat undang hadir jalan dinas pindah angkat
tetap ubah batal proses layan mohon izin rekomendasi putus tentukan bentuk susun
jelas tulis baca cetak salin sebar umum informasi lapang wilayah desa kecamatan
kabupaten kota provinsi kantor bidang seksi kepala staf pegawai petugas pejabat
sekretaris bendahara pimpin tanggung jawab hasil mutu waktu biaya dokumen naskah
surat nota disposisi kuesioner formulir lembar sampul berkas map rak lemari gudang
masyarakat penduduk keluarga rumah tangga migran transmigrasi tempat kawasan lahan
produksi pasar harga upah gaji tunjang pensiun cuti sakit libur lembur kontrak
sah resmi rahasia segera biasa penting balas tindak lanjut ikut serta bantu
""".split()

PREFIXES = ["", "", "", "me", "mem", "men", "meng", "di", "pe", "pem", "pen", "peng", "ber",
            "ter", "ke", "se"]
SUFFIXES = ["", "", "", "kan", "an", "i", "nya", "lah"]
SYLLABLES = ["ka", "ra", "tu", "ma", "si", "no", "be", "lu", "pa", "di", "ga", "wa", "ni",
             "so", "te", "ri", "ja", "ku", "mo", "ha", "ng", "an", "in", "un", "sa", "la"]
FIRST = ["Budi", "Siti", "Agus", "Dewi", "Hendra", "Rina", "Joko", "Sri", "Ahmad", "Nur",
         "Eko", "Wahyu", "Yuni", "Bambang", "Lestari", "Suharyanto", "Rahmat", "Indah",
         "Fajar", "Ratna", "Dedi", "Mulyani", "Teguh", "Wulan"]
LAST = ["Santoso", "Wijaya", "Saputra", "Hidayat", "Lestari", "Pratama", "Kusuma",
        "Nugroho", "Setiawan", "Rahayu", "Susanto", "Hartono", "Purnomo", "Wibowo"]
KINDS = ["surat-tugas", "kuesioner", "sop", "nota-dinas", "disposisi", "foto"]
UNITS = ["DTK", "SEKRET", "BID.PK", "434.100", "107.1"]
CLASSES = ["800.1.11.1", "000.8.3.3", "000.1.2.3", "094", "061", "140"]
STOP = ["yang", "dan", "di", "ke", "dari", "untuk", "dengan", "pada", "dalam", "atau",
        "ini", "itu", "oleh", "sebagai", "akan", "telah"]


@dataclass
class Corpus:
    docs: list[IndexedDocument]
    vocabulary: list[str]


def build_vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    words: set[str] = set()
    for root in ROOTS:
        for _ in range(6):
            words.add(rng.choice(PREFIXES) + root + rng.choice(SUFFIXES))
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    vocab = sorted(words)
    rng.shuffle(vocab)
    return vocab


def make_corpus(n: int, seed: int = 20240101, zipf_offset: float = 10.0) -> Corpus:
    """``n`` documents. Word frequencies follow Zipf-Mandelbrot 1/(rank+1+offset)^1.05:
    with offset 10 the most frequent content word is about 1.8 % of the words (typical
    of real text once stop words are gone); offset 0 makes it 13.6 %, a harsh case."""
    rng = random.Random(seed)
    vocab = build_vocabulary(rng)
    weights = [1.0 / (rank + 1 + zipf_offset) ** 1.05 for rank in range(len(vocab))]
    cum = list(_accumulate(weights))
    docs = []
    start = dt.date(2019, 1, 1)
    for i in range(n):
        length = rng.randint(300, 800)
        words = rng.choices(vocab, cum_weights=cum, k=length)
        # sprinkle stop words and sentence breaks
        out = []
        for j, w in enumerate(words):
            if rng.random() < 0.18:
                out.append(rng.choice(STOP))
            out.append(w)
            if j % 14 == 13:
                out[-1] += "."
        kind = KINDS[i % len(KINDS)]
        date = start + dt.timedelta(days=rng.randint(0, 6 * 365))
        cls = rng.choice(CLASSES)
        number = f"{cls}/{i % 997 + 1:03d}/{rng.choice(UNITS)}/{date.year}"
        people = []
        for _ in range(rng.randint(1, 3)):
            people.append(f"{rng.choice(FIRST)} {rng.choice(LAST)}")
            birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randint(0, 10000))
            people.append(f"{birth:%Y%m%d} {birth.year + 23}{rng.randint(1, 12):02d} "
                          f"{rng.randint(1, 2)} {rng.randint(1, 999):03d}")
        title = " ".join(rng.choices(vocab[:400], k=rng.randint(3, 7))).capitalize()
        docs.append(IndexedDocument(
            doc_id=f"D{i:06d}", number=number, kind=kind, classification=cls,
            case_id=f"K-{date.year}-{i % 5000:04d}", title=title, date=date, people=people,
            text=" ".join(out), path=f"arsip/{date.year}/{i:06d}.docx",
        ))
    return Corpus(docs, vocab)


def _accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += v
        out.append(total)
    return out


@dataclass
class BenchQuery:
    label: str
    whoosh: str
    whoosh_kwargs: dict[str, object]
    fts: str
    fts_where: str = ""
    fts_args: tuple[object, ...] = ()


def make_queries(corpus: Corpus, n: int, seed: int = 7) -> list[BenchQuery]:
    rng = random.Random(seed)
    vocab = corpus.vocabulary
    common, middle = vocab[:50], vocab[50:1500]
    out: list[BenchQuery] = []
    kinds = ["word", "two words", "phrase", "field filter", "date range", "exact number"]
    for i in range(n):
        label = kinds[i % len(kinds)]
        if label == "word":
            w = rng.choice(common if rng.random() < 0.5 else middle)
            out.append(BenchQuery(label, w, {}, _fts_word(w)))
        elif label == "two words":
            a, b = rng.choice(common), rng.choice(middle)
            out.append(BenchQuery(label, f"{a} {b}", {}, f"{_fts_word(a)} {_fts_word(b)}"))
        elif label == "phrase":
            doc = rng.choice(corpus.docs)
            words = [w.strip(".") for w in doc.text.split() if w.strip(".") not in STOP]
            k = rng.randrange(0, len(words) - 3)
            a, b = words[k], words[k + 1]
            out.append(BenchQuery(label, f'"{a} {b}"', {}, f'"{a} {b}"'))
        elif label == "field filter":
            w, kind = rng.choice(middle), rng.choice(KINDS)
            out.append(BenchQuery(label, f"kind:{kind} {w}", {}, _fts_word(w),
                                  "AND d.kind = ?", (kind,)))
        elif label == "date range":
            w = rng.choice(common)
            y, m = rng.randint(2019, 2024), rng.randint(1, 12)
            start = dt.date(y, m, 1)
            end = start + dt.timedelta(days=60)
            out.append(BenchQuery(label, f"{w} date:[{start:%Y%m%d} TO {end:%Y%m%d}]", {},
                                  _fts_word(w), "AND d.date BETWEEN ? AND ?",
                                  (start.isoformat(), end.isoformat())))
        else:
            doc = rng.choice(corpus.docs)
            out.append(BenchQuery(label, doc.number, {}, f'number:"{doc.number}"'))
    return out


def _fts_word(w: str) -> str:
    return f'"{w}"'


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


@dataclass
class Measured:
    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]


def measure(queries: list[BenchQuery], run: Callable[[BenchQuery], int]) -> tuple[Measured, int]:
    """Run every query once; wall-clock and CPU milliseconds per query label."""
    m = Measured({}, {})
    total = 0
    for q in queries:
        w0, c0 = time.perf_counter(), time.process_time()
        total += run(q)
        w1, c1 = time.perf_counter(), time.process_time()
        m.wall.setdefault(q.label, []).append((w1 - w0) * 1000)
        m.cpu.setdefault(q.label, []).append((c1 - c0) * 1000)
    return m, total


def report(name: str, docs: int, wall_s: float, cpu_s: float, size: int, m: Measured,
           totals: int) -> None:
    wall = [v for vs in m.wall.values() for v in vs]
    cpu = [v for vs in m.cpu.values() for v in vs]
    print(f"\n== {name}")
    print(f"index: {docs} docs in {wall_s:.1f} s wall = {docs / wall_s:.0f} docs/s "
          f"({cpu_s:.1f} s CPU in this process = {docs / cpu_s:.0f} docs/s); "
          f"size on disk {size / 1e6:.1f} MB")
    print(f"search, {len(wall)} queries: wall median {statistics.median(wall):.2f} ms, "
          f"p95 {pct(wall, 95):.2f} ms, max {max(wall):.2f} ms | CPU median "
          f"{statistics.median(cpu):.2f} ms, p95 {pct(cpu, 95):.2f} ms")
    for label in m.wall:
        w, c = m.wall[label], m.cpu[label]
        print(f"  {label:13s} wall median {statistics.median(w):6.2f} p95 {pct(w, 95):6.2f} | "
              f"CPU median {statistics.median(c):6.2f} p95 {pct(c, 95):6.2f} ms (n={len(w)})")
    print(f"  (sum of the queries' total hits: {totals})")


def bench_whoosh(corpus: Corpus, queries: list[BenchQuery], work: Path, procs: int,
                 limit: int) -> None:
    folder = work / "whoosh" / "index"
    w0, c0 = time.perf_counter(), time.process_time()
    ix = WhooshIndex(folder)
    ix.rebuild(corpus.docs, procs=procs)
    wall_s, cpu_s = time.perf_counter() - w0, time.process_time() - c0
    size = folder_size(folder)
    ix.search(queries[0].whoosh, limit=limit)  # opens the files

    def run(q: BenchQuery) -> int:
        return ix.search(q.whoosh, limit=limit, **q.whoosh_kwargs).total  # type: ignore[arg-type]

    m, totals = measure(queries, run)
    report(f"Whoosh: sopdocs.search.index.WhooshIndex (procs={procs}; {limit} hits with snippets, "
           "total, counts per kind and year)", len(corpus.docs), wall_s, cpu_s, size, m, totals)
    plain = sum(len(d.text.encode("utf-8")) for d in corpus.docs)
    packed = sum(len(zlib.compress(d.text.encode("utf-8"), 6)) for d in corpus.docs)
    print(f"  full text stored for snippets: {packed / 1e6:.1f} MB zlib-compressed "
          f"({plain / 1e6:.1f} MB plain) of the {size / 1e6:.1f} MB index")
    ix.close()


def bench_fts(corpus: Corpus, queries: list[BenchQuery], work: Path, limit: int) -> None:
    path = work / "fts.sqlite3"
    w0, c0 = time.perf_counter(), time.process_time()
    con = sqlite3.connect(path)
    con.executescript(
        """
        PRAGMA journal_mode=WAL;
        CREATE TABLE d(rowid INTEGER PRIMARY KEY, doc_id TEXT UNIQUE, number TEXT, kind TEXT,
                       date TEXT, year INTEGER, path TEXT);
        CREATE INDEX d_kind ON d(kind); CREATE INDEX d_date ON d(date);
        CREATE VIRTUAL TABLE f USING fts5(number, title, people, text,
                                          tokenize='unicode61');
        """
    )
    with con:
        for i, doc in enumerate(corpus.docs, start=1):
            con.execute("INSERT INTO d VALUES (?,?,?,?,?,?,?)",
                        (i, doc.doc_id, doc.number, doc.kind, doc.date.isoformat(),
                         doc.date.year, doc.path))
            con.execute("INSERT INTO f(rowid, number, title, people, text) VALUES (?,?,?,?,?)",
                        (i, doc.number, doc.title, "\n".join(doc.people), doc.text))
    con.execute("INSERT INTO f(f) VALUES('optimize')")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wall_s, cpu_s = time.perf_counter() - w0, time.process_time() - c0
    size = path.stat().st_size

    def run(q: BenchQuery) -> int:
        base = f"FROM f JOIN d ON d.rowid = f.rowid WHERE f MATCH ? {q.fts_where}"
        args = (q.fts, *q.fts_args)
        con.execute(f"SELECT d.doc_id, d.number, d.kind, d.date, d.path, "
                    f"snippet(f, 3, '[[', ']]', '…', 24), bm25(f) {base} "
                    f"ORDER BY bm25(f) LIMIT {limit}", args).fetchall()
        total = con.execute(f"SELECT count(*) {base}", args).fetchone()[0]
        con.execute(f"SELECT d.kind, count(*) {base} GROUP BY d.kind", args).fetchall()
        con.execute(f"SELECT d.year, count(*) {base} GROUP BY d.year", args).fetchall()
        return int(total)

    run(queries[0])
    m, totals = measure(queries, run)
    report(f"SQLite FTS5 reference (unicode61, no stemming; {limit} hits with snippets, "
           "total, counts per kind and year)", len(corpus.docs), wall_s, cpu_s, size, m, totals)
    con.close()


HOSTILE_QUERIES = ["*a* *e* *i* *o* *u*", "**", "text:[a TO zzzz]", "pendataan~99",
                   "text:*", "a*", "pe*", "pendataan~2/0", "(" * 30 + "data" + ")" * 30,
                   "pe* OR ka* OR ma* OR sa* OR ta*", "verifikasi" * 45]


def hostile_queries(corpus: Corpus) -> list[tuple[str, str]]:
    """(label, query): the hostile queries, then normal ones taken from the corpus."""
    out = [("hostile", q) for q in HOSTILE_QUERIES]
    doc = corpus.docs[len(corpus.docs) // 2]
    words = [w.strip(".") for w in doc.text.split() if w.strip(".") not in STOP]
    nip = next(p for p in doc.people if p[:1].isdigit())
    out += [("normal", corpus.vocabulary[0]), ("normal", f"{words[3]} {words[40]}"),
            ("normal", f'"{words[10]} {words[11]}"'), ("normal", doc.number),
            ("normal", nip), ("normal", nip.replace(" ", "")), ("normal", "pendataan~"),
            ("normal", "pendataan*"), ("normal", "pendatan")]
    return out


def hostile_index(corpus: Corpus, work: Path, seed_info: dict[str, object]) -> WhooshIndex:
    """The index of ``corpus`` in ``work``, reused when it was built from the same corpus."""
    folder = work / f"hostile-{len(corpus.docs)}" / "index"
    info = folder.parent / "bench-corpus.json"
    ix = WhooshIndex(folder)
    if info.exists() and json.loads(info.read_text()) == seed_info and ix.counts().total:
        print(f"index: reusing {folder} ({ix.counts().total} docs)")
        return ix
    t0 = time.perf_counter()
    ix.rebuild(corpus.docs)
    info.write_text(json.dumps(seed_info))
    print(f"index: built {len(corpus.docs)} docs in {time.perf_counter() - t0:.1f} s ({folder})")
    return ix


def bench_hostile(corpus: Corpus, work: Path, args: argparse.Namespace) -> None:
    seed_info = {"docs": args.docs, "zipf_offset": args.zipf_offset, "seed": 20240101}
    ix = hostile_index(corpus, work, seed_info)
    ix.search("data", limit=args.limit)  # opens the files
    before: dict[str, dict[str, object]] = {}
    if args.compare:
        before = json.loads(args.compare.read_text()).get("queries", {})
    rows: dict[str, dict[str, object]] = {}
    for label, q in hostile_queries(corpus):
        times = []
        outcome = ""
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            try:
                res = ix.search(q, limit=args.limit)
                notice = getattr(res, "notice", None)
                outcome = f"{res.total} docs" + (" (fuzzy)" if res.fuzzy else "")
                if notice:
                    outcome += f"; notice: {notice}"
            except Exception as exc:  # noqa: BLE001 - the bench reports every outcome
                outcome = f"{type(exc).__name__}: {exc}"
            times.append((time.perf_counter() - t0) * 1000)
        rows[q] = {"label": label, "ms": min(times), "outcome": outcome}
    ix.close()
    width = max(len(q) for q in rows)
    width = min(width, 40)
    head = f"{'query':{width}s}  {'kind':7s}  {'ms':>9s}"
    if before:
        head += f"  {'ms before':>9s}"
    print(f"\n== hostile queries, {args.docs} docs (best of {args.repeat}; {args.limit} hits)")
    print(head + "  outcome")
    for q, row in rows.items():
        shown = q if len(q) <= width else q[: width - 1] + "…"
        line = f"{shown:{width}s}  {row['label']:7s}  {row['ms']:9.1f}"
        if before:
            old = before.get(q, {}).get("ms")
            line += f"  {old:9.1f}" if isinstance(old, (int, float)) else f"  {'-':>9s}"
        outcome = str(row["outcome"])
        print(f"{line}  {outcome[:140]}")
    slowest = max(rows, key=lambda k: float(rows[k]["ms"]))  # type: ignore[arg-type]
    print(f"slowest: {slowest!r} {rows[slowest]['ms']:.1f} ms")
    if args.save:
        args.save.write_text(json.dumps({"docs": args.docs, "queries": rows},
                                        ensure_ascii=False, indent=1))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--procs", type=int, default=1, help="Whoosh writer processes")
    ap.add_argument("--limit", type=int, default=20, help="hits per search")
    ap.add_argument("--zipf-offset", type=float, default=10.0,
                    help="flattening of the most frequent words (0 = harsh, see make_corpus)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the indexes in this folder")
    ap.add_argument("--hostile", action="store_true",
                    help="time hostile queries (wildcards, ranges, fuzzy) one by one instead")
    ap.add_argument("--repeat", type=int, default=1, help="--hostile: runs per query (best kept)")
    ap.add_argument("--save", type=Path, default=None, help="--hostile: write figures as JSON")
    ap.add_argument("--compare", type=Path, default=None,
                    help="--hostile: print the figures of an earlier --save beside")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    corpus = make_corpus(args.docs, zipf_offset=args.zipf_offset)
    words = sum(len(d.text.split()) for d in corpus.docs)
    print(f"corpus: {len(corpus.docs)} docs, {words} words, vocabulary "
          f"{len(corpus.vocabulary)} (Zipf offset {args.zipf_offset:g}), generated in "
          f"{time.perf_counter() - t0:.1f} s")
    work = args.keep or Path(tempfile.mkdtemp(prefix="sopdocs-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.hostile:
        try:
            bench_hostile(corpus, work, args)
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
        return
    queries = make_queries(corpus, args.queries)
    try:
        bench_whoosh(corpus, queries, work, args.procs, args.limit)
        bench_fts(corpus, queries, work, args.limit)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
