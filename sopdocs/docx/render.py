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
* Templates see data only (:func:`~sopdocs.docx.engine.to_template_data`): strings,
  numbers, dates, lists and dicts, and opaque markers for pictures and fragments. Any
  other object in a context is refused, and the sandbox allows attributes only on data
  (``{{ logo.tpl }}``, ``{{ gaya_tanggal.__class__ }}`` are refused).
* Every template is bounded (time, loop iterations, ``range``, string and number sizes,
  macro depth, output size: the ``MAX_*`` constants of :mod:`sopdocs.docx.engine`), and
  ``{% include %}``/``{% import %}``/``{% extends %}`` are refused.
* A template file must be a regular file holding a sound Word package (no zip bomb, no
  DTD/entity declarations), checked before it is read.
* The output is written to a temporary file and renamed, so a failure leaves nothing
  half-written under the final name.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

# The shared parts live in sopdocs.docx.engine; they are re-exported here, where the
# document kinds and callers have always found them.
from sopdocs.docx.engine import (
    FILTERS,
    DocxFragment,
    Image,
    atomic_path,
    atomic_save,
    clean_context,
    make_environment,
    paper_setter,
    template_variables,
    url_id,
)
from sopdocs.docx.wordxml import clean_text
from sopdocs.errors import RenderError
from sopdocs.locations import builtin_examples_dir, builtin_templates_dir

__all__ = [
    "FILTERS",
    "LOGO_BOX_MM",
    "DocxFragment",
    "Image",
    "Rendered",
    "atomic_path",
    "atomic_save",
    "builtin_examples_dir",
    "builtin_templates_dir",
    "clean_context",
    "clean_text",
    "kop_logo",
    "make_environment",
    "paper_setter",
    "render_docx",
    "template_variables",
    "url_id",
]


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


def render_docx(
    template: Path,
    context: Mapping[str, Any],
    out: Path,
    *,
    paper: Any = None,
    properties: Mapping[str, Any] | None = None,
    postprocess: Callable[[Any], None] | None = None,
    filters: Mapping[str, Callable[..., Any]] | None = None,
    replace_media: Mapping[Any, Any] | None = None,
) -> Path:
    """Render ``template`` with ``context`` into ``out`` (atomically) and return ``out``.

    Templates are compiled once and cached (:mod:`sopdocs.docx.compiled`); ``paper`` (a
    :class:`~sopdocs.docx.compiled.Paper` or "A4"/"F4") and ``properties`` (core properties)
    are applied on that fast path. ``postprocess`` receives the python-docx Document before
    it is saved, for anything else; it takes docxtpl's plain (slower) path.

    ``filters`` (``{"nama": fungsi}``) adds the caller's own Jinja filters to the same
    sandbox: names must be new, arguments are template data and a result that is not data
    is refused (:func:`~sopdocs.docx.engine.custom_filters`). A link in a RichText is made
    with ``RichText.add(teks, url_id=url_id(alamat))`` (docxtpl's ``tpl.build_url_id`` ids
    are refused: they would point nowhere in the written document). docxtpl's Subdoc is
    refused; a docxtpl InlineImage is placed like an :class:`Image`.

    docxtpl's ``replace_media``/``replace_pic``/``replace_embedded``/``replace_zipname``
    have no equivalent: ``replace_media`` is refused with a message saying what to do
    instead (a picture that varies is an :class:`Image` value placed by the template).
    """
    from sopdocs.docx.compiled import CompiledTemplate

    if replace_media:
        raise RenderError(
            "penggantian media templat (replace_media/replace_pic) tidak didukung: gambar yang berubah "
            "diberikan sebagai Image di konteks dan ditaruh di templat dengan {{ nama_gambar }}"
        )
    template = Path(template)
    if not os.path.lexists(template):
        raise RenderError(f"templat tidak ditemukan: {template}")
    # load() refuses links, non-regular files and unsound packages (zip bombs, DTDs...)
    return CompiledTemplate.load(template).render(
        context, Path(out), paper=paper, properties=properties, postprocess=postprocess, filters=filters
    )


@dataclass
class Rendered:
    """What a render produced: documents, their PDF copies, numbers taken, warnings."""

    docx: list[Path] = dataclasses.field(default_factory=list)
    pdf: list[Path] = dataclasses.field(default_factory=list)
    numbers: list[str] = dataclasses.field(default_factory=list)
    references: list[str] = dataclasses.field(default_factory=list)
    """Where each numbered document was archived (``berkas/<case>/data/<file>``)."""
    warnings: list[Any] = dataclasses.field(default_factory=list)

    def add_pdf_copies(self) -> None:
        """PDF copies of every .docx made, next to them, in one LibreOffice run."""
        from sopdocs.pdf.convert import convert_many

        if self.docx:
            self.pdf.extend(convert_many(self.docx, self.docx[0].parent))
