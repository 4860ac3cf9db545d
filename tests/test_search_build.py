"""The Whoosh index build (issue 14: at least 150 documents per second): sopdocs' writer
(postings grouped per term, written a block at a time, the fast text analysis) must give
Whoosh exactly what Whoosh's own writer and analyzers give: the same terms, postings, term
statistics and block statistics, the same stored fields and columns, whether the postings
stay in memory or go through run files, and through merges of existing segments."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path
from typing import Any

import pytest
from whoosh import fields, index
from whoosh.writing import SegmentWriter

from sopdocs.search.analysis import index_terms, text_postings
from sopdocs.search.index import (
    SCHEMA,
    FastText,
    IndexedDocument,
    JoinedText,
    WhooshIndex,
    _fields_for,
    _SegmentWriter,
)

WORDS = ("pengumpulan dikumpulkan data lapangan yang dan di ke laporan melaporkan petugas "
         "pendataan kuesioner verifikasi memverifikasi tidak bukan dinas tenaga kerja "
         "penduduk kependudukan surat tugas pelaksanaan dilaksanakan rekapitulasi").split()
ODD = ["K-2024-0001", "800.1.11.1/015/DTK/2024", "19720319 198003 1 001", "197203191980031001",
       "data-data", "Data-Lapangan", "2024", "0001", "x/y/z-w", "abc.def'ghi", "İstanbul",
       "ÖLÇÜ", "café", "naïve", "12345678 123456 1 123", "1234567812345612", "_", "a_b",
       "Jum'at", "ke-2", "yang-dan", "KEPALA", "Dinas.", "(pendataan)", "e.g.", "3.14"]


def _text(rng: random.Random, n: int) -> str:
    pieces = WORDS * 3 + ODD
    out = []
    for _ in range(n):
        out.append(rng.choice(pieces))
        out.append(rng.choice([" ", " ", " ", ", ", ". ", "\n", "\t", " - ", "; "]))
    return "".join(out)


def _docs(n: int, seed: int = 14) -> list[IndexedDocument]:
    rng = random.Random(seed)
    return [IndexedDocument(
        doc_id=f"D{i:04d}", number=f"800.1.11.1/{i:03d}/DTK/2024", kind=rng.choice(["sop", "surat-tugas"]),
        classification="800.1.11.1", case_id=f"K-2024-{i % 7:04d}", title=_text(rng, rng.randint(0, 8)),
        date=dt.date(2024, 1, 1) + dt.timedelta(days=i), people=[_text(rng, 3), "19720319 198003 1 001"],
        text=_text(rng, rng.randint(0, 300)), path=f"arsip/{i}.docx") for i in range(n)]


def test_text_postings_equal_the_index_terms() -> None:
    rng = random.Random(7)
    for n in [0, 1, 2, 5, 40, 200]:
        for _ in range(20):
            text = _text(rng, n)
            poses, words = text_postings(text)
            expected: dict[str, list[int]] = {}
            for term, pos in index_terms(text, "text"):
                expected.setdefault(term, []).append(pos)
            assert poses == {t: sorted(p) for t, p in expected.items()}, text
            counted: dict[str, int] = {}
            for term, _pos in index_terms(text, "words"):
                counted[term] = counted.get(term, 0) + 1
            assert words == counted, text


def test_joined_text_has_the_terms_of_the_whole() -> None:
    rng = random.Random(8)
    for _ in range(50):
        title, text = _text(rng, 6), _text(rng, 60)
        joined = JoinedText(title, text)
        assert joined == f"{title}\n{text}"
        fast = sorted(SCHEMA["words"].index(joined))
        plain = sorted(SCHEMA["words"].index(f"{title}\n{text}"))
        assert fast == plain


def _reference_schema() -> fields.Schema:
    """SCHEMA with Whoosh's plain TEXT fields (its analyzers, token by token)."""
    out = fields.Schema()
    for name, field in SCHEMA.items():
        if isinstance(field, FastText):
            field = fields.TEXT(analyzer=field.analyzer, stored=field.stored,
                                field_boost=field.format.field_boost,
                                phrase=type(field.format).__name__ == "Positions")
        out.add(name, field)
    return out


