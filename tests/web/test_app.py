"""The app factory and the serve command's refusals (in-process where a failure must be provoked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sopdocs.errors import SopdocsError
from web.helpers import run_sopdocs


def test_an_unexpected_error_is_an_indonesian_page_without_traceback(demo_dir: Path, tmp_path: Path) -> None:
    from sopdocs.web.app import create_app

    app = create_app(demo_dir / "archive", cache_root=tmp_path / "cache")

    def broken() -> str:
        raise RuntimeError("rahasia internal: /etc/shadow")

    app.add_url_rule("/rusak", "rusak", broken)
    response = app.test_client().get("/rusak", headers={"Host": "127.0.0.1:8000"})
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Terjadi kesalahan di server" in body
    assert "rahasia internal" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_cache_may_not_be_inside_the_archive(demo_dir: Path) -> None:
    from sopdocs.web.app import create_app

    with pytest.raises(SopdocsError, match="di dalam folder arsip"):
        create_app(demo_dir / "archive", cache_root=demo_dir / "archive" / "cache")
    proc = run_sopdocs("serve", "--archive", str(demo_dir / "archive"), "--cache",
                       str(demo_dir / "archive" / "pratinjau"), "--port", "0", cwd=demo_dir)
    assert proc.returncode == 2 and "di dalam folder arsip" in proc.stderr
    assert not (demo_dir / "archive" / "pratinjau").exists()


def test_serve_without_an_archive_says_what_to_do(tmp_path: Path) -> None:
    proc = run_sopdocs("serve", "--archive", str(tmp_path / "tidak-ada"), "--port", "0", cwd=tmp_path)
    assert proc.returncode == 2 and "sopdocs demo" in proc.stderr and "Traceback" not in proc.stderr


def test_a_password_mode_app_needs_a_password(demo_dir: Path, tmp_path: Path) -> None:
    from sopdocs.web.app import create_app

    with pytest.raises(SopdocsError, match="--set-password"):
        create_app(demo_dir / "archive", require_password=True, cache_root=tmp_path)


class _Panic(BaseException):
    """What a compiled library's panic looks like from Python (not an Exception)."""


def test_a_panic_that_is_not_an_exception_still_gets_a_page(demo_dir: Path, tmp_path: Path) -> None:
    from sopdocs.web.app import create_app

    app = create_app(demo_dir / "archive", cache_root=tmp_path / "cache")

    def panics() -> str:
        raise _Panic("assertion failed")

    app.add_url_rule("/panik", "panik", panics)
    response = app.test_client().get("/panik", headers={"Host": "127.0.0.1:8000"})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Terjadi kesalahan di server" in body and "assertion" not in body
