"""The daftar arsip: the list of case files and their items, as CSV and as a Word table.

Columns follow what an archivist expects of a daftar arsip aktif (nomor berkas, kode
klasifikasi, uraian informasi berkas, kurun waktu, jumlah, nomor item, uraian item,
tanggal, tingkat perkembangan, keterangan/media) plus the columns of a daftar arsip
inaktif (pencipta arsip, unit pengolah, lokasi simpan, nomor folder and box, retention
and nasib akhir) and the file name and SHA-256 for checking.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sopdocs.fsutil import atomic_write_text
from sopdocs.outputs import spreadsheet_cell
from sopdocs.docx.templateset import TemplateSet
from sopdocs.kinds.registry import DocumentKind, register_kind

if TYPE_CHECKING:
    from sopdocs.definitions.profile import AgencyProfile

TEMPLATE = "daftar-arsip.docx"
KIND = "daftar-arsip"

#: CSV columns: (key, heading). One row per item; a case file without items has one row.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("nomor_berkas", "Nomor Berkas"),
    ("kode_klasifikasi", "Kode Klasifikasi"),
    ("uraian_berkas", "Uraian Informasi Berkas"),
    ("kurun_waktu", "Kurun Waktu"),
    ("jumlah_item", "Jumlah Item"),
    ("nomor_item", "Nomor Item"),
    ("nomor_naskah", "Nomor Naskah"),
    ("jenis", "Jenis Naskah"),
    ("uraian_item", "Uraian Item"),
    ("tanggal", "Tanggal"),
    ("tingkat_perkembangan", "Tingkat Perkembangan"),
    ("media", "Keterangan (Media)"),
    ("pencipta", "Pencipta Arsip"),
    ("unit", "Unit Pengolah"),
    ("lokasi", "Lokasi Simpan"),
    ("folder", "Nomor Folder"),
    ("boks", "Nomor Boks"),
    ("retensi_aktif", "Retensi Aktif (tahun)"),
    ("retensi_inaktif", "Retensi Inaktif (tahun)"),
    ("nasib_akhir", "Nasib Akhir"),
    ("jadwal_inaktif", "Jadwal Pindah ke Inaktif"),
    ("jadwal_nasib_akhir", "Jadwal Nasib Akhir"),
    ("status", "Status Berkas"),
    ("id_berkas", "ID Berkas"),
    ("nama_file", "Nama File"),
    ("salinan_pdf", "Salinan PDF"),
    ("sha256", "SHA-256"),
)


# --------------------------------------------------------------------------- what is listed
# The archive (sopdocs.archive, a layer above the kinds) passes its CaseFile and Item
# objects in; this module states only what it reads of them, so it never imports the archive.


class ListedFile(Protocol):
    """A file of an item (:class:`sopdocs.archive.casefile.ArchivedFile`)."""

    @property
    def name(self) -> str: ...
    @property
    def sha256(self) -> str: ...


class ListedRetention(Protocol):
    """A retention schedule entry (:class:`sopdocs.archive.retention.RetentionRule`)."""

    @property
    def active_years(self) -> int: ...
    @property
    def inactive_years(self) -> int: ...
    @property
    def final(self) -> str: ...


class ListedItem(Protocol):
    """What the Word list shows of an item (:class:`sopdocs.archive.casefile.Item`)."""

    @property
    def item(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def level(self) -> str: ...
    @property
    def media(self) -> str: ...


class ArchivedItem(ListedItem, Protocol):
    """What the CSV adds: its files and what it is a copy of."""

    @property
    def copy_of(self) -> int | None: ...
    @property
    def main(self) -> ListedFile: ...
    @property
    def pdf_copy(self) -> ListedFile | None: ...


class ListedCase(Protocol):
    """What the Word list shows of a case file (:class:`sopdocs.archive.casefile.CaseFile`)."""

    @property
    def case_number(self) -> int: ...
    @property
    def classification(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def creator(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def retention(self) -> ListedRetention | None: ...
    @property
    def items(self) -> Sequence[ListedItem]: ...


class ArchivedCase(ListedCase, Protocol):
    """What the CSV adds: where the case file is kept, its schedule and its status."""

    @property
    def case_id(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def folder(self) -> str: ...
    @property
    def box(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def inactive_due(self) -> dt.date | None: ...
    @property
    def final_due(self) -> dt.date | None: ...
    @property
    def items(self) -> Sequence[ArchivedItem]: ...


# --------------------------------------------------------------------------- CSV


def _case_fields(case: ArchivedCase) -> dict[str, str]:
    retention = case.retention
    return {
        "nomor_berkas": str(case.case_number),
        "kode_klasifikasi": case.classification,
        "uraian_berkas": case.description,
        "kurun_waktu": case.period,
        "jumlah_item": str(len(case.items)),
        "pencipta": case.creator,
        "unit": case.unit,
        "lokasi": case.location,
        "folder": case.folder,
        "boks": case.box,
        "retensi_aktif": str(retention.active_years) if retention else "",
        "retensi_inaktif": str(retention.inactive_years) if retention else "",
        "nasib_akhir": retention.final if retention else "belum diatur",
        "jadwal_inaktif": case.inactive_due.isoformat() if case.inactive_due else "",
        "jadwal_nasib_akhir": case.final_due.isoformat() if case.final_due else "",
        "status": case.status,
        "id_berkas": case.case_id,
    }


def _item_fields(item: ArchivedItem) -> dict[str, str]:
    copy = item.pdf_copy
    return {
        "nomor_item": str(item.item),
        "nomor_naskah": item.number,
        "jenis": item.label,
        "uraian_item": item.title + (f" (salinan dari item {item.copy_of})" if item.copy_of else ""),
        "tanggal": item.date.isoformat(),
        "tingkat_perkembangan": item.level,
        "media": item.media,
        "nama_file": item.main.name,
        "salinan_pdf": copy.name if copy else "",
        "sha256": item.main.sha256,
    }


def rows(cases: Sequence[ArchivedCase]) -> list[dict[str, str]]:
    """One dict per item (keys of :data:`COLUMNS`)."""
    out: list[dict[str, str]] = []
    blank = {key: "" for key, _ in COLUMNS}
    for case in cases:
        base = {**blank, **_case_fields(case)}
        if not case.items:
            out.append(base)
        for item in case.items:
            out.append({**base, **_item_fields(item)})
    return out


def csv_text(cases: Sequence[ArchivedCase], *, delimiter: str = ",") -> str:
    """The daftar arsip as CSV; a cell a spreadsheet would run as a formula (``=``, ``+``,
    ``-``, ``@``, TAB or CR first) starts with ``'`` (:func:`sopdocs.outputs.spreadsheet_cell`)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([heading for _, heading in COLUMNS])
    for row in rows(cases):
        writer.writerow([spreadsheet_cell(row[key]) for key, _ in COLUMNS])
    return buffer.getvalue()


