"""Logging in and out (password mode: the app listens on a network address)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from sopdocs.web import security

bp = Blueprint("auth", __name__)


def _next_url() -> str:
    """Where to go after logging in: a path of this app only (never another site)."""
    target = request.values.get("lanjut", "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target or len(target) > 2000:
        return url_for("search.index")
    return target


@bp.route("/masuk", methods=["GET", "POST"])
def login() -> Any:
    if not current_app.config["SOPDOCS_REQUIRE_PASSWORD"]:
        return redirect(url_for("search.index"))
    message = None
    status = 200
    if request.method == "POST":
        throttle: security.LoginThrottle = current_app.extensions["sopdocs_throttle"]
        client = security.client_address(request)
        wait = throttle.wait_seconds(client)
        if wait > 0:
            message = f"Terlalu banyak percobaan yang salah. Coba lagi dalam {int(wait) + 1} detik."
            status = 429
        elif security.check_password(current_app.config["SOPDOCS_PASSWORD_HASH"], request.form.get("sandi", "")):
            throttle.succeeded(client)
            token = session.get(security.CSRF_FIELD)
            session.clear()
            session["masuk"] = True
            session.permanent = True
            session[security.CSRF_FIELD] = token if isinstance(token, str) else security.csrf_token()
            return redirect(_next_url(), code=303)
        else:
            throttle.failed(client)
            message = "Kata sandi salah."
            status = 403
    return render_template("login.html", message=message, next_url=_next_url()), status


@bp.post("/keluar")
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"), code=303)
