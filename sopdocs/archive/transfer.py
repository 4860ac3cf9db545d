"""Transfer of case files to another archive (penyerahan ke lembaga kearsipan daerah).

``transfer`` (the sending office): the chosen case files (by id, or every one whose
active period has ended per the retention schedule) are checked for fixity, then written
as BagIt bags into a new output folder, with the transfer list (daftar arsip usul serah)
as ``.xlsx`` and ``.docx`` beside them. Each bag says which office sent it
(``Instansi-Pengirim`` in bag-info.txt, ``office`` in ``data/berkas.json``: the sender's
``instansi`` setting, else the case file's creator) and its id there (``ID-Berkas-Asal``).
The folder is written under a temporary name and renamed when complete; it is never
inside the archive folder. The sender's archive is not changed.

``receive`` (the receiving archive): every bag in the folder is checked (fixity of every
file, tag files, the item list against the manifest) and refused with a reason when it
is damaged, incomplete, or already received (same sending office and original id). The
rest are ingested as new case files of this archive (their own case number here; the
original id kept when free, else ``<id>-2``, ``-3``...), each written and renamed into
place like any new case file, and indexed so a search finds them, filterable by office.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from sopdocs.archive import bag as bagit_layer
from sopdocs.archive.archive import Archive
from sopdocs.archive.common import _CASE_ID_RE, STAGING_PREFIX
from sopdocs.archive.casefile import ITEM_FILE, MAX_ITEM_FILE_BYTES, ArchiveError, CaseFile
from sopdocs.errors import SopdocsError

#: File name (without suffix) of the transfer list written beside the bags.
TRANSFER_LIST = "daftar-arsip-usul-serah"
#: Title of the transfer list.
TRANSFER_TITLE = "DAFTAR ARSIP USUL SERAH"
#: Highest ``-N`` suffix tried for a received case file whose id is taken.
MAX_ID_SUFFIX = 999
#: Findings of one refused bag shown in the report.
MAX_FINDINGS_SHOWN = 5
#: Columns of the .xlsx transfer list.
LIST_COLUMNS = ("No", "Kode Klasifikasi", "ID Berkas", "Uraian Informasi Berkas", "Kurun Waktu",
                "Jumlah Item", "Tingkat Perkembangan", "Media", "Retensi Aktif (tahun)",
                "Retensi Inaktif (tahun)", "Nasib Akhir", "Instansi Pengirim")


@dataclass
class TransferResult:
    folder: Path
    cases: list[str] = field(default_factory=list)
    lists: list[Path] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{len(self.cases)} berkas dikemas untuk diserahkan di {self.folder}"]
        lines += [f"  {case_id}" for case_id in self.cases]
        lines += [f"  daftar: {path}" for path in self.lists]
        return "\n".join(lines)


@dataclass(frozen=True)
class Received:
    bag: str
    case_id: str
    office: str
    origin_id: str


@dataclass(frozen=True)
class Refused:
    bag: str
    reason: str


@dataclass
class ReceiveReport:
    received: list[Received] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused

    def __str__(self) -> str:
        lines = [f"{len(self.received)} berkas diterima, {len(self.refused)} ditolak"]
        lines += [f"  diterima: {r.bag} -> berkas {r.case_id} (dari {r.office})" for r in self.received]
        lines += [f"  ditolak: {r.bag}: {r.reason}" for r in self.refused]
        return "\n".join(lines)


# --------------------------------------------------------------------------- sending


def due_cases(archive: Archive, today: dt.date) -> list[CaseFile]:
    """Complete case files whose active period (retention) has ended on ``today``."""
    return [case for case in archive.cases()
            if not case.incomplete and case.inactive_due is not None and case.inactive_due <= today]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _sender(archive: Archive, case: CaseFile) -> str:
    from sopdocs.definitions.archivesettings import archive_settings

    return case.office or archive_settings(archive.root).instansi.strip() or case.creator or "-"


def transfer(archive: Archive, out: Path, *, case_ids: list[str] | None = None, due: bool = False,
             today: dt.date | None = None) -> TransferResult:
    """Pack case files as bags with the transfer list into the new folder ``out``."""
    out = Path(out)
    if _inside(out, archive.root) or _inside(archive.root, out):
        raise ArchiveError(f"{out}: folder serah tidak boleh di dalam folder arsip {archive.root} (atau "
                           "sebaliknya); pilih folder lain")
    if os.path.lexists(out):
        raise ArchiveError(f"{out}: sudah ada; beri nama folder serah yang baru")
    if case_ids:
        cases = [archive.case(case_id) for case_id in dict.fromkeys(case_ids)]
    elif due:
        cases = due_cases(archive, today or dt.date.today())
        if not cases:
            raise ArchiveError(f"tidak ada berkas di arsip {archive.root} yang masa aktifnya sudah habis "
                               f"per {(today or dt.date.today()).strftime('%d-%m-%Y')}")
    else:
        raise ArchiveError("sebutkan berkas yang diserahkan (ID berkas) atau pilih --habis-aktif")
    problems: list[str] = []
    for case in cases:
        if case.incomplete:
            problems.append(f"berkas {case.case_id} belum selesai dibuat")
            continue
        report = archive.verify(case.case_id)
        problems += [str(finding) for finding in report.findings]
    if problems:
        raise ArchiveError("tidak ada yang dikemas: " + "; ".join(problems[:MAX_FINDINGS_SHOWN])
                           + ("" if len(problems) <= MAX_FINDINGS_SHOWN else f" (dan {len(problems) - 5} lagi)"))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.sementara-{uuid.uuid4().hex[:12]}"
    result = TransferResult(out)
    try:
        staging.mkdir()
        sent: list[CaseFile] = []
        for case in cases:
            packed = replace(case, office=_sender(archive, case), origin_id=case.origin_id or case.case_id,
                             path=staging / case.case_id)
            _copy_bag(case, packed, staging / case.case_id)
            sent.append(packed)
            result.cases.append(case.case_id)
        result.lists = _write_lists(archive, sent, staging)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.lists = [out / path.name for path in result.lists]
    return result


def _copy_bag(source: CaseFile, case: CaseFile, target: Path) -> None:
    """Write ``case`` (the metadata) with the payload files of ``source`` as a new bag at
    ``target``, each file checked against the source bag's manifest while copied."""
    manifest = bagit_layer.read_manifest(source.path)
    names = [f.name for item in case.items for f in item.files]
    files = [bagit_layer.PayloadFile(ITEM_FILE, data=case.to_json())]
    files += [bagit_layer.PayloadFile(name, source=source.path / "data" / name) for name in dict.fromkeys(names)]
    payload = bagit_layer.write_new_bag(target, files, case.bag_info())
    for name in dict.fromkeys(names):
        key = f"data/{name}"
        if payload[key][0] != manifest.get(key):
            raise ArchiveError(f"{source.path / 'data' / name}: isinya tidak sama dengan checksum di manifest "
                               "(berubah saat dikemas?); tidak ada yang dikemas")
    findings = bagit_layer.check_bag(target)
    if findings:
        raise ArchiveError(f"bag berkas {case.case_id} yang dikemas tidak utuh: "
                           + "; ".join(f"{f.path}: {f.detail}" for f in findings[:MAX_FINDINGS_SHOWN]))