def write_csv(cases: Sequence[ArchivedCase], out: Path, *, delimiter: str = ",") -> Path:
    """UTF-8 with a byte-order mark, so Excel on Windows shows the letters right.
    (Excel with Indonesian regional settings splits columns on ``;``: pass that.)"""
    return atomic_write_text(Path(out), "\ufeff" + csv_text(cases, delimiter=delimiter))


# --------------------------------------------------------------------------- Word

#: Width of the "Nomor Naskah" column's text (mm): the template's column less its padding.
NUMBER_TEXT_MM = 46.0
#: Sizes (pt) tried, largest first, for a number to stay on one line in that column.
NUMBER_SIZES_PT = (8.0, 7.5, 7.0, 6.5, 6.0)
#: Zero-width space: a place a long description may break (after a "/" of a number in it).
_BREAK = "\u200b"


def item_description(label: str, title: str) -> str:
    """``Label: title``; the title alone when it already starts with its kind's label
    ("Lembar Disposisi: ..." is never "Lembar Disposisi: Lembar Disposisi: ...")."""
    title = title.strip()
    if not label or title.casefold().startswith(label.casefold()):
        return title
    return f"{label}: {title}" if title else label


def breakable(text: str) -> str:
    """``text`` that may wrap after the slashes of a number in it (``061.1/SOP/`` +
    ``Disnakertrans/2024``) instead of inside a word, in a narrow column."""
    return text.replace("/", "/" + _BREAK)


def number_cell(number: str, font: str) -> Any:
    """The number on one line: at the largest size that fits the column (the widest fonts
    get a smaller size); one too long even at the smallest may wrap after a "/" only."""
    from docxtpl import RichText

    from sopdocs.docx.layout import one_line

    if not number:
        return RichText("-", size=round(NUMBER_SIZES_PT[0] * 2))
    return one_line(number, font, NUMBER_TEXT_MM, NUMBER_SIZES_PT)


