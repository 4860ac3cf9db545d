"""Helpers of the web tests: real ``sopdocs serve`` processes on loopback, an HTTP client
(stdlib only), synthetic archives."""

from __future__ import annotations

import datetime as dt
import http.client
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CASE = "PENDATAAN-2024-01"
SURAT_TUGAS = "800.1.11.1/001/Disnakertrans/2024"
NOTA_DINAS = "000.1.2/001/Disnakertrans/2024"
START_TIMEOUT = 60.0


def sopdocs_command() -> list[str]:
    """The ``sopdocs`` console script of this environment (as the README runs it)."""
    folder = Path(sys.executable).parent
    found = shutil.which("sopdocs", path=str(folder))
    return [found] if found else [sys.executable, "-m", "sopdocs"]


def run_sopdocs(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*sopdocs_command(), *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", env={**os.environ, **(env or {})}, timeout=600)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class Client:
    """Real HTTP over loopback (http.client, so paths go out exactly as written), with
    cookies kept like a browser would for this host."""

    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.base = base.rstrip("/")
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                host_header: str | None = None) -> Response:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host_header or f"{self.host}:{self.port}")
            for k, v in sent.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            cookies = resp.headers.get_all("Set-Cookie") or []
            for cookie in cookies:
                name, _, rest = cookie.partition("=")
                value = rest.split(";", 1)[0]
                if "expires=Thu, 01 Jan 1970" in cookie or not value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, cookies)
        finally:
            conn.close()

    def get(self, path: str, **kwargs: object) -> Response:
        return self.request("GET", path, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None) -> Response:
        if files:
            boundary = uuid.uuid4().hex
            parts: list[bytes] = []
            for k, v in fields.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
            for k, (name, data) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                             f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
            parts.append(f"--{boundary}--\r\n".encode())
            return self.request("POST", path, b"".join(parts),
                                {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def csrf(self, path: str = "/") -> str:
        page = self.get(path)
        found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert found, page.text[:500]
        return found.group(1)


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    output: list[str]
    archive: Path

    def client(self) -> Client:
        return Client(self.url)


def start_server(archive: Path, cache: Path, *, host: str = "127.0.0.1", extra: tuple[str, ...] = ()) -> Server:
    """``sopdocs serve --archive ARCHIVE --port PORT``; waits for the address it prints."""
    port = free_port(host)
    env = {**os.environ, "SOPDOCS_WEB_CACHE": str(cache), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*sopdocs_command(), "serve", "--archive", str(archive), "--host", host,
                             "--port", str(port), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", env=env)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    url = f"http://{host}:{port}/"
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if url in line:
            break
    if url not in "".join(lines):
        proc.kill()
        raise AssertionError(f"server did not start: {''.join(lines)}")
    return Server(url, proc, lines, archive)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=15)



def copy_archive(demo_dir: Path, target: Path) -> Path:
    """A private copy of the demo archive (for tests that change it)."""
    shutil.copytree(demo_dir / "archive", target, symlinks=True,
                    ignore=shutil.ignore_patterns("*.lock", "MAIN_WRITELOCK"))
    return target


def synthetic_archive(folder: Path, count: int) -> Path:
    """An archive folder holding only a search index of ``count`` made-up documents
    (for paging and load tests); built through the index API."""
    from sopdocs.search.index import IndexedDocument, WhooshIndex

    folder.mkdir(parents=True, exist_ok=True)
    docs = [IndexedDocument(
        doc_id=f"SINTETIS-{2020 + i % 5}/{i + 1:03d}", number=f"800/{i + 1:03d}/UJI/{2020 + i % 5}",
        kind="surat-tugas" if i % 3 else "nota-dinas", classification="800.1" if i % 2 else "000.5.2",
        case_id=f"SINTETIS-{2020 + i % 5}", title=f"Laporan pengawasan ketenagakerjaan nomor {i + 1}",
        date=dt.date(2020 + i % 5, 1 + i % 12, 1 + i % 28),
        people=["Budi Santoso"], text=f"pengawasan ketenagakerjaan perusahaan ke-{i + 1} di kecamatan {i % 7}",
        path=f"berkas/SINTETIS-{2020 + i % 5}/data/{i + 1:03d}.docx") for i in range(count)]
    index = WhooshIndex(folder / "indeks")
    index.rebuild(docs)
    index.close()
    return folder
