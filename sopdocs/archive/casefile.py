"""The records of a case file (berkas): its description, its items and their files.

``CaseFile.to_json`` / ``from_json`` are the format of ``data/berkas.json`` inside each
bag (machine-readable, the truth about the case file); ``CaseFile.bag_info`` gives the
same description as bag-info.txt labels for archivists and other BagIt tools.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopdocs.docx.extract import Person
from sopdocs.errors import SopdocsError
from sopdocs.archive.retention import RetentionRule

ITEM_FILE = "berkas.json"
FORMAT = "sopdocs-berkas"
FORMAT_VERSION = 1
#: Largest berkas.json read (sopdocs writes about 1 KB per item).
MAX_ITEM_FILE_BYTES = 16 * 1024 * 1024
#: Deepest nesting of arrays/objects accepted in berkas.json (sopdocs writes 4).
MAX_ITEM_FILE_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')

#: Labels of the item kinds that are not document kinds (photos, lists, recaps...). The
#: labels of document kinds (``sop``, ``surat-tugas``...) come from the kind registry
#: (:func:`sopdocs.kinds.registry.label`); see :func:`kind_label`.
KIND_LABELS: dict[str, str] = {
    "foto": "Foto Dokumentasi",
    "daftar-eksemplar": "Daftar Eksemplar Kuesioner",
    "daftar-salinan": "Daftar Salinan Kuesioner",
    "rekap": "Rekapitulasi",
    "laporan": "Laporan",
}
MEDIA = ("elektronik", "kertas", "foto")
LEVELS = ("asli", "kopi")  # tingkat perkembangan
STATUS_OPEN, STATUS_CLOSED = "terbuka", "ditutup"
#: bag-info label of a case file whose creating run has not finished (see ``CaseFile.pending``).
PENDING_LABEL = "Sopdocs-Sedang-Dibuat"


def kind_label(kind: str) -> str:
    """The label of an item kind: the registered document kind's label, else
    :data:`KIND_LABELS`, else the kind name in title case (``berita-acara`` ->
    ``Berita Acara``)."""
    try:
        from sopdocs.kinds.registry import label  # imported here: loading the kinds is not cheap

        registered = label(kind)
    except ImportError:  # a kind module that cannot be imported: the label must not fail
        registered = kind
    if registered and registered != kind:
        return registered
    return KIND_LABELS.get(kind) or kind.replace("-", " ").title()


class ArchiveError(SopdocsError):
    """The archive cannot do what was asked (unknown case file, closed, damaged...)."""


def json_too_deep(data: bytes, limit: int = MAX_ITEM_FILE_DEPTH) -> bool:
    """True if the JSON text ``data`` nests arrays/objects deeper than ``limit`` (or its
    brackets do not balance). Cheap and without recursion: strings are blanked out,
    then the innermost ``[]``/``{}`` pairs are removed ``limit`` times."""
    brackets = _JSON_STRING.sub(b'""', data).translate(None, bytes(set(range(256)) - set(b"[]{}")))
    for _ in range(limit):
        if not brackets:
            return False
        shorter = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if len(shorter) == len(brackets):
            return True  # unbalanced
        brackets = shorter
    return bool(brackets)


@dataclass(frozen=True)
class ArchivedFile:
    """One file of an item inside the bag's ``data/`` folder."""

    name: str
    role: str
    """``asli`` (the item itself) or ``salinan-pdf`` (its PDF copy)."""
    sha256: str
    size: int

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class Item:
    """One archived document of a case file (a row of the daftar isi berkas)."""

    item: int
    """Nomor item: 1, 2, 3... in the order archived."""
    number: str
    date: dt.date
    kind: str
    title: str
    level: str
    """Tingkat perkembangan: asli or kopi."""
    media: str
    """elektronik, kertas (a scan of paper) or foto."""
    classification: str
    files: tuple[ArchivedFile, ...]
    people: tuple[Person, ...] = ()
    copy_of: int | None = None
    revises: int | None = None
    """The earlier item (same number) this corrected version replaces; that one stays as history."""
    source: str = ""
    """The file name it was archived from."""
    added: str = ""

    @property
    def main(self) -> ArchivedFile:
        return next(f for f in self.files if f.role == "asli")

    @property
    def pdf_copy(self) -> ArchivedFile | None:
        return next((f for f in self.files if f.role == "salinan-pdf"), None)

    @property
    def docx(self) -> ArchivedFile | None:
        return self.main if self.main.name.lower().endswith(".docx") else None

    @property
    def pdf(self) -> ArchivedFile | None:
        """A PDF of the item: its copy, or the item itself when it is a PDF."""
        if self.pdf_copy is not None:
            return self.pdf_copy
        return self.main if self.main.name.lower().endswith(".pdf") else None

    @property
    def label(self) -> str:
        return kind_label(self.kind)

    def doc_id(self, case_id: str) -> str:
        return f"{case_id}/{self.item:03d}"

    def as_dict(self) -> dict[str, object]:
        return {
            "item": self.item,
            "number": self.number,
            "date": self.date.isoformat(),
            "kind": self.kind,
            "title": self.title,
            "level": self.level,
            "media": self.media,
            "classification": self.classification,
            "files": [f.as_dict() for f in self.files],
            "people": [{"name": p.name, "nip": p.nip} for p in self.people],
            "copy_of": self.copy_of,
            **({"revises": self.revises} if self.revises is not None else {}),
            "source": self.source,
            "added": self.added,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Item:
        roles = [f.get("role") for f in data["files"]]
        if roles.count("asli") != 1:
            raise ValueError(f"item {data.get('item')}: harus tepat satu berkas berperan 'asli'")
        return cls(
            item=int(data["item"]),
            number=str(data.get("number") or ""),
            date=dt.date.fromisoformat(str(data["date"])),
            kind=str(data["kind"]),
            title=str(data["title"]),
            level=str(data.get("level") or "asli"),
            media=str(data.get("media") or "elektronik"),
            classification=str(data.get("classification") or ""),
            files=tuple(ArchivedFile(name=str(f["name"]), role=str(f["role"]), sha256=str(f["sha256"]),
                                     size=int(f["size"])) for f in data["files"]),
            people=tuple(Person(name=str(p.get("name") or ""), nip=str(p.get("nip") or ""))
                         for p in data.get("people") or ()),
            copy_of=int(data["copy_of"]) if data.get("copy_of") is not None else None,
            revises=int(data["revises"]) if data.get("revises") is not None else None,
            source=str(data.get("source") or ""),
            added=str(data.get("added") or ""),
        )


@dataclass(frozen=True)
class CaseFile:
    """A case file (berkas): its archival description and its items."""

    case_id: str
    case_number: int
    """Nomor berkas: 1, 2, 3... in the order the case files were opened."""
    classification: str
    description: str
    """Uraian informasi berkas."""
    creator: str
    """Pencipta arsip (the agency)."""
    unit: str
    """Unit pengolah."""
    created: str
    status: str = STATUS_OPEN
    closed: dt.date | None = None
    location: str = ""
    folder: str = ""
    box: str = ""
    retention: RetentionRule | None = None
    items: tuple[Item, ...] = ()
    path: Path = field(default=Path("."), compare=False)
    pending: bool = False
    """Opened by a run that will add its documents and seal it (``open_case(pending=True)``);
    :meth:`Archive.seal` clears it. Still set afterwards: that run stopped half-way."""
    office: str = ""
    """The office (instansi) that sent this case file to this archive (``sopdocs archive
    receive``); empty for the archive's own case files."""
    origin_id: str = ""
    """The case file's id in the sending office's archive (received case files only)."""

    @property
    def incomplete(self) -> bool:
        """Left behind by an interrupted run: open and either empty or still pending."""
        return self.status == STATUS_OPEN and (self.pending or not self.items)

    @property
    def start(self) -> dt.date | None:
        return min((i.date for i in self.items), default=None)

    @property
    def end(self) -> dt.date | None:
        return max((i.date for i in self.items), default=None)

    @property
    def period(self) -> str:
        """Kurun waktu: ``2024`` or ``2023-2024`` (``-`` while empty)."""
        if self.start is None or self.end is None:
            return "-"
        if self.start.year == self.end.year:
            return str(self.start.year)
        return f"{self.start.year}-{self.end.year}"

    @property
    def retention_base(self) -> dt.date:
        """The date retention is counted from (see sopdocs.archive.retention)."""
        if self.closed is not None:
            return self.closed
        return self.end or dt.date.fromisoformat(self.created[:10])

    @property
    def inactive_due(self) -> dt.date | None:
        return self.retention.inactive_from(self.retention_base) if self.retention else None

    @property
    def final_due(self) -> dt.date | None:
        return self.retention.final_due(self.retention_base) if self.retention else None

    def item(self, number: int) -> Item:
        for item in self.items:
            if item.item == number:
                return item
        raise ArchiveError(f"berkas {self.case_id}: tidak ada item nomor {number}")

    def as_dict(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "case": {
                "id": self.case_id,
                "number": self.case_number,
                "classification": self.classification,
                "description": self.description,
                "creator": self.creator,
                "unit": self.unit,
                "created": self.created,
                "status": self.status,
                "closed": self.closed.isoformat() if self.closed else None,
                "location": self.location,
                "folder": self.folder,
                "box": self.box,
                "retention": self.retention.as_dict() if self.retention else None,
                **({"pending": True} if self.pending else {}),
                **({"office": self.office} if self.office else {}),
                **({"origin_id": self.origin_id} if self.origin_id else {}),
            },
            "items": [i.as_dict() for i in self.items],
        }

    def to_json(self) -> bytes:
        return (json.dumps(self.as_dict(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes, path: Path) -> CaseFile:
        """The case file in the berkas.json content ``data`` (of the bag at ``path``);
        ArchiveError naming the file if it is damaged, too large
        (:data:`MAX_ITEM_FILE_BYTES`) or nested too deep (:data:`MAX_ITEM_FILE_DEPTH`)."""
        where = path / "data" / ITEM_FILE
        if len(data) > MAX_ITEM_FILE_BYTES:
            raise ArchiveError(f"{where}: daftar item terlalu besar ({len(data)} byte; batas "
                               f"MAX_ITEM_FILE_BYTES {MAX_ITEM_FILE_BYTES})")
        if json_too_deep(data):
            raise ArchiveError(f"{where}: daftar item rusak: bersarang lebih dari {MAX_ITEM_FILE_DEPTH} "
                               "tingkat atau kurungnya tidak seimbang")
        try:
            raw = json.loads(data.decode("utf-8"))
            if raw.get("format") != FORMAT:
                raise ValueError(f"format {raw.get('format')!r}, bukan {FORMAT}")
            if int(raw.get("version", 0)) > FORMAT_VERSION:
                raise ValueError(f"versi {raw.get('version')} lebih baru dari sopdocs ini ({FORMAT_VERSION})")
            case = raw["case"]
            return cls(
                case_id=str(case["id"]),
                case_number=int(case["number"]),
                classification=str(case["classification"]),
                description=str(case["description"]),
                creator=str(case.get("creator") or ""),
                unit=str(case.get("unit") or ""),
                created=str(case["created"]),
                status=str(case.get("status") or STATUS_OPEN),
                closed=dt.date.fromisoformat(case["closed"]) if case.get("closed") else None,
                location=str(case.get("location") or ""),
                folder=str(case.get("folder") or ""),
                box=str(case.get("box") or ""),
                retention=RetentionRule.from_dict(case["retention"]) if case.get("retention") else None,
                items=tuple(Item.from_dict(i) for i in raw.get("items") or ()),
                path=path,
                pending=bool(case.get("pending", False)),
                office=str(case.get("office") or ""),
                origin_id=str(case.get("origin_id") or ""),
            )
        except RecursionError:
            raise ArchiveError(f"{where}: daftar item rusak: bersarang terlalu dalam") from None
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise ArchiveError(f"{where}: daftar item rusak ({str(exc)[:300]})") from exc

    def bag_info(self) -> list[tuple[str, object]]:
        """bag-info.txt entries: BagIt's reserved labels, then the archival description."""
        from sopdocs import __version__

        info: list[tuple[str, object]] = [
            ("Source-Organization", self.creator or "-"),
            ("External-Identifier", self.case_id),
            ("External-Description", self.description),
            ("Bagging-Date", dt.date.today().isoformat()),
            ("Bag-Software-Agent", f"sopdocs {__version__}"),
            ("Nomor-Berkas", self.case_number),
            ("Kode-Klasifikasi", self.classification),
            ("Uraian-Informasi-Berkas", self.description),
            ("Kurun-Waktu", self.period),
            ("Tanggal-Awal", self.start.isoformat() if self.start else "-"),
            ("Tanggal-Akhir", self.end.isoformat() if self.end else "-"),
            ("Jumlah-Item", len(self.items)),
            ("Pencipta-Arsip", self.creator or "-"),
            ("Unit-Pengolah", self.unit or "-"),
            ("Status-Berkas", self.status),
        ]
        if self.pending:
            info.append((PENDING_LABEL, "ya"))
        if self.closed:
            info.append(("Tanggal-Ditutup", self.closed.isoformat()))
        if self.office:
            info.append(("Instansi-Pengirim", self.office))
        if self.origin_id:
            info.append(("ID-Berkas-Asal", self.origin_id))
        for label, value in (("Lokasi-Simpan", self.location), ("Nomor-Folder", self.folder),
                             ("Nomor-Boks", self.box)):
            if value:
                info.append((label, value))
        if self.retention is None:
            info.append(("Retensi", f"belum diatur: kode {self.classification} tidak ada di jadwal retensi profil"))
        else:
            info += [
                ("Retensi-Kode-JRA", self.retention.code),
                ("Retensi-Aktif-Tahun", self.retention.active_years),
                ("Retensi-Inaktif-Tahun", self.retention.inactive_years),
                ("Nasib-Akhir", self.retention.final),
                ("Retensi-Dihitung-Dari", self.retention_base.isoformat()),
                ("Jadwal-Pindah-Inaktif", self.inactive_due.isoformat() if self.inactive_due else "-"),
                ("Jadwal-Nasib-Akhir", self.final_due.isoformat() if self.final_due else "-"),
            ]
        return info

    def payload_sizes(self, json_size: int) -> dict[str, int]:
        sizes = {f"data/{f.name}": f.size for item in self.items for f in item.files}
        sizes[f"data/{ITEM_FILE}"] = json_size
        return sizes
