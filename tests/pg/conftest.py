"""A real PostgreSQL server for the register tests (one throw-away cluster per session).

Skipped when the server binaries are missing, except under ``CI=true`` where that fails.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pg.cluster import PgCluster, pg_bin

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    folder = pg_bin()
    if folder is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) not found; CI must run the register tests")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    cluster = PgCluster(folder)
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """URL of a new, empty database on the session's server."""
    if not pg_cluster.running():
        pg_cluster.start()
    return pg_cluster.create_database(f"register_{os.getpid()}_{next(_names)}")


@pytest.fixture
def pg_archive(tmp_path: Path, pg_url: str) -> Path:
    """An archive folder whose pengaturan.yaml names a fresh PostgreSQL register."""
    archive = tmp_path / "arsip"
    archive.mkdir()
    (archive / "pengaturan.yaml").write_text(f"register: {pg_url}\n", encoding="utf-8")
    return archive
