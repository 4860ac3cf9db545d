"""The parts of the render engine that both render paths share.

:func:`sopdocs.docx.render.render_docx` (docxtpl's plain path, and the entry point) and
:mod:`sopdocs.docx.compiled` (the compiled fast path) both build on these: the values a
context may hold and their conversion to template data, the sandboxed Jinja environment,
its filters and its limits, the checks on a template file, the strict docxtpl template,
atomic saving and the paper setter. The safety rules are listed in
:mod:`sopdocs.docx.render`. Kept apart so that neither path imports the other's module
at import time (no import cycle).

Templates see **data only** (:func:`to_template_data`): strings, numbers, booleans,
``None``, dates, lists and dicts of them, and opaque markers for pictures and WordprocessingML
fragments that expose no attribute at all. The environment (:class:`SopdocsEnvironment`)
allows attribute access only on those data types, bounds every operation that can grow a
value (``*``, ``**``, ``+``, ``%``, ``~``, ``range``, string methods and filters), the
loop iterations, the macro call depth, the output of a part and the render time, and
refuses ``{% include %}``, ``{% import %}`` and ``{% extends %}`` when a template is parsed.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
import stat
import threading
import time
import types
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from docx.shared import Mm
from docxtpl import DocxTemplate
from jinja2 import nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import LoopContext, Macro, Undefined
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from jinja2.utils import Cycler, Joiner, Namespace, generate_lorem_ipsum
from lxml import etree

from sopdocs.docx.integrity import guard_output
from sopdocs.errors import RenderError, SopdocsError
from sopdocs.indonesian.dates import DateStyle, nama_hari, parse_tanggal
from sopdocs.indonesian.nip import format_nip
from sopdocs.indonesian.numerals import romawi, terbilang
from sopdocs.docx.wordxml import clean_text


# --------------------------------------------------------------------------- limits

#: Wall-clock seconds one document (all its templated parts) may take to render.
MAX_RENDER_SECONDS = 20.0
#: Items ``range()`` may produce in a template.
MAX_RANGE = 10_000
#: Loop iterations (all ``for`` loops together) while rendering one document.
MAX_LOOP_ITERATIONS = 1_000_000
#: Nested calls (macros, ``caller()``, recursive loops) in a template.
MAX_CALL_DEPTH = 64
#: Characters a string made inside a template may hold (``*``, ``~``, filters...).
MAX_STRING_CHARS = 10_000_000
#: Items a list made inside a template may hold.
MAX_SEQUENCE_ITEMS = 100_000
#: Bits an integer made inside a template may hold (``10**5000`` is refused).
MAX_INT_BITS = 4_096
#: Largest width or precision in a ``%`` format (``'%0999999d' % 1`` is refused).
MAX_FORMAT_WIDTH = 1_000
#: Characters of rendered XML one part (body, a header, footnotes...) may hold.
MAX_OUTPUT_BYTES = 50_000_000
#: Nesting depth of a context (dicts in lists in dicts...).
MAX_CONTEXT_DEPTH = 32
#: Values (every string, number, list, dict...) a context may hold in all.
MAX_CONTEXT_ITEMS = 1_000_000
#: Size on disk of a template file.
MAX_TEMPLATE_BYTES = 64 * 1024 * 1024
#: Uncompressed size of one part of a template package (as declared in the zip).
MAX_PART_BYTES = 64 * 1024 * 1024
#: Uncompressed size of all parts of a template package together.
MAX_PACKAGE_BYTES = 256 * 1024 * 1024
#: Members a template package may hold.
MAX_PARTS = 5_000
#: Largest uncompressed/compressed ratio of a part (a zip bomb compresses far better) ...
MAX_COMPRESSION_RATIO = 200
#: ... checked for parts at least this big (tiny parts have meaningless ratios).
RATIO_CHECK_MIN_BYTES = 1024 * 1024


class TemplateLimitError(Exception):
    """A template went past one of the limits above (turned into a RenderError naming it)."""


class TemplateFilterError(Exception):
    """A sopdocs filter got a value it cannot take (turned into a RenderError naming the template)."""


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Image:
    """A picture to place in a document (logo, chart, photo); sized in millimetres."""

    path: Path
    width_mm: float | None = None
    height_mm: float | None = None


class DocxFragment:
    """WordprocessingML built by sopdocs code (e.g. the activity table).

    Use with docxtpl's paragraph tag ``{{p name }}``. Only code creates these; text inside
    was escaped when the XML was built, so user values still cannot inject markup.
    """

    def __init__(self, xml: str) -> None:
        self.xml = xml

    def __html__(self) -> str:
        return self.xml

    def __str__(self) -> str:
        return self.xml


def clean_context(value: Any) -> Any:
    """Return ``value`` with every string cleaned, recursively (dicts, lists, tuples).

    Other objects pass as they are. Rendering uses :func:`to_template_data`, which also
    refuses every object that is not data.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_text(str(k)) if isinstance(k, str) else k: clean_context(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_context(v) for v in value]
    return value


# --------------------------------------------------------------------------- opaque markers


