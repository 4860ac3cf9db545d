"""Where results may be written, and what written or printed text may contain.

Three guards for everything sopdocs writes outside its archive:

* :func:`check_output` — an output path (``-o``, ``--csv``, ``--docx``) never lands in an
  archive folder (the register, a case file's bag, the search index), is never an existing
  folder, and never replaces an existing file of another kind (a ``.csv`` path holding an
  SQLite database is not a CSV). An existing file of the same kind is replaced only when
  asked (``overwrite``: the CLI's ``--timpa``).
* :func:`spreadsheet_cell` — CSV cells that a spreadsheet would run as a formula
  (``=``, ``+``, ``-``, ``@``, TAB, CR first; OWASP "CSV injection") get a leading ``'``.
* :func:`printable` — stored text printed to a terminal loses its escape sequences and
  control characters (a title with ``ESC [2J`` must not clear the screen).

A base module: it imports only :mod:`sopdocs.errors` and :mod:`sopdocs.locations`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from sopdocs.errors import SopdocsError
from sopdocs.locations import archive_dir

# --------------------------------------------------------------------------- archive layout
# The names an archive folder is recognised by (see sopdocs.archive.archive and
# sopdocs.numbering.rules; repeated here because this module sits below them).

#: The number register inside an archive folder.
REGISTER_FILE = "register.sqlite"
#: The folder of case files (one BagIt bag each) inside an archive folder.
CASES_DIR = "berkas"
#: The file every BagIt bag has at its top.
BAG_DECLARATION = "bagit.txt"
#: Beside ``berkas/``, any of these makes a folder an archive folder.
ARCHIVE_MARKERS = (REGISTER_FILE, BAG_DECLARATION, "indeks", ".arsip.lock")

# --------------------------------------------------------------------------- file kinds

#: How many bytes of an existing file are read to tell its kind.
SNIFF_BYTES = 4096
#: The first bytes of an SQLite database (the register).
SQLITE_MAGIC = b"SQLite format 3\x00"
#: The first bytes of a ZIP package (.docx, .xlsx); the second is an empty ZIP.
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
#: A PDF starts with this (some writers put a few bytes before it: see SNIFF_BYTES).
PDF_MAGIC = b"%PDF-"
#: Binary headers a text output (CSV, JSON, table) never replaces.
BINARY_MAGICS = (SQLITE_MAGIC, *ZIP_MAGICS, PDF_MAGIC)


def _is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGICS)


def _is_pdf(head: bytes) -> bool:
    return PDF_MAGIC in head


def _is_text(head: bytes) -> bool:
    return b"\x00" not in head and not any(head.startswith(magic) for magic in BINARY_MAGICS)


#: Output kinds: the suffixes a path of that kind may have ("" = no suffix) and the check
#: an existing file's first bytes must pass to count as the same kind.
KINDS: dict[str, tuple[tuple[str, ...], Callable[[bytes], bool], str]] = {
    "docx": ((".docx",), _is_zip, "dokumen Word (.docx)"),
    "xlsx": ((".xlsx",), _is_zip, "lembar kerja Excel (.xlsx)"),
    "pdf": ((".pdf",), _is_pdf, "PDF"),
    "csv": ((".csv", ".txt"), _is_text, "CSV"),
    "json": ((".json", ".txt"), _is_text, "JSON"),
    "txt": ((".txt", ".text", ".lst", ""), _is_text, "teks"),
    "yaml": ((".yaml", ".yml"), _is_text, "berkas definisi YAML"),
}


class OutputError(SopdocsError):
    """An output path that would destroy a record or another file."""


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _resolved(path: Path) -> Path:
    try:
        return Path(path).expanduser().resolve(strict=False)
    except (OSError, RuntimeError):  # a symlink loop: judge the path as written
        return Path(path).absolute()


def _archive_root(folder: Path) -> bool:
    """Is ``folder`` an archive folder (``berkas/`` beside a register, bag or index)?"""
    try:
        if not (folder / CASES_DIR).is_dir():
            return False
        return any((folder / marker).exists() for marker in ARCHIVE_MARKERS)
    except OSError:
        return False


def _is_bag(folder: Path) -> bool:
    try:
        return (folder / BAG_DECLARATION).is_file()
    except OSError:
        return False


def _check_place(given: Path, target: Path, archives: Iterable[Path]) -> None:
    """Refuse a target inside an archive folder (configured or recognised) or a bag."""
    for root in archives:
        if target == root / REGISTER_FILE or target.name.startswith(REGISTER_FILE) and target.parent == root:
            raise OutputError(f"{given}: tidak ditulis: itu register nomor arsip {root}; pilih nama lain")
        if _within(target, root):
            raise OutputError(f"{given}: tidak ditulis: berada di dalam folder arsip {root} (register, berkas "
                              "dan indeks arsip tidak boleh tertimpa); pilih tempat di luar folder arsip")
    for folder in (target, *target.parents):
        if _is_bag(folder):
            raise OutputError(f"{given}: tidak ditulis: berada di dalam berkas arsip (bag BagIt) {folder}; "
                              "pilih tempat di luar folder arsip")
        if _archive_root(folder):
            raise OutputError(f"{given}: tidak ditulis: berada di dalam folder arsip {folder}; "
                              "pilih tempat di luar folder arsip")


def archive_roots(archive: Path | str | None) -> list[Path]:
    """The resolved archive folder a command uses (``--archive``, ``$SOPDOCS_ARCHIVE``, ``./archive``)."""
    return [_resolved(archive_dir(archive))]


def check_output(path: Path | str, *, archive: Path | str | None, kind: str, overwrite: bool = False,
                 also: Iterable[Path | str] = ()) -> Path:
    """Refuse (:class:`OutputError`) an output ``path`` that would destroy a record or a file.

    ``path`` is resolved (links followed) and refused when it is inside the archive folder
    (``archive_dir(archive)``, plus the folders in ``also``) or inside any other folder
    recognised as an archive (``berkas/`` beside ``register.sqlite``, ``bagit.txt``,
    ``indeks/`` or ``.arsip.lock``) or a bag (a folder with ``bagit.txt``); when it is an
    existing folder; when an existing file there is not of ``kind`` (by suffix and first
    bytes, see :data:`KINDS`) — even with ``overwrite``; and when an existing file of
    ``kind`` is there and ``overwrite`` is false. Returns ``path`` unchanged.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown output kind {kind!r}")
    given = Path(path)
    target = _resolved(given)
    _check_place(given, target, [*archive_roots(archive), *(_resolved(Path(a)) for a in also)])
    if target.is_dir():
        raise OutputError(f"{given}: tidak dapat ditulis: sudah ada folder dengan nama itu; "
                          "sebutkan nama berkas, bukan folder")
    if target.exists():
        suffixes, sniff, label = KINDS[kind]
        head = _head(target, given)
        if target.suffix.lower() not in suffixes or (head and not sniff(head)):
            raise OutputError(f"{given}: tidak ditimpa: berkas yang sudah ada di sana bukan {label}; "
                              "pilih nama lain")
        if not overwrite:
            raise OutputError(f"{given}: sudah ada; pakai --timpa untuk menimpanya")
    return given


