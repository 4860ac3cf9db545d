"""BagIt (RFC 8493) bags for case files: writing them crash-safely, checking fixity.

Layout of one bag (one case file)::

    <bag>/bagit.txt                 BagIt-Version 1.0, UTF-8
    <bag>/bag-info.txt              archival metadata (labels and values)
    <bag>/manifest-sha256.txt       SHA-256 of every payload file
    <bag>/tagmanifest-sha256.txt    SHA-256 of the three files above
    <bag>/data/...                  the payload (flat: no sub-folders)

Writing and checking are sopdocs' own code (checking must never hang or stop at the
first problem on a damaged bag); :func:`check_bag` also opens every bag whose tag files
are sound with the ``bagit`` package (the Library of Congress implementation), so every
bag is read by an independent reader too. Not ``bagit.make_bag``/``Bag.save`` for writing: both change the process-wide
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

Reading a bag never trusts it: only regular files are opened (a FIFO, device, socket or
symbolic link inside a bag is reported, never read: it could hang or lead outside), and
every tag file is read with a size limit (:data:`MAX_MANIFEST_BYTES`,
:data:`MAX_TAG_FILE_BYTES`, :data:`MAX_PLAN_BYTES`). :func:`check_bag` treats a tag
manifest that is missing, empty or does not list every tag file as damage, and every
odd manifest line (malformed, listed twice, a path leaving the bag) as a finding.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

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

#: Largest manifest read (about 150,000 lines; a case file has a few dozen).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
#: Largest bagit.txt / bag-info.txt read (sopdocs writes about 2 KB).
MAX_TAG_FILE_BYTES = 1024 * 1024
#: Largest plan.json of a staged update read.
MAX_PLAN_BYTES = 1024 * 1024
#: Manifest-like file names at the top of a bag: ``manifest-<alg>.txt``, ``tagmanifest-<alg>.txt``.
_MANIFEST_NAME = re.compile(r"^(tag)?manifest-[a-z0-9]+\.txt$")

#: A payload file name sopdocs writes and accepts when reading: no folders, no dots
#: at either end (Windows drops a trailing dot), ASCII letters, digits, ``._-``.
PAYLOAD_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,150}[A-Za-z0-9])?$")


class BagError(SopdocsError):
    """A bag cannot be read or written (damaged structure, unsafe path...)."""


# --------------------------------------------------------------------------- reading safely


def file_kind(mode: int) -> str:
    """What a file is, in words (for messages): ``berkas biasa``, ``FIFO``..."""
    if stat.S_ISREG(mode):
        return "berkas biasa"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "tautan simbolik"
    if stat.S_ISFIFO(mode):
        return "FIFO (pipa bernama)"
    if stat.S_ISSOCK(mode):
        return "soket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "berkas perangkat"
    return "berkas khusus"


def check_regular(path: Path) -> os.stat_result:
    """``os.lstat`` of ``path``; BagError unless it is a regular file (a symbolic link is
    not followed, a FIFO/device/socket/folder is never opened)."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise BagError(f"{path}: tidak dapat dibaca ({exc})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise BagError(f"{path}: bukan berkas biasa ({file_kind(info.st_mode)}); tidak dibaca")
    return info


def open_regular(path: Path) -> BinaryIO:
    """Open a file of a bag for reading, only if it is a regular file: checked before
    opening (lstat) and after (fstat), opened without following a symbolic link and
    without blocking on a FIFO swapped in meanwhile."""
    check_regular(path)
    flags = (os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
             | getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise BagError(f"{path}: tidak dapat dibaca ({exc})") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise BagError(f"{path}: bukan berkas biasa ({file_kind(mode)}); tidak dibaca")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, limit: int, limit_name: str = "") -> bytes:
    """The content of a regular file of a bag, at most ``limit`` bytes (BagError beyond)."""
    try:
        with open_regular(path) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise BagError(f"{path}: tidak dapat dibaca ({exc})") from exc
    if len(data) > limit:
        raise BagError(f"{path}: terlalu besar (lebih dari {limit} byte; batas {limit_name or 'sopdocs'})")
    return data


# --------------------------------------------------------------------------- hashing


def hash_file(path: Path) -> tuple[str, int]:
    """(SHA-256 hex digest, size in bytes) of a regular file (BagError for anything else)."""
    digest = hashlib.new(ALGORITHM)
    size = 0
    with open_regular(Path(path)) as fh:
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


