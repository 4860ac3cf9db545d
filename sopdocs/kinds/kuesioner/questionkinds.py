"""The question kinds of a questionnaire, each one class: THE place to add a new kind.

A kind is a pydantic model (its YAML keys next to the common ``id``, ``jenis``, ``teks``,
``keterangan``) decorated with :func:`question_kind`, and it answers four questions:

* ``check()``: what is wrong in its definition beyond the field types (cross-field);
* ``answer_area(form)``: how its blank answer space looks on paper (WordprocessingML);
* ``columns()`` / ``read(cells)``: which columns it has in a response file, and one
  respondent's answer read from them (or why the cell is malformed);
* ``summarise(answers)``: its tally for the recap (table, chart data, numbers).

The questionnaire model (:mod:`sopdocs.kinds.kuesioner.kuesioner`) builds its ``pertanyaan`` type from
:data:`KINDS`, and the recap (:mod:`sopdocs.kinds.kuesioner.recap`) only calls these methods, so a new kind
needs nothing outside its class.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, ClassVar, Literal, Union, get_args

from lxml import etree
from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, WithJsonSchema, field_validator
from pydantic.json_schema import SkipJsonSchema

from sopdocs.docx import formxml as fx
from sopdocs.errors import SopdocsError
from sopdocs.definitions.fieldtypes import Teks
from sopdocs.definitions.yamlload import FieldPath

#: A cell of a response file: text from CSV; numbers and dates as such from XLSX.
Raw = Union[str, int, float, dt.date, dt.datetime, None]

LAINNYA = "Lainnya"
#: The public-satisfaction survey scale of Permen PANRB 14/2017 (4 points).
SKALA_PANRB = ("Tidak baik", "Kurang baik", "Baik", "Sangat baik")
#: Separator of the answers of one multiple-choice question inside one cell.
MULTI_SEPARATOR = ";"
#: Grids with at most this many rows are kept on one page.
KEEP_TABLE_ROWS = 15
#: Distinct cells of one question whose answer :meth:`Pertanyaan.reader` keeps.
READ_CACHE = 4096

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _kode(value: Any) -> str:
    if not isinstance(value, str) or not _ID.match(value.strip()):
        raise ValueError(
            "id hanya boleh huruf kecil, angka dan garis bawah, diawali huruf (mis. jumlah_tk); "
            "id dipakai sebagai nama kolom berkas jawaban"
        )
    if value.strip() == "kode":
        raise ValueError("id 'kode' dipakai untuk kolom kode eksemplar; pilih id lain")
    return value.strip()


Kode = Annotated[
    str,
    BeforeValidator(_kode),
    WithJsonSchema({"type": "string", "pattern": _ID.pattern, "description": "nama kolom di berkas jawaban"}),
]


# --------------------------------------------------------------------------- numbers


def angka_id(value: float | int, desimal: int | None = None) -> str:
    """A number the Indonesian way: ``1.250``, ``3,21``; ``desimal=None`` drops ``,0``."""
    if desimal is None:
        desimal = 0 if float(value).is_integer() else 2
    text = f"{value:,.{desimal}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def persen(part: int, whole: int) -> str:
    return f"{angka_id(100 * part / whole, 1)}%" if whole else "-"


#: Largest magnitude of a numeric answer (a thousand trillion: rupiah amounts fit); a
#: larger one, infinity or NaN is refused as not a plausible answer.
MAX_ANGKA = 10**15
#: Longest text read as a number (a longer cell is refused before any conversion).
MAX_ANGKA_CHARS = 40

_INT = re.compile(r"^[+-]?\d+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_DEC_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
_DEC_POINT = re.compile(r"^[+-]?\d*\.\d+$")


def parse_angka(raw: Raw, *, satuan: str = "") -> int | float:
    """A number from a response cell, written the Indonesian way or not.

    ``1250``, ``1.250`` (dots grouping thousands: 1250), ``12,5`` and ``1.250,5``
    (comma: decimals), ``12.5`` (a dot not followed by exactly three digits: decimals).
    A trailing unit equal to ``satuan`` ("25 orang") is accepted. Numbers must be finite
    and at most :data:`MAX_ANGKA` either way. Raises ValueError.
    """
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} bukan angka")
    if isinstance(raw, int):
        return _plausible(raw, raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueError(f"{raw!r} bukan angka yang terhingga")
        _plausible(raw, raw)
        return int(raw) if raw.is_integer() else raw
    if not isinstance(raw, str):
        raise ValueError(f"{raw!r} bukan angka")
    text = raw.strip()
    if len(text) > MAX_ANGKA_CHARS + len(satuan) + 1:
        raise ValueError(f"{_shown(text)} terlalu panjang untuk sebuah angka")
    if text.isascii() and text.isdigit():  # the common case: digits only
        return _plausible(int(text), raw)
    text = text.replace("\u00a0", " ")
    if satuan and text.casefold().endswith(satuan.casefold()):
        text = text[: -len(satuan)].strip()
    text = text.replace(" ", "")
    if _INT.match(text):
        return _plausible(int(text), raw)
    if _THOUSANDS.match(text):
        return _plausible(int(text.replace(".", "")), raw)
    if _DEC_COMMA.match(text):
        number = float(text.replace(".", "").replace(",", "."))
        _plausible(number, raw)
        return int(number) if number.is_integer() else number
    if _DEC_POINT.match(text):
        number = float(text)
        _plausible(number, raw)
        return int(number) if number.is_integer() else number
    raise ValueError(f"{_shown(raw)} bukan angka (contoh: 25, 1.250, 12,5)")


def _shown(raw: Raw) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _plausible(number: int | float, raw: Raw) -> int | float:
    if not -MAX_ANGKA <= number <= MAX_ANGKA:  # False for NaN as well
        raise ValueError(f"{_shown(raw)} di luar batas angka yang masuk akal (paling besar {angka_id(MAX_ANGKA)})")
    return number


def _blank(raw: Raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _text(raw: Raw) -> str:
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


# --------------------------------------------------------------------------- layout and results


@dataclass(frozen=True)
class Form:
    """Layout facts for an answer area, in mm from the left margin."""

    width_mm: float  # text width of the page
    indent_mm: float = 8.0  # answers start under the question text
    line_pt: float = 20.0  # pitch of handwritten answer lines (about 7 mm)
    size_pt: float = 11.0


@dataclass
class Tabel:
    """A table for the recap: header, rows (texts), relative column widths, alignment."""

    header: list[str]
    rows: list[list[str]]
    widths: list[float]
    align: list[str]
    total_row: bool = False  # the last row is a total (bold)


@dataclass
class Grafik:
    """Bar chart data: one bar per label; percentages are of ``dasar`` respondents."""

    labels: list[str]
    jumlah: list[int]
    dasar: int
    judul: str


@dataclass
class Ringkasan:
    """The tally of one question."""

    pertanyaan: Pertanyaan
    dijawab: int
    kosong: int
    tabel: Tabel | None = None
    grafik: Grafik | None = None
    nilai: dict[str, Any] = field(default_factory=dict)  # machine-readable results
    catatan: list[str] = field(default_factory=list)


Answers = Sequence[tuple[str, Any]]  # (copy code, answer) of the rows that answered


# --------------------------------------------------------------------------- base class


class Pertanyaan(BaseModel):
    """What every question has. Subclasses add their keys and behaviour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Kode = Field(description="nama kolom jawaban; unik dalam kuesioner")
    teks: Teks = Field(min_length=1, description="kalimat pertanyaan")
    keterangan: Teks = Field("", description="petunjuk singkat di bawah pertanyaan")

    #: shown in italics under the question (e.g. "Pilih satu jawaban.")
    petunjuk: ClassVar[str] = ""

    @property
    def kind(self) -> str:
        return str(getattr(self, "jenis"))

    def hint(self) -> str:
        """Instruction printed in italics under the question."""
        return self.petunjuk

    def check(self) -> list[tuple[FieldPath, str]]:
        """Problems the field types cannot see, as (path inside the question, message)."""
        return []

    def columns(self) -> list[str]:
        return [self.id]

    def answer_area(self, form: Form) -> list[etree._Element]:
        raise NotImplementedError

    def read_value(self, raw: Raw) -> Any:
        """One non-blank cell to an answer; ValueError with the reason when malformed.

        Depends on the cell only, and returns an immutable value: :meth:`reader` gives
        the answer read once to every equal cell.
        """
        return _text(raw)

    def read(self, cells: Mapping[str, Raw]) -> tuple[Any, list[str]]:
        """The answer in ``cells`` (column -> raw value): (answer or None, problems)."""
        raw = cells.get(self.id)
        if _blank(raw):
            return None, []
        try:
            return self.read_value(raw), []
        except ValueError as exc:
            return None, [f"kolom {self.id}: {exc}"]

    def reader(self) -> Callable[[Mapping[str, Raw]], tuple[Any, list[str]]]:
        """:meth:`read` for many rows: a kind reading its one cell with :meth:`read_value`
        reads each distinct cell once (answers repeat: options, scale points, numbers),
        keeping at most :data:`READ_CACHE` of them; a kind with its own :meth:`read` reads
        every row."""
        if type(self).read is not Pertanyaan.read:
            return self.read
        read, column = self.read, self.id
        seen: dict[tuple[type, Raw], tuple[Any, list[str]]] = {}

        def cached(cells: Mapping[str, Raw]) -> tuple[Any, list[str]]:
            raw = cells.get(column)
            key = (type(raw), raw)  # 1 and 1.0 are equal keys; their type keeps them apart
            found = seen.get(key)
            if found is None:
                found = read(cells)
                if len(seen) < READ_CACHE:
                    seen[key] = found
            return found if not found[1] else (found[0], list(found[1]))

        return cached

    def summarise(self, answers: Answers, returned: int) -> Ringkasan:
        raise NotImplementedError


