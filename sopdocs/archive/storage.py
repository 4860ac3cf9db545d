"""Case storage: part of :class:`sopdocs.archive.archive.Archive` (see that module's docs)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sopdocs.archive import bag as bagit_layer
from sopdocs.archive.casefile import ITEM_FILE, MAX_ITEM_FILE_BYTES, ArchiveError, CaseFile
from sopdocs.archive.lockfile import InterProcessLock
from sopdocs.docx.extract import DocxTextError, docx_text
from sopdocs.errors import Problem, SopdocsError, ValidationError
from sopdocs.archive.common import (
    _CASE_ID_RE,
    CASES,
    INDEX,
    LOCK,
    MAX_TEXT_CHARS,
    MAX_TEXT_FILE_BYTES,
    QUEUE,
    STAGING_PREFIX,
    _TEXT_SUFFIXES,
    ArchivedNumber,
    check_case_id,
    _reference,
    _staging_case,
)

if TYPE_CHECKING:
    from sopdocs.definitions.profile import AgencyProfile
    from sopdocs.search.index import SearchIndex


class CaseStore:
    """Case files on disk: paths, reading and checking berkas.json, references to items,
    the text of archived files (the base every other part builds on)."""

    def __init__(self, path: Path | str | None = None, *, profile: AgencyProfile | None = None,
                 lock_timeout: float = 120.0, index: bool = True) -> None:
        from sopdocs.locations import archive_dir

        self.root = Path(archive_dir(Path(path) if path is not None else None))
        if self.root.exists() and not self.root.is_dir():
            raise ArchiveError(f"folder arsip {self.root} adalah berkas, bukan folder")
        self.profile = profile
        self.cases_dir = self.root / CASES
        self.index_dir = self.root / INDEX
        self.queue_dir = self.root / QUEUE
        self.use_index = index
        self.warnings: list[Problem] = []
        self._lock = InterProcessLock(self.root / LOCK, timeout=lock_timeout, what=f"arsip {self.root}")
        self._index: SearchIndex | None = None

    def case_path(self, case_id: str) -> Path:
        return self.cases_dir / check_case_id(case_id)

    def _existing_case_dir(self, case_id: str) -> Path:
        path = self.case_path(case_id)
        listing = path / "data" / ITEM_FILE
        if os.path.lexists(listing) and not listing.is_file():
            try:
                bagit_layer.check_regular(listing)
            except SopdocsError as exc:
                raise ArchiveError(f"{exc}; jalankan `sopdocs archive verify {case_id}`") from None
        if not listing.is_file():
            known = ", ".join(self.case_ids()[:10]) or "(belum ada)"
            raise ArchiveError(f"berkas {case_id!r} tidak ada di arsip {self.root} (yang ada: {known})")
        return path

    def case_ids(self) -> list[str]:
        if not self.cases_dir.is_dir():
            return []
        return sorted(p.name for p in self.cases_dir.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and _CASE_ID_RE.match(p.name))

    def _relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def _load(self, case_dir: Path, *, checked: bool = False) -> tuple[CaseFile, bytes]:
        """The case file in ``case_dir``; ``checked`` also compares berkas.json with its
        manifest checksum (writers must not build on a tampered item list)."""
        json_path = case_dir / "data" / ITEM_FILE
        try:
            data = bagit_layer.read_regular(json_path, MAX_ITEM_FILE_BYTES, "MAX_ITEM_FILE_BYTES")
        except SopdocsError as exc:
            raise ArchiveError(str(exc)) from None
        case = CaseFile.from_json(data, case_dir)
        if case.case_id != case_dir.name:
            raise ArchiveError(f"{json_path}: berisi berkas {case.case_id!r}, bukan {case_dir.name!r}")
        if checked:
            import hashlib

            recorded = bagit_layer.read_manifest(case_dir).get(f"data/{ITEM_FILE}")
            if recorded != hashlib.sha256(data).hexdigest():
                raise ArchiveError(
                    f"{json_path}: isinya tidak sama dengan checksum di manifest (diubah di luar sopdocs?); "
                    f"jalankan `sopdocs archive verify {case.case_id}` dan pulihkan dari cadangan"
                )
        return case, data

    def case(self, case_id: str) -> CaseFile:
        return self._load(self._existing_case_dir(case_id))[0]

    def cases(self) -> list[CaseFile]:
        """Every readable case file, by case number; unreadable ones go to warnings."""
        found = []
        for case_id in self.case_ids():
            path = self.cases_dir / case_id
            if not (path / "data" / ITEM_FILE).is_file():
                continue
            try:
                found.append(self._load(path)[0])
            except SopdocsError as exc:
                self.warnings.append(Problem(str(exc), file=str(path)))
        return sorted(found, key=lambda c: (c.case_number, c.case_id))

    def numbered_items(self) -> Iterator[ArchivedNumber]:
        """Every numbered item of every case file, by case id and item, read from each
        case file's item list (the truth): one JSON read per case file, no hashing.
        Items without a number and copies of another item of the same case file
        (``copy_of``) are left out; unreadable case files go to :attr:`warnings`."""
        for case_id in self.case_ids():
            path = self.cases_dir / case_id
            if not (path / "data" / ITEM_FILE).is_file():
                continue
            try:
                case = self._load(path)[0]
            except SopdocsError as exc:
                self.warnings.append(Problem(str(exc), file=str(path)))
                continue
            replaced = {item.revises for item in case.items if item.revises is not None}
            for item in case.items:
                if not item.number or item.copy_of is not None or item.item in replaced:
                    continue  # unnumbered, a copy, or an earlier version of a corrected letter
                yield ArchivedNumber(number=item.number, kind=item.kind, date=item.date, title=item.title,
                                     case_id=case.case_id, item=item.item,
                                     reference=_reference(case.case_id, item.main.name))

    def item_reference(self, case_id: str, item: int) -> str:
        """``berkas/<case>/data/<file>``: where item ``item`` of a case file is, relative
        to the archive folder (see :meth:`resolve_reference`)."""
        case = self.case(case_id)
        return _reference(case.case_id, case.item(item).main.name)

    def resolve_reference(self, ref: str) -> Path | None:
        """The archived file a reference (``berkas/<case>/data/<file>``, as made by
        :meth:`item_reference`) points at; None if no case file holds it (any more).
        A reference that is not of that form (absolute, ``..``, back slashes, other
        folders) raises ValidationError: it never reaches a file elsewhere."""
        parts = ref.split("/") if isinstance(ref, str) else []
        bad = (len(parts) != 4 or parts[0] != CASES or parts[2] != "data" or "\\" in ref or ":" in ref
               or not _CASE_ID_RE.match(parts[1]) or ".." in parts[1] or not bagit_layer.is_payload_name(parts[3]))
        if not bad:
            try:
                check_case_id(parts[1])
            except ValidationError:
                bad = True
        if bad:
            raise ValidationError([Problem(f"rujukan arsip {ref!r} tidak sah (bentuknya berkas/<ID berkas>/data/"
                                           "<nama berkas>)", field="reference")])
        case_dir = self.cases_dir / parts[1]
        if not (case_dir / "data" / ITEM_FILE).is_file():
            return None
        try:
            case = self._load(case_dir)[0]
        except SopdocsError as exc:
            self.warnings.append(Problem(str(exc), file=str(case_dir)))
            return None
        if not any(f.name == parts[3] for item in case.items for f in item.files):
            return None
        path = case_dir / "data" / parts[3]
        try:
            inside = path.resolve().is_relative_to(self.cases_dir.resolve())
        except OSError:
            return None
        try:
            bagit_layer.check_regular(path)
        except SopdocsError:
            return None  # a FIFO, folder or symbolic link where the file should be: verify reports it
        return path if inside else None

    def _recover(self, case_dir: Path) -> None:
        """Finish committed updates of a case and drop abandoned ones (lock held)."""
        bagit_layer.recover_bag(case_dir)
        bagit_layer.discard_abandoned(case_dir)

    def _stale_staging(self, case_id: str | None = None) -> list[Path]:
        if not self.cases_dir.is_dir():
            return []
        found = []
        for path in self.cases_dir.iterdir():
            if path.name.startswith(STAGING_PREFIX):
                if case_id is None or _staging_case(path.name) == case_id:
                    found.append(path)
        return sorted(found)

    def _payload(self, case: CaseFile, name: str) -> Path | None:
        """The path of a payload file named in berkas.json, None if the name is unsafe."""
        if not bagit_layer.is_payload_name(name):
            self.warnings.append(Problem(f"nama berkas tidak aman di daftar item: {name!r}",
                                         file=str(case.path / "data" / ITEM_FILE)))
            return None
        path = case.path / "data" / name
        try:
            bagit_layer.check_regular(path)
        except SopdocsError as exc:
            self.warnings.append(Problem(f"{exc} (jalankan `sopdocs archive verify {case.case_id}`)",
                                         file=str(path), severity="warning"))
            return None
        return path

    def _extract_text(self, path: Path, suffix: str, source: str) -> str:
        try:
            if suffix == ".docx":
                return docx_text(path, max_chars=MAX_TEXT_CHARS)
            if suffix == ".pdf":
                from sopdocs.pdf.postprocess import read_text

                return read_text(path, max_chars=MAX_TEXT_CHARS)
            if suffix in _TEXT_SUFFIXES:
                with bagit_layer.open_regular(path) as fh:
                    text = fh.read(MAX_TEXT_FILE_BYTES).decode("utf-8", errors="replace")
                return text[:MAX_TEXT_CHARS]
        except (DocxTextError, SopdocsError, OSError) as exc:
            self.warnings.append(Problem(f"teks tidak dapat dibaca untuk pencarian: {exc}", file=source,
                                         severity="warning"))
        return ""

    def _writable(self) -> bool:
        return os.access(self.root, os.W_OK)

    def _maybe_locked(self) -> Any:
        """The archive lock, or nothing on a read-only archive (a CD, a read-only share)."""
        from contextlib import nullcontext

        if not self._writable():
            return nullcontext()
        return self._lock.hold()
