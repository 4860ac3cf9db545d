"""One data-collection activity carried out along the seed SOP, end to end.

An activity definition names the SOP and the documents of each step (surat tugas,
questionnaire and its copies, responses, disposition, photos); :func:`run_activity`
renders and numbers them all, then archives them as one case file (berkas) and indexes
it. Everything is checked before the first number is taken.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

from pydantic import BaseModel, ConfigDict, Field

from sopdocs.errors import Problem, ValidationError
from sopdocs.definitions.fieldtypes import DaftarTeks, Tanggal, Teks
from sopdocs.definitions.validation import validate
from sopdocs.definitions.yamlload import YamlDocument, load_yaml

Progress = Callable[[str], None]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Berkas(_Model):
    """The case file the activity's documents are archived in."""

    id: Teks = Field(min_length=1, description="nomor/kode berkas, mis. PENDATAAN-2024-01")
    kode_klasifikasi: Teks = Field(min_length=1, description="kode klasifikasi arsip berkas")
    uraian: Teks = Field(min_length=1, description="uraian informasi berkas")
    lokasi: Teks = Field("", description="lokasi simpan fisik (lemari/rak)")


class KegiatanDefinition(_Model):
    """A pendataan activity: which SOP, which documents, where they are."""

    profil: Teks = Field("", description="berkas profil instansi, relatif terhadap berkas ini")
    berkas: Berkas
    sop: Teks = Field(min_length=1, description="definisi SOP (YAML)")
    surat_tugas: Teks = Field(min_length=1, description="definisi surat tugas (YAML), langkah 3")
    kuesioner: Teks = Field(min_length=1, description="definisi kuesioner (YAML), langkah 1-2")
    eksemplar: int = Field(30, ge=1, le=5000, description="jumlah salinan kuesioner bernomor")
    jawaban: Teks = Field(min_length=1, description="jawaban yang kembali (CSV/XLSX), langkah 4")
    tanggal_rekap: Tanggal | None = Field(None, description="tanggal nota dinas rekapitulasi, langkah 6")
    disposisi: Teks = Field(min_length=1, description="disposisi pimpinan (YAML), langkah 7")
    foto: DaftarTeks = Field(default_factory=list, description="foto pelaksanaan (langkah 5)")
    pdf: bool = Field(False, description="buat salinan PDF tiap dokumen di arsip")

    source: str = Field("", exclude=True)

    def path(self, relative: str) -> Path:
        return (Path(self.source).resolve().parent / relative).resolve()


def _check(defn: KegiatanDefinition, doc: YamlDocument) -> list[Problem]:
    problems = []
    for key in ("sop", "surat_tugas", "kuesioner", "jawaban", "disposisi"):
        if not defn.path(getattr(defn, key)).is_file():
            problems.append(doc.problem((key,), f"berkas tidak ditemukan: {defn.path(getattr(defn, key))}"))
    for index, photo in enumerate(defn.foto):
        path = defn.path(photo)
        if not path.is_file():
            problems.append(doc.problem(("foto", index), f"foto tidak ditemukan: {path}"))
        elif path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
            problems.append(doc.problem(("foto", index), "foto harus JPG atau PNG"))
    return problems


def load_kegiatan(path: Path) -> tuple[KegiatanDefinition, list[Problem]]:
    doc = load_yaml(Path(path))
    data = dict(doc.data) if isinstance(doc.data, dict) else doc.data
    if isinstance(data, dict):
        data["source"] = doc.file
    return validate(KegiatanDefinition, YamlDocument(data=data, file=doc.file, lines=doc.lines), _check)


@dataclass
class Made:
    """One document the run made."""

    step: str
    kind: str
    title: str
    date: dt.date
    path: Path
    number: str = ""


@dataclass
class RunResult:
    case_id: str
    archive: Path
    documents: list[Made] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    refused_rows: int = 0


