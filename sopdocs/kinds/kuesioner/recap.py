"""Recap of returned questionnaires (SOP step 6) and the nota dinas that reports it.

Responses come as CSV (UTF-8, with or without BOM; ``;``, ``,`` or tab between columns,
found from the header row, whose names are known) or XLSX (first sheet, or the one named
``jawaban``): one row per returned copy, a ``kode`` column with the copy code and a
column per question id (grids: ``<id>.<row>.<column>``). Several answers to a
multiple-choice question share one cell, separated by ``;`` (quote that cell when ``;``
also separates the columns; spreadsheet programs do it by themselves).

A row is kept out of the tally, and listed with its line and the reasons, when its copy
code is empty, not issued for this activity in the register, or already seen; or when an
answer is not one of the options, not a number, not a date... Nothing is dropped silently.

Response files come by mail from many hands, so reading is bounded: a file larger than
:data:`MAX_RESPONSES_BYTES`, more than :data:`MAX_ROWS` rows, :data:`MAX_COLUMNS` columns
or a cell longer than :data:`MAX_CELL_CHARS` is refused with the file and the line. An
XLSX is checked before openpyxl opens it: at most :data:`MAX_XLSX_PARTS` parts, none
larger than :data:`MAX_XLSX_PART_BYTES` once extracted, :data:`MAX_XLSX_UNCOMPRESSED` in
all, none compressed more than :data:`MAX_XLSX_RATIO` times (a zip bomb), and no part
holding a ``<!DOCTYPE``/``<!ENTITY`` (XML entities, the way to XXE and entity bombs;
spreadsheet programs never write them). Whatever openpyxl still raises on a malformed
sheet becomes a message naming the file.

The tally is linear in the rows: one pass over them, each answer read once, with the
lookups (copy codes, options, grid columns) in dicts built once.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import io
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from sopdocs.docx import formxml as fx
from sopdocs.errors import Problem, SopdocsError, ValidationError
from sopdocs.kinds.kuesioner.kuesioner import KuesionerDefinition, load_kuesioner
from sopdocs.kinds.notadinas import LampiranBlok, NotaDinas, body_paragraph, render_nota_dinas, text_width_mm
from sopdocs.definitions.profile import AgencyProfile, resolve_profile
from sopdocs.kinds.kuesioner.questionkinds import Pertanyaan, Raw, Ringkasan, Tabel, angka_id, persen
from sopdocs.kinds.kuesioner.skm import IndeksKepuasan, IndeksTidakDapatDihitung, indeks_kepuasan, unsur_of
from sopdocs.kinds.kuesioner.skm import teks as skm_teks
from sopdocs.docx.templateset import TemplateSet

CODE_COLUMN = "kode"
DELIMITERS = (";", ",", "\t")
XLSX_SHEET = "jawaban"
KIND = "nota-dinas"
KEEP_ROWS = 12

#: Largest response file read (CSV or XLSX), in bytes; 200,000 rows of a long
#: questionnaire take about 70 MB as CSV.
MAX_RESPONSES_BYTES = 100 * 1024 * 1024
#: Most data rows in a response file.
MAX_ROWS = 200_000
#: Most columns in a response file (a questionnaire of several grids has a few hundred).
MAX_COLUMNS = 2_000
#: Longest cell, in characters (a long free-text answer is a few hundred).
MAX_CELL_CHARS = 10_000
#: Longest physical line of a CSV file, in characters (bounds a row before it is split).
MAX_LINE_CHARS = 2_000_000
#: Most parts (files) inside an XLSX package.
MAX_XLSX_PARTS = 10_000
#: Largest part of an XLSX once extracted, and all of them together, in bytes.
MAX_XLSX_PART_BYTES = 256 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
#: Highest compression ratio of an XLSX part larger than XLSX_RATIO_FROM bytes (real
#: sheets compress 5-20 times; a zip bomb a thousand).
MAX_XLSX_RATIO = 100
XLSX_RATIO_FROM = 1024 * 1024
#: What no part of a response XLSX may hold: a document type, the only place XML entities
#: (external ones: XXE; nested ones: entity bombs) can be declared. Searched lower-cased,
#: in UTF-8 and in UTF-16/32 of either byte order.
_XML_DECLARATIONS = tuple(
    marker.encode(encoding)
    for marker in ("<!doctype", "<!entity")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
_SCAN_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BarisJawaban:
    """One data row of a response file: its line (row number in a sheet), code and cells."""

    line: int
    kode: str
    cells: dict[str, Raw]


@dataclass(frozen=True)
class BarisDitolak:
    """A row kept out of the tally, with every reason found."""

    line: int
    kode: str
    alasan: tuple[str, ...]

    def __str__(self) -> str:
        return f"baris {self.line} ({self.kode or 'tanpa kode'}): {'; '.join(self.alasan)}"


@dataclass
class BerkasJawaban:
    """A response file as read: rows, rows refused for their shape, warnings."""

    path: Path
    columns: list[str]
    rows: list[BarisJawaban]
    ditolak: list[BarisDitolak] = field(default_factory=list)
    peringatan: list[Problem] = field(default_factory=list)
    pemisah: str | None = None  # CSV delimiter found


# --------------------------------------------------------------------------- reading


def known_columns(defn: KuesionerDefinition) -> list[str]:
    """Every column a response file may have, in questionnaire order."""
    columns = [CODE_COLUMN, *(f.id for f in defn.identitas)]
    for question in defn.questions():
        columns.extend(question.columns())
    return columns


def _header(names: Sequence[Any], known: list[str], file: str, line: int) -> tuple[list[str], list[Problem]]:
    header = [str(name).strip().casefold() if name is not None else "" for name in names]
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise ValidationError([Problem(f"kolom {name!r} ditulis dua kali di baris judul", file=file, line=line)])
        seen.add(name)
    if CODE_COLUMN not in seen:
        raise ValidationError(
            [Problem(f"tidak ada kolom {CODE_COLUMN!r} (kode eksemplar) di baris judul", file=file, line=line)]
        )
    known_set = set(known)
    for name in header:
        if name and name not in known_set:
            problems.append(Problem(f"kolom {name!r} tidak dikenal di kuesioner; diabaikan", file=file, line=line,
                                    severity="warning"))
    missing = [name for name in known if name not in seen]
    if missing:
        problems.append(
            Problem(f"kolom tidak ada, dianggap tidak dijawab: {', '.join(missing)}", file=file, line=line,
                    severity="warning")
        )
    return header, problems


def _angka(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _check_shape(values: Sequence[Raw], header: list[str], where: str, line: int, rows: int) -> None:
    """Refuse a row beyond :data:`MAX_ROWS`, :data:`MAX_COLUMNS` or with a cell longer than
    :data:`MAX_CELL_CHARS` (``rows``: data rows so far, this one included)."""
    if rows > MAX_ROWS:
        raise ValidationError([Problem(f"lebih dari {_angka(MAX_ROWS)} baris jawaban; bagi berkasnya",
                                       file=where, line=line)])
    if len(values) > MAX_COLUMNS:
        raise ValidationError([Problem(f"{_angka(len(values))} kolom, paling banyak {_angka(MAX_COLUMNS)}",
                                       file=where, line=line)])
    for index, value in enumerate(values):
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            column = header[index] if index < len(header) and header[index] else f"ke-{index + 1}"
            raise ValidationError([Problem(
                f"sel kolom {column} berisi {_angka(len(value))} karakter, paling banyak {_angka(MAX_CELL_CHARS)}",
                file=where, line=line)])


def _row(header: list[str], values: Sequence[Raw], line: int, known: set[str]) -> BarisJawaban:
    cells = {name: value for name, value in zip(header, values) if name in known}
    code = cells.pop(CODE_COLUMN, None)
    code_text = "" if code is None else str(code).strip().upper()
    return BarisJawaban(line=line, kode=code_text, cells=cells)


def _xlsx_value(value: object) -> Raw:
    """A cell of a worksheet as a response value (booleans as Ya/Tidak, formulas as text)."""
    if value is None:
        return ""
    if value is True:
        return "Ya"
    if value is False:
        return "Tidak"
    if isinstance(value, (str, int, float, dt.date, dt.datetime)):
        return value
    return str(value)


def _blank_row(values: Sequence[Raw]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _sniff(line: str, known: set[str]) -> str | None:
    """The delimiter that splits the header row into the most known column names."""
    best, score = None, 0
    for delimiter in DELIMITERS:
        names = next(csv.reader([line], delimiter=delimiter), [])
        hits = sum(1 for name in names if name.strip().casefold() in known)
        if hits > score:
            best, score = delimiter, hits
    return best


def _read_bytes(path: Path, file: str) -> bytes:
    """The file's bytes, refusing one larger than :data:`MAX_RESPONSES_BYTES`."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_RESPONSES_BYTES + 1)
    except FileNotFoundError:
        raise ValidationError([Problem("berkas jawaban tidak ditemukan", file=file)]) from None
    except IsADirectoryError:
        raise ValidationError([Problem("bukan berkas, melainkan folder", file=file)]) from None
    except OSError as exc:
        raise ValidationError([Problem(f"tidak dapat dibaca: {exc.strerror}", file=file)]) from None
    if len(data) > MAX_RESPONSES_BYTES:
        raise ValidationError([Problem(
            f"berkas jawaban terlalu besar (lebih dari {_angka(MAX_RESPONSES_BYTES)} byte); bagi berkasnya",
            file=file)])
    return data


