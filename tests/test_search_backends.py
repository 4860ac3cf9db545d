"""The index engine an archive uses (``pengaturan.yaml``: ``indeks: whoosh|tantivy``), the
same searches on both, and ``sopdocs search`` started cold: the demo's archive searched
through the real CLI with each engine, the engines compared on the same documents, the
fast analysis compared with the Whoosh analyzers, and what a search process imports."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sopdocs.search import open_index
from sopdocs.search.analysis import (
    index_terms,
    indonesian_analyzer,
    people_analyzer,
    words_analyzer,
)
from sopdocs.search.index import IndexNeedsRebuildError, WhooshIndex
from sopdocs.search.tantivyindex import TantivyIndex

CLI = [sys.executable, "-m", "sopdocs"]
BACKENDS = ["whoosh", "tantivy"]
# What a search must not load (issue 16: the CLI must not import the rendering stack).
# (sopdocs.kinds.registry is light and loaded by the parser of `render` for its choices.)
RENDERING_STACK = ["docx", "docxtpl", "lxml", "matplotlib", "openpyxl", "jinja2", "pypdf",
                   "PIL", "sopdocs.docx", "sopdocs.archive", "pydantic"]


def sopdocs(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=600)


def search(work: Path, *args: str) -> dict:  # type: ignore[type-arg]
    proc = sopdocs("search", *args, "--json", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def use_engine(archive: Path, engine: str) -> None:
    (archive / "pengaturan.yaml").write_text(f"indeks: {engine}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def demo_whoosh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("demo-whoosh")
    proc = sopdocs("demo", "--no-pdf", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return work


@pytest.fixture(scope="module")
def demos(demo_whoosh: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's archive, and a copy switched to tantivy (its index is still Whoosh's:
    the first search finds it is another engine's and rebuilds it from the bags)."""
    work = tmp_path_factory.mktemp("demo-tantivy")
    shutil.copytree(demo_whoosh / "archive", work / "archive")
    use_engine(work / "archive", "tantivy")
    return {"whoosh": demo_whoosh, "tantivy": work}


def case_items(work: Path) -> list[dict]:  # type: ignore[type-arg]
    path = work / "archive" / "berkas" / "PENDATAAN-2024-01" / "data" / "berkas.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["items"] if "items" in data else data["item"]  # type: ignore[no-any-return]


# ------------------------------------------------------------- the demo, both engines


@pytest.mark.parametrize("engine", BACKENDS)
def test_demo_searches_on_each_engine(demos: dict[str, Path], engine: str) -> None:
    work = demos[engine]
    numbered = [item for item in case_items(work) if item["number"]]
    assert {item["kind"] for item in numbered} == {"sop", "surat-tugas", "nota-dinas"}
    for item in numbered:
        found = search(work, item["number"])
        assert found["hits"][0]["number"] == item["number"], (engine, item["number"])
        assert found["hits"][0]["kind"] == item["kind"]
    for query in ["Rahmat Hidayat", "198503122010011004", "19850312 201001 1 004", "NUR AINI"]:
        assert [h["kind"] for h in search(work, query)["hits"]] == ["surat-tugas"], query
    typo = search(work, "Rahmad Hidayat")
    assert typo["did_you_mean"] and "rahmat" in typo["did_you_mean"].lower()
    assert [h["kind"] for h in typo["hits"]] == ["surat-tugas"]
    inflected = search(work, "dikumpulkan", "--kind", "kuesioner")
    assert [h["kind"] for h in inflected["hits"]] == ["kuesioner"]
    assert search(work, "kriptografi")["hits"] == []
    if engine == "tantivy":
        assert json.loads((work / "archive" / "indeks" / "sopdocs-build.json")
                          .read_text(encoding="utf-8"))["engine"] == "tantivy"


