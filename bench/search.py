"""Benchmark of the search index engines, side by side in one run: sopdocs on Whoosh, on
tantivy, and SQLite FTS5 as a reference.

For each size (``--sizes``), generates synthetic Indonesian-like documents of about 550
words (deterministic: a document depends only on its number; about 0.2 ms each, once per
size, before the timed builds; 100,000 of them take about 1 GB), and prints for every
engine:

* build: documents per second of a full rebuild (``SearchIndex.rebuild``; FTS5: inserts
  and optimize; the documents are generated before), also per CPU second of the bench
  process (less sensitive to other load on the machine), and the size on disk;
* warm: p50/p95/max of a mix of queries (words, two words, phrases, exact numbers, NIP with
  and without spaces, fuzzy, prefix, date range, kind/year/classification filters) on an
  open index, the engines interleaved query by query; each search returns 20 hits with
  snippets, the total and the counts per kind and year;
* cold: ``sopdocs search`` as a user runs it, one process per query (the archive's index,
  ``--json``; run as ``python -c`` + the code of the ``sopdocs`` console script, so the
  child can report its peak memory), twice: with the search service off (every module
  started in the process) and answered by the user's search service (``sopdocs.cli.service``,
  started by an untimed search first, in a runtime folder of the bench's own), against a
  bare open + query of the same engine in its own process (Whoosh:
  ``open_dir`` + ``MultifieldParser`` + ``search``; tantivy: ``Index.open`` +
  ``parse_query`` + ``search``), interleaved; medians, the ratio, and the peak memory of the
  child processes (their own VmHWM: ``ru_maxrss`` of a child counts the parent's pages).
  The children run with compiled modules (``.pyc``, PYTHONDONTWRITEBYTECODE dropped), after
  one untimed run each; the report says whether a ``sopdocs search`` loaded Whoosh (the
  tantivy engine must not, issue 14).

    .venv/bin/python bench/search.py                       # quick: 2,000 documents
    .venv/bin/python bench/search.py --sizes 10000,100000 --keep /tmp/sopdocs-bench

``--keep DIR`` keeps the built indexes and reuses them in a later run (a 100,000-document
Whoosh build takes long); ``--engines`` picks engines; ``--hostile`` times the hostile
queries of the security issue one by one instead (``--engine`` whoosh or tantivy).
The machine's load is printed: figures taken under load are relative, not absolute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any, overload

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchutil import machine_load  # noqa: E402
from sopdocs.search import open_index  # noqa: E402
from sopdocs.search.index import IndexedDocument, SearchIndex  # noqa: E402

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
STOP_SHARE = 0.15
"""Share of stop words among the words of a text."""
ENGINES = ["whoosh", "tantivy", "fts5"]


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


class Documents(Sequence[IndexedDocument]):
    """``n`` documents made on demand: document ``i`` depends only on ``i`` and the seed.
    Word frequencies follow Zipf-Mandelbrot 1/(rank+1+offset)^1.05: with offset 10 the
    most frequent content word is about 1.8 % of the words (typical of real text once
    stop words are gone); offset 0 makes it 13.6 %, a harsh case."""

    def __init__(self, n: int, seed: int = 20240101, zipf_offset: float = 10.0) -> None:
        self.n = n
        self.seed = seed
        self.vocabulary = build_vocabulary(random.Random(seed))
        weights = [1.0 / (rank + 1 + zipf_offset) ** 1.05 for rank in range(len(self.vocabulary))]
        stop_weight = sum(weights) * STOP_SHARE / (1 - STOP_SHARE) / len(STOP)
        self._population = self.vocabulary + STOP
        self._cum = list(accumulate(weights + [stop_weight] * len(STOP)))

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, i: int) -> IndexedDocument: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[IndexedDocument]: ...

    def __getitem__(self, i: int | slice) -> IndexedDocument | Sequence[IndexedDocument]:
        if isinstance(i, slice):
            return [self.make(k) for k in range(*i.indices(self.n))]
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.make(i)

    def __iter__(self) -> Iterator[IndexedDocument]:
        return (self.make(i) for i in range(self.n))

    def make(self, i: int) -> IndexedDocument:
        rng = random.Random(self.seed * 1_000_003 + i)
        words = rng.choices(self._population, cum_weights=self._cum, k=rng.randint(300, 800))
        text = ". ".join(" ".join(words[k:k + 14]) for k in range(0, len(words), 14)) + "."
        kind = KINDS[i % len(KINDS)]
        date = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 6 * 365))
        cls = rng.choice(CLASSES)
        number = f"{cls}/{i % 997 + 1:03d}/{rng.choice(UNITS)}/{date.year}"
        people = []
        for _ in range(rng.randint(1, 3)):
            people.append(f"{rng.choice(FIRST)} {rng.choice(LAST)}")
            birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randint(0, 10000))
            people.append(f"{birth:%Y%m%d} {birth.year + 23}{rng.randint(1, 12):02d} "
                          f"{rng.randint(1, 2)} {rng.randint(1, 999):03d}")
        title = " ".join(rng.choices(self.vocabulary[:400], k=rng.randint(3, 7))).capitalize()
        return IndexedDocument(
            doc_id=f"D{i:06d}", number=number, kind=kind, classification=cls,
            case_id=f"K-{date.year}-{i % 5000:04d}", title=title, date=date, people=people,
            text=text, path=f"arsip/{date.year}/{i:06d}.docx")


@dataclass
class Corpus:
    docs: Documents
    vocabulary: list[str]


def make_corpus(n: int, seed: int = 20240101, zipf_offset: float = 10.0) -> Corpus:
    """The documents of the bench (``docs`` is a lazy sequence)."""
    docs = Documents(n, seed, zipf_offset)
    return Corpus(docs, docs.vocabulary)


@dataclass
class BenchQuery:
    label: str
    whoosh: str
    """The query string of sopdocs (both engines)."""
    whoosh_kwargs: dict[str, Any] = field(default_factory=dict)
    fts: str = ""
    fts_where: str = ""
    fts_args: tuple[object, ...] = ()


def _content_words(doc: IndexedDocument) -> list[str]:
    return [w.strip(".") for w in doc.text.split() if w.strip(".") not in STOP]


def make_queries(corpus: Corpus, n: int, seed: int = 7) -> list[BenchQuery]:
    """``n`` queries, a mix of what users type (the labels cycle)."""
    rng = random.Random(seed)
    vocab = corpus.vocabulary
    common, middle = vocab[:50], vocab[50:1500]
    sample = [corpus.docs[rng.randrange(len(corpus.docs))] for _ in range(min(n, 400))]
    labels = ["word", "two words", "phrase", "kind filter", "date range", "number", "NIP",
              "NIP compact", "fuzzy", "prefix", "year filter", "classification"]
    out: list[BenchQuery] = []
    for i in range(n):
        label = labels[i % len(labels)]
        doc = sample[i % len(sample)]
        nip = next(p for p in doc.people if p[:1].isdigit())
        if label == "word":
            w = rng.choice(common if rng.random() < 0.5 else middle)
            out.append(BenchQuery(label, w, fts=f'"{w}"'))
        elif label == "two words":
            a, b = rng.choice(common), rng.choice(middle)
            out.append(BenchQuery(label, f"{a} {b}", fts=f'"{a}" "{b}"'))
        elif label == "phrase":
            words = _content_words(doc)
            k = rng.randrange(0, len(words) - 3)
            out.append(BenchQuery(label, f'"{words[k]} {words[k + 1]}"',
                                  fts=f'"{words[k]} {words[k + 1]}"'))
        elif label == "kind filter":
            w, kind = rng.choice(middle), rng.choice(KINDS)
            out.append(BenchQuery(label, w, {"kind": kind}, f'"{w}"', "AND d.kind = ?", (kind,)))
        elif label == "date range":
            w = rng.choice(common)
            start = dt.date(rng.randint(2019, 2024), rng.randint(1, 12), 1)
            end = start + dt.timedelta(days=60)
            out.append(BenchQuery(label, f"{w} date:[{start:%Y%m%d} TO {end:%Y%m%d}]", {},
                                  f'"{w}"', "AND d.date BETWEEN ? AND ?",
                                  (start.isoformat(), end.isoformat())))
        elif label == "number":
            out.append(BenchQuery(label, doc.number, fts=f'number:"{doc.number}"'))
        elif label == "NIP":
            out.append(BenchQuery(label, nip, fts=f'people:"{nip}"'))
        elif label == "NIP compact":
            compact = nip.replace(" ", "")
            out.append(BenchQuery(label, compact, fts=f'people:"{nip}"'))
        elif label == "fuzzy":
            w = rng.choice(middle)
            out.append(BenchQuery(label, f"{w}~", fts=f'"{w}"'))
        elif label == "prefix":
            w = rng.choice([v for v in middle if len(v) >= 6])
            out.append(BenchQuery(label, f"{w[:5]}*", fts=f'"{w[:5]}"*'))
        elif label == "year filter":
            w = rng.choice(middle)
            year = rng.randint(2019, 2024)
            out.append(BenchQuery(label, w, {"year": year}, f'"{w}"', "AND d.year = ?", (year,)))
        else:
            w, cls = rng.choice(common), rng.choice(CLASSES)
            out.append(BenchQuery(label, w, {"classification": cls}, f'"{w}"',
                                  "AND d.cls = ?", (cls,)))
    return out


# ---------------------------------------------------------------------- helpers


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pct(values: Sequence[float], p: float) -> float:
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


@dataclass
class Figures:
    build_docs_s: float | None = None
    build_cpu_docs_s: float | None = None
    build_note: str = ""
    size_mb: float | None = None
    warm: dict[str, list[float]] = field(default_factory=dict)
    cold_cli: list[float] = field(default_factory=list)
    cold_bare: list[float] = field(default_factory=list)
    cold_svc: list[float] = field(default_factory=list)
    cpu_cli: list[float] = field(default_factory=list)
    cpu_svc: list[float] = field(default_factory=list)
    cpu_bare: list[float] = field(default_factory=list)
    rss_cli: list[float] = field(default_factory=list)
    rss_svc: list[float] = field(default_factory=list)
    rss_bare: list[float] = field(default_factory=list)
    whoosh_cli: list[bool] = field(default_factory=list)
    totals: int = 0


# ------------------------------------------------------------------------ engines


class Engine:
    name = ""

    def __init__(self, work: Path) -> None:
        self.archive = work / self.name / "archive"

    def built(self, docs: int) -> bool:
        info = self.archive.parent / "bench-corpus.json"
        return info.exists() and json.loads(info.read_text()) == {"docs": docs}

    def mark_built(self, docs: int) -> None:
        (self.archive.parent / "bench-corpus.json").write_text(json.dumps({"docs": docs}))

    def build(self, docs: Sequence[IndexedDocument]) -> None:
        raise NotImplementedError

    def open(self) -> None:
        raise NotImplementedError

    def search(self, q: BenchQuery) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def size(self) -> int:
        return folder_size(self.archive)

    def cold_cli(self, q: BenchQuery) -> list[str] | None:
        return None

    def cold_bare(self, q: BenchQuery) -> list[str] | None:
        return None


class SopdocsEngine(Engine):
    """sopdocs' own index on one backend, in ``<archive>/indeks`` as in a real archive."""

    def __init__(self, work: Path, backend: str) -> None:
        self.name = backend
        super().__init__(work)
        self.index: SearchIndex | None = None

    def _open_index(self) -> SearchIndex:
        self.archive.mkdir(parents=True, exist_ok=True)
        if self.name != "whoosh":
            (self.archive / "pengaturan.yaml").write_text(f"indeks: {self.name}\n", encoding="utf-8")
        return open_index(self.archive)

    def build(self, docs: Sequence[IndexedDocument]) -> None:
        index = self._open_index()
        index.rebuild(docs)
        index.close()

    def open(self) -> None:
        self.index = self._open_index()

    def search(self, q: BenchQuery) -> int:
        assert self.index is not None
        return self.index.search(q.whoosh, limit=20, **q.whoosh_kwargs).total

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None

    def size(self) -> int:
        return folder_size(self.archive / "indeks")

    def cold_cli(self, q: BenchQuery) -> list[str] | None:
        args = ["search", q.whoosh, "--archive", str(self.archive), "--json", "--limit", "20"]
        for key, flag in (("kind", "--kind"), ("year", "--year"), ("classification", "--klasifikasi")):
            if key in q.whoosh_kwargs:
                args += [flag, str(q.whoosh_kwargs[key])]
        return [sys.executable, "-c", PEAK + CLI_SCRIPT, *args]

    def cold_bare(self, q: BenchQuery) -> list[str] | None:
        script = BARE_SCRIPTS[self.name]
        return [sys.executable, "-c", PEAK + script, str(self.archive / "indeks"), q.whoosh]


