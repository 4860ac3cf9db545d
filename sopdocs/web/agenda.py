"""The agenda book (the number register by year and kind) and the daftar arsip, with exports."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, render_template, request

from sopdocs.errors import SopdocsError
from sopdocs.web import exports
from sopdocs.web.httperrors import indonesian_abort, whole_number
from sopdocs.web.state import real_cases, state

bp = Blueprint("agenda", __name__)

STATUS_LABELS = {"terpakai": "Terpakai", "dipesan": "Dipesan", "batal": "Batal"}
#: Most register lines shown on the page (the exports hold them all).
MAX_AGENDA_ROWS = 2000
#: Columns of the agenda book page and its exports.
COLUMNS = ("Nomor", "Tanggal", "Jenis", "Perihal", "Status", "Sisipan", "Keterangan", "Dokumen", "Petugas", "Dicatat")


def _year_kind() -> tuple[int | None, str | None]:
    year_text = request.args.get("tahun", "").strip()
    kind = request.args.get("jenis", "").strip() or None
    year = whole_number(year_text, 4)
    if year_text and (year is None or not 1900 <= year <= 9999):
        raise indonesian_abort(400, f"Tahun {year_text[:20]!r} tidak sah (contoh: 2024).")
    if kind is not None and (len(kind) > 40 or not kind.isascii() or not kind.replace("-", "").isalnum()):
        raise indonesian_abort(400, "Jenis naskah tidak sah.")
    return year, kind


def _numbers(year: int | None, kind: str | None) -> tuple[list[Any], str | None]:
    from sopdocs.definitions.archivesettings import archive_settings
    from sopdocs.numbering.rules import register_for, register_path

    root = state().archive
    try:
        if not archive_settings(root).register_url and not register_path(root).is_file():
            return [], "Register belum ada di arsip ini: belum ada nomor yang diambil."
        with register_for(root) as register:
            return register.list(year=year, kind=kind), None
    except SopdocsError as exc:
        return [], f"Register tidak dapat dibaca: {exc}"


def _row(n: Any) -> list[str]:
    return [n.number, n.date.isoformat(), n.kind, n.subject, STATUS_LABELS.get(n.status, n.status),
            "ya" if n.is_inserted else "", n.void_reason or "", n.document or "", n.issued_by,
            n.issued_at.isoformat(timespec="seconds")]


@bp.get("/agenda")
def index() -> str:
    year, kind = _year_kind()
    numbers, problem = _numbers(year, kind)
    everything, _ = _numbers(None, None) if (year or kind) else (numbers, None)
    years = sorted({n.date.year for n in everything}, reverse=True)
    kinds = sorted({n.kind for n in everything})
    counts = Counter(n.status for n in numbers)
    inserted = sum(1 for n in numbers if n.is_inserted)
    return render_template("agenda.html", numbers=numbers[:MAX_AGENDA_ROWS], total=len(numbers),
                           max_rows=MAX_AGENDA_ROWS, problem=problem, year=year, kind=kind, years=years,
                           kinds=kinds, counts=counts, inserted=inserted, status_labels=STATUS_LABELS,
                           query=request.query_string.decode("ascii", "replace"))


def _download(data: bytes, name: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _suffix(year: int | None, kind: str | None) -> str:
    return "".join(f"-{part}" for part in (year, kind) if part)


@bp.get("/agenda.xlsx")
def agenda_xlsx() -> Response:
    year, kind = _year_kind()
    numbers, problem = _numbers(year, kind)
    if problem and not numbers:
        raise indonesian_abort(404, problem)
    data = exports.xlsx_bytes("Buku Agenda", COLUMNS, [_row(n) for n in numbers])
    return _download(data, f"buku-agenda{_suffix(year, kind)}.xlsx", exports.XLSX_TYPE)


@bp.get("/agenda.csv")
def agenda_csv() -> Response:
    year, kind = _year_kind()
    numbers, problem = _numbers(year, kind)
    if problem and not numbers:
        raise indonesian_abort(404, problem)
    data = exports.csv_bytes(COLUMNS, [_row(n) for n in numbers])
    return _download(data, f"buku-agenda{_suffix(year, kind)}.csv", "text/csv; charset=utf-8")


# --------------------------------------------------------------------------- daftar arsip


def _daftar() -> tuple[list[str], list[list[str]], list[Any]]:
    from sopdocs.kinds import daftararsip

    cases = real_cases(state().open_archive())
    headings = [heading for _, heading in daftararsip.COLUMNS]
    rows = [[row[key] for key, _ in daftararsip.COLUMNS] for row in daftararsip.rows(cases)]
    return headings, rows, cases


@bp.get("/daftar-arsip")
def daftar() -> str:
    headings, rows, cases = _daftar()
    return render_template("daftar.html", cases=cases, rows=len(rows), today=dt.date.today())


@bp.get("/daftar-arsip.xlsx")
def daftar_xlsx() -> Response:
    headings, rows, _ = _daftar()
    return _download(exports.xlsx_bytes("Daftar Arsip", headings, rows), "daftar-arsip.xlsx", exports.XLSX_TYPE)


@bp.get("/daftar-arsip.csv")
def daftar_csv() -> Response:
    headings, rows, _ = _daftar()
    return _download(exports.csv_bytes(headings, rows), "daftar-arsip.csv", "text/csv; charset=utf-8")


@bp.get("/daftar-arsip.docx")
def daftar_docx() -> Response:
    """The official Word list (the same as ``sopdocs archive export --docx``), made in the cache."""
    web = state()
    archive = web.open_archive()
    work = web.cache / "ekspor"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        out = Path(tmp) / "daftar-arsip.docx"
        archive.export(docx=out, case_ids=[c.case_id for c in real_cases(archive)])
        data = out.read_bytes()
    return _download(data, "daftar-arsip.docx",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
