"""Questionnaires (kuesioner): the YAML definition and the blank, numbered paper forms.

SOP steps 1-2: the questionnaire is prepared, duplicated and handed to the sources.
Every copy carries its own code (``K-2024-0001``) from the register, so the recap knows
which copies went out and which came back. The question kinds live in
:mod:`sopdocs.kinds.kuesioner.questionkinds` (one class per kind).

Rendering is fast for many copies: the form is rendered once with a random placeholder
code, then each copy is that document with the placeholder replaced by its code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sopdocs.docx import formxml as fx
from sopdocs.errors import Problem, SopdocsError, ValidationError
from sopdocs.definitions.fieldtypes import DaftarTeks, Teks
from sopdocs.definitions.profile import AgencyProfile, Pejabat, profile_context, resolve_profile
from sopdocs.kinds.kuesioner.questionkinds import Form, Kode, Pertanyaan, question_type
from sopdocs.kinds.kuesioner.skm import SkmSetting, check_skm
from sopdocs.docx.layout import page_for
from sopdocs.docx.render import DocxFragment, Rendered, atomic_path, kop_logo, render_docx
from sopdocs.docx.integrity import guard_output
from sopdocs.docx.templateset import TemplateSet
from sopdocs.kinds.registry import DocumentKind, register_kind
from sopdocs.definitions.validation import validate
from sopdocs.definitions.yamlload import YamlDocument, load_yaml, parse_yaml

TEMPLATE = "kuesioner.docx"
MAX_COPIES = 10_000
MAX_QUESTIONS = 200
SAMPLE_CODE = "K-0000-0000"

DEFAULT_PETUNJUK = [
    "Isilah dengan huruf cetak, memakai pulpen bertinta hitam atau biru.",
    "Beri tanda centang (\u2713) pada kotak jawaban yang sesuai.",
    "Tulis jawaban isian pada baris bertitik yang tersedia.",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _slug(label: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")
    return text if re.match(r"^[a-z]", text) else f"isian_{text}".rstrip("_")


class Identitas(_Model):
    """One respondent identity field: a label and dotted line(s). A plain text is the label."""

    id: Kode = Field(None, description="nama kolom di berkas jawaban (bawaan: dibentuk dari label)")  # type: ignore[assignment]
    label: Teks = Field(min_length=1)
    baris: int = Field(1, ge=1, le=5, description="jumlah baris isian")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"label": value, "id": _slug(value)}
        if isinstance(value, dict) and "id" not in value and isinstance(value.get("label"), str):
            return {**value, "id": _slug(value["label"])}
        return value


if TYPE_CHECKING:
    QuestionType = Pertanyaan
else:
    QuestionType = question_type()  # a discriminated union of every registered question kind


class Bagian(_Model):
    """A section of questions under a lettered heading."""

    judul: Teks = Field(min_length=1)
    keterangan: Teks = ""
    pertanyaan: list[QuestionType] = Field(min_length=1)


class PengaturanRekap(_Model):
    """Who the recap letter (nota dinas) goes to and comes from."""

    kepada: Teks = Field("", description="bawaan: jabatan kepala instansi dari profil")
    dari: Pejabat | None = Field(None, description="pengirim nota dinas: jabatan, nama, NIP")
    tembusan: DaftarTeks = Field(default_factory=list)
    sifat: Teks = "Biasa"
    hal: Teks = Field("", description="bawaan: Rekapitulasi Hasil <kegiatan>")


class KuesionerDefinition(_Model):
    """A questionnaire: title, instructions, identity fields, sections of questions."""

    profil: Teks = Field("", description="berkas profil instansi, relatif terhadap berkas ini")
    judul: Teks = Field(min_length=1, description="judul di kepala formulir")
    kegiatan: Teks = Field(min_length=1, description="nama kegiatan pendataan; kunci kode eksemplar di register")
    tahun: int = Field(default_factory=lambda: dt.date.today().year, ge=2000, le=2100,
                       description="tahun pada kode eksemplar (bawaan: tahun ini)")
    awalan_kode: Teks = Field("K", description="awalan kode eksemplar, huruf/angka: K -> K-2024-0001")
    tujuan: Teks = ""
    petunjuk: DaftarTeks = Field(default_factory=lambda: list(DEFAULT_PETUNJUK), description="petunjuk pengisian")
    judul_identitas: Teks = "Identitas Responden"
    identitas: list[Identitas] = Field(
        default_factory=list, description="isian identitas responden; butir boleh berupa teks label saja"
    )
    bagian: list[Bagian] = Field(min_length=1, max_length=20)
    penutup: Teks = "Terima kasih atas kesediaan Bapak/Ibu mengisi kuesioner ini."
    tanda_tangan: DaftarTeks = Field(
        default_factory=lambda: ["Petugas Pendata", "Responden"],
        description="kolom tanda tangan di akhir formulir (kosongkan untuk tanpa tanda tangan)",
    )
    rekap: PengaturanRekap = PengaturanRekap()
    skm: SkmSetting = Field(None, description="survei kepuasan masyarakat (Permen PANRB 14/2017): true, atau "
                            "{unsur: [...]}; rekap memberi NRR tiap unsur, IKM, konversi, mutu dan kinerja")

    source: str = Field("", exclude=True)

    def numbered(self) -> list[tuple[str, Bagian, list[tuple[int, Pertanyaan]]]]:
        """Sections with their letter and their questions with continuous numbers."""
        out = []
        number = 0
        first = 1 if self.identitas else 0
        for index, section in enumerate(self.bagian):
            items = []
            for question in section.pertanyaan:
                number += 1
                items.append((number, question))
            out.append((chr(ord("A") + first + index), section, items))
        return out

    def questions(self) -> list[Pertanyaan]:
        return [q for section in self.bagian for q in section.pertanyaan]

    def question(self, qid: str) -> Pertanyaan:
        for q in self.questions():
            if q.id == qid:
                return q
        raise KeyError(qid)


def _check(defn: KuesionerDefinition, doc: YamlDocument) -> list[Problem]:
    problems: list[Problem] = []
    if not re.fullmatch(r"[A-Za-z0-9]+", defn.awalan_kode):
        problems.append(doc.problem(("awalan_kode",), "awalan kode hanya boleh huruf dan angka, mis. K"))
    seen: dict[str, str] = {}
    for index, field in enumerate(defn.identitas):
        where = f"identitas[{index + 1}]"
        if field.id in seen:
            problems.append(doc.problem(("identitas", index), f"id {field.id!r} sudah dipakai di {seen[field.id]}"))
        seen.setdefault(field.id, where)
    total = 0
    for s, section in enumerate(defn.bagian):
        for q, question in enumerate(section.pertanyaan):
            total += 1
            path = ("bagian", s, "pertanyaan", q)
            where = f"bagian[{s + 1}].pertanyaan[{q + 1}]"
            if question.id in seen:
                problems.append(doc.problem(path + ("id",), f"id {question.id!r} sudah dipakai di {seen[question.id]}"))
            seen.setdefault(question.id, where)
            for sub_path, message in question.check():
                problems.append(doc.problem(path + tuple(sub_path), message))
    if total > MAX_QUESTIONS:
        problems.append(doc.problem(("bagian",), f"paling banyak {MAX_QUESTIONS} pertanyaan; ada {total}"))
    problems.extend(check_skm(defn, doc))
    return problems


def kuesioner_from_document(doc: YamlDocument) -> tuple[KuesionerDefinition, list[Problem]]:
    data = dict(doc.data) if isinstance(doc.data, dict) else doc.data
    if isinstance(data, dict):
        data["source"] = doc.file
    return validate(KuesionerDefinition, YamlDocument(data=data, file=doc.file, lines=doc.lines), _check)


def load_kuesioner(path: Path) -> tuple[KuesionerDefinition, list[Problem]]:
    """Load and validate a questionnaire definition; returns it with its warnings."""
    return kuesioner_from_document(load_yaml(Path(path)))


def kuesioner_from_text(text: str, file: str = "<teks>") -> tuple[KuesionerDefinition, list[Problem]]:
    return kuesioner_from_document(parse_yaml(text, file))


# --------------------------------------------------------------------------- form blocks


def form_for(template: Path, profile: AgencyProfile) -> Form:
    """The answer-area geometry: text width of the template's page on the profile's paper."""
    from docx import Document

    from sopdocs.definitions.profile import PAPER_MM

    section = Document(str(template)).sections[0]
    margins_mm = ((section.left_margin or 0) + (section.right_margin or 0)) / 36000
    return Form(width_mm=PAPER_MM[profile.kertas][0] - margins_mm)


def _heading(letter: str, title: str) -> etree._Element:
    return fx.Para(
        before_pt=8,
        after_pt=3,
        keep_next=True,
        shade="E7E6E6",
        runs=[fx.text_run(f"{letter}.  ", bold=True), fx.text_run(title, bold=True, caps=True)],
    ).build()


def _spacer(points: float = 4) -> etree._Element:
    return fx.Para(line_pt=points, size_pt=2).build()


def identity_xml(defn: KuesionerDefinition, form: Form) -> str:
    """The identity block: label, colon, dotted line (more lines for long fields)."""
    if not defn.identitas:
        return ""
    colon = 50.0
    value = colon + 3.0
    elements = [_heading("A", defn.judul_identitas)]
    for field in defn.identitas:
        elements.append(
            fx.Para(
                indent_mm=value,
                hanging_mm=value,
                tabs=[fx.Tab(colon), fx.Tab(value), fx.Tab(form.width_mm, "right", "dot")],
                line_pt=form.line_pt,
                keep_next=True,
                runs=[fx.text_run(field.label), fx.tab_run(), fx.text_run(":"), fx.tab_run(), fx.tab_run()],
            ).build()
        )
        for _ in range(field.baris - 1):
            elements.append(fx.dotted_line(value, form.width_mm, line_pt=form.line_pt, keep_next=True))
    return fx.to_xml(elements)


def question_elements(number: int, question: Pertanyaan, form: Form) -> list[etree._Element]:
    """Number and text, the italic hint, the answer area, a little space."""
    elements = [
        fx.Para(
            indent_mm=form.indent_mm,
            hanging_mm=form.indent_mm,
            tabs=[fx.Tab(form.indent_mm)],
            before_pt=4,
            after_pt=1,
            keep_next=True,
            keep_lines=True,
            align="left",
            runs=[fx.text_run(f"{number}."), fx.tab_run(), fx.text_run(question.teks)],
        ).build()
    ]
    hint = " ".join(part for part in (question.keterangan, question.hint()) if part)
    if hint:
        elements.append(fx.paragraph(hint, italic=True, size_pt=9.5, indent_mm=form.indent_mm, after_pt=2, keep_next=True))
    elements.extend(question.answer_area(form))
    elements.append(_spacer())
    return elements


def questions_xml(defn: KuesionerDefinition, form: Form) -> str:
    elements: list[etree._Element] = []
    for letter, section, items in defn.numbered():
        elements.append(_heading(letter, section.judul))
        if section.keterangan:
            elements.append(fx.paragraph(section.keterangan, italic=True, size_pt=9.5, after_pt=2, keep_next=True))
        for number, question in items:
            elements.extend(question_elements(number, question, form))
    return fx.to_xml(elements)


def signatures_xml(defn: KuesionerDefinition, profile: AgencyProfile, form: Form) -> str:
    """Signature columns (e.g. Petugas Pendata | Responden) with the place and date line."""
    if not defn.tanda_tangan:
        return ""
    count = len(defn.tanda_tangan)
    col = form.width_mm / max(count, 2)
    cells = []
    for index, role in enumerate(defn.tanda_tangan):
        last = index == count - 1

        def line(lead: str, tail: str = "", *, keep: bool = True) -> etree._Element:
            return fx.Para(
                indent_mm=4, tabs=[fx.Tab(col - 8, "right", "dot")], line_pt=form.line_pt, keep_next=keep,
                runs=[fx.text_run(lead), fx.tab_run(), fx.text_run(tail)],
            ).build()

        paragraphs = [line(f"{profile.kota}, ", f" {defn.tahun}") if last else fx.Para(line_pt=form.line_pt, keep_next=True).build()]
        paragraphs.append(fx.paragraph(f"{role},", align="center", keep_next=True))
        paragraphs += [fx.Para(line_pt=12, keep_next=True).build() for _ in range(3)]
        paragraphs.append(line("(", ")"))
        paragraphs.append(fx.paragraph("nama jelas dan tanda tangan", italic=True, size_pt=8.5, align="center"))
        cells.append(fx.Cell(paragraphs, valign="top"))
    widths = [col] * count
    indent = form.width_mm - col * count
    return fx.to_xml([_spacer(6), fx.table(widths, [cells], lines=False, indent_mm=indent, cell_margin_mm=0)])


# --------------------------------------------------------------------------- context and rendering


def kuesioner_context(
    defn: KuesionerDefinition, profile: AgencyProfile, *, kode: str, form: Form
) -> dict[str, Any]:
    """Everything the questionnaire template may use."""
    return {
        "profil": profile_context(profile),
        "gaya_tanggal": profile.date_style,
        "logo": kop_logo(profile.logo_path),
        "kode": kode,
        "kuesioner": {
            "judul": defn.judul,
            "kegiatan": defn.kegiatan,
            "tahun": defn.tahun,
            "tujuan": defn.tujuan,
            "petunjuk": list(defn.petunjuk),
            "penutup": defn.penutup,
            "jumlah_pertanyaan": len(defn.questions()),
        },
        "blok_identitas": DocxFragment(identity_xml(defn, form)),
        "blok_pertanyaan": DocxFragment(questions_xml(defn, form)),
        "blok_tanda_tangan": DocxFragment(signatures_xml(defn, profile, form)),
    }


_XML_PARTS = re.compile(r"^(word/.*|docProps/core)\.xml$")


if TYPE_CHECKING:
    from sopdocs.docx.compiled import _Entry


class _CopyPlan:
    """The rendered form as zip entries: parts holding the placeholder are re-compressed per
    copy, every other part is copied as already-compressed bytes (fastrender's zip writer)."""

    def __init__(self, path: Path, placeholder: str) -> None:
        from sopdocs.docx.compiled import _raw_entries

        data = Path(path).read_bytes()
        raw = _raw_entries(data)
        self.placeholder = placeholder.encode("ascii")
        self.items: list[tuple[str, bytes] | _Entry] = []
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            for info in package.infolist():
                content = package.read(info) if _XML_PARTS.match(info.filename) else b""
                if self.placeholder in content:
                    self.items.append((info.filename, content))
                else:
                    self.items.append(raw[info.filename])

    def copy(self, code: str) -> bytes:
        from sopdocs.docx.compiled import _deflate, _write_zip

        value = code.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8")
        entries = [
            _deflate(item[0], item[1].replace(self.placeholder, value)) if isinstance(item, tuple) else item
            for item in self.items
        ]
        buffer = io.BytesIO()
        _write_zip(buffer, entries)
        return buffer.getvalue()


_HF_REF = re.compile(rb'<w:(header|footer)Reference\b[^>]*?\br:id="([^"]+)"[^>]*/>')
_RID = re.compile(rb'\bId="rId(\d+)"')
#: Ids that must be unique in the whole document: drawings and bookmarks (renumbered per copy).
_UNIQUE_ID = re.compile(rb'(<wp:docPr\b[^>]*?\bid="|<w:bookmark(?:Start|End)\b[^>]*?\bw:id=")(\d+)(")')


def _rels_targets(rels: bytes) -> dict[bytes, tuple[bytes, bytes]]:
    """Relationship id -> (type, target) of a .rels part."""
    root = etree.fromstring(rels)
    return {el.get("Id", "").encode(): (el.get("Type", "").encode(), el.get("Target", "").encode()) for el in root}


def _one_file_bytes(data: bytes, placeholder: str, codes: Sequence[str]) -> bytes:
    """All copies in one document: one section per copy, each with its own header/footer
    (so every page of a copy shows its code) and page numbers starting at 1.

    Built at the zip/XML level (linear in the number of copies): the body of the rendered
    form is repeated with the placeholder replaced, a section break after every copy but the
    last points at that copy's own header/footer parts; every other part is copied as is."""
    from sopdocs.docx.compiled import _deflate, _raw_entries, _write_zip

    raw = _raw_entries(data)
    mark = placeholder.encode("ascii")

    def escaped(text: str) -> bytes:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")

    span = codes[0] if len(codes) == 1 else f"{codes[0]} s.d. {codes[-1]}"
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = [info.filename for info in package.infolist() if not info.is_dir()]
        document = package.read("word/document.xml")
        doc_rels = package.read("word/_rels/document.xml.rels")
        content_types = package.read("[Content_Types].xml")
        parts = {name: package.read(name) for name in names if _XML_PARTS.match(name)}

    start = document.find(b"<w:body>")
    final_at = document.rfind(b"<w:sectPr")
    end = document.rfind(b"</w:body>")
    if start < 0 or final_at < start or end < final_at or b"</w:sectPr>" not in document[final_at:end]:
        raise SopdocsError("kuesioner: dokumen dasar tanpa w:body/w:sectPr yang dikenal")
    start += len(b"<w:body>")
    middle, final = document[start:final_at], document[final_at:end]

    # The header/footer parts of the final section: each copy but the last gets its own.
    targets = _rels_targets(doc_rels)
    refs = [(m.group(2), targets[m.group(2)][0], b"word/" + targets[m.group(2)][1])
            for m in _HF_REF.finditer(final) if m.group(2) in targets]
    types_root = etree.fromstring(content_types)
    ct_ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    overrides = {el.get("PartName"): el.get("ContentType") for el in types_root if el.tag == f"{ct_ns}Override"}
    next_rid = max((int(n) for n in _RID.findall(doc_rels)), default=0) + 1
    taken = {name.casefold() for name in names}
    counter = 0
    new_rels: list[bytes] = []
    new_types: list[bytes] = []
    new_entries: list[Any] = []
    breaks: list[bytes] = []
    for code in codes[:-1]:
        value = escaped(code)
        section = final
        for rid, reltype, partname in refs:
            kind = "header" if reltype.endswith(b"/header") else "footer"
            source = partname.decode("utf-8")
            while True:
                counter += 1
                name = f"word/{kind}{counter}.xml"
                if name.casefold() not in taken:
                    break
            taken.add(name.casefold())
            new_rid = f"rId{next_rid}".encode()
            next_rid += 1
            section = section.replace(b'r:id="' + rid + b'"', b'r:id="' + new_rid + b'"', 1)
            new_rels.append(b'<Relationship Id="' + new_rid + b'" Type="' + reltype
                            + b'" Target="' + name[len("word/"):].encode() + b'"/>')
            ctype = overrides.get("/" + source) or ""
            new_types.append(f'<Override PartName="/{name}" ContentType="{ctype}"/>'.encode())
            new_entries.append(_deflate(name, parts[source].replace(mark, value)))
            part_rels = f"word/_rels/{source[len('word/'):]}.rels"
            if part_rels in raw:
                new_entries.append(dataclasses.replace(raw[part_rels], name=f"word/_rels/{name[len('word/'):]}.rels"))
        breaks.append(b"<w:p><w:pPr>" + section + b"</w:pPr></w:p>")

    # Ids unique in the whole document: offset each copy's drawing/bookmark ids.
    pieces = _UNIQUE_ID.split(middle)
    stride = max((int(pieces[i]) for i in range(2, len(pieces), 4)), default=0) + 1
    chunks: list[bytes] = [document[:start]]
    for index, code in enumerate(codes):
        value = escaped(code)
        copy_pieces = list(pieces)
        for i in range(2, len(pieces), 4):
            copy_pieces[i] = str(int(pieces[i]) + index * stride).encode()
        chunks.append(b"".join(copy_pieces).replace(mark, value))
        if index < len(codes) - 1:
            chunks.append(breaks[index])
    chunks.append(final)
    chunks.append(document[end:])
    body = b"".join(chunks)
    del chunks

    last = escaped(codes[-1])
    header_parts = {partname.decode("utf-8") for _, _, partname in refs}
    rels_out = doc_rels.replace(b"</Relationships>", b"".join(new_rels) + b"</Relationships>")
    types_out = content_types.replace(b"</Types>", b"".join(new_types) + b"</Types>")
    entries: list[Any] = []
    for name in names:
        if name == "word/document.xml":
            entries.append(_deflate(name, body))
        elif name == "word/_rels/document.xml.rels":
            entries.append(_deflate(name, rels_out))
        elif name == "[Content_Types].xml":
            entries.append(_deflate(name, types_out))
        elif name in header_parts:
            entries.append(_deflate(name, parts[name].replace(mark, last)))
        elif name in parts and mark in parts[name]:
            entries.append(_deflate(name, parts[name].replace(mark, escaped(span))))
        else:
            entries.append(raw[name])
    del body
    entries.extend(new_entries)
    buffer = io.BytesIO()
    _write_zip(buffer, entries)
    del entries
    return buffer.getvalue()


def _one_file(base: Path, placeholder: str, codes: Sequence[str], target: Path) -> Path:
    """All copies in one document (:func:`_one_file_bytes`), checked and written atomically.

    The package of the first two copies is checked (:func:`guard_output`): the full document
    only repeats the same body, section break and header/footer parts with other codes, and
    checking it whole would parse tens of MB of XML into a tree (≈ 600 MB for 1,000 copies)."""
    from sopdocs.fsutil import atomic_write_bytes

    data = Path(base).read_bytes()
    guard_output(_one_file_bytes(data, placeholder, codes[:2]), name=str(target))
    return atomic_write_bytes(target, _one_file_bytes(data, placeholder, codes))


class PreparedForm:
    """The form rendered once with a placeholder code; :meth:`copies` stamps the real codes.

    Use as a context manager: the placeholder document is deleted on exit.
    """

    def __init__(self, defn: KuesionerDefinition, profile: AgencyProfile, folder: Path,
                 *, templates: TemplateSet | None = None) -> None:
        templates = templates or TemplateSet()
        template = templates.path(TEMPLATE)
        form = form_for(template, profile)
        self.placeholder = "KODE" + uuid.uuid4().hex.upper()
        context = kuesioner_context(defn, profile, kode=self.placeholder, form=form)
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.path = atomic_path(Path(folder) / "kuesioner.docx")
        try:
            render_docx(template, context, self.path,
                        paper=page_for(profile, margins=False, body_size=False, page_numbers=False))
        except BaseException:
            self.path.unlink(missing_ok=True)
            raise

    def __enter__(self) -> PreparedForm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)

    def copies(self, codes: Sequence[str], out: Path, *, one_file: bool = False) -> list[Path]:
        """One .docx per code in the folder ``out`` (``KUESIONER_<code>.docx``), or all in one
        file (``one_file``, or one code and ``out`` naming a .docx)."""
        from sopdocs.fsutil import atomic_write_bytes, safe_filename

        codes = list(codes)
        if not codes:
            raise SopdocsError("tidak ada kode eksemplar: minimal satu salinan")
        out = Path(out)
        named = out.suffix.lower() == ".docx"
        folder = out.parent if named else out
        stem = out.stem if named else "KUESIONER"
        folder.mkdir(parents=True, exist_ok=True)
        if one_file or (named and len(codes) == 1):
            if named:
                target = out
            else:
                span = codes[0] if len(codes) == 1 else f"{codes[0]}_sd_{codes[-1]}"
                target = folder / f"{safe_filename(f'{stem}_{span}')}.docx"
            return [_one_file(self.path, self.placeholder, codes, target)]
        if named:
            raise SopdocsError(
                f"{out}: {len(codes)} salinan menjadi {len(codes)} berkas; beri nama folder, atau pakai satu berkas"
            )
        plan = _CopyPlan(self.path, self.placeholder)
        # Copies differ from each other only in the (escaped) code text: checking one
        # package proves the structure of all of them.
        guard_output(plan.copy(codes[0]), name=str(folder / f"{safe_filename(f'{stem}_{codes[0]}')}.docx"))
        return [
            atomic_write_bytes(folder / f"{safe_filename(f'{stem}_{code}')}.docx", plan.copy(code), durable=False)
            for code in codes
        ]