def _first_line(text: str) -> tuple[int, str] | None:
    """(index, text) of the first non-blank line, without splitting the whole file."""
    position, index = 0, 0
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        if end - position > MAX_LINE_CHARS:
            return index, text[position:position + MAX_LINE_CHARS + 1]
        line = text[position:end]
        if line.strip():
            return index, line.rstrip("\r")
        position, index = end + 1, index + 1
    return None


def _bounded_lines(text: str, file: str) -> Iterator[str]:
    """The physical lines of ``text`` (ends kept, as csv wants them), none longer than
    :data:`MAX_LINE_CHARS`: a row is bounded before csv splits it into cells."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ValidationError([Problem(
                f"baris terlalu panjang ({_angka(len(line))} karakter, paling banyak {_angka(MAX_LINE_CHARS)})",
                file=file, line=number)])
        yield line


def read_csv(path: Path, defn: KuesionerDefinition) -> BerkasJawaban:
    path = Path(path)
    file = str(path)
    data = _read_bytes(path, file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [Problem(f"bukan teks UTF-8 (byte {exc.start}); simpan ulang sebagai \"CSV UTF-8\"", file=file,
                     line=data.count(b"\n", 0, exc.start) + 1)]
        ) from None
    del data
    if "\x00" in text:
        raise ValidationError([Problem("berisi byte NUL: bukan berkas CSV (simpan ulang sebagai \"CSV UTF-8\")",
                                       file=file, line=text.count("\n", 0, text.index("\x00")) + 1)])
    known = known_columns(defn)
    known_set = set(known)
    first = _first_line(text)
    if first is None:
        raise ValidationError([Problem("berkas jawaban kosong", file=file)])
    start, header_line = first
    delimiter = _sniff(header_line, known_set)
    if delimiter is None:
        raise ValidationError(
            [Problem(f"baris judul kolom tidak dikenali; harus memuat kolom {CODE_COLUMN!r} dan id pertanyaan, "
                     "dipisah ';' atau ','", file=file, line=start + 1)]
        )
    reader = csv.reader(_bounded_lines(text, file), delimiter=delimiter)
    header: list[str] = []
    code_index = 0
    result = BerkasJawaban(path=path, columns=[], rows=[], pemisah=delimiter)
    previous = 0
    rows = 0
    try:
        for values in reader:
            first_line, previous = previous + 1, reader.line_num
            if _blank_row(values):
                continue
            if not header:
                _check_shape(values, [], file, first_line, 0)
                header, problems = _header(values, known, file, first_line)
                code_index = header.index(CODE_COLUMN)
                result.columns = header
                result.peringatan.extend(problems)
                continue
            rows += 1
            _check_shape(values, header, file, first_line, rows)
            if len(values) > len(header):
                hint = ""
                if delimiter == ";":
                    hint = ("; jawaban pilihan ganda yang dipisah ';' harus diapit tanda kutip, "
                            'mis. "BPJS Kesehatan;BPJS Ketenagakerjaan"')
                code = str(values[code_index]).strip().upper()
                result.ditolak.append(
                    BarisDitolak(first_line, code, (f"ada {len(values)} sel, padahal judul kolom {len(header)}{hint}",))
                )
                continue
            if len(values) < len(header):
                result.peringatan.append(
                    Problem(f"hanya {len(values)} sel dari {len(header)}; sel selebihnya dianggap kosong",
                            file=file, line=first_line, severity="warning")
                )
            result.rows.append(_row(header, values, first_line, known_set))
    except csv.Error as exc:
        raise ValidationError([Problem(f"CSV rusak: {exc}", file=file, line=reader.line_num)]) from None
    return result


def check_xlsx_package(path: Path) -> None:
    """Refuse an XLSX that is no ZIP, a zip bomb, or holds XML declarations (XXE), before
    openpyxl opens it; the bounds are the ``MAX_XLSX_*`` constants."""
    file = str(path)

    def refuse(message: str) -> ValidationError:
        return ValidationError([Problem(message, file=file)])

    try:
        with zipfile.ZipFile(path) as package:
            parts = package.infolist()
            if len(parts) > MAX_XLSX_PARTS:
                raise refuse(f"bukan berkas XLSX yang wajar: {_angka(len(parts))} bagian di dalamnya")
            total = 0
            for part in parts:
                total += part.file_size
                if part.file_size > MAX_XLSX_PART_BYTES:
                    raise refuse(f"bagian {part.filename!r} terlalu besar setelah diekstrak "
                                 f"({_angka(part.file_size)} byte, paling banyak {_angka(MAX_XLSX_PART_BYTES)})")
                if part.file_size > XLSX_RATIO_FROM and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
                    raise refuse(f"bagian {part.filename!r} dimampatkan {part.file_size // max(part.compress_size, 1)}"
                                 f" kali (paling banyak {MAX_XLSX_RATIO} kali): berkas ini tampaknya bom zip")
            if total > MAX_XLSX_UNCOMPRESSED:
                raise refuse(f"isi berkas XLSX terlalu besar setelah diekstrak ({_angka(total)} byte, "
                             f"paling banyak {_angka(MAX_XLSX_UNCOMPRESSED)})")
            for part in parts:
                if part.is_dir():
                    continue
                # Every part, whatever its name: the workbook may point its sheet to any of them.
                # A part holds at most its declared size (zipfile stops there), so this is bounded.
                with package.open(part) as stream:
                    tail = b""
                    while chunk := stream.read(_SCAN_CHUNK):
                        window = (tail + chunk).lower()
                        if any(marker in window for marker in _XML_DECLARATIONS):
                            raise refuse(f"bagian {part.filename!r} memuat deklarasi XML <!DOCTYPE/<!ENTITY "
                                         "(entitas XML tidak diterima: XXE); simpan ulang dari program spreadsheet")
                        tail = window[-64:]
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, ValueError,
            RuntimeError) as exc:  # RuntimeError: an encrypted part
        raise refuse(f"bukan berkas XLSX yang dapat dibaca ({exc})") from None
    except OSError as exc:
        raise refuse(f"tidak dapat dibaca: {exc.strerror or exc}") from None


#: What openpyxl may raise on a malformed package or sheet (a broken XML part, a cell value
#: it cannot convert, a missing part); every one becomes a message naming the file.
_OPENPYXL_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, SyntaxError, EOFError,
    OSError, LookupError, AssertionError, etree.LxmlError, zipfile.BadZipFile, zlib.error,
)


def _sheet_rows(rows: Iterator[tuple[object, ...]], where: str) -> Iterator[tuple[object, ...]]:
    """``rows`` of openpyxl, a failure of openpyxl itself becoming a ValidationError."""
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except _OPENPYXL_ERRORS as exc:
            raise ValidationError([Problem(f"lembar kerja rusak ({type(exc).__name__}: {str(exc)[:200]})",
                                           file=where)]) from None
        yield cells


def read_xlsx(path: Path, defn: KuesionerDefinition) -> BerkasJawaban:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise ValidationError([Problem("berkas jawaban tidak ditemukan", file=file)])
    if path.stat().st_size > MAX_RESPONSES_BYTES:
        raise ValidationError([Problem(
            f"berkas jawaban terlalu besar (lebih dari {_angka(MAX_RESPONSES_BYTES)} byte); bagi berkasnya",
            file=file)])
    check_xlsx_package(path)
    unreadable: tuple[type[BaseException], ...] = (*_OPENPYXL_ERRORS, InvalidFileException)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except unreadable as exc:
        raise ValidationError([Problem(f"bukan berkas XLSX yang dapat dibaca ({str(exc)[:200]})", file=file)]) from None
    try:
        if not book.worksheets:
            raise ValidationError([Problem("tidak ada lembar kerja", file=file)])
        sheet = next((ws for ws in book.worksheets if ws.title.strip().casefold() == XLSX_SHEET), book.worksheets[0])
        known = known_columns(defn)
        known_set = set(known)
        header: list[str] = []
        result = BerkasJawaban(path=path, columns=[], rows=[])
        where = f"{file} [{sheet.title}]"
        rows = 0
        # max_col: a sheet claiming 16,384 columns is not padded to them on every row
        cells_by_row = _sheet_rows(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), where)
        for number, cells in enumerate(cells_by_row, start=1):
            values: list[Raw] = [_xlsx_value(v) for v in cells]
            if _blank_row(values):
                if number > 2 * MAX_ROWS:  # a sheet of empty rows (or rows far apart) is not read forever
                    raise ValidationError([Problem(f"lebih dari {_angka(2 * MAX_ROWS)} baris", file=where, line=number)])
                continue
            if not header:
                while values and (values[-1] is None or values[-1] == ""):
                    values.pop()
                _check_shape(values, [], where, number, 0)
                header, problems = _header(values, known, where, number)
                result.columns = header
                result.peringatan.extend(problems)
                continue
            rows += 1
            _check_shape(values[: len(header)], header, where, number, rows)
            result.rows.append(_row(header, values[: len(header)], number, known_set))
        if not header:
            raise ValidationError([Problem("lembar kerja kosong", file=where)])
        return result
    finally:
        book.close()


def read_responses(path: Path, defn: KuesionerDefinition) -> BerkasJawaban:
    """Read a response file (.csv or .xlsx) for the questionnaire ``defn``."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path, defn)
    if suffix in (".csv", ".txt"):
        return read_csv(path, defn)
    raise ValidationError([Problem("berkas jawaban harus .csv atau .xlsx", file=str(path))])


