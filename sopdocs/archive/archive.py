"""The archive: case files (berkas) as BagIt bags, PDF copies, fixity and search.

One data-collection activity is one case file: every document of the SOP (SOP sheet,
surat tugas, blank questionnaire and its copy list, photos, recap letter, disposition)
in one BagIt bag. Layout of an archive folder::

    <archive>/berkas/<case-id>/         one bag per case file (see sopdocs.archive.bag)
        bag-info.txt                    archival metadata for people and other tools
        data/berkas.json                the item list (machine-readable, the truth)
        data/001_<number>.docx          items, named after their number
        data/001_<number>.pdf           the PDF copy of item 1
    <archive>/berkas/.staging-<case-id>-<token>/   a case file being created
    <archive>/indeks/                   the search index (rebuilt from the bags)
    <archive>/indeks.antrian/           index updates not confirmed yet (see below)
    <archive>/register.sqlite           the number register (sopdocs.numbering.rules)
    <archive>/.arsip.lock               held by every writer

Crash safety:

* A new case file is written completely into ``.staging-<case-id>-<token>`` and renamed
  into place: it appears whole or not at all. :meth:`Archive.file_case` does this with
  all of a case file's documents and seals it, so a run never leaves half a case file.
* A case file made the older way (open, add, seal) by a run that stopped half-way is
  open and empty, or still carries ``Sopdocs-Sedang-Dibuat: ya``
  (``open_case(pending=True)``): verify reports it as incomplete, cleanup deletes it.
* Adding to a case file is a transaction inside its bag (``sopdocs.archive.bag``): new files
  and new manifests are staged in ``.update-<token>``, a ``COMMIT`` marker makes the
  change count, then files are moved in, manifests last. A crash before ``COMMIT``
  leaves the old bag intact (the leftover is reported by :meth:`Archive.verify`); a
  crash after it is finished by the next writer or verify.
* Writers hold one archive lock (an OS file lock, released if the process dies) only
  while staging and committing; PDF conversion and text extraction happen before, in a
  private temporary folder.
* The index is updated after the commit. Each update is announced by a locked file in
  ``indeks.antrian``; a file whose lock is free belongs to a process that died (or
  failed to index), and the next search re-indexes that case file. ``reindex``
  rebuilds everything from the bags, which are the truth.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sopdocs.archive import bag as bagit_layer
from sopdocs.docx.extract import DocxTextError, Person, docx_text, find_people
from sopdocs.errors import Problem, SopdocsError, ValidationError
from sopdocs.fsutil import safe_filename
from sopdocs.archive.lockfile import InterProcessLock, LockFileError
from sopdocs.indonesian.nip import NipError, normalise_nip
from sopdocs.archive.casefile import (
    ITEM_FILE,
    KIND_LABELS,
    LEVELS,
    MAX_ITEM_FILE_BYTES,
    MAX_ITEM_FILE_DEPTH,
    MEDIA,
    STATUS_CLOSED,
    STATUS_OPEN,
    ArchivedFile,
    ArchiveError,
    CaseFile,
    Item,
    kind_label,
)
from sopdocs.archive.retention import retention_for

if TYPE_CHECKING:
    from sopdocs.definitions.profile import AgencyProfile
    from sopdocs.search.index import IndexedDocument, SearchResults, SortOrder, WhooshIndex

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchivedFile",
    "ArchivedNumber",
    "CaseFile",
    "Finding",
    "Item",
    "MergeResult",
    "NewDocument",
    "Person",
    "VerifyReport",
    "KIND_LABELS",
    "MAX_ITEM_FILE_BYTES",
    "MAX_ITEM_FILE_DEPTH",
    "MAX_TEXT_CHARS",
    "MAX_TEXT_FILE_BYTES",
]

CASES = "berkas"
INDEX = "indeks"
QUEUE = "indeks.antrian"
LOCK = ".arsip.lock"
STAGING_PREFIX = ".staging-"
#: Lock files of the search index: sopdocs.search's ``<index>.lock`` beside the index
#: folder, and Whoosh's writer lock inside it (index name MAIN).
INDEX_LOCK = f"{INDEX}.lock"
_WHOOSH_LOCK = "MAIN_WRITELOCK"
#: Most text taken from one archived file for the search index (docx, PDF, text files).
MAX_TEXT_CHARS = 5_000_000
#: Most bytes read from an archived text file (.txt, .csv) for the search index.
MAX_TEXT_FILE_BYTES = 5_000_000

_CASE_ID_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$")
_KIND_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.-]{0,39}$")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".gif", ".bmp", ".webp", ".heic"}
_TEXT_SUFFIXES = {".txt", ".csv"}
ALLOWED_SUFFIXES = {".docx", ".pdf", ".xlsx", ".odt", ".ods", *_IMAGE_SUFFIXES, *_TEXT_SUFFIXES}
_STEM_LENGTH = 60  # keeps <archive>/berkas/<case>/data/<name> short for Windows paths


@dataclass(frozen=True)
class NewDocument:
    """A document to archive (see :meth:`Archive.add_many`)."""

    file: Path
    kind: str
    date: dt.date
    title: str
    number: str = ""
    people: Sequence[Person | str | tuple[str, str] | Mapping[str, str]] | None = None
    """None: taken from the document text (names next to NIPs); [] for nobody."""
    copy_of: int | str | None = None
    """The item (number, or document number) this is a copy of; makes it ``kopi``."""
    revises: int | str | None = None
    """The item (number, or document number) this corrected version of the same letter
    replaces (a re-render after a typo); the earlier item stays in the case as history."""
    media: str | None = None
    level: str | None = None
    classification: str | None = None
    """Defaults to the case file's classification."""
    pdf_copy: Path | None = None
    """A PDF copy made elsewhere (kept as it is); otherwise ``pdf=True`` makes one."""


@dataclass(frozen=True)
class Finding:
    """One problem found by :meth:`Archive.verify`."""

    case_id: str | None
    kind: Literal["missing", "changed", "unexpected", "incomplete", "damaged"]
    path: str
    """Relative to the archive folder, with ``/``."""
    detail: str

    LABELS = {
        "missing": "HILANG",
        "changed": "BERUBAH",
        "unexpected": "TIDAK DIKENAL",
        "incomplete": "TIDAK LENGKAP",
        "damaged": "RUSAK",
    }

    def __str__(self) -> str:
        return f"{self.LABELS[self.kind]}: {self.path}: {self.detail}"


@dataclass
class VerifyReport:
    findings: list[Finding] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    @property
    def incomplete_cases(self) -> set[str]:
        return {f.case_id for f in self.findings if f.kind == "incomplete" and f.case_id}

    def __str__(self) -> str:
        if self.ok:
            return f"{len(self.cases)} berkas, {self.files} file: semua utuh"
        lines = [str(f) for f in self.findings]
        lines.append(f"{len(self.findings)} masalah di {len({f.case_id for f in self.findings})} berkas")
        return "\n".join(lines)