class TemplateMarker:
    """A value a template may only print: no attribute, item or method is visible.

    The sandbox refuses every attribute of a marker (:meth:`SopdocsEnvironment.getattr`);
    the marker itself holds no reference to anything but a string or an index.
    """

    __slots__ = ()

    def __html__(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def __str__(self) -> str:
        return self.__html__()


class MarkupMarker(TemplateMarker):
    """WordprocessingML made by code (:class:`DocxFragment`, docxtpl's RichText/Listing)."""

    __slots__ = ("_xml",)

    def __init__(self, xml: str) -> None:
        self._xml = xml

    def __html__(self) -> str:
        return self._xml

    def __repr__(self) -> str:
        return "<fragmen XML>"


class DeferredMarker(TemplateMarker):
    """A picture (or a docxtpl object bound to a template) placed when the template prints it.

    Holds only an index into the table of the render in progress
    (:attr:`TemplateData.objects`); the engine resolves it (:func:`render_session`).
    """

    __slots__ = ("_index",)

    def __init__(self, index: int) -> None:
        self._index = index

    def __html__(self) -> str:
        session = _SESSION.current
        if session is None or session.resolve is None:
            raise RenderError("gambar hanya dapat ditaruh saat dokumen dirender")
        return session.resolve(self._index)

    def __repr__(self) -> str:
        return "<gambar>"


@dataclass
class TemplateData:
    """A context converted for templates: ``values`` (data and markers) and the private
    table of objects the :class:`DeferredMarker` values stand for (never template-visible)."""

    values: dict[str, Any]
    objects: list[Any] = field(default_factory=list)

    @property
    def images(self) -> list[Image]:
        return [obj for obj in self.objects if isinstance(obj, Image)]


def _is_docxtpl_class(value: Any, *names: str) -> bool:
    cls = value.__class__
    return cls.__module__.startswith("docxtpl") and cls.__name__ in names


def _is_docxtpl_bound(value: Any) -> bool:
    return _is_docxtpl_class(value, "InlineImage")


# --------------------------------------------------------------------------- hyperlinks

#: Prefix of the relationship ids :func:`url_id` makes; the engine turns each into a real
#: hyperlink relationship of the part it is rendered in.
LINK_ID_PREFIX = "sopdocs-link:"
MAX_URL_CHARS = 2048
_LINK_ID = re.compile(r'(?<=\sr:id=")' + re.escape(LINK_ID_PREFIX) + r'([A-Za-z0-9_=-]*)(?=")')
_RELATION_ATTR = re.compile(r'(?<=\s)r:([A-Za-z]+)="([^"]*)"')


def url_id(url: str) -> str:
    """The ``url_id`` to give docxtpl's ``RichText.add(text, url_id=...)`` for a link to ``url``.

    The sopdocs counterpart of docxtpl's ``tpl.build_url_id(url)``, which adds the
    relationship to a DocxTemplate object the engine never writes (a dangling ``r:id``).
    The id made here holds the address; the engine adds the hyperlink relationship
    (External) to the part the link is rendered in (body, header, footer, footnotes),
    with the id python-docx would give it.
    """
    import base64

    if not isinstance(url, str) or not url.strip():
        raise RenderError("alamat tautan harus berupa teks yang tidak kosong")
    if len(url) > MAX_URL_CHARS or clean_text(url) != url or any(c in url for c in "\r\n\t"):
        raise RenderError(f"alamat tautan tidak sah (terlalu panjang atau memuat karakter kendali): {url[:60]!r}")
    return LINK_ID_PREFIX + base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii")


def _link_target(token: str) -> str | None:
    import base64
    import binascii

    try:
        url = base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return url if url and len(url) <= MAX_URL_CHARS and clean_text(url) == url else None


def resolve_links(xml: str, relate: Callable[[str], str]) -> str:
    """``xml`` with every :func:`url_id` id replaced by ``relate(url)`` (the id of the
    hyperlink relationship added to the rendered part)."""
    if LINK_ID_PREFIX not in xml:
        return xml

    def replace(match: re.Match[str]) -> str:
        url = _link_target(match.group(1))
        if url is None:
            raise RenderError("id tautan sopdocs rusak dalam hasil render")
        return relate(url)

    return _LINK_ID.sub(replace, xml)


def _check_relation_ids(xml: str, path: str, what: str) -> None:
    """Refuse markup holding a relationship id the rendered document cannot have
    (``tpl.build_url_id``, a picture's ``r:embed``...): it would be written dangling."""
    for match in _RELATION_ATTR.finditer(xml):
        attr, value = match.groups()
        if attr == "id" and value.startswith(LINK_ID_PREFIX):
            if _link_target(value[len(LINK_ID_PREFIX):]) is None:
                raise RenderError(f"konteks {_show_path(path)!r}: id tautan sopdocs rusak ({value[:40]!r})")
            continue
        raise RenderError(
            f"konteks {_show_path(path)!r}: {what} memuat r:{attr}=\"{value}\", id relasi dari templat lain "
            "(mis. dari tpl.build_url_id) yang tidak ada di dokumen ini; untuk tautan pakai "
            "RichText.add(teks, url_id=sopdocs.docx.render.url_id(alamat)), untuk gambar pakai Image"
        )


def _is_docxtpl_markup(value: Any) -> bool:
    cls = value.__class__
    return cls.__module__.startswith("docxtpl") and cls.__name__ in ("RichText", "RichTextParagraph", "Listing")


def _show_path(path: str) -> str:
    return path or "(konteks)"


def to_template_data(context: Mapping[str, Any]) -> TemplateData:
    """Convert ``context`` into what a template may see, or refuse it.

    Strings are cleaned (:func:`~sopdocs.docx.wordxml.clean_text`), tuples become lists,
    :class:`~sopdocs.indonesian.dates.DateStyle` becomes a dict of its fields (what the
    ``tanggal`` filter reads), :class:`DocxFragment` and docxtpl's RichText/Listing become
    :class:`MarkupMarker` (refused when it holds a relationship id the document cannot
    have, e.g. from ``tpl.build_url_id``: see :func:`url_id`), :class:`Image` and docxtpl's
    InlineImage become :class:`DeferredMarker` indexes into :attr:`TemplateData.objects`
    (an InlineImage is placed in the document being rendered, whatever template it was made
    with). docxtpl's Subdoc is refused. Anything else
    (a path, a model, a function...) is a RenderError naming its place in the context;
    so is a context deeper than :data:`MAX_CONTEXT_DEPTH` or bigger than
    :data:`MAX_CONTEXT_ITEMS`.
    """
    objects: list[Any] = []
    count = 0

    def convert(value: Any, path: str, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > MAX_CONTEXT_ITEMS:
            raise RenderError(f"konteks terlalu besar (lebih dari {MAX_CONTEXT_ITEMS} nilai)")
        if depth > MAX_CONTEXT_DEPTH:
            raise RenderError(f"konteks {_show_path(path)!r}: bersarang terlalu dalam (batas {MAX_CONTEXT_DEPTH} tingkat)")
        if isinstance(value, str):
            return clean_text(value)
        if value is None or isinstance(value, (bool, int, float, dt.date)):
            return value
        if isinstance(value, Mapping):
            result = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise RenderError(
                        f"konteks {_show_path(path)!r}: kunci {type(key).__name__} tidak boleh masuk templat (harus teks)"
                    )
                result[clean_text(key)] = convert(item, f"{path}.{key}" if path else key, depth + 1)
            return result
        if isinstance(value, (list, tuple)):
            return [convert(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
        if isinstance(value, TemplateMarker):
            if isinstance(value, MarkupMarker):
                return value
            raise RenderError(f"konteks {_show_path(path)!r}: penanda gambar dari render lain tidak boleh dipakai ulang")
        if isinstance(value, DateStyle):
            return {"nol_di_depan": bool(value.nol_di_depan), "dengan_hari": bool(value.dengan_hari)}
        if isinstance(value, DocxFragment):
            xml = str(value.xml)
            _check_relation_ids(xml, path, "DocxFragment")
            return MarkupMarker(xml)
        if _is_docxtpl_markup(value):
            xml = str(value.__html__())
            _check_relation_ids(xml, path, type(value).__name__)
            return MarkupMarker(xml)
        if _is_docxtpl_class(value, "Subdoc"):
            raise RenderError(
                f"konteks {_show_path(path)!r}: Subdoc tidak didukung (gambar, gaya dan bagian lainnya "
                "terikat pada DocxTemplate lain dan akan hilang); pakai DocxFragment untuk XML "
                "WordprocessingML, RichText untuk teks berformat, atau Image untuk gambar"
            )
        if isinstance(value, Image) or _is_docxtpl_bound(value):
            objects.append(value)
            return DeferredMarker(len(objects) - 1)
        raise RenderError(
            f"konteks {_show_path(path)!r}: objek {type(value).__name__} tidak boleh masuk templat "
            "(hanya teks, angka, tanggal, daftar dan kamus)"
        )

    values = {}
    for key, item in context.items():
        if not isinstance(key, str):
            raise RenderError(f"konteks: kunci {type(key).__name__} tidak boleh masuk templat (harus teks)")
        values[clean_text(key)] = convert(item, key, 1)
    return TemplateData(values, objects)


# --------------------------------------------------------------------------- render session


class _Session:
    """The bounds of one render in progress (thread-local): deadline, loop and call counts,
    how to place a :class:`DeferredMarker`, and the caller's own filters."""

    __slots__ = ("deadline", "iterations", "depth", "resolve", "filters")

    def __init__(
        self, resolve: Callable[[int], str] | None, filters: Mapping[str, Callable[..., Any]] | None = None
    ) -> None:
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS
        self.iterations = 0
        self.depth = 0
        self.resolve = resolve
        self.filters: Mapping[str, Callable[..., Any]] = filters or {}

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimitError(f"templat dirender lebih dari {MAX_RENDER_SECONDS:g} detik; dihentikan")

    def iterate(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise TemplateLimitError(f"perulangan dalam templat melebihi {MAX_LOOP_ITERATIONS} putaran")
        if not self.iterations & 0xFF:
            self.tick()


class _SessionSlot(threading.local):
    current: _Session | None = None


_SESSION = _SessionSlot()


class render_session:  # noqa: N801 - used like a function: ``with render_session(...):``
    """Bound the renders inside the ``with`` block as one document; ``resolve(index)``
    gives the XML of the :class:`DeferredMarker` with that index; ``filters`` are the
    caller's own filters (:func:`custom_filters`). An inner session (a template rendered
    inside an outer one) shares the outer's bounds."""

    def __init__(
        self,
        resolve: Callable[[int], str] | None = None,
        filters: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self._resolve = resolve
        self._filters = filters
        self._outer: _Session | None = None
        self._own = False

    def __enter__(self) -> _Session:
        self._outer = _SESSION.current
        if self._outer is not None and self._resolve is None:
            return self._outer
        session = _Session(self._resolve, self._filters)
        self._own = True
        _SESSION.current = session
        return session

    def __exit__(self, *exc: Any) -> None:
        if self._own:
            _SESSION.current = self._outer


def _session() -> _Session:
    """The session in progress; outside one (constant folding at compile time) a fresh one."""
    return _SESSION.current or _Session(None)


# --------------------------------------------------------------------------- size checks


def _too_long(what: str, size: int, limit: int) -> TemplateLimitError:
    return TemplateLimitError(f"{what} terlalu besar ({size} > batas {limit})")


def _check_size(value: Any) -> Any:
    """Refuse a string or list made by a template past the limits (after it was made:
    used where the growth is bounded by the template's text, e.g. ``a ~ b``)."""
    if isinstance(value, str):
        if len(value) > MAX_STRING_CHARS:
            raise _too_long("teks buatan templat", len(value), MAX_STRING_CHARS)
    elif isinstance(value, (list, tuple)):
        if len(value) > MAX_SEQUENCE_ITEMS:
            raise _too_long("daftar buatan templat", len(value), MAX_SEQUENCE_ITEMS)
    elif isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise _too_long("bilangan buatan templat (bit)", value.bit_length(), MAX_INT_BITS)
    return value


def _check_repeat(sequence: Any, times: Any) -> None:
    if isinstance(times, bool) or not isinstance(times, int):
        return
    if isinstance(sequence, str):
        if len(sequence) * times > MAX_STRING_CHARS:
            raise _too_long("teks hasil perkalian", len(sequence) * times, MAX_STRING_CHARS)
    elif isinstance(sequence, (list, tuple)):
        if len(sequence) * times > MAX_SEQUENCE_ITEMS:
            raise _too_long("daftar hasil perkalian", len(sequence) * times, MAX_SEQUENCE_ITEMS)


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent_format(text: str) -> None:
    for spec in _PERCENT_SPEC.finditer(text):
        for number in spec.groups():
            if number == "*" or (number is not None and int(number) > MAX_FORMAT_WIDTH):
                raise TemplateLimitError(f"lebar format '%' dalam templat di atas batas {MAX_FORMAT_WIDTH}")


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too big, before computing it."""
    if operator == "*":
        _check_repeat(left, right)
        _check_repeat(right, left)
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise _too_long("bilangan hasil perkalian (bit)", left.bit_length() + right.bit_length(), MAX_INT_BITS)
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            bits = right * (abs(left).bit_length() - 1)
            if bits > MAX_INT_BITS:
                raise _too_long("bilangan hasil pangkat (bit)", bits, MAX_INT_BITS)
    elif operator == "+":
        if isinstance(left, str) and isinstance(right, str) and len(left) + len(right) > MAX_STRING_CHARS:
            raise _too_long("teks hasil penjumlahan", len(left) + len(right), MAX_STRING_CHARS)
        if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
            if len(left) + len(right) > MAX_SEQUENCE_ITEMS:
                raise _too_long("daftar hasil penjumlahan", len(left) + len(right), MAX_SEQUENCE_ITEMS)
    elif operator == "%" and isinstance(left, str):
        _check_percent_format(left)


def _count_of(text: str, old: Any) -> int:
    old = str(old)
    return len(text) + 1 if not old else text.count(old)


def _check_str_method(name: str, owner: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Prechecks for the string methods that can grow a string past its input."""
    if name in ("center", "ljust", "rjust", "zfill") and args:
        width = args[0]
        if isinstance(width, int) and width > MAX_STRING_CHARS:
            raise _too_long(f"lebar {name}()", width, MAX_STRING_CHARS)
    elif name == "replace" and len(args) >= 2:
        grow = max(0, len(str(args[1])) - len(str(args[0])))
        size = len(owner) + _count_of(owner, args[0]) * grow
        if size > MAX_STRING_CHARS:
            raise _too_long("teks hasil replace()", size, MAX_STRING_CHARS)
    elif name == "join" and args:
        items = args[0]
        if isinstance(items, (list, tuple, str)):
            size = sum(len(str(x)) for x in items) + len(owner) * max(0, len(items) - 1)
            if size > MAX_STRING_CHARS:
                raise _too_long("teks hasil join()", size, MAX_STRING_CHARS)


# --------------------------------------------------------------------------- filters


def _as_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_tanggal(str(value))


def _date_style(value: Any) -> DateStyle:
    """The ``gaya_tanggal`` of a context: the dict :func:`to_template_data` made (or a DateStyle)."""
    if isinstance(value, DateStyle):
        return value
    if isinstance(value, Mapping):
        return DateStyle(nol_di_depan=bool(value.get("nol_di_depan")), dengan_hari=bool(value.get("dengan_hari")))
    return DateStyle()


@pass_context
def _filter_tanggal(ctx: Any, value: Any, dengan_hari: bool | None = None) -> str:
    day = _as_date(value)
    if day is None:
        return ""
    style = _date_style(ctx.get("gaya_tanggal"))
    if dengan_hari is not None:
        style = DateStyle(nol_di_depan=style.nol_di_depan, dengan_hari=dengan_hari)
    return style.format(day)


def _filter_hari(value: Any) -> str:
    day = _as_date(value)
    return nama_hari(day) if day else ""


def _filter_nip(value: Any) -> str:
    if value in (None, ""):
        return ""
    return format_nip(str(value))


def _filter_terbilang(value: Any, kapital: bool = False) -> str:
    return terbilang(value, kapital=kapital)


def _filter_romawi(value: Any) -> str:
    return romawi(int(value))


FILTERS: dict[str, Callable[..., Any]] = {
    "tanggal": _filter_tanggal,
    "hari": _filter_hari,
    "terbilang": _filter_terbilang,
    "romawi": _filter_romawi,
    "nip": _filter_nip,
}

# Jinja's own filters left out: pprint prints Python representations of objects.
_DROPPED_FILTERS = frozenset({"pprint"})


def custom_filters(filters: Mapping[str, Callable[..., Any]] | None) -> dict[str, Callable[..., Any]]:
    """The caller's own filters (``render_docx(..., filters={"nama": fungsi})``), checked.

    A name must be a Python identifier not already taken by a Jinja or sopdocs filter; a
    filter must be a plain callable (no ``pass_context``/``pass_environment``: a filter
    sees its arguments only). At render time its arguments must be data (what templates
    see) and its result is converted as a context value is (:func:`to_template_data`):
    a result that is not data (an object, a function, a picture) is refused.
    """
    checked: dict[str, Callable[..., Any]] = {}
    taken = set(_BUILTIN_FILTER_NAMES)
    for name, func in (filters or {}).items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise RenderError(f"nama filter tidak sah: {name!r} (harus nama Python tanpa awalan _)")
        if name in taken:
            raise RenderError(f"filter '{name}' sudah ada (filter Jinja/sopdocs); pakai nama lain")
        if not callable(func):
            raise RenderError(f"filter '{name}' bukan fungsi")
        if getattr(func, "jinja_pass_arg", None) is not None:
            raise RenderError(f"filter '{name}' tidak boleh memakai pass_context/pass_environment")
        checked[name] = func
    return checked


_BUILTIN_FILTER_NAMES = frozenset(jinja2.filters.FILTERS) | frozenset(FILTERS)


def _is_template_data(value: Any, depth: int = 0) -> bool:
    if depth > MAX_CONTEXT_DEPTH:
        return False
    if value is None or isinstance(value, (str, bool, int, float, dt.date, TemplateMarker)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_template_data(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_template_data(v, depth + 1) for k, v in value.items())
    return False


def _custom_filter(name: str) -> Callable[..., Any]:
    """What a template calls for the filter ``name`` that is not a Jinja/sopdocs one: the
    caller's filter of the render in progress, its arguments and result kept to data."""

    def call(*args: Any, **kwargs: Any) -> Any:
        session = _SESSION.current
        func = session.filters.get(name) if session is not None else None
        if func is None:
            raise TemplateFilterError(f"filter '{name}' tidak dikenal")
        for value in (*args, *kwargs.values()):
            if not _is_template_data(value):
                raise TemplateFilterError(
                    f"filter '{name}' tidak boleh menerima objek {type(value).__name__} (hanya data)"
                )
        result = func(*args, **kwargs)
        if isinstance(result, TemplateMarker):
            if isinstance(result, MarkupMarker) or any(result is value for value in args):
                return result
        try:
            data = to_template_data({"hasil": result})
        except RenderError as exc:
            message = str(exc).replace("konteks 'hasil", "'hasil")
            raise TemplateFilterError(f"filter '{name}' menghasilkan nilai yang bukan data: {message}") from None
        if data.objects:
            raise TemplateFilterError(f"filter '{name}' tidak boleh menghasilkan gambar; berikan Image lewat konteks")
        return data.values["hasil"]

    return _guard_filter(name, call, False)


class _FilterTable(dict):  # type: ignore[type-arg]
    """Jinja's filter table: a name that is no Jinja/sopdocs filter resolves, when the
    template runs, to the caller's filter of the render in progress (:func:`_custom_filter`),
    so a compiled template (cached, shared by renders) needs no filter set of its own."""

    def __missing__(self, name: Any) -> Callable[..., Any]:
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise KeyError(name)
        return _custom_filter(name)

    def get(self, name: Any, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default


def unknown_filters(env: SandboxedEnvironment, source: str) -> set[str]:
    """Filter names ``source`` uses that are no Jinja/sopdocs filter (caller's filters)."""
    tree = env.parse(source)
    return {node.name for node in tree.find_all(nodes.Filter) if not dict.__contains__(env.filters, node.name)}


def _precheck_filter(name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Refuse, before running it, a Jinja filter call whose result would be too big."""
    value = args[0] if args else None
    rest = args[1:]

    def arg(index: int, key: str, default: Any) -> Any:
        return rest[index] if len(rest) > index else kwargs.get(key, default)

    if name == "center":
        width = arg(0, "width", 80)
        if isinstance(width, int) and width > MAX_STRING_CHARS:
            raise _too_long("lebar center", width, MAX_STRING_CHARS)
    elif name == "indent":
        width = arg(0, "width", 4)
        text = str(value)
        size = len(text) + (text.count("\n") + 1) * (len(width) if isinstance(width, str) else int(width or 0))
        if size > MAX_STRING_CHARS:
            raise _too_long("teks hasil indent", size, MAX_STRING_CHARS)
    elif name == "replace":
        text = str(value)
        grow = max(0, len(str(arg(1, "new", ""))) - len(str(arg(0, "old", ""))))
        size = len(text) + _count_of(text, arg(0, "old", "")) * grow
        if size > MAX_STRING_CHARS:
            raise _too_long("teks hasil replace", size, MAX_STRING_CHARS)
    elif name == "join":
        if isinstance(value, (list, tuple)):
            glue = len(str(arg(0, "d", "")))
            size = sum(len(str(x)) for x in value) + glue * max(0, len(value) - 1)
            if size > MAX_STRING_CHARS:
                raise _too_long("teks hasil join", size, MAX_STRING_CHARS)
    elif name == "wordwrap":
        wrap = arg(3, "wrapstring", None)
        size = len(str(value)) * (1 + len(str(wrap or "\n")))
        if size > MAX_STRING_CHARS:
            raise _too_long("teks hasil wordwrap", size, MAX_STRING_CHARS)
    elif name == "format":
        _check_percent_format(str(value))
    elif name in ("batch", "slice"):
        count = arg(0, "linecount" if name == "batch" else "slices", 1)
        if isinstance(count, int) and count > MAX_RANGE:
            raise _too_long(f"ukuran {name}", count, MAX_RANGE)


def _guard_filter(name: str, func: Callable[..., Any], ours: bool) -> Callable[..., Any]:
    """``func`` with the deadline, the size prechecks and (for sopdocs' own filters)
    clean messages for values they cannot take."""
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _session().tick()
        _precheck_filter(name, args[skip:], kwargs)
        try:
            result = func(*args, **kwargs)
        except (ValueError, TypeError, ArithmeticError, SopdocsError) as exc:
            if not ours:
                raise
            shown = repr(args[skip]) if len(args) > skip else ""
            raise TemplateFilterError(
                f"filter '{name}' tidak dapat dipakai untuk nilai {shown[:60]} ({exc})"
            ) from None
        return _check_size(result)

    return guarded


# --------------------------------------------------------------------------- environment

_STR_METHODS = frozenset({
    "capitalize", "casefold", "center", "count", "endswith", "find", "index", "isalnum", "isalpha",
    "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "ljust",
    "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex",
    "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip",
    "swapcase", "title", "upper", "zfill",
})
_DICT_METHODS = frozenset({"get", "items", "keys", "values"})
_LIST_METHODS = frozenset({"count", "index"})
_DATE_ATTRS = frozenset({"year", "month", "day", "weekday", "isoweekday", "isoformat"})
_DATETIME_ATTRS = _DATE_ATTRS | {"hour", "minute", "second", "date"}
_LOOP_ATTRS = frozenset({
    "index", "index0", "revindex", "revindex0", "first", "last", "length", "depth", "depth0",
    "previtem", "nextitem", "cycle", "changed",
})
_CYCLER_ATTRS = frozenset({"current", "next", "reset"})


def _bounded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise TemplateLimitError(f"range() dalam templat menghasilkan {len(result)} angka (batas {MAX_RANGE})")
    return result


def _bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
    if n > 100 or max > 1000:
        raise TemplateLimitError("lipsum() dalam templat terlalu panjang")
    return str(generate_lorem_ipsum(n=n, html=html, min=min, max=max))


def _loop_items(value: Any) -> Iterator[Any]:
    """What a ``for`` loop iterates (every loop is wrapped in this): counted and timed."""
    session = _session()
    for item in value:
        session.iterate()
        yield item


def _bounded_concat(pieces: Any) -> str:
    """``environment.concat`` (macro bodies, ``caller()``, ``{% set %}`` blocks): bounded."""
    items = list(pieces)
    size = sum(len(piece) for piece in items)
    if size > MAX_STRING_CHARS:
        raise _too_long("teks buatan templat", size, MAX_STRING_CHARS)
    _session().tick()
    return "".join(items)


_REFUSED_TAGS: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
}


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with every ``a ~ b`` checked for size."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_size(")
        super().visit_Concat(node, frame)
        self.write(")")


class _GuardedTemplate(jinja2.Template):
    """A template whose render is bounded: output size, deadline, errors located."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        ctx = self.new_context(dict(*args, **kwargs))
        with render_session() as session:
            chunks: list[str] = []
            size = 0
            try:
                for chunk in self.root_render_func(ctx):
                    size += len(chunk)
                    if size > MAX_OUTPUT_BYTES:
                        raise TemplateLimitError(
                            f"hasil render satu bagian dokumen melebihi {MAX_OUTPUT_BYTES} karakter XML"
                        )
                    session.tick()
                    chunks.append(chunk)
            except Exception as exc:
                _note_template_line(exc)
                raise
        return "".join(chunks)


def _note_template_line(exc: BaseException) -> None:
    """Remember on ``exc`` the template line it was raised at (``template_line``)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            try:
                line = template.get_corresponding_lineno(tb.tb_lineno)
            except Exception:  # pragma: no cover - debug info only
                pass
        tb = tb.tb_next
    if line is not None and getattr(exc, "template_line", None) is None:
        try:
            exc.template_line = line  # type: ignore[attr-defined]
        except AttributeError:  # pragma: no cover - exceptions without __dict__
            pass


class SopdocsEnvironment(SandboxedEnvironment):
    """The sandbox every template renders in: data only, bounded, no loader.

    * attributes: only those of :data:`_STR_METHODS` on strings, ``get/items/keys/values``
      on dicts, ``count/index`` on lists, the date fields, ``loop`` and ``cycler``
      attributes and namespace fields; anything else, and anything at all on a
      :class:`TemplateMarker`, raises SecurityError at once (``str.format`` too);
    * calls: only macros, loops, joiners, the globals and the methods above;
    * ``*``, ``**``, ``+``, ``%``, ``~``, ``range``, the growing string methods and filters:
      refused before a result past the limits is made;
    * ``for`` loops, calls and output chunks count against the deadline and the limits;
    * ``{% include %}``, ``{% import %}``, ``{% extends %}``: refused at parse time.
    """

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _CodeGenerator
    template_class = _GuardedTemplate
    concat = staticmethod(_bounded_concat)

    def __init__(self) -> None:
        super().__init__(
            autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True, loader=None
        )
        self.globals["range"] = _bounded_range
        self.globals["lipsum"] = _bounded_lipsum
        for name in _DROPPED_FILTERS:
            self.filters.pop(name, None)
        self.filters.update(FILTERS)
        self.filters = {
            name: _guard_filter(name, func, name in FILTERS) for name, func in self.filters.items()
        }
        self.filters["__sopdocs_loop"] = _loop_items
        self.filters = _FilterTable(self.filters)
        self._safe_functions: tuple[Any, ...] = (
            _bounded_range, _bounded_lipsum, dict, Namespace, Cycler, Joiner,
        )

    # -- parsing ------------------------------------------------------------------------

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for node_type, tag in _REFUSED_TAGS.items():
            for node in tree.find_all(node_type):
                raise jinja2.TemplateSyntaxError(
                    f"tag {{% {tag} %}} tidak diizinkan dalam templat dokumen", node.lineno, name, filename
                )
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "__sopdocs_loop", [], [], None, None, lineno=loop.iter.lineno)
        return tree

    # -- attributes -----------------------------------------------------------------------

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_") or isinstance(obj, TemplateMarker):
            return False
        if isinstance(obj, str):
            return attr in _STR_METHODS
        if isinstance(obj, dict):
            return attr in _DICT_METHODS
        if isinstance(obj, (list, tuple)):
            return attr in _LIST_METHODS
        if isinstance(obj, dt.datetime):
            return attr in _DATETIME_ATTRS
        if isinstance(obj, dt.date):
            return attr in _DATE_ATTRS
        if isinstance(obj, LoopContext):
            return attr in _LOOP_ATTRS
        if isinstance(obj, Cycler):
            return attr in _CYCLER_ATTRS
        return isinstance(obj, Namespace)

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(obj, (Macro, LoopContext, Joiner, Undefined)):
            return True
        if any(obj is safe for safe in self._safe_functions):
            return True
        if isinstance(obj, (types.BuiltinMethodType, types.MethodType)):
            owner = obj.__self__
            return not isinstance(owner, type) and self.is_safe_attribute(owner, obj.__name__, obj)
        return False

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"atribut {attribute!r} dari objek {type(obj).__name__} tidak boleh dibaca templat")

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format/format_map are not among the allowed methods at all

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, TemplateMarker):
            raise SecurityError(f"penanda {obj!r} tidak punya atribut yang boleh dibaca templat ({attribute!r})")
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, TemplateMarker):
            raise SecurityError(f"penanda {obj!r} tidak punya isi yang boleh dibaca templat ({argument!r})")
        return super().getitem(obj, argument)

    # -- operations -----------------------------------------------------------------------

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _session().tick()
        _check_binop(operator, left, right)
        return self.binop_table[operator](left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        session = _session()
        session.tick()
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"{type(__obj).__name__} tidak boleh dipanggil dari templat")
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            _check_str_method(__obj.__name__, owner, args, kwargs)
        session.depth += 1
        try:
            if session.depth > MAX_CALL_DEPTH:
                raise TemplateLimitError(f"pemanggilan makro bersarang lebih dari {MAX_CALL_DEPTH} tingkat")
            result = __context.call(__obj, *args, **kwargs)
        finally:
            session.depth -= 1
        return _check_size(result)

    @staticmethod
    def checked_size(value: Any) -> Any:
        return _check_size(value)


def make_environment() -> SopdocsEnvironment:
    """The Jinja environment every template is rendered in."""
    return SopdocsEnvironment()


# --------------------------------------------------------------------------- template files

_NO_DTD = (b"<!DOCTYPE", b"<!ENTITY")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_template_package(data: bytes, name: Path | str) -> None:
    """Refuse template bytes that are not a sound, reasonably sized Word package.

    Empty, not a zip, a corrupt zip, more than :data:`MAX_PARTS` members, a member
    declaring more than :data:`MAX_PART_BYTES` (or all together more than
    :data:`MAX_PACKAGE_BYTES`), a member compressed better than
    :data:`MAX_COMPRESSION_RATIO` (a zip bomb), no ``[Content_Types].xml``, an XML part
    with a DTD or entity declarations (an entity bomb): each a RenderError naming ``name``.
    """
    if not data:
        raise RenderError(f"{name}: berkas templat kosong")
    if len(data) > MAX_TEMPLATE_BYTES:
        raise RenderError(f"{name}: berkas templat terlalu besar ({_megabytes(len(data))}; batas {_megabytes(MAX_TEMPLATE_BYTES)})")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise RenderError(f"{name}: bukan berkas .docx (bukan arsip zip)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_PARTS:
                raise RenderError(f"{name}: templat berisi terlalu banyak bagian ({len(infos)}; batas {MAX_PARTS})")
            total = 0
            for info in infos:
                if info.file_size > MAX_PART_BYTES:
                    raise RenderError(
                        f"{name}: bagian {info.filename} terlalu besar ({_megabytes(info.file_size)}; "
                        f"batas {_megabytes(MAX_PART_BYTES)})"
                    )
                if (
                    info.file_size >= RATIO_CHECK_MIN_BYTES
                    and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
                ):
                    raise RenderError(
                        f"{name}: bagian {info.filename} dimampatkan secara mencurigakan (rasio lebih dari "
                        f"{MAX_COMPRESSION_RATIO}:1; bom zip?)"
                    )
                total += info.file_size
                if total > MAX_PACKAGE_BYTES:
                    raise RenderError(f"{name}: isi templat terlalu besar (batas {_megabytes(MAX_PACKAGE_BYTES)})")
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names:
                raise RenderError(f"{name}: bukan paket Word ([Content_Types].xml tidak ada)")
            for info in infos:
                if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                if info.flag_bits & 0x1:
                    raise RenderError(f"{name}: bagian {info.filename} terenkripsi; simpan ulang templat tanpa sandi")
                payload = archive.read(info)
                if payload.startswith((b"\xff\xfe", b"\xfe\xff")):
                    payload = payload.decode("utf-16", errors="replace").encode("utf-8")
                if any(marker in payload for marker in _NO_DTD):
                    raise RenderError(
                        f"{name}: bagian {info.filename} memuat DTD/deklarasi entitas XML (tidak diizinkan)"
                    )
    except RenderError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError, zlib.error) as exc:
        raise RenderError(f"{name}: arsip templat rusak ({exc})") from None


def read_template(path: Path | str) -> bytes:
    """The bytes of the template file ``path``, checked (:func:`check_template_package`).

    ``path`` must be a regular file, not a symbolic link (nor a FIFO, a device...).
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except OSError:
        raise RenderError(f"templat tidak ditemukan: {path}") from None
    if stat.S_ISLNK(info.st_mode):
        raise RenderError(f"{path}: templat tidak boleh berupa tautan simbolik (symlink)")
    if not stat.S_ISREG(info.st_mode):
        raise RenderError(f"{path}: templat bukan berkas biasa")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise RenderError(f"{path}: templat tidak dapat dibuka ({exc.strerror})") from None
    with open(fd, "rb") as stream:
        opened = os.fstat(stream.fileno())
        if not stat.S_ISREG(opened.st_mode):
            raise RenderError(f"{path}: templat bukan berkas biasa")
        if opened.st_size > MAX_TEMPLATE_BYTES:
            raise RenderError(
                f"{path}: berkas templat terlalu besar ({_megabytes(opened.st_size)}; batas {_megabytes(MAX_TEMPLATE_BYTES)})"
            )
        data = stream.read(MAX_TEMPLATE_BYTES + 1)
    check_template_package(data, path)
    return data


_RT_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


class _StrictDocxTemplate(DocxTemplate):
    """docxtpl, but a rendered body that is not well-formed XML is an error.

    docxtpl parses the rendered XML with lxml's recover mode, which silently drops
    everything after a broken tag; we parse strictly first.
    """

    def fix_tables(self, xml: str) -> Any:
        try:
            etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
        except etree.XMLSyntaxError as exc:
            raise RenderError(f"hasil render bukan XML yang sah ({exc}); laporkan sebagai bug") from None
        return super().fix_tables(xml)

    def render_xml_part(self, src_xml: str, part: Any, context: Any, jinja_env: Any = None) -> Any:
        """docxtpl's, then every :func:`url_id` link made a hyperlink relationship of ``part``."""
        xml = super().render_xml_part(src_xml, part, context, jinja_env)
        return resolve_links(xml, lambda url: str(part.relate_to(url, _RT_HYPERLINK, is_external=True)))


def open_docx_template(path: Path | str) -> _StrictDocxTemplate:
    """A strict docxtpl template of the checked file ``path`` (:func:`read_template`)."""
    data = read_template(path)
    try:
        tpl = _StrictDocxTemplate(io.BytesIO(data))
        tpl.init_docx()
    except Exception as exc:  # not a Word package after all
        raise RenderError(f"{path}: bukan berkas .docx yang dapat dibaca ({exc.__class__.__name__}: {exc})") from None
    return tpl


def template_variables(path: Path, env: SandboxedEnvironment | None = None) -> set[str]:
    """Top-level variable names a .docx template uses (body, headers, footers)."""
    env = env or make_environment()
    tpl = open_docx_template(path)
    try:
        names = tpl.get_undeclared_template_variables(jinja_env=env)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{path}: templat rusak: {exc.message} (baris XML {exc.lineno})") from None
    except Exception as exc:
        raise RenderError(f"{path}: templat tidak dapat dibaca ({exc.__class__.__name__}: {exc})") from None
    return set(names) - set(env.globals)


def plain_resolver(data: TemplateData, tpl: DocxTemplate) -> Callable[[int], str]:
    """Place :class:`DeferredMarker` values with plain docxtpl (InlineImage bound to ``tpl``;
    a caller's InlineImage is re-made bound to ``tpl``, whatever template it was made with)."""
    from docxtpl import InlineImage

    def resolve(index: int) -> str:
        obj = data.objects[index]
        if _is_docxtpl_bound(obj):
            descriptor = obj.image_descriptor
            if isinstance(descriptor, os.PathLike):
                descriptor = os.fspath(descriptor)
            obj = InlineImage(tpl, descriptor, obj.width, obj.height, getattr(obj, "anchor", None))
        elif isinstance(obj, Image):
            if not Path(obj.path).is_file():
                raise RenderError(f"gambar tidak ditemukan: {obj.path}")
            obj = InlineImage(
                tpl,
                str(obj.path),
                width=Mm(obj.width_mm) if obj.width_mm else None,
                height=Mm(obj.height_mm) if obj.height_mm else None,
            )
        return str(obj.__html__())

    return resolve


def atomic_path(target: Path) -> Path:
    """A temporary path next to ``target`` (same folder, so the rename is atomic)."""
    from sopdocs.fsutil import make_temp

    return make_temp(target)


def atomic_save(save: Callable[[str], Any], target: Path) -> Path:
    """Call ``save(temporary_path)`` (e.g. ``document.save``), check the package
    (:func:`sopdocs.docx.integrity.guard_output`: a broken .docx is refused with a
    :class:`RenderError`), then rename onto ``target``; on any failure nothing is left
    under either name."""
    tmp = atomic_path(target)
    try:
        save(str(tmp))
        guard_output(tmp, name=str(target))
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def paper_setter(
    paper: str, *, landscape: bool | None = None, margins: tuple[int, int, int, int] | None = None
) -> Callable[[Any], None]:
    """A ``postprocess`` that sets every section to ``paper`` ("A4"/"F4").

    Orientation is kept from the template unless ``landscape`` is given; margins stay
    unless ``margins`` (top, right, bottom, left, in twips) are given.
    """
    from sopdocs.definitions.profile import PAPER_MM

    width_mm, height_mm = PAPER_MM[paper]

    def apply(document: Any) -> None:
        from docx.enum.section import WD_ORIENT

        for section in document.sections:
            wide = section.page_width > section.page_height if landscape is None else landscape
            short, long_ = Mm(width_mm), Mm(height_mm)
            section.orientation = WD_ORIENT.LANDSCAPE if wide else WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = (long_, short) if wide else (short, long_)
            if margins is not None:
                from docx.shared import Twips

                top, right, bottom, left = (Twips(v) for v in margins)
                section.top_margin, section.right_margin = top, right
                section.bottom_margin, section.left_margin = bottom, left

    return apply
