"""Fixity: part of :class:`sopdocs.archive.archive.Archive` (see that module's docs)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sopdocs.archive import bag as bagit_layer
from sopdocs.archive.casefile import ITEM_FILE, CaseFile
from sopdocs.errors import Problem, SopdocsError
from sopdocs.archive.common import (
    STAGING_PREFIX,
    Finding,
    VerifyReport,
    check_case_id,
    _incomplete_detail,
    _staging_case,
)
from sopdocs.archive.indexsync import IndexSync


class Fixity(IndexSync):
    """Fixity: checking every bag (checksums, leftovers of interrupted writes, the item
    list against the manifest) and cleaning up what interrupted runs left."""

    def verify(self, case_id: str | None = None) -> VerifyReport:
        """Check the fixity of one case file or all: files missing, changed or not
        listed, leftovers of interrupted writes, and an item list that does not match
        the manifest."""
        report = VerifyReport()
        if case_id is not None:
            check_case_id(case_id)
            stale = self._stale_staging(case_id)
            exists = (self.case_path(case_id)).is_dir()
            if not exists and not stale:
                self._existing_case_dir(case_id)  # raises: unknown case file
            case_dirs = [self.case_path(case_id)] if exists else []
        else:
            stale = self._stale_staging()
            case_dirs = [self.cases_dir / c for c in self.case_ids()]
        for path in stale:
            owner = _staging_case(path.name)
            report.findings.append(Finding(owner, "incomplete", self._relative(path),
                                           f"pembuatan berkas {owner} terhenti sebelum selesai; berkas itu "
                                           "belum ada di arsip (hapus dengan `sopdocs archive verify --clean`)"))
        if case_id is None and self.cases_dir.is_dir():
            known = {p.name for p in case_dirs}
            for entry in sorted(self.cases_dir.iterdir()):
                if entry.name in known or entry.name.startswith(STAGING_PREFIX):
                    continue
                report.findings.append(Finding(None, "unexpected", self._relative(entry),
                                               "bukan berkas arsip sopdocs"))
        for case_dir in case_dirs:
            report.cases.append(case_dir.name)
            with self._maybe_locked():
                if self._writable():
                    try:
                        bagit_layer.recover_bag(case_dir)
                    except SopdocsError:
                        pass  # a committed update that cannot be finished: check_bag reports it
                self._verify_case(case_dir, report)
        return report

    def _verify_case(self, case_dir: Path, report: VerifyReport) -> None:
        case_id = case_dir.name
        rel = self._relative(case_dir)
        for finding in bagit_layer.check_bag(case_dir):
            detail = finding.detail
            if finding.kind == "incomplete":
                detail += " (dihapus atau diselesaikan oleh penulisan berikutnya, atau `--clean`)"
            report.findings.append(Finding(case_id, finding.kind, f"{rel}/{finding.path}", detail))
        try:
            manifest = bagit_layer.read_manifest(case_dir)
        except SopdocsError:
            return
        report.files += len(manifest)
        try:
            case, _ = self._load(case_dir)
        except SopdocsError as exc:
            report.findings.append(Finding(case_id, "damaged", f"{rel}/data/{ITEM_FILE}", str(exc)))
            return
        if case.incomplete:
            report.findings.append(Finding(case_id, "incomplete", rel, _incomplete_detail(case)))
        listed = {f"data/{ITEM_FILE}"}
        for item in case.items:
            for archived in item.files:
                key = f"data/{archived.name}"
                listed.add(key)
                if not bagit_layer.is_payload_name(archived.name):
                    report.findings.append(Finding(case_id, "damaged", f"{rel}/data/{ITEM_FILE}",
                                                   f"item {item.item}: nama berkas tidak aman {archived.name!r}"))
                elif key not in manifest:
                    report.findings.append(Finding(case_id, "damaged", f"{rel}/{key}",
                                                   f"item {item.item}: tidak tercantum di manifest"))
                elif manifest[key] != archived.sha256:
                    report.findings.append(Finding(case_id, "damaged", f"{rel}/{key}",
                                                   f"item {item.item}: checksum di {ITEM_FILE} berbeda dengan manifest"))
        for key in sorted(set(manifest) - listed):
            report.findings.append(Finding(case_id, "unexpected", f"{rel}/{key}",
                                           f"tercantum di manifest tetapi bukan item di {ITEM_FILE}"))

    def cleanup(self) -> list[Path]:
        """Delete what interrupted writes left behind, after finishing committed updates:
        staging folders, abandoned updates, and case files whose creating run stopped
        before it finished (open and empty, or still marked pending; see
        :attr:`CaseFile.incomplete`). Done under the archive lock, so nothing another
        process is writing is touched. Returns the deleted folders."""
        removed: list[Path] = []
        if not self.cases_dir.is_dir():
            return removed
        dropped: list[str] = []
        with self._lock.hold():
            for stale in self._stale_staging():
                shutil.rmtree(stale, ignore_errors=True)
                removed.append(stale)
            for case_id in self.case_ids():
                case_dir = self.cases_dir / case_id
                try:
                    bagit_layer.recover_bag(case_dir)
                except SopdocsError as exc:
                    self.warnings.append(Problem(f"berkas {case_id} tidak dibersihkan: {exc}", file=str(case_dir),
                                                 severity="warning"))
                    continue
                removed += bagit_layer.discard_abandoned(case_dir)
                case = self._removable(case_dir)
                if case is not None and self._remove_case(case_dir):
                    removed.append(case_dir)
                    dropped += [item.doc_id(case.case_id) for item in case.items]
        if dropped and self.use_index:
            try:
                self._with_index(lambda idx: [idx.delete(doc_id) for doc_id in dropped])
            except SopdocsError as exc:
                self.warnings.append(Problem(
                    f"indeks pencarian masih memuat dokumen berkas yang dihapus ({exc}); "
                    "jalankan `sopdocs archive reindex`", severity="warning"))
        return removed

    def _removable(self, case_dir: Path) -> CaseFile | None:
        """The case file in ``case_dir`` if it is incomplete and holds nothing but what
        sopdocs wrote (its manifest matches its files): only then may cleanup delete it."""
        try:
            case, _ = self._load(case_dir, checked=True)
        except SopdocsError:
            return None  # damaged: for a person to look at, never deleted automatically
        if not case.incomplete:
            return None
        try:
            manifest = bagit_layer.read_manifest(case_dir)
            on_disk = {p.relative_to(case_dir).as_posix() for p in case_dir.rglob("*") if not p.is_dir()}
        except (SopdocsError, OSError):
            return None
        tags = {bagit_layer.BAGIT_TXT, bagit_layer.BAG_INFO, bagit_layer.MANIFEST, bagit_layer.TAGMANIFEST}
        if on_disk - tags != set(manifest):
            self.warnings.append(Problem(
                f"berkas {case.case_id} tidak lengkap tetapi berisi berkas lain di luar manifest; "
                "tidak dihapus otomatis, periksa dengan `sopdocs archive verify`", file=str(case_dir),
                severity="warning"))
            return None
        return case

    def _remove_case(self, case_dir: Path) -> bool:
        """Delete a case folder (lock held): renamed to a staging name first, so a crash
        half-way leaves a leftover that verify reports and cleanup deletes."""
        trash = self.cases_dir / f"{STAGING_PREFIX}{case_dir.name}-{uuid.uuid4().hex[:12]}"
        try:
            os.rename(case_dir, trash)
        except OSError as exc:
            self.warnings.append(Problem(f"berkas {case_dir.name} tidak dapat dihapus: {exc}",
                                         file=str(case_dir), severity="warning"))
            return False
        shutil.rmtree(trash, ignore_errors=True)
        return True