# --------------------------------------------------------------------------- tally


@dataclass
class Rekap:
    """The tally of a response file against a questionnaire and the copies issued."""

    kuesioner: KuesionerDefinition
    sumber: Path
    dibagikan: list[str] | None  # copy codes issued for the activity; None: register unknown
    diolah: list[tuple[BarisJawaban, dict[str, Any]]]
    ditolak: list[BarisDitolak]
    ringkasan: list[tuple[int, Ringkasan]]
    peringatan: list[Problem] = field(default_factory=list)

    @property
    def baris(self) -> int:
        """Data rows in the file (processed and refused)."""
        return len(self.diolah) + len(self.ditolak)

    @property
    def kembali(self) -> list[str]:
        """Distinct issued copy codes present in the file (whether their row was usable or not)."""
        present = {row.kode for row, _ in self.diolah} | {row.kode for row in self.ditolak}
        if self.dibagikan is None:
            return sorted(code for code in present if code)
        return [code for code in self.dibagikan if code in present]

    @property
    def belum_kembali(self) -> list[str]:
        if self.dibagikan is None:
            return []
        back = set(self.kembali)
        return [code for code in self.dibagikan if code not in back]


def tally(defn: KuesionerDefinition, berkas: BerkasJawaban, dibagikan: Sequence[str] | None) -> Rekap:
    """Check every row, keep the good ones, and summarise each question over them."""
    issued = None if dibagikan is None else {code.upper() for code in dibagikan}
    seen: dict[str, int] = {}
    processed: list[tuple[BarisJawaban, dict[str, Any]]] = []
    refused = list(berkas.ditolak)
    questions = defn.questions()
    readers = [(question.id, question.reader()) for question in questions]
    for row in berkas.rows:
        reasons: list[str] = []
        if not row.kode:
            reasons.append("kode eksemplar kosong")
        else:
            if issued is not None and row.kode not in issued:
                reasons.append(f"kode {row.kode} tidak tercatat di register untuk kegiatan ini")
            if row.kode in seen:
                reasons.append(f"kode {row.kode} sudah ada di baris {seen[row.kode]} (eksemplar ganda)")
            else:
                seen[row.kode] = row.line
        answers: dict[str, Any] = {}
        for question_id, read in readers:
            value, problems = read(row.cells)
            answers[question_id] = value
            if problems:
                reasons.extend(problems)
        if reasons:
            refused.append(BarisDitolak(row.line, row.kode, tuple(reasons)))
        else:
            processed.append((row, answers))
    refused.sort(key=lambda r: r.line)
    summaries = []
    number = 0
    for question in questions:
        number += 1
        given = [(row.kode, answers[question.id]) for row, answers in processed if answers[question.id] is not None]
        summaries.append((number, question.summarise(given, len(processed))))
    warnings = list(berkas.peringatan)
    if dibagikan is None:
        warnings.append(
            Problem("register tidak mencatat eksemplar untuk kegiatan ini; kode eksemplar tidak diperiksa",
                    file=str(berkas.path), severity="warning")
        )
    return Rekap(
        kuesioner=defn,
        sumber=berkas.path,
        dibagikan=None if dibagikan is None else list(dibagikan),
        diolah=processed,
        ditolak=refused,
        ringkasan=summaries,
        peringatan=warnings,
    )