@dataclass(frozen=True)
class ArchivedNumber:
    """A numbered item in the archive (see :meth:`Archive.numbered_items`)."""

    number: str
    kind: str
    date: dt.date
    title: str
    case_id: str
    item: int
    reference: str
    """``berkas/<case-id>/data/<main file>``, relative to the archive folder."""


@dataclass
class MergeResult:
    path: Path
    bookmarks: list[str]
    skipped: list[str]
    """Items without a PDF form (photos), as "<item>. <title>"."""


@dataclass
class _Prepared:
    doc: NewDocument
    main: Path
    suffix: str
    sha256: str
    pdf: Path | None
    text: str
    people: tuple[Person, ...]
    media: str
    level: str
    classification: str


# --------------------------------------------------------------------------- helpers


def check_case_id(case_id: str) -> str:
    """A case id is used as a folder name as it is: it must be safe on every system."""
    value = case_id if isinstance(case_id, str) else ""
    problem = None
    if not _CASE_ID_RE.match(value):
        problem = ("hanya huruf, angka, titik, garis bawah dan tanda hubung, diawali dan diakhiri "
                   "huruf atau angka, paling panjang 64 karakter")
    elif ".." in value:
        problem = "tidak boleh berisi '..'"
    elif value.split(".")[0].upper() in _WINDOWS_RESERVED:
        problem = "nama ini dicadangkan Windows"
    if problem:
        suggestion = safe_filename(str(case_id), fallback="berkas", max_length=64)
        raise ValidationError([Problem(f"ID berkas {case_id!r} tidak sah: {problem} (mis. {suggestion!r})",
                                       field="case_id")])
    return value


def _person(value: object, where: str) -> Person:
    name, nip = "", ""
    if isinstance(value, Person):
        name, nip = value.name, value.nip
    elif isinstance(value, str):
        name, _, nip = value.partition(";")
    elif isinstance(value, Mapping):
        name = str(value.get("name") or value.get("nama") or "")
        nip = str(value.get("nip") or "")
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        name, nip = str(value[0] or ""), str(value[1] or "")
    else:
        raise ValidationError([Problem(f"orang {value!r}: tulis nama dan NIP", field=where)])
    name = " ".join(name.split())
    if nip.strip():
        try:
            nip = normalise_nip(nip)
        except NipError as exc:
            raise ValidationError([Problem(str(exc), field=where)]) from None
        if len(nip) != 18:
            raise ValidationError([Problem(f"NIP {nip} harus 18 angka, ada {len(nip)}", field=where)])
    else:
        nip = ""
    if not name and not nip:
        raise ValidationError([Problem("orang tanpa nama dan NIP", field=where)])
    return Person(name=name, nip=nip)


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


# --------------------------------------------------------------------------- archive


