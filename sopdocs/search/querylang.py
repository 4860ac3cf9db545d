"""The sopdocs query language without Whoosh: a small query tree, and a parser for it.

The query language is defined by :class:`sopdocs.search.index.QueryBuilder` (Whoosh's
``MultifieldParser`` over title, text and names, with field aliases, fuzzy words and the
bounds of :mod:`sopdocs.search.base`). The tantivy engine must not import Whoosh for a
search (a cold ``sopdocs search`` would spend most of its time importing it), so it
parses with :func:`build_query` here, which gives the same tree:

* the query string is checked and prepared exactly as ``QueryBuilder.build`` does
  (length, nesting, date values, fuzzy distances, document numbers, NIPs, dangling
  operators), with the same functions and messages;
* the rest is parsed by a port of the steps of Whoosh's parser that the language uses
  (tagging, parentheses, field names and aliases, wildcards, fuzzy words, the fields of
  unfielded words, AND/OR/NOT, then the same normalisation), analysing each word with
  :mod:`sopdocs.search.textanalysis` as the Whoosh analyzers do in query mode;
* anything outside what the port covers with certainty (single-quoted terms, ranges,
  boosts, ``date:`` values, ``ANDNOT``/``ANDMAYBE``/``REQUIRE``, odd placements of
  operators, wildcards or colons...) is parsed by Whoosh's ``QueryBuilder`` itself, and
  its tree converted (:func:`from_whoosh`): rare queries pay Whoosh's import, the
  language stays exactly one.

``tests/test_querylang.py`` compares both parsers on many queries, hostile ones included.
Equal trees compare equal (as Whoosh queries do).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any, Union

from sopdocs.search.base import (
    FUZZY_PREFIX,
    MAX_CLAUSES,
    MAX_FUZZY_DISTANCE,
    MAX_FUZZY_WORD_CHARS,
    MIN_WILDCARD_PREFIX,
    _DANGLING_OP_RE,
    _DATE_VALUE_RE,
    _NUMBER_RE,
    _check_date_syntax,
    _check_query_shape,
    _clamp_fuzzy_distances,
    _literal_prefix,
    _note,
    _too_broad,
    expansion_message,
)
from sopdocs.search.textanalysis import STOP_WORDS, TOKEN_PATTERN, normalize_nip, stem

__all__ = [
    "And", "AndMaybe", "AndNot", "DateRange", "Every", "Fuzzy", "Node", "Not", "Null",
    "Or", "Phrase", "Prefix", "Require", "Term", "TermRange", "Wildcard",
    "build_query", "expansion_notice", "from_whoosh", "fuzzy_query", "leaves",
    "filter_query",
]

# ----------------------------------------------------------------------------- tree


class _Node:
    """A node of a query tree: immutable by convention, equal when of the same type with
    equal fields (as Whoosh queries compare). Plain classes, not dataclasses: making a
    dataclass costs about a millisecond at import, paid by every ``sopdocs search``."""

    __slots__: tuple[str, ...] = ()
    boost: float

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({args})"

    def with_boost(self, boost: float) -> Node:
        values = dict(zip(self.__slots__, self._values()))
        values["boost"] = boost
        return type(self)(**values)  # type: ignore[return-value]


class Term(_Node):
    __slots__ = ("field", "text", "boost")

    def __init__(self, field: str, text: str, boost: float = 1.0) -> None:
        self.field, self.text, self.boost = field, text, boost


class Phrase(_Node):
    __slots__ = ("field", "words", "slop", "boost")

    def __init__(self, field: str, words: tuple[str, ...], slop: int = 1,
                 boost: float = 1.0) -> None:
        self.field, self.words, self.slop, self.boost = field, words, slop, boost


class Prefix(_Node):
    __slots__ = ("field", "text", "boost")

    def __init__(self, field: str, text: str, boost: float = 1.0) -> None:
        self.field, self.text, self.boost = field, text, boost


class Wildcard(_Node):
    __slots__ = ("field", "text", "boost")

    def __init__(self, field: str, text: str, boost: float = 1.0) -> None:
        self.field, self.text, self.boost = field, text, boost


class Fuzzy(_Node):
    __slots__ = ("field", "text", "maxdist", "prefix", "boost")

    def __init__(self, field: str, text: str, maxdist: int = 1, prefix: int = 1,
                 boost: float = 1.0) -> None:
        self.field, self.text, self.boost = field, text, boost
        self.maxdist, self.prefix = maxdist, prefix


class TermRange(_Node):
    __slots__ = ("field", "start", "end", "startexcl", "endexcl", "boost")

    def __init__(self, field: str, start: str | None, end: str | None,
                 startexcl: bool = False, endexcl: bool = False, boost: float = 1.0) -> None:
        self.field, self.start, self.end, self.boost = field, start, end, boost
        self.startexcl, self.endexcl = startexcl, endexcl


class DateRange(_Node):
    __slots__ = ("field", "start", "end", "startexcl", "endexcl", "boost")

    def __init__(self, field: str, start: dt.datetime | None, end: dt.datetime | None,
                 startexcl: bool = False, endexcl: bool = False, boost: float = 1.0) -> None:
        self.field, self.start, self.end, self.boost = field, start, end, boost
        self.startexcl, self.endexcl = startexcl, endexcl


class Every(_Node):
    __slots__ = ("field", "boost")

    def __init__(self, field: str | None = None, boost: float = 1.0) -> None:
        self.field, self.boost = field, boost


class And(_Node):
    __slots__ = ("subs", "boost")

    def __init__(self, subs: tuple[Node, ...], boost: float = 1.0) -> None:
        self.subs, self.boost = subs, boost

    def __len__(self) -> int:  # as Whoosh: an empty group is false
        return len(self.subs)


class Or(_Node):
    __slots__ = ("subs", "boost", "minmatch")

    def __init__(self, subs: tuple[Node, ...], boost: float = 1.0, minmatch: int = 0) -> None:
        self.subs, self.boost, self.minmatch = subs, boost, minmatch

    def __len__(self) -> int:
        return len(self.subs)


class Not(_Node):
    __slots__ = ("sub", "boost")

    def __init__(self, sub: Node, boost: float = 1.0) -> None:
        self.sub, self.boost = sub, boost


class AndNot(_Node):
    __slots__ = ("a", "b", "boost")

    def __init__(self, a: Node, b: Node, boost: float = 1.0) -> None:
        self.a, self.b, self.boost = a, b, boost


class AndMaybe(_Node):
    __slots__ = ("a", "b", "boost")

    def __init__(self, a: Node, b: Node, boost: float = 1.0) -> None:
        self.a, self.b, self.boost = a, b, boost


class Require(_Node):
    __slots__ = ("a", "b", "boost")

    def __init__(self, a: Node, b: Node, boost: float = 1.0) -> None:
        self.a, self.b, self.boost = a, b, boost


class _NullQuery(_Node):
    """Matches nothing (Whoosh's NullQuery)."""

    __slots__ = ("boost",)

    def __init__(self, boost: float = 1.0) -> None:
        self.boost = boost

    def __len__(self) -> int:
        return 0


Null = _NullQuery()

Node = Union[Term, Phrase, Prefix, Wildcard, Fuzzy, TermRange, DateRange, Every, And, Or,
             Not, AndNot, AndMaybe, Require, _NullQuery]
MultiTerm = (Prefix, Wildcard, Fuzzy, TermRange, DateRange)
"""Nodes that stand for several indexed words (expanded from the dictionary)."""
_Compound = (And, Or)
_Binary = (AndNot, AndMaybe, Require)


def leaves(q: Node) -> Iterator[Node]:
    """The leaves of ``q`` (words, phrases, word patterns), as Whoosh's ``leaves()``."""
    if isinstance(q, _Compound):
        for sub in q.subs:
            yield from leaves(sub)
    elif isinstance(q, Not):
        yield from leaves(q.sub)
    elif isinstance(q, _Binary):
        yield from leaves(q.a)
        yield from leaves(q.b)
    else:
        yield q


def _apply(q: Node, fn: Callable[[Node], Node]) -> Node:
    """``q`` with ``fn`` applied to its children (Whoosh's ``Query.apply``)."""
    if isinstance(q, And):
        return And(tuple(fn(s) for s in q.subs), q.boost)
    if isinstance(q, Or):
        return Or(tuple(fn(s) for s in q.subs), q.boost)
    if isinstance(q, Not):
        return Not(fn(q.sub), q.boost)
    if isinstance(q, _Binary):
        return type(q)(fn(q.a), fn(q.b))
    return q


def _with_boost(q: Node, boost: float) -> Node:
    if isinstance(q, _Binary):  # as Whoosh: the boost goes to the first query
        return type(q)(_with_boost(q.a, boost), q.b)
    return q.with_boost(boost)


# ------------------------------------------------------------------ normalisation


def _normalize(q: Node) -> Node:
    """Whoosh's ``Query.normalize`` for the nodes the parser makes."""
    if isinstance(q, _Compound):
        cls = type(q)
        subs: list[Node] = []
        for s in q.subs:
            s = _normalize(s)
            if isinstance(s, cls):
                subs += [_with_boost(ss, ss.boost * s.boost) for ss in s.subs]
            else:
                subs.append(s)
        if all(s is Null for s in subs):
            return Null
        if any(isinstance(s, Every) and s.field is None for s in subs):
            return Every()
        if any(isinstance(s, (Every, TermRange)) for s in subs):
            raise _Unsupported  # Whoosh merges term ranges and Everys: not ported
        # (Whoosh's date ranges are NumericRanges, which it never merges.)
        out: list[Node] = []
        seen: set[Node] = set()
        for s in subs:
            if s in seen:
                continue
            seen.add(s)
            out.append(s)
        out = [s for s in out if s is not Null]
        if not out:
            return Null
        if len(out) == 1:
            sub = out[0]
            sub_boost = getattr(sub, "boost", 1.0)
            if not (q.boost == 1.0 and sub_boost == 1.0):
                sub = _with_boost(sub, sub_boost * q.boost)
            return sub
        return cls(tuple(out), q.boost)
    if isinstance(q, Not):
        sub = _normalize(q.sub)
        return Null if sub is Null else Not(sub, q.boost)
    if isinstance(q, Phrase):
        if not q.words:
            return Null
        if len(q.words) == 1:
            return Term(q.field, q.words[0])
        return q
    if isinstance(q, _Binary):
        raise _Unsupported
    return q


# -------------------------------------------------------------------------- parsing


class _Unsupported(Exception):
    """A query the port does not cover with certainty: Whoosh's parser takes it."""


_SEARCH_FIELDS = ("title", "text", "people")
_TEXT_FIELDS = frozenset(("title", "text"))
_ID_FIELDS = frozenset(("doc_id", "number", "kind", "classification", "case_id", "office",
                        "year"))
_FIELD_ALIASES = {
    "jenis": "kind", "tanggal": "date", "nomor": "number", "judul": "title",
    "orang": "people", "nama": "people", "nip": "people", "klasifikasi": "classification",
    "perkara": "case_id", "kasus": "case_id", "instansi": "office",
}
"""``sopdocs.search.index._FIELD_ALIASES``, alias -> field (a test checks they agree)."""

_TOKEN_RE = re.compile(TOKEN_PATTERN)
_BLANKS_RE = re.compile(r"[ \t]")
_PLAIN_RE = re.compile(r"[^\s:()\"*?~^\[\]{}\u055e\u061f\u1367]+")
_FIELD_RE = re.compile(r"\w+:")
_FIELD_RANGE_RE = re.compile(r"(\w+):(?=[\[{])")
_RANGE_RE = re.compile(r"""
    (?P<open>\{|\[)
    (?P<start>('[^']*?'\s+)|([^\]}]+?(?=[Tt][Oo])))?
    [Tt][Oo]
    (?P<end>(\s+'[^']*?')|([^\]}]+?))?
    (?P<close>}|])
    """, re.VERBOSE)
"""Whoosh's ``RangePlugin`` pattern."""
_FUZZ_RE = re.compile(r"~([0-9])?")
_OPERATOR_WORDS = {"AND": "and", "OR": "or", "NOT": "not"}
_REFUSED_WORDS = frozenset(("ANDNOT", "ANDMAYBE", "REQUIRE"))


def _analyse(fieldname: str, text: str, tokenize: bool, removestops: bool) -> list[str]:
    """The words the Whoosh analyzer of ``fieldname`` makes of ``text`` in query mode."""
    if fieldname in _ID_FIELDS:
        return [text]
    if fieldname not in _TEXT_FIELDS and fieldname != "people":
        raise _Unsupported
    raw = _TOKEN_RE.findall(text) if tokenize else [text]
    out: list[str] = []
    for token in raw:
        if not token.isalnum() and (" " in token or "\t" in token):
            token = _BLANKS_RE.sub("", token)
        token = token.lower()
        stopped = token in STOP_WORDS  # the people field drops them from queries too
        if stopped and removestops:
            continue
        if fieldname in _TEXT_FIELDS and not stopped:
            token = stem(token)
        out.append(token)
    return out


# Syntax nodes of the port (Whoosh's qparser.syntax), as small mutable objects.


class _Syn:
    has_fieldname = False
    fieldname: str | None = None

    def set_fieldname(self, name: str, override: bool = False) -> None:
        if self.has_fieldname and (self.fieldname is None or override):
            self.fieldname = name


class _Space(_Syn):
    pass


class _Open(_Syn):
    pass


class _Close(_Syn):
    pass


class _Op(_Syn):
    def __init__(self, kind: str) -> None:
        self.kind = kind


class _FieldName(_Syn):
    has_fieldname = True

    def __init__(self, name: str) -> None:
        self.fieldname = name


class _Text(_Syn):
    """A word, prefix (``word*``), fuzzy word (``word~N``) or phrase."""

    has_fieldname = True

    def __init__(self, kind: str, text: str, maxdist: int = 1, end: str = "") -> None:
        self.kind = kind  # word, prefix, fuzzy, phrase, date (date:2024), range (date:[a TO b])
        self.text = text
        self.maxdist = maxdist
        self.end = end
        self.fieldname = None

    def copy(self) -> _Text:
        c = _Text(self.kind, self.text, self.maxdist, self.end)
        c.fieldname = self.fieldname
        return c

    def query(self) -> Node | None:
        fieldname = self.fieldname
        if fieldname is None:
            raise _Unsupported
        if self.kind in ("date", "range"):
            if fieldname != "date":
                raise _Unsupported
            start, end = _date_bounds(self.text)
            if self.kind == "range":
                end = _date_bounds(self.end)[1]
            return DateRange("date", start, end)
        if self.kind == "phrase":
            words = _analyse(fieldname, self.text, tokenize=True, removestops=True)
            return Phrase(fieldname, tuple(words))
        if self.kind == "word":
            texts = _analyse(fieldname, self.text, tokenize=True, removestops=True)
            if len(texts) > 1:
                return And(tuple(Term(fieldname, t) for t in texts))
            return Term(fieldname, texts[0]) if texts else None
        texts = _analyse(fieldname, self.text, tokenize=False, removestops=False)
        if len(texts) != 1:
            raise _Unsupported
        if self.kind == "prefix":
            return Prefix(fieldname, texts[0])
        return Fuzzy(fieldname, texts[0], maxdist=self.maxdist, prefix=0)


class _Group(_Syn):
    def __init__(self, kind: str, nodes: list[_Syn] | None = None) -> None:
        self.kind = kind  # "and", "or", "not"
        self.nodes: list[_Syn] = nodes or []

    def set_fieldname(self, name: str, override: bool = False) -> None:
        for node in self.nodes:
            node.set_fieldname(name, override)

    def query(self) -> Node | None:
        if self.kind == "not":
            if not self.nodes:
                raise _Unsupported  # Whoosh fails here and parses the query as plain words
            q = _query_of(self.nodes[0])
            return Not(q) if q else None
        subs = tuple(s for s in map(_query_of, self.nodes) if s is not None)
        return And(subs) if self.kind == "and" else Or(subs)


def _query_of(node: _Syn) -> Node | None:
    if isinstance(node, (_Text, _Group)):
        return node.query()
    raise _Unsupported  # an operator or a field name left over: Whoosh fails on it


def _tag(text: str) -> list[_Syn]:
    """Whoosh's tagging of ``text``, for the syntax the port covers."""
    nodes: list[_Syn] = []
    pos, n = 0, len(text)
    while pos < n:
        ch = text[pos]
        if ch.isspace():
            end = pos + 1
            while end < n and text[end].isspace():
                end += 1
            nodes.append(_Space())
            pos = end
            continue
        if ch == "(":
            nodes.append(_Open())
            pos += 1
            continue
        if ch == ")":
            nodes.append(_Close())
            pos += 1
            continue
        before = text[pos - 1] if pos else ""
        if ch == '"':
            end = text.find('"', pos + 1)
            after = text[end + 1:end + 2] if end >= 0 else ""
            if end < 0 or (after and not after.isspace() and after != ")"):
                raise _Unsupported
            if "\n" in text[pos:end]:
                raise _Unsupported  # Whoosh's phrase pattern stops at a line end
            if before and not before.isspace() and before != "(":
                raise _Unsupported
            nodes.append(_Text("phrase", text[pos + 1:end]))
            pos = end + 1
            continue
        fr = _FIELD_RANGE_RE.match(text, pos)
        if fr is not None:  # date:[20240101 TO 20240131]
            nodes.extend(_date_range(text, fr))
            pos = fr.end()
            rm = _RANGE_RE.match(text, pos)
            assert rm is not None
            pos = rm.end()
            continue
        # A chunk up to the next space or parenthesis.
        end = pos
        while end < n and not text[end].isspace() and text[end] not in "()":
            end += 1
        chunk = text[pos:end]
        after = text[end:end + 1]
        if chunk in _OPERATOR_WORDS and after.isspace():
            kind = _OPERATOR_WORDS[chunk]
            if kind == "not" and (not before or before.isspace() or before in "()"):
                nodes.append(_Op(kind))
                pos = end
                continue
            if kind != "not" and before.isspace():
                nodes.append(_Op(kind))
                pos = end
                continue
        if chunk in _REFUSED_WORDS:
            raise _Unsupported
        nodes.extend(_chunk_nodes(chunk))
        pos = end
    return nodes


def _date_bounds(value: str) -> tuple[dt.datetime, dt.datetime]:
    """First and last moment of a date value (TTTT, TTTTBB, TTTTBBHH, dashes allowed), as
    Whoosh's DATETIME field reads it (``_parse_datestring``, ``floor``, ``ceil``)."""
    if not _DATE_VALUE_RE.match(value):
        raise _Unsupported
    digits = value.replace("-", "")
    year = int(digits[:4])
    month = int(digits[4:6]) if len(digits) >= 6 else None
    day = int(digits[6:8]) if len(digits) >= 8 else None
    import calendar  # not at import: it loads locale, and few queries have dates

    try:
        first = dt.datetime(year, month or 1, day or 1)
        last_day = day or calendar.monthrange(year, month or 12)[1]
        last = dt.datetime(year, month or 12, last_day, 23, 59, 59, 999999)
    except ValueError:
        raise _Unsupported from None  # Whoosh's parser says what it says
    return first, last


def _date_range(text: str, field: re.Match[str]) -> list[_Syn]:
    """``date:[a TO b]`` (Whoosh's range syntax; its date field ignores ``{}``)."""
    name = _FIELD_ALIASES.get(field.group(1), field.group(1))
    m = _RANGE_RE.match(text, field.end())
    if name != "date" or m is None:
        raise _Unsupported
    after = text[m.end():m.end() + 1]
    if after and not after.isspace() and after != ")":
        raise _Unsupported
    start, end = m.group("start"), m.group("end")
    if not start or not end:
        raise _Unsupported
    start, end = start.rstrip(), end.lstrip()
    if not _DATE_VALUE_RE.match(start) or not _DATE_VALUE_RE.match(end):
        raise _Unsupported
    return [_FieldName("date"), _Text("range", start, end=end)]


def _chunk_nodes(chunk: str) -> list[_Syn]:
    """A chunk (no spaces, no parentheses): ``[field:]word``, ``[field:]word*`` or
    ``[field:]word~[N]``."""
    out: list[_Syn] = []
    body = chunk
    if ":" in chunk:
        m = _FIELD_RE.match(chunk)
        if m is None:
            raise _Unsupported
        name = m.group(0)[:-1]
        name = _FIELD_ALIASES.get(name, name)
        body = chunk[m.end():]
        if name == "date":
            if not _DATE_VALUE_RE.match(body):
                raise _Unsupported
            return [_FieldName(name), _Text("date", body)]
        if name not in _ID_FIELDS and name not in _SEARCH_FIELDS:
            raise _Unsupported  # unknown fields...: Whoosh's parser
        out.append(_FieldName(name))
    m = _PLAIN_RE.match(body)
    if m is None:
        raise _Unsupported
    word = m.group(0)
    tail = body[m.end():]
    if any(c == "'" and not (i and word[i - 1].isalnum() or word[i - 1:i] == "_")
           for i, c in enumerate(word)):
        raise _Unsupported  # Whoosh takes '...' for one quoted term
    if not tail:
        out.append(_Text("word", word))
    elif tail == "*":
        out.append(_Text("prefix", word))
    else:
        fm = _FUZZ_RE.fullmatch(tail)
        if fm is None:
            raise _Unsupported
        out.append(_Text("fuzzy", word, int(fm.group(1)) if fm.group(1) else 1))
    return out


def _groups(nodes: list[_Syn]) -> _Group:
    """Parentheses into nested groups (Whoosh's ``GroupPlugin.do_groups``)."""
    stack = [_Group("and")]
    for node in nodes:
        if isinstance(node, _Open):
            stack.append(_Group("and"))
        elif isinstance(node, _Close):
            if len(stack) > 1:
                last = stack.pop()
                stack[-1].nodes.append(last)
        else:
            stack[-1].nodes.append(node)
    top = stack[0]
    for extra in stack[1:]:
        top.nodes.extend(extra.nodes)
    if len(top.nodes) == 1 and isinstance(top.nodes[0], _Group):
        top = top.nodes[0]
    return top


def _check_wildcards(group: _Group) -> None:
    """Whoosh joins a ``*`` with the text nodes on both sides once parentheses are
    grouped: a prefix followed by a word because an unmatched parenthesis was dropped
    ("a*)b" is the wildcard "a*b") is left to Whoosh's parser."""
    nodes = group.nodes
    for i, node in enumerate(nodes):
        if isinstance(node, _Group):
            _check_wildcards(node)
        elif (isinstance(node, _Text) and node.kind == "prefix" and i + 1 < len(nodes)
              and isinstance(nodes[i + 1], _Text)):
            raise _Unsupported


def _fieldnames(group: _Group) -> _Group:
    """Field names apply to the node right after them (``FieldsPlugin.do_fieldnames``)."""
    out: list[_Syn] = []
    nodes = group.nodes
    i = len(nodes)
    while i > 0:
        i -= 1
        node = nodes[i]
        if isinstance(node, _FieldName):
            raise _Unsupported  # a field name not followed by its value
        if isinstance(node, _Group):
            node = _fieldnames(node)
        if i > 0 and not isinstance(node, _Space) and isinstance(nodes[i - 1], _FieldName):
            name = nodes[i - 1].fieldname
            assert name is not None
            node.set_fieldname(name)
            i -= 1
        out.append(node)
    out.reverse()
    return _Group(group.kind, out)


def _multifield(group: _Group) -> None:
    """Unfielded words become an OR over title, text and people."""
    for i, node in enumerate(group.nodes):
        if isinstance(node, _Group):
            _multifield(node)
        elif node.has_fieldname and node.fieldname is None:
            assert isinstance(node, _Text)
            copies: list[_Syn] = []
            for name in _SEARCH_FIELDS:
                c = node.copy()
                c.fieldname = name
                copies.append(c)
            group.nodes[i] = _Group("or", copies)


def _without_spaces(group: _Group) -> _Group:
    return _Group(group.kind, [_without_spaces(n) if isinstance(n, _Group) else n
                               for n in group.nodes if not isinstance(n, _Space)])


def _operators(group: _Group) -> _Group:
    """NOT, then AND, then OR (``OperatorsPlugin.do_operators``, left-associative)."""
    nodes = group.nodes
    for kind in ("not", "and", "or"):
        i = 0
        while i < len(nodes):
            t = nodes[i]
            if not (isinstance(t, _Op) and t.kind == kind):
                i += 1
                continue
            if kind == "not":  # prefix operator
                length = len(nodes)
                del nodes[i]
                if i < length - 1:
                    nodes[i] = _Group("not", [nodes[i]])
                continue
            if 0 < i < len(nodes) - 1:
                left, right = nodes[i - 1], nodes[i + 1]
                if isinstance(left, _Group) and left.kind == kind:
                    left.nodes.append(right)
                    del nodes[i:i + 2]
                else:
                    nodes[i - 1:i + 2] = [_Group(kind, [left, right])]
            else:
                del nodes[i]
    for i, t in enumerate(nodes):
        if isinstance(t, _Group):
            nodes[i] = _operators(t)
    return group


def _parse(text: str) -> Node:
    """Whoosh's ``parser.parse(text)`` for the syntax the port covers."""
    group = _groups(_tag(text))
    _check_wildcards(group)
    group = _fieldnames(group)
    _multifield(group)
    group = _without_spaces(group)
    group = _operators(group)
    q = group.query()
    return _normalize(q) if q else Null


def _bound(q: Node, notices: list[str]) -> Node:
    """``sopdocs.search.index._bound_query`` on this tree."""
    if isinstance(q, Every) and q.field:
        raise _too_broad(f"{q.field}:*")
    if isinstance(q, Prefix):
        if len(q.text) < MIN_WILDCARD_PREFIX:
            raise _too_broad(f"{q.text}*")
        return q
    if isinstance(q, Wildcard):
        if len(_literal_prefix(q.text)) < MIN_WILDCARD_PREFIX:
            raise _too_broad(q.text)
        return q
    if isinstance(q, Fuzzy):
        if len(q.text) > MAX_FUZZY_WORD_CHARS:
            _note(notices, f"{q.text[:40] + '…~'!r}: kata lebih dari {MAX_FUZZY_WORD_CHARS} "
                           "huruf dicari persis, tanpa ejaan mirip")
            return Term(q.field, q.text, q.boost)
        if q.maxdist > MAX_FUZZY_DISTANCE or q.prefix < FUZZY_PREFIX:
            if q.maxdist > MAX_FUZZY_DISTANCE:
                _note(notices, f"{q.text + '~' + format(q.maxdist, 'g')!r}: jarak "
                               f"ejaan diturunkan menjadi {MAX_FUZZY_DISTANCE}")
            q = Fuzzy(q.field, q.text, min(q.maxdist, MAX_FUZZY_DISTANCE),
                      max(q.prefix, FUZZY_PREFIX), q.boost)
        return q
    return _apply(q, lambda sub: _bound(sub, notices))


def build_query(qstring: str, notices: list[str] | None = None,
                whoosh: bool = True) -> Node | None:
    """The tree of the user's query, as ``QueryBuilder().build`` (None: only stop words).
    Raises SearchError/DateError as it does; adds to ``notices`` what it limited.
    ``whoosh=False`` raises :class:`_Unsupported` instead of asking Whoosh (tests)."""
    if not qstring:
        return Every()
    notices = [] if notices is None else notices
    kept = len(notices)
    try:
        return _build(qstring, notices)
    except _Unsupported:
        if not whoosh:
            raise
    del notices[kept:]
    q = _whoosh_builder().build(qstring, notices)
    return None if q is None else from_whoosh(q)


_BUILDER: list[Any] = []


def _whoosh_builder() -> Any:
    if not _BUILDER:
        from sopdocs.search.index import QueryBuilder

        _BUILDER.append(QueryBuilder())
    return _BUILDER[0]


def _build(qstring: str, notices: list[str]) -> Node | None:
    _check_query_shape(qstring)
    _check_date_syntax(qstring)
    qstring = _clamp_fuzzy_distances(qstring, notices)
    parts: list[Node] = []
    for number in _NUMBER_RE.findall(qstring):
        low = number.lower()
        parts.append(Or((Term("number", number, 5.0), Term("title", low), Term("text", low))))
    rest = _NUMBER_RE.sub(" ", qstring)
    rest = _DANGLING_OP_RE.sub("", normalize_nip(rest)).strip()
    if rest:
        parsed = _parse(rest)
        if parsed is not Null:
            parts.append(parsed)
        elif not parts:
            return None
    if not parts:
        return None
    bounded = _bound(parts[0] if len(parts) == 1 else And(tuple(parts)), notices)
    if sum(1 for _ in leaves(bounded)) > MAX_CLAUSES:
        raise _Unsupported  # Whoosh counts the clauses as typed and says how many
    return bounded


# ------------------------------------------------------------------- other helpers


def fuzzy_query(q: Node) -> Node | None:
    """``q`` with each plain word also matched within a spelling distance (the retry of
    a search without hits), or None if it has no such word (``index._fuzzy``)."""
    changed = False

    def convert(node: Node) -> Node:
        nonlocal changed
        if (isinstance(node, Term) and node.field in _SEARCH_FIELDS and node.text.isalpha()
                and 4 <= len(node.text) <= MAX_FUZZY_WORD_CHARS):
            changed = True
            maxdist = 1 if len(node.text) < 8 else 2
            return Or((node, Fuzzy(node.field, node.text, maxdist=maxdist,
                                   prefix=FUZZY_PREFIX, boost=0.5)))
        return _apply(node, convert)

    result = convert(q)
    return result if changed else None


def filter_query(kind: str | None, date_from: dt.date | None, date_to: dt.date | None,
                 classification: str | None = None, office: str | None = None,
                 year: int | None = None) -> Node | None:
    """The filters of a search as a tree (``index._filter_query``)."""
    parts: list[Node] = []
    if kind:
        parts.append(Term("kind", kind))
    if classification:
        parts.append(Or((Term("classification", classification),
                         Prefix("classification", classification + "."))))
    if office:
        parts.append(Term("office", office))
    if year is not None:
        parts.append(Term("year", str(year)))
    if date_from or date_to:
        parts.append(DateRange("date", _datetime(date_from), _datetime(date_to)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _datetime(d: dt.date | None) -> dt.datetime | None:
    if d is None or isinstance(d, dt.datetime):
        return d
    return dt.datetime(d.year, d.month, d.day)


def expansion_notice(q: Node) -> str:
    """The notice of a word pattern cut to its first MAX_EXPANSION_TERMS words."""
    if isinstance(q, TermRange):
        shown = f"{q.field}:[{q.start or ''} TO {q.end or ''}]"
    elif isinstance(q, Prefix):
        shown = f"{q.text}*"
    elif isinstance(q, Fuzzy):
        shown = f"{q.text}~"
    else:
        shown = str(getattr(q, "text", q))
    return expansion_message(shown)


def levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance of ``a`` and ``b`` (insertions, deletions, substitutions), or
    ``limit + 1`` as soon as it is sure to be more than ``limit``. A common start and end
    are cut first (they do not change the distance): spelling suggestions compare a word
    with thousands of dictionary words, most of them sharing its first letters."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    start, short = 0, min(len(a), len(b))
    while start < short and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    if not a or not b:
        return len(a) or len(b)
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


_EPOCH = dt.datetime.min


def _from_whoosh_long(value: Any) -> dt.datetime | None:
    """A bound of a Whoosh date range (a datetime, or microseconds since year 1)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return _EPOCH + dt.timedelta(microseconds=int(value))


def from_whoosh(q: Any) -> Node:
    """The tree of a Whoosh query (what ``QueryBuilder`` makes)."""
    from whoosh import query

    boost = float(getattr(q, "boost", 1.0) or 1.0)
    t = type(q)
    if q is query.NullQuery or t is type(query.NullQuery):
        return Null
    if t is query.Every:
        return Every(q.fieldname, boost)
    if t is query.Term:
        text = q.text.decode("utf-8") if isinstance(q.text, bytes) else str(q.text)
        return Term(q.fieldname, text, boost)
    if t is query.And:
        return And(tuple(from_whoosh(s) for s in q.subqueries), boost)
    if t is query.Or:
        return Or(tuple(from_whoosh(s) for s in q.subqueries), boost,
                  int(getattr(q, "minmatch", 0) or 0))
    if t is query.Not:
        return Not(from_whoosh(q.query), boost)
    if t is query.AndNot:
        return AndNot(from_whoosh(q.a), from_whoosh(q.b))
    if t is query.AndMaybe:
        return AndMaybe(from_whoosh(q.a), from_whoosh(q.b))
    if t is query.Require:
        return Require(from_whoosh(q.a), from_whoosh(q.b))
    if t is query.Phrase:
        words = tuple(w.decode("utf-8") if isinstance(w, bytes) else str(w) for w in q.words)
        return Phrase(q.fieldname, words, int(q.slop or 1), boost)
    if isinstance(q, (query.DateRange, query.NumericRange)) and q.fieldname == "date":
        return DateRange("date", _from_whoosh_long(q.start), _from_whoosh_long(q.end),
                         bool(q.startexcl), bool(q.endexcl), boost)
    if isinstance(q, (query.TermRange, query.NumericRange)):
        return TermRange(q.fieldname, None if q.start is None else str(q.start),
                         None if q.end is None else str(q.end), bool(q.startexcl),
                         bool(q.endexcl), boost)
    if isinstance(q, query.FuzzyTerm):
        return Fuzzy(q.fieldname, q.text, int(q.maxdist), int(q.prefixlength), boost)
    if isinstance(q, query.Prefix):
        return Prefix(q.fieldname, q.text, boost)
    if isinstance(q, query.Wildcard):
        return Wildcard(q.fieldname, q.text, boost)
    if hasattr(q, "subqueries"):
        return And(tuple(from_whoosh(s) for s in q.subqueries), boost)
    from sopdocs.search.base import SearchError

    raise SearchError(f"pencarian: bagian kueri {q!r} tidak didukung mesin tantivy")