def distributed_codes(defn: KuesionerDefinition, archive: Path | None = None) -> list[str] | None:
    """Copy codes the register issued for the questionnaire's activity (None: none known).

    Does not create a register where there is none.
    """
    from sopdocs.numbering.rules import archive_dir, register_exists, register_for

    folder = archive_dir(archive)
    if not register_exists(folder):
        return None
    with register_for(folder) as register:
        # codes reserved by the run now in progress count as distributed too
        codes = register.copy_codes(defn.kegiatan, unconfirmed=True)
    return codes or None


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a response file's rows are built and tallied.

    Each row makes a few containers that live to the end (no cycles among them); with the
    collector on, its full passes rescan all of them again and again, a third of the time
    of a 100,000-row recap. Restored as it was, whatever happens.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def recap(responses: Path, defn: KuesionerDefinition, *, archive: Path | None = None) -> Rekap:
    """Read ``responses`` and tally them against ``defn`` and the register of ``archive``."""
    codes = distributed_codes(defn, archive)
    with _gc_paused():
        return tally(defn, read_responses(responses, defn), codes)


# --------------------------------------------------------------------------- the letter


#: A table row in the XML fx.table writes; the placeholder text of a sample cell.
_ROW_START = re.compile(r"<w:tr[ >]")
_PLACEHOLDER = re.compile('<w:t xml:space="preserve">([\ue000-\ue0ff])</w:t>')


