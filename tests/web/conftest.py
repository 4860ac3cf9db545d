"""Fixtures of the web tests: the demo archive (made once per session by ``sopdocs demo``)
and a real ``sopdocs serve`` over it on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from web.helpers import CASE, Client, Server, run_sopdocs, start_server, stop_server


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sopdocs demo`` in an empty folder, once per session; the archive is ./archive there."""
    work = tmp_path_factory.mktemp("webdemo")
    proc = run_sopdocs("demo", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert f"Berkas {CASE} diarsipkan" in proc.stdout
    return work


@pytest.fixture(scope="session")
def web_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("webcache")


@pytest.fixture(scope="session")
def server(demo_dir: Path, web_cache: Path) -> Iterator[Server]:
    running = start_server(demo_dir / "archive", web_cache)
    yield running
    stop_server(running)


@pytest.fixture
def client(server: Server) -> Client:
    return server.client()
