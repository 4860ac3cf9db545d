"""What keeps the web app safe: the password, sessions, CSRF tokens, the Host check and
the security headers.

* Listening on 127.0.0.1 (or ::1 / localhost) needs no password: only this computer can
  connect. Requests must then name a loopback host in ``Host`` (a web page elsewhere
  cannot reach the app through DNS rebinding).
* Listening on any other address needs a password (``sopdocs serve --set-password``):
  its salted scrypt hash is stored in the archive's ``pengaturan.yaml``; a login sets a
  session cookie (signed, HttpOnly, SameSite=Strict, Secure whenever the request came over
  HTTPS; the secret is new at every start, so restarting logs everyone out).
* Every POST carries a CSRF token bound to the session.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from typing import Any

from flask import Flask, Request, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import check_password_hash, generate_password_hash

#: Shortest password accepted by ``--set-password``.
MIN_PASSWORD_CHARS = 10
#: Longest password accepted (hashing a megabyte of text is a denial of service).
MAX_PASSWORD_CHARS = 200
#: Hash method: salted scrypt (werkzeug.security); the stored text names the method and salt.
PASSWORD_METHOD = "scrypt"
#: Failed logins from one address before it must wait LOGIN_LOCKOUT_SECONDS.
MAX_FAILED_LOGINS = 5
LOGIN_LOCKOUT_SECONDS = 60.0
#: How long a login lasts (a working day).
SESSION_HOURS = 10
#: Form field and header that carry the CSRF token.
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")

#: Content-Security-Policy of every page: nothing inline, nothing from elsewhere.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'")
#: For a PDF shown inline inside the document page (the only framed response).
CSP_FRAMED_PDF = "default-src 'none'; frame-ancestors 'self'; object-src 'self'"


def is_loopback_only(host: str) -> bool:
    """True when ``host`` (a --host value) is this computer only: 127.0.0.1, ::1 or localhost.

    Any other address, 0.0.0.0 and other 127.x addresses included, counts as a network
    address and requires the password."""
    return host.strip().strip("[]").lower() in LOOPBACK_NAMES


def hash_password(password: str) -> str:
    """A salted scrypt hash (``scrypt:N:r:p$salt$hash``) to store in pengaturan.yaml."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be used (Indonesian), or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"kata sandi terlalu pendek: paling sedikit {MIN_PASSWORD_CHARS} karakter (MIN_PASSWORD_CHARS)"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"kata sandi terlalu panjang: paling banyak {MAX_PASSWORD_CHARS} karakter (MAX_PASSWORD_CHARS)"
    if password.strip() != password:
        return "kata sandi tidak boleh diawali atau diakhiri spasi"
    return None


def check_password(stored_hash: str, password: str) -> bool:
    if not stored_hash or not password or len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return check_password_hash(stored_hash, password)
    except (ValueError, TypeError):  # a damaged hash in the settings file
        return False


class LoginThrottle:
    """Counts failed logins per client address; too many lock that address out for a while."""

    def __init__(self, limit: int = MAX_FAILED_LOGINS, lockout: float = LOGIN_LOCKOUT_SECONDS) -> None:
        self.limit = limit
        self.lockout = lockout
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, client: str) -> float:
        with self._lock:
            count, since = self._failures.get(client, (0, 0.0))
            if count < self.limit:
                return 0.0
            left = since + self.lockout - time.monotonic()
            if left <= 0:
                del self._failures[client]
                return 0.0
            return left

    def failed(self, client: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # bounded memory
                self._failures.clear()
            count, _ = self._failures.get(client, (0, 0.0))
            self._failures[client] = (count + 1, time.monotonic())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session; the cookie is ``Secure`` whenever the request came
    over HTTPS (a TLS proxy in front), HttpOnly and SameSite=Strict always."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)

    def get_cookie_httponly(self, app: Flask) -> bool:
        return True

    def get_cookie_samesite(self, app: Flask) -> str:
        return "Strict"


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or len(token) != 43:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def csrf_ok(req: Request) -> bool:
    expected = session.get(CSRF_FIELD)
    given = req.form.get(CSRF_FIELD) or req.headers.get(CSRF_HEADER) or ""
    if not isinstance(expected, str) or not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def host_ok(req: Request) -> bool:
    """In loopback mode: the Host header names this computer (defeats DNS rebinding)."""
    host = (req.host or "").lower()
    if host.startswith("["):
        name = host[1:].split("]", 1)[0]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def secret_key() -> bytes:
    """A new random signing key (sessions end when the server restarts)."""
    return hashlib.sha256(secrets.token_bytes(64)).digest()


def client_address(req: Request) -> str:
    return str(req.remote_addr or "?")

