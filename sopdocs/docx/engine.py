"""The parts of the render engine that both render paths share.

:func:`sopdocs.docx.render.render_docx` (docxtpl's plain path, and the entry point) and
:mod:`sopdocs.docx.compiled` (the compiled fast path) both build on these: the values a
context may hold, the sandboxed Jinja environment and its filters, the strict docxtpl
template, atomic saving and the paper setter. The safety rules are listed in
:mod:`sopdocs.docx.render`. Kept apart so that neither path imports the other's module
at import time (no import cycle).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jinja2
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import pass_context
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from sopdocs.errors import RenderError
from sopdocs.indonesian.dates import DateStyle, nama_hari, parse_tanggal
from sopdocs.indonesian.nip import format_nip
from sopdocs.indonesian.numerals import romawi, terbilang
from sopdocs.docx.wordxml import clean_text


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

    Other objects (dates, :class:`Image`, :class:`DocxFragment`, style objects) pass as
    they are: contexts are built as plain dicts of user values by the document kinds.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_text(str(k)) if isinstance(k, str) else k: clean_context(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_context(v) for v in value]
    return value


# --------------------------------------------------------------------------- filters


def _as_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_tanggal(str(value))


@pass_context
def _filter_tanggal(ctx: Any, value: Any, dengan_hari: bool | None = None) -> str:
    day = _as_date(value)
    if day is None:
        return ""
    style = ctx.get("gaya_tanggal")
    if not isinstance(style, DateStyle):
        style = DateStyle()
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


FILTERS: dict[str, Callable[..., Any]] = {
    "tanggal": _filter_tanggal,
    "hari": _filter_hari,
    "terbilang": _filter_terbilang,
    "romawi": lambda n: romawi(int(n)),
    "nip": _filter_nip,
}


def make_environment() -> SandboxedEnvironment:
    """The Jinja environment every template is rendered in."""
    env = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(FILTERS)
    return env


# --------------------------------------------------------------------------- templates


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


def template_variables(path: Path, env: SandboxedEnvironment | None = None) -> set[str]:
    """Top-level variable names a .docx template uses (body, headers, footers)."""
    env = env or make_environment()
    try:
        names = _StrictDocxTemplate(str(path)).get_undeclared_template_variables(jinja_env=env)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{path}: templat rusak: {exc.message} (baris XML {exc.lineno})") from None
    return set(names) - set(env.globals)


def _resolve_images(value: Any, tpl: DocxTemplate) -> Any:
    if isinstance(value, Image):
        if not Path(value.path).is_file():
            raise RenderError(f"gambar tidak ditemukan: {value.path}")
        return InlineImage(
            tpl,
            str(value.path),
            width=Mm(value.width_mm) if value.width_mm else None,
            height=Mm(value.height_mm) if value.height_mm else None,
        )
    if isinstance(value, dict):
        return {k: _resolve_images(v, tpl) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_images(v, tpl) for v in value]
    return value


def atomic_path(target: Path) -> Path:
    """A temporary path next to ``target`` (same folder, so the rename is atomic)."""
    from sopdocs.fsutil import make_temp

    return make_temp(target)


def atomic_save(save: Callable[[str], Any], target: Path) -> Path:
    """Call ``save(temporary_path)`` (e.g. ``document.save``), then rename onto ``target``;
    on any failure nothing is left under either name."""
    tmp = atomic_path(target)
    try:
        save(str(tmp))
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
