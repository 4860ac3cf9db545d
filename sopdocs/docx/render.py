"""The render engine: every document kind is rendered here, safely.

Safety rules (each one closes a real trap of plain docxtpl):

* Jinja runs in a :class:`~jinja2.sandbox.SandboxedEnvironment`: a template cannot reach
  Python internals (``{{ cycler.__init__.__globals__ }}`` is refused).
* Autoescape is on: a value holding ``&`` or ``<`` is text, never XML. (docxtpl's default
  is off, and its lxml ``recover`` parser then silently truncates the document.)
* Values are data: a value containing ``{{ 7*7 }}`` prints those characters; it is never
  compiled. Characters XML 1.0 cannot hold are removed before rendering.
* ``StrictUndefined``: missing variables are errors, and all missing top-level names are
  reported together before anything is written.
* The output is written to a temporary file and renamed, so a failure leaves nothing
  half-written under the final name.
"""

from __future__ import annotations

import dataclasses
import os
import datetime as dt
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

from sopdocs.indonesian.dates import DateStyle, nama_hari, parse_tanggal
from sopdocs.errors import RenderError
from sopdocs.indonesian.nip import format_nip
from sopdocs.indonesian.numerals import romawi, terbilang
from sopdocs.docx.wordxml import clean_text
from sopdocs.locations import builtin_examples_dir, builtin_templates_dir  # noqa: F401  (re-exported)


#: The logo is fitted into this box of a kop surat (width, height in mm), keeping its shape.
LOGO_BOX_MM = (24.0, 27.0)


def kop_logo(path: Path | None, box_mm: tuple[float, float] = LOGO_BOX_MM) -> "Image | str":
    """The logo at ``path`` sized to fit ``box_mm`` keeping its shape (``""`` without one)."""
    if path is None:
        return ""
    box_w, box_h = box_mm
    try:
        from docx.image.image import Image as DocxImage

        picture = DocxImage.from_file(str(path))
        ratio = picture.px_height / picture.px_width if picture.px_width else 1.0
    except Exception:  # unreadable picture: the renderer reports it when it places it
        return Image(path, height_mm=box_h)
    return Image(path, height_mm=box_h) if ratio * box_w > box_h else Image(path, width_mm=box_w)


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


def render_docx(
    template: Path,
    context: Mapping[str, Any],
    out: Path,
    *,
    paper: Any = None,
    properties: Mapping[str, Any] | None = None,
    postprocess: Callable[[Any], None] | None = None,
) -> Path:
    """Render ``template`` with ``context`` into ``out`` (atomically) and return ``out``.

    Templates are compiled once and cached (:mod:`sopdocs.docx.compiled`); ``paper`` (a
    :class:`~sopdocs.docx.compiled.Paper` or "A4"/"F4") and ``properties`` (core properties)
    are applied on that fast path. ``postprocess`` receives the python-docx Document before
    it is saved, for anything else; it takes docxtpl's plain (slower) path.
    """
    from sopdocs.docx.compiled import CompiledTemplate

    template = Path(template)
    if not template.is_file():
        raise RenderError(f"templat tidak ditemukan: {template}")
    return CompiledTemplate.load(template).render(
        context, Path(out), paper=paper, properties=properties, postprocess=postprocess
    )


@dataclass
class Rendered:
    """What a render produced: documents, their PDF copies, numbers taken, warnings."""

    docx: list[Path] = dataclasses.field(default_factory=list)
    pdf: list[Path] = dataclasses.field(default_factory=list)
    numbers: list[str] = dataclasses.field(default_factory=list)
    warnings: list[Any] = dataclasses.field(default_factory=list)

    def add_pdf_copies(self) -> None:
        """PDF copies of every .docx made, next to them, in one LibreOffice run."""
        from sopdocs.pdf.convert import convert_many

        if self.docx:
            self.pdf.extend(convert_many(self.docx, self.docx[0].parent))


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