def render_kuesioner(
    defn: KuesionerDefinition,
    profile: AgencyProfile,
    out: Path,
    codes: Sequence[str],
    *,
    templates: TemplateSet | None = None,
    one_file: bool = False,
) -> list[Path]:
    """Render one blank form per code into the folder ``out`` (``KUESIONER_<code>.docx``),
    or all of them into one file (``one_file``; ``out`` may then name the .docx)."""
    out = Path(out)
    folder = out.parent if out.suffix.lower() == ".docx" else out
    with PreparedForm(defn, profile, folder, templates=templates) as prepared:
        return prepared.copies(codes, out, one_file=one_file)


#: The copy code a draft's forms show instead of a registered one.
KONSEP_CODE = "KONSEP"


def _check_copies(copies: object) -> int:
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise ValidationError(
            [Problem(f"jumlah salinan {copies!r} harus bilangan bulat 1 sampai {MAX_COPIES}", field="copies")]
        )
    return copies


def issue_codes(defn: KuesionerDefinition, count: int, *, archive: Path | None = None) -> list[str]:
    """Take ``count`` new copy codes for the questionnaire's activity from the register."""
    from sopdocs.numbering.rules import archive_dir, register_for

    with register_for(archive_dir(archive)) as register:
        return register.issue_copy_codes(defn.kegiatan, _check_copies(count), year=defn.tahun, prefix=defn.awalan_kode)


