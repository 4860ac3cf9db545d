"""Search index: real Whoosh and tantivy indexes in tmp_path, no mocks.

The behaviour tests run against both backends (fixture ``backend``); tests of one
engine's files and internals say so in their name."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import fields, index

from sopdocs.search.analysis import (
    analyze,
    indonesian_analyzer,
    normalize_nip,
    people_analyzer,
    stem,
    words_analyzer,
)
from sopdocs.errors import DateError, SopdocsError, ValidationError
from sopdocs.search.index import (
    IndexedDocument,
    IndexLockedError,
    IndexNeedsRebuildError,
    SearchIndex,
    SortOrder,
    WhooshIndex,
    make_snippet,
)
from sopdocs.search.tantivyindex import TantivyIndex

NIP_SUHARYANTO = "19720319 198003 1 001"


def _doc(doc_id: str, *, number: str = "", kind: str = "surat-tugas", title: str = "",
         date: dt.date = dt.date(2024, 1, 15), people: list[str] | None = None,
         text: str = "", case_id: str = "K-2024-0001",
         classification: str = "800.1.11.1") -> IndexedDocument:
    return IndexedDocument(
        doc_id=doc_id, number=number or f"800.1.11.1/{doc_id}/DTK/{date.year}", kind=kind,
        classification=classification, case_id=case_id, title=title or f"Dokumen {doc_id}",
        date=date, people=people or [], text=text, path=f"arsip/{doc_id}.docx",
    )


DOCS = [
    _doc("st1", number="800.1.11.1/015/DTK/2024", title="Surat Tugas Pendataan Lapangan",
         date=dt.date(2024, 1, 15), people=["Suharyanto", NIP_SUHARYANTO],
         text="Menugaskan petugas untuk pengumpulan data di lapangan sesuai SOP pendataan. "
              "Kode perkara K-2024-0001 dicatat pada register."),
    _doc("st2", number="800.1.11.1/016/DTK/2024", title="Surat Tugas Verifikasi",
         date=dt.date(2024, 1, 28), people=["Budi Santoso", "198001012005011002"],
         text="Petugas melakukan verifikasi berkas permohonan izin usaha di kecamatan."),
    _doc("sop1", number="000.8.3.3/002/DTK/2024", kind="sop", title="SOP Pendataan Tenaga Kerja",
         date=dt.date(2024, 3, 2), classification="000.8.3.3",
         people=["Siti Aminah", "198505052010012003"],
         text="Data dikumpulkan oleh petugas kemudian diverifikasi kepala bidang. "
              "Lapangan yang luas memerlukan data tambahan."),
    _doc("kue1", kind="kuesioner", title="Kuesioner Rumah Tangga", date=dt.date(2023, 11, 20),
         text="Responden mengisi kuesioner tentang pekerjaan dan upah anggota rumah tangga."),
    _doc("nd1", number="B/17/SEKRET/2023", kind="nota-dinas", title="Nota Dinas Anggaran",
         date=dt.date(2023, 6, 5), people=["Suharyanto", NIP_SUHARYANTO],
         text="Permohonan anggaran perjalanan dinas untuk kegiatan pendataan tahun 2024."),
    _doc("disp1", kind="disposisi", title="Disposisi Kepala Dinas", date=dt.date(2024, 2, 10),
         text="Mohon segera ditindaklanjuti dan dilaporkan hasil pengumpulan berkas."),
]


BACKENDS = ["whoosh", "tantivy"]


def make_index(backend: str, folder: Path, **kwargs: object) -> SearchIndex:
    """An index of ``backend`` in ``folder`` (Whoosh-only options are dropped for tantivy)."""
    if backend == "tantivy":
        kept = {k: v for k, v in kwargs.items() if k in ("lock_timeout", "time_budget")}
        return TantivyIndex(folder, **kept)  # type: ignore[arg-type]
    return WhooshIndex(folder, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
def ix(tmp_path: Path, backend: str) -> Iterator[SearchIndex]:
    index_ = make_index(backend, tmp_path / "index")
    assert index_.add(DOCS) == len(DOCS)
    yield index_
    index_.close()


def ids(results: object) -> list[str]:
    return [h.doc_id for h in results.hits]  # type: ignore[attr-defined]


# ----------------------------------------------------------------------- analysis


def test_sastrawi_stems_both_forms_to_kumpul() -> None:
    assert stem("dikumpulkan") == "kumpul"
    assert stem("pengumpulan") == "kumpul"
    assert stem("K-2024-0001".lower()) == "k-2024-0001"  # codes are never stemmed


def test_sastrawi_version_read_without_importlib_metadata() -> None:
    from importlib.metadata import version

    from sopdocs.search import textanalysis

    assert textanalysis._sastrawi_version() == version("PySastrawi")
    assert textanalysis.stem_tag().endswith(f"Sastrawi {version('PySastrawi')}")


def test_a_stem_session_reads_kept_stems_through_one_connection(tmp_path: Path) -> None:
    import sqlite3

    from sopdocs.search import textanalysis

    with WhooshIndex(tmp_path / "indeks") as ix:
        ix.rebuild(DOCS)
    folder = tmp_path / "indeks"
    textanalysis.stem.cache_clear()
    textanalysis._known.clear()
    others = list(textanalysis._lookup_folders)  # folders of earlier tests in this process
    textanalysis._lookup_folders[:] = []
    textanalysis.use_stems(folder, bulk=False)
    try:
        with textanalysis.stem_session():
            assert textanalysis.stem("pengumpulan") == "kumpul"
            assert textanalysis.stem("dikumpulkan") == "kumpul"
            readers = textanalysis._session.readers
            assert list(readers) == [folder] and readers[folder] is not None
            with textanalysis.stem_session():  # nested: the same connections
                assert textanalysis._session.readers is readers
            con = readers[folder]
        assert textanalysis._session.readers is None
        with pytest.raises(sqlite3.ProgrammingError):  # closed on leaving: no file kept open
            con.execute("SELECT 1")
    finally:
        textanalysis._lookup_folders[:] = others
        textanalysis.stem.cache_clear()


def test_analyzers() -> None:
    text = "Data dikumpulkan oleh petugas di lapangan, kode K-2024-0001."
    tokens = analyze(text)
    assert "kumpul" in tokens and "oleh" not in tokens and "di" not in tokens
    assert "k-2024-0001" in tokens and "2024" in tokens  # compound and its parts
    assert analyze("K-2024-0001", mode="query") == ["k-2024-0001"]
    assert analyze(text, words_analyzer()) == ["dikumpulkan", "petugas", "lapangan"]
    people = analyze(f"Drs. SUHARYANTO NIP. {NIP_SUHARYANTO} dan", people_analyzer())
    assert people == ["drs", "suharyanto", "nip", "197203191980031001", "dan"]
    assert normalize_nip(f"NIP {NIP_SUHARYANTO}.") == "NIP 197203191980031001."
    # Deterministic repr: it is compared with the stored schema on every open.
    assert repr(indonesian_analyzer()) == repr(indonesian_analyzer())


def test_snippet_marks_inflected_words_nip_and_codes() -> None:
    text = ("Awal. " * 60 + f"NIP {NIP_SUHARYANTO} Suharyanto menyampaikan hasil "
            "pengumpulan data K-2024-0001.")
    snip = make_snippet(text, frozenset({"197203191980031001", "sampai", "kumpul",
                                         "k-2024-0001"}))
    assert snip.startswith("…")
    assert f"[[{NIP_SUHARYANTO}]]" in snip
    assert "[[menyampaikan]]" in snip and "[[pengumpulan]]" in snip
    assert "[[K-2024-0001]]" in snip
    assert "<" not in snip and "\n" not in snip


# ------------------------------------------------------------------------- search


def test_index_is_a_search_index(ix: SearchIndex, backend: str) -> None:
    assert isinstance(ix, SearchIndex)
    assert type(ix) is {"whoosh": WhooshIndex, "tantivy": TantivyIndex}[backend]


def test_inflected_word_finds_other_form(ix: SearchIndex) -> None:
    res = ix.search("dikumpulkan")
    # st1 says "pengumpulan", sop1 "dikumpulkan", disp1 "pengumpulan"
    assert set(ids(res)) == {"st1", "sop1", "disp1"}
    assert res.total == 3
    assert res.did_you_mean is None and not res.fuzzy


def test_stop_words_are_ignored(ix: SearchIndex) -> None:
    with_stops = ix.search("data yang dikumpulkan oleh petugas")
    without = ix.search("data dikumpulkan petugas")
    assert ids(with_stops) == ids(without)
    assert with_stops.total == 2
    only_stops = ix.search("yang dan di")
    assert only_stops.total == 0 and only_stops.hits == []


def test_phrase(ix: SearchIndex) -> None:
    # st1: "pengumpulan data di lapangan" (stop word inside is ignored);
    # sop1 has all three words, but not together.
    res = ix.search('"pengumpulan data lapangan"')
    assert ids(res) == ["st1"]
    assert set(ids(ix.search("pengumpulan data lapangan"))) == {"st1", "sop1"}
    assert ix.search('"lapangan data pengumpulan"').total == 0


def test_kind_filter(ix: SearchIndex) -> None:
    assert ids(ix.search("petugas", kind="sop")) == ["sop1"]
    assert ids(ix.search("kind:sop petugas")) == ["sop1"]
    assert ids(ix.search("jenis:sop petugas")) == ["sop1"]
    assert set(ids(ix.search("kind:surat-tugas"))) == {"st1", "st2"}


def test_date_range(ix: SearchIndex) -> None:
    january = {"st1", "st2"}
    assert set(ids(ix.search("", date_from=dt.date(2024, 1, 1),
                             date_to=dt.date(2024, 1, 31)))) == january
    assert set(ids(ix.search("date:[20240101 TO 20240131]"))) == january
    assert set(ids(ix.search("tanggal:2023"))) == {"kue1", "nd1"}
    # the end date is inclusive
    assert ids(ix.search("petugas", date_from=dt.date(2024, 1, 28),
                         date_to=dt.date(2024, 1, 28))) == ["st2"]


def test_bad_dates_raise_date_error(ix: SearchIndex) -> None:
    with pytest.raises(DateError, match="abc"):
        ix.search("date:[2024 TO abc]")
    with pytest.raises(DateError, match="20241345"):
        ix.search("date:20241345")
    with pytest.raises(DateError):
        ix.search("", date_from=dt.date(2024, 2, 1), date_to=dt.date(2024, 1, 1))


def test_bad_syntax_falls_back_to_words(ix: SearchIndex) -> None:
    plain = ids(ix.search("petugas verifikasi"))
    assert set(plain) == {"st2", "sop1"}  # sop1: "diverifikasi"
    assert ids(ix.search("petugas (verifikasi")) == plain
    assert ids(ix.search('petugas "verifikasi berkas')) == ["st2"]
    assert ix.search("verifikasi AND").total == 2
    assert ix.search("OR verifikasi").total == 2
    assert ix.search('title:)(][ "').total == 0  # nothing searchable, no error


def test_exact_number_with_slashes(ix: SearchIndex) -> None:
    res = ix.search("800.1.11.1/015/DTK/2024")
    assert ids(res)[0] == "st1"
    assert "st2" not in ids(res)  # 800.1.11.1/016/DTK/2024 shares most parts
    assert ids(ix.search("B/17/SEKRET/2023")) == ["nd1"]
    assert ids(ix.search("nota B/17/SEKRET/2023")) == ["nd1"]


def test_nip_with_and_without_spaces(ix: SearchIndex) -> None:
    compact = ix.search("197203191980031001")
    spaced = ix.search(NIP_SUHARYANTO)
    assert set(ids(compact)) == set(ids(spaced)) == {"st1", "nd1"}
    assert ids(ix.search("nip:198001012005011002")) == ["st2"]


def test_name_misspelling_gets_suggestion_and_fuzzy_hits(ix: SearchIndex) -> None:
    assert set(ids(ix.search("Suharyanto"))) == {"st1", "nd1"}
    res = ix.search("Suharianto")
    assert res.did_you_mean == "Suharyanto"
    assert res.fuzzy
    assert set(ids(res)) == {"st1", "nd1"}
    word = ix.search("angaran")
    assert word.did_you_mean == "anggaran" and ids(word) == ["nd1"]


def test_absent_word_gives_empty_results(ix: SearchIndex) -> None:
    res = ix.search("xylofonzzz")
    assert res.total == 0 and res.hits == [] and res.by_kind == {} and not res.fuzzy


def test_sort_by_date(ix: SearchIndex) -> None:
    newest = ix.search("petugas", sort="date")
    dates = [h.date for h in newest.hits]
    assert dates == sorted(dates, reverse=True) and len(dates) == 3
    oldest = ix.search("", sort="date_asc")
    assert [h.doc_id for h in oldest.hits][:2] == ["nd1", "kue1"]
    with pytest.raises(SopdocsError):
        ix.search("petugas", sort="alphabet")  # type: ignore[arg-type]


def test_snippet_marks_matched_words(ix: SearchIndex) -> None:
    hit = next(h for h in ix.search("dikumpulkan").hits if h.doc_id == "sop1")
    assert "[[dikumpulkan]]" in hit.snippet
    hit = ix.search("pengumpulan").hits[0]
    assert "[[pengumpulan]]" in hit.snippet
    assert hit.path.endswith(".docx") and hit.number and hit.title and hit.case_id


def test_counts_per_kind_and_year(ix: SearchIndex) -> None:
    res = ix.search("petugas")
    assert res.by_kind == {"sop": 1, "surat-tugas": 2}
    assert res.by_year == {2024: 3}
    res = ix.search("", limit=2)
    assert res.total == 6 and len(res.hits) == 2
    counts = ix.counts()
    assert counts.total == 6
    assert counts.by_kind == {"disposisi": 1, "kuesioner": 1, "nota-dinas": 1, "sop": 1,
                              "surat-tugas": 2}
    assert counts.by_year == {2023: 2, 2024: 4}


def test_update_and_delete(ix: SearchIndex) -> None:
    changed = _doc("kue1", kind="kuesioner", title="Kuesioner Rumah Tangga",
                   date=dt.date(2023, 11, 20), text="Isian tentang lahan pertanian.")
    assert ix.update([changed]) == 1
    assert ix.search("upah").total == 0
    assert ids(ix.search("pertanian")) == ["kue1"]
    assert ix.counts().total == 6
    assert ix.delete("kue1") is True
    assert ix.delete("kue1") is False
    assert ix.search("pertanian").total == 0 and ix.counts().total == 5


def test_invalid_document_is_reported(ix: SearchIndex) -> None:
    bad = _doc("bad")
    bad.date = "2024-01-01"  # type: ignore[assignment]
    with pytest.raises(ValidationError, match="date"):
        ix.add([bad])


def test_whoosh_fast_evaluator_agrees_with_whoosh(tmp_path: Path) -> None:
    """The evaluator reads posting blocks itself; Whoosh's own matchers must give the
    same documents and (for words) the same BM25F scores, also with several segments
    and deletions."""
    index_ = WhooshIndex(tmp_path / "index")
    index_.add(DOCS[:3])
    index_.add(DOCS[3:])  # second segment
    index_.add([_doc("extra", text="pengumpulan data tambahan di kecamatan")])
    index_.delete("st2")
    searcher = index_._get_searcher()
    ev = index_._evaluator
    assert ev is not None
    same_scores = ["pengumpulan", "data petugas", "petugas OR anggaran", "data NOT lapangan",
                   "kecamatan", "kind:sop", "date:2024", "pengumpul*", "data~"]
    same_docs = ['"pengumpulan data"', "pe*", "ke*", "title:(surat OR nota)"]
    for qs in same_scores + same_docs:
        q = index_._build_query(qs)
        ours = {d: s for d, s in ev.scores(q).items() if d not in ev.deleted}
        theirs = {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}
        assert ours and set(ours) == set(theirs), qs
        if qs in same_scores:
            for d, score in theirs.items():
                assert ours[d] == pytest.approx(score, rel=1e-6), qs
    index_.close()


def test_reopen_keeps_documents(ix: SearchIndex, tmp_path: Path, backend: str) -> None:
    ix.close()
    again = make_index(backend, tmp_path / "index")
    assert again.check().ok
    assert again.counts().total == 6
    again.close()


# ---------------------------------------------------------------------- writers


def _writer_process(backend: str, folder: str, prefix: str, batches: int, start: object) -> None:
    start.wait(30)  # type: ignore[attr-defined]
    index_ = make_index(backend, Path(folder), lock_timeout=60)
    for b in range(batches):
        index_.add([_doc(f"{prefix}-{b}-{i}", text=f"dokumen proses {prefix} nomor {b} {i}")
                    for i in range(5)])
    index_.close()


def test_two_processes_write_at_once(tmp_path: Path, backend: str) -> None:
    folder = tmp_path / "index"
    make_index(backend, folder).close()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer_process, args=(backend, str(folder), name, 6, start))
             for name in ("a", "b")]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    index_ = make_index(backend, folder)
    assert index_.counts().total == 60
    assert index_.search("proses").total == 60
    assert index_.search("dokumen a").total == 30
    index_.close()


def test_writer_waits_for_lock_then_succeeds(tmp_path: Path, backend: str) -> None:
    holder: Any = make_index(backend, tmp_path / "index")
    other = make_index(backend, tmp_path / "index", lock_timeout=30)
    outcome: list[object] = []

    def write() -> None:
        try:
            outcome.append(other.add([_doc("late", text="kata terlambat")]))
        except Exception as exc:  # reported through the assertion below
            outcome.append(exc)

    with holder._lock.hold():
        thread = threading.Thread(target=write)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive() and outcome == []  # waiting, not failing
    thread.join(30)
    assert outcome == [1]
    assert holder.search("terlambat").total == 1
    holder.close()
    other.close()


def test_writer_gives_up_after_timeout(tmp_path: Path, backend: str) -> None:
    holder: Any = make_index(backend, tmp_path / "index")
    impatient = make_index(backend, tmp_path / "index", lock_timeout=0.3)
    with holder._lock.hold():
        with pytest.raises(IndexLockedError, match="index.lock"):
            impatient.add([_doc("x", text="tidak masuk")])
    assert impatient.add([_doc("x", text="masuk sekarang")]) == 1
    holder.close()
    impatient.close()


# ---------------------------------------------------------- damage and rebuild


def _segment_file(folder: Path, suffix: str) -> Path:
    """A file of the (one) segment; segments are written as separate files."""
    found = sorted(folder.glob(f"MAIN_*{suffix}"))
    assert len(found) == 1, found
    return found[0]


_DAMAGED_FILES = [".pst", ".trm", ".kind.col", "._stored.col", "._text_len.col"]


@pytest.mark.parametrize(("damage", "suffix"), [(d, f) for d in ("truncate", "delete")
                                                for f in _DAMAGED_FILES] + [("toc", ".pst")])
def test_whoosh_damaged_index_is_detected_and_rebuild_restores(tmp_path: Path, damage: str,
                                                         suffix: str) -> None:
    folder = tmp_path / "index"
    index_ = WhooshIndex(folder)
    index_.add(DOCS)
    index_.close()
    seg = _segment_file(folder, suffix)
    if damage == "truncate":
        with open(seg, "r+b") as fh:
            fh.truncate(seg.stat().st_size // 2)
    elif damage == "delete":
        seg.unlink()
    else:
        toc = next(folder.glob("_MAIN_*.toc"))
        toc.write_bytes(toc.read_bytes()[:40])

    damaged = WhooshIndex(folder)
    health = damaged.check()
    assert not health.ok and str(folder) in str(health)
    with pytest.raises(IndexNeedsRebuildError, match="rebuild"):
        damaged.search("petugas")
    with pytest.raises(IndexNeedsRebuildError):
        damaged.add([_doc("new")])

    assert damaged.rebuild(DOCS) == len(DOCS)
    assert damaged.check(deep=True).ok
    assert set(ids(damaged.search("petugas"))) == {"st1", "st2", "sop1"}
    assert not list(tmp_path.glob("index.new-*")) and not list(tmp_path.glob("index.old-*"))
    damaged.close()


def test_whoosh_scribbled_segment_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    index_ = WhooshIndex(folder, cache_postings=0)
    index_.add(DOCS)
    index_.close()
    seg = _segment_file(folder, ".pst")
    data = bytearray(seg.read_bytes())
    for i in range(16, len(data) - 16, 7):  # scribble over postings, keep the header
        data[i] ^= 0x5A
    seg.write_bytes(bytes(data))
    scribbled = WhooshIndex(folder, cache_postings=0)
    problems = not scribbled.check(deep=True).ok
    if not problems:  # the directory survived: searching must still fail cleanly
        with pytest.raises(SopdocsError):
            for word in ["petugas", "pengumpulan", "anggaran", "kuesioner", "dinas"]:
                scribbled.search(word)
    scribbled.rebuild(DOCS)
    assert scribbled.search("anggaran").total == 1
    scribbled.close()


def test_whoosh_stored_schema_mismatch_needs_rebuild(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    folder.mkdir()
    old = index.create_in(str(folder), fields.Schema(doc_id=fields.ID(stored=True),
                                                     text=fields.TEXT()), indexname="MAIN")
    with old.writer() as writer:
        writer.add_document(doc_id="old", text="versi lama")
    old.close()

    index_ = WhooshIndex(folder)
    health = index_.check()
    assert not health.ok and "skema" in str(health)
    with pytest.raises(IndexNeedsRebuildError, match="skema"):
        index_.search("lama")
    index_.rebuild(DOCS)
    assert index_.check().ok
    assert index_.counts().total == len(DOCS)
    index_.close()
    assert WhooshIndex(folder).check().ok


def test_crash_during_rebuild_keeps_old_index(ix: SearchIndex, tmp_path: Path) -> None:
    def exploding() -> Iterator[IndexedDocument]:
        yield _doc("n1", text="baru satu")
        yield _doc("n2", text="baru dua")
        raise OSError("disk hilang")

    with pytest.raises(OSError, match="disk hilang"):
        ix.rebuild(exploding())
    assert ix.counts().total == 6 and ix.search("baru").total == 0
    with pytest.raises(ValidationError, match="st1"):
        ix.rebuild([DOCS[0], DOCS[1], DOCS[0]])
    assert ix.counts().total == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index", "index.lock"]


def test_interrupted_swap_is_recovered_on_open(ix: SearchIndex, tmp_path: Path,
                                               backend: str) -> None:
    ix.close()
    # Crash between "rename live -> old" and "rename new -> live":
    (tmp_path / "index").rename(tmp_path / "index.old-0badc0de")
    recovered = make_index(backend, tmp_path / "index")
    assert recovered.counts().total == 6
    # A complete build that was never swapped in (crash before the first rename):
    other = make_index(backend, tmp_path / "other")
    other.add([_doc("o1", text="indeks lain")])
    other.close()
    shutil.copytree(tmp_path / "other", tmp_path / "index.new-0f00ba11")
    os.utime(tmp_path / "index.new-0f00ba11" / "sopdocs-build.json")
    recovered.close()
    swapped = make_index(backend, tmp_path / "index")
    assert ids(swapped.search("indeks lain")) == ["o1"]
    assert not list(tmp_path.glob("index.new-*")) and not list(tmp_path.glob("index.old-*"))
    swapped.close()


def test_other_instance_sees_rebuild(ix: SearchIndex, tmp_path: Path, backend: str) -> None:
    reader = make_index(backend, tmp_path / "index")
    assert reader.counts().total == 6
    ix.rebuild(DOCS[:2])
    assert reader.counts().total == 2
    reader.close()


# ------------------------------------------------------- paging and the new filters


def test_offset_pages_through_the_hits(ix: SearchIndex) -> None:
    everything = ix.search("", sort="date", limit=6)
    first = ix.search("", sort="date", limit=2)
    second = ix.search("", sort="date", limit=2, offset=2)
    last = ix.search("", sort="date", limit=4, offset=4)
    assert ids(first) + ids(second) + ids(last) == ids(everything)
    assert second.total == 6 and len(last) == 2
    assert ix.search("petugas", offset=3).hits == []
    with pytest.raises(SopdocsError, match="offset"):
        ix.search("petugas", offset=-1)


def test_classification_filter_keeps_codes_below(ix: SearchIndex) -> None:
    assert set(ids(ix.search("", classification="800.1.11.1"))) == {"st1", "st2", "kue1",
                                                                      "nd1", "disp1"}
    assert ids(ix.search("", classification="000.8.3.3")) == ["sop1"]
    assert ids(ix.search("", classification="000.8")) == ["sop1"]  # a code above it
    assert ix.search("", classification="000.8.3").total == 1
    assert ix.search("", classification="000.8.33").total == 0  # not a code below
    assert ix.search("", classification="000").total == 1


def test_office_and_year_filters(ix: SearchIndex) -> None:
    received = _doc("recv1", title="Surat Tugas Kiriman", text="petugas kiriman kabupaten",
                    date=dt.date(2022, 5, 4))
    received.office = "Dinas Tenaga Kerja Kabupaten Sleman"
    ix.add([received])
    assert ids(ix.search("petugas", office="Dinas Tenaga Kerja Kabupaten Sleman")) == ["recv1"]
    assert ix.search("petugas", office="Dinas Lain").total == 0
    hit = ix.search("kiriman").hits[0]
    assert hit.office == "Dinas Tenaga Kerja Kabupaten Sleman" and hit.classification == "800.1.11.1"
    assert set(ids(ix.search("", year=2023))) == {"kue1", "nd1"}
    assert ids(ix.search("", year=2022)) == ["recv1"]
    res = ix.search("petugas", year=2024)
    assert res.total == 3 and res.by_year == {2024: 3}
    with pytest.raises(SopdocsError, match="tahun"):
        ix.search("", year=0)


# ------------------------------------------------------------- tantivy's own files


@pytest.mark.parametrize("damage", ["delete-store", "truncate-store", "delete-meta", "marker"])
def test_tantivy_damaged_index_is_detected_and_rebuild_restores(tmp_path: Path,
                                                                damage: str) -> None:
    folder = tmp_path / "index"
    index_ = TantivyIndex(folder)
    index_.add(DOCS)
    index_.close()
    store = sorted(folder.glob("*.store"))[0]
    if damage == "delete-store":
        store.unlink()
    elif damage == "truncate-store":
        with open(store, "r+b") as fh:
            fh.truncate(store.stat().st_size // 2)
    elif damage == "delete-meta":
        (folder / "meta.json").unlink()
    else:
        (folder / "sopdocs-build.json").write_text('{"engine": "whoosh"}', encoding="utf-8")
    damaged = TantivyIndex(folder)
    health = damaged.check(deep=True)
    assert not health.ok and str(folder) in str(health)
    with pytest.raises(IndexNeedsRebuildError):
        damaged.search("petugas")
    assert damaged.rebuild(DOCS) == len(DOCS)
    assert damaged.check(deep=True).ok
    assert set(ids(damaged.search("petugas"))) == {"st1", "st2", "sop1"}
    assert not list(tmp_path.glob("index.new-*")) and not list(tmp_path.glob("index.old-*"))
    damaged.close()


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_limit_zero_counts_without_hits(ix: SearchIndex, sort: SortOrder) -> None:
    # Counts only (the web app's facets): tantivy's searcher panics on a limit of 0.
    everything = ix.search("pendataan", limit=20)
    counts = ix.search("pendataan", limit=0, sort=sort)
    assert everything.total > 0
    assert counts.hits == [] and counts.total == everything.total
    assert counts.by_kind == everything.by_kind


def test_records_behave_like_the_dataclasses_they_were() -> None:
    """IndexedDocument, SearchHit, SearchResults, IndexCounts and IndexHealth are plain
    classes (importing dataclasses cost every cold search ~15 ms): equality by fields,
    SearchHit hashable and frozen, mutable results, no shared default list."""
    import datetime as dt

    from sopdocs.search.base import IndexCounts, IndexHealth, SearchHit, SearchResults

    a = IndexedDocument("d1", "N/1", "sop", "800", "K-1", "Judul", dt.date(2024, 1, 2))
    b = IndexedDocument("d2", "N/2", "sop", "800", "K-1", "Judul", dt.date(2024, 1, 2))
    a.people.append("Budi")
    assert b.people == [] and a != b
    assert a == IndexedDocument("d1", "N/1", "sop", "800", "K-1", "Judul", dt.date(2024, 1, 2),
                                people=["Budi"])
    hit = SearchHit("d1", "N/1", "sop", "Judul", None, "K-1", "p", 1.0, "s")
    same = SearchHit("d1", "N/1", "sop", "Judul", None, "K-1", "p", 1.0, "s")
    assert hit == same and len({hit, same}) == 1 and "snippet='s'" in repr(hit)
    with pytest.raises(AttributeError):
        hit.title = "lain"  # type: ignore[misc]
    res = SearchResults("q", [hit], 1, {"sop": 1}, {2024: 1})
    res.did_you_mean = "x"
    assert len(res) == 1 and list(res) == [hit] and res.did_you_mean == "x"
    with pytest.raises(TypeError):
        hash(res)
    assert IndexCounts(1, {}, {}) == IndexCounts(1, {}, {})
    assert not IndexHealth(Path("x"), ["rusak"]).ok and IndexHealth(Path("x"), []).ok


def test_background_counting_hands_back_its_value_or_its_error() -> None:
    from sopdocs.search.tantivyindex import _Background

    assert _Background(lambda: {"kind": 3}).result() == {"kind": 3}
    with pytest.raises(ValueError, match="rusak"):
        _Background(lambda: (_ for _ in ()).throw(ValueError("rusak"))).result()
