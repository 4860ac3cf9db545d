"""One pattern for every document kind, for Python tools that build on sopdocs.

A staffing system, a service desk or a survey app builds definitions in memory (a mapping
with the keys of the definition files, or the model itself) and issues them through the
same path the command line uses: validated with the same messages (field paths instead
of line numbers), numbered from the register, archived into a case file, optionally
converted to PDF::

    from sopdocs import api

    profile = api.load_profile("profil.yaml")
    letter = api.issue("surat-tugas", {"tanggal": "2024-01-05", ...}, profile=profile,
                       archive="arsip", case="PENUGASAN-2024")
    print(letter.number, letter.reference)

    results = api.issue_many("surat-tugas", mappings, profile=profile, archive="arsip",
                             case="PENUGASAN-2024", progress=print)

:func:`issue_many` checks every item first: an item with problems is reported in its
result and spends no number; the others are numbered in one transaction, rendered with
the compiled templates and archived together.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sopdocs.archive.archive import Archive, NewDocument
from sopdocs.definitions.profile import AgencyProfile
from sopdocs.definitions.yamlload import YamlDocument
from sopdocs.errors import Problem, SopdocsError, ValidationError
from sopdocs.kinds.registry import DocumentKind, get_kind
from sopdocs.locations import archive_dir
from sopdocs.workflow.issue import (OnWait, Transaction, check_verification_url, default_case, konsep_number,
                                    mark_final, render_model)

__all__ = ["Issued", "definition", "issue", "issue_many", "load_profile"]

#: The file name shown in problems about a definition given in memory.
IN_MEMORY = "<data>"

Progress = Callable[[int, int], None]


@dataclass
class Issued:
    """The outcome of issuing one document.

    ``problems`` empty: the document was issued, with ``number``, the archived item
    (``reference``, ``berkas/<case>/data/<file>``, and its ``sha256``) and ``docx`` (the
    working copy when one was asked for, else the archived file). Otherwise nothing was
    issued and no number was spent.
    """

    index: int
    number: str | None = None
    docx: Path | None = None
    reference: str | None = None
    sha256: str | None = None
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_profile(source: str | Path | Mapping[str, Any] | AgencyProfile) -> AgencyProfile:
    """The agency profile from a YAML file, a mapping or the model itself."""
    from sopdocs.definitions.profile import load_profile as load_file, profile_from_document

    if isinstance(source, AgencyProfile):
        return source
    if isinstance(source, Mapping):
        profile, _ = profile_from_document(YamlDocument(data=dict(source), file=IN_MEMORY), Path.cwd())
        return profile
    profile, _ = load_file(Path(source))
    return profile


def definition(kind: str, data: Mapping[str, Any] | BaseModel, *, source: str = IN_MEMORY) -> tuple[Any, list[Problem]]:
    """Validate a definition of ``kind`` given in memory; returns it with its warnings.

    Raises :class:`~sopdocs.errors.ValidationError` with the same messages as the
    definition file would get, naming each field by its path (``kepada[2].nip``).
    """
    record = get_kind(kind)
    if record.parse is None:
        raise SopdocsError(f"jenis {record.name} tidak dibuat dari definisi")
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="python", exclude={"source"})
    if not isinstance(data, Mapping):
        raise ValidationError([Problem(f"definisi {record.name} harus berupa mapping (dict), bukan "
                                       f"{type(data).__name__}", file=source)])
    return record.parse(YamlDocument(data=dict(data), file=source))


def _numbered(kind: str) -> DocumentKind:
    record = get_kind(kind)
    if not record.numbered or record.context is None:
        raise SopdocsError(f"jenis {record.name} tidak bernomor dari register; yang bernomor: "
                           + ", ".join(sorted(k for k, v in _kinds().items() if v.numbered and v.context)))
    return record


def _kinds() -> dict[str, DocumentKind]:
    from sopdocs.kinds.registry import kinds

    return kinds()


def issue(
    kind: str,
    data: Mapping[str, Any] | BaseModel,
    *,
    profile: AgencyProfile | str | Path | Mapping[str, Any],
    archive: str | Path | None = None,
    case: str | None = None,
    out: str | Path | None = None,
    pdf: bool = False,
    konsep: bool = False,
    key: str | None = None,
    on_wait: OnWait | None = None,
) -> Issued:
    """Issue one document of a numbered ``kind`` from a mapping or model.

    ``key``: the identity of the letter; issuing again with the same key reuses its
    number (a corrected letter). Without it every call is a new letter. ``out``: a folder
    or .docx name for a working copy. ``konsep``: a draft, unnumbered, not archived (needs
    ``out``). Raises ValidationError when the definition is invalid (no number taken).
    """
    record = _numbered(kind)
    agency = load_profile(profile)
    defn, warnings = definition(kind, data)
    rendered = render_model(record, defn, agency, Path(out) if out is not None else None, warnings=warnings,
                            pdf=pdf, archive=Path(archive) if archive is not None else None, konsep=konsep,
                            case_id=case, key=key, on_wait=on_wait)
    result = Issued(index=0, docx=rendered.docx[0] if rendered.docx else None, warnings=list(rendered.warnings),
                    number=rendered.numbers[0] if rendered.numbers else None,
                    reference=rendered.references[0] if rendered.references else None)
    if result.reference:
        with Archive(archive_dir(Path(archive) if archive is not None else None), index=False) as store:
            result.sha256 = _sha256(store, result.reference)
    return result


def issue_many(
    kind: str,
    items: Iterable[Mapping[str, Any] | BaseModel],
    *,
    profile: AgencyProfile | str | Path | Mapping[str, Any],
    archive: str | Path | None = None,
    case: str | None = None,
    progress: Progress | None = None,
    on_wait: OnWait | None = None,
) -> list[Issued]:
    """Issue many documents of a numbered ``kind``: one result per item, in order.

    Every item is validated and trial-rendered first; an item with problems is reported
    and spends no number. The others are numbered in one transaction, rendered, and
    archived together into ``case`` (its kind's yearly case file by default, per year);
    a failure there gives every number back. ``progress(done, total)`` is called as each
    item is settled (refused, or rendered with its number).
    """
    from sopdocs.docx.compiled import CompiledTemplate
    from sopdocs.docx.layout import page_for
    from sopdocs.docx.render import render_docx
    from sopdocs.docx.templateset import TemplateSet

    record = _numbered(kind)
    assert record.context is not None and record.date is not None and record.subject is not None
    agency = load_profile(profile)
    template = TemplateSet().path(record.template)
    compiled = CompiledTemplate.load(template)
    paper = page_for(agency, landscape=record.paper_landscape)
    entries = list(items)
    total = len(entries)
    settled = 0
    results = [Issued(index=i) for i in range(len(entries))]
    ready: list[tuple[int, Any]] = []
    say = progress or (lambda done, all_: None)

    with tempfile.TemporaryDirectory(prefix="sopdocs-batch-") as tmp:
        work = Path(tmp)
        for index, data in enumerate(entries):  # 1. check everything before any number
            try:
                defn, warnings = definition(kind, data, source=f"{IN_MEMORY}[{index + 1}]")
                found = record.check(defn, agency) if record.check is not None else []
                errors = [p for p in found if p.severity == "error"]
                if errors:
                    raise ValidationError(errors)
                # a trial in memory: template and value errors surface before any number
                compiled.render_bytes(record.context(defn, agency, konsep_number(agency, record, record.date(defn))),
                                      paper=paper)
            except ValidationError as error:
                results[index].problems = list(error.problems)
            except SopdocsError as error:
                results[index].problems = [Problem(str(error), file=f"{IN_MEMORY}[{index + 1}]")]
            else:
                results[index].warnings = [*warnings, *found]
                ready.append((index, defn))
                continue
            settled += 1  # refused: settled now
            say(settled, total)
        if not ready:
            return results

        store = Archive(archive_dir(Path(archive) if archive is not None else None), profile=agency)
        try:
            check_verification_url(agency)
            with Transaction(store, agency, on_wait=on_wait) as txn:  # 2. reserve, render
                made: list[tuple[int, str, NewDocument]] = []
                for index, defn in ready:
                    date = record.date(defn)
                    number = txn.reserve(record, date=date, subject=record.subject(defn)).number
                    path = work / f"{index:05d}_{record.output_stem(number)}.docx"
                    render_docx(template, record.context(defn, agency, number), path, paper=paper)
                    mark_final(path, record, number, date, agency)  # the verification QR code
                    made.append((index, number, NewDocument(file=path, kind=record.name, date=date,
                                                            title=record.subject(defn)[:200], number=number)))
                    settled += 1
                    say(settled, total)
                references = _archive_batch(store, record, case, made)  # 3. archive together
                txn.confirm({number: references[index][0] for index, number, _ in made})  # 4. confirm
            for index, number, _ in made:
                results[index].number = number
                results[index].reference, results[index].sha256 = references[index]
                results[index].docx = store.root / references[index][0]
        finally:
            store.close()
    return results


def _archive_batch(store: Archive, kind: DocumentKind, case: str | None,
                   made: list[tuple[int, str, NewDocument]]) -> dict[int, tuple[str, str]]:
    """Archive the batch's documents, one add per case file; returns (item reference, sha256)
    by index."""
    from sopdocs.numbering.rules import rule_for

    by_case: dict[str, list[tuple[int, NewDocument]]] = {}
    for index, _, document in made:
        by_case.setdefault(case or default_case(kind, document.date.year), []).append((index, document))
    references: dict[int, tuple[str, str]] = {}
    for case_id, documents in by_case.items():
        batch = [document for _, document in documents]
        if case_id in store.case_ids():
            items = store.add_many(case_id, batch)
        else:
            code = rule_for(store.profile, kind.name, default_code=kind.code).code if store.profile else kind.code
            store.check_new_case(case_id, code or "000")
            year = min(document.date for document in batch).year
            filed = store.file_case(case_id, classification=code or "000",
                                    description=f"{kind.label} tahun {year}", documents=batch, seal=False)
            items = list(filed.items[-len(batch):])
        for (index, _), item in zip(documents, items):
            references[index] = (f"berkas/{case_id}/data/{item.main.name}", item.main.sha256)
    return references


def _sha256(store: Archive, reference: str) -> str | None:
    parts = reference.split("/")
    if len(parts) != 4:
        return None
    case = store.case(parts[1])
    item = next((i for i in case.items if i.main.name == parts[3]), None)
    return item.main.sha256 if item is not None else None
