"""Bounds on what one search may cost: hostile queries end in a clear SearchError or in
a limited result with a notice. A real index of a few hundred generated documents in
tmp_path, for each backend (Whoosh and tantivy); outcomes are asserted, never wall-clock
time. Tests of Whoosh internals say so in their name."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import query

import sopdocs.search.base as search_base
from sopdocs.errors import SopdocsError
from sopdocs.search.index import (
    FUZZY_PREFIX,
    MAX_CLAUSES,
    MAX_EXPANSION_TERMS,
    MAX_FUZZY_DISTANCE,
    MAX_FUZZY_WORD_CHARS,
    MAX_NESTING,
    MAX_QUERY_CHARS,
    MIN_WILDCARD_PREFIX,
    IndexedDocument,
    QueryTimeoutError,
    SearchError,
    WhooshIndex,
    SearchIndex,
    make_snippet,
)
from sopdocs.search import querylang as ql
from sopdocs.search.tantivyindex import TantivyIndex

N_DOCS = 300
# Every document has two codes of its own, "reg0000a" and "reg0000b": 600 indexed words
# starting with "reg", more than MAX_EXPANSION_TERMS.
REG_WORDS = 2 * N_DOCS
WORDS = """pendataan petugas lapangan verifikasi berkas kecamatan anggaran kegiatan
laporan rapat koordinasi kuesioner rumah tangga pekerjaan upah survei wilayah desa
kabupaten dokumen naskah arsip pengumpulan dikumpulkan dilaporkan ditindaklanjuti""".split()
NIP = "19720319 198003 1 001"


def _corpus() -> list[IndexedDocument]:
    rng = random.Random(20240101)
    docs = []
    for i in range(N_DOCS):
        words = rng.choices(WORDS, k=30)
        people = ["Suharyanto", NIP] if i == 7 else [f"Pegawai {i}"]
        text = " ".join(words) + f" kode reg{i:04d}a dan reg{i:04d}b."
        if i == 11:
            text = ("Awal \x1b]0;judul\x07 pemeriksaan khusus \x1b[2J pendataan \u202e "
                    "selesai. " + text)
        docs.append(IndexedDocument(
            doc_id=f"D{i:04d}", number=f"800.1.11.1/{i:03d}/DTK/2024", kind="surat-tugas",
            classification="800.1.11.1", case_id=f"K-2024-{i:04d}",
            title=f"Surat Tugas {rng.choice(WORDS).capitalize()}",
            date=dt.date(2024, 1, 1) + dt.timedelta(days=i), people=people, text=text,
            path=f"arsip/{i:04d}.docx",
        ))
    return docs


def make_index(backend: str, folder: Path, **kwargs: object) -> SearchIndex:
    if backend == "tantivy":
        return TantivyIndex(folder, **kwargs)  # type: ignore[arg-type]
    return WhooshIndex(folder, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Path:
    path = tmp_path_factory.mktemp(f"bounds-{backend}") / "index"
    index_ = make_index(backend, path)
    assert index_.rebuild(_corpus()) == N_DOCS
    index_.close()
    return path


@pytest.fixture()
def ix(folder: Path, backend: str) -> Iterator[SearchIndex]:
    index_ = make_index(backend, folder)
    yield index_
    index_.close()


def ids(results: object) -> list[str]:
    return [h.doc_id for h in results.hits]  # type: ignore[attr-defined]


# ------------------------------------------------------------------- wildcards


@pytest.mark.parametrize("qs", ["*a* *e* *i* *o* *u*", "**", "*", "a*", "*data", "?endataan",
                                "p?ndataan", "text:*", "judul:*", "petugas *a*"])
def test_wildcard_without_literal_prefix_is_refused(ix: SearchIndex, qs: str) -> None:
    with pytest.raises(SearchError, match=f"paling sedikit {MIN_WILDCARD_PREFIX} huruf") as exc:
        ix.search(qs)
    assert isinstance(exc.value, SopdocsError) and exc.value.exit_code == 2


def test_wildcard_with_prefix_still_works(ix: SearchIndex) -> None:
    res = ix.search("pendata*")
    plain = ix.search("pendataan")
    assert res.total == plain.total > 0 and res.notice is None
    assert set(ids(ix.search("reg01?3a"))) == {f"D01{k}3" for k in range(10)}


def test_wide_prefix_is_capped_with_a_notice(ix: SearchIndex) -> None:
    res = ix.search("reg*")
    # Only the first MAX_EXPANSION_TERMS codes (alphabetical: reg0000a, reg0000b, ...)
    # are searched: two per document.
    assert res.total == MAX_EXPANSION_TERMS // 2
    assert res.notice is not None and f"lebih dari {MAX_EXPANSION_TERMS} kata" in res.notice
    assert "'reg*'" in res.notice
    if isinstance(ix, WhooshIndex):
        ix._get_searcher()
        ev = ix._evaluator
        assert ev is not None
        expanded = ev.expand(query.Prefix("text", "reg"))
    else:
        assert isinstance(ix, TantivyIndex)
        expanded = ix._expand(ix._searcher(), ql.Prefix("text", "reg"))
    assert len(expanded) == MAX_EXPANSION_TERMS < REG_WORDS
    assert expanded[0] == b"reg0000a" and expanded == sorted(expanded)
    # a narrower prefix is complete and says nothing
    narrow = ix.search("reg00*")
    assert narrow.total == 100 and narrow.notice is None


@pytest.mark.parametrize("backend", ["whoosh"], indirect=True)
def test_whoosh_expansion_stops_enumerating_at_the_cap(folder: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The words of a prefix are read lazily and reading stops at the cap, not after
    reading all 600. (Whoosh reads the word list in Python; tantivy returns the words
    of a prefix in one call, then only the first ones are kept.)"""
    ix = WhooshIndex(folder)
    pulled: list[int] = []
    original = query.Prefix._btexts

    def counting(self: query.Prefix, reader: object) -> Iterator[bytes]:
        n = 0
        pulled.append(0)
        for btext in original(self, reader):
            n += 1
            pulled[-1] = n
            yield btext

    monkeypatch.setattr(query.Prefix, "_btexts", counting)
    res = ix.search("reg*")
    assert res.notice and pulled
    assert max(pulled) == MAX_EXPANSION_TERMS + 1