def check_output_dir(folder: Path | str, *, archive: Path | str | None, also: Iterable[Path | str] = ()) -> Path:
    """Refuse an output folder inside an archive folder or a bag, or one that is a file."""
    given = Path(folder)
    target = _resolved(given)
    _check_place(given, target, [*archive_roots(archive), *(_resolved(Path(a)) for a in also)])
    if target.exists() and not target.is_dir():
        raise OutputError(f"folder keluaran {given} tidak dapat dibuat: sudah ada berkas dengan nama itu")
    return given


def _head(target: Path, given: Path) -> bytes:
    try:
        with open(target, "rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise OutputError(f"{given}: tidak dapat dibaca untuk diperiksa sebelum ditimpa "
                          f"({exc.strerror or exc})") from None


# --------------------------------------------------------------------------- spreadsheets

#: A cell starting with one of these is run as a formula by Excel/LibreOffice (OWASP
#: "CSV injection"; the full-width forms too, which some locales accept).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Put before such a cell: the spreadsheet shows it as text.
FORMULA_ESCAPE = "'"
#: Cells left alone although they start with a trigger: a plain signed number (cannot
#: carry a formula; a spreadsheet reads it as that number) and the "-" placeholder.
_HARMLESS = re.compile(r"[+-]?\d+(?:[.,]\d+)?|-+")


def spreadsheet_cell(text: str) -> str:
    """``text`` safe for a CSV cell: a leading ``'`` when a spreadsheet would take it as a
    formula (``=SUM(...)``, ``+cmd|...``, ``@x``, a TAB or CR first). Plain numbers
    (``-5``, ``+62``) and a lone ``-`` stay as they are; dates and digits never start
    with a trigger."""
    if text.startswith(FORMULA_TRIGGERS) and not _HARMLESS.fullmatch(text):
        return FORMULA_ESCAPE + text
    return text


# --------------------------------------------------------------------------- terminals

#: ESC sequences: CSI (``ESC [ ... final``), OSC/DCS/SOS/PM/APC strings (ended by BEL or
#: ``ESC \``, or unterminated), and two-character escapes; then their 8-bit (C1) forms.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x9c|\x1b\\)?"
)
#: Other characters never printed: C0 controls (except newline and TAB), DEL, C1
#: controls, and the bidirectional overrides that reorder what a reader sees.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Lone surrogates: bytes of a file name that are not UTF-8 (``os.fsdecode``).
_SURROGATES = re.compile("[\ud800-\udfff]")
#: Characters a JSON text may hold raw that a terminal or editor acts on.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: object, *, single_line: bool = False) -> str:
    """``str(text)`` without ESC sequences and control characters, for the terminal.

    Newlines and TABs are kept (layouts need them) unless ``single_line``: then each run
    of whitespace becomes one space (a table cell). Lone surrogates (undecodable bytes of
    a file name) become U+FFFD."""
    value = str(text)
    value = _ESCAPES.sub("", value)
    value = _CONTROLS.sub("", value)
    value = _SURROGATES.sub("\ufffd", value)
    if single_line:
        value = " ".join(value.split())
    return value


def json_printable(text: str) -> str:
    """A JSON text with the characters JSON leaves raw (DEL, C1 controls, bidi overrides,
    line/paragraph separators) written as ``\\uXXXX``; still the same JSON value."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