def _write_lists(archive: Archive, cases: list[CaseFile], folder: Path) -> list[Path]:
    """The transfer list as .xlsx and .docx in ``folder``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from sopdocs.kinds import daftararsip
    from sopdocs.outputs import spreadsheet_cell

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Usul Serah"
    sheet.append([TRANSFER_TITLE])
    sheet["A1"].font = Font(bold=True)
    sheet.append([])
    sheet.append(list(LIST_COLUMNS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for number, case in enumerate(cases, start=1):
        levels = ", ".join(sorted({item.level for item in case.items}))
        media = ", ".join(sorted({item.media for item in case.items}))
        rule = case.retention
        row: list[object] = [number, case.classification, case.origin_id or case.case_id, case.description,
                             case.period, len(case.items), levels, media,
                             rule.active_years if rule else "", rule.inactive_years if rule else "",
                             rule.final if rule else "", case.office]
        sheet.append([spreadsheet_cell(value) if isinstance(value, str) else value for value in row])
    xlsx = folder / f"{TRANSFER_LIST}.xlsx"
    book.save(xlsx)
    docx = daftararsip.write_docx(cases, folder / f"{TRANSFER_LIST}.docx", profile=archive.profile,
                                  title=TRANSFER_TITLE)
    return [xlsx, Path(docx)]


# --------------------------------------------------------------------------- receiving


def _bag_problem(bag: Path) -> tuple[CaseFile | None, str]:
    """The case file of a received bag, or why it is refused."""
    if not (bag / bagit_layer.BAGIT_TXT).is_file():
        return None, "bukan bag BagIt (bagit.txt tidak ada)"
    findings = bagit_layer.check_bag(bag)
    if findings:
        shown = "; ".join(f"{f.path}: {f.detail or f.kind}" for f in findings[:MAX_FINDINGS_SHOWN])
        more = f" (dan {len(findings) - MAX_FINDINGS_SHOWN} temuan lain)" if len(findings) > MAX_FINDINGS_SHOWN else ""
        return None, f"rusak dalam pengiriman: {shown}{more}"
    try:
        data = bagit_layer.read_regular(bag / "data" / ITEM_FILE, MAX_ITEM_FILE_BYTES, "MAX_ITEM_FILE_BYTES")
        case = CaseFile.from_json(data, bag)
    except SopdocsError as exc:
        return None, f"daftar item tidak terbaca: {exc}"
    if not _CASE_ID_RE.match(case.case_id):
        return None, f"ID berkas {case.case_id!r} tidak sah"
    if case.incomplete:
        return None, f"berkas {case.case_id} belum selesai dibuat di instansi pengirim"
    manifest = bagit_layer.read_manifest(bag)
    listed = {f"data/{f.name}": f.sha256 for item in case.items for f in item.files}
    unsafe = [name for name in listed if not bagit_layer.is_payload_name(name[5:])]
    if unsafe:
        return None, f"nama berkas tidak aman di daftar item: {', '.join(unsafe[:3])}"
    differs = sorted(key for key, digest in listed.items() if manifest.get(key) != digest)
    extra = sorted(set(manifest) - set(listed) - {f"data/{ITEM_FILE}"})
    if differs or extra:
        return None, ("daftar item tidak sesuai isi bag: " + ", ".join((differs + extra)[:MAX_FINDINGS_SHOWN]))
    return case, ""


def receive(archive: Archive, folder: Path) -> ReceiveReport:
    """Check and ingest every bag in ``folder`` (see the module docs)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ArchiveError(f"{folder}: folder serah tidak ada")
    if _inside(folder, archive.root):
        raise ArchiveError(f"{folder}: folder serah ada di dalam arsip {archive.root}; pindahkan ke luar dulu")
    report = ReceiveReport()
    known = {(case.office, case.origin_id or case.case_id): case.case_id for case in archive.cases()}
    bags = sorted(entry for entry in folder.iterdir() if entry.is_dir() and not entry.name.startswith("."))
    if not bags:
        raise ArchiveError(f"{folder}: tidak ada bag berkas di folder ini")
    for bag in bags:
        case, problem = _bag_problem(bag)
        if case is None:
            report.refused.append(Refused(bag.name, problem))
            continue
        info = bagit_layer.read_bag_info(bag)
        office = case.office or info.get("Instansi-Pengirim", "") or case.creator or "-"
        origin = case.origin_id or case.case_id
        if (office, origin) in known:
            report.refused.append(Refused(bag.name, f"duplikat: berkas {origin} dari {office} sudah diterima "
                                                    f"sebagai berkas {known[(office, origin)]}"))
            continue
        new_id = _ingest(archive, bag, case, office, origin)
        known[(office, origin)] = new_id
        report.received.append(Received(bag.name, new_id, office, origin))
    return report


