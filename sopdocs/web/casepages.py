"""Case files (berkas) and their documents: metadata, retention, fixity, previews, downloads.

Every file served is looked up through the case file's item list and
:meth:`sopdocs.archive.archive.Archive.resolve_reference` (regular files inside the case
folder only): no URL names a path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, redirect, render_template, send_file, url_for
from werkzeug.exceptions import NotFound

from sopdocs.archive.archive import Archive
from sopdocs.archive.casefile import ArchivedFile, CaseFile, Item
from sopdocs.errors import SopdocsError
from sopdocs.web import preview, security
from sopdocs.web.httperrors import indonesian_abort
from sopdocs.web.state import FixityRecord, real_case, real_cases, state

bp = Blueprint("cases", __name__, url_prefix="/berkas")

#: Content types served for archived files; anything else is a download.
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".csv": "text/csv; charset=utf-8", ".txt": "text/plain; charset=utf-8",
}
#: Shown inline (images the page displays); everything else is sent as an attachment.
INLINE_IMAGES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}


def load_case(archive: Archive, case_id: str) -> CaseFile:
    missing = indonesian_abort(404, f"Berkas {case_id[:80]!r} tidak ada di arsip ini.")
    if not real_case(archive, case_id):
        raise missing
    try:
        return archive.case(case_id)
    except SopdocsError:
        raise missing from None


def load_item(archive: Archive, case_id: str, number: int) -> tuple[CaseFile, Item]:
    case = load_case(archive, case_id)
    try:
        return case, case.item(number)
    except SopdocsError:
        raise indonesian_abort(404, f"Berkas {case_id} tidak punya dokumen nomor {number}.") from None


@bp.get("/")
def index() -> str:
    archive = state().open_archive()
    cases = real_cases(archive)
    return render_template("cases.html", cases=cases, warnings=[str(w) for w in archive.warnings])


@bp.get("/<case_id>")
def case(case_id: str) -> str:
    web = state()
    archive = web.open_archive()
    found = load_case(archive, case_id)
    replaced = {i.revises for i in found.items if i.revises is not None}
    return render_template("case.html", case=found, fixity=web.last_fixity(found.case_id), replaced=replaced,
                           today=dt.date.today())


@bp.post("/<case_id>/periksa")
def check_fixity(case_id: str) -> Response:
    """The one write the web app makes to the archive: a fixity check (which may finish an
    interrupted, committed update of the bag, as ``sopdocs archive verify`` does)."""
    web = state()
    archive = web.open_archive()
    found = load_case(archive, case_id)
    report = archive.verify(found.case_id)
    web.record_fixity(FixityRecord(found.case_id, dt.datetime.now().astimezone(), report.ok,
                                   tuple(str(f) for f in report.findings)))
    return redirect(url_for("cases.case", case_id=found.case_id, _anchor="fixity"), code=303)  # type: ignore[return-value]


@bp.get("/<case_id>/<int:number>")
def document(case_id: str, number: int) -> str:
    web = state()
    archive = web.open_archive()
    found, item = load_item(archive, case_id, number)
    pages = 0
    pdf_kind: str | None = None  # "arsip": the archived PDF copy; "baca": made from the .docx here
    preview_error = None
    try:
        with web.convert_lock:
            source = preview.pdf_source(archive, found, item, web.cache)
        if source is not None:
            pdf, archived = source
            pdf_kind = "arsip" if archived else "baca"
            pages = preview.page_count(pdf)
    except SopdocsError as exc:
        preview_error = str(exc)
    entry, register_error = _register_entry(item.number)
    return render_template(
        "document.html", case=found, item=item, pages=min(pages, preview.MAX_PREVIEW_PAGES), total_pages=pages,
        pdf_kind=pdf_kind, preview_error=preview_error, images=preview.pdftoppm() is not None,
        is_image=item.main.name.lower().rsplit(".", 1)[-1] in {s[1:] for s in INLINE_IMAGES},
        entry=entry, register_error=register_error, copy_of=_other(found, item.copy_of),
        revises=_other(found, item.revises),
        revised_by=next((i for i in found.items if i.revises == item.item), None),
    )


def _other(case: CaseFile, number: int | None) -> Item | None:
    if number is None:
        return None
    try:
        return case.item(number)
    except SopdocsError:
        return None


def _register_entry(number: str) -> tuple[Any, str | None]:
    """The register line of ``number`` (None when unnumbered, not in the register, or no
    register) and a message when the register could not be read."""
    if not number:
        return None, None
    from sopdocs.definitions.archivesettings import archive_settings
    from sopdocs.numbering.rules import register_for, register_path

    root = state().archive
    try:
        if not archive_settings(root).register_url and not register_path(root).is_file():
            return None, "Register belum ada di arsip ini."
        with register_for(root) as register:
            return register.find(number), None
    except SopdocsError as exc:
        return None, f"Register tidak dapat dibaca: {exc}"


def _archived(case_id: str, number: int, wanted: str) -> tuple[CaseFile, Item, ArchivedFile]:
    archive = state().open_archive()
    found, item = load_item(archive, case_id, number)
    chosen = {"asli": item.main, "docx": item.docx, "pdf": item.pdf}.get(wanted)
    if chosen is None:
        raise NotFound()
    return found, item, chosen


def _send_archived(case: CaseFile, archived: ArchivedFile, *, inline: bool = False) -> Response:
    archive = state().open_archive()
    path = archive.resolve_reference(f"berkas/{case.case_id}/data/{archived.name}")
    if path is None:
        raise indonesian_abort(404, f"Berkas {archived.name} tidak ditemukan di folder arsip; periksa fixity.")
    suffix = path.suffix.lower()
    response = send_file(path, mimetype=MEDIA_TYPES.get(suffix, "application/octet-stream"),
                         as_attachment=not inline, download_name=archived.name, max_age=0, etag=archived.sha256)
    return _framable(response) if inline and suffix == ".pdf" else response


def _framable(response: Response) -> Response:
    """A PDF shown in the document page's frame (the only response allowed in a frame)."""
    response.headers["Content-Security-Policy"] = security.CSP_FRAMED_PDF
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/<case_id>/<int:number>/unduh/<any(asli, docx, pdf):what>")
def download(case_id: str, number: int, what: str) -> Response:
    found, item, chosen = _archived(case_id, number, what)
    return _send_archived(found, chosen)


