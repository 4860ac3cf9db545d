"""Ingest: part of :class:`sopdocs.archive.archive.Archive` (see that module's docs)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sopdocs.archive import bag as bagit_layer
from sopdocs.archive.casefile import (
    ITEM_FILE,
    LEVELS,
    MEDIA,
    STATUS_CLOSED,
    STATUS_OPEN,
    ArchivedFile,
    ArchiveError,
    CaseFile,
    Item,
    kind_label,
)
from sopdocs.archive.lockfile import InterProcessLock
from sopdocs.archive.retention import retention_for
from sopdocs.docx.extract import Person, find_people
from sopdocs.errors import Problem, SopdocsError, ValidationError
from sopdocs.fsutil import safe_filename
from sopdocs.archive.common import (
    ALLOWED_SUFFIXES,
    _CODE_RE,
    _IMAGE_SUFFIXES,
    _KIND_RE,
    STAGING_PREFIX,
    _STEM_LENGTH,
    NewDocument,
    _Prepared,
    check_case_id,
    _closed_message,
    _find_item,
    _image_problem,
    _now,
    _pdf_problem,
    _person,
)
from sopdocs.archive.indexsync import IndexSync


class Ingest(IndexSync):
    """Putting documents into the archive: new case files (staged whole, renamed into
    place), documents added to a case file (a transaction inside its bag), sealing and reopening."""

    def _new_case_problems(self, case_id: str, classification: str, description: str) -> list[Problem]:
        """What is wrong with the id, classification and description of a new case file."""
        problems: list[Problem] = []
        try:
            check_case_id(case_id)
        except ValidationError as exc:
            problems.extend(exc.problems)
        if not isinstance(classification, str) or not _CODE_RE.match(classification.strip()):
            problems.append(Problem(f"kode klasifikasi {classification!r} tidak sah (mis. 000.5.2)",
                                    field="classification"))
        if not isinstance(description, str) or not description.strip():
            problems.append(Problem("uraian informasi berkas kosong", field="description"))
        return problems

    def _clash(self, case_id: str) -> tuple[str, str] | None:
        """(existing id, message) when a case file of this id exists, in any letter case
        (Windows and macOS see ``ABC`` and ``abc`` as one folder); None when free."""
        existing = {p.casefold(): p for p in self.case_ids()}
        found = existing.get(case_id.casefold())
        if found is None:
            return None
        if found != case_id:
            message = (f"berkas {found!r} sudah ada; ID berkas {case_id!r} hanya berbeda huruf besar/kecil "
                       "(Windows menganggapnya sama)")
        else:
            message = f"berkas {case_id!r} sudah ada di arsip {self.root}"
        try:
            incomplete = self._load(self.cases_dir / found)[0].incomplete
        except SopdocsError:
            incomplete = False
        if incomplete:
            message += (f"; berkas {found} tidak lengkap (proses yang membuatnya terhenti sebelum selesai): "
                        "hapus dengan `sopdocs archive verify --clean` lalu ulangi")
        return found, message

    def check_new_case(self, case_id: str, classification: str, description: str = "x") -> None:
        """Every check :meth:`file_case` makes on a new case file's id and classification,
        without writing anything: a safe id, a valid classification code, a description,
        and no case file of that id yet (in any letter case). Raises ValidationError
        listing every problem, so a run can stop before it takes an official number."""
        problems = self._new_case_problems(case_id, classification, description)
        if not any(p.field == "case_id" for p in problems):
            clash = self._clash(case_id)
            if clash is not None:
                problems.append(Problem(clash[1], field="case_id"))
        if problems:
            raise ValidationError(problems)

    def _draft_case(self, case_id: str, classification: str, description: str, *, creator: str | None,
                    unit: str | None, location: str, folder: str, box: str, pending: bool = False) -> CaseFile:
        """The description of a new case file (checked; not numbered, not written yet)."""
        problems = self._new_case_problems(case_id, classification, description)
        if problems:
            raise ValidationError(problems)
        profile = self.profile
        if creator is None:
            creator = " ".join(profile.instansi) if profile is not None else ""
        if unit is None:
            unit = profile.kode_unit if profile is not None else ""
        retention = retention_for(profile.retensi, classification) if profile is not None else None
        return CaseFile(
            case_id=case_id,
            case_number=0,
            classification=classification.strip(),
            description=" ".join(description.split()),
            creator=" ".join(creator.split()),
            unit=" ".join(unit.split()),
            created="",
            location=location, folder=folder, box=box,
            retention=retention,
            path=self.cases_dir / case_id,
            pending=pending,
        )

    def open_case(
        self,
        case_id: str,
        *,
        classification: str,
        description: str,
        creator: str | None = None,
        unit: str | None = None,
        location: str = "",
        folder: str = "",
        box: str = "",
        exist_ok: bool = False,
        pending: bool = False,
    ) -> CaseFile:
        """Create a case file (an empty bag holding only its item list).

        ``creator`` (pencipta arsip) defaults to the profile's agency, ``unit`` (unit
        pengolah) to the profile's unit code; the retention comes from the profile's
        schedule by ``classification`` (or its nearest parent code). With ``exist_ok``
        an existing case file of that id is returned as it is.

        ``pending``: the caller will add its documents and then :meth:`seal` it; until
        then the case file carries ``Sopdocs-Sedang-Dibuat: ya`` and :meth:`verify`
        reports it as incomplete (:meth:`cleanup` removes it). :meth:`file_case` does
        all of this in one step and is preferred.
        """
        draft = self._draft_case(case_id, classification, description, creator=creator, unit=unit,
                                 location=location, folder=folder, box=box, pending=pending)
        self.cases_dir.mkdir(parents=True, exist_ok=True)
        with self._lock.hold():
            clash = self._clash(case_id)
            if clash is not None:
                found, message = clash
                if found == case_id and exist_ok:
                    return self.case(case_id)
                raise ArchiveError(message)
            case, _, _ = self._write_case(draft, [])
        return case

    def file_case(
        self,
        case_id: str,
        *,
        classification: str,
        description: str,
        documents: Sequence[NewDocument],
        location: str = "",
        pdf: bool = False,
        seal: bool = True,
        closed: dt.date | None = None,
        creator: str | None = None,
        unit: str | None = None,
        folder: str = "",
        box: str = "",
        pdfa: bool = False,
        watermark: str | None = None,
        footer: bool = True,
    ) -> CaseFile:
        """Create a new case file complete with its ``documents`` (and their PDF copies
        with ``pdf``; see :meth:`add_many` for ``pdfa``, ``watermark``, ``footer``),
        sealed unless ``seal=False`` (closed on ``closed``, default today).

        All or nothing: everything is prepared in a private temporary folder, written
        into one ``.staging-*`` folder under the archive lock, checked, and renamed into
        place with one ``os.rename``; then the documents are indexed. Any failure before
        the rename (a bad document, a failed PDF conversion, a full disk, Ctrl+C)
        removes the staging folder and leaves the archive as it was, so the same call
        can simply be repeated. The id and classification are checked first
        (:meth:`check_new_case`), before any work.
        """
        self.check_new_case(case_id, classification, description)
        draft = self._draft_case(case_id, classification, description, creator=creator, unit=unit,
                                 location=location, folder=folder, box=box)
        self._check_documents(documents, draft)
        with tempfile.TemporaryDirectory(prefix="sopdocs-arsip-") as tmp:
            prepared = self._prepare(documents, draft, Path(tmp), pdf=pdf, pdfa=pdfa,
                                     watermark=watermark, footer=footer)
            made_dir = not self.cases_dir.exists()
            self.cases_dir.mkdir(parents=True, exist_ok=True)
            try:
                with self._lock.hold():
                    clash = self._clash(case_id)
                    if clash is not None:
                        raise ValidationError([Problem(clash[1], field="case_id")])
                    case, new, marker = self._write_case(draft, prepared, seal=seal, closed=closed)
            except BaseException:
                if made_dir:
                    try:
                        self.cases_dir.rmdir()
                    except OSError:
                        pass
                raise
        self._index_new(case, new, marker)
        return case

    def _write_case(self, draft: CaseFile, prepared: list[_Prepared], *, seal: bool = False,
                    closed: dt.date | None = None
                    ) -> tuple[CaseFile, list[tuple[Item, str]], tuple[Path, InterProcessLock] | None]:
        """With the archive lock held: number the new case file, write it with its prepared
        documents into one staging folder, check that, rename it into place. Returns the
        case file, its new items with their text, and the index marker (if any)."""
        for stale in self._stale_staging(draft.case_id):
            shutil.rmtree(stale, ignore_errors=True)
        case = replace(draft, case_number=self._next_case_number(), created=_now())
        _, new, add_files, problems = self._build_items(case, [], prepared)
        if problems:
            raise ValidationError(problems)
        case = replace(case, items=tuple(item for item, _ in new))
        if seal:
            case = self._sealed(case, closed=closed)
        staging = self.cases_dir / f"{STAGING_PREFIX}{case.case_id}-{uuid.uuid4().hex[:12]}"
        marker: tuple[Path, InterProcessLock] | None = None
        try:
            payload = bagit_layer.write_new_bag(
                staging, [bagit_layer.PayloadFile(ITEM_FILE, data=case.to_json()), *add_files], case.bag_info())
            self._check_new_bag(staging, case, payload)
            if new and self.use_index:
                marker = self._announce(case.case_id)
            os.rename(staging, case.path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if marker is not None:
                self._retire(marker, done=True)
            raise
        if self.profile is not None and case.retention is None:
            self.warnings.append(Problem(
                f"kode klasifikasi {case.classification} (dan induknya) tidak ada di jadwal retensi profil; "
                "retensi berkas belum diatur", field="retensi", severity="warning"))
        return case, new, marker

    @staticmethod
    def _check_new_bag(staging: Path, case: CaseFile, payload: Mapping[str, tuple[str, int]]) -> None:
        """A staged case file must hold exactly its items as prepared and be a valid bag."""
        expected = {f"data/{f.name}": f.sha256 for item in case.items for f in item.files}
        written = {key: digest for key, (digest, _) in payload.items() if key != f"data/{ITEM_FILE}"}
        if written != expected:
            changed = sorted(k for k in set(written) | set(expected) if written.get(k) != expected.get(k))
            raise ArchiveError(f"{', '.join(changed)}: berkas berubah saat diarsipkan; ulangi")
        findings = bagit_layer.check_bag(staging)
        if findings:
            raise ArchiveError(f"berkas {case.case_id} yang disiapkan tidak utuh: "
                               + "; ".join(f"{f.path}: {f.detail}" for f in findings[:5]))

    def _next_case_number(self) -> int:
        highest = 0
        for case_id in self.case_ids():
            try:
                info = bagit_layer.read_bag_info(self.cases_dir / case_id)
                highest = max(highest, int(info.get("Nomor-Berkas", "0")))
            except (SopdocsError, ValueError):
                continue
        return highest + 1

    def _rewrite_case(self, case_id: str, change: Any) -> CaseFile:
        """Apply ``change(case) -> case`` to a case file's metadata (lock held inside)."""
        case_dir = self._existing_case_dir(case_id)
        with self._lock.hold():
            self._recover(case_dir)
            case, data = self._load(case_dir, checked=True)
            new = change(case)
            new_json = new.to_json()
            work = bagit_layer.stage_update(
                case_dir, add=[], replace=[bagit_layer.PayloadFile(ITEM_FILE, data=new_json)],
                info=new.bag_info(), sizes=case.payload_sizes(len(data)))
            bagit_layer.commit_update(work)
        return new

    def seal(self, case_id: str, *, closed: dt.date | None = None, location: str | None = None,
             folder: str | None = None, box: str | None = None) -> CaseFile:
        """Close a case file (berkas ditutup): no more items; retention counts from
        ``closed`` (default today). The retention is looked up again in the profile, if
        one is given, and the storage location may be recorded."""
        closed = closed or dt.date.today()
        return self._rewrite_case(case_id, lambda case: self._sealed(case, closed=closed, location=location,
                                                                     folder=folder, box=box))

    def _sealed(self, case: CaseFile, *, closed: dt.date | None, location: str | None = None,
                folder: str | None = None, box: str | None = None) -> CaseFile:
        """``case`` closed (see :meth:`seal`); no longer pending."""
        retention = case.retention
        if self.profile is not None:
            retention = retention_for(self.profile.retensi, case.classification) or retention
        return replace(case, status=STATUS_CLOSED, closed=closed or dt.date.today(), retention=retention,
                       pending=False,
                       location=case.location if location is None else location,
                       folder=case.folder if folder is None else folder,
                       box=case.box if box is None else box)

    def reopen(self, case_id: str) -> CaseFile:
        return self._rewrite_case(case_id, lambda c: replace(c, status=STATUS_OPEN, closed=None))

    def add(
        self,
        case_id: str,
        file: Path | str,
        *,
        kind: str,
        date: dt.date,
        title: str,
        number: str = "",
        people: Sequence[Person | str | tuple[str, str] | Mapping[str, str]] | None = None,
        copy_of: int | str | None = None,
        media: str | None = None,
        level: str | None = None,
        classification: str | None = None,
        pdf_copy: Path | str | None = None,
        pdf: bool = False,
        pdfa: bool = False,
        watermark: str | None = None,
        footer: bool = True,
    ) -> Item:
        """Archive one document (a .docx, a PDF, a photo...) into a case file."""
        doc = NewDocument(file=Path(file), kind=kind, date=date, title=title, number=number,
                          people=people, copy_of=copy_of, media=media, level=level,
                          classification=classification,
                          pdf_copy=Path(pdf_copy) if pdf_copy is not None else None)
        return self.add_many(case_id, [doc], pdf=pdf, pdfa=pdfa, watermark=watermark, footer=footer)[0]

    def add_many(
        self,
        case_id: str,
        documents: Sequence[NewDocument],
        *,
        pdf: bool = False,
        pdfa: bool = False,
        watermark: str | None = None,
        footer: bool = True,
    ) -> list[Item]:
        """Archive several documents into one case file in one transaction.

        ``pdf``: make a PDF copy of every .docx in one LibreOffice run (``pdfa``: as
        PDF/A-2b), with number, title, kind, date and classification in its metadata,
        an optional ``watermark`` ("SALINAN", "DRAFT") and, with ``footer``, a footer
        line with the number and the start of the .docx's SHA-256. Archiving the same
        file again into the same case file returns the item already there.
        """
        case_dir = self._existing_case_dir(case_id)
        case = self._load(case_dir)[0]
        if case.status == STATUS_CLOSED:
            raise ArchiveError(_closed_message(case))
        self._check_documents(documents, case)
        with tempfile.TemporaryDirectory(prefix="sopdocs-arsip-") as tmp:
            prepared = self._prepare(documents, case, Path(tmp), pdf=pdf, pdfa=pdfa,
                                     watermark=watermark, footer=footer)
            items, new, case, marker = self._commit_items(case_dir, prepared)
        if new:
            self._index_new(case, new, marker)
        return items

    def _check_documents(self, documents: Sequence[NewDocument], case: CaseFile) -> None:
        problems: list[Problem] = []
        if not documents:
            problems.append(Problem("tidak ada dokumen untuk diarsipkan"))
        for index, doc in enumerate(documents, 1):
            where = str(doc.file)

            def bad(message: str, field: str) -> None:
                problems.append(Problem(message, file=where, field=field))

            path = Path(doc.file)
            exists = path.is_file()
            if not exists:
                bad("berkas tidak ditemukan", "file")
            suffix = path.suffix.lower()
            if exists and (doc.kind == "foto" or doc.media == "foto" or suffix in _IMAGE_SUFFIXES):
                problem = _image_problem(path)
                if problem:
                    bad(f"foto/gambar {path.name} {problem}", "file")
            if suffix not in ALLOWED_SUFFIXES:
                bad(f"jenis berkas {suffix or '(tanpa akhiran)'} tidak diterima; yang diterima: "
                    + ", ".join(sorted(ALLOWED_SUFFIXES)), "file")
            if not isinstance(doc.kind, str) or not _KIND_RE.match(doc.kind):
                bad(f"jenis naskah {doc.kind!r} tidak sah: huruf kecil, angka dan tanda hubung "
                    "(mis. sop, surat-tugas, kuesioner, foto)", "kind")
            if not isinstance(doc.title, str) or not doc.title.strip():
                bad("judul kosong", "title")
            if isinstance(doc.date, dt.datetime) or not isinstance(doc.date, dt.date):
                bad(f"tanggal {doc.date!r} bukan datetime.date", "date")
            if not isinstance(doc.number, str) or len(doc.number) > 120 or "\n" in doc.number:
                bad(f"nomor {doc.number!r} tidak sah (teks satu baris, paling panjang 120)", "number")
            if doc.media is not None and doc.media not in MEDIA:
                bad(f"media {doc.media!r} tidak dikenal; pilih {', '.join(MEDIA)}", "media")
            if doc.level is not None and doc.level not in LEVELS:
                bad(f"tingkat perkembangan {doc.level!r} tidak dikenal; pilih {', '.join(LEVELS)}", "level")
            if doc.classification is not None and not _CODE_RE.match(doc.classification):
                bad(f"kode klasifikasi {doc.classification!r} tidak sah", "classification")
            if doc.pdf_copy is not None:
                if not Path(doc.pdf_copy).is_file():
                    bad(f"salinan PDF {doc.pdf_copy} tidak ditemukan", "pdf_copy")
                elif Path(doc.pdf_copy).suffix.lower() != ".pdf" or suffix == ".pdf":
                    bad("salinan PDF harus berakhiran .pdf dan hanya untuk dokumen yang bukan PDF", "pdf_copy")
                else:
                    problem = _pdf_problem(Path(doc.pdf_copy))
                    if problem:
                        bad(f"salinan PDF {Path(doc.pdf_copy).name} {problem}", "pdf_copy")
            if doc.people is not None:
                for n, person in enumerate(doc.people, 1):
                    try:
                        _person(person, f"people[{n}]")
                    except ValidationError as exc:
                        problems.extend(p.replace(file=where) for p in exc.problems)
        if problems:
            raise ValidationError(problems)

    def _prepare(self, documents: Sequence[NewDocument], case: CaseFile, tmp: Path, *, pdf: bool,
                 pdfa: bool, watermark: str | None, footer: bool) -> list[_Prepared]:
        """Copy inputs into ``tmp``, read their text and people, make the PDF copies."""
        prepared: list[_Prepared] = []
        to_convert: list[tuple[int, Path]] = []
        for index, doc in enumerate(documents, 1):
            suffix = Path(doc.file).suffix.lower()
            main = tmp / f"p{index:03d}{suffix}"
            sha, _ = bagit_layer.copy_hashed(Path(doc.file), main)
            text = self._extract_text(main, suffix, str(doc.file))
            if doc.people is not None:
                people = tuple(_person(p, f"people[{n}]") for n, p in enumerate(doc.people, 1))
            else:
                people = tuple(find_people(text)) if text else ()
            media = doc.media or ("foto" if suffix in _IMAGE_SUFFIXES else "elektronik")
            level = doc.level or ("kopi" if doc.copy_of is not None else "asli")
            pdf_path = None
            if doc.pdf_copy is not None:
                pdf_path = tmp / f"p{index:03d}-copy.pdf"
                shutil.copyfile(doc.pdf_copy, pdf_path)
            elif pdf and suffix == ".docx":
                to_convert.append((index - 1, main))
            prepared.append(_Prepared(doc=doc, main=main, suffix=suffix, sha256=sha, pdf=pdf_path, text=text,
                                      people=people, media=media, level=level,
                                      classification=doc.classification or case.classification))
        if to_convert:
            from sopdocs.pdf.convert import convert_many
            from sopdocs.pdf.postprocess import set_metadata, stamp

            out_dir = tmp / "pdf"
            pdfs = convert_many([p for _, p in to_convert], out_dir, pdfa=pdfa)
            for (position, _), made in zip(to_convert, pdfs):
                prep = prepared[position]
                doc = prep.doc
                set_metadata(made, number=doc.number or None, title=doc.title.strip(),
                             kind=kind_label(doc.kind), date=doc.date,
                             classification=prep.classification, author=case.creator or None)
                line = None
                if footer:
                    line = (f"Nomor {doc.number} | " if doc.number else "") + f"SHA-256 docx {prep.sha256[:16]}"
                if watermark or line:
                    stamp(made, watermark=watermark or None, footer=line)
                prep.pdf = made
        return prepared

    def _commit_items(self, case_dir: Path, prepared: list[_Prepared]
                      ) -> tuple[list[Item], list[tuple[Item, str]], CaseFile, Any]:
        """Under the archive lock: number the items, stage and commit the update."""
        with self._lock.hold():
            self._recover(case_dir)
            case, data = self._load(case_dir, checked=True)
            if case.status == STATUS_CLOSED:
                raise ArchiveError(_closed_message(case))
            result, new, add_files, problems = self._build_items(case, case.items, prepared)
            if problems:
                raise ValidationError(problems)
            if not new:
                return result, [], case, None
            updated = replace(case, items=(*case.items, *(item for item, _ in new)))
            work = bagit_layer.stage_update(
                case_dir, add=add_files,
                replace=[bagit_layer.PayloadFile(ITEM_FILE, data=updated.to_json())],
                info=updated.bag_info(), sizes=case.payload_sizes(len(data)))
            self._check_staged(work, new)
            marker = self._announce(case.case_id) if self.use_index else None
            try:
                bagit_layer.commit_update(work)
            except BaseException:
                if marker is not None:
                    marker[1].release()
                raise
        return result, new, updated, marker

    def _build_items(self, case: CaseFile, items: Sequence[Item], prepared: list[_Prepared]
                     ) -> tuple[list[Item], list[tuple[Item, str]], list[bagit_layer.PayloadFile], list[Problem]]:
        """Number the prepared documents after ``items`` (the case file's items so far).

        Returns the item of every document (an identical file archived already gives
        the item that is there), the new items with their text, the payload files to
        write, and the problems (a number clash, an unknown ``copy_of``)."""
        known = list(items)
        by_sha = {i.main.sha256: i for i in known}
        result: list[Item] = []
        new: list[tuple[Item, str]] = []
        add_files: list[bagit_layer.PayloadFile] = []
        next_item = max((i.item for i in known), default=0) + 1
        problems: list[Problem] = []
        for prep in prepared:
            doc = prep.doc
            same = by_sha.get(prep.sha256)
            if same is not None:
                result.append(same)  # archived already (e.g. a retry after a crash)
                continue
            number = doc.number.strip()
            revises = None
            if doc.revises is not None:
                earlier = _find_item(known, doc.revises)
                if earlier is None or earlier.number != number or earlier.kind != doc.kind:
                    problems.append(Problem(f"revises {doc.revises!r}: tidak ada item {doc.kind} bernomor "
                                            f"{number} di berkas {case.case_id}", file=str(doc.file),
                                            field="revises"))
                    continue
                revises = max((i.item for i in known if i.number == number and i.kind == doc.kind))
            elif number and doc.copy_of is None:
                clash = next((i for i in known if i.number == number and i.kind == doc.kind), None)
                if clash is not None:
                    problems.append(Problem(
                        f"nomor {number} ({doc.kind}) sudah ada di berkas {case.case_id} sebagai item "
                        f"{clash.item} dengan isi lain; untuk salinan beri copy_of", file=str(doc.file),
                        field="number"))
                    continue
            copy_of = None
            if doc.copy_of is not None:
                target = _find_item(known, doc.copy_of)
                if target is None:
                    problems.append(Problem(f"copy_of {doc.copy_of!r}: item itu tidak ada di berkas "
                                            f"{case.case_id}", file=str(doc.file), field="copy_of"))
                    continue
                copy_of = target.item
            stem = f"{next_item:03d}_" + safe_filename(number or doc.title, fallback=doc.kind,
                                                      max_length=_STEM_LENGTH)
            files = [ArchivedFile(name=stem + prep.suffix, role="asli", sha256=prep.sha256,
                                  size=prep.main.stat().st_size)]
            add_files.append(bagit_layer.PayloadFile(files[0].name, source=prep.main))
            if prep.pdf is not None:
                pdf_sha, pdf_size = bagit_layer.hash_file(prep.pdf)
                files.append(ArchivedFile(name=stem + ".pdf", role="salinan-pdf", sha256=pdf_sha, size=pdf_size))
                add_files.append(bagit_layer.PayloadFile(files[1].name, source=prep.pdf))
            item = Item(item=next_item, number=number, date=doc.date, kind=doc.kind,
                        title=" ".join(doc.title.split()), level=prep.level, media=prep.media,
                        classification=prep.classification, files=tuple(files), people=prep.people,
                        copy_of=copy_of, revises=revises, source=Path(doc.file).name[:200], added=_now())
            known.append(item)
            by_sha[prep.sha256] = item
            result.append(item)
            new.append((item, prep.text))
            next_item += 1
        return result, new, add_files, problems

    @staticmethod
    def _check_staged(work: Path, new: list[tuple[Item, str]]) -> None:
        """The staged copies must hash as prepared (paranoia: catches a changed source)."""
        for item, _ in new:
            for archived in item.files:
                digest, _ = bagit_layer.hash_file(work / "data" / archived.name)
                if digest != archived.sha256:
                    shutil.rmtree(work, ignore_errors=True)
                    raise ArchiveError(f"{archived.name}: berkas berubah saat diarsipkan; ulangi")
