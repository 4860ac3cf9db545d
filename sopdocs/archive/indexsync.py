"""Index synchronisation: part of :class:`sopdocs.archive.archive.Archive` (see that module's docs)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Self, TYPE_CHECKING, Any

from sopdocs.archive.casefile import ITEM_FILE, ArchiveError, CaseFile, Item
from sopdocs.archive.lockfile import InterProcessLock, LockFileError
from sopdocs.errors import Problem, SopdocsError
from sopdocs.archive.common import _CASE_ID_RE, INDEX_LOCK, _WHOOSH_LOCK, _reference

if TYPE_CHECKING:
    from sopdocs.search.index import IndexedDocument, SearchIndex, SearchResults, SortOrder
from sopdocs.archive.storage import CaseStore


class IndexSync(CaseStore):
    """Keeping the search index in step with the bags: announced updates (markers in
    ``indeks.antrian``), catching up after a crash, rebuilding, searching."""

    def _announce(self, case_id: str) -> tuple[Path, InterProcessLock]:
        """A locked marker saying "case_id is being indexed" (see the module docstring)."""
        self.queue_dir.mkdir(parents=True, exist_ok=True)
        path = self.queue_dir / f"{case_id}.{uuid.uuid4().hex[:12]}.tertunda"
        lock = InterProcessLock(path, timeout=0)
        lock.acquire(timeout=0)
        return path, lock

    @staticmethod
    def _retire(marker: tuple[Path, InterProcessLock], *, done: bool) -> None:
        path, lock = marker
        lock.release()
        if done:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass

    def index(self) -> SearchIndex:
        """The search index (engine per the archive settings: :func:`sopdocs.search.open_index`), opened on first use;
        a damaged index is rebuilt from the bags."""
        if self._index is None:
            from sopdocs.search import open_index

            self._check_index_paths()
            existed = self.index_dir.is_dir() and any(self.index_dir.iterdir())
            idx = open_index(self.root, folder=self.index_dir)
            health = idx.check()
            if not health.ok:
                self.warnings.append(Problem(f"{health}; dibangun ulang dari berkas arsip", severity="warning"))
                idx.rebuild(self._documents())
            elif not existed and any(c.items for c in self.cases()):
                # The index folder was deleted (or never built) while documents exist.
                idx.rebuild(self._documents())
            self._index = idx
        return self._index

    def _index_new(self, case: CaseFile, new: list[tuple[Item, str]],
                   marker: tuple[Path, InterProcessLock] | None) -> None:
        if not self.use_index:
            return
        try:
            self._with_index(lambda idx: idx.add(self._document(case, item, text) for item, text in new))
        except SopdocsError as exc:
            self.warnings.append(Problem(
                f"dokumen sudah diarsipkan, tetapi indeks pencarian belum diperbarui ({exc}); "
                "akan diulang otomatis, atau jalankan `sopdocs archive reindex`", severity="warning"))
            if marker is not None:
                self._retire(marker, done=False)
            return
        if marker is not None:
            self._retire(marker, done=True)

    def _check_index_paths(self) -> None:
        """ArchiveError naming the path when the index folder is not a folder or one of
        its lock files is not a file (the search engine would fail with a traceback)."""
        import stat

        def kind(path: Path) -> int | None:
            try:
                return os.lstat(path).st_mode
            except OSError:
                return None

        mode = kind(self.index_dir)
        if mode is not None and not stat.S_ISDIR(mode):
            raise ArchiveError(f"indeks pencarian {self.index_dir} bukan folder; pindahkan atau hapus "
                               "berkas itu, lalu jalankan `sopdocs archive reindex`")
        for lock in (self.root / INDEX_LOCK, self.index_dir / _WHOOSH_LOCK):
            mode = kind(lock)
            if mode is not None and not stat.S_ISREG(mode):
                raise ArchiveError(f"berkas kunci indeks pencarian {lock} bukan berkas biasa (mungkin folder); "
                                   "pindahkan atau hapus (setelah memastikan tidak ada proses sopdocs yang "
                                   "berjalan), lalu ulangi")

    def _with_index(self, action: Any) -> Any:
        from sopdocs.search.base import IndexNeedsRebuildError

        idx = self.index()
        try:
            return action(idx)
        except IndexNeedsRebuildError as exc:
            self.warnings.append(Problem(f"{exc}; dibangun ulang dari berkas arsip", severity="warning"))
            idx.rebuild(self._documents())
            return action(idx)

    def catch_up(self) -> list[str]:
        """Re-index case files whose index update was announced but never confirmed
        (the process died or indexing failed). Returns their ids."""
        if not self.use_index:
            return []
        claimed = self._claim_stale_markers()
        done: list[str] = []
        try:
            for path, _ in claimed:
                case_id = path.name.rsplit(".", 2)[0]
                case_dir = self.cases_dir / case_id
                if case_id in done or not _CASE_ID_RE.match(case_id):
                    continue
                if (case_dir / "data" / ITEM_FILE).is_file():
                    case = self._load(case_dir)[0]
                    self._with_index(lambda idx: idx.add(self._documents([case])))
                done.append(case_id)
        except BaseException:
            for marker in claimed:
                self._retire(marker, done=False)
            raise
        for marker in claimed:
            self._retire(marker, done=True)
        return done

    def _claim_stale_markers(self) -> list[tuple[Path, InterProcessLock]]:
        """Lock the markers nobody holds. Done under the archive lock, so a marker that a
        writer has created but not yet locked is never mistaken for a stale one."""
        try:
            markers = sorted(self.queue_dir.glob("*.tertunda")) if self.queue_dir.is_dir() else []
        except OSError:
            return []
        if not markers:
            return []
        try:
            if not self._lock.try_acquire():
                return []  # a writer is at work; catch up next time
        except OSError:
            return []  # read-only archive
        claimed = []
        try:
            for path in markers:
                lock = InterProcessLock(path, timeout=0)
                try:
                    if lock.try_acquire():
                        claimed.append((path, lock))
                except (OSError, LockFileError):
                    continue
        finally:
            self._lock.release()
        return claimed

    def _document(self, case: CaseFile, item: Item, text: str | None = None) -> IndexedDocument:
        from sopdocs.search.base import IndexedDocument

        main = item.main
        if text is None:
            path = self._payload(case, main.name)
            text = self._extract_text(path, path.suffix.lower(), self._relative(path)) if path else ""
        people = [p.name for p in item.people if p.name] + [p.nip for p in item.people if p.nip]
        return IndexedDocument(
            doc_id=item.doc_id(case.case_id), number=item.number, kind=item.kind,
            classification=item.classification, case_id=case.case_id, title=item.title, date=item.date,
            people=people, text=text, path=_reference(case.case_id, main.name), office=case.office,
        )

    def _documents(self, cases: Iterable[CaseFile] | None = None) -> Iterator[IndexedDocument]:
        for case in cases if cases is not None else self.cases():
            for item in case.items:
                yield self._document(case, item)

    def reindex(self) -> int:
        """Rebuild the search index from the bags (they are the truth). Returns the
        number of documents indexed."""
        from sopdocs.search import open_index

        if self._index is None:
            self._check_index_paths()
        idx = self._index or open_index(self.root, folder=self.index_dir)
        count = idx.rebuild(self._documents())
        self._index = idx
        for marker in self._claim_stale_markers():
            self._retire(marker, done=True)
        return count

    def search(self, query: str, *, kind: str | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, limit: int = 20, sort: SortOrder = "relevance",
               offset: int = 0, classification: str | None = None, office: str | None = None,
               year: int | None = None) -> SearchResults:
        """Search the archived documents (:meth:`sopdocs.search.index.SearchIndex.search`)."""
        self.catch_up()
        return self._with_index(lambda idx: idx.search(query, kind=kind, date_from=date_from,
                                                       date_to=date_to, limit=limit, sort=sort,
                                                       offset=offset, classification=classification,
                                                       office=office, year=year))

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