def _cell_runs(text: str) -> str:
    """The ``w:t``/``w:br`` of a text run of ``text``, as fx.text_run writes them (XML 1.0
    characters only, newlines as breaks), ``xml:space`` only where spaces need keeping."""
    out = []
    for index, line in enumerate(fx.clean(text).split("\n")):
        if index:
            out.append("<w:br/>")
        if line:
            escaped = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
            keep = line[0].isspace() or line[-1].isspace() or "  " in line or "\t" in line
            out.append(f'<w:t xml:space="preserve">{escaped}</w:t>' if keep else f"<w:t>{escaped}</w:t>")
    return "".join(out)


def _table_xml(tabel: Tabel, width_mm: float, *, size_pt: float = 10) -> str:
    """The table as WordprocessingML text, rows in linear time.

    The header and one sample row (plain and bold) are built by :func:`fx.table`; every
    data row is that sample row with its texts put in, so a table of 100,000 rows costs
    string joins, not 100,000 element trees. ``xml:space="preserve"`` is written only on
    texts with spaces to keep: lxml moves an element holding many ``xml:`` attributes into
    another document in quadratic time, which the letter's rendering does with this XML.
    """
    scale = min(1.0, width_mm / sum(tabel.widths))
    widths = [w * scale for w in tabel.widths]

    # A short table stays with what follows it (its chart); a long one may break.
    keep = len(tabel.rows) <= KEEP_ROWS

    def cell(text: str, align: str, *, bold: bool = False, shade: str | None = None) -> fx.Cell:
        return fx.Cell([fx.paragraph(text, bold=bold, size_pt=size_pt, align=align, before_pt=1, after_pt=1,
                                     keep_next=keep)], shade=shade)

    header = [cell(text, "center", bold=True, shade="D9D9D9") for text in tabel.header]
    samples = [[cell(chr(0xE000 + i), align, bold=bold) for i, align in enumerate(tabel.align)] for bold in (False, True)]
    xml = etree.tostring(fx.table(widths, [header, *samples], header_rows=1), encoding="unicode")
    starts = [match.start() for match in _ROW_START.finditer(xml)]
    end = xml.rindex("</w:tbl>")
    head, tail = xml[: starts[1]], xml[end:]
    plain = _PLACEHOLDER.split(xml[starts[1]: starts[2]])
    bold_row = _PLACEHOLDER.split(xml[starts[2]: end])
    columns = len(tabel.align)
    if len(plain) != 2 * columns + 1 or len(bold_row) != 2 * columns + 1:  # fx.table changed its XML
        raise AssertionError("recap: the sample row of fx.table has an unexpected shape")

    out = [head]
    last = len(tabel.rows) - 1
    for index, row in enumerate(tabel.rows):
        bold = tabel.total_row and index == last
        if len(row) != columns:  # as zip(row, align) did: fewer cells
            cells = [cell(text, align, bold=bold) for text, align in zip(row, tabel.align)]
            alone = etree.tostring(fx.table(widths, [cells]), encoding="unicode")
            first = _ROW_START.search(alone)
            out.append(alone[first.start() if first else 0: alone.rindex("</w:tbl>")])
            continue
        pieces = bold_row if bold else plain
        out.append(pieces[0])
        for column in range(columns):
            out.append(_cell_runs(row[column]))
            out.append(pieces[2 * column + 2])
    out.append(tail)
    return "".join(out)


def _xml(*parts: etree._Element | str) -> str:
    """Elements and XML texts, one after the other."""
    return "".join(part if isinstance(part, str) else etree.tostring(part, encoding="unicode") for part in parts)


def _heading(text: str, *, before: float = 10) -> etree._Element:
    return fx.Para(before_pt=before, after_pt=4, keep_next=True, keep_lines=True,
                   runs=[fx.text_run(text, bold=True)]).build()


def _notes_xml(notes: Sequence[str]) -> str:
    return fx.to_xml(fx.paragraph(note, italic=True, size_pt=10, before_pt=2, align="both") for note in notes)