_KINDS: dict[str, type[Pertanyaan]] = {}


def question_kind(cls: type[Pertanyaan]) -> type[Pertanyaan]:
    """Register a question kind under the value of its ``jenis`` Literal."""
    (name,) = get_args(cls.model_fields["jenis"].annotation)
    _KINDS[name] = cls
    return cls


def kinds() -> dict[str, type[Pertanyaan]]:
    return dict(_KINDS)


# --------------------------------------------------------------------------- shared pieces


def _text_list(q: Pertanyaan, answers: Answers, returned: int) -> Ringkasan:
    rows = [[str(i), kode, text] for i, (kode, text) in enumerate(answers, start=1)]
    return Ringkasan(
        pertanyaan=q,
        dijawab=len(answers),
        kosong=returned - len(answers),
        tabel=Tabel(["No", "Kode eksemplar", "Jawaban"], rows, [8, 30, 100], ["center", "center", "left"]),
        nilai={"jawaban": [(kode, text) for kode, text in answers]},
    )


def _option_paragraph(text: str, *, indent_mm: float, box_mm: float = 6.0, keep_next: bool = True,
                      align: str | None = None, size_pt: float | None = None) -> etree._Element:
    return fx.Para(
        indent_mm=indent_mm + box_mm,
        hanging_mm=box_mm,
        tabs=[fx.Tab(indent_mm + box_mm)],
        keep_next=keep_next,
        before_pt=1,
        after_pt=1,
        align=align,
        runs=[fx.box_run(), fx.tab_run(), fx.text_run(text, size_pt=size_pt)],
    ).build()