def context(cases: Sequence[ListedCase], *, profile: AgencyProfile | None = None, title: str = "DAFTAR ARSIP AKTIF",
            today: dt.date | None = None) -> dict[str, Any]:
    """Template variables: ``judul``, ``pencipta``, ``unit``, ``tanggal``, ``baris``
    (one per item; the case columns only on the first row of each case file),
    ``penandatangan`` (the head, from the profile) and ``profil``."""
    from sopdocs.indonesian.dates import DateStyle
    from sopdocs.definitions.profile import pejabat_context, profile_context

    style = profile.date_style if profile is not None else DateStyle()
    font = profile.tata_letak.font if profile is not None else "Arial"
    today = today or dt.date.today()
    table: list[dict[str, str]] = []
    for case in cases:
        case_cells = {
            "nomor_berkas": str(case.case_number),
            "kode": case.classification,
            "uraian_berkas": breakable(case.description),
            "kurun_waktu": case.period,
            "jumlah": f"{len(case.items)} item",
            "retensi": (f"{case.retention.active_years} th aktif, {case.retention.inactive_years} th inaktif"
                        if case.retention else "belum diatur"),
            "nasib_akhir": case.retention.final if case.retention else "-",
        }
        empty = {key: "" for key in case_cells}
        if not case.items:
            table.append({**case_cells, "nomor_item": "", "nomor_naskah": "", "uraian_item": "(belum ada item)",
                          "tanggal": "", "tingkat": "", "media": ""})
        for index, item in enumerate(case.items):
            table.append({
                **(case_cells if index == 0 else empty),
                "nomor_item": str(item.item),
                "nomor_naskah": number_cell(item.number, font),
                "uraian_item": breakable(item_description(item.label, item.title)),
                "tanggal": style.format(item.date),
                "tingkat": item.level,
                "media": item.media,
            })
    creators = sorted({c.creator for c in cases if c.creator})
    units = sorted({c.unit for c in cases if c.unit})
    if profile is not None:
        creators = creators or [" ".join(profile.instansi)]
    return {
        "judul": title,
        "pencipta": ", ".join(creators) or "-",
        "unit": ", ".join(units) or "-",
        "tanggal": style.format(today),
        "kota": profile.kota if profile is not None else "",
        "jumlah_berkas": str(len(cases)),
        "jumlah_item": str(sum(len(c.items) for c in cases)),
        "baris": table,
        "penandatangan": pejabat_context(profile.kepala) if profile is not None else {},
        "profil": profile_context(profile) if profile is not None else {},
        "gaya_tanggal": style,
    }


def write_docx(cases: Sequence[ListedCase], out: Path, *, profile: AgencyProfile | None = None,
               title: str = "DAFTAR ARSIP AKTIF", templates: TemplateSet | Path | None = None,
               today: dt.date | None = None) -> Path:
    from sopdocs.docx.compiled import Paper
    from sopdocs.docx.layout import page_for
    from sopdocs.docx.render import render_docx

    template_set = templates if isinstance(templates, TemplateSet) else TemplateSet(templates)
    paper = page_for(profile, landscape=True, body_size=False) if profile is not None else Paper("A4", landscape=True)
    return render_docx(template_set.path(TEMPLATE), context(cases, profile=profile, title=title, today=today),
                       Path(out), paper=paper, postprocess=keep_end_together)


def keep_end_together(document: Any) -> None:
    """The signature never stands alone on a page: the last row of the list, the totals
    line and the signature block are kept together (keep-with-next on their paragraphs)."""
    from docx.oxml.ns import qn

    body = document.element.body
    tables = body.findall(qn("w:tbl"))
    if not tables:
        return
    last_table = tables[-1]
    rows = last_table.findall(qn("w:tr"))
    paragraphs = list(rows[-1].iter(qn("w:p"))) if len(rows) > 1 else []
    after = last_table.getnext()
    while after is not None and after.tag == qn("w:p"):
        following = after.getnext()
        if following is not None and following.tag == qn("w:p"):
            paragraphs.append(after)  # every paragraph after the list but the very last
        after = following
    for p in paragraphs:
        p.get_or_add_pPr().keepNext_val = True



@dataclass(frozen=True)
class _SampleRetention:
    active_years: int
    inactive_years: int
    final: str


@dataclass(frozen=True)
class _SampleItem:
    item: int
    number: str
    title: str
    label: str
    date: dt.date
    level: str
    media: str


@dataclass(frozen=True)
class _SampleCase:
    case_number: int
    classification: str
    description: str
    period: str
    creator: str
    unit: str
    retention: _SampleRetention | None
    items: tuple[_SampleItem, ...]


def _sample() -> dict[str, Any]:
    item = _SampleItem(item=1, number="800.1.11.1/001/Contoh/2024", title="Surat tugas pendataan",
                       label="Surat Tugas", date=dt.date(2024, 1, 5), level="asli", media="elektronik")
    case = _SampleCase(case_number=1, classification="000.5.2", description="Pendataan contoh", period="2024",
                       creator="Dinas Contoh", unit="Contoh", retention=_SampleRetention(2, 3, "musnah"),
                       items=(item,))
    return context([case], today=dt.date(2024, 2, 1))


register_kind(
    DocumentKind(
        name=KIND,
        template=TEMPLATE,
        provides=frozenset({"judul", "pencipta", "unit", "tanggal", "kota", "jumlah_berkas", "jumlah_item",
                            "baris", "penandatangan", "profil", "gaya_tanggal"}),
        required=frozenset({"baris"}),
        sample=_sample,
        description="daftar arsip: berkas dan item di folder arsip (sopdocs archive export --docx)",
    )
)
