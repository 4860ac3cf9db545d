"""Password mode: ``sopdocs serve`` on an address other than 127.0.0.1 requires a login.

The server listens on 127.0.0.2: a loopback address (nothing leaves this machine) that is
not 127.0.0.1, so the app treats it as a network address."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from web.helpers import CASE, Client, Server, copy_archive, run_sopdocs, start_server, stop_server

HOST = "127.0.0.2"
PASSWORD = "sandi-arsip-rahasia-2024"


def _can_bind(host: str) -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _can_bind(HOST), reason=f"{HOST} is not a usable loopback address here")


@pytest.fixture(scope="module")
def protected(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory, web_cache: Path) -> Iterator[Server]:
    archive = copy_archive(demo_dir, tmp_path_factory.mktemp("sandi") / "arsip")
    refused = run_sopdocs("serve", "--archive", str(archive), "--host", HOST, "--port", "0", cwd=archive)
    assert refused.returncode == 2 and "--set-password" in refused.stderr
    done = run_sopdocs("serve", "--archive", str(archive), "--set-password", cwd=archive,
                       env={"SOPDOCS_WEB_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    running = start_server(archive, web_cache, host=HOST)
    yield running
    stop_server(running)


def test_the_settings_file_holds_a_salted_hash_not_the_password(protected: Server) -> None:
    settings = (protected.archive / "pengaturan.yaml").read_text(encoding="utf-8")
    assert PASSWORD not in settings
    stored = re.search(r'^sandi_web: "(scrypt:[^"$]+\$[^"$]+\$[0-9a-f]+)"$', settings, re.MULTILINE)
    assert stored, settings


def test_a_short_password_is_refused(demo_dir: Path, tmp_path: Path) -> None:
    archive = copy_archive(demo_dir, tmp_path / "arsip")
    proc = run_sopdocs("serve", "--archive", str(archive), "--set-password", cwd=tmp_path,
                       env={"SOPDOCS_WEB_PASSWORD": "pendek"})
    assert proc.returncode == 2 and "terlalu pendek" in proc.stderr
    assert not (archive / "pengaturan.yaml").exists()


def test_start_message_says_a_password_is_required(protected: Server) -> None:
    assert any("kata sandi" in line for line in protected.output)


def test_every_page_needs_the_login(protected: Server) -> None:
    client = protected.client()
    for path in ("/", f"/berkas/{CASE}", "/agenda.xlsx", "/daftar-arsip.csv", f"/berkas/{CASE}/1/unduh/asli"):
        page = client.get(path)
        assert page.status == 302, path
        assert page.header("Location").startswith("/masuk?lanjut=")
    assert client.post(f"/berkas/{CASE}/periksa", {}).status == 403
    login = client.get("/masuk")
    assert login.status == 200 and 'type="password"' in login.text
    assert client.get("/static/sopdocs.css").status == 200


def test_login_wrong_then_right_password(protected: Server) -> None:
    client = protected.client()
    token = client.csrf("/masuk")
    assert client.post("/masuk", {"sandi": PASSWORD}).status == 403  # no CSRF token
    wrong = client.post("/masuk", {"csrf_token": token, "sandi": "bukan-sandinya-123"})
    assert wrong.status == 403 and "Kata sandi salah" in wrong.text
    right = client.post("/masuk", {"csrf_token": token, "sandi": PASSWORD, "lanjut": f"/berkas/{CASE}"})
    assert right.status == 303 and right.header("Location") == f"/berkas/{CASE}"
    cookie = right.set_cookies[-1]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get(f"/berkas/{CASE}")
    assert page.status == 200 and "Keluar" in page.text
    token = client.csrf(f"/berkas/{CASE}")
    assert client.post("/keluar", {"csrf_token": token}).status == 303
    assert client.get("/").status == 302


def test_login_redirect_never_leaves_the_app(protected: Server) -> None:
    client = protected.client()
    token = client.csrf("/masuk")
    page = client.post("/masuk", {"csrf_token": token, "sandi": PASSWORD, "lanjut": "//penyerang.example/"})
    assert page.status == 303 and page.header("Location") == "/"


def test_repeated_wrong_passwords_lock_the_address_out(protected: Server) -> None:
    client = protected.client()
    token = client.csrf("/masuk")
    statuses = [client.post("/masuk", {"csrf_token": token, "sandi": f"salah-salah-{i}"}).status for i in range(7)]
    assert statuses[:5] == [403] * 5 and statuses[5:] == [429, 429]
    locked = client.post("/masuk", {"csrf_token": token, "sandi": PASSWORD})
    assert locked.status == 429 and "Terlalu banyak percobaan" in locked.text


def test_any_host_name_is_accepted_in_password_mode(protected: Server) -> None:
    client = Client(protected.url)
    page = client.request("GET", "/masuk", host_header="arsip.kantor.local:8000")
    assert page.status == 200


def test_behind_a_trusted_https_proxy_the_cookie_is_secure(protected: Server, web_cache: Path) -> None:
    running = start_server(protected.archive, web_cache, host=HOST, extra=("--trusted-proxy", "127.0.0.1"))
    try:
        client = running.client()
        https = {"X-Forwarded-Proto": "https"}
        page = client.get("/masuk", headers=https)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert token
        body = f"csrf_token={token.group(1)}&sandi={PASSWORD}".encode()
        done = client.request("POST", "/masuk", body, {**https, "Content-Type": "application/x-www-form-urlencoded"})
        assert done.status == 303
        assert "Secure" in done.set_cookies[-1] and "HttpOnly" in done.set_cookies[-1]
        first = Client(running.url).get("/masuk")
        assert first.set_cookies and all("Secure" not in c for c in first.set_cookies)  # plain HTTP
    finally:
        stop_server(running)