def _build(folder: Path, schema: fields.Schema, writer_class: Any, rows: list[dict[str, Any]],
           limitmb: int) -> None:
    folder.mkdir()
    ix = index.create_in(str(folder), schema, indexname="MAIN")
    writer = writer_class(ix, compound=False, limitmb=limitmb)
    for row in rows:
        writer.add_document(**row)
    writer.commit()
    ix.close()


def _blocks(reader: Any, fieldname: str, btext: bytes) -> list[tuple[Any, ...]]:
    """Statistics of every posting block (count, last id, max weight, lengths), not
    whether it is compressed."""
    m = reader.postings(fieldname, btext)
    out = []
    while True:
        out.append((m._maxid, m._maxweight, m._minlength, m._maxlength, m._lastblock))
        if m._lastblock:
            return out
        m._next_block()


def _postings(reader: Any, fieldname: str, btext: bytes) -> list[tuple[Any, ...]]:
    m = reader.postings(fieldname, btext)
    out = []
    while m.is_active():
        out.append((m.id(), m.weight(), m.value()))
        m.next()
    return out


def _same_index(a: Path, b: Path) -> None:
    ra = index.open_dir(str(a), indexname="MAIN").reader()
    rb = index.open_dir(str(b), indexname="MAIN").reader()
    try:
        terms = list(ra.all_terms())
        assert terms == list(rb.all_terms())
        for fieldname, btext in terms:
            assert _postings(ra, fieldname, btext) == _postings(rb, fieldname, btext)
            ia, ib = ra.term_info(fieldname, btext), rb.term_info(fieldname, btext)
            for stat in ("weight", "doc_frequency", "min_length", "max_length", "max_weight",
                         "min_id", "max_id"):
                assert getattr(ia, stat)() == getattr(ib, stat)(), (fieldname, btext, stat)
            assert _blocks(ra, fieldname, btext) == _blocks(rb, fieldname, btext)
        assert list(ra.iter_docs()) == list(rb.iter_docs())
        for fieldname in SCHEMA.names():
            assert ra.field_length(fieldname) == rb.field_length(fieldname)
            assert [ra.doc_field_length(d, fieldname) for d in range(ra.doc_count())] == [
                rb.doc_field_length(d, fieldname) for d in range(rb.doc_count())]
    finally:
        ra.close()
        rb.close()

    def digests(folder: Path) -> dict[str, str]:  # columns and stored fields
        return {p.name.split(".", 1)[1]: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in folder.iterdir() if p.name.endswith(".col")}

    assert digests(a) == digests(b)


@pytest.mark.parametrize("limitmb", [256, 0])
def test_writer_gives_what_whoosh_gives(tmp_path: Path, limitmb: int) -> None:
    """limitmb=0: every document's postings go to a run file, merged at the end."""
    rows = [_fields_for(doc) for doc in _docs(80)]
    plain = [{**row, "words": str(row["words"])} for row in rows]
    _build(tmp_path / "whoosh", _reference_schema(), SegmentWriter, plain, limitmb)
    _build(tmp_path / "sopdocs", SCHEMA, _SegmentWriter, rows, limitmb)
    _same_index(tmp_path / "whoosh", tmp_path / "sopdocs")


def test_merged_segments_search_as_one_build(tmp_path: Path) -> None:
    """Adding in batches merges the small segments (postings copied one by one from
    the old segments into the pool): the index holds what one rebuild holds."""
    docs = _docs(60, seed=3)
    batches = WhooshIndex(tmp_path / "batches")
    for start in range(0, 60, 3):  # Whoosh merges once there are 5 small segments
        batches.add(docs[start:start + 3])
        if start % 12 == 9:
            batches.add([docs[start - 4]])  # an update: deleted in its segment, added again
    once = WhooshIndex(tmp_path / "once")
    once.rebuild(docs)
    for q in ["pengumpulan", "dikumpulkan data", '"data lapangan"', "K-2024-0001", "2024",
              "197203191980031001", "verifikasi OR tidak", "kuesioner NOT rekapitulasi", "lapang*"]:
        a, b = batches.search(q, limit=100), once.search(q, limit=100)
        assert a.total == b.total and a.total > 0, q
        assert sorted(h.doc_id for h in a.hits) == sorted(h.doc_id for h in b.hits), q
        assert a.by_kind == b.by_kind, q
    batches.close()
    once.close()


