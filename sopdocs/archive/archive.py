"""The archive: case files (berkas) as BagIt bags, PDF copies, fixity and search.

One data-collection activity is one case file: every document of the SOP (SOP sheet,
surat tugas, blank questionnaire and its copy list, photos, recap letter, disposition)
in one BagIt bag. Layout of an archive folder::

    <archive>/berkas/<case-id>/         one bag per case file (see sopdocs.archive.bag)
        bag-info.txt                    archival metadata for people and other tools
        data/berkas.json                the item list (machine-readable, the truth)
        data/001_<number>.docx          items, named after their number
        data/001_<number>.pdf           the PDF copy of item 1
    <archive>/berkas/.staging-<case-id>-<token>/   a case file being created
    <archive>/indeks/                   the search index (rebuilt from the bags)
    <archive>/indeks.antrian/           index updates not confirmed yet (see below)
    <archive>/register.sqlite           the number register (sopdocs.numbering.rules), unless
    <archive>/pengaturan.yaml           names a PostgreSQL one (and the index engine, the office)
    <archive>/.arsip.lock               held by every writer

Crash safety:

* A new case file is written completely into ``.staging-<case-id>-<token>`` and renamed
  into place: it appears whole or not at all. :meth:`Archive.file_case` does this with
  all of a case file's documents and seals it, so a run never leaves half a case file.
* A case file made the older way (open, add, seal) by a run that stopped half-way is
  open and empty, or still carries ``Sopdocs-Sedang-Dibuat: ya``
  (``open_case(pending=True)``): verify reports it as incomplete, cleanup deletes it.
* Adding to a case file is a transaction inside its bag (``sopdocs.archive.bag``): new files
  and new manifests are staged in ``.update-<token>``, a ``COMMIT`` marker makes the
  change count, then files are moved in, manifests last. A crash before ``COMMIT``
  leaves the old bag intact (the leftover is reported by :meth:`Archive.verify`); a
  crash after it is finished by the next writer or verify.
* Writers hold one archive lock (an OS file lock, released if the process dies) only
  while staging and committing; PDF conversion and text extraction happen before, in a
  private temporary folder.
* The index is updated after the commit. Each update is announced by a locked file in
  ``indeks.antrian``; a file whose lock is free belongs to a process that died (or
  failed to index), and the next search re-indexes that case file. ``reindex``
  rebuilds everything from the bags, which are the truth.
"""

from __future__ import annotations

# Re-exported: callers import these names from here.
from sopdocs.archive.casefile import (KIND_LABELS, MAX_ITEM_FILE_BYTES, MAX_ITEM_FILE_DEPTH, ArchivedFile, ArchiveError,
                                      CaseFile, Item)
from sopdocs.archive.common import (
    ALLOWED_SUFFIXES,
    _CASE_ID_RE,
    CASES,
    INDEX,
    INDEX_LOCK,
    LOCK,
    MAX_TEXT_CHARS,
    MAX_TEXT_FILE_BYTES,
    QUEUE,
    STAGING_PREFIX,
    ArchivedNumber,
    Finding,
    MergeResult,
    NewDocument,
    VerifyReport,
    check_case_id,
)
from sopdocs.archive.fixity import Fixity
from sopdocs.archive.ingest import Ingest
from sopdocs.archive.outputs import Outputs
from sopdocs.docx.extract import Person

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchivedFile",
    "ArchivedNumber",
    "CaseFile",
    "Finding",
    "Item",
    "MergeResult",
    "NewDocument",
    "Person",
    "VerifyReport",
    "KIND_LABELS",
    "MAX_ITEM_FILE_BYTES",
    "MAX_ITEM_FILE_DEPTH",
    "MAX_TEXT_CHARS",
    "MAX_TEXT_FILE_BYTES",
]


class Archive(Outputs, Fixity, Ingest):
    """An archive folder (default: ``$SOPDOCS_ARCHIVE`` or ``./archive``).

    ``profile`` supplies the creator (pencipta arsip), the retention schedule and the
    date style; without it those must be given to :meth:`open_case`. Problems that do
    not stop an operation (a text that could not be extracted, an index update that
    must be retried) are collected in :attr:`warnings`.

    The parts, one module each: case storage (:mod:`sopdocs.archive.storage`), ingest
    (:mod:`sopdocs.archive.ingest`), index synchronisation (:mod:`sopdocs.archive.indexsync`),
    fixity (:mod:`sopdocs.archive.fixity`) and outputs (:mod:`sopdocs.archive.outputs`).
    """