def _manifest_path_problem(path: str, *, tags: bool) -> str:
    """Why a manifest path is not acceptable ("" if it is)."""
    if (not path or "\\" in path or "\x00" in path or path.startswith(("/", "~"))
            or re.match(r"^[A-Za-z]:", path)):
        return "jalur mutlak atau tidak sah: keluar dari folder berkas"
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "jalur dengan '..', '.' atau '//': keluar dari folder berkas atau tidak wajar"
    if tags:
        if len(parts) != 1 or parts[0] == DATA or parts[0].startswith("tagmanifest-"):
            return "bukan berkas tag di akar berkas"
    elif parts[0] != DATA or len(parts) < 2:
        return f"bukan berkas muatan (harus di {DATA}/)"
    return ""


def scan_manifest(text: str, *, tags: bool = False) -> tuple[dict[str, str], list[str]]:
    """Path -> digest of the sound lines of a manifest, and a problem per odd line
    (malformed, a path leaving the bag or outside ``data/``, listed twice). ``tags``:
    a tag manifest (paths are file names at the top of the bag)."""
    entries: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or not re.fullmatch(r"[0-9a-fA-F]{64}", parts[0]):
            problems.append(f"baris {number} bukan baris manifest yang sah: {line[:120]!r}")
            continue
        path = parts[1].strip().lstrip("*")
        problem = _manifest_path_problem(path, tags=tags)
        if problem:
            problems.append(f"baris {number}: {path[:120]!r}: {problem}")
        elif path in entries:
            problems.append(f"baris {number}: {path} tercantum dua kali")
        else:
            entries[path] = parts[0].lower()
    return entries, problems


def parse_manifest(text: str, source: str, *, tags: bool = False) -> dict[str, str]:
    """Path -> digest from a manifest sopdocs wrote (strict: any odd line is an error)."""
    entries, problems = scan_manifest(text, tags=tags)
    if problems:
        raise BagError(f"{source}: {problems[0]}")
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


