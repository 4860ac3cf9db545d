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
from typing import Callable

from pydantic import BaseModel, ConfigDict, Field

from sopdocs.errors import Problem, SopdocsError
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


def run_activity(
    definition: Path,
    *,
    archive: Path | None = None,
    pdf: bool | None = None,
    case_id: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Carry out the activity: render, number, archive and index every document."""
    from sopdocs.archive.archive import Archive, NewDocument
    from sopdocs.kinds.disposisi import load_disposisi, render_disposisi
    from sopdocs.kinds.kuesioner.kuesioner import load_kuesioner, render_kuesioner_file
    from sopdocs.locations import archive_dir
    from sopdocs.definitions.profile import resolve_profile
    from sopdocs.kinds.kuesioner.recap import render_recap_file
    from sopdocs.kinds.sop.sopdef import load_sop
    from sopdocs.kinds.sop.sopsheet import render_sop
    from sopdocs.kinds.surattugas import load_surat_tugas, render_surat_tugas_file

    say = progress or (lambda message: None)
    definition = Path(definition)
    defn, warnings = load_kegiatan(definition)
    profile_file = None
    if defn.profil:
        profile_file = defn.path(defn.profil)
    profile, profile_warnings = resolve_profile(profile_file, "", definition)
    profile_path = profile_file
    root = archive_dir(archive)
    make_pdf = defn.pdf if pdf is None else pdf
    case = case_id or defn.berkas.id

    # Everything is validated before any number is taken.
    say("memeriksa definisi")
    sop, w1 = load_sop(defn.path(defn.sop))
    surat, w2 = load_surat_tugas(defn.path(defn.surat_tugas))
    kuesioner, w3 = load_kuesioner(defn.path(defn.kuesioner))
    disposisi, w4 = load_disposisi(defn.path(defn.disposisi))
    result = RunResult(case_id=case, archive=root)
    seen: set[str] = set()
    for problem in [*warnings, *profile_warnings, *w1, *w2, *w3, *w4]:
        if str(problem) not in seen:
            seen.add(str(problem))
            result.warnings.append(problem)
    store = Archive(root, profile=profile)
    if case in store.case_ids():
        raise SopdocsError(f"berkas {case!r} sudah ada di arsip {root}; beri --case ID lain untuk kegiatan baru")

    with tempfile.TemporaryDirectory(prefix="sopdocs-kegiatan-") as tmp_name:
        work = Path(tmp_name)
        say("langkah SOP: lembar SOP")
        sop_out = render_sop(sop, profile, work / "sop.docx")
        result.documents.append(Made("SOP", "sop", f"SOP {sop.nama}", sop.tanggal_efektif, sop_out, sop.nomor))

        say("langkah 3: surat tugas (nomor dari register)")
        rendered = render_surat_tugas_file(defn.path(defn.surat_tugas), work / "surat-tugas", profile=profile_path, archive=root)
        result.warnings.extend(rendered.warnings)
        result.documents.append(
            Made("3", "surat-tugas", f"Surat Tugas: {surat.untuk}"[:200], surat.tanggal, rendered.docx[0], rendered.numbers[0])
        )

        say(f"langkah 1-2: kuesioner, {defn.eksemplar} eksemplar bernomor")
        rendered = render_kuesioner_file(
            defn.path(defn.kuesioner), work / "kuesioner", profile=profile_path, copies=defn.eksemplar,
            one_file=True, archive=root,
        )
        result.copies = list(rendered.numbers)
        form_date = min(surat.tanggal, surat.tanggal_mulai)
        result.documents.append(
            Made("1-2", "kuesioner", f"{kuesioner.judul} ({len(result.copies)} eksemplar)", form_date, rendered.docx[0])
        )
        copy_list = work / "daftar-eksemplar.csv"
        copy_list.write_bytes(_copy_list(result.copies, kuesioner.kegiatan))
        result.documents.append(
            Made("1-2", "daftar-eksemplar", f"Daftar eksemplar kuesioner {kuesioner.kegiatan}", form_date, copy_list)
        )

        for index, photo in enumerate(defn.foto, start=1):
            target = work / f"foto-{index}{defn.path(photo).suffix.lower()}"
            shutil.copyfile(defn.path(photo), target)
            end = surat.tanggal_selesai or surat.tanggal_mulai
            result.documents.append(Made("5", "foto", f"Foto pelaksanaan pendataan {index}", end, target))
        if defn.foto:
            say(f"langkah 5: {len(defn.foto)} foto")

        say("langkah 6: rekapitulasi jawaban dan nota dinas (nomor dari register)")
        recap_date = defn.tanggal_rekap or disposisi.tanggal_surat
        rendered = render_recap_file(
            defn.path(defn.jawaban), defn.path(defn.kuesioner), work / "rekap", profile=profile_path,
            archive=root, tanggal=recap_date,
        )
        result.refused_rows = sum(1 for w in rendered.warnings if "baris" in str(w))
        result.warnings.extend(rendered.warnings)
        recap_number = rendered.numbers[0]
        hal = kuesioner.rekap.hal or f"Rekapitulasi Hasil {kuesioner.kegiatan}"
        result.documents.append(Made("6", "nota-dinas", f"Nota Dinas {hal}", recap_date, rendered.docx[0], recap_number))

        say("langkah 7: disposisi pimpinan atas nota dinas")
        decided = disposisi.model_copy(update={"nomor_surat": recap_number, "tanggal_surat": recap_date, "perihal": hal})
        disposisi_out = render_disposisi(decided, profile, work / "disposisi.docx")
        result.documents.append(
            Made("7", "disposisi", f"Lembar Disposisi: {hal}", decided.tanggal, disposisi_out)
        )

        say("langkah 8: menyimpan sebagai satu berkas arsip" + (" (dengan salinan PDF)" if make_pdf else ""))
        store.open_case(case, classification=defn.berkas.kode_klasifikasi, description=defn.berkas.uraian,
                        location=defn.berkas.lokasi)
        store.add_many(
            case,
            [
                NewDocument(
                    file=made.path, kind=made.kind, date=made.date, title=made.title, number=made.number,
                    media="foto" if made.kind == "foto" else None,
                    people=[] if made.kind in ("foto", "daftar-eksemplar") else None,
                )
                for made in result.documents
            ],
            pdf=make_pdf,
        )
        store.seal(case)
        result.warnings.extend(store.warnings)
        # the files now live in the bag; point the summary at them
        archived = {item.title: item for item in store.case(case).items}
        for made in result.documents:
            item = archived.get(made.title)
            if item is not None:
                made.path = store.case_path(case) / "data" / item.main.name
    store.close()
    return result


def print_summary(result: RunResult, stream=None) -> None:
    stream = stream or sys.stdout
    print(f"Berkas {result.case_id} diarsipkan di {result.archive}:", file=stream)
    for made in result.documents:
        number = made.number or "-"
        print(f"  langkah {made.step:<4} {made.kind:<17} {number:<34} {made.title[:70]}", file=stream)
    if result.copies:
        print(f"  kuesioner: {len(result.copies)} eksemplar {result.copies[0]} s.d. {result.copies[-1]}", file=stream)
