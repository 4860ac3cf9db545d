"""BagIt (RFC 8493) bags for case files: writing them crash-safely, checking fixity.

Layout of one bag (one case file)::

    <bag>/bagit.txt                 BagIt-Version 1.0, UTF-8
    <bag>/bag-info.txt              archival metadata (labels and values)
    <bag>/manifest-sha256.txt       SHA-256 of every payload file
    <bag>/tagmanifest-sha256.txt    SHA-256 of the three files above
    <bag>/data/...                  the payload (flat: no sub-folders)

Writing is sopdocs' own code, reading and path-safety checks use the ``bagit`` package
(the Library of Congress implementation), so every bag is checked by an independent
reader. Not ``bagit.make_bag``/``Bag.save`` for writing: both change the process-wide
working directory (``os.chdir``: unsafe with threads) and write tag files in place (a
crash leaves a half-written manifest).

Changing an existing bag is a small transaction, so a crash leaves the old state, the
new state, or a clearly named leftover that :func:`check_bag` reports:

1. everything new (payload files, the new tag files) is written into
   ``<bag>/.update-<token>/`` together with ``plan.json`` (which file goes where);
2. ``COMMIT`` is written there: from now on the update counts as done;
3. the files are moved into place with ``os.replace`` (payload first, manifests last);
4. the folder is renamed ``.trash-<token>`` and deleted.

:func:`recover_bag` finishes step 3 after a crash (it is idempotent) and removes trash.
An ``.update-*`` folder without ``COMMIT`` is an abandoned update: the bag itself is
unchanged; :func:`check_bag` names it and :func:`discard_abandoned` deletes it.

Checksums already in a manifest are never recomputed when a bag is updated: that would
silently bless a file damaged since it was archived.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sopdocs.errors import SopdocsError
from sopdocs.fsutil import atomic_write_bytes, atomic_write_text

ALGORITHM = "sha256"
BAGIT_TXT = "bagit.txt"
BAG_INFO = "bag-info.txt"
MANIFEST = f"manifest-{ALGORITHM}.txt"
TAGMANIFEST = f"tagmanifest-{ALGORITHM}.txt"
TAG_FILES = (BAGIT_TXT, BAG_INFO, MANIFEST)  # what the tag manifest covers
DATA = "data"
UPDATE_PREFIX = ".update-"
TRASH_PREFIX = ".trash-"
COMMIT = "COMMIT"
PLAN = "plan.json"
_CHUNK = 1024 * 1024

#: A payload file name sopdocs writes and accepts when reading: no folders, no dots
#: at either end (Windows drops a trailing dot), ASCII letters, digits, ``._-``.
PAYLOAD_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,150}[A-Za-z0-9])?$")


class BagError(SopdocsError):
    """A bag cannot be read or written (damaged structure, unsafe path...)."""


# --------------------------------------------------------------------------- hashing


def hash_file(path: Path) -> tuple[str, int]:
    """(SHA-256 hex digest, size in bytes) of a file."""
    digest = hashlib.new(ALGORITHM)
    size = 0
    with Path(path).open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def copy_hashed(src: Path, dst: Path) -> tuple[str, int]:
    """Copy ``src`` to the new file ``dst`` (fsynced), hashing on the way."""
    digest = hashlib.new(ALGORITHM)
    size = 0
    with Path(src).open("rb") as fin, Path(dst).open("xb") as fout:
        while block := fin.read(_CHUNK):
            digest.update(block)
            fout.write(block)
            size += len(block)
        fout.flush()
        os.fsync(fout.fileno())
    return digest.hexdigest(), size


def is_payload_name(name: str) -> bool:
    return bool(PAYLOAD_NAME.match(name)) and ".." not in name


# --------------------------------------------------------------------------- tag files


def _clean_value(value: object) -> str:
    """Tag values are one line: CR/LF and other control characters become spaces."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", str(value)).strip()


def bag_info_text(info: Sequence[tuple[str, object]]) -> str:
    lines = []
    for label, value in info:
        if not re.match(r"^[A-Za-z][A-Za-z0-9-]*$", label):
            raise BagError(f"label bag-info {label!r} tidak sah")
        lines.append(f"{label}: {_clean_value(value)}")
    return "\n".join(lines) + "\n"