def test_both_engines_find_the_same_records(demos: dict[str, Path]) -> None:
    queries = ["pendataan", "data", '"pengumpulan data"', "kind:disposisi", "surat tugas",
               "Disnakertrans", "date:2024", "pengump*", "tenaga kerja", "NOT kuesioner",
               "rekapitulasi OR disposisi", "nota", "foto", "perusahaan~", "2024",
               "klasifikasi:800.1.11.1", ""]
    for query in queries:
        got = {engine: search(work, query, "--limit", "100") for engine, work in demos.items()}
        whoosh, tantivy = got["whoosh"], got["tantivy"]
        assert whoosh["total"] == tantivy["total"], query
        assert sorted(h["doc_id"] for h in whoosh["hits"]) == sorted(
            h["doc_id"] for h in tantivy["hits"]), query
        assert whoosh["by_kind"] == tantivy["by_kind"] and whoosh["by_year"] == tantivy["by_year"]
        assert whoosh["did_you_mean"] == tantivy["did_you_mean"], query
        snippets = {engine: {h["doc_id"]: h["snippet"] for h in r["hits"]} for engine, r in got.items()}
        assert snippets["whoosh"] == snippets["tantivy"], query


@pytest.mark.parametrize("engine", BACKENDS)
def test_reindex_builds_the_configured_engine(demos: dict[str, Path], engine: str,
                                              tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(demos["whoosh"] / "archive", archive)
    other = "whoosh" if engine == "tantivy" else "tantivy"
    use_engine(archive, other)
    proc = sopdocs("archive", "reindex", "--archive", str(archive), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    use_engine(archive, engine)
    proc = sopdocs("archive", "reindex", "--archive", str(archive), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    index = open_index(archive)
    try:
        assert type(index) is {"whoosh": WhooshIndex, "tantivy": TantivyIndex}[engine]
        assert index.check().ok
        assert index.counts().total == len(case_items(demos["whoosh"]))
    finally:
        index.close()
    assert not list(archive.glob("indeks.new-*")) and not list(archive.glob("indeks.old-*"))


def test_bad_engine_name_is_one_line_exit_2(demos: dict[str, Path], tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(demos["whoosh"] / "archive", archive)
    use_engine(archive, "lucene")
    proc = sopdocs("search", "data", "--archive", str(archive), cwd=tmp_path)
    assert proc.returncode == 2
    assert "pengaturan.yaml" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("engine", BACKENDS)
def test_foreign_index_folder_needs_rebuild(tmp_path: Path, engine: str) -> None:
    """An index folder written by the other engine is never taken for an empty index."""
    from test_search import DOCS

    other = "whoosh" if engine == "tantivy" else "tantivy"
    writer = open_index(tmp_path, backend=other)  # type: ignore[arg-type]
    writer.add(DOCS)
    writer.close()
    index = open_index(tmp_path, backend=engine)  # type: ignore[arg-type]
    assert not index.check().ok
    with pytest.raises(IndexNeedsRebuildError):
        index.search("petugas")
    assert index.rebuild(DOCS) == len(DOCS)
    assert index.check().ok and index.search("petugas").total == 3
    index.close()


# ------------------------------------------------------------------ cold searches


_PROBE = """
import json, sys
from sopdocs.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(m for m in sys.modules)}), file=sys.stderr)
"""


@pytest.mark.parametrize("engine", BACKENDS)
def test_search_does_not_import_the_rendering_stack(demos: dict[str, Path], engine: str) -> None:
    work = demos[engine]
    search(work, "pendataan")  # the tantivy copy is rebuilt by its first search
    proc = subprocess.run([sys.executable, "-c", _PROBE, "search", "pendataan", "--json"],
                          cwd=work, capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] == 0
    assert json.loads(proc.stdout)["total"] > 0
    loaded = set(report["modules"])
    heavy = [m for m in RENDERING_STACK if m in loaded]
    assert heavy == []
    assert ("tantivy" in loaded) == (engine == "tantivy")
    if engine == "tantivy":  # issue 14: the tantivy engine parses queries without Whoosh
        assert [m for m in loaded if m.split(".")[0] == "whoosh"] == []
        assert "sopdocs.search.index" not in loaded and "sopdocs.search.analysis" not in loaded
    # "pendataan" is in the archive: its stem is read from the index's stems.sqlite,
    # Sastrawi (its dictionary takes about 60 ms to load) is not started.
    assert "Sastrawi" not in loaded


@pytest.mark.parametrize("query", ['"pengumpulan data"', "kind:surat-tugas pendataan",
                                   "pengump*", "NOT kuesioner", "rekapitulasi OR disposisi",
                                   "perusahaan~", "Rahmad Hidayat", "800.1.11.1/015/DTK/2024"])
def test_tantivy_search_imports_no_whoosh(demos: dict[str, Path], query: str) -> None:
    """Issue 14: a cold search on tantivy must not pay Whoosh's import (a fresh
    interpreter per query, as a user runs it). Typos and fuzzy retries included."""
    work = demos["tantivy"]
    search(work, "pendataan")  # the tantivy copy is rebuilt by its first search
    proc = subprocess.run([sys.executable, "-c", _PROBE, "search", query, "--json"],
                          cwd=work, capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] == 0
    loaded = set(report["modules"])
    assert "tantivy" in loaded
    assert [m for m in loaded if m.split(".")[0] == "whoosh"] == [], query


def test_cli_names_agree_with_the_archive() -> None:
    from sopdocs.archive import archive
    from sopdocs.cli import search as cli_search
    from sopdocs.search import factory

    assert cli_search._INDEX_FOLDER == archive.INDEX == factory.INDEX_FOLDER
    assert cli_search._QUEUE_FOLDER == archive.QUEUE
    from sopdocs.definitions.archivesettings import SETTINGS_FILE

    assert factory.SETTINGS_FILE == SETTINGS_FILE


def test_pending_index_update_goes_through_the_archive(demos: dict[str, Path],
                                                       tmp_path: Path) -> None:
    """A case file whose index update was never confirmed is indexed by the next
    search (the direct path would miss it)."""
    archive = tmp_path / "archive"
    shutil.copytree(demos["whoosh"] / "archive", archive)
    index = open_index(archive)
    number = next(item["number"] for item in case_items(demos["whoosh"]) if item["kind"] == "sop")
    doc_id = index.search(number).hits[0].doc_id
    assert index.delete(doc_id)
    index.close()
    queue = archive / "indeks.antrian"
    queue.mkdir(exist_ok=True)
    (queue / "PENDATAAN-2024-01.0123456789ab.tertunda").write_text("", encoding="utf-8")
    found = search(tmp_path, number, "--archive", str(archive))
    assert found["hits"] and found["hits"][0]["number"] == number


# --------------------------------------------------------------------- analysis


def _texts() -> list[str]:
    rng = random.Random(14)
    pieces = ["Pengumpulan", "data", "yang", "dikumpulkan", "oleh", "petugas", "K-2024-0001",
              "800.1.11.1/015/DTK/2024", "19720319 198003 1 001", "197203191980031001",
              "O'Neil", "İstanbul", "ab_cd", "Rp1.000.000,00", "x-y-z", "di-ke", "dan-yang",
              "SURAT", "Tugas:", "menyampaikan", "\t", "\n", "—", "ke-2", "’s", "ßtraße",
              "19720319\t198003 1 001-abc", "x197203191980031001", "pendataan.", "..a..b..",
              "a\u00a0b", "x\u2028y", "Ⅻ", "¹²", "٣٤٥", "e\u0301", "\u200bkata", "a'", "'b",
              "k/", "/k", "Rp.", "-", "İİ", "ǅ", "ﬁle"]
    out = []
    for _ in range(300):
        out.append(" ".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))))
    return out


def test_fast_tokens_equal_the_word_pattern() -> None:
    from sopdocs.search.analysis import _WORD_RE, _word_tokens

    rng = random.Random(16)
    alphabet = [chr(c) for c in range(0, 0x3000, 7)] + list("-./'\u2019 _aA1")
    for text in _texts() + ["".join(rng.choice(alphabet) for _ in range(60)) for _ in range(500)]:
        assert _word_tokens(text) == _WORD_RE.findall(text), repr(text)


def test_fast_analysis_equals_the_whoosh_analyzers() -> None:
    """index_terms feeds both engines; it must give exactly the analyzers' terms."""
    analyzers = {"text": indonesian_analyzer(), "words": words_analyzer(),
                 "people": people_analyzer()}
    for text in _texts():
        for kind, analyzer in analyzers.items():
            expected = sorted((t.text, t.pos) for t in analyzer(text, positions=True, mode="index"))
            assert sorted(index_terms(text, kind)) == expected, (kind, text)


@pytest.mark.parametrize("text", [
    "indeks: tantivy\n", "indeks: whoosh # bawaan\n", "# komentar\nindeks: tantivy\n",
    "register: postgresql://arsip@server/sopdocs\nindeks: tantivy\n", "register:\n", "",
    "indeks: 'tantivy'\n", "indeks:tantivy\n", "indeks: lucene\n", "indeks: tantivy\nlain: 1\n",
    "instansi: Dinas Tenaga Kerja\nindeks: tantivy\n", "  indeks: tantivy\n", "indeks: [tantivy]\n",
    "indeks: tantivy#x\n", "indeks: tantivy\nindeks: whoosh\n",
])
def test_settings_read_without_the_model_agree_with_it(tmp_path: Path, text: str) -> None:
    from sopdocs.definitions.archivesettings import archive_settings
    from sopdocs.errors import SopdocsError
    from sopdocs.search.factory import index_backend

    (tmp_path / "pengaturan.yaml").write_text(text, encoding="utf-8")
    try:
        expected: object = archive_settings(tmp_path).indeks
    except SopdocsError as exc:
        expected = type(exc)
    try:
        got: object = index_backend(tmp_path)
    except SopdocsError as exc:
        got = type(exc)
    assert got == expected


def test_terms_for_tantivy_equal_the_index_terms() -> None:
    from sopdocs.search.analysis import terms_of

    for text in _texts():
        stems, parts, words = terms_of(text)
        assert sorted(stems + parts) == sorted(t for t, _ in index_terms(text, "text")), text
        assert sorted(words) == sorted(t for t, _ in index_terms(text, "words")), text
        main: dict[int, str] = {}
        for term, pos in index_terms(text, "text"):
            main.setdefault(pos, term)  # the token itself comes before its parts
        assert stems == [main[pos] for pos in sorted(main)], text


# ------------------------------------------------------------------- stems kept


_STEM_PROBE = """
import json, sys
from collections.abc import Iterator
from pathlib import Path
from sopdocs.search import open_index
index = open_index(Path(sys.argv[1]), backend=sys.argv[2])
found = index.search(sys.argv[3])
print(json.dumps({"total": found.total, "sastrawi": "Sastrawi" in sys.modules}))
"""


@pytest.mark.parametrize("engine", BACKENDS)
def test_stems_are_kept_with_the_index(tmp_path: Path, engine: str) -> None:
    from test_search import DOCS

    from sopdocs.search.stemstore import STEMS_FILE

    index = open_index(tmp_path, backend=engine)  # type: ignore[arg-type]
    index.rebuild(DOCS)
    index.add([DOCS[0]])
    index.close()
    folder = tmp_path / "indeks"
    assert (folder / STEMS_FILE).is_file()

    def probe(query: str) -> dict:  # type: ignore[type-arg]
        proc = subprocess.run([sys.executable, "-c", _STEM_PROBE, str(tmp_path), engine, query],
                              capture_output=True, text=True, encoding="utf-8", timeout=300)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)  # type: ignore[no-any-return]

    assert probe("pengumpulan") == {"total": 3, "sastrawi": False}  # kept: no Sastrawi
    assert probe("dikumpulkannya") == {"total": 3, "sastrawi": True}  # new word: Sastrawi
    # A damaged file is ignored: the same results, from Sastrawi.
    (folder / STEMS_FILE).write_bytes(b"SQLite format 3\x00" + b"\xff" * 500)
    assert probe("pengumpulan") == {"total": 3, "sastrawi": True}