def _copy_list(codes: list[str], activity: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["no", "kode_eksemplar", "kegiatan"])
    for index, code in enumerate(codes, start=1):
        writer.writerow([index, code, activity])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _check_photos(defn: KegiatanDefinition, doc_file: str) -> list[Problem]:
    """Every photo must really be a JPEG or PNG picture (not just named so)."""
    from PIL import Image, UnidentifiedImageError

    problems = []
    for index, photo in enumerate(defn.foto):
        path = defn.path(photo)
        try:
            with Image.open(path) as picture:
                picture.verify()
                if picture.format not in ("JPEG", "PNG"):
                    raise UnidentifiedImageError(picture.format or "?")
        except (OSError, UnidentifiedImageError, ValueError) as exc:
            problems.append(Problem(f"{path}: bukan gambar JPG/PNG yang dapat dibaca ({exc})",
                                    file=doc_file, field=f"foto.{index}"))
    return problems


def run_activity(
    definition: Path,
    *,
    archive: Path | None = None,
    pdf: bool | None = None,
    case_id: str | None = None,
    progress: Progress | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> RunResult:
    """Carry out the activity: render, number, archive and index every document.

    Every input is checked before the first number is taken (definitions, the case id
    and classification, the responses, the photos, LibreOffice when PDF copies are
    asked, the templates by a trial render). Numbers and copy codes are then reserved in
    one :class:`~sopdocs.workflow.issue.Transaction`, the documents rendered and filed as
    one sealed case file in one step, and only then confirmed; any failure gives them
    back and leaves no case behind.
    """
    from sopdocs.archive.archive import Archive, NewDocument
    from sopdocs.definitions.profile import resolve_profile
    from sopdocs.docx.render import render_docx
    from sopdocs.docx.layout import page_for
    from sopdocs.docx.templateset import TemplateSet
    from sopdocs.kinds.disposisi import load_disposisi, render_disposisi
    from sopdocs.kinds.kuesioner.kuesioner import PreparedForm, load_kuesioner
    from sopdocs.kinds.kuesioner.recap import check_responses, prepare_recap
    from sopdocs.kinds.registry import get_kind
    from sopdocs.kinds.sop.sopdef import load_sop
    from sopdocs.kinds.sop.sopsheet import render_sop
    from sopdocs.kinds.surattugas import identity, load_surat_tugas, surat_tugas_context
    from sopdocs.kinds.tandaterima import KIND as RECEIPT_KIND
    from sopdocs.kinds.tandaterima import render_receipt
    from sopdocs.locations import archive_dir
    from sopdocs.workflow.issue import Transaction, check_verification_url, konsep_number, mark_final

    say = progress or (lambda message: None)
    definition = Path(definition)
    defn, warnings = load_kegiatan(definition)
    profile_file = defn.path(defn.profil) if defn.profil else None
    profile, profile_warnings = resolve_profile(profile_file, "", definition)
    root = archive_dir(archive)
    make_pdf = defn.pdf if pdf is None else pdf
    case = case_id or defn.berkas.id
    surat_kind, nota_kind = get_kind("surat-tugas"), get_kind("nota-dinas")

    say("memeriksa definisi, berkas, jawaban dan foto sebelum mengambil nomor")
    sop, w1 = load_sop(defn.path(defn.sop))
    surat, w2 = load_surat_tugas(defn.path(defn.surat_tugas))
    kuesioner, w3 = load_kuesioner(defn.path(defn.kuesioner))
    disposisi, w4 = load_disposisi(defn.path(defn.disposisi))
    calendar = surat_kind.check(surat, profile) if surat_kind.check else []
    errors = [p for p in calendar if p.severity == "error"] + _check_photos(defn, str(definition))
    if errors:
        raise ValidationError(errors)
    result = RunResult(case_id=case, archive=root)
    seen: set[str] = set()
    for problem in [*warnings, *profile_warnings, *w1, *w2, *w3, *w4, *calendar]:
        if str(problem) not in seen:
            seen.add(str(problem))
            result.warnings.append(problem)
    store = Archive(root, profile=profile)
    try:
        store.check_new_case(case, defn.berkas.kode_klasifikasi, defn.berkas.uraian)
    except ValidationError as error:
        raise ValidationError([Problem(p.message, file=str(definition), field=f"berkas.{p.field or 'id'}",
                                       severity=p.severity) for p in error.problems]) from None
    check_verification_url(profile)  # before any number is taken
    if make_pdf:
        from sopdocs.workflow.issue import require_pdf_converter

        require_pdf_converter(parallel=2)  # two LibreOffices start now; the case file's PDFs are many
    recap_date = defn.tanggal_rekap or disposisi.tanggal_surat
    # the responses are readable and hold at least one usable row
    check_responses(defn.path(defn.jawaban), defn.path(defn.kuesioner), profile=profile_file, archive=root)
    templates = TemplateSet()
    paper = page_for(profile)
    form_date = min(surat.tanggal, surat.tanggal_mulai)

    def final(path: Path) -> Path:
        """A document is final: its PDF copy is made now, while the next ones are rendered."""
        if make_pdf:
            from sopdocs.pdf.convert import convert_ahead

            convert_ahead(path)
        return path

    with tempfile.TemporaryDirectory(prefix="sopdocs-kegiatan-") as tmp_name:
        work = Path(tmp_name)
        # Trial renders: a broken template is found before any number is taken.
        render_docx(templates.path(surat_kind.template),
                    surat_tugas_context(surat, profile, konsep_number(profile, surat_kind, surat.tanggal)),
                    work / "coba.docx", paper=paper)

        with Transaction(store, profile, profile_file=profile_file, on_wait=on_wait) as txn:
            say("langkah SOP: lembar SOP")
            sop_out = final(render_sop(sop, profile, work / "sop.docx"))
            result.documents.append(Made("SOP", "sop", f"SOP {sop.nama}", sop.tanggal_efektif, sop_out, sop.nomor))

            say("langkah 3: surat tugas (nomor dari register)")
            st_number = txn.reserve(surat_kind, date=surat.tanggal, subject=surat_kind.subject(surat)
                                    if surat_kind.subject else "", key=identity(surat)).number
            st_out = work / f"{surat_kind.output_stem(st_number)}.docx"
            render_docx(templates.path(surat_kind.template), surat_tugas_context(surat, profile, st_number),
                        st_out, paper=paper)
            mark_final(st_out, surat_kind, st_number, surat.tanggal, profile)  # the verification QR code
            final(st_out)
            result.documents.append(
                Made("3", surat_kind.name, f"{surat_kind.label}: {surat.untuk}"[:200], surat.tanggal, st_out,
                     st_number)
            )

            say(f"langkah 1-2: kuesioner, {defn.eksemplar} eksemplar bernomor")
            result.copies = txn.copy_codes(kuesioner.kegiatan, defn.eksemplar, year=kuesioner.tahun,
                                           prefix=kuesioner.awalan_kode)
            forms = work / "kuesioner"
            with PreparedForm(kuesioner, profile, forms, templates=templates) as prepared:
                form_out = final(prepared.copies(result.copies, forms / "kuesioner.docx", one_file=True)[0])
            result.documents.append(
                Made("1-2", "kuesioner", f"{kuesioner.judul} ({len(result.copies)} eksemplar)", form_date, form_out)
            )
            copy_list = work / "daftar-eksemplar.csv"
            copy_list.write_bytes(_copy_list(result.copies, kuesioner.kegiatan))
            result.documents.append(
                Made("1-2", "daftar-eksemplar", f"Daftar eksemplar kuesioner {kuesioner.kegiatan}", form_date,
                     copy_list)
            )
            # the printable receipt list the copies are handed out against, filed with them
            receipt = final(render_receipt(result.copies, profile, work / "tanda-terima-eksemplar.docx",
                                           kegiatan=kuesioner.kegiatan, judul=kuesioner.judul, tanggal=form_date,
                                           templates=templates))
            result.documents.append(
                Made("1-2", RECEIPT_KIND, f"Tanda terima eksemplar kuesioner {kuesioner.kegiatan}", form_date,
                     receipt)
            )

            for index, photo in enumerate(defn.foto, start=1):
                target = work / f"foto-{index}{defn.path(photo).suffix.lower()}"
                shutil.copyfile(defn.path(photo), target)
                end = surat.tanggal_selesai or surat.tanggal_mulai
                result.documents.append(Made("5", "foto", f"Foto pelaksanaan pendataan {index}", end, target))
            if defn.foto:
                say(f"langkah 5: {len(defn.foto)} foto")

            say("langkah 6: rekapitulasi jawaban dan nota dinas (nomor dari register)")
            with prepare_recap(defn.path(defn.jawaban), defn.path(defn.kuesioner), profile=profile_file,
                               archive=root, tanggal=recap_date) as job:
                result.refused_rows = len(job.rekap.ditolak)
                result.warnings.extend(w for w in job.warnings if str(w) not in seen)
                recap_number = txn.reserve(nota_kind, date=recap_date, subject=job.hal).number
                recap_out = job.render(recap_number, work / f"{nota_kind.output_stem(recap_number)}.docx")
                mark_final(recap_out, nota_kind, recap_number, recap_date, profile)
                final(recap_out)
                hal = job.hal
            result.documents.append(Made("6", nota_kind.name, f"{nota_kind.label} {hal}", recap_date, recap_out,
                                         recap_number))

            say("langkah 7: disposisi pimpinan atas nota dinas")
            decided = disposisi.model_copy(update={"nomor_surat": recap_number, "tanggal_surat": recap_date,
                                                   "perihal": hal})
            disposisi_out = final(render_disposisi(decided, profile, work / "disposisi.docx"))
            result.documents.append(Made("7", "disposisi", f"Lembar Disposisi: {hal}", decided.tanggal, disposisi_out))

            say("langkah 8: menyimpan sebagai satu berkas arsip" + (" (dengan salinan PDF)" if make_pdf else ""))
            filed = store.file_case(
                case, classification=defn.berkas.kode_klasifikasi, description=defn.berkas.uraian,
                location=defn.berkas.lokasi, pdf=make_pdf, seal=True,
                documents=[
                    NewDocument(
                        file=made.path, kind=made.kind, date=made.date, title=made.title, number=made.number,
                        media="foto" if made.kind == "foto" else None,
                        people=[] if made.kind in ("foto", "daftar-eksemplar", RECEIPT_KIND) else None,
                    )
                    for made in result.documents
                ],
            )
            references = {item.number: store.item_reference(case, item.item) for item in filed.items
                          if item.number and item.kind in (surat_kind.name, nota_kind.name)}
            forms_item = next(item for item in filed.items if item.kind == "kuesioner")
            references["*"] = store.item_reference(case, forms_item.item)
            txn.confirm(references)
        result.warnings.extend(store.warnings)
        # the files now live in the bag; point the summary at them
        archived = {item.title: item for item in filed.items}
        for made in result.documents:
            if made.title in archived:
                made.path = store.case_path(case) / "data" / archived[made.title].main.name
    store.close()
    return result


def print_summary(result: RunResult, stream: TextIO | None = None) -> None:
    from sopdocs.outputs import printable  # titles come from definitions: no escape codes to the terminal

    stream = stream or sys.stdout
    print(f"Berkas {result.case_id} diarsipkan di {printable(result.archive, single_line=True)}:", file=stream)
    for made in result.documents:
        number = printable(made.number or "-", single_line=True)
        title = printable(made.title, single_line=True)[:70]
        print(f"  langkah {made.step:<4} {made.kind:<17} {number:<34} {title}", file=stream)
    if result.copies:
        print(f"  kuesioner: {len(result.copies)} eksemplar {result.copies[0]} s.d. {result.copies[-1]}", file=stream)