def _return_rows(rekap: Rekap) -> list[list[str]]:
    distributed = len(rekap.dibagikan) if rekap.dibagikan is not None else None
    back = len(rekap.kembali)
    rows = []
    if distributed is not None:
        rows.append(["Kuesioner dibagikan (tercatat di register)", f"{angka_id(distributed)} eksemplar", ""])
        rows.append(["Kuesioner kembali", f"{angka_id(back)} eksemplar", persen(back, distributed)])
        rows.append(["Belum kembali", f"{angka_id(len(rekap.belum_kembali))} eksemplar",
                     persen(len(rekap.belum_kembali), distributed)])
    else:
        rows.append(["Kuesioner kembali (kode tidak diperiksa)", f"{angka_id(back)} eksemplar", ""])
    rows.append(["Baris jawaban diolah", f"{angka_id(len(rekap.diolah))} baris", ""])
    rows.append(["Baris jawaban tidak diolah", f"{angka_id(len(rekap.ditolak))} baris", ""])
    return rows


def skm_index(rekap: Rekap) -> IndeksKepuasan | None:
    """The satisfaction index of an SKM questionnaire (None for another questionnaire);
    raises IndeksTidakDapatDihitung when an unsur has no answer."""
    unsur = unsur_of(rekap.kuesioner)
    if not unsur:
        return None
    by_id = {summary.pertanyaan.id: summary for _, summary in rekap.ringkasan}
    spreads = []
    for qid, name in unsur:
        spread = by_id[qid].nilai.get("sebaran", {}) if qid in by_id else {}
        spreads.append((qid, name, {int(k): int(v) for k, v in spread.items()}))
    return indeks_kepuasan(spreads, len(rekap.diolah))


def _skm_sentence(rekap: Rekap) -> str:
    settings = rekap.kuesioner.skm
    service = f" pelayanan {settings.nama_layanan}" if settings is not None and settings.nama_layanan else ""
    try:
        index = skm_index(rekap)
    except IndeksTidakDapatDihitung as exc:
        return f"Indeks Kepuasan Masyarakat (IKM){service} tidak dapat dihitung: {exc}."
    assert index is not None
    return (f"Indeks Kepuasan Masyarakat (IKM){service} dari {angka_id(index.responden)} responden: "
            f"{skm_teks(index.konversi, 2)} (skala 25-100), mutu pelayanan {index.mutu} ({index.kinerja}).")


def skm_blocks(rekap: Rekap, width_mm: float, chart_dir: Path, letter: str) -> list[LampiranBlok]:
    """The SKM part of the attachment: NRR per unsur, IKM, conversion, grade, chart, method."""
    from sopdocs.kinds.kuesioner.charts import skm_chart
    from sopdocs.kinds.kuesioner.skm import MUTU

    heading = _heading(f"{letter}. INDEKS KEPUASAN MASYARAKAT", before=4)
    try:
        index = skm_index(rekap)
    except IndeksTidakDapatDihitung as exc:
        return [LampiranBlok(isi=_xml(heading, fx.paragraph(f"IKM tidak dapat dihitung: {exc}.", size_pt=10)))]
    assert index is not None
    rows = [[f"U{n}", u.nama, angka_id(u.jumlah_nilai), angka_id(u.responden), skm_teks(u.nrr, 3),
             skm_teks(u.nrr_tertimbang, 3), skm_teks(u.konversi, 2), u.mutu[0]]
            for n, u in enumerate(index.unsur, start=1)]
    rows.append(["", "IKM (jumlah NRR tertimbang)", "", "", "", skm_teks(index.ikm, 3),
                 skm_teks(index.konversi, 2), index.mutu])
    table = Tabel(["No", "Unsur pelayanan", "Jumlah nilai", "Responden", "NRR", "NRR tertimbang", "Konversi",
                   "Mutu"], rows, [8, 46, 15, 20, 14, 22, 19, 11],
                  ["center", "left", "center", "center", "center", "center", "center", "center"], True)
    summary = Tabel(["Uraian", "Nilai"], [
        ["Responden (kuesioner diolah)", angka_id(index.responden)],
        ["Bobot tiap unsur (1/jumlah unsur)", skm_teks(index.bobot, 3)],
        ["IKM (skala 1-4)", skm_teks(index.ikm, 3)],
        ["IKM unit pelayanan (IKM x 25)", skm_teks(index.konversi, 2)],
        ["Mutu pelayanan", index.mutu],
        ["Kinerja unit pelayanan", index.kinerja],
    ], [110, 55], ["left", "center"])
    bands = Tabel(["Nilai interval IKM", "Nilai interval konversi", "Mutu", "Kinerja"], [
        ["1,00 - 2,5996", "25,00 - 64,99", "D", "Tidak Baik"],
        ["2,60 - 3,064", "65,00 - 76,60", "C", "Kurang Baik"],
        ["3,0644 - 3,532", "76,61 - 88,30", "B", "Baik"],
        ["3,5324 - 4,00", "88,31 - 100,00", "A", "Sangat Baik"],
    ], [45, 50, 20, 50], ["center", "center", "center", "left"])
    assert len(MUTU) == len(bands.rows)
    chart = skm_chart([u.nama for u in index.unsur], [float(u.konversi) for u in index.unsur],
                      float(index.konversi), chart_dir / "grafik-skm.png")
    notes = [
        "NRR unsur = jumlah nilai unsur / jumlah responden yang menjawab unsur itu; NRR tertimbang = NRR x bobot; "
        "IKM = jumlah NRR tertimbang; IKM unit pelayanan = IKM x 25 (Peraturan Menteri PANRB Nomor 14 Tahun 2017). "
        "Konversi per unsur = NRR x 25.",
    ]
    return [
        LampiranBlok(isi=_xml(heading,
                              fx.paragraph(f"Dari {angka_id(index.responden)} kuesioner yang diolah; "
                                           f"{angka_id(len(index.unsur))} unsur pelayanan.", size_pt=10,
                                           after_pt=3, keep_next=True),
                              _table_xml(table, width_mm, size_pt=9.5)),
                     grafik=chart, catatan=_notes_xml(notes), grafik_lebar_mm=min(150.0, width_mm)),
        LampiranBlok(isi=_xml(fx.paragraph("Nilai indeks dan mutu pelayanan:", size_pt=10, before_pt=6,
                                           after_pt=3, keep_next=True),
                              _table_xml(summary, width_mm),
                              fx.paragraph("Nilai persepsi, interval dan mutu pelayanan:", size_pt=10, before_pt=6,
                                           after_pt=3, keep_next=True),
                              _table_xml(bands, width_mm))),
    ]