def test_pool_gives_postings_in_order(tmp_path: Path) -> None:
    """The pool's postings, whether kept in memory or spilled to run files (a limit of
    0 MB: one run per field of each document), come back sorted by field, term, docnum."""
    from whoosh.filedb.filestore import FileStorage

    from sopdocs.search.postingpool import TermPool

    rng = random.Random(5)
    expected: list[tuple[str, bytes, int, float, bytes]] = []
    for limitmb in (64, 0):
        store = FileStorage(str(tmp_path / f"runs{limitmb}")).create()
        pool = TermPool(store, limitmb=limitmb)
        expected = []
        for docnum in range(200):
            for fieldname in ("a", "b"):
                terms = {rng.choice(["x", "y", "z", "é", "10"]).encode("utf-8") * rng.randint(1, 3)
                         for _ in range(rng.randint(0, 6))}
                items = [(t, len(t), float(len(t)), bytes([docnum % 256])) for t in sorted(terms)]
                assert pool.add_terms(fieldname, docnum, items) == sum(len(t) for t in terms)
                expected += [(fieldname, t, docnum, w, v) for t, _f, w, v in items]
        assert list(pool.iter_postings()) == sorted(expected)
        pool.cleanup()
        assert list(store.list()) == []


def test_encodings_past_the_cache_are_computed() -> None:
    from whoosh import formats
    from whoosh.system import pack_uint

    from sopdocs.search.index import _ENCODING_CACHE_LIMIT, _frequency, _one_position

    encode = formats.Positions().encode
    for n in (0, 1, 7, _ENCODING_CACHE_LIMIT - 1, _ENCODING_CACHE_LIMIT, 10 ** 6):
        assert _one_position(n, encode) == encode([n])
        assert _frequency(n) == pack_uint(n)


def test_columns_read_in_one_go_equal_the_value_by_value_read(tmp_path: Path) -> None:
    """The field lengths and the kind/year columns are read whole (value by value, 100,000
    documents cost about half a second per search): the same values, segment by segment,
    deleted documents and a kind written in non-ASCII letters included."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    from sopdocs.search.index import _one_byte_column, _var_text_column

    docs = _docs(40, seed=5)
    docs[7] = IndexedDocument(doc_id="D0007", number="1", kind="naskah-dinas-ñ", classification="800",
                              case_id="K-1", title="judul", date=dt.date(2023, 5, 1), people=[],
                              text="isi", path="arsip/7.docx")
    ix = WhooshIndex(tmp_path / "indeks")
    for start in range(0, 40, 10):
        ix.add(docs[start:start + 10])
    ix.add([docs[3]])  # an update: the old one deleted in its segment
    ix.close()
    checked = 0
    with index.open_dir(str(tmp_path / "indeks"), indexname="MAIN").reader() as reader:
        for sub, _offset in reader.leaf_readers():
            n = sub.doc_count_all()
            for name in ("title", "text", "people"):
                col = sub._perdoc._cached_reader(_lenfield(name), LENGTHS_COLUMN)
                raw = _one_byte_column(col)
                assert raw is not None and list(raw[:n]) + [0] * (n - len(raw)) == list(col), name
            for name in ("kind", "year"):
                col = sub.column_reader(name, translate=False)
                assert _var_text_column(col, n) == [v.decode("utf-8") for v in list(col)[:n]], name
                checked += 1
    assert checked >= 2
    assert _one_byte_column(object()) is None and _var_text_column(object(), 3) is None
