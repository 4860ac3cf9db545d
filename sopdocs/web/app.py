"""The app factory: :func:`create_app` builds the Flask application over one archive folder.

Pages are blueprints, one module per page (:mod:`sopdocs.web.searchpage`,
:mod:`~sopdocs.web.casepages`, :mod:`~sopdocs.web.agenda`, :mod:`~sopdocs.web.retentionpage`,
:mod:`~sopdocs.web.verifypage`, :mod:`~sopdocs.web.auth`). Other packages add pages by
creating a module listed in :data:`PLUGIN_MODULES` that defines ``bp`` (a Blueprint) and
optionally ``NAV = (label, endpoint)``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import logging
from pathlib import Path
from typing import Any

from flask import Flask, Response, redirect, render_template, request, session, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from sopdocs.errors import SopdocsError
from sopdocs.indonesian.dates import format_tanggal
from sopdocs.web import security
from sopdocs.web.state import WebState, cache_for, cached_kind_label

#: Largest request body (an uploaded file to verify): 25 MB.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
#: Modules that add pages when they exist (each defines ``bp`` and optionally ``NAV``).
PLUGIN_MODULES: tuple[str, ...] = ("sopdocs.web.editor",)
#: Endpoints reachable without logging in (password mode).
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static"})

_log = logging.getLogger("sopdocs.web")

_ERROR_TITLES = {
    400: "Permintaan tidak dapat diproses",
    403: "Akses ditolak",
    404: "Halaman tidak ditemukan",
    405: "Cara akses tidak diizinkan",
    413: "Berkas terlalu besar",
    429: "Terlalu banyak percobaan",
    500: "Terjadi kesalahan di server",
}
_ERROR_TEXTS = {
    400: "Isian atau alamat ini tidak sah.",
    403: "Anda tidak berhak membuka halaman ini, atau formulirnya sudah kedaluwarsa. Muat ulang halaman lalu coba lagi.",
    404: "Alamat yang dibuka tidak ada di arsip ini.",
    405: "Halaman ini tidak menerima cara akses tersebut.",
    413: f"Berkas yang dikirim lebih besar dari {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
    429: "Tunggu sebentar sebelum mencoba lagi.",
    500: "Kesalahan ini sudah dicatat. Coba lagi; bila berulang, hubungi pengelola aplikasi.",
}


def create_app(archive_dir: Path | str, *, password_hash: str | None = None, require_password: bool = False,
               cache_root: Path | None = None, testing: bool = False) -> Flask:
    """The web app over ``archive_dir``.

    ``require_password``: every page needs a login with the password whose hash is
    ``password_hash`` (``sopdocs serve`` sets it when listening on a network address).
    ``cache_root``: where previews and the fixity log go (default: the user's cache
    folder; never inside the archive)."""
    archive = Path(archive_dir)
    if not archive.is_dir():
        raise SopdocsError(f"folder arsip {archive} tidak ada (jalankan `sopdocs demo` atau pilih --archive)")
    if require_password and not password_hash:
        raise SopdocsError("mode kata sandi tanpa kata sandi: jalankan `sopdocs serve --set-password` dulu")
    package = Path(__file__).resolve().parent
    app = Flask("sopdocs.web", root_path=str(package), template_folder="templates", static_folder="static")
    app.config.update(
        SECRET_KEY=security.secret_key(),
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=security.SESSION_HOURS),
        SESSION_COOKIE_NAME="sopdocs_sesi",
        SEND_FILE_MAX_AGE_DEFAULT=3600,
        TESTING=testing,
        SOPDOCS_ARCHIVE=archive,
        SOPDOCS_PASSWORD_HASH=password_hash or "",
        SOPDOCS_REQUIRE_PASSWORD=require_password,
    )
    app.session_interface = security.SessionInterface()
    app.url_map.merge_slashes = False  # "//etc/passwd" is a 404, not a redirect
    cache = cache_for(archive, cache_root)
    app.config["SOPDOCS_CACHE"] = cache
    app.extensions["sopdocs"] = WebState(archive, cache)
    app.extensions["sopdocs_throttle"] = security.LoginThrottle()
    app.jinja_env.autoescape = True

    from sopdocs.web import agenda, auth, casepages, retentionpage, searchpage, verifypage

    nav: list[tuple[str, str]] = [("Cari", "search.index"), ("Berkas", "cases.index"),
                                  ("Buku Agenda", "agenda.index"), ("Retensi", "retention.index"),
                                  ("Verifikasi", "verify.index")]
    for module in (searchpage, casepages, agenda, retentionpage, verifypage, auth):
        app.register_blueprint(module.bp)
    for name in PLUGIN_MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        plugin = importlib.import_module(name)
        app.register_blueprint(plugin.bp)
        if getattr(plugin, "NAV", None):
            nav.append(tuple(plugin.NAV))
    app.config["SOPDOCS_NAV"] = nav

    _install_guards(app)
    _install_errors(app)
    app.wsgi_app = _last_resort(app.wsgi_app)  # type: ignore[method-assign]
    _install_template_helpers(app)
    return app


def _install_guards(app: Flask) -> None:
    @app.before_request
    def guard() -> Any:
        if not app.config["SOPDOCS_REQUIRE_PASSWORD"] and not security.host_ok(request):
            return _error_page(400, "Alamat host tidak dikenal: buka aplikasi melalui http://127.0.0.1 atau "
                                    "http://localhost.")
        if app.config["SOPDOCS_REQUIRE_PASSWORD"] and request.endpoint not in PUBLIC_ENDPOINTS:
            if session.get("masuk") is not True:
                if request.method == "GET":
                    return redirect(url_for("auth.login", lanjut=request.full_path.rstrip("?")))
                return _error_page(403)
        if request.method == "POST" and not security.csrf_ok(request):
            return _error_page(403, "Formulir sudah kedaluwarsa atau tidak berasal dari aplikasi ini. "
                                    "Muat ulang halaman lalu coba lagi.")
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        return security.security_headers(response)


def _error_page(code: int, message: str | None = None) -> tuple[str, int]:
    return render_template("error.html", code=code, title=_ERROR_TITLES.get(code, "Kesalahan"),
                           message=message or _ERROR_TEXTS.get(code, "")), code


def _install_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        message = exc.description if getattr(exc, "sopdocs_message", False) else None
        return _error_page(code, message)

    @app.errorhandler(SopdocsError)
    def user_error(exc: SopdocsError) -> Any:
        return _error_page(400, str(exc))

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Any:
        _log.exception("kesalahan tak terduga pada %s", request.path)
        return _error_page(500)


_LAST_RESORT_PAGE = (
    '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Kesalahan server</title></head>'
    "<body><h1>Terjadi kesalahan di server</h1><p>Kesalahan ini sudah dicatat. Coba lagi; bila berulang, "
    "hubungi pengelola aplikasi.</p></body></html>").encode("utf-8")


def _last_resort(wsgi_app: Any) -> Any:
    """Errors that are not ``Exception`` (a panic inside a compiled library raises a
    BaseException) still end in an Indonesian page, never a dropped connection."""

    def guarded(environ: dict[str, Any], start_response: Any) -> Any:
        try:
            return wsgi_app(environ, start_response)
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException:
            _log.exception("kesalahan fatal pada %s", environ.get("PATH_INFO", ""))
            headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(_LAST_RESORT_PAGE))),
                       ("Content-Security-Policy", security.CSP), ("X-Content-Type-Options", "nosniff"),
                       ("X-Frame-Options", "DENY"), ("Cache-Control", "no-store")]
            start_response("500 INTERNAL SERVER ERROR", headers)
            return [_LAST_RESORT_PAGE]

    return guarded


def _install_template_helpers(app: Flask) -> None:
    @app.context_processor
    def helpers() -> dict[str, Any]:
        return {
            "csrf_field": lambda: Markup(f'<input type="hidden" name="{security.CSRF_FIELD}" '
                                         f'value="{escape(security.csrf_token())}">'),
            "csrf_token": security.csrf_token,
            "format_date": _format_date,
            "format_nip": _format_nip,
            "kind_label": cached_kind_label,
            "nav": app.config["SOPDOCS_NAV"],
            "password_mode": app.config["SOPDOCS_REQUIRE_PASSWORD"],
            "logged_in": session.get("masuk") is True,
            "archive_name": app.config["SOPDOCS_ARCHIVE"].resolve().name,
        }

    app.jinja_env.filters["tanggal"] = _format_date


def _format_nip(value: str) -> str:
    """``19850312 201001 1 004``; the text as stored when it is not an 18-digit NIP."""
    from sopdocs.indonesian.nip import NipError, format_nip

    try:
        return format_nip(value)
    except (NipError, ValueError):
        return value


def _format_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return f"{format_tanggal(value.date())} {value:%H.%M}"
    return format_tanggal(value)