# A child reports its own peak memory (VmHWM of its own address space) when it exits: the
# rusage of a child also counts the parent's pages it shared before exec.
PEAK = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    sys.stderr.write('\\nWHOOSH %d\\n' % any(m.split('.')[0] == 'whoosh' for m in sys.modules))\n"
    "    try:\n"
    "        with open('/proc/self/status') as fh:\n"
    "            kb = next(l.split()[1] for l in fh if l.startswith('VmHWM'))\n"
    "        sys.stderr.write('\\nPEAK_KB ' + kb + '\\n')\n"
    "    except (OSError, StopIteration):\n"
    "        pass\n"
    "atexit.register(_peak)\n")
# What the installed `sopdocs` console script runs, after PEAK.
CLI_SCRIPT = (
    "sys.argv = ['sopdocs', *sys.argv[1:]]\n"
    "from sopdocs.cli import entry_point\n"
    "entry_point()\n")

BARE_SCRIPTS = {
    "whoosh": (
        "import sys\n"
        "from whoosh import index\n"
        "from whoosh.qparser import MultifieldParser\n"
        "ix = index.open_dir(sys.argv[1], indexname='MAIN')\n"
        "with ix.searcher() as s:\n"
        "    q = MultifieldParser(['title', 'text', 'people'], ix.schema).parse(sys.argv[2])\n"
        "    r = s.search(q, limit=20)\n"
        "    print(len(r), [h['doc_id'] for h in r])\n"),
    "tantivy": (
        "import sys, tantivy\n"
        "ix = tantivy.Index.open(sys.argv[1])\n"
        "ix.register_tokenizer('sopdocs_terms', tantivy.TextAnalyzerBuilder("
        "tantivy.Tokenizer.whitespace()).build())\n"
        "q, _ = ix.parse_query_lenient(sys.argv[2].lower(), ['title', 'text', 'people'])\n"
        "s = ix.searcher()\n"
        "r = s.search(q, 20)\n"
        "print(r.count, [s.doc(a)['meta'][0][:20] for _, a in r.hits])\n"),
}