@pytest.mark.parametrize("engine", BACKENDS)
def test_cli_paging_and_filters(demos: dict[str, Path], engine: str) -> None:
    work = demos[engine]
    everything = search(work, "", "--sort", "date", "--limit", "100")
    total = everything["total"]
    assert total == len(case_items(demos["whoosh"])) and everything["by_year"] == {"2024": total}
    pages = [search(work, "", "--sort", "date", "--limit", "3", "--offset", str(k))
             for k in range(0, total, 3)]
    assert [h["doc_id"] for p in pages for h in p["hits"]] == [h["doc_id"] for h in everything["hits"]]
    assert all(p["total"] == total for p in pages)
    assert search(work, "", "--tahun", "2023")["total"] == 0
    assert search(work, "", "--tahun", "2024")["total"] == total
    code = everything["hits"][0]["classification"]  # the demo files everything under one code
    assert code and all(h["classification"] == code for h in everything["hits"])
    assert search(work, "", "--klasifikasi", code)["total"] == total
    assert search(work, "", "--klasifikasi", code.rsplit(".", 1)[0])["total"] == total
    assert search(work, "", "--klasifikasi", code + "9")["total"] == 0
    assert search(work, "", "--instansi", "Dinas Lain")["total"] == 0
    proc = sopdocs("search", "data", "--offset", "-1", cwd=work)
    assert proc.returncode == 2 and "--offset" in proc.stderr and "Traceback" not in proc.stderr
    shown = sopdocs("search", "", "--limit", "2", cwd=work)
    assert f"{total} dokumen; {total - 2} lagi" in shown.stdout