def manifest_text(entries: Mapping[str, str]) -> str:
    """Manifest lines ``<digest>  <path>`` sorted by path (paths use ``/``)."""
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(entries.items()))


def parse_manifest(text: str, source: str) -> dict[str, str]:
    """Path -> digest from a manifest sopdocs wrote (strict: any odd line is an error)."""
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or not re.fullmatch(r"[0-9a-fA-F]{64}", parts[0]):
            raise BagError(f"{source}: baris {number} bukan baris manifest yang sah: {line[:120]!r}")
        path = parts[1].strip().lstrip("*")
        if path in entries:
            raise BagError(f"{source}: {path} tercantum dua kali")
        entries[path] = parts[0].lower()
    return entries


def parse_bag_info(text: str) -> dict[str, str]:
    """Labels -> values (the first value of a repeated label; continuation lines joined)."""
    info: dict[str, str] = {}
    label: str | None = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and label is not None:
            info[label] += " " + line.strip()
            continue
        if ":" not in line:
            continue
        key, value = line.split(":", 1)
        label = key.strip()
        info.setdefault(label, value.strip())
    return info


def read_bag_info(bag: Path) -> dict[str, str]:
    try:
        return parse_bag_info((Path(bag) / BAG_INFO).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BagError(f"{Path(bag) / BAG_INFO}: tidak dapat dibaca ({exc})") from exc


def read_manifest(bag: Path, name: str = MANIFEST) -> dict[str, str]:
    path = Path(bag) / name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BagError(f"{path}: tidak dapat dibaca ({exc})") from exc
    return parse_manifest(text, str(path))


def _tag_files_content(
    payload: Mapping[str, tuple[str, int]], info: Sequence[tuple[str, object]]
) -> dict[str, bytes]:
    """The four tag files for a payload of ``data/<name>`` -> (digest, size)."""
    total = sum(size for _, size in payload.values())
    full_info = [*info, ("Payload-Oxum", f"{total}.{len(payload)}")]
    files = {
        BAGIT_TXT: b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        BAG_INFO: bag_info_text(full_info).encode("utf-8"),
        MANIFEST: manifest_text({p: d for p, (d, _) in payload.items()}).encode("utf-8"),
    }
    tags = {name: hashlib.new(ALGORITHM, data).hexdigest() for name, data in files.items()}
    files[TAGMANIFEST] = manifest_text(tags).encode("utf-8")
    return files


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class PayloadFile:
    """A payload file to write: from a file on disk or from bytes."""

    name: str
    source: Path | None = None
    data: bytes | None = None

    def __post_init__(self) -> None:
        if not is_payload_name(self.name):
            raise BagError(f"nama berkas muatan {self.name!r} tidak aman")
        if (self.source is None) == (self.data is None):
            raise BagError("PayloadFile butuh source atau data (salah satu)")


def _put(file: PayloadFile, target: Path) -> tuple[str, int]:
    if file.data is not None:
        atomic_write_bytes(target, file.data)
        return hashlib.new(ALGORITHM, file.data).hexdigest(), len(file.data)
    assert file.source is not None
    return copy_hashed(file.source, target)


def write_new_bag(
    folder: Path, files: Iterable[PayloadFile], info: Sequence[tuple[str, object]]
) -> dict[str, tuple[str, int]]:
    """Write a complete bag into the empty/new ``folder`` (a staging folder: the caller
    renames it into place). Returns ``data/<name>`` -> (digest, size)."""
    folder = Path(folder)
    (folder / DATA).mkdir(parents=True, exist_ok=False)
    payload: dict[str, tuple[str, int]] = {}
    for file in files:
        key = f"{DATA}/{file.name}"
        if key in payload:
            raise BagError(f"{file.name} ditulis dua kali")
        payload[key] = _put(file, folder / DATA / file.name)
    for name, data in _tag_files_content(payload, info).items():
        atomic_write_bytes(folder / name, data)
    return payload


def stage_update(
    bag: Path,
    *,
    add: Iterable[PayloadFile],
    replace: Iterable[PayloadFile],
    info: Sequence[tuple[str, object]],
    sizes: Mapping[str, int],
) -> Path:
    """Prepare (without touching the bag) an update adding and replacing payload files.

    ``sizes``: size of every payload file already in the bag (``data/<name>``), as
    recorded when it was archived, for the Payload-Oxum; existing checksums are taken
    from the current manifest, not recomputed. Returns the ``.update-*`` folder;
    :func:`commit_update` applies it.
    """
    bag = Path(bag)
    current = read_manifest(bag)
    token = uuid.uuid4().hex[:12]
    work = bag / f"{UPDATE_PREFIX}{token}"
    (work / DATA).mkdir(parents=True)
    try:
        payload: dict[str, tuple[str, int]] = {}
        for path, digest in current.items():
            if path not in sizes:
                raise BagError(f"{bag}: ukuran {path} tidak tercatat; berkas tidak dapat diperbarui")
            payload[path] = (digest, sizes[path])
        moves: list[tuple[str, str]] = []
        for file in add:
            key = f"{DATA}/{file.name}"
            if key in current or (bag / DATA / file.name).exists():
                raise BagError(f"{bag / DATA / file.name} sudah ada; tidak ditimpa")
            if any(dst == key for _, dst in moves):
                raise BagError(f"{file.name} ditambahkan dua kali")
            payload[key] = _put(file, work / DATA / file.name)
            moves.append((key, key))
        for file in replace:
            key = f"{DATA}/{file.name}"
            payload[key] = _put(file, work / DATA / file.name)
            moves.append((key, key))
        # Payload first, then bagit.txt, bag-info, manifest; the tag manifest last.
        for name, data in _tag_files_content(payload, info).items():
            atomic_write_bytes(work / name, data)
            moves.append((name, name))
        atomic_write_text(work / PLAN, json.dumps({"token": token, "moves": moves}, indent=1))
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return work


def commit_update(work: Path) -> None:
    """Mark the staged update done, then move its files into the bag."""
    atomic_write_text(Path(work) / COMMIT, dt.datetime.now().isoformat(timespec="seconds") + "\n")
    _apply(Path(work))


def _apply(work: Path) -> None:
    bag = work.parent
    plan = json.loads((work / PLAN).read_text(encoding="utf-8"))
    for src, dst in plan["moves"]:
        source = work / src
        target = bag / dst
        if not _inside(source, work) or not _inside(target, bag):
            raise BagError(f"{work / PLAN}: langkah {src} -> {dst} keluar dari folder berkas")
        if source.exists():
            _replace_retry(source, target)
    trash = bag / (TRASH_PREFIX + work.name[len(UPDATE_PREFIX):])
    _replace_retry(work, trash)
    shutil.rmtree(trash, ignore_errors=True)


def _replace_retry(src: Path, dst: Path, timeout: float = 15.0) -> None:
    """``os.replace``, retrying while Windows refuses because another program has the
    target (or a file in the folder) open; the update stays committed meanwhile, so
    giving up is safe: the next writer or verify finishes it."""
    from sopdocs.fsutil import replace_retrying

    replace_retrying(src, dst, timeout=timeout, on_give_up=lambda exc: BagError(
        f"{dst}: tidak dapat diganti, sedang dibuka program lain? Tutup lalu ulangi "
        f"(perubahan sudah tercatat dan akan diselesaikan): {exc}"
    ))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def pending_updates(bag: Path) -> list[Path]:
    """``.update-*`` folders of ``bag`` (committed or abandoned)."""
    try:
        return sorted(p for p in Path(bag).iterdir() if p.name.startswith(UPDATE_PREFIX) and p.is_dir())
    except OSError:
        return []


def is_committed(work: Path) -> bool:
    return (Path(work) / COMMIT).is_file() and (Path(work) / PLAN).is_file()


def recover_bag(bag: Path) -> list[str]:
    """Finish committed updates and delete trash; call only while holding the archive
    lock. Returns what was done (for logs/messages)."""
    done: list[str] = []
    bag = Path(bag)
    for work in pending_updates(bag):
        if is_committed(work):
            _apply(work)
            done.append(f"pembaruan {work.name} diselesaikan")
    try:
        trash = [p for p in bag.iterdir() if p.name.startswith(TRASH_PREFIX)]
    except OSError:
        trash = []
    for path in trash:
        shutil.rmtree(path, ignore_errors=True)
    return done


def discard_abandoned(bag: Path) -> list[Path]:
    """Delete uncommitted ``.update-*`` folders (only while holding the archive lock)."""
    removed = []
    for work in pending_updates(bag):
        if not is_committed(work):
            shutil.rmtree(work, ignore_errors=True)
            removed.append(work)
    return removed


# --------------------------------------------------------------------------- checking

FindingKind = Literal["missing", "changed", "unexpected", "incomplete", "damaged"]


@dataclass(frozen=True)
class BagFinding:
    kind: FindingKind
    path: str
    """Relative to the bag, with ``/``."""
    detail: str = ""


def _rel(path: str) -> str:
    return path.replace(os.sep, "/")


def check_bag(bag: Path) -> list[BagFinding]:
    """Every fixity problem of a bag: missing, changed and unexpected files (payload and
    tag files), leftovers of updates, and structural damage. Empty list: all good.

    The manifests are parsed by the ``bagit`` package (which also refuses paths that
    leave the bag); checksums are computed here so that all problems are listed, not
    only the first kind ``bagit.Bag.validate`` stops at.
    """
    import bagit

    bag = Path(bag)
    findings: list[BagFinding] = []
    for work in pending_updates(bag):
        state = "sudah dikomit, belum diterapkan" if is_committed(work) else "terhenti sebelum selesai"
        findings.append(BagFinding("incomplete", work.name, f"pembaruan {state}"))
    for name in (BAGIT_TXT, MANIFEST, TAGMANIFEST, BAG_INFO):
        if not (bag / name).is_file():
            findings.append(BagFinding("missing", name, "berkas tag BagIt hilang"))
    if not (bag / DATA).is_dir():
        findings.append(BagFinding("missing", DATA, "folder muatan hilang"))
    try:
        parsed = bagit.Bag(str(bag))
    except (bagit.BagError, OSError, UnicodeDecodeError, ValueError) as exc:
        findings.append(BagFinding("damaged", ".", f"bag tidak dapat dibaca: {exc}"))
        return findings
    if ALGORITHM not in parsed.algorithms:
        findings.append(BagFinding("damaged", MANIFEST, f"tidak ada manifest {ALGORITHM}"))

    # Files the manifests list versus files on disk (payload and tag files).
    only_in_manifest, only_on_disk = parsed.compare_manifests_with_fs()
    missing = {_rel(p) for p in only_in_manifest}
    for path in sorted(missing):
        findings.append(BagFinding("missing", path, "tercantum di manifest, berkasnya tidak ada"))
    for path in sorted(_rel(p) for p in only_on_disk):
        findings.append(BagFinding("unexpected", path, "tidak tercantum di manifest"))
    expected_top = {BAGIT_TXT, BAG_INFO, DATA, *(Path(p).name for p in parsed.manifest_files()),
                    *(Path(p).name for p in parsed.tagmanifest_files())}
    for entry in sorted(bag.iterdir(), key=lambda p: p.name):
        name = entry.name
        if name in expected_top or name.startswith((UPDATE_PREFIX, TRASH_PREFIX)):
            continue
        findings.append(BagFinding("unexpected", name, "berkas/folder asing di akar berkas"))
    for dirpath, dirnames, _ in os.walk(bag / DATA):
        for dirname in dirnames:
            rel = Path(dirpath, dirname).relative_to(bag).as_posix()
            findings.append(BagFinding("unexpected", rel + "/", "sub-folder di muatan"))

    for rel_path, hashes in sorted(parsed.entries.items()):
        rel = _rel(rel_path)
        if rel in missing or ALGORITHM not in hashes:
            continue
        target = bag / rel
        if not target.is_file():
            if rel not in missing:
                findings.append(BagFinding("missing", rel, "berkas tidak ada"))
            continue
        try:
            digest, _ = hash_file(target)
        except OSError as exc:
            findings.append(BagFinding("damaged", rel, f"tidak dapat dibaca: {exc}"))
            continue
        if digest != hashes[ALGORITHM].lower():
            findings.append(BagFinding(
                "changed", rel,
                f"SHA-256 berubah: tercatat {hashes[ALGORITHM][:12]}…, sekarang {digest[:12]}…",
            ))
    unique: dict[tuple[str, str], BagFinding] = {}
    for finding in findings:
        unique.setdefault((finding.kind, finding.path), finding)
    return list(unique.values())
