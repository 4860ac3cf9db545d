"""Outputs: part of :class:`sopdocs.archive.archive.Archive` (see that module's docs)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sopdocs.archive.casefile import ArchiveError
from sopdocs.archive.common import MergeResult
from sopdocs.archive.storage import CaseStore


class Outputs(CaseStore):
    """What is made from the archive: the daftar arsip (CSV, Word) and one merged PDF
    per case file; never written into a case file."""

    def _check_output(self, out: Path, kind: str) -> None:
        """Outputs (lists, merged PDFs) never go into a case file (that would be an
        unexpected file in its bag), nor anywhere in an archive folder or a bag, nor over
        a folder or a file of another kind (:func:`sopdocs.outputs.check_output`; a file
        of the same kind is replaced, as callers of the API expect)."""
        from sopdocs.outputs import check_output

        try:
            out.resolve().relative_to(self.cases_dir.resolve())
        except ValueError:
            check_output(out, archive=self.root, kind=kind, overwrite=True)
            return
        raise ArchiveError(f"{out}: jangan menulis hasil ke dalam folder {self.cases_dir}; pilih tempat lain")

    def export(self, *, csv: Path | None = None, docx: Path | None = None,
               case_ids: Sequence[str] | None = None, delimiter: str = ",",
               title: str = "DAFTAR ARSIP AKTIF", templates: Any = None) -> list[Path]:
        """Write the daftar arsip as CSV (one row per item) and/or a Word document."""
        from sopdocs.kinds import daftararsip

        for target, kind in ((csv, "csv"), (docx, "docx")):
            if target is not None:
                self._check_output(Path(target), kind)
        cases = self.cases() if case_ids is None else [self.case(c) for c in case_ids]
        written = []
        if csv is not None:
            written.append(daftararsip.write_csv(cases, Path(csv), delimiter=delimiter))
        if docx is not None:
            written.append(daftararsip.write_docx(cases, Path(docx), profile=self.profile, title=title,
                                                  templates=templates))
        return written

    def merge(self, case_id: str, out: Path | None = None, *, timeout: float = 180) -> MergeResult:
        """One PDF of the whole case file with a bookmark per document, in item order.

        Items without a PDF copy are converted on the fly (nothing is added to the bag);
        photos and other files without a PDF form are listed in ``skipped``.
        """
        from sopdocs.pdf.convert import convert_many
        from sopdocs.pdf.postprocess import merge as merge_pdfs

        case = self.case(case_id)
        out = Path(out) if out is not None else Path.cwd() / f"{case.case_id}.pdf"
        self._check_output(out, "pdf")
        parts: list[tuple[str, Path]] = []
        skipped: list[str] = []
        with tempfile.TemporaryDirectory(prefix="sopdocs-gabung-") as tmp:
            convert: list[tuple[int, Path]] = []
            for item in case.items:
                title = f"{item.item}. {item.label}" + (f" {item.number}" if item.number else "") + f": {item.title}"
                source = item.pdf
                if source is not None:
                    path = self._payload(case, source.name)
                    if path is None:
                        skipped.append(f"{item.item}. {item.title}")
                        continue
                    parts.append((title, path))
                elif item.docx is not None:
                    path = self._payload(case, item.docx.name)
                    if path is None:
                        skipped.append(f"{item.item}. {item.title}")
                        continue
                    copy = Path(tmp) / path.name
                    shutil.copyfile(path, copy)
                    convert.append((len(parts), copy))
                    parts.append((title, copy))
                else:
                    skipped.append(f"{item.item}. {item.title}")
            if convert:
                made = convert_many([p for _, p in convert], Path(tmp) / "pdf", timeout=timeout)
                for (position, _), pdf_path in zip(convert, made):
                    parts[position] = (parts[position][0], pdf_path)
            if not parts:
                raise ArchiveError(f"berkas {case_id}: tidak ada dokumen yang dapat digabung ke PDF")
            merge_pdfs(parts, out)
        return MergeResult(path=out, bookmarks=[t for t, _ in parts], skipped=skipped)