def test_unbounded_range_is_capped_with_a_notice(ix: SearchIndex) -> None:
    res = ix.search("text:[a TO zzzz]")
    assert res.total > 0 and res.notice is not None
    assert f"lebih dari {MAX_EXPANSION_TERMS} kata" in res.notice
    codes = ix.search("text:[reg0000a TO reg9999z]")
    assert codes.total == MAX_EXPANSION_TERMS // 2 and codes.notice
    small = ix.search("text:[reg0010a TO reg0019z]")
    assert small.total == 10 and small.notice is None


# ------------------------------------------------------------------------ fuzzy


def fuzzy_leaves(q: object) -> list[tuple[int, int]]:
    """(maxdist, prefix length) of the fuzzy words of a built query: a Whoosh tree
    (Whoosh engine) or a querylang tree (tantivy engine)."""
    if isinstance(q, query.Query):
        return [(f.maxdist, f.prefixlength) for f in q.leaves()
                if isinstance(f, query.FuzzyTerm)]
    assert q is not None
    return [(f.maxdist, f.prefix) for f in ql.leaves(q)  # type: ignore[arg-type]
            if isinstance(f, ql.Fuzzy)]


def leaf_texts(q: object) -> list[str]:
    leaves = q.leaves() if isinstance(q, query.Query) else ql.leaves(q)  # type: ignore[arg-type]
    return [getattr(leaf, "text", "") for leaf in leaves]


def test_huge_fuzzy_distance_is_clamped(ix: SearchIndex) -> None:
    res = ix.search("pendataan~99")
    assert res.notice is not None
    assert f"jarak ejaan 99 diturunkan menjadi {MAX_FUZZY_DISTANCE}" in res.notice
    same = ix.search(f"pendataan~{MAX_FUZZY_DISTANCE}")
    assert res.total == same.total > 0 and ids(res) == ids(same) and same.notice is None
    q = ix._build_query("pendataan~99")
    assert q is not None
    fuzzy = fuzzy_leaves(q)
    assert fuzzy and all(maxdist == MAX_FUZZY_DISTANCE for maxdist, _ in fuzzy)
    assert all(prefix >= FUZZY_PREFIX for _, prefix in fuzzy)
    assert "9" not in leaf_texts(q)


def test_fuzzy_words_get_the_minimum_prefix(ix: SearchIndex) -> None:
    q = ix._build_query("pendataan~")  # Whoosh's parser gives prefix 0
    assert q is not None
    fuzzy = fuzzy_leaves(q)
    assert fuzzy and all(prefix == FUZZY_PREFIX and maxdist == 1 for maxdist, prefix in fuzzy)
    assert ix.search("pendataan~").total > 0


