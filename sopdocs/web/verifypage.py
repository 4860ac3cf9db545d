"""Verification: the landing page of a document's QR code (``/verifikasi?kode=...``) and a
form to upload a file or a photo to check (sopdocs.workflow.verify does the checking)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, render_template, request

from sopdocs.errors import SopdocsError
from sopdocs.web.state import real_case, state
from sopdocs.workflow.verify import Verification, verify_file, verify_payload

bp = Blueprint("verify", __name__)

#: Longest QR payload accepted in ``kode`` (a QR code holds at most about 3 KB).
MAX_PAYLOAD_CHARS = 4096
#: File types the upload form accepts (a document, a scan or a photo of it).
UPLOAD_SUFFIXES = (".pdf", ".docx", ".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp")

STATUS_STYLE = {"asli": "ok", "diubah": "error", "tidak_dikenal": "error", "tanpa_kode": "warn",
                "tidak_terbaca": "warn"}
STATUS_TITLE = {"asli": "Dokumen asli", "diubah": "Dokumen telah diubah", "tidak_dikenal": "Kode tidak dikenal",
                "tanpa_kode": "Tidak ada kode verifikasi", "tidak_terbaca": "Kode tidak terbaca"}


def _page(result: Verification | None = None, error: str | None = None, payload: str = "", status: int = 200) -> Any:
    link = None
    if result is not None and result.case_id and result.item:
        parts = result.item.split("/")
        name = parts[-1] if len(parts) == 4 else ""
        archive = state().open_archive()
        try:
            if real_case(archive, result.case_id):
                case = archive.case(result.case_id)
                link = next(((case.case_id, i.item) for i in case.items if any(f.name == name for f in i.files)),
                            None)
        except SopdocsError:
            link = None
    return render_template("verify.html", result=result, error=error, payload=payload, link=link,
                           styles=STATUS_STYLE, titles=STATUS_TITLE,
                           suffixes=", ".join(UPLOAD_SUFFIXES)), status


@bp.get("/verifikasi")
def index() -> Any:
    payload = request.args.get("kode", "")
    if not payload:
        return _page()
    if len(payload) > MAX_PAYLOAD_CHARS:
        return _page(error=f"Kode terlalu panjang (lebih dari {MAX_PAYLOAD_CHARS} karakter).", status=400)
    try:
        result = verify_payload(payload, archive=state().archive)
    except SopdocsError as exc:
        return _page(error=str(exc), payload=payload, status=400)
    return _page(result, payload=payload)


@bp.post("/verifikasi")
def upload() -> Any:
    uploaded = request.files.get("berkas")
    if uploaded is None or not uploaded.filename:
        return _page(error="Pilih berkas yang akan diperiksa.", status=400)
    suffix = Path(uploaded.filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return _page(error=f"Jenis berkas {suffix or '(tanpa akhiran)'} tidak dapat diperiksa; "
                           f"yang diterima: {', '.join(UPLOAD_SUFFIXES)}.", status=400)
    web = state()
    work = web.cache / "unggahan"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        path = Path(tmp) / f"unggahan{suffix}"
        uploaded.save(path)
        try:
            result = verify_file(path, archive=web.archive)
        except SopdocsError as exc:
            return _page(error=str(exc), status=400)
    return _page(result)