def letter_body(rekap: Rekap, width_mm: float) -> str:
    """The body of the recap nota dinas: purpose, return figures, what is attached."""
    defn = rekap.kuesioner
    elements: list[etree._Element | str] = [
        body_paragraph(
            f"Dengan hormat, bersama ini kami sampaikan rekapitulasi hasil {defn.kegiatan} "
            f"yang dilaksanakan dengan kuesioner \u201c{defn.judul}\u201d. Ringkasan pengembalian dan "
            "pengolahan kuesioner adalah sebagai berikut:",
            keep_next=True,
        )
    ]
    table = Tabel(["Uraian", "Jumlah", "Persentase"], _return_rows(rekap), [95, 40, 30], ["left", "center", "center"])
    elements.append(_table_xml(table, width_mm, size_pt=11))
    elements.append(fx.Para(after_pt=6).build())
    if rekap.ditolak:
        elements.append(
            body_paragraph(
                f"Sebanyak {angka_id(len(rekap.ditolak))} baris jawaban tidak diolah karena datanya tidak sah "
                "(kode eksemplar tidak dikenal atau ganda, atau jawaban di luar pilihan/bukan angka); "
                "rinciannya tercantum pada lampiran untuk diperbaiki atau dikonfirmasi kepada responden."
            )
        )
    if rekap.kuesioner.skm is not None:
        elements.append(body_paragraph(_skm_sentence(rekap)))
    if rekap.belum_kembali:
        elements.append(
            body_paragraph(
                f"Kuesioner yang belum kembali sebanyak {angka_id(len(rekap.belum_kembali))} eksemplar "
                "(kodenya tercantum pada lampiran)."
            )
        )
    elements.append(
        body_paragraph(
            f"Hasil rekapitulasi untuk setiap pertanyaan ({angka_id(len(rekap.ringkasan))} pertanyaan), "
            "beserta grafiknya, kami sampaikan dalam lampiran nota dinas ini."
        )
    )
    elements.append(
        body_paragraph(
            "Demikian kami sampaikan untuk diketahui dan dinilai, serta mohon arahan lebih lanjut."
        )
    )
    return _xml(*elements)


def attachment_blocks(rekap: Rekap, width_mm: float, chart_dir: Path) -> list[LampiranBlok]:
    """One block per question (table, chart for choices and scales, notes), then the
    refused rows, the copies not returned and the respondents."""
    from sopdocs.kinds.kuesioner.charts import bar_chart

    blocks: list[LampiranBlok] = []
    letter = ord("A")
    if rekap.kuesioner.skm is not None:
        blocks.extend(skm_blocks(rekap, width_mm, chart_dir, chr(letter)))
        letter += 1
    blocks.append(LampiranBlok(isi=fx.to_xml([_heading(f"{chr(letter)}. HASIL PER PERTANYAAN",
                                                       before=4 if letter == ord("A") else 10)])))
    for number, summary in rekap.ringkasan:
        q: Pertanyaan = summary.pertanyaan
        parts: list[etree._Element | str] = [_heading(f"{number}. {q.teks}")]
        info = f"Menjawab: {angka_id(summary.dijawab)} responden; tidak menjawab: {angka_id(summary.kosong)}."
        parts.append(fx.paragraph(info, size_pt=10, after_pt=3, keep_next=True))
        if summary.tabel is not None and summary.tabel.rows:
            parts.append(_table_xml(summary.tabel, width_mm))
        elif summary.tabel is not None:
            parts.append(fx.paragraph("(tidak ada jawaban)", italic=True, size_pt=10))
        chart = None
        if summary.grafik is not None and summary.dijawab:
            chart = bar_chart(summary.grafik, chart_dir / f"grafik-{number:03d}-{q.id}.png")
        blocks.append(LampiranBlok(isi=_xml(*parts), grafik=chart, catatan=_notes_xml(summary.catatan),
                                   grafik_lebar_mm=min(140.0, width_mm)))
    letter += 1
    if rekap.ditolak:
        table = Tabel(["Baris", "Kode eksemplar", "Alasan tidak diolah"],
                      [[str(r.line), r.kode or "-", "; ".join(r.alasan)] for r in rekap.ditolak],
                      [15, 32, 118], ["center", "center", "left"])
        blocks.append(LampiranBlok(isi=_xml(
            _heading(f"{chr(letter)}. BARIS JAWABAN YANG TIDAK DIOLAH"),
            fx.paragraph(f"Berkas jawaban: {rekap.sumber.name}", size_pt=10, after_pt=3, keep_next=True),
            _table_xml(table, width_mm),
        )))
        letter += 1
    if rekap.belum_kembali:
        blocks.append(LampiranBlok(isi=fx.to_xml([
            _heading(f"{chr(letter)}. KUESIONER YANG BELUM KEMBALI"),
            fx.paragraph(", ".join(rekap.belum_kembali), size_pt=10, align="both"),
        ])))
        letter += 1
    identity = rekap.kuesioner.identitas
    if identity and rekap.diolah:
        first = identity[0]
        rows = [[str(i), row.kode, _cell_text(row.cells.get(first.id))]
                for i, (row, _) in enumerate(rekap.diolah, start=1)]
        table = Tabel(["No", "Kode eksemplar", first.label], rows, [12, 35, 118], ["center", "center", "left"])
        blocks.append(LampiranBlok(isi=_xml(
            _heading(f"{chr(letter)}. DAFTAR RESPONDEN YANG DIOLAH"),
            _table_xml(table, width_mm),
        )))
    return blocks