@bp.get("/<case_id>/<int:number>/gambar")
def image(case_id: str, number: int) -> Response:
    """The item itself when it is a photo (shown on the document page)."""
    found, item, chosen = _archived(case_id, number, "asli")
    if "." + chosen.name.lower().rsplit(".", 1)[-1] not in INLINE_IMAGES:
        raise NotFound()
    return _send_archived(found, chosen, inline=True)


@bp.get("/<case_id>/<int:number>/pdf-baca")
def reading_pdf(case_id: str, number: int) -> Response:
    """The PDF to read: the archived copy, or the one made from the .docx for preview."""
    web = state()
    archive = web.open_archive()
    found, item = load_item(archive, case_id, number)
    with web.convert_lock:
        source = preview.pdf_source(archive, found, item, web.cache)
    if source is None:
        raise indonesian_abort(404, "Dokumen ini tidak punya salinan PDF, dan LibreOffice tidak tersedia untuk membuatnya.")
    pdf, archived = source
    stem = item.main.name.rsplit(".", 1)[0]
    response = send_file(pdf, mimetype="application/pdf", as_attachment=False, download_name=f"{stem}.pdf", max_age=0)
    return _framable(response)


@bp.get("/<case_id>/<int:number>/unduh-pdf")
def download_pdf(case_id: str, number: int) -> Response:
    """Download a PDF: the archived copy, or the reading copy made from the .docx."""
    web = state()
    archive = web.open_archive()
    found, item = load_item(archive, case_id, number)
    if item.pdf is not None:
        return _send_archived(found, item.pdf)
    with web.convert_lock:
        source = preview.pdf_source(archive, found, item, web.cache)
    if source is None:
        raise indonesian_abort(404, "Dokumen ini tidak punya salinan PDF, dan LibreOffice tidak tersedia untuk membuatnya.")
    stem = item.main.name.rsplit(".", 1)[0]
    return send_file(source[0], mimetype="application/pdf", as_attachment=True, download_name=f"{stem}.pdf", max_age=0)


@bp.get("/<case_id>/<int:number>/halaman/<int:page>.png")
def page_image(case_id: str, number: int, page: int) -> Response:
    web = state()
    archive = web.open_archive()
    found, item = load_item(archive, case_id, number)
    if not 1 <= page <= preview.MAX_PREVIEW_PAGES:
        raise NotFound()
    source = preview.pdf_source(archive, found, item, web.cache, convert=False)
    if source is None:
        raise NotFound()
    png = preview.cached_png(source[0], page, web.cache)
    if png is None:
        if page > preview.page_count(source[0]):
            raise NotFound()
        with web.preview_lock:
            png = preview.page_png(source[0], page, web.cache)
    return send_file(png, mimetype="image/png", max_age=3600)
