"""sopdocs' own parser of the query language (sopdocs.search.querylang, used by the
tantivy engine so that a search does not import Whoosh) against Whoosh's QueryBuilder,
the definition of the language: the same tree, the same notices, the same one-line
errors, on typical, hostile and random queries."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from sopdocs.errors import SopdocsError
from sopdocs.search import querylang as ql
from sopdocs.search.index import _FIELD_ALIASES, QueryBuilder

BUILDER = QueryBuilder()

# What people type: all of these must be parsed without Whoosh.
TYPICAL = [
    "pendataan", "pengumpulan data", "dikumpulkan, pengumpulan", '"pengumpulan data lapangan"',
    '"pengumpulan data di lapangan" kuesioner', "kind:surat-tugas pendataan",
    "jenis:surat-tugas", "judul:kuesioner", "nama:suharyanto", "orang:yang", "nip:197203191980031001",
    "kasus:K-2024-0001", "klasifikasi:800.1.11.1", "pendata*", "pendataan~", "pendataan~2",
    "pendataan~99", "pendataan OR kuesioner", "(pendataan OR kuesioner) NOT survei",
    "NOT survei data", "a AND (b OR c)", "800.1.11.1/015/DTK/2024",
    "800.1.11.1/015/DTK/2024 pendataan", "19720319 198003 1 001", "197203191980031001",
    "yang", "yang dan", "data data", "((a b) c)", "(a b", "a b)", "x*", "Jum'at", "K-2024-0001",
    "SURAT TUGAS", "pendataan AND", "OR pendataan", "Rahmad Hidayat", "NOT kuesioner",
    "rekapitulasi OR disposisi", "perusahaan~", "pengump*", "tenaga kerja", "data-data",
    "pendataan " * 20, "(pendataan (kuesioner (survei)))", "(NOT a) b", "a OR b OR c",
    "a OR b c", "a b OR c", "NOT a OR b", "year:2024", "instansi:Disnakertrans",
    "naïve café", "ПРИВЕТ мир", "数据 收集", "e\u0301te", "🙂 data", "a\u00a0b",
    "word\u200bjoined", "tab\tseparated\nlines", "date:2024", "tanggal:202401",
    "date:20240131", "date:2024-01-31", "date:[20240101 TO 20240131]",
    "gahalala date:[20221201 TO 20230130]", "date:{2024 TO 2025}", "tanggal:[2024 to 202402]",
    "pendataan date:2024 date:2024", "(date:2023 OR date:2024) NOT kuesioner",
    "date:2024 date:[2023 TO 2025]", "date:20240229",
]

# Syntax the port leaves to Whoosh's parser (the result is still Whoosh's, converted).
ELSEWHERE = [
    "tahun:2024", "date:[TO 2024]", "date:[2024 TO]", "date:[2024 TO 2025 ]", "'quoted words'",
    "title:(a b)", 'title:"a b"', "text:[a TO c]", "a^2", "pendataan ANDNOT survei",
    "a ANDMAYBE b", "a REQUIRE b", "NOT NOT a", "pen*da", "pen?ata", "*:*", "foo:bar",
    "kind: surat", '"unclosed phrase', '"a"~2', "word~/3", "words:pengumpulan",
]

HOSTILE = [
    "(" * 6 + "a" + ")" * 6, "(" * 5 + "a" + ")" * 5, "(((((a", "a)))))", ")))(((",
    "a" * 501, "a " * 40, '"' * 7, "(" * 40, "*a*", "**", "text:*", "a*", "pendataan~9",
    ("pendataan" * 4) + "~2", "AND", "OR OR OR", "NOT", "( )", '""', "~", "~~", "^", ":",
    "a:b:c", "\x1b[31mmerah", "\u202eterbalik", "\ufeffbom", "\U0001f600" * 10,
    "date:2024-13-01", "date:[20240101 TO 2024-99]", "tanggal:kemarin",
    "19720319 198003 1 001 19720319 198003 1 001",
]

TOKENS = [
    "pendataan", "data", "kuesioner", "yang", "dan", "dikumpulkan", "AND", "OR", "NOT",
    "(", ")", '"', "pendata*", "a*", "data~", "data~2", "kind:sop", "jenis:surat-tugas",
    "judul:pendataan", "nama:budi", "K-2024-0001", "800.1.11.1/015/DTK/2024", "19720319",
    "198003", "1", "001", "x", "Jum'at", "café", "數據", ",", "-", "ANDNOT", "'", "^2",
    "date:2024", "*", "?", "~", ":", "[", "]", "{", "}", "foo:bar", "REQUIRE", "\t", "\n",
    "date:[2023 TO 2024]", "tanggal:{202401 to 20240215}", "date:2024-02", "TO",
]


def whoosh_outcome(qstring: str) -> tuple[Any, list[str]]:
    notices: list[str] = []
    try:
        q = BUILDER.build(qstring, notices)
    except SopdocsError as exc:
        return ("error", type(exc).__name__, str(exc)), notices
    return (None if q is None else ql.from_whoosh(q)), notices


def own_outcome(qstring: str, *, whoosh: bool) -> tuple[Any, list[str]]:
    notices: list[str] = []
    try:
        q = ql.build_query(qstring, notices, whoosh=whoosh)
    except SopdocsError as exc:
        return ("error", type(exc).__name__, str(exc)), notices
    return q, notices


def assert_same(qstring: str, *, must_parse: bool = False) -> bool:
    """The port's outcome equals Whoosh's; False if the port handed the query over."""
    expected = whoosh_outcome(qstring)
    try:
        got = own_outcome(qstring, whoosh=False)
    except ql._Unsupported:
        assert not must_parse, f"{qstring!r} was handed to Whoosh's parser"
        assert own_outcome(qstring, whoosh=True) == expected, qstring
        return False
    assert got == expected, qstring
    return True


@pytest.mark.parametrize("qstring", TYPICAL)
def test_typical_queries_parse_as_whoosh_without_whoosh(qstring: str) -> None:
    assert_same(qstring, must_parse=True)


@pytest.mark.parametrize("qstring", ELSEWHERE)
def test_rarer_syntax_gives_whoosh_tree(qstring: str) -> None:
    assert_same(qstring)


@pytest.mark.parametrize("qstring", HOSTILE)
def test_hostile_queries_get_the_same_answer_or_error(qstring: str) -> None:
    assert_same(qstring)


def test_hostile_errors_are_one_indonesian_line() -> None:
    for qstring, needle in [("(" * 6 + "a" + ")" * 6, "bersarang"), ("a" * 501, "terlalu panjang"),
                            ("*a*", "terlalu luas"), ("date:2024-13-01", "tanggal")]:
        got, _ = own_outcome(qstring, whoosh=True)
        assert got[0] == "error" and needle in got[2] and "\n" not in got[2], qstring


def test_random_queries_parse_as_whoosh() -> None:
    rng = random.Random(14)
    parsed = 0
    for _ in range(1500):
        parts = [rng.choice(TOKENS) for _ in range(rng.randint(1, 9))]
        glue = rng.choice([" ", " ", " ", ""])
        parsed += assert_same(glue.join(parts))
    assert parsed > 300  # a good share needs no Whoosh (the tokens are mostly odd ones)


CHARS = list("ab d~*()\"':^AONTRD-./ 12\t\n_é数[]{}") + [
    "AND", "OR", "NOT", "yang", "kind:", "nama:", " ", "date:", "tanggal:", "2024", "TO",
    " TO ", "01"]


def test_random_characters_parse_as_whoosh() -> None:
    """Unbalanced quotes and parentheses, stray operators and colons, odd unicode."""
    rng = random.Random(16)
    parsed = 0
    for _ in range(2000):
        parsed += assert_same("".join(rng.choice(CHARS) for _ in range(rng.randint(1, 25))))
    assert parsed > 200


def test_clause_limit_is_whooshs() -> None:
    many = " ".join(f"kata{i}" for i in range(40))
    assert_same(many)
    got, _ = own_outcome(many, whoosh=True)
    assert got[0] == "error" and "kata/ungkapan" in got[2]


def test_empty_query_is_everything() -> None:
    assert ql.build_query("") == ql.Every()


def test_field_aliases_agree_with_whoosh_parser() -> None:
    reverse = {alias: name for name, aliases in _FIELD_ALIASES.items() for alias in aliases}
    assert ql._FIELD_ALIASES == reverse


def test_trees_compare_by_type_and_fields() -> None:
    assert ql.Term("text", "data") == ql.Term("text", "data")
    assert ql.Term("text", "data") != ql.Prefix("text", "data")
    assert ql.Term("text", "data") != ql.Term("text", "data", 2.0)
    assert len({ql.Term("text", "data"), ql.Term("text", "data")}) == 1
    assert not ql.Or(()) and ql.Or((ql.Term("a", "b"),))


def test_levenshtein_matches_whoosh() -> None:
    from whoosh.support.levenshtein import levenshtein as whoosh_levenshtein

    rng = random.Random(3)
    letters = "abcde"
    for _ in range(2000):
        a = "".join(rng.choice(letters) for _ in range(rng.randint(1, 8)))
        b = "".join(rng.choice(letters) for _ in range(rng.randint(1, 8)))
        for limit in (1, 2):
            assert (ql.levenshtein(a, b, limit) <= limit) == (
                whoosh_levenshtein(a, b, limit + 1) <= limit), (a, b)
            if ql.levenshtein(a, b, limit) <= limit:
                assert ql.levenshtein(a, b, limit) == whoosh_levenshtein(a, b)


def test_date_bounds_convert_like_whoosh() -> None:
    from whoosh import query
    from whoosh.util.times import long_to_datetime

    start, end = dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 31, 23, 59, 59, 999999)
    q = ql.from_whoosh(query.DateRange("date", start, end))
    assert isinstance(q, ql.DateRange) and (q.start, q.end) == (start, end)
    whoosh_q = BUILDER.build("date:202401")
    assert whoosh_q is not None
    converted = ql.from_whoosh(whoosh_q)
    assert isinstance(converted, ql.DateRange)
    assert converted.start == long_to_datetime(whoosh_q.start)
    assert converted.end == long_to_datetime(whoosh_q.end)


def test_fuzzy_retry_tree_matches_whoosh() -> None:
    from sopdocs.search.index import _fuzzy

    for qstring in ["pendataan kuesioner", "Rahmad Hidayat", '"pengumpulan data" survei',
                    "NOT pendataan", "data", "800.1.11.1/015/DTK/2024 pendataan"]:
        whoosh_q = BUILDER.build(qstring)
        own_q = ql.build_query(qstring, whoosh=False)
        assert own_q is not None and whoosh_q is not None
        fuzzy = _fuzzy(whoosh_q)
        assert ql.fuzzy_query(own_q) == (None if fuzzy is None else ql.from_whoosh(fuzzy)), qstring


def test_filters_match_whoosh() -> None:
    from sopdocs.search.index import _filter_query

    args = ("surat-tugas", dt.date(2024, 1, 1), dt.date(2024, 12, 31), "800", "Dinas", 2024)
    whoosh_q = _filter_query(*args)
    assert whoosh_q is not None
    assert ql.filter_query(*args) == ql.from_whoosh(whoosh_q)
    assert ql.filter_query(None, None, None) is None