class Fts5Engine(Engine):
    """SQLite FTS5 (unicode61 tokenizer, no stemming) as its users run it: one MATCH for
    the top hits with snippets, one grouped MATCH for the total and the counts per kind
    and year (the previous bench ran the MATCH four times per query)."""

    name = "fts5"

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        self.path = self.archive / "fts.sqlite3"
        self.con: sqlite3.Connection | None = None

    def build(self, docs: Sequence[IndexedDocument]) -> None:
        self.archive.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        con = sqlite3.connect(self.path)
        con.executescript(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE d(rowid INTEGER PRIMARY KEY, doc_id TEXT UNIQUE, number TEXT, kind TEXT,
                           cls TEXT, date TEXT, year INTEGER, path TEXT);
            CREATE INDEX d_kind ON d(kind); CREATE INDEX d_date ON d(date);
            CREATE VIRTUAL TABLE f USING fts5(number, title, people, text, tokenize='unicode61');
            """)
        with con:
            for i, doc in enumerate(docs, start=1):
                con.execute("INSERT INTO d VALUES (?,?,?,?,?,?,?,?)",
                            (i, doc.doc_id, doc.number, doc.kind, doc.classification,
                             doc.date.isoformat(), doc.date.year, doc.path))
                con.execute("INSERT INTO f(rowid, number, title, people, text) VALUES (?,?,?,?,?)",
                            (i, doc.number, doc.title, "\n".join(doc.people), doc.text))
        con.execute("INSERT INTO f(f) VALUES('optimize')")
        con.commit()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()

    def open(self) -> None:
        self.con = sqlite3.connect(self.path)

    def search(self, q: BenchQuery) -> int:
        assert self.con is not None
        base = f"FROM f JOIN d ON d.rowid = f.rowid WHERE f MATCH ? {q.fts_where}"
        args = (q.fts, *q.fts_args)
        self.con.execute(f"SELECT d.doc_id, d.number, d.kind, d.date, d.path, "
                         f"snippet(f, 3, '[[', ']]', '…', 24) {base} "
                         f"ORDER BY bm25(f) LIMIT 20", args).fetchall()
        groups = self.con.execute(f"SELECT d.kind, d.year, count(*) {base} GROUP BY d.kind, d.year",
                                  args).fetchall()
        return sum(int(n) for _kind, _year, n in groups)

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def size(self) -> int:
        return self.path.stat().st_size


def make_engine(name: str, work: Path) -> Engine:
    return Fts5Engine(work) if name == "fts5" else SopdocsEngine(work, name)


# ------------------------------------------------------------------- measuring


SERVICE_SWITCH = "SOPDOCS_SEARCH_SERVICE"


def service_up(within: float = 60.0) -> bool:
    """Whether the search service of the bench's runtime folder answers (waited for)."""
    from sopdocs import runtime
    from sopdocs.cli import service

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        folder = runtime.existing_private_dir()
        files = service._files(folder, service._tag()) if folder else None
        state = service._read_state(files["state"]) if files else None
        if files and state:
            try:
                service._connect(state["address"], files).close()
                return True
            except (OSError, runtime.ServiceUnavailable):
                pass
        time.sleep(0.1)
    return False


def child_env() -> dict[str, str]:
    """The environment of the cold runs: as a user's, with compiled modules (``.pyc``)
    written and used; PYTHONDONTWRITEBYTECODE (set in some shells and CI) would make
    every child compile every module it imports, about doubling the import time."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(args: list[str], service: bool = False) -> tuple[float, float, float, int, bool]:
    """(seconds, CPU seconds, peak memory MB, exit code, Whoosh imported) of one child
    process. The CPU time (user + system, from ``os.wait4``) depends little on other load
    on the machine; the peak is as the child reports it, see PEAK (NaN where /proc is
    missing)."""
    env = child_env()
    env[SERVICE_SWITCH] = "1" if service else "0"
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=tempfile.gettempdir(), env=env)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    cpu = float("nan")
    wait4 = getattr(os, "wait4", None)
    if wait4 is not None:
        _pid, status, usage = wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
    else:  # pragma: no cover - Windows
        proc.wait()
    seconds = time.perf_counter() - start
    peak = float("nan")
    whoosh = False
    for line in err.splitlines():
        if line.startswith("PEAK_KB "):
            peak = int(line.split()[1]) / 1024
        elif line.startswith("WHOOSH "):
            whoosh = line.split()[1] == "1"
    if proc.returncode:
        print(f"  child failed ({proc.returncode}): {' '.join(args[3:8])}…\n{err[-800:]}")
    return seconds, cpu, peak, proc.returncode, whoosh


def measure_size(engines: list[Engine], docs: Documents, queries: list[BenchQuery],
                 cold: int, rebuild: bool) -> dict[str, Figures]:
    figures = {e.name: Figures() for e in engines}
    made: list[IndexedDocument] | None = None
    for engine in engines:
        fig = figures[engine.name]
        if engine.built(len(docs)) and not rebuild:
            fig.build_note = "reused"
        else:
            if made is None:  # generated once, outside the timed builds
                start = time.perf_counter()
                made = list(docs)
                print(f"  generated {len(made):,} documents in {time.perf_counter() - start:.1f} s",
                      flush=True)
            wall, cpu = time.perf_counter(), time.process_time()
            engine.build(made)
            seconds = time.perf_counter() - wall
            fig.build_docs_s = len(docs) / seconds
            fig.build_cpu_docs_s = len(docs) / (time.process_time() - cpu)
            engine.mark_built(len(docs))
            print(f"  built {engine.name}: {len(docs)} docs in {seconds:.1f} s "
                  f"({fig.build_docs_s:.0f} docs/s; {machine_load()})", flush=True)
        fig.size_mb = engine.size() / 1e6
    for engine in engines:
        engine.open()
        engine.search(queries[0])  # opens the files
    for i, q in enumerate(queries):  # interleaved, rotated
        shift = i % len(engines)
        for engine in engines[shift:] + engines[:shift]:
            start = time.perf_counter()
            figures[engine.name].totals += engine.search(q)
            figures[engine.name].warm.setdefault(q.label, []).append(
                (time.perf_counter() - start) * 1000)
    for engine in engines:
        engine.close()
    cold_queries = [q for q in queries if q.label != "fuzzy"][:cold]
    for engine in engines:  # untimed: compiled modules written, files in the page cache, service started
        for args in (engine.cold_cli(queries[0]), engine.cold_bare(queries[0])):
            if cold and args is not None:
                run_child(args)
        cli_args = engine.cold_cli(queries[0])
        if cold and cli_args is not None:
            run_child(cli_args, service=True)
            if not service_up():
                print("  the search service did not start: its figures are missing")
    for i, q in enumerate(cold_queries):
        for engine in engines:
            cli, bare = engine.cold_cli(q), engine.cold_bare(q)
            if cli is None or bare is None:
                continue
            fig = figures[engine.name]
            trio = [("cli", cli), ("svc", cli), ("bare", bare)]
            shift = i % len(trio)
            for what, args in trio[shift:] + trio[:shift]:  # interleaved, rotated
                seconds, cpu, peak, _code, whoosh = run_child(args, service=what == "svc")
                if what == "cli":
                    fig.cold_cli.append(seconds * 1000)
                    fig.cpu_cli.append(cpu * 1000)
                    fig.rss_cli.append(peak)
                    fig.whoosh_cli.append(whoosh)
                elif what == "svc":
                    fig.cold_svc.append(seconds * 1000)
                    fig.cpu_svc.append(cpu * 1000)
                    fig.rss_svc.append(peak)
                else:
                    fig.cold_bare.append(seconds * 1000)
                    fig.cpu_bare.append(cpu * 1000)
                    fig.rss_bare.append(peak)
    return figures


def report(size: int, engines: list[str], figures: dict[str, Figures], queries: int) -> None:
    width = 16
    print(f"\n== {size:,} documents (about 550 words each); {machine_load()}")
    print(f"{'':44s}" + "".join(f"{name:>{width}s}" for name in engines))

    def row(label: str, cell: Callable[[Figures], str]) -> None:
        print(f"{label:44s}" + "".join(f"{cell(figures[name]):>{width}s}" for name in engines))

    def num(v: float | None, fmt: str = ".0f") -> str:
        return "-" if v is None or v != v else format(v, fmt)

    def all_warm(f: Figures) -> list[float]:
        return [v for vs in f.warm.values() for v in vs]

    row("build, docs/s", lambda f: f.build_note or num(f.build_docs_s))
    row("  per CPU second (all threads of the bench)", lambda f: f.build_note or num(f.build_cpu_docs_s))
    row("size on disk, MB", lambda f: num(f.size_mb, ".1f"))
    row(f"warm p50 ms ({queries} mixed queries)",
        lambda f: num(statistics.median(all_warm(f)), ".2f") if f.warm else "-")
    row("warm p95 ms", lambda f: num(pct(all_warm(f), 95), ".2f") if f.warm else "-")
    row("warm max ms", lambda f: num(max(all_warm(f)), ".1f") if f.warm else "-")
    labels = list(next(iter(figures.values())).warm)
    for label in labels:
        row(f"  {label}: p50 / p95 ms", lambda f: (
            f"{statistics.median(f.warm[label]):.1f} / {pct(f.warm[label], 95):.1f}"
            if label in f.warm else "-"))
    def med(values: list[float]) -> float | None:
        return statistics.median(values) if values else None

    def ratio(top: list[float], bottom: list[float]) -> str:
        return num(statistics.median(top) / statistics.median(bottom) if top and bottom else None, ".2f")

    row("`sopdocs search` no service p50 / p95 ms", lambda f: (
        f"{statistics.median(f.cold_cli):.0f} / {pct(f.cold_cli, 95):.0f}" if f.cold_cli else "-"))
    row("`sopdocs search` by service p50 / p95 ms", lambda f: (
        f"{statistics.median(f.cold_svc):.0f} / {pct(f.cold_svc, 95):.0f}" if f.cold_svc else "-"))
    row("cold bare open + query p50 ms", lambda f: num(med(f.cold_bare)))
    row("ratio to bare: no service / service", lambda f: f"{ratio(f.cold_cli, f.cold_bare)} / "
        f"{ratio(f.cold_svc, f.cold_bare)}")
    row("CPU ms: no service / service / bare", lambda f: (
        f"{statistics.median(f.cpu_cli):.0f} / {num(med(f.cpu_svc))} / {statistics.median(f.cpu_bare):.0f}"
        if f.cpu_cli and f.cpu_bare else "-"))
    row("peak MB: no service / service / bare", lambda f: (
        f"{max(f.rss_cli):.0f} / {num(max(f.rss_svc) if f.rss_svc else None)} / {max(f.rss_bare):.0f}"
        if f.rss_cli and f.rss_bare else "-"))
    row("Whoosh imported, no service", lambda f: (
        f"{sum(f.whoosh_cli)} of {len(f.whoosh_cli)}" if f.whoosh_cli else "-"))
    row("(sum of the queries' totals)", lambda f: str(f.totals))


# ------------------------------------------------------------------ hostile mode

HOSTILE_QUERIES = ["*a* *e* *i* *o* *u*", "**", "text:[a TO zzzz]", "pendataan~99",
                   "text:*", "a*", "pe*", "pendataan~2/0", "(" * 30 + "data" + ")" * 30,
                   "pe* OR ka* OR ma* OR sa* OR ta*", "verifikasi" * 45]


def hostile_queries(corpus: Corpus) -> list[tuple[str, str]]:
    """(label, query): the hostile queries, then normal ones taken from the corpus."""
    out = [("hostile", q) for q in HOSTILE_QUERIES]
    doc = corpus.docs[len(corpus.docs) // 2]
    words = _content_words(doc)
    nip = next(p for p in doc.people if p[:1].isdigit())
    out += [("normal", corpus.vocabulary[0]), ("normal", f"{words[3]} {words[40]}"),
            ("normal", f'"{words[10]} {words[11]}"'), ("normal", doc.number),
            ("normal", nip), ("normal", nip.replace(" ", "")), ("normal", "pendataan~"),
            ("normal", "pendataan*"), ("normal", "pendatan")]
    return out


def bench_hostile(corpus: Corpus, work: Path, args: argparse.Namespace) -> None:
    engine = SopdocsEngine(work / f"hostile-{len(corpus.docs)}", args.engine)
    if not engine.built(len(corpus.docs)):
        t0 = time.perf_counter()
        engine.build(corpus.docs)
        engine.mark_built(len(corpus.docs))
        print(f"index: built {len(corpus.docs)} docs in {time.perf_counter() - t0:.1f} s")
    engine.open()
    assert engine.index is not None
    ix = engine.index
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
                outcome = f"{res.total} docs" + (" (fuzzy)" if res.fuzzy else "")
                if res.notice:
                    outcome += f"; notice: {res.notice}"
            except Exception as exc:  # noqa: BLE001 - the bench reports every outcome
                outcome = f"{type(exc).__name__}: {exc}"
            times.append((time.perf_counter() - t0) * 1000)
        rows[q] = {"label": label, "ms": min(times), "outcome": outcome}
    engine.close()
    width = min(max(len(q) for q in rows), 40)
    head = f"{'query':{width}s}  {'kind':7s}  {'ms':>9s}"
    if before:
        head += f"  {'ms before':>9s}"
    print(f"\n== hostile queries on {args.engine}, {args.docs} docs (best of {args.repeat}; "
          f"{args.limit} hits); {machine_load()}")
    print(head + "  outcome")
    for q, row_ in rows.items():
        shown = q if len(q) <= width else q[: width - 1] + "…"
        line = f"{shown:{width}s}  {row_['label']:7s}  {row_['ms']:9.1f}"
        if before:
            old = before.get(q, {}).get("ms")
            line += f"  {old:9.1f}" if isinstance(old, (int, float)) else f"  {'-':>9s}"
        print(f"{line}  {str(row_['outcome'])[:140]}")
    slowest = max(rows, key=lambda k: float(rows[k]["ms"]))  # type: ignore[arg-type]
    print(f"slowest: {slowest!r} {rows[slowest]['ms']:.1f} ms")
    if args.save:
        args.save.write_text(json.dumps({"docs": args.docs, "queries": rows},
                                        ensure_ascii=False, indent=1))


# -------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sizes", default="2000", help="comma-separated document counts (2000)")
    ap.add_argument("--docs", type=int, default=None, help="one size (same as --sizes N)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="whoosh,tantivy,fts5")
    ap.add_argument("--queries", type=int, default=240, help="warm queries per size (240)")
    ap.add_argument("--cold", type=int, default=12, help="cold queries per engine (12)")
    ap.add_argument("--zipf-offset", type=float, default=10.0,
                    help="flattening of the most frequent words (0 = harsh, see Documents)")
    ap.add_argument("--keep", type=Path, default=None,
                    help="keep the indexes in this folder and reuse them in later runs")
    ap.add_argument("--rebuild", action="store_true", help="with --keep: build again anyway")
    ap.add_argument("--hostile", action="store_true",
                    help="time hostile queries (wildcards, ranges, fuzzy) one by one instead")
    ap.add_argument("--engine", default="whoosh", choices=["whoosh", "tantivy"],
                    help="--hostile: the engine")
    ap.add_argument("--limit", type=int, default=20, help="--hostile: hits per search")
    ap.add_argument("--repeat", type=int, default=1, help="--hostile: runs per query (best kept)")
    ap.add_argument("--save", type=Path, default=None, help="--hostile: write figures as JSON")
    ap.add_argument("--compare", type=Path, default=None,
                    help="--hostile: print the figures of an earlier --save beside")
    args = ap.parse_args(argv)
    sizes = [args.docs] if args.docs else [int(s) for s in args.sizes.split(",") if s.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        ap.error(f"unknown engines: {sorted(unknown)}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="sopdocs-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"bench/search.py: sizes {sizes}, engines {engines}; {machine_load()}")
    # The search service of the cold runs: the bench's own runtime folder (short: a socket path).
    runtime_folder = tempfile.mkdtemp(prefix="sdb-")
    os.environ["SOPDOCS_RUNTIME"] = runtime_folder
    try:
        if args.hostile:
            args.docs = sizes[0]
            bench_hostile(make_corpus(sizes[0], zipf_offset=args.zipf_offset), work, args)
            return
        for size in sizes:
            corpus = make_corpus(size, zipf_offset=args.zipf_offset)
            t0 = time.perf_counter()
            queries = make_queries(corpus, args.queries)
            print(f"\n{size:,} documents: queries made in {time.perf_counter() - t0:.1f} s", flush=True)
            folder = work / f"docs-{size}"
            figures = measure_size([make_engine(e, folder) for e in engines], corpus.docs,
                                   queries, args.cold, args.rebuild)
            report(size, engines, figures, len(queries))
    finally:
        from sopdocs.cli import service

        service.stop(runtime_folder)
        shutil.rmtree(runtime_folder, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