class Archive:
    """An archive folder (default: ``$SOPDOCS_ARCHIVE`` or ``./archive``).

    ``profile`` supplies the creator (pencipta arsip), the retention schedule and the
    date style; without it those must be given to :meth:`open_case`. Problems that do
    not stop an operation (a text that could not be extracted, an index update that
    must be retried) are collected in :attr:`warnings`.
    """

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
        self._index: WhooshIndex | None = None

    # ------------------------------------------------------------------ paths

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

    # ------------------------------------------------------------------ reading

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

    # ------------------------------------------------------------------ case files

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

    def _new_case_problems(self, case_id: str, classification: str, description: str) -> list[Problem]:
        """What is wrong with the id, classification and description of a new case file."""
        problems: list[Problem] = []
        try:
            check_case_id(case_id)
        except ValidationError as exc:
            problems.extend(exc.problems)
        if not isinstance(classification, str) or not _CODE_RE.match(classification.strip()):
            problems.append(Problem(f"kode klasifikasi {classification!r} tidak sah (mis. 000.5.2)",
                                    field="classification"))
        if not isinstance(description, str) or not description.strip():
            problems.append(Problem("uraian informasi berkas kosong", field="description"))
        return problems

    def _clash(self, case_id: str) -> tuple[str, str] | None:
        """(existing id, message) when a case file of this id exists, in any letter case
        (Windows and macOS see ``ABC`` and ``abc`` as one folder); None when free."""
        existing = {p.casefold(): p for p in self.case_ids()}
        found = existing.get(case_id.casefold())
        if found is None:
            return None
        if found != case_id:
            message = (f"berkas {found!r} sudah ada; ID berkas {case_id!r} hanya berbeda huruf besar/kecil "
                       "(Windows menganggapnya sama)")
        else:
            message = f"berkas {case_id!r} sudah ada di arsip {self.root}"
        try:
            incomplete = self._load(self.cases_dir / found)[0].incomplete
        except SopdocsError:
            incomplete = False
        if incomplete:
            message += (f"; berkas {found} tidak lengkap (proses yang membuatnya terhenti sebelum selesai): "
                        "hapus dengan `sopdocs archive verify --clean` lalu ulangi")
        return found, message

    def check_new_case(self, case_id: str, classification: str, description: str = "x") -> None:
        """Every check :meth:`file_case` makes on a new case file's id and classification,
        without writing anything: a safe id, a valid classification code, a description,
        and no case file of that id yet (in any letter case). Raises ValidationError
        listing every problem, so a run can stop before it takes an official number."""
        problems = self._new_case_problems(case_id, classification, description)
        if not any(p.field == "case_id" for p in problems):
            clash = self._clash(case_id)
            if clash is not None:
                problems.append(Problem(clash[1], field="case_id"))
        if problems:
            raise ValidationError(problems)

    def _draft_case(self, case_id: str, classification: str, description: str, *, creator: str | None,
                    unit: str | None, location: str, folder: str, box: str, pending: bool = False) -> CaseFile:
        """The description of a new case file (checked; not numbered, not written yet)."""
        problems = self._new_case_problems(case_id, classification, description)
        if problems:
            raise ValidationError(problems)
        profile = self.profile
        if creator is None:
            creator = " ".join(profile.instansi) if profile is not None else ""
        if unit is None:
            unit = profile.kode_unit if profile is not None else ""
        retention = retention_for(profile.retensi, classification) if profile is not None else None
        return CaseFile(
            case_id=case_id,
            case_number=0,
            classification=classification.strip(),
            description=" ".join(description.split()),
            creator=" ".join(creator.split()),
            unit=" ".join(unit.split()),
            created="",
            location=location, folder=folder, box=box,
            retention=retention,
            path=self.cases_dir / case_id,
            pending=pending,
        )

    def open_case(
        self,
        case_id: str,
        *,
        classification: str,
        description: str,
        creator: str | None = None,
        unit: str | None = None,
        location: str = "",
        folder: str = "",
        box: str = "",
        exist_ok: bool = False,
        pending: bool = False,
    ) -> CaseFile:
        """Create a case file (an empty bag holding only its item list).

        ``creator`` (pencipta arsip) defaults to the profile's agency, ``unit`` (unit
        pengolah) to the profile's unit code; the retention comes from the profile's
        schedule by ``classification`` (or its nearest parent code). With ``exist_ok``
        an existing case file of that id is returned as it is.

        ``pending``: the caller will add its documents and then :meth:`seal` it; until
        then the case file carries ``Sopdocs-Sedang-Dibuat: ya`` and :meth:`verify`
        reports it as incomplete (:meth:`cleanup` removes it). :meth:`file_case` does
        all of this in one step and is preferred.
        """
        draft = self._draft_case(case_id, classification, description, creator=creator, unit=unit,
                                 location=location, folder=folder, box=box, pending=pending)
        self.cases_dir.mkdir(parents=True, exist_ok=True)
        with self._lock.hold():
            clash = self._clash(case_id)
            if clash is not None:
                found, message = clash
                if found == case_id and exist_ok:
                    return self.case(case_id)
                raise ArchiveError(message)
            case, _, _ = self._write_case(draft, [])
        return case

    def file_case(
        self,
        case_id: str,
        *,
        classification: str,
        description: str,
        documents: Sequence[NewDocument],
        location: str = "",
        pdf: bool = False,
        seal: bool = True,
        closed: dt.date | None = None,
        creator: str | None = None,
        unit: str | None = None,
        folder: str = "",
        box: str = "",
        pdfa: bool = False,
        watermark: str | None = None,
        footer: bool = True,
    ) -> CaseFile:
        """Create a new case file complete with its ``documents`` (and their PDF copies
        with ``pdf``; see :meth:`add_many` for ``pdfa``, ``watermark``, ``footer``),
        sealed unless ``seal=False`` (closed on ``closed``, default today).

        All or nothing: everything is prepared in a private temporary folder, written
        into one ``.staging-*`` folder under the archive lock, checked, and renamed into
        place with one ``os.rename``; then the documents are indexed. Any failure before
        the rename (a bad document, a failed PDF conversion, a full disk, Ctrl+C)
        removes the staging folder and leaves the archive as it was, so the same call
        can simply be repeated. The id and classification are checked first
        (:meth:`check_new_case`), before any work.
        """
        self.check_new_case(case_id, classification, description)
        draft = self._draft_case(case_id, classification, description, creator=creator, unit=unit,
                                 location=location, folder=folder, box=box)
        self._check_documents(documents, draft)
        with tempfile.TemporaryDirectory(prefix="sopdocs-arsip-") as tmp:
            prepared = self._prepare(documents, draft, Path(tmp), pdf=pdf, pdfa=pdfa,
                                     watermark=watermark, footer=footer)
            made_dir = not self.cases_dir.exists()
            self.cases_dir.mkdir(parents=True, exist_ok=True)
            try:
                with self._lock.hold():
                    clash = self._clash(case_id)
                    if clash is not None:
                        raise ValidationError([Problem(clash[1], field="case_id")])
                    case, new, marker = self._write_case(draft, prepared, seal=seal, closed=closed)
            except BaseException:
                if made_dir:
                    try:
                        self.cases_dir.rmdir()
                    except OSError:
                        pass
                raise
        self._index_new(case, new, marker)
        return case

    def _write_case(self, draft: CaseFile, prepared: list[_Prepared], *, seal: bool = False,
                    closed: dt.date | None = None
                    ) -> tuple[CaseFile, list[tuple[Item, str]], tuple[Path, InterProcessLock] | None]:
        """With the archive lock held: number the new case file, write it with its prepared
        documents into one staging folder, check that, rename it into place. Returns the
        case file, its new items with their text, and the index marker (if any)."""
        for stale in self._stale_staging(draft.case_id):
            shutil.rmtree(stale, ignore_errors=True)
        case = replace(draft, case_number=self._next_case_number(), created=_now())
        _, new, add_files, problems = self._build_items(case, [], prepared)
        if problems:
            raise ValidationError(problems)
        case = replace(case, items=tuple(item for item, _ in new))
        if seal:
            case = self._sealed(case, closed=closed)
        staging = self.cases_dir / f"{STAGING_PREFIX}{case.case_id}-{uuid.uuid4().hex[:12]}"
        marker: tuple[Path, InterProcessLock] | None = None
        try:
            payload = bagit_layer.write_new_bag(
                staging, [bagit_layer.PayloadFile(ITEM_FILE, data=case.to_json()), *add_files], case.bag_info())
            self._check_new_bag(staging, case, payload)
            if new and self.use_index:
                marker = self._announce(case.case_id)
            os.rename(staging, case.path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if marker is not None:
                self._retire(marker, done=True)
            raise
        if self.profile is not None and case.retention is None:
            self.warnings.append(Problem(
                f"kode klasifikasi {case.classification} (dan induknya) tidak ada di jadwal retensi profil; "
                "retensi berkas belum diatur", field="retensi", severity="warning"))
        return case, new, marker

    @staticmethod
    def _check_new_bag(staging: Path, case: CaseFile, payload: Mapping[str, tuple[str, int]]) -> None:
        """A staged case file must hold exactly its items as prepared and be a valid bag."""
        expected = {f"data/{f.name}": f.sha256 for item in case.items for f in item.files}
        written = {key: digest for key, (digest, _) in payload.items() if key != f"data/{ITEM_FILE}"}
        if written != expected:
            changed = sorted(k for k in set(written) | set(expected) if written.get(k) != expected.get(k))
            raise ArchiveError(f"{', '.join(changed)}: berkas berubah saat diarsipkan; ulangi")
        findings = bagit_layer.check_bag(staging)
        if findings:
            raise ArchiveError(f"berkas {case.case_id} yang disiapkan tidak utuh: "
                               + "; ".join(f"{f.path}: {f.detail}" for f in findings[:5]))

    def _next_case_number(self) -> int:
        highest = 0
        for case_id in self.case_ids():
            try:
                info = bagit_layer.read_bag_info(self.cases_dir / case_id)
                highest = max(highest, int(info.get("Nomor-Berkas", "0")))
            except (SopdocsError, ValueError):
                continue
        return highest + 1

    def _rewrite_case(self, case_id: str, change: Any) -> CaseFile:
        """Apply ``change(case) -> case`` to a case file's metadata (lock held inside)."""
        case_dir = self._existing_case_dir(case_id)
        with self._lock.hold():
            self._recover(case_dir)
            case, data = self._load(case_dir, checked=True)
            new = change(case)
            new_json = new.to_json()
            work = bagit_layer.stage_update(
                case_dir, add=[], replace=[bagit_layer.PayloadFile(ITEM_FILE, data=new_json)],
                info=new.bag_info(), sizes=case.payload_sizes(len(data)))
            bagit_layer.commit_update(work)
        return new

    def seal(self, case_id: str, *, closed: dt.date | None = None, location: str | None = None,
             folder: str | None = None, box: str | None = None) -> CaseFile:
        """Close a case file (berkas ditutup): no more items; retention counts from
        ``closed`` (default today). The retention is looked up again in the profile, if
        one is given, and the storage location may be recorded."""
        closed = closed or dt.date.today()
        return self._rewrite_case(case_id, lambda case: self._sealed(case, closed=closed, location=location,
                                                                     folder=folder, box=box))

    def _sealed(self, case: CaseFile, *, closed: dt.date | None, location: str | None = None,
                folder: str | None = None, box: str | None = None) -> CaseFile:
        """``case`` closed (see :meth:`seal`); no longer pending."""
        retention = case.retention
        if self.profile is not None:
            retention = retention_for(self.profile.retensi, case.classification) or retention
        return replace(case, status=STATUS_CLOSED, closed=closed or dt.date.today(), retention=retention,
                       pending=False,
                       location=case.location if location is None else location,
                       folder=case.folder if folder is None else folder,
                       box=case.box if box is None else box)

    def reopen(self, case_id: str) -> CaseFile:
        return self._rewrite_case(case_id, lambda c: replace(c, status=STATUS_OPEN, closed=None))

    # ------------------------------------------------------------------ adding

    def add(
        self,
        case_id: str,
        file: Path | str,
        *,
        kind: str,
        date: dt.date,
        title: str,
        number: str = "",
        people: Sequence[Person | str | tuple[str, str] | Mapping[str, str]] | None = None,
        copy_of: int | str | None = None,
        media: str | None = None,
        level: str | None = None,
        classification: str | None = None,
        pdf_copy: Path | str | None = None,
        pdf: bool = False,
        pdfa: bool = False,
        watermark: str | None = None,
        footer: bool = True,
    ) -> Item:
        """Archive one document (a .docx, a PDF, a photo...) into a case file."""
        doc = NewDocument(file=Path(file), kind=kind, date=date, title=title, number=number,
                          people=people, copy_of=copy_of, media=media, level=level,
                          classification=classification,
                          pdf_copy=Path(pdf_copy) if pdf_copy is not None else None)
        return self.add_many(case_id, [doc], pdf=pdf, pdfa=pdfa, watermark=watermark, footer=footer)[0]

    def add_many(
        self,
        case_id: str,
        documents: Sequence[NewDocument],
        *,
        pdf: bool = False,
        pdfa: bool = False,
        watermark: str | None = None,
        footer: bool = True,
    ) -> list[Item]:
        """Archive several documents into one case file in one transaction.

        ``pdf``: make a PDF copy of every .docx in one LibreOffice run (``pdfa``: as
        PDF/A-2b), with number, title, kind, date and classification in its metadata,
        an optional ``watermark`` ("SALINAN", "DRAFT") and, with ``footer``, a footer
        line with the number and the start of the .docx's SHA-256. Archiving the same
        file again into the same case file returns the item already there.
        """
        case_dir = self._existing_case_dir(case_id)
        case = self._load(case_dir)[0]
        if case.status == STATUS_CLOSED:
            raise ArchiveError(_closed_message(case))
        self._check_documents(documents, case)
        with tempfile.TemporaryDirectory(prefix="sopdocs-arsip-") as tmp:
            prepared = self._prepare(documents, case, Path(tmp), pdf=pdf, pdfa=pdfa,
                                     watermark=watermark, footer=footer)
            items, new, case, marker = self._commit_items(case_dir, prepared)
        if new:
            self._index_new(case, new, marker)
        return items

    def _check_documents(self, documents: Sequence[NewDocument], case: CaseFile) -> None:
        problems: list[Problem] = []
        if not documents:
            problems.append(Problem("tidak ada dokumen untuk diarsipkan"))
        for index, doc in enumerate(documents, 1):
            where = str(doc.file)

            def bad(message: str, field: str) -> None:
                problems.append(Problem(message, file=where, field=field))

            path = Path(doc.file)
            exists = path.is_file()
            if not exists:
                bad("berkas tidak ditemukan", "file")
            suffix = path.suffix.lower()
            if exists and (doc.kind == "foto" or doc.media == "foto" or suffix in _IMAGE_SUFFIXES):
                problem = _image_problem(path)
                if problem:
                    bad(f"foto/gambar {path.name} {problem}", "file")
            if suffix not in ALLOWED_SUFFIXES:
                bad(f"jenis berkas {suffix or '(tanpa akhiran)'} tidak diterima; yang diterima: "
                    + ", ".join(sorted(ALLOWED_SUFFIXES)), "file")
            if not isinstance(doc.kind, str) or not _KIND_RE.match(doc.kind):
                bad(f"jenis naskah {doc.kind!r} tidak sah: huruf kecil, angka dan tanda hubung "
                    "(mis. sop, surat-tugas, kuesioner, foto)", "kind")
            if not isinstance(doc.title, str) or not doc.title.strip():
                bad("judul kosong", "title")
            if isinstance(doc.date, dt.datetime) or not isinstance(doc.date, dt.date):
                bad(f"tanggal {doc.date!r} bukan datetime.date", "date")
            if not isinstance(doc.number, str) or len(doc.number) > 120 or "\n" in doc.number:
                bad(f"nomor {doc.number!r} tidak sah (teks satu baris, paling panjang 120)", "number")
            if doc.media is not None and doc.media not in MEDIA:
                bad(f"media {doc.media!r} tidak dikenal; pilih {', '.join(MEDIA)}", "media")
            if doc.level is not None and doc.level not in LEVELS:
                bad(f"tingkat perkembangan {doc.level!r} tidak dikenal; pilih {', '.join(LEVELS)}", "level")
            if doc.classification is not None and not _CODE_RE.match(doc.classification):
                bad(f"kode klasifikasi {doc.classification!r} tidak sah", "classification")
            if doc.pdf_copy is not None:
                if not Path(doc.pdf_copy).is_file():
                    bad(f"salinan PDF {doc.pdf_copy} tidak ditemukan", "pdf_copy")
                elif Path(doc.pdf_copy).suffix.lower() != ".pdf" or suffix == ".pdf":
                    bad("salinan PDF harus berakhiran .pdf dan hanya untuk dokumen yang bukan PDF", "pdf_copy")
                else:
                    problem = _pdf_problem(Path(doc.pdf_copy))
                    if problem:
                        bad(f"salinan PDF {Path(doc.pdf_copy).name} {problem}", "pdf_copy")
            if doc.people is not None:
                for n, person in enumerate(doc.people, 1):
                    try:
                        _person(person, f"people[{n}]")
                    except ValidationError as exc:
                        problems.extend(replace(p, file=where) for p in exc.problems)
        if problems:
            raise ValidationError(problems)

    def _prepare(self, documents: Sequence[NewDocument], case: CaseFile, tmp: Path, *, pdf: bool,
                 pdfa: bool, watermark: str | None, footer: bool) -> list[_Prepared]:
        """Copy inputs into ``tmp``, read their text and people, make the PDF copies."""
        prepared: list[_Prepared] = []
        to_convert: list[tuple[int, Path]] = []
        for index, doc in enumerate(documents, 1):
            suffix = Path(doc.file).suffix.lower()
            main = tmp / f"p{index:03d}{suffix}"
            sha, _ = bagit_layer.copy_hashed(Path(doc.file), main)
            text = self._extract_text(main, suffix, str(doc.file))
            if doc.people is not None:
                people = tuple(_person(p, f"people[{n}]") for n, p in enumerate(doc.people, 1))
            else:
                people = tuple(find_people(text)) if text else ()
            media = doc.media or ("foto" if suffix in _IMAGE_SUFFIXES else "elektronik")
            level = doc.level or ("kopi" if doc.copy_of is not None else "asli")
            pdf_path = None
            if doc.pdf_copy is not None:
                pdf_path = tmp / f"p{index:03d}-copy.pdf"
                shutil.copyfile(doc.pdf_copy, pdf_path)
            elif pdf and suffix == ".docx":
                to_convert.append((index - 1, main))
            prepared.append(_Prepared(doc=doc, main=main, suffix=suffix, sha256=sha, pdf=pdf_path, text=text,
                                      people=people, media=media, level=level,
                                      classification=doc.classification or case.classification))
        if to_convert:
            from sopdocs.pdf.convert import convert_many
            from sopdocs.pdf.postprocess import set_metadata, stamp

            out_dir = tmp / "pdf"
            pdfs = convert_many([p for _, p in to_convert], out_dir, pdfa=pdfa)
            for (position, _), made in zip(to_convert, pdfs):
                prep = prepared[position]
                doc = prep.doc
                set_metadata(made, number=doc.number or None, title=doc.title.strip(),
                             kind=kind_label(doc.kind), date=doc.date,
                             classification=prep.classification, author=case.creator or None)
                line = None
                if footer:
                    line = (f"Nomor {doc.number} | " if doc.number else "") + f"SHA-256 docx {prep.sha256[:16]}"
                if watermark or line:
                    stamp(made, watermark=watermark or None, footer=line)
                prep.pdf = made
        return prepared

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

    def _commit_items(self, case_dir: Path, prepared: list[_Prepared]
                      ) -> tuple[list[Item], list[tuple[Item, str]], CaseFile, Any]:
        """Under the archive lock: number the items, stage and commit the update."""
        with self._lock.hold():
            self._recover(case_dir)
            case, data = self._load(case_dir, checked=True)
            if case.status == STATUS_CLOSED:
                raise ArchiveError(_closed_message(case))
            result, new, add_files, problems = self._build_items(case, case.items, prepared)
            if problems:
                raise ValidationError(problems)
            if not new:
                return result, [], case, None
            updated = replace(case, items=(*case.items, *(item for item, _ in new)))
            work = bagit_layer.stage_update(
                case_dir, add=add_files,
                replace=[bagit_layer.PayloadFile(ITEM_FILE, data=updated.to_json())],
                info=updated.bag_info(), sizes=case.payload_sizes(len(data)))
            self._check_staged(work, new)
            marker = self._announce(case.case_id) if self.use_index else None
            try:
                bagit_layer.commit_update(work)
            except BaseException:
                if marker is not None:
                    marker[1].release()
                raise
        return result, new, updated, marker

    def _build_items(self, case: CaseFile, items: Sequence[Item], prepared: list[_Prepared]
                     ) -> tuple[list[Item], list[tuple[Item, str]], list[bagit_layer.PayloadFile], list[Problem]]:
        """Number the prepared documents after ``items`` (the case file's items so far).

        Returns the item of every document (an identical file archived already gives
        the item that is there), the new items with their text, the payload files to
        write, and the problems (a number clash, an unknown ``copy_of``)."""
        known = list(items)
        by_sha = {i.main.sha256: i for i in known}
        result: list[Item] = []
        new: list[tuple[Item, str]] = []
        add_files: list[bagit_layer.PayloadFile] = []
        next_item = max((i.item for i in known), default=0) + 1
        problems: list[Problem] = []
        for prep in prepared:
            doc = prep.doc
            same = by_sha.get(prep.sha256)
            if same is not None:
                result.append(same)  # archived already (e.g. a retry after a crash)
                continue
            number = doc.number.strip()
            revises = None
            if doc.revises is not None:
                earlier = _find_item(known, doc.revises)
                if earlier is None or earlier.number != number or earlier.kind != doc.kind:
                    problems.append(Problem(f"revises {doc.revises!r}: tidak ada item {doc.kind} bernomor "
                                            f"{number} di berkas {case.case_id}", file=str(doc.file),
                                            field="revises"))
                    continue
                revises = max((i.item for i in known if i.number == number and i.kind == doc.kind))
            elif number and doc.copy_of is None:
                clash = next((i for i in known if i.number == number and i.kind == doc.kind), None)
                if clash is not None:
                    problems.append(Problem(
                        f"nomor {number} ({doc.kind}) sudah ada di berkas {case.case_id} sebagai item "
                        f"{clash.item} dengan isi lain; untuk salinan beri copy_of", file=str(doc.file),
                        field="number"))
                    continue
            copy_of = None
            if doc.copy_of is not None:
                target = _find_item(known, doc.copy_of)
                if target is None:
                    problems.append(Problem(f"copy_of {doc.copy_of!r}: item itu tidak ada di berkas "
                                            f"{case.case_id}", file=str(doc.file), field="copy_of"))
                    continue
                copy_of = target.item
            stem = f"{next_item:03d}_" + safe_filename(number or doc.title, fallback=doc.kind,
                                                      max_length=_STEM_LENGTH)
            files = [ArchivedFile(name=stem + prep.suffix, role="asli", sha256=prep.sha256,
                                  size=prep.main.stat().st_size)]
            add_files.append(bagit_layer.PayloadFile(files[0].name, source=prep.main))
            if prep.pdf is not None:
                pdf_sha, pdf_size = bagit_layer.hash_file(prep.pdf)
                files.append(ArchivedFile(name=stem + ".pdf", role="salinan-pdf", sha256=pdf_sha, size=pdf_size))
                add_files.append(bagit_layer.PayloadFile(files[1].name, source=prep.pdf))
            item = Item(item=next_item, number=number, date=doc.date, kind=doc.kind,
                        title=" ".join(doc.title.split()), level=prep.level, media=prep.media,
                        classification=prep.classification, files=tuple(files), people=prep.people,
                        copy_of=copy_of, revises=revises, source=Path(doc.file).name[:200], added=_now())
            known.append(item)
            by_sha[prep.sha256] = item
            result.append(item)
            new.append((item, prep.text))
            next_item += 1
        return result, new, add_files, problems

    @staticmethod
    def _check_staged(work: Path, new: list[tuple[Item, str]]) -> None:
        """The staged copies must hash as prepared (paranoia: catches a changed source)."""
        for item, _ in new:
            for archived in item.files:
                digest, _ = bagit_layer.hash_file(work / "data" / archived.name)
                if digest != archived.sha256:
                    shutil.rmtree(work, ignore_errors=True)
                    raise ArchiveError(f"{archived.name}: berkas berubah saat diarsipkan; ulangi")

    # ------------------------------------------------------------------ index

    def _announce(self, case_id: str) -> tuple[Path, InterProcessLock]:
        """A locked marker saying "case_id is being indexed" (see the module docstring)."""
        self.queue_dir.mkdir(parents=True, exist_ok=True)
        path = self.queue_dir / f"{case_id}.{uuid.uuid4().hex[:12]}.tertunda"
        lock = InterProcessLock(path, timeout=0)
        lock.acquire(timeout=0)
        return path, lock

    @staticmethod
    def _retire(marker: tuple[Path, InterProcessLock], *, done: bool) -> None:
        path, lock = marker
        lock.release()
        if done:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass

    def index(self) -> WhooshIndex:
        """The search index (:class:`sopdocs.search.index.WhooshIndex`), opened on first use;
        a damaged index is rebuilt from the bags."""
        if self._index is None:
            from sopdocs.search.index import WhooshIndex

            self._check_index_paths()
            existed = self.index_dir.is_dir() and any(self.index_dir.iterdir())
            idx = WhooshIndex(self.index_dir)
            health = idx.check()
            if not health.ok:
                self.warnings.append(Problem(f"{health}; dibangun ulang dari berkas arsip", severity="warning"))
                idx.rebuild(self._documents())
            elif not existed and any(c.items for c in self.cases()):
                # The index folder was deleted (or never built) while documents exist.
                idx.rebuild(self._documents())
            self._index = idx
        return self._index

    def _index_new(self, case: CaseFile, new: list[tuple[Item, str]],
                   marker: tuple[Path, InterProcessLock] | None) -> None:
        if not self.use_index:
            return
        try:
            self._with_index(lambda idx: idx.add(self._document(case, item, text) for item, text in new))
        except SopdocsError as exc:
            self.warnings.append(Problem(
                f"dokumen sudah diarsipkan, tetapi indeks pencarian belum diperbarui ({exc}); "
                "akan diulang otomatis, atau jalankan `sopdocs archive reindex`", severity="warning"))
            if marker is not None:
                self._retire(marker, done=False)
            return
        if marker is not None:
            self._retire(marker, done=True)

    def _check_index_paths(self) -> None:
        """ArchiveError naming the path when the index folder is not a folder or one of
        its lock files is not a file (the search engine would fail with a traceback)."""
        import stat

        def kind(path: Path) -> int | None:
            try:
                return os.lstat(path).st_mode
            except OSError:
                return None

        mode = kind(self.index_dir)
        if mode is not None and not stat.S_ISDIR(mode):
            raise ArchiveError(f"indeks pencarian {self.index_dir} bukan folder; pindahkan atau hapus "
                               "berkas itu, lalu jalankan `sopdocs archive reindex`")
        for lock in (self.root / INDEX_LOCK, self.index_dir / _WHOOSH_LOCK):
            mode = kind(lock)
            if mode is not None and not stat.S_ISREG(mode):
                raise ArchiveError(f"berkas kunci indeks pencarian {lock} bukan berkas biasa (mungkin folder); "
                                   "pindahkan atau hapus (setelah memastikan tidak ada proses sopdocs yang "
                                   "berjalan), lalu ulangi")

    def _with_index(self, action: Any) -> Any:
        from sopdocs.search.index import IndexNeedsRebuildError

        idx = self.index()
        try:
            return action(idx)
        except IndexNeedsRebuildError as exc:
            self.warnings.append(Problem(f"{exc}; dibangun ulang dari berkas arsip", severity="warning"))
            idx.rebuild(self._documents())
            return action(idx)

    def catch_up(self) -> list[str]:
        """Re-index case files whose index update was announced but never confirmed
        (the process died or indexing failed). Returns their ids."""
        if not self.use_index:
            return []
        claimed = self._claim_stale_markers()
        done: list[str] = []
        try:
            for path, _ in claimed:
                case_id = path.name.rsplit(".", 2)[0]
                case_dir = self.cases_dir / case_id
                if case_id in done or not _CASE_ID_RE.match(case_id):
                    continue
                if (case_dir / "data" / ITEM_FILE).is_file():
                    case = self._load(case_dir)[0]
                    self._with_index(lambda idx: idx.add(self._documents([case])))
                done.append(case_id)
        except BaseException:
            for marker in claimed:
                self._retire(marker, done=False)
            raise
        for marker in claimed:
            self._retire(marker, done=True)
        return done

    def _claim_stale_markers(self) -> list[tuple[Path, InterProcessLock]]:
        """Lock the markers nobody holds. Done under the archive lock, so a marker that a
        writer has created but not yet locked is never mistaken for a stale one."""
        try:
            markers = sorted(self.queue_dir.glob("*.tertunda")) if self.queue_dir.is_dir() else []
        except OSError:
            return []
        if not markers:
            return []
        try:
            if not self._lock.try_acquire():
                return []  # a writer is at work; catch up next time
        except OSError:
            return []  # read-only archive
        claimed = []
        try:
            for path in markers:
                lock = InterProcessLock(path, timeout=0)
                try:
                    if lock.try_acquire():
                        claimed.append((path, lock))
                except (OSError, LockFileError):
                    continue
        finally:
            self._lock.release()
        return claimed

    def _document(self, case: CaseFile, item: Item, text: str | None = None) -> IndexedDocument:
        from sopdocs.search.index import IndexedDocument

        main = item.main
        if text is None:
            path = self._payload(case, main.name)
            text = self._extract_text(path, path.suffix.lower(), self._relative(path)) if path else ""
        people = [p.name for p in item.people if p.name] + [p.nip for p in item.people if p.nip]
        return IndexedDocument(
            doc_id=item.doc_id(case.case_id), number=item.number, kind=item.kind,
            classification=item.classification, case_id=case.case_id, title=item.title, date=item.date,
            people=people, text=text, path=_reference(case.case_id, main.name),
        )

    def _documents(self, cases: Iterable[CaseFile] | None = None) -> Iterator[IndexedDocument]:
        for case in cases if cases is not None else self.cases():
            for item in case.items:
                yield self._document(case, item)

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

    def reindex(self) -> int:
        """Rebuild the search index from the bags (they are the truth). Returns the
        number of documents indexed."""
        from sopdocs.search.index import WhooshIndex

        if self._index is None:
            self._check_index_paths()
        idx = self._index or WhooshIndex(self.index_dir)
        count = idx.rebuild(self._documents())
        self._index = idx
        for marker in self._claim_stale_markers():
            self._retire(marker, done=True)
        return count

    def search(self, query: str, *, kind: str | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, limit: int = 20, sort: SortOrder = "relevance") -> SearchResults:
        """Search the archived documents (:meth:`sopdocs.search.index.WhooshIndex.search`)."""
        self.catch_up()
        return self._with_index(lambda idx: idx.search(query, kind=kind, date_from=date_from,
                                                       date_to=date_to, limit=limit, sort=sort))

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ fixity

    def verify(self, case_id: str | None = None) -> VerifyReport:
        """Check the fixity of one case file or all: files missing, changed or not
        listed, leftovers of interrupted writes, and an item list that does not match
        the manifest."""
        report = VerifyReport()
        if case_id is not None:
            check_case_id(case_id)
            stale = self._stale_staging(case_id)
            exists = (self.case_path(case_id)).is_dir()
            if not exists and not stale:
                self._existing_case_dir(case_id)  # raises: unknown case file
            case_dirs = [self.case_path(case_id)] if exists else []
        else:
            stale = self._stale_staging()
            case_dirs = [self.cases_dir / c for c in self.case_ids()]
        for path in stale:
            owner = _staging_case(path.name)
            report.findings.append(Finding(owner, "incomplete", self._relative(path),
                                           f"pembuatan berkas {owner} terhenti sebelum selesai; berkas itu "
                                           "belum ada di arsip (hapus dengan `sopdocs archive verify --clean`)"))
        if case_id is None and self.cases_dir.is_dir():
            known = {p.name for p in case_dirs}
            for entry in sorted(self.cases_dir.iterdir()):
                if entry.name in known or entry.name.startswith(STAGING_PREFIX):
                    continue
                report.findings.append(Finding(None, "unexpected", self._relative(entry),
                                               "bukan berkas arsip sopdocs"))
        for case_dir in case_dirs:
            report.cases.append(case_dir.name)
            with self._maybe_locked():
                if self._writable():
                    try:
                        bagit_layer.recover_bag(case_dir)
                    except SopdocsError:
                        pass  # a committed update that cannot be finished: check_bag reports it
                self._verify_case(case_dir, report)
        return report

    def _verify_case(self, case_dir: Path, report: VerifyReport) -> None:
        case_id = case_dir.name
        rel = self._relative(case_dir)
        for finding in bagit_layer.check_bag(case_dir):
            detail = finding.detail
            if finding.kind == "incomplete":
                detail += " (dihapus atau diselesaikan oleh penulisan berikutnya, atau `--clean`)"
            report.findings.append(Finding(case_id, finding.kind, f"{rel}/{finding.path}", detail))
        try:
            manifest = bagit_layer.read_manifest(case_dir)
        except SopdocsError:
            return
        report.files += len(manifest)
        try:
            case, _ = self._load(case_dir)
        except SopdocsError as exc:
            report.findings.append(Finding(case_id, "damaged", f"{rel}/data/{ITEM_FILE}", str(exc)))
            return
        if case.incomplete:
            report.findings.append(Finding(case_id, "incomplete", rel, _incomplete_detail(case)))
        listed = {f"data/{ITEM_FILE}"}
        for item in case.items:
            for archived in item.files:
                key = f"data/{archived.name}"
                listed.add(key)
                if not bagit_layer.is_payload_name(archived.name):
                    report.findings.append(Finding(case_id, "damaged", f"{rel}/data/{ITEM_FILE}",
                                                   f"item {item.item}: nama berkas tidak aman {archived.name!r}"))
                elif key not in manifest:
                    report.findings.append(Finding(case_id, "damaged", f"{rel}/{key}",
                                                   f"item {item.item}: tidak tercantum di manifest"))
                elif manifest[key] != archived.sha256:
                    report.findings.append(Finding(case_id, "damaged", f"{rel}/{key}",
                                                   f"item {item.item}: checksum di {ITEM_FILE} berbeda dengan manifest"))
        for key in sorted(set(manifest) - listed):
            report.findings.append(Finding(case_id, "unexpected", f"{rel}/{key}",
                                           f"tercantum di manifest tetapi bukan item di {ITEM_FILE}"))

    def _writable(self) -> bool:
        return os.access(self.root, os.W_OK)

    def _maybe_locked(self) -> Any:
        """The archive lock, or nothing on a read-only archive (a CD, a read-only share)."""
        from contextlib import nullcontext

        if not self._writable():
            return nullcontext()
        return self._lock.hold()

    def cleanup(self) -> list[Path]:
        """Delete what interrupted writes left behind, after finishing committed updates:
        staging folders, abandoned updates, and case files whose creating run stopped
        before it finished (open and empty, or still marked pending; see
        :attr:`CaseFile.incomplete`). Done under the archive lock, so nothing another
        process is writing is touched. Returns the deleted folders."""
        removed: list[Path] = []
        if not self.cases_dir.is_dir():
            return removed
        dropped: list[str] = []
        with self._lock.hold():
            for stale in self._stale_staging():
                shutil.rmtree(stale, ignore_errors=True)
                removed.append(stale)
            for case_id in self.case_ids():
                case_dir = self.cases_dir / case_id
                try:
                    bagit_layer.recover_bag(case_dir)
                except SopdocsError as exc:
                    self.warnings.append(Problem(f"berkas {case_id} tidak dibersihkan: {exc}", file=str(case_dir),
                                                 severity="warning"))
                    continue
                removed += bagit_layer.discard_abandoned(case_dir)
                case = self._removable(case_dir)
                if case is not None and self._remove_case(case_dir):
                    removed.append(case_dir)
                    dropped += [item.doc_id(case.case_id) for item in case.items]
        if dropped and self.use_index:
            try:
                self._with_index(lambda idx: [idx.delete(doc_id) for doc_id in dropped])
            except SopdocsError as exc:
                self.warnings.append(Problem(
                    f"indeks pencarian masih memuat dokumen berkas yang dihapus ({exc}); "
                    "jalankan `sopdocs archive reindex`", severity="warning"))
        return removed

    def _removable(self, case_dir: Path) -> CaseFile | None:
        """The case file in ``case_dir`` if it is incomplete and holds nothing but what
        sopdocs wrote (its manifest matches its files): only then may cleanup delete it."""
        try:
            case, _ = self._load(case_dir, checked=True)
        except SopdocsError:
            return None  # damaged: for a person to look at, never deleted automatically
        if not case.incomplete:
            return None
        try:
            manifest = bagit_layer.read_manifest(case_dir)
            on_disk = {p.relative_to(case_dir).as_posix() for p in case_dir.rglob("*") if not p.is_dir()}
        except (SopdocsError, OSError):
            return None
        tags = {bagit_layer.BAGIT_TXT, bagit_layer.BAG_INFO, bagit_layer.MANIFEST, bagit_layer.TAGMANIFEST}
        if on_disk - tags != set(manifest):
            self.warnings.append(Problem(
                f"berkas {case.case_id} tidak lengkap tetapi berisi berkas lain di luar manifest; "
                "tidak dihapus otomatis, periksa dengan `sopdocs archive verify`", file=str(case_dir),
                severity="warning"))
            return None
        return case

    def _remove_case(self, case_dir: Path) -> bool:
        """Delete a case folder (lock held): renamed to a staging name first, so a crash
        half-way leaves a leftover that verify reports and cleanup deletes."""
        trash = self.cases_dir / f"{STAGING_PREFIX}{case_dir.name}-{uuid.uuid4().hex[:12]}"
        try:
            os.rename(case_dir, trash)
        except OSError as exc:
            self.warnings.append(Problem(f"berkas {case_dir.name} tidak dapat dihapus: {exc}",
                                         file=str(case_dir), severity="warning"))
            return False
        shutil.rmtree(trash, ignore_errors=True)
        return True

    # ------------------------------------------------------------------ outputs

    def _check_output(self, out: Path, kind: str) -> None:
        """Outputs (lists, merged PDFs) never go into a case file (that would be an
        unexpected file in its bag), nor anywhere in an archive folder or a bag, nor over
        a folder or a file of another kind (:func:`sopdocs.outputs.check_output`; a file
        of the same kind is replaced, as callers of the API expect)."""
        from sopdocs.outputs import check_output

        try:
            out.resolve().relative_to(self.cases_dir.resolve())
        except ValueError:
            check_output(out, archive=self.root, kind=kind, overwrite=True)
            return
        raise ArchiveError(f"{out}: jangan menulis hasil ke dalam folder {self.cases_dir}; pilih tempat lain")

    def export(self, *, csv: Path | None = None, docx: Path | None = None,
               case_ids: Sequence[str] | None = None, delimiter: str = ",",
               title: str = "DAFTAR ARSIP AKTIF", templates: Any = None) -> list[Path]:
        """Write the daftar arsip as CSV (one row per item) and/or a Word document."""
        from sopdocs.kinds import daftararsip

        for target, kind in ((csv, "csv"), (docx, "docx")):
            if target is not None:
                self._check_output(Path(target), kind)
        cases = self.cases() if case_ids is None else [self.case(c) for c in case_ids]
        written = []
        if csv is not None:
            written.append(daftararsip.write_csv(cases, Path(csv), delimiter=delimiter))
        if docx is not None:
            written.append(daftararsip.write_docx(cases, Path(docx), profile=self.profile, title=title,
                                                  templates=templates))
        return written

    def merge(self, case_id: str, out: Path | None = None, *, timeout: float = 180) -> MergeResult:
        """One PDF of the whole case file with a bookmark per document, in item order.

        Items without a PDF copy are converted on the fly (nothing is added to the bag);
        photos and other files without a PDF form are listed in ``skipped``.
        """
        from sopdocs.pdf.convert import convert_many
        from sopdocs.pdf.postprocess import merge as merge_pdfs

        case = self.case(case_id)
        out = Path(out) if out is not None else Path.cwd() / f"{case.case_id}.pdf"
        self._check_output(out, "pdf")
        parts: list[tuple[str, Path]] = []
        skipped: list[str] = []
        with tempfile.TemporaryDirectory(prefix="sopdocs-gabung-") as tmp:
            convert: list[tuple[int, Path]] = []
            for item in case.items:
                title = f"{item.item}. {item.label}" + (f" {item.number}" if item.number else "") + f": {item.title}"
                source = item.pdf
                if source is not None:
                    path = self._payload(case, source.name)
                    if path is None:
                        skipped.append(f"{item.item}. {item.title}")
                        continue
                    parts.append((title, path))
                elif item.docx is not None:
                    path = self._payload(case, item.docx.name)
                    if path is None:
                        skipped.append(f"{item.item}. {item.title}")
                        continue
                    copy = Path(tmp) / path.name
                    shutil.copyfile(path, copy)
                    convert.append((len(parts), copy))
                    parts.append((title, copy))
                else:
                    skipped.append(f"{item.item}. {item.title}")
            if convert:
                made = convert_many([p for _, p in convert], Path(tmp) / "pdf", timeout=timeout)
                for (position, _), pdf_path in zip(convert, made):
                    parts[position] = (parts[position][0], pdf_path)
            if not parts:
                raise ArchiveError(f"berkas {case_id}: tidak ada dokumen yang dapat digabung ke PDF")
            merge_pdfs(parts, out)
        return MergeResult(path=out, bookmarks=[t for t, _ in parts], skipped=skipped)


def _pdf_problem(path: Path) -> str:
    """Why ``path`` is not a PDF that pypdf can open ("" when it is one)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(5)
    except OSError as exc:
        return f"tidak dapat dibaca ({exc})"
    if head != b"%PDF-":
        return "bukan PDF: tidak diawali %PDF-" + (" (berkas kosong)" if not head else "")
    try:
        from pypdf import PdfReader

        pages = len(PdfReader(str(path)).pages)
    except Exception as exc:  # pypdf raises many kinds of errors on a damaged file
        return f"rusak: pypdf tidak dapat membukanya ({type(exc).__name__}: {str(exc)[:200]})"
    return "" if pages else "tidak berisi halaman"


def _image_problem(path: Path) -> str:
    """Why ``path`` is not an image Pillow can read and verify ("" when it is one)."""
    from PIL import Image

    try:
        with Image.open(path) as picture:
            picture.verify()
    except Exception as exc:  # Pillow raises OSError, SyntaxError, struct.error... on damaged files
        return f"bukan gambar yang dapat dibaca ({type(exc).__name__}: {str(exc)[:200]})"
    return ""


def _closed_message(case: CaseFile) -> str:
    return (f"berkas {case.case_id} sudah ditutup ({case.closed}): tidak dapat ditambah item. Buka kembali "
            f"dengan `sopdocs archive reopen {case.case_id}` (API: Archive.reopen), tambahkan, lalu tutup lagi "
            f"dengan `sopdocs archive close {case.case_id}`; atau arsipkan dokumen ini di berkas baru")


def _incomplete_detail(case: CaseFile) -> str:
    if case.items:
        state = f"masih bertanda sedang dibuat: {len(case.items)} item, belum ditutup"
    else:
        state = "terbuka tanpa item"
    return (f"berkas {state}; proses yang membuatnya terhenti sebelum selesai (hapus dengan "
            "`sopdocs archive verify --clean`, lalu ulangi prosesnya)")


def _staging_case(name: str) -> str:
    """``.staging-<case-id>-<token>`` -> ``<case-id>``."""
    core = name[len(STAGING_PREFIX):]
    return core.rsplit("-", 1)[0] if "-" in core else core


def _reference(case_id: str, name: str) -> str:
    return f"{CASES}/{case_id}/data/{name}"


def _find_item(items: Sequence[Item], ref: int | str) -> Item | None:
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        number = int(ref)
        match = next((i for i in items if i.item == number), None)
        if match is not None or isinstance(ref, int):
            return match
    return next((i for i in items if i.number and i.number == str(ref).strip()), None)
