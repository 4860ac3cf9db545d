"""Names shared by the parts of :class:`sopdocs.archive.archive.Archive`: the folder
layout, limits, records (new documents, findings, reports) and small helpers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sopdocs.archive.casefile import CaseFile, Item
from sopdocs.docx.extract import Person
from sopdocs.errors import Problem, ValidationError
from sopdocs.fsutil import safe_filename
from sopdocs.indonesian.nip import NipError, normalise_nip

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
