"""The SOP definition: what an SOP AP sheet says, read from YAML and validated.

Keys follow the official form labels in Indonesian snake_case (``nomor``,
``tanggal_efektif``, ``dasar_hukum``, ``langkah``...). Every problem is reported at once,
with file, field path and line.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from sopdocs.indonesian.durasi import Durasi
from sopdocs.errors import Problem
from sopdocs.definitions.fieldtypes import DaftarTeks, Tanggal, Teks, Waktu
from sopdocs.indonesian.nip import check_nip
from sopdocs.definitions.profile import Pejabat
from sopdocs.definitions.validation import validate
from sopdocs.definitions.yamlload import YamlDocument, load_yaml, parse_yaml

MAX_ACTORS = 8
MAX_STEPS = 60
#: The identity part is one page: its lists are bounded (an activity is bounded by its row
#: fitting a page; these fields by these limits).
IDENTITY_LISTS = ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan", "peringatan",
                  "pencatatan_pendataan")
MAX_IDENTITY_ITEMS = 12  # items per identity list
MAX_IDENTITY_ITEM_CHARS = 400  # characters per identity item (a long regulation title is ~200)
MAX_NAME_CHARS = 250  # the SOP name and number


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Keputusan(_Model):
    """A decision step: where the flow goes on Ya and on Tidak (step numbers, 1-based)."""

    pertanyaan: Teks = Field("", description="pertanyaan keputusan (opsional)")
    ya: int = Field(description="nomor langkah tujuan bila Ya")
    tidak: int = Field(description="nomor langkah tujuan bila Tidak")


class Langkah(_Model):
    """One row of the procedure: an activity, who does it, and its mutu baku."""

    kegiatan: Teks = Field(min_length=1, description="uraian kegiatan, kata kerja aktif tanpa subjek")
    pelaksana: Teks = Field(description="salah satu nama di daftar pelaksana")
    kelengkapan: DaftarTeks = Field(default_factory=list, description="mutu baku: kelengkapan/peralatan")
    waktu: Waktu
    output: Teks = ""
    keterangan: Teks = ""
    keputusan: Keputusan | None = None


class SopDefinition(_Model):
    """An SOP in the SOP AP format (Permen PANRB 35/2012)."""

    profil: Teks = Field("", description="berkas profil instansi, relatif terhadap berkas ini")
    nomor: Teks = Field(min_length=1, description="Nomor SOP")
    nama: Teks = Field(min_length=1, description="Nama SOP")
    tanggal_pembuatan: Tanggal
    tanggal_revisi: Tanggal | None = None
    tanggal_efektif: Tanggal
    disahkan_oleh: Pejabat | None = Field(None, description="bawaan: kepala instansi dari profil")
    dasar_hukum: DaftarTeks = Field(default_factory=list)
    kualifikasi_pelaksana: DaftarTeks = Field(default_factory=list)
    keterkaitan: DaftarTeks = Field(default_factory=list)
    peralatan_perlengkapan: DaftarTeks = Field(default_factory=list)
    peringatan: DaftarTeks = Field(default_factory=list)
    pencatatan_pendataan: DaftarTeks = Field(default_factory=list)
    pelaksana: list[Teks] = Field(min_length=1, description=f"kolom pelaksana, berurutan (1 sampai {MAX_ACTORS})")
    langkah: list[Langkah] = Field(min_length=1, description=f"langkah prosedur (1 sampai {MAX_STEPS})")

    # Where the definition was read from (for relative paths); not part of the file.
    source: str = Field("", exclude=True)
    _yaml: YamlDocument | None = PrivateAttr(None)

    def problem(self, path: tuple[str | int, ...], message: str) -> Problem:
        """A problem found later (e.g. by the layout), placed in the definition file."""
        if self._yaml is not None:
            return self._yaml.problem(path, message)
        return Problem(message, file=self.source or None)

    def actor_index(self, step: Langkah) -> int:
        return self.pelaksana.index(step.pelaksana)

    @property
    def total_waktu(self) -> Durasi:
        total = Durasi(0)
        for step in self.langkah:
            total = total + step.waktu
        return total


def _check(sop: SopDefinition, doc: YamlDocument) -> list[Problem]:
    problems: list[Problem] = []
    if len(sop.pelaksana) > MAX_ACTORS:
        problems.append(doc.problem(("pelaksana",), f"paling banyak {MAX_ACTORS} pelaksana per lembar SOP; ada {len(sop.pelaksana)}"))
    if len(sop.langkah) > MAX_STEPS:
        problems.append(doc.problem(("langkah",), f"paling banyak {MAX_STEPS} langkah; ada {len(sop.langkah)}"))
    for key in IDENTITY_LISTS:
        items = getattr(sop, key)
        if len(items) > MAX_IDENTITY_ITEMS:
            problems.append(doc.problem((key,), f"{key}: paling banyak {MAX_IDENTITY_ITEMS} butir; ada {len(items)}"))
        for index, item in enumerate(items):
            if not item.strip():
                problems.append(doc.problem((key, index), f"{key} butir {index + 1} kosong"))
            elif len(item) > MAX_IDENTITY_ITEM_CHARS:
                problems.append(doc.problem(
                    (key, index),
                    f"{key} butir {index + 1} terlalu panjang ({len(item)} karakter; paling banyak "
                    f"{MAX_IDENTITY_ITEM_CHARS}): bagian identitas SOP harus muat satu halaman",
                ))
    for key in ("nama", "nomor"):
        if len(getattr(sop, key)) > MAX_NAME_CHARS:
            problems.append(doc.problem((key,), f"{key} terlalu panjang ({len(getattr(sop, key))} karakter; paling banyak {MAX_NAME_CHARS})"))
        elif not getattr(sop, key).strip():
            problems.append(doc.problem((key,), f"{key} kosong"))
    for index, step in enumerate(sop.langkah):
        if not step.kegiatan.strip():
            problems.append(doc.problem(("langkah", index, "kegiatan"), f"kegiatan langkah {index + 1} kosong"))
        for k, item in enumerate(step.kelengkapan):
            if not item.strip():
                problems.append(doc.problem(("langkah", index, "kelengkapan", k), f"kelengkapan langkah {index + 1} butir {k + 1} kosong"))
    seen: dict[str, int] = {}
    for index, name in enumerate(sop.pelaksana):
        if not name.strip():
            problems.append(doc.problem(("pelaksana", index), "nama pelaksana kosong"))
        elif name.casefold() in seen:
            problems.append(doc.problem(("pelaksana", index), f"pelaksana {name!r} ditulis dua kali"))
        seen[name.casefold()] = index
    count = len(sop.langkah)
    for index, step in enumerate(sop.langkah):
        if step.pelaksana not in sop.pelaksana:
            hint = ""
            close = [name for name in sop.pelaksana if name.casefold() == step.pelaksana.casefold()]
            if close:
                hint = f" (maksudnya {close[0]!r}? huruf besar/kecil harus sama)"
            problems.append(
                doc.problem(
                    ("langkah", index, "pelaksana"),
                    f"pelaksana {step.pelaksana!r} tidak ada di daftar pelaksana "
                    f"({', '.join(sop.pelaksana)}){hint}",
                )
            )
        if step.keputusan is not None:
            for branch in ("ya", "tidak"):
                target = getattr(step.keputusan, branch)
                if not 1 <= target <= count:
                    problems.append(
                        doc.problem(
                            ("langkah", index, "keputusan", branch),
                            f"langkah tujuan {target} tidak ada (langkah bernomor 1 sampai {count})",
                        )
                    )
                elif target == index + 1:
                    problems.append(
                        doc.problem(("langkah", index, "keputusan", branch), "keputusan tidak boleh menuju dirinya sendiri")
                    )
            if index == 0 or index == count - 1:
                problems.append(
                    doc.problem(
                        ("langkah", index, "keputusan"),
                        "langkah pertama dan terakhir adalah simbol mulai/selesai, bukan keputusan",
                    )
                )
    signer = sop.disahkan_oleh
    if signer is not None and signer.nip:
        for warning in check_nip(signer.nip).warnings:
            problems.append(doc.problem(("disahkan_oleh", "nip"), warning, "warning"))
    if sop.tanggal_efektif < sop.tanggal_pembuatan:
        problems.append(
            doc.problem(("tanggal_efektif",), "tanggal efektif lebih awal dari tanggal pembuatan", "warning")
        )
    return problems


def sop_from_document(doc: YamlDocument) -> tuple[SopDefinition, list[Problem]]:
    data = dict(doc.data) if isinstance(doc.data, dict) else doc.data
    if isinstance(data, dict):
        data["source"] = doc.file
    sop, warnings = validate(SopDefinition, YamlDocument(data=data, file=doc.file, lines=doc.lines), _check)
    sop._yaml = doc
    return sop, warnings


def load_sop(path: Path) -> tuple[SopDefinition, list[Problem]]:
    """Load and validate an SOP definition; returns it with its warnings."""
    return sop_from_document(load_yaml(Path(path)))


def sop_from_text(text: str, file: str = "<teks>") -> tuple[SopDefinition, list[Problem]]:
    return sop_from_document(parse_yaml(text, file))