def _free_id(archive: Archive, wanted: str) -> str:
    taken = set(archive.case_ids())
    if wanted not in taken:
        return wanted
    for suffix in range(2, MAX_ID_SUFFIX + 1):
        candidate = f"{wanted[:60]}-{suffix}"
        if candidate not in taken and _CASE_ID_RE.match(candidate):
            return candidate
    raise ArchiveError(f"tidak ada ID berkas bebas untuk {wanted} (sampai -{MAX_ID_SUFFIX})")


def _ingest(archive: Archive, bag: Path, received: CaseFile, office: str, origin: str) -> str:
    """Write the received case file as a new case file of ``archive``; returns its id."""
    archive.cases_dir.mkdir(parents=True, exist_ok=True)
    with archive._lock.hold():
        new_id = _free_id(archive, received.case_id)
        case = replace(received, case_id=new_id, case_number=archive._next_case_number(), office=office,
                       origin_id=origin, path=archive.case_path(new_id), pending=False)
        staging = archive.cases_dir / f"{STAGING_PREFIX}{new_id}-{uuid.uuid4().hex[:12]}"
        marker = None
        try:
            source = replace(received, path=bag)
            _copy_bag(source, replace(case, path=staging), staging)
            if archive.use_index and case.items:
                marker = archive._announce(new_id)
            os.rename(staging, case.path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if marker is not None:
                archive._retire(marker, done=True)
            raise
    if archive.use_index and case.items:
        archive._index_new(case, [(item, _text(archive, case, item)) for item in case.items], marker)
    return new_id


def _text(archive: Archive, case: CaseFile, item: object) -> str:
    from sopdocs.archive.casefile import Item

    assert isinstance(item, Item)
    path = archive._payload(case, item.main.name)
    return archive._extract_text(path, path.suffix.lower(), archive._relative(path)) if path else ""