def _read_text(path: Path, limit: int, limit_name: str) -> str:
    data = read_regular(path, limit, limit_name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BagError(f"{path}: tidak dapat dibaca ({exc})") from exc


def read_bag_info(bag: Path) -> dict[str, str]:
    return parse_bag_info(_read_text(Path(bag) / BAG_INFO, MAX_TAG_FILE_BYTES, "MAX_TAG_FILE_BYTES"))


def read_manifest(bag: Path, name: str = MANIFEST) -> dict[str, str]:
    path = Path(bag) / name
    text = _read_text(path, MAX_MANIFEST_BYTES, "MAX_MANIFEST_BYTES")
    return parse_manifest(text, str(path), tags=name.startswith("tagmanifest-"))


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


def read_plan(work: Path) -> list[tuple[str, str]]:
    """The moves of a staged update's ``plan.json`` (BagError naming the file if it is
    unreadable, too large, not the shape sopdocs writes, or names anything but a payload
    file or a tag file of the bag)."""
    path = Path(work) / PLAN
    data = read_regular(path, MAX_PLAN_BYTES, "MAX_PLAN_BYTES")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BagError(f"{path}: rencana pembaruan rusak, bukan JSON yang sah ({str(exc)[:200]})") from None
    moves = raw.get("moves") if isinstance(raw, dict) else None
    if not isinstance(moves, list):
        raise BagError(f"{path}: rencana pembaruan rusak: daftar 'moves' tidak ada")
    steps: list[tuple[str, str]] = []
    for step in moves:
        ok = isinstance(step, list) and len(step) == 2 and all(isinstance(part, str) for part in step)
        src, dst = (step[0], step[1]) if ok else ("", "")
        name = dst[len(DATA) + 1:] if dst.startswith(f"{DATA}/") else ""
        if not ok or src != dst or not (dst in (BAGIT_TXT, BAG_INFO, MANIFEST, TAGMANIFEST)
                                       or is_payload_name(name)):
            raise BagError(f"{path}: rencana pembaruan rusak: langkah {str(step)[:120]} tidak sah")
        steps.append((src, dst))
    return steps


def _apply(work: Path) -> None:
    bag = work.parent
    for src, dst in read_plan(work):
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


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def pending_updates(bag: Path) -> list[Path]:
    """``.update-*`` folders of ``bag`` (committed or abandoned; real folders only, not
    symbolic links)."""
    try:
        return sorted(p for p in Path(bag).iterdir() if p.name.startswith(UPDATE_PREFIX) and _is_real_dir(p))
    except OSError:
        return []


def is_committed(work: Path) -> bool:
    return _is_regular(Path(work) / COMMIT) and _is_regular(Path(work) / PLAN)


def recover_bag(bag: Path) -> list[str]:
    """Finish committed updates and delete trash; call only while holding the archive
    lock. Returns what was done (for logs/messages). A committed update whose plan is
    damaged (:func:`read_plan`) raises BagError before anything is moved; it is left
    for a person (:func:`check_bag` reports it)."""
    done: list[str] = []
    bag = Path(bag)
    damaged: list[BagError] = []
    for work in pending_updates(bag):
        if is_committed(work):
            try:
                _apply(work)
            except BagError as exc:
                damaged.append(exc)
                continue
            done.append(f"pembaruan {work.name} diselesaikan")
    try:
        trash = [p for p in bag.iterdir() if p.name.startswith(TRASH_PREFIX) and _is_real_dir(p)]
    except OSError:
        trash = []
    for path in trash:
        shutil.rmtree(path, ignore_errors=True)
    if damaged:
        raise BagError(f"{damaged[0]}; pembaruan yang sudah dikomit ini tidak dapat diselesaikan: "
                       "periksa berkas dengan `sopdocs archive verify` dan pulihkan dari cadangan")
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

    Never raises for a damaged bag and never opens anything but a regular file:

    * the tag manifest must exist and list every tag file there is (bagit.txt,
      bag-info.txt, every ``manifest-*.txt``); a tag file it does not list is damage
      (its changes could not be noticed), and every file it lists is hashed;
    * a manifest line that is malformed, listed twice, or names a path leaving the bag
      (``../``, absolute) or outside ``data/`` is a finding;
    * a FIFO, device, socket, symbolic link or folder where a file belongs is reported
      and not read; manifests and tag files over their size limits are reported.

    When the tag files are sound, the bag is also opened with the ``bagit`` package
    (an independent reader of the same files).
    """
    bag = Path(bag)
    findings: list[BagFinding] = []

    def add(kind: FindingKind, path: str, detail: str) -> None:
        findings.append(BagFinding(kind, path, detail))

    for work in pending_updates(bag):
        if not is_committed(work):
            add("incomplete", work.name, "pembaruan terhenti sebelum selesai")
            continue
        try:
            read_plan(work)
        except BagError as exc:
            add("damaged", work.name, f"pembaruan sudah dikomit tetapi rencananya rusak ({exc}); "
                                      "tidak dapat diselesaikan otomatis, pulihkan dari cadangan")
        else:
            add("incomplete", work.name, "pembaruan sudah dikomit, belum diterapkan")

    # The top of the bag: what is there, and of which kind (symbolic links not followed).
    try:
        top_entries = sorted(os.scandir(bag), key=lambda e: e.name)
    except OSError as exc:
        add("damaged", ".", f"folder berkas tidak dapat dibaca: {exc}")
        return findings
    regular: dict[str, int] = {}  # tag and manifest files that are regular files -> size
    data_ok = False
    for entry in top_entries:
        name = entry.name
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as exc:
            add("damaged", name, f"tidak dapat dibaca: {exc}")
            continue
        if name.startswith((UPDATE_PREFIX, TRASH_PREFIX)):
            if not stat.S_ISDIR(mode):
                add("unexpected", name, f"sisa pembaruan yang bukan folder ({file_kind(mode)})")
            continue
        if name == DATA:
            data_ok = stat.S_ISDIR(mode)
            if not data_ok:
                add("damaged", DATA, f"folder muatan bukan folder ({file_kind(mode)})")
            continue
        if name not in (BAGIT_TXT, BAG_INFO) and not _MANIFEST_NAME.match(name):
            add("unexpected", name, "berkas/folder asing di akar berkas")
            continue
        if not stat.S_ISREG(mode):
            add("damaged", name, f"bukan berkas biasa ({file_kind(mode)}); tidak dibaca")
            continue
        try:
            regular[name] = entry.stat(follow_symlinks=False).st_size
        except OSError as exc:
            add("damaged", name, f"tidak dapat dibaca: {exc}")
    present = {e.name for e in top_entries}
    for name in (BAGIT_TXT, MANIFEST, TAGMANIFEST, BAG_INFO):
        if name not in present:
            add("missing", name, "berkas tag BagIt hilang")
    if DATA not in present:
        add("missing", DATA, "folder muatan hilang")
    tag_files = {n for n in regular if n in (BAGIT_TXT, BAG_INFO) or n.startswith("manifest-")}
    for name, size in sorted(regular.items()):
        limit, limit_name = ((MAX_TAG_FILE_BYTES, "MAX_TAG_FILE_BYTES") if name in (BAGIT_TXT, BAG_INFO)
                             else (MAX_MANIFEST_BYTES, "MAX_MANIFEST_BYTES"))
        if size > limit:
            add("damaged", name, f"terlalu besar ({size} byte; batas {limit_name} {limit}); tidak dibaca")

    # The sha256 manifests, read leniently: every odd line is a finding of its own.
    parsed: dict[str, dict[str, str]] = {}
    for name in (MANIFEST, TAGMANIFEST):
        if name not in regular or regular[name] > MAX_MANIFEST_BYTES:
            continue
        try:
            text = _read_text(bag / name, MAX_MANIFEST_BYTES, "MAX_MANIFEST_BYTES")
        except BagError as exc:
            add("damaged", name, str(exc))
            continue
        entries, problems = scan_manifest(text, tags=name == TAGMANIFEST)
        for problem in problems:
            add("damaged", name, problem)
        parsed[name] = entries

    # Tag files: all listed in the tag manifest, all as listed.
    tag_entries = parsed.get(TAGMANIFEST)
    if tag_entries is None:
        for name in sorted(tag_files):
            add("damaged", name, f"tidak terlindungi checksum: {TAGMANIFEST} hilang atau tidak dapat dibaca")
    else:
        if not tag_entries:
            add("damaged", TAGMANIFEST, "kosong: berkas tag tidak terlindungi checksum")
        for name in sorted(tag_files - set(tag_entries)):
            add("damaged", name, f"tidak tercantum di {TAGMANIFEST}: perubahannya tidak dapat diperiksa")
        for name, digest in sorted(tag_entries.items()):
            if name not in tag_files:
                if name in present:
                    if name not in regular:
                        continue  # a FIFO, folder...: reported above
                    add("damaged", TAGMANIFEST, f"mencantumkan {name}, yang bukan berkas tag")
                else:
                    add("missing", name, f"tercantum di {TAGMANIFEST}, berkasnya tidak ada")
                continue
            _compare(bag, name, digest, findings)

    # Payload: regular files only, each listed in the manifest and as listed.
    on_disk: set[str] = set()
    not_regular: set[str] = set()
    if data_ok:
        for dirpath, dirnames, filenames in os.walk(bag / DATA):
            for dirname in dirnames:
                rel = Path(dirpath, dirname).relative_to(bag).as_posix()
                if os.path.islink(os.path.join(dirpath, dirname)):
                    not_regular.add(rel)
                    add("damaged", rel, "tautan simbolik di muatan; tidak diikuti")
                else:
                    add("unexpected", rel + "/", "sub-folder di muatan")
            for filename in filenames:
                full = os.path.join(dirpath, filename)
                rel = Path(full).relative_to(bag).as_posix()
                try:
                    mode = os.lstat(full).st_mode
                except OSError as exc:
                    not_regular.add(rel)
                    add("damaged", rel, f"tidak dapat dibaca: {exc}")
                    continue
                if stat.S_ISREG(mode):
                    on_disk.add(rel)
                else:
                    not_regular.add(rel)
                    add("damaged", rel, f"bukan berkas biasa ({file_kind(mode)}); tidak dibaca")
    payload = parsed.get(MANIFEST, {})
    for rel in sorted(on_disk - set(payload)):
        add("unexpected", rel, "tidak tercantum di manifest")
    for rel, digest in sorted(payload.items()):
        if rel in not_regular:
            continue
        if rel not in on_disk:
            add("missing", rel, "tercantum di manifest, berkasnya tidak ada")
            continue
        _compare(bag, rel, digest, findings)

    if not any(f.kind == "damaged" for f in findings) and {BAGIT_TXT, MANIFEST} <= set(regular):
        findings += _bagit_cross_check(bag)
    unique: dict[tuple[str, str, str], BagFinding] = {}
    for finding in findings:
        unique.setdefault((finding.kind, finding.path, finding.detail if finding.kind == "damaged" else ""),
                          finding)
    return list(unique.values())


def _compare(bag: Path, rel: str, digest: str, findings: list[BagFinding]) -> None:
    try:
        actual, _ = hash_file(bag / rel)
    except (BagError, OSError) as exc:
        findings.append(BagFinding("damaged", rel, f"tidak dapat dibaca: {exc}"))
        return
    if actual != digest:
        findings.append(BagFinding(
            "changed", rel, f"SHA-256 berubah: tercatat {digest[:12]}…, sekarang {actual[:12]}…"))


def _bagit_cross_check(bag: Path) -> list[BagFinding]:
    """The bag as the ``bagit`` package reads it (bagit.txt, encoding, manifests): called
    only when every tag file is a regular file of sane size, so it cannot hang."""
    import bagit

    try:
        parsed = bagit.Bag(str(bag))
    except (bagit.BagError, OSError, UnicodeDecodeError, ValueError, LookupError) as exc:
        return [BagFinding("damaged", ".", f"bag tidak dapat dibaca: {exc}")]
    if ALGORITHM not in parsed.algorithms:
        return [BagFinding("damaged", MANIFEST, f"tidak ada manifest {ALGORITHM}")]
    return []