def _cell_text(value: Raw) -> str:
    if value is None:
        return "-"
    text = str(value).strip()
    return text or "-"


def _sender_problem(questionnaire: Path) -> Problem:
    from sopdocs.definitions.yamlload import load_yaml

    try:
        line = load_yaml(Path(questionnaire)).line(("rekap",))
    except SopdocsError:
        line = None
    return Problem(
        "pengirim nota dinas belum diisi: tulis `rekap: {dari: {jabatan: ..., nama: ..., nip: ...}}`",
        file=str(questionnaire), field="rekap.dari", line=line,
    )


@dataclass
class RecapLetter:
    """A tallied recap, ready to be written as a nota dinas with any number.

    :func:`prepare_recap` does everything that can fail on the inputs (the questionnaire,
    the profile, the responses: at least one usable row, the sender); :meth:`render`
    then only writes. The charts live in ``chart_dir`` until :meth:`close`.
    """

    rekap: Rekap
    profile: AgencyProfile
    templates: TemplateSet
    date: dt.date
    hal: str
    kegiatan: str
    warnings: list[Problem]
    letter: Any
    chart_dir: tempfile.TemporaryDirectory[str]

    def render(self, number: str, target: Path) -> Path:
        return render_nota_dinas(self.letter(number), self.profile, Path(target), templates=self.templates)

    def close(self) -> None:
        self.chart_dir.cleanup()

    def __enter__(self) -> RecapLetter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_responses(responses: Path, questionnaire: Path, *, profile: Path | None = None,
                    archive: Path | None = None) -> None:
    """Everything :func:`prepare_recap` checks (the questionnaire, the sender, the responses:
    readable, at least one usable row), without drawing the charts."""
    _checked_recap(responses, Path(questionnaire), profile, archive)


def _checked_recap(responses: Path, questionnaire: Path, profile: Path | None, archive: Path | None
                   ) -> tuple[KuesionerDefinition, list[Problem], AgencyProfile, list[Problem], Rekap]:
    defn, warnings = load_kuesioner(questionnaire)
    agency, profile_warnings = resolve_profile(profile, defn.profil, questionnaire)
    if defn.rekap.dari is None:
        raise ValidationError([_sender_problem(questionnaire)])
    rekap = recap(Path(responses), defn, archive=archive)
    if not rekap.diolah:
        detail = "\n".join(str(r) for r in rekap.ditolak[:10])
        raise SopdocsError(f"{responses}: tidak ada baris jawaban yang dapat diolah" + (f":\n{detail}" if detail else ""))
    return defn, warnings, agency, profile_warnings, rekap


def prepare_recap(
    responses: Path,
    questionnaire: Path,
    *,
    profile: Path | None = None,
    templates: Path | TemplateSet | None = None,
    archive: Path | None = None,
    tanggal: dt.date | None = None,
) -> RecapLetter:
    """Check and tally ``responses`` against the questionnaire; refuse when no row is usable."""
    questionnaire = Path(questionnaire)
    defn, warnings, agency, profile_warnings, rekap = _checked_recap(responses, questionnaire, profile, archive)
    template_set = templates if isinstance(templates, TemplateSet) else TemplateSet(templates)
    day = tanggal or dt.date.today()
    hal = defn.rekap.hal or f"Rekapitulasi Hasil {defn.kegiatan}"
    width = text_width_mm(agency)
    notes = [*warnings, *profile_warnings, *rekap.peringatan]
    notes.extend(
        Problem(f"tidak diolah: {'; '.join(r.alasan)}", file=str(rekap.sumber), line=r.line, severity="warning")
        for r in rekap.ditolak
    )
    charts = tempfile.TemporaryDirectory(prefix="sopdocs-rekap-")
    try:
        with _gc_paused():
            blocks = attachment_blocks(rekap, width, Path(charts.name))  # charts made once, for every render
    except BaseException:
        charts.cleanup()
        raise
    body = letter_body(rekap, width)

    def letter(number: str) -> NotaDinas:
        return NotaDinas(
            nomor=number,
            kepada=defn.rekap.kepada or agency.kepala.jabatan,
            dari=defn.rekap.dari,  # type: ignore[arg-type]
            tanggal=day,
            hal=hal,
            isi=body,
            tembusan=list(defn.rekap.tembusan),
            sifat=defn.rekap.sifat,
            lampiran="1 (satu) berkas",
            lampiran_judul=f"Rekapitulasi Hasil {defn.kegiatan}",
            lampiran_blok=blocks,
        )

    return RecapLetter(rekap=rekap, profile=agency, templates=template_set, date=day, hal=hal,
                       kegiatan=defn.kegiatan, warnings=notes, letter=letter, chart_dir=charts)