def render_kuesioner_file(
    definition: Path,
    out: Path,
    *,
    profile: Path | None = None,
    templates: Path | TemplateSet | None = None,
    pdf: bool = False,
    copies: int = 1,
    one_file: bool = False,
    archive: Path | None = None,
    konsep: bool = False,
) -> Rendered:
    """Validate a questionnaire and render ``copies`` numbered blank forms.

    The copy codes come from the register of ``archive`` (see
    :func:`sopdocs.locations.archive_dir`), taken only after the form rendered, so a
    broken template uses up no codes. ``out``: a folder, or a .docx name for ``one_file``.
    A draft (``konsep``) takes no codes: its copies show ``KONSEP-1``, ``KONSEP-2``...
    """
    defn, warnings = load_kuesioner(Path(definition))
    agency, profile_warnings = resolve_profile(profile, defn.profil, Path(definition))
    template_set = templates if isinstance(templates, TemplateSet) else TemplateSet(templates)
    _check_copies(copies)
    out = Path(out)
    if out.suffix.lower() == ".docx" and copies > 1 and not one_file:
        raise SopdocsError(
            f"{out}: {copies} salinan menjadi {copies} berkas; beri nama folder untuk -o, atau pakai --one-file"
        )
    folder = out.parent if out.suffix.lower() == ".docx" else out
    with PreparedForm(defn, agency, folder, templates=template_set) as prepared:
        # Codes are reserved, the copies written, then the codes confirmed against the
        # folder they went to; a failure in between gives them back.
        from sopdocs.locations import archive_dir
        from sopdocs.numbering.rules import document_reference, register_for

        if konsep:
            codes = [f"{KONSEP_CODE}-{n}" for n in range(1, _check_copies(copies) + 1)]
            result = Rendered(warnings=[*warnings, *profile_warnings])
            result.docx.extend(prepared.copies(codes, out, one_file=one_file))
            if pdf:
                result.add_pdf_copies()
            return result
        root = archive_dir(archive)
        txn = f"kuesioner-{uuid.uuid4().hex[:12]}"
        with register_for(root) as register:
            codes = register.issue_copy_codes(defn.kegiatan, _check_copies(copies), year=defn.tahun,
                                              prefix=defn.awalan_kode, txn=txn)
            try:
                made = prepared.copies(codes, out, one_file=one_file)
            except BaseException as exc:
                register.release(txn, " ".join(f"kuesioner gagal dibuat: {exc}".split())[:500])
                raise
            register.confirm(txn, {"*": document_reference(made[0] if one_file else folder, root)})
        result = Rendered(warnings=[*warnings, *profile_warnings], numbers=list(codes))
        result.docx.extend(made)
    if pdf:
        result.add_pdf_copies()
    return result


def _sample() -> dict[str, Any]:
    from sopdocs.locations import builtin_examples_dir

    examples = builtin_examples_dir()
    defn, _ = load_kuesioner(examples / "kuesioner-pendataan.yaml")
    agency, _ = resolve_profile(None, defn.profil, examples / "kuesioner-pendataan.yaml")
    return kuesioner_context(defn, agency, kode=SAMPLE_CODE, form=Form(width_mm=170.0))


register_kind(
    DocumentKind(
        name="kuesioner",
        label="Kuesioner",
        model=KuesionerDefinition,
        load=load_kuesioner,
        parse=kuesioner_from_document,
        render_file=render_kuesioner_file,
        template=TEMPLATE,
        provides=frozenset({"profil", "gaya_tanggal", "logo", "kode", "kuesioner", "blok_identitas",
                            "blok_pertanyaan", "blok_tanda_tangan"}),
        required=frozenset({"kode", "blok_pertanyaan"}),
        sample=_sample,
        description="kuesioner kosong bernomor (kode eksemplar di kepala halaman)",
    )
)