def _choice_grid(options: Sequence[str], form: Form, *, min_col_mm: float = 28.0) -> list[etree._Element]:
    """Tick boxes for ``options``: one per line when long, else in up to 4 columns."""
    avail = form.width_mm - form.indent_mm
    longest = max(len(o) for o in options)
    est = 8.0 + longest * 2.0  # box, gap and text at about 2 mm a character
    per_row = max(1, min(len(options), 4, int(avail // est)))
    if per_row == 1:
        return [_option_paragraph(o, indent_mm=form.indent_mm) for o in options]
    col = min(avail / per_row, max(min_col_mm, est + 4.0))
    rows = []
    for start in range(0, len(options), per_row):
        chunk = list(options[start:start + per_row])
        cells = [fx.Cell([_option_paragraph(o, indent_mm=0)], valign="top") for o in chunk]
        cells += [fx.Cell([fx.Para().build()]) for _ in range(per_row - len(chunk))]
        rows.append(cells)
    return [fx.table([col] * per_row, rows, lines=False, indent_mm=form.indent_mm, cell_margin_mm=0)]


@functools.lru_cache(maxsize=256)
def _option_keys(options: tuple[str, ...]) -> dict[str, str]:
    """Normalised text -> option, the first option winning (as the scan it replaces)."""
    keys: dict[str, str] = {}
    for option in options:
        keys.setdefault(_norm(option), option)
    return keys


class _Pilihan(Pertanyaan):
    """Shared by the kinds answered by ticking boxes."""

    lainnya: bool = Field(False, description='tambah kotak "Lainnya, sebutkan: ...."')

    multiple: ClassVar[bool] = False

    def options(self) -> list[str]:
        return list(getattr(self, "pilihan"))

    def aliases(self) -> dict[str, str]:
        return {}

    def check(self) -> list[tuple[FieldPath, str]]:
        problems: list[tuple[FieldPath, str]] = []
        seen: set[str] = set()
        for index, option in enumerate(self.options()):
            key = _norm(option)
            if not key:
                problems.append((("pilihan", index), "pilihan kosong"))
            elif key in seen:
                problems.append((("pilihan", index), f"pilihan {option!r} ditulis dua kali"))
            elif self.lainnya and key == _norm(LAINNYA):
                problems.append((("pilihan", index), f"'{LAINNYA}' sudah ditambahkan oleh `lainnya: true`"))
            if self.multiple and MULTI_SEPARATOR in option:
                problems.append(
                    (("pilihan", index),
                     f"pilihan ganda tidak boleh memuat '{MULTI_SEPARATOR}': tanda itu memisahkan jawaban di berkas jawaban")
                )
            seen.add(key)
        return problems

    def answer_area(self, form: Form) -> list[etree._Element]:
        area = _choice_grid(self.options(), form)
        if self.lainnya:
            indent = form.indent_mm
            area.append(
                fx.Para(
                    indent_mm=indent + 6,
                    hanging_mm=6,
                    tabs=[fx.Tab(indent + 6), fx.Tab(form.width_mm, "right", "dot")],
                    line_pt=form.line_pt,
                    runs=[fx.box_run(), fx.tab_run(), fx.text_run(f"{LAINNYA}, sebutkan: "), fx.tab_run()],
                ).build()
            )
        return area

    def _match(self, raw: Raw) -> tuple[str, str]:
        """(option, free text of "Lainnya") for one answer; ValueError when not an option."""
        options = self.options()
        text = _text(raw)
        key = _norm(text)
        found = _option_keys(tuple(options)).get(key)
        if found is not None:
            return found, ""
        alias = self.aliases().get(key)
        if alias is not None:
            return alias, ""
        if re.fullmatch(r"\d+", key):
            number = int(key)
            if 1 <= number <= len(options):
                return options[number - 1], ""
            if self.lainnya and number == len(options) + 1:
                return LAINNYA, ""
        if self.lainnya:
            m = re.match(r"^lainnya\b\s*(?:,?\s*sebutkan)?\s*[:\-\u2013=]?\s*(.*)$", text, re.IGNORECASE | re.DOTALL)
            if m:
                return LAINNYA, m.group(1).strip()
        shown = "; ".join(options + ([f"{LAINNYA}: ..."] if self.lainnya else []))
        raise ValueError(f"jawaban {text!r} tidak ada di pilihan ({shown}) dan bukan nomor pilihan 1-{len(options)}")

    def _labels(self) -> list[str]:
        return self.options() + ([LAINNYA] if self.lainnya else [])

    def _tally(self, chosen: Sequence[Sequence[tuple[str, str]]], answers: Answers, returned: int) -> Ringkasan:
        labels = self._labels()
        counts = {label: 0 for label in labels}
        others: list[tuple[str, str]] = []
        for (kode, _), picks in zip(answers, chosen):
            for option, extra in picks:
                counts[option] += 1
                if option == LAINNYA and extra:
                    others.append((kode, extra))
        answered = len(answers)
        rows = [[label, angka_id(counts[label]), persen(counts[label], answered)] for label in labels]
        total = False
        notes: list[str] = []
        if self.multiple:
            notes.append(
                f"Persentase dari {answered} responden yang menjawab; satu responden boleh memilih lebih dari satu jawaban."
            )
        else:
            rows.append(["Jumlah", angka_id(answered), persen(answered, answered)])
            total = True
        if others:
            notes.append(f"{LAINNYA}: " + "; ".join(f"{text} ({kode})" for kode, text in others))
        return Ringkasan(
            pertanyaan=self,
            dijawab=answered,
            kosong=returned - answered,
            tabel=Tabel(["Jawaban", "Jumlah", "Persentase"], rows, [90, 25, 25], ["left", "center", "center"], total),
            grafik=Grafik(labels, [counts[label] for label in labels], answered, self.teks),
            nilai={"jumlah": dict(counts), "lainnya": others},
            catatan=notes,
        )


# --------------------------------------------------------------------------- the kinds


@question_kind
class IsianSingkat(Pertanyaan):
    """Short answer: one dotted line."""

    jenis: Literal["isian_singkat"]

    def answer_area(self, form: Form) -> list[etree._Element]:
        return [fx.dotted_line(form.indent_mm, form.width_mm, line_pt=form.line_pt)]

    def summarise(self, answers: Answers, returned: int) -> Ringkasan:
        return _text_list(self, answers, returned)


@question_kind
class IsianPanjang(Pertanyaan):
    """Long answer: several dotted lines."""

    jenis: Literal["isian_panjang"]
    baris: int = Field(3, ge=2, le=20, description="jumlah baris isian")

    def answer_area(self, form: Form) -> list[etree._Element]:
        return [
            fx.dotted_line(form.indent_mm, form.width_mm, line_pt=form.line_pt, keep_next=i < self.baris - 1)
            for i in range(self.baris)
        ]

    def summarise(self, answers: Answers, returned: int) -> Ringkasan:
        return _text_list(self, answers, returned)


@question_kind
class PilihanTunggal(_Pilihan):
    """Single choice: tick one box."""

    jenis: Literal["pilihan_tunggal"]
    pilihan: list[Teks] = Field(min_length=2, description="pilihan jawaban, berurutan")

    petunjuk: ClassVar[str] = "Pilih satu jawaban."

    def read_value(self, raw: Raw) -> tuple[str, str]:
        return self._match(raw)

    def summarise(self, answers: Answers, returned: int) -> Ringkasan:
        return self._tally([[value] for _, value in answers], answers, returned)


@question_kind
class PilihanGanda(_Pilihan):
    """Multiple choice: tick every box that applies; in a response cell separated by ';'."""

    jenis: Literal["pilihan_ganda"]
    pilihan: list[Teks] = Field(min_length=2, description="pilihan jawaban, berurutan")

    petunjuk: ClassVar[str] = "Jawaban boleh lebih dari satu."
    multiple: ClassVar[bool] = True

    def read_value(self, raw: Raw) -> tuple[tuple[str, str], ...]:
        parts = [p for p in _text(raw).split(MULTI_SEPARATOR) if p.strip()]
        picks: dict[str, tuple[str, str]] = {}
        problems = []
        for part in parts:
            try:
                option, extra = self._match(part)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if option not in picks or extra:
                picks[option] = (option, extra)
        if problems:
            raise ValueError("; ".join(problems))
        order = {label: i for i, label in enumerate(self._labels())}
        return tuple(sorted(picks.values(), key=lambda pick: order[pick[0]]))

    def summarise(self, answers: Answers, returned: int) -> Ringkasan:
        return self._tally([value for _, value in answers], answers, returned)


@question_kind
class YaTidak(_Pilihan):
    """Yes or no: two boxes. Answers: Ya/Tidak, Y/T, or 1/2."""

    jenis: Literal["ya_tidak"]

    def options(self) -> list[str]:
        return ["Ya", "Tidak"]

    def aliases(self) -> dict[str, str]:
        return {"y": "Ya", "t": "Tidak"}

    def answer_area(self, form: Form) -> list[etree._Element]:
        area = _choice_grid(self.options(), form, min_col_mm=30.0)
        if self.lainnya:
            area += super().answer_area(form)[-1:]
        return area

    def read_value(self, raw: Raw) -> tuple[str, str]:
        return self._match(raw)

    def summarise(self, answers: Answers, returned: int) -> Ringkasan:
        return self._tally([[value] for _, value in answers], answers, returned)


@question_kind
class Skala(Pertanyaan):
    """Likert scale: one box per point; answers are the point number 1..N or its label."""

    jenis: Literal["skala"]
    label: list[Teks] = Field(
        default_factory=lambda: list(SKALA_PANRB),
        min_length=2,
        max_length=10,
        description="label tiap nilai, dari terendah (nilai 1); bawaan: skala 4 Permen PANRB 14/2017",
    )

    petunjuk: ClassVar[str] = "Pilih satu nilai."

    def check(self) -> list[tuple[FieldPath, str]]:
        problems: list[tuple[FieldPath, str]] = []
        seen: set[str] = set()
        for index, text in enumerate(self.label):
            if not text:
                problems.append((("label", index), "label kosong"))
            elif _norm(text) in seen:
                problems.append((("label", index), f"label {text!r} ditulis dua kali"))
            seen.add(_norm(text))
        return problems

    def answer_area(self, form: Form) -> list[etree._Element]:
        points = len(self.label)
        col = min((form.width_mm - form.indent_mm) / points, 36.0)
        cells = []
        for number, text in enumerate(self.label, start=1):
            cells.append(
                fx.Cell(
                    [
                        fx.Para(align="center", keep_next=True, runs=[fx.box_run(14)]).build(),
                        fx.Para(align="center", keep_next=True, runs=[fx.text_run(text, size_pt=9.5)]).build(),
                        fx.Para(align="center", runs=[fx.text_run(f"({number})", size_pt=8)]).build(),
                    ],
                    valign="top",
                )
            )
        return [fx.table([col] * points, [cells], lines=False, indent_mm=form.indent_mm, cell_margin_mm=1)]

    def read_value(self, raw: Raw) -> int:
        points = len(self.label)
        text = _text(raw)
        if re.fullmatch(r"\d+", text):
            number = int(text)
            if 1 <= number <= points:
                return number
            raise ValueError(f"nilai {number} di luar skala 1-{points}")
        for number, label in enumerate(self.label, start=1):
            if _norm(label) == _norm(text):
                return number
        labels = "; ".join(f"{i} = {t}" for i, t in enumerate(self.label, start=1))
        raise ValueError(f"jawaban {text!r} bukan nilai skala ({labels})")

    def summarise(self, answers: Answers, returned: int) -> Ringkasan:
        counts = [0] * len(self.label)
        for _, value in answers:
            counts[value - 1] += 1
        answered = len(answers)
        mean = sum(value for _, value in answers) / answered if answered else None
        rows = [
            [str(number), text, angka_id(counts[number - 1]), persen(counts[number - 1], answered)]
            for number, text in enumerate(self.label, start=1)
        ]
        rows.append(["", "Jumlah", angka_id(answered), persen(answered, answered)])
        notes = [f"Rata-rata: {angka_id(mean, 2)} (skala 1-{len(self.label)})"] if mean is not None else []
        return Ringkasan(
            pertanyaan=self,
            dijawab=answered,
            kosong=returned - answered,
            tabel=Tabel(["Nilai", "Keterangan", "Jumlah", "Persentase"], rows, [15, 75, 25, 25],
                        ["center", "left", "center", "center"], True),
            grafik=Grafik([f"{t} ({i})" for i, t in enumerate(self.label, start=1)], counts, answered, self.teks),
            nilai={"sebaran": {i: c for i, c in enumerate(counts, start=1)}, "rata_rata": mean},
            catatan=notes,
        )


@question_kind
class Angka(Pertanyaan):
    """A number, with its unit after the dotted space."""

    jenis: Literal["angka"]
    satuan: Teks = Field("", description="satuan, mis. orang, rupiah, jam")
    bulat: bool = Field(False, description="hanya bilangan bulat")
    minimum: float | None = Field(None, description="nilai terkecil yang masuk akal")
    maksimum: float | None = Field(None, description="nilai terbesar yang masuk akal")

    petunjuk: ClassVar[str] = "Isi dengan angka."

    def check(self) -> list[tuple[FieldPath, str]]:
        if self.minimum is not None and self.maksimum is not None and self.minimum > self.maksimum:
            return [(("maksimum",), "maksimum lebih kecil dari minimum")]
        return []

    def answer_area(self, form: Form) -> list[etree._Element]:
        return [
            fx.Para(
                indent_mm=form.indent_mm,
                tabs=[fx.Tab(form.indent_mm + 50, "left", "dot")],
                line_pt=form.line_pt,
                runs=[fx.tab_run(), fx.text_run(f" {self.satuan}" if self.satuan else "")],
            ).build()
        ]

    def read_value(self, raw: Raw) -> int | float:
        number = parse_angka(raw, satuan=self.satuan)
        if self.bulat and not float(number).is_integer():
            raise ValueError(f"{_text(raw)!r} bukan bilangan bulat")
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{angka_id(number)} lebih kecil dari minimum {angka_id(self.minimum)}")
        if self.maksimum is not None and number > self.maksimum:
            raise ValueError(f"{angka_id(number)} lebih besar dari maksimum {angka_id(self.maksimum)}")
        return number

    def summarise(self, answers: Answers, returned: int) -> Ringkasan:
        values = [value for _, value in answers]
        n = len(values)
        total = sum(values) if values else 0
        mean = total / n if n else None
        unit = f" {self.satuan}" if self.satuan else ""
        fmt = (lambda v: f"{angka_id(v, None if float(v).is_integer() else 2)}{unit}")
        row = [angka_id(n), fmt(total), fmt(round(mean, 2)) if mean is not None else "-",
               fmt(min(values)) if values else "-", fmt(max(values)) if values else "-"]
        return Ringkasan(
            pertanyaan=self,
            dijawab=n,
            kosong=returned - n,
            tabel=Tabel(["Menjawab", "Jumlah", "Rata-rata", "Terkecil", "Terbesar"], [row], [20, 30, 30, 30, 30],
                        ["center"] * 5),
            nilai={"n": n, "jumlah": total, "rata_rata": mean, "min": min(values) if values else None,
                   "max": max(values) if values else None},
        )


@question_kind
class Tanggal(Pertanyaan):
    """A date: day, month and year on dotted spaces."""

    jenis: Literal["tanggal"]

    def answer_area(self, form: Form) -> list[etree._Element]:
        i = form.indent_mm
        return [
            fx.Para(
                indent_mm=i,
                tabs=[fx.Tab(i + 30, "left", "dot"), fx.Tab(i + 80, "left", "dot"), fx.Tab(i + 115, "left", "dot")],
                line_pt=form.line_pt,
                runs=[fx.text_run("Tanggal "), fx.tab_run(), fx.text_run(" Bulan "), fx.tab_run(),
                      fx.text_run(" Tahun "), fx.tab_run()],
            ).build()
        ]

    def read_value(self, raw: Raw) -> dt.date:
        from sopdocs.indonesian.dates import parse_tanggal

        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        try:
            return parse_tanggal(_text(raw))
        except SopdocsError as exc:
            raise ValueError(str(exc)) from None

    def summarise(self, answers: Answers, returned: int) -> Ringkasan:
        from sopdocs.indonesian.dates import format_tanggal

        values = sorted(value for _, value in answers)
        row = [angka_id(len(values)), format_tanggal(values[0]) if values else "-",
               format_tanggal(values[-1]) if values else "-"]
        return Ringkasan(
            pertanyaan=self,
            dijawab=len(values),
            kosong=returned - len(values),
            tabel=Tabel(["Menjawab", "Paling awal", "Paling akhir"], [row], [30, 50, 50], ["center"] * 3),
            nilai={"n": len(values), "min": values[0] if values else None, "max": values[-1] if values else None},
        )


@functools.lru_cache(maxsize=256)
def _grid_cells(question: str, rows: int, columns: int) -> tuple[tuple[int, int, str], ...]:
    """(row, column, response column name) of every cell of a grid, 1-based."""
    return tuple((r, c, f"{question}.{r}.{c}") for r in range(1, rows + 1) for c in range(1, columns + 1))


@question_kind
class TabelIsian(Pertanyaan):
    """A grid to fill in: rows x columns. Response columns ``<id>.<row>.<column>`` (1-based)."""

    jenis: Literal["tabel"]
    baris: list[Teks] | int = Field(description="label tiap baris, atau jumlah baris kosong bernomor")
    kolom: list[Teks] = Field(min_length=1, max_length=8, description="judul tiap kolom isian")
    isian: Literal["angka", "teks"] = Field("angka", description="isi sel: angka (dijumlahkan di rekap) atau teks")
    judul_baris: Teks = Field("", description="judul kolom label baris (bawaan: Uraian, atau No untuk baris bernomor)")

    @field_validator("baris")
    @classmethod
    def _rows(cls, value: list[str] | int) -> list[str] | int:
        if isinstance(value, int) and not 1 <= value <= 40:
            raise ValueError("jumlah baris harus 1 sampai 40")
        if isinstance(value, list) and not 1 <= len(value) <= 40:
            raise ValueError("tabel harus punya 1 sampai 40 baris")
        return value

    def hint(self) -> str:
        return "Isi dengan angka; tulis 0 bila tidak ada." if self.isian == "angka" else ""

    def row_labels(self) -> list[str]:
        if isinstance(self.baris, int):
            return [str(i) for i in range(1, self.baris + 1)]
        return list(self.baris)

    def check(self) -> list[tuple[FieldPath, str]]:
        problems: list[tuple[FieldPath, str]] = []
        for key, labels in (("baris", self.baris if isinstance(self.baris, list) else []), ("kolom", self.kolom)):
            seen: set[str] = set()
            for index, text in enumerate(labels):
                if not text:
                    problems.append(((key, index), "label kosong"))
                elif _norm(text) in seen:
                    problems.append(((key, index), f"label {text!r} ditulis dua kali"))
                seen.add(_norm(text))
        return problems

    def columns(self) -> list[str]:
        return [f"{self.id}.{r}.{c}" for r in range(1, len(self.row_labels()) + 1) for c in range(1, len(self.kolom) + 1)]

    def answer_area(self, form: Form) -> list[etree._Element]:
        numbered = isinstance(self.baris, int)
        avail = form.width_mm - form.indent_mm
        first = 12.0 if numbered else min(60.0, avail * 0.4)
        rest = (avail - first) / len(self.kolom)
        head_title = self.judul_baris or ("No" if numbered else "Uraian")

        def head(text: str) -> fx.Cell:
            return fx.Cell([fx.paragraph(text, bold=True, size_pt=10, align="center", keep_next=True)], shade="D9D9D9")

        labels = self.row_labels()
        # A short grid stays on one page (keep-with-next on every row but the last).
        keep_all = len(labels) <= KEEP_TABLE_ROWS
        rows = [[head(head_title), *[head(text) for text in self.kolom]]]
        for index, label in enumerate(labels):
            keep = keep_all and index < len(labels) - 1
            rows.append(
                [fx.Cell([fx.paragraph(label, size_pt=10, align="center" if numbered else None, keep_next=keep)]),
                 *[fx.Cell([fx.Para(keep_next=keep).build()]) for _ in self.kolom]]
            )
        return [fx.table([first] + [rest] * len(self.kolom), rows, indent_mm=form.indent_mm, header_rows=1,
                         row_height_mm=7)]

    def read(self, cells: Mapping[str, Raw]) -> tuple[Any, list[str]]:
        return self._read(cells, None)

    def reader(self) -> Callable[[Mapping[str, Raw]], tuple[Any, list[str]]]:
        """:meth:`read` for many rows, each distinct cell parsed once (see :data:`READ_CACHE`)."""
        parsed: dict[tuple[type, Raw], int | float | str] = {}

        def read(cells: Mapping[str, Raw]) -> tuple[Any, list[str]]:
            return self._read(cells, parsed)

        return read

    def _read(self, cells: Mapping[str, Raw], parsed: dict[tuple[type, Raw], int | float | str] | None
              ) -> tuple[Any, list[str]]:
        values: dict[tuple[int, int], Any] = {}
        problems = []
        rows = self.baris if isinstance(self.baris, int) else len(self.baris)
        text = self.isian == "teks"
        for r, c, column in _grid_cells(self.id, rows, len(self.kolom)):
            raw = cells.get(column)
            if _blank(raw):
                continue
            if text:
                values[(r, c)] = _text(raw)
                continue
            key = (type(raw), raw)
            number = parsed.get(key) if parsed is not None else None
            if number is None:
                try:
                    number = parse_angka(raw)
                except ValueError as exc:
                    number = str(exc)  # the reason, kept as a text
                if parsed is not None and len(parsed) < READ_CACHE:
                    parsed[key] = number
            if isinstance(number, str):
                problems.append(f"kolom {column}: {number}")
            else:
                values[(r, c)] = number
        if problems:
            return None, problems
        return (values or None), []

    def summarise(self, answers: Answers, returned: int) -> Ringkasan:
        labels = self.row_labels()
        title = self.judul_baris or ("No" if isinstance(self.baris, int) else "Uraian")
        n = len(answers)
        if self.isian == "teks":
            rows = []
            for kode, cells in answers:
                for (r, c), text in sorted(cells.items()):
                    rows.append([kode, labels[r - 1], self.kolom[c - 1], text])
            return Ringkasan(
                pertanyaan=self, dijawab=n, kosong=returned - n,
                tabel=Tabel(["Kode eksemplar", title, "Kolom", "Isian"], rows, [30, 40, 30, 60], ["center", "left", "left", "left"]),
                nilai={"isian": rows},
            )
        sums = [[0 for _ in self.kolom] for _ in labels]
        for _, cells in answers:
            for (r, c), value in cells.items():
                sums[r - 1][c - 1] += value
        rows = []
        for label, row in zip(labels, sums):
            rows.append([label, *[angka_id(v) for v in row], angka_id(sum(row))])
        col_totals = [sum(row[c] for row in sums) for c in range(len(self.kolom))]
        rows.append(["Jumlah", *[angka_id(v) for v in col_totals], angka_id(sum(col_totals))])
        widths: list[float] = [45, *[26] * (len(self.kolom) + 1)]
        return Ringkasan(
            pertanyaan=self, dijawab=n, kosong=returned - n,
            tabel=Tabel([title, *self.kolom, "Jumlah"], rows, widths,
                        ["left"] + ["center"] * (len(self.kolom) + 1), True),
            nilai={"jumlah": sums, "jumlah_kolom": col_totals, "total": sum(col_totals)},
            catatan=[f"Jumlah dari {n} responden yang mengisi tabel."],
        )


# --------------------------------------------------------------------------- the union type


class _UnknownKind(BaseModel):
    """Stands in for a question whose ``jenis`` is missing or unknown: always an error."""

    model_config = ConfigDict(extra="allow")

    jenis: str

    @field_validator("jenis")
    @classmethod
    def _refuse(cls, value: str) -> str:
        raise ValueError(f"jenis {value!r} tidak dikenal; pilihan: {', '.join(sorted(_KINDS))}")


def _tag(name: str) -> str:
    # The brackets make sopdocs.definitions.validation drop the tag from error paths.
    return f"jenis[{name}]"


def _discriminate(value: Any) -> str:
    name = value.get("jenis") if isinstance(value, dict) else getattr(value, "jenis", None)
    return _tag(name) if isinstance(name, str) and name in _KINDS else _tag("?")


def question_type() -> Any:
    """The pydantic type of one question: the registered kinds, chosen by ``jenis``."""
    members = [Annotated[cls, Tag(_tag(name))] for name, cls in _KINDS.items()]
    members.append(Annotated[SkipJsonSchema[_UnknownKind], Tag(_tag("?"))])
    return Annotated[Union[tuple(members)], Discriminator(_discriminate)]