# ------------------------------------------------------------- random queries


_QUERY_PARTS = ["pendataan", "petugas", "data", "surat", "tugas", "*", "?", "~", "~99", "[", "]",
                "{", "}", " TO ", "(", ")", "\"", ":", "^", "AND", "OR", "NOT", "kind:", "text:",
                "nomor:", "jenis:sop", "date:2024", "tanggal:[20240101 TO 20240131]", "a", "e",
                "peng*", "800.1.11.1/015/DTK/2024", "19720319 198003 1 001", "\\", "/", "-",
                "+", " ", " ", "dikumpulkan", "Suharianto", "K-2024-0001", "lapang*", "verif~",
                "\x1b", "\u0000"]


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    from test_search import DOCS

    root = tmp_path_factory.mktemp("both")
    engines = {}
    for engine in BACKENDS:
        index = open_index(root / engine, backend=engine)  # type: ignore[arg-type]
        index.rebuild(DOCS)
        engines[engine] = index
    yield engines
    for index in engines.values():
        index.close()  # type: ignore[attr-defined]


def _outcome(index: object, query: str) -> object:
    from sopdocs.errors import SopdocsError

    try:
        res = index.search(query, limit=50)  # type: ignore[attr-defined]
    except SopdocsError as exc:
        return type(exc).__name__
    return (res.total, sorted(h.doc_id for h in res.hits), res.by_kind, res.by_year,
            res.did_you_mean, res.fuzzy, res.notice)


def test_random_queries_give_the_same_outcome_on_both_engines(both_engines: dict[str, object]) -> None:
    """Hypothesis-made queries (the parts of tests/fuzz_driver.py and more): both engines
    refuse the same ones with the same error, and otherwise find the same documents,
    counts, suggestion and notice."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    queries = st.one_of(st.text(max_size=30),
                        st.lists(st.sampled_from(_QUERY_PARTS), max_size=8).map("".join))

    @settings(max_examples=300, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(queries)
    def check(query: str) -> None:
        whoosh = _outcome(both_engines["whoosh"], query)
        tantivy = _outcome(both_engines["tantivy"], query)
        assert whoosh == tantivy, query

    check()
