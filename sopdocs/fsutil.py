"""File-system helpers: safe file names and atomic writes (Windows-safe)."""

from __future__ import annotations

import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Callable

_UNSAFE = re.compile(r'[^A-Za-z0-9._-]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(text: str, *, fallback: str = "dokumen", max_length: int = 100) -> str:
    """A file name from any text (e.g. a document number with ``/``).

    Never contains a path separator or ``..``; also avoids names Windows reserves.
    ``"800.1.11.1/015/Disnakertrans/2024"`` -> ``"800.1.11.1_015_Disnakertrans_2024"``.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("_", ascii_text).strip("._-")
    name = re.sub(r"\.{2,}", ".", name)[:max_length].strip("._-")
    if not name or name.split(".")[0].upper() in _RESERVED:
        name = f"{fallback}_{name}" if name else fallback
    return name


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_temp(target: Path) -> Path:
    """An empty temporary file next to ``target`` (same folder, so a rename is atomic),
    with the permissions a normal new file gets (mkstemp alone makes it owner-only)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        os.chmod(name, 0o666 & ~_umask())
    except OSError:
        pass
    return Path(name)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    ``durable`` also flushes the data to disk before the rename (survives a power cut, not
    only a crash); batches of documents that can be made again skip it."""
    path = Path(path)
    tmp = make_temp(path)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def replace_retrying(src: Path, dst: Path, *, timeout: float, on_give_up: Callable[[OSError], Exception],
                     rename: Callable[[Path, Path], None] = os.replace) -> None:
    """``rename(src, dst)``, retrying with backoff while Windows refuses because another
    program has a file open; after ``timeout`` seconds raise ``on_give_up(error)``."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            rename(src, dst)
            return
        except PermissionError as exc:
            if time.monotonic() >= deadline:
                raise on_give_up(exc) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def resolve_output(out: Path | None, default_name: str, suffix: str = ".docx") -> Path:
    """``-o`` may name a file (``x.docx``) or a folder; a folder gets ``default_name``."""
    if out is None:
        return Path.cwd() / f"{default_name}{suffix}"
    out = Path(out)
    if out.suffix.lower() == suffix:
        return out
    return out / f"{default_name}{suffix}"