def test_long_fuzzy_word_is_searched_as_written(ix: SearchIndex) -> None:
    """Whoosh's Levenshtein automaton of a word of hundreds of letters took seconds."""
    word = "pendataan" * 4
    assert len(word) > MAX_FUZZY_WORD_CHARS
    res = ix.search(word + "~2")
    assert res.total == 0 and res.notice is not None
    assert f"lebih dari {MAX_FUZZY_WORD_CHARS} huruf dicari persis" in res.notice
    q = ix._build_query(word + "~2")
    assert q is not None and not fuzzy_leaves(q)
    long_typo = ix.search("pendatan" * 50)  # no suggestion, no fuzzy retry
    assert long_typo.total == 0 and long_typo.did_you_mean is None and not long_typo.fuzzy


# ---------------------------------------------------------------------- shape


def test_long_query_is_refused(ix: SearchIndex) -> None:
    with pytest.raises(SearchError, match=f"paling banyak {MAX_QUERY_CHARS}"):
        ix.search("pendataan " * 60)


def test_too_many_clauses_are_refused(ix: SearchIndex) -> None:
    words = [f"kata{i}" for i in range(MAX_CLAUSES + 1)]
    with pytest.raises(SearchError, match=f"{MAX_CLAUSES + 1} kata/ungkapan"):
        ix.search(" OR ".join(words))
    # A word looked up in title, text and names counts once.
    assert ix.search(" OR ".join(words[:MAX_CLAUSES])).total == 0


def test_deep_nesting_is_refused(ix: SearchIndex) -> None:
    deep = "(" * (MAX_NESTING + 1) + "pendataan" + ")" * (MAX_NESTING + 1)
    with pytest.raises(SearchError, match=f"bersarang {MAX_NESTING + 1} tingkat"):
        ix.search(deep)
    with pytest.raises(SearchError, match="bersarang"):
        ix.search("(" * 40 + "pendataan")  # unbalanced as well
    ok = "(" * MAX_NESTING + "pendataan" + ")" * MAX_NESTING
    assert ix.search(ok).total == ix.search("pendataan").total
    assert ix.search('"' + "(" * 10 + 'pendataan"').total  # inside quotes: not nesting


def test_error_messages_escape_control_characters(ix: SearchIndex) -> None:
    with pytest.raises(SearchError) as exc:
        ix.search("*a\x1b[2J*")
    assert "\x1b" not in str(exc.value)


# ------------------------------------------------------------------ time budget


def test_search_out_of_time_is_refused(folder: Path, backend: str) -> None:
    index_ = make_index(backend, folder, time_budget=0)  # every check finds the deadline passed
    try:
        with pytest.raises(QueryTimeoutError, match="batas waktu") as exc:
            index_.search("pendataan")
        assert isinstance(exc.value, SearchError) and exc.value.exit_code == 2
    finally:
        index_.close()
    unlimited = make_index(backend, folder, time_budget=None)
    try:
        assert unlimited.search("pendataan").total > 0
    finally:
        unlimited.close()


def test_suggestions_out_of_time_keep_the_results(ix: SearchIndex,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def out_of_time(*args: object, **kwargs: object) -> None:
        raise QueryTimeoutError("habis")

    monkeypatch.setattr(search_base, "_suggest", out_of_time)
    res = ix.search("pendatan")  # misspelled: no hits, spelling help would be next
    assert res.total == 0 and res.did_you_mean is None
    assert res.notice is not None and "batas waktu" in res.notice


# --------------------------------------------------------------- normal search


def test_normal_searches_are_untouched(ix: SearchIndex) -> None:
    for qs, expected in [("800.1.11.1/042/DTK/2024", "D0042"), (NIP, "D0007"),
                         (NIP.replace(" ", ""), "D0007"), ("reg0123b", "D0123"),
                         ('"pemeriksaan khusus"', "D0011")]:
        res = ix.search(qs)
        assert ids(res)[0] == expected, qs
        assert res.notice is None, qs
    typo = ix.search("pendatan")
    assert typo.did_you_mean == "pendataan" and typo.fuzzy and typo.total > 0
    assert typo.notice is None
    assert ix.search("").total == N_DOCS


def test_snippets_add_no_control_characters(ix: SearchIndex) -> None:
    hit = ix.search('"pemeriksaan khusus"').hits[0]
    assert "[[pemeriksaan]]" in hit.snippet
    assert not any(ch in hit.snippet for ch in "\x1b\x07\u202e")
    snip = make_snippet("a\x1b[31mb \x9b0m data\u2066 x\x00y", frozenset({"data"}))
    assert snip == "a[31mb 0m [[data]] xy"
