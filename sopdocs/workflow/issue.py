"""One path for every numbered document: check, reserve, render, archive, confirm.

Every official number and questionnaire copy code is reserved under a
:class:`Transaction` (a transaction id recorded in the register, and a lock file held by
this process under ``<archive>/.transaksi/``). Only when the documents carrying them
are archived does :meth:`Transaction.confirm` mark them ``terpakai``, pointing at the
archived items (``berkas/<case>/data/<file>``, resolvable from the archive folder). A
failure anywhere releases them: a number nothing was issued after is given back (no
gap), any other is voided with the reason. A process that dies leaves its reservation
"dipesan"; the next transaction on that archive finds the lock file free and finishes
the job: numbers the archive holds are confirmed against their items, the rest released.

Before the first reservation the register is checked against the archive: if the
archive holds numbers the register does not know (register deleted, truncated, or an
older copy restored), nothing is issued until ``sopdocs number rebuild`` restored them.

A final document rendered again reuses the number it already has. Its identity is the
kind plus the key the kind derives from its definition (for letters: the definition
file's name and the letter date; see :attr:`DocumentKind.identity`), so fixing a typo
and rendering again keeps the number, and the register records the newest file.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sopdocs.archive.archive import Archive, NewDocument
from sopdocs.archive.lockfile import InterProcessLock
from sopdocs.errors import Problem, SopdocsError, ValidationError
from sopdocs.fsutil import atomic_write_bytes, resolve_output
from sopdocs.kinds.registry import DocumentKind, get_kind
from sopdocs.locations import archive_dir
from sopdocs.outputs import check_output, check_output_dir
from sopdocs.numbering.register import VOID, IssuedNumber, Register
from sopdocs.numbering.rules import NumberingProfile, register_exists, register_for, rule_for

if TYPE_CHECKING:  # imported where used: `number take` must not load the render engine (nor pydantic)
    from sopdocs.definitions.profile import AgencyProfile
    from sopdocs.docx.render import Rendered
    from sopdocs.docx.templateset import TemplateSet

#: Folder (inside the archive) of the lock files of transactions in progress.
TXN_DIR = ".transaksi"
#: A transaction without a lock file counts as abandoned after this many seconds.
STALE_UNLOCKED_SECONDS = 3600
#: How many numbers the "register does not know" message names.
SHOWN_UNKNOWN = 5
#: Text the number line of a draft shows where the serial will go.
KONSEP_MARK = "KONSEP"

OnWait = Callable[[str], None]


class RegisterBehindArchive(SopdocsError):
    """The archive holds numbers the register does not know: issuing could repeat them."""


# --------------------------------------------------------------------------- checks


def require_pdf_converter(parallel: int = 1) -> None:
    """Refuse (before any number is taken) when PDF copies are asked and LibreOffice is missing."""
    from sopdocs.pdf.convert import prepare_converter

    prepare_converter(parallel)  # and LibreOffice starts in the background, ready when the documents are


def check_register(archive: Archive, register: Register, profile: NumberingProfile | None = None) -> None:
    """Refuse to issue when the archive holds numbers of the register's own series that
    the register does not know (numbers of another scheme, e.g. given by hand with another
    unit code, cannot collide and are not counted)."""
    archived = {item.number: item for item in numbered_from_register(archive)}
    if not archived:
        return
    unknown = sorted(set(archived) - register.known(archived))
    if profile is not None:
        unknown = [number for number in unknown if _in_our_series(profile, archived[number].kind, number)]
    if unknown:
        shown = ", ".join(unknown[:SHOWN_UNKNOWN]) + (" ..." if len(unknown) > SHOWN_UNKNOWN else "")
        raise RegisterBehindArchive(
            f"register {register.path} tidak mengenal {len(unknown)} nomor yang sudah ada di arsip "
            f"{archive.root} ({shown}); register terhapus, terpotong atau dipulihkan dari salinan lama. "
            "Tidak ada nomor yang diberikan agar tidak terulang: jalankan `sopdocs number rebuild` dulu"
        )


def _in_our_series(profile: NumberingProfile, kind_name: str, number: str) -> bool:
    """Would the register issue this number text for ``kind_name`` (same pattern, unit, code)?"""
    from sopdocs.kinds.registry import kind_info  # a light record: no kind module is imported

    kind = kind_info(kind_name)
    try:
        rule = rule_for(profile, kind_name, default_code=kind.code if kind is not None else None)
    except SopdocsError:
        return False
    parsed = rule.parse_number(number)
    return parsed is not None and parsed.unit == profile.kode_unit


def numbered_from_register(archive: Archive) -> list[Any]:
    """The archived items whose number came from the register (an SOP's own nomor did not)."""
    from sopdocs.kinds.registry import builtin_kind_infos, kind_infos  # light records: no kind module

    items = list(archive.numbered_items())
    registered = builtin_kind_infos()  # they win over other kinds of the same name
    if any(item.kind not in registered for item in items):
        registered = kind_infos()  # third-party kinds too (their entry points are looked up)
    return [item for item in items if item.kind in registered and registered[item.kind].numbered]


def recover_abandoned(archive: Archive, register: Register) -> list[str]:
    """Finish transactions whose process died: numbers the archive holds are confirmed
    against their items, the rest released. Returns one line per transaction."""
    pending = register.pending()
    if not pending:
        return []
    folder = archive.root / TXN_DIR
    done: list[str] = []
    archived: dict[str, str] | None = None
    for txn in sorted(pending):
        lock_path = folder / f"{txn}.lock"
        lock = InterProcessLock(lock_path, timeout=0)
        if not lock_path.exists():
            # A transaction without a lock file (questionnaire copies rendered on their
            # own) is taken for dead only when it is old.
            age = dt.datetime.now(dt.timezone.utc) - pending[txn].started_at.astimezone(dt.timezone.utc)
            if age.total_seconds() < STALE_UNLOCKED_SECONDS:
                continue
        try:
            if not lock.try_acquire():
                continue  # its process is still at work
        except OSError:
            continue
        try:
            if archived is None:
                archived = {item.number: item.reference for item in numbered_from_register(archive)}
            held = [row.number for row in pending[txn].numbers]
            found = {number: archived[number] for number in held if number in archived}
            for number, reference in found.items():
                register.attach(number, reference)
            if found and pending[txn].copy_codes:
                # the run filed its case (in one step): its copy codes went with it
                case_id = next(iter(found.values())).split("/")[1]
                forms = [item for item in archive.case(case_id).items if item.kind == "kuesioner"]
                if forms:
                    register.confirm(txn, {"*": archive.item_reference(case_id, forms[-1].item)})
            released = register.release(txn, "proses terhenti sebelum dokumennya diarsipkan")
            done.append(f"transaksi {txn}: {len(found)} nomor dikukuhkan dari arsip, {len(released)} dilepas")
        finally:
            lock.release()
            try:
                lock_path.unlink(missing_ok=True)
            except OSError:
                pass
    return done


# --------------------------------------------------------------------------- transaction


class Transaction:
    """The numbers and copy codes of one run, confirmed together or given back together.

    Use as a context manager: leaving the block by an exception (or without
    :meth:`confirm`) releases everything reserved, with the exception as the reason.
    """

    def __init__(self, archive: Archive, profile: AgencyProfile, *, profile_file: Path | None = None,
                 on_wait: OnWait | None = None) -> None:
        self.archive = archive
        self.profile = profile
        self.profile_file = profile_file
        self.id = f"{dt.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:12]}"
        self.numbers: list[IssuedNumber] = []
        self.codes: list[str] = []
        self.confirmed = False
        self._register = register_for(archive.root, on_wait=on_wait)
        self._lock: InterProcessLock | None = None

    def __enter__(self) -> Transaction:
        folder = self.archive.root / TXN_DIR
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = InterProcessLock(folder / f"{self.id}.lock", timeout=0)
        self._lock.acquire(timeout=0)
        try:
            recover_abandoned(self.archive, self._register)
            check_register(self.archive, self._register, self.profile)
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        try:
            if not self.confirmed and (self.numbers or self.codes):
                reason = f"gagal: {exc}" if exc is not None else "dibatalkan sebelum selesai"
                if isinstance(exc, KeyboardInterrupt):
                    reason = "dihentikan pengguna"
                self._register.release(self.id, " ".join(reason.split())[:500])
        finally:
            self._close()

    def _close(self) -> None:
        self._register.close()
        if self._lock is not None:
            path = self._lock.path
            self._lock.release()
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
            self._lock = None

    def reserve(self, kind: DocumentKind, *, date: dt.date, subject: str, key: str | None = None) -> IssuedNumber:
        """Reserve the next number of ``kind`` for a letter dated ``date``."""
        rule = rule_for(self.profile, kind.name, profile_file=self.profile_file, default_code=kind.code)
        issued = self._register.reserve(rule, date=date, subject=subject, txn=self.id, key=key)
        self.numbers.append(issued)
        return issued

    def copy_codes(self, activity: str, count: int, *, year: int, prefix: str = "K") -> list[str]:
        """Reserve ``count`` questionnaire copy codes."""
        codes = self._register.issue_copy_codes(activity, count, year=year, prefix=prefix, txn=self.id)
        self.codes.extend(codes)
        return codes

    def confirm(self, documents: Mapping[str, str]) -> None:
        """Mark everything reserved ``terpakai``: ``documents`` maps each number to its
        archived item reference (copy codes go to the reference under ``"*"``)."""
        self._register.confirm(self.id, documents)
        self.confirmed = True


# --------------------------------------------------------------------------- one document


@dataclass
class IssueResult:
    """A numbered document issued: its number, archived item and working copy."""

    number: str
    reference: str
    case_id: str
    docx: Path
    reused: bool = False
    warnings: list[Problem] = field(default_factory=list)
    pdf: Path | None = None
    """The PDF copy (the archived one, copied beside the working copy), when asked."""


def default_case(kind: DocumentKind, year: int) -> str:
    """The yearly case file a kind's letters go to when no case is named (``SURAT-TUGAS-2024``)."""
    return f"{kind.name.upper()}-{year}"


def archive_one(archive: Archive, case_id: str | None, kind: DocumentKind, document: NewDocument,
                classification: str, *, previous: str | None = None, pdf: bool = False) -> str:
    """Archive one document into ``case_id`` (its yearly case by default, created with the
    document when new). ``previous``: the reference of the earlier version of the same
    letter, when it is in that case (the new item then revises it). Returns the archived
    item's reference."""
    from dataclasses import replace

    case = case_id or default_case(kind, document.date.year)
    if case in archive.case_ids():
        if previous and previous.startswith(f"berkas/{case}/"):
            earlier = next((item for item in archive.case(case).items
                            if archive.item_reference(case, item.item) == previous), None)
            if earlier is not None:
                document = replace(document, revises=earlier.item)
        item = archive.add_many(case, [document], pdf=pdf)[0]
    else:
        archive.check_new_case(case, classification)
        filed = archive.file_case(case, classification=classification,
                                  description=f"{kind.label} tahun {document.date.year}", documents=[document],
                                  seal=False, pdf=pdf)
        item = filed.items[-1]
    return archive.item_reference(case, item.item)


def issue(
    kind: DocumentKind,
    *,
    profile: AgencyProfile,
    archive: Archive,
    date: dt.date,
    subject: str,
    title: str,
    render: Callable[[str, Path], Any],
    out: Path | None,
    key: str | None = None,
    new_number: bool = False,
    case_id: str | None = None,
    profile_file: Path | None = None,
    on_wait: OnWait | None = None,
    pdf: bool = False,
) -> IssueResult:
    """Issue one numbered document: reuse its number (same ``key``) or reserve the next,
    ``render(number, path)`` it, put its verification QR code on it, archive it (with a
    PDF copy when ``pdf``), confirm. ``out``: where the working copy goes (a folder or a
    .docx name; None for none); the PDF copy goes beside it."""
    rule = rule_for(profile, kind.name, profile_file=profile_file, default_code=kind.code)
    check_verification_url(profile)
    if out is not None:
        _check_out(Path(out), archive.root)  # before any number is taken
        _ensure_folder(resolve_output(Path(out), "x").parent)
    with tempfile.TemporaryDirectory(prefix="sopdocs-terbit-") as tmp:
        work = Path(tmp)
        reused: IssuedNumber | None = None
        if key and not new_number:
            # Reusing a number issues none, so the archive check is left to the Transaction
            # below (it reads every case file: doing it here too would read them twice).
            with register_for(archive.root, on_wait=on_wait) as register:
                reused = register.find_by_key(kind.name, key)
        if reused is not None:
            number = reused.number
            made = work / f"{kind.output_stem(number)}.docx"
            render(number, made)
            mark_final(made, kind, number, date, profile)
            _pdf_ahead(made, pdf)
            target = _working_copy(made, out, archive.root)
            reference = _archive_or_undo(archive, case_id, kind, _new_document(made, kind, date, title, number),
                                         rule.code, target, previous=reused.document, pdf=pdf)
            with register_for(archive.root, on_wait=on_wait) as register:
                register.attach(number, reference, replace=True)
        else:
            with Transaction(archive, profile, profile_file=profile_file, on_wait=on_wait) as txn:
                issued = txn.reserve(kind, date=date, subject=subject, key=key)
                number = issued.number
                made = work / f"{kind.output_stem(number)}.docx"
                render(number, made)
                mark_final(made, kind, number, date, profile)
                _pdf_ahead(made, pdf)
                target = _working_copy(made, out, archive.root)
                reference = _archive_or_undo(archive, case_id, kind,
                                             _new_document(made, kind, date, title, number), rule.code, target,
                                             pdf=pdf)
                txn.confirm({number: reference})
    case = reference.split("/")[1] if reference.startswith("berkas/") else (case_id or "")
    return IssueResult(number=number, reference=reference, case_id=case, docx=target or made,
                       reused=reused is not None, pdf=_pdf_copy(archive, reference, target) if pdf else None)


def _pdf_ahead(made: Path, pdf: bool) -> None:
    """The final document's PDF copy starts now, while it is archived (text read, hashed)."""
    if pdf:
        from sopdocs.pdf.convert import convert_ahead

        convert_ahead(made)


def _archive_or_undo(archive: Archive, case_id: str | None, kind: DocumentKind, document: NewDocument,
                     classification: str, working_copy: Path | None, *, previous: str | None = None,
                     pdf: bool = False) -> str:
    """Archive the document; should that fail, remove the working copy already written
    (its number is being given back)."""
    try:
        return archive_one(archive, case_id, kind, document, classification, previous=previous, pdf=pdf)
    except BaseException:
        if working_copy is not None:
            try:
                working_copy.unlink(missing_ok=True)
            except OSError:
                pass
        raise


def check_verification_url(profile: AgencyProfile) -> None:
    """Refuse a profile ``verifikasi.url`` the QR code cannot carry, before any number is taken."""
    from sopdocs.docx.qr import QrError, check_url

    try:
        check_url(profile.verifikasi.url)
    except QrError as exc:
        raise ValidationError([Problem(str(exc), field="verifikasi.url")]) from None


def mark_final(path: Path, kind: DocumentKind, number: str, date: dt.date, profile: AgencyProfile) -> None:
    """Put the verification QR code on a final (numbered) document (see :mod:`sopdocs.docx.qr`)."""
    from sopdocs.docx.qr import add_verification_qr

    add_verification_qr(path, number=number, date=date, kind=kind.name, url=profile.verifikasi.url or None)


def _pdf_copy(archive: Archive, reference: str, working_copy: Path | None) -> Path | None:
    """The archived item's PDF copy, copied beside the working copy (byte for byte, so the
    copy handed out verifies as the original); without a working copy, the archived file."""
    parts = reference.split("/")
    if len(parts) != 4 or parts[0] != "berkas":
        return None
    item = next((i for i in archive.case(parts[1]).items if i.main.name == parts[3]), None)
    if item is None or item.pdf_copy is None:
        return None
    archived = archive.case_path(parts[1]) / "data" / item.pdf_copy.name
    if working_copy is None:
        return archived
    target = working_copy.with_suffix(".pdf")
    check_output(target, archive=archive.root, kind="pdf", overwrite=True)
    try:
        shutil.copyfile(archived, target)
    except OSError as exc:
        raise SopdocsError(f"{target}: tidak dapat ditulis ({exc.strerror or exc})") from None
    return target


def _new_document(path: Path, kind: DocumentKind, date: dt.date, title: str, number: str) -> NewDocument:
    return NewDocument(file=path, kind=kind.name, date=date, title=title[:200], number=number)


def _check_out(out: Path, archive_root: Path) -> None:
    """Before anything is numbered: the working copy's folder (and its file, when ``out``
    names one) is not in an archive folder or a bag (:func:`sopdocs.outputs.check_output`)."""
    target = resolve_output(out, "x")
    check_output_dir(target.parent, archive=archive_root)
    if out.suffix.lower() == ".docx":
        check_output(target, archive=archive_root, kind="docx", overwrite=True)


def _working_copy(made: Path, out: Path | None, archive_root: Path) -> Path | None:
    """Copy the document to ``out``: never into an archive folder or a bag, nor over a folder
    or a file that is not a .docx; a working copy of the same name (the same letter made
    again) is replaced."""
    if out is None:
        return None
    target = resolve_output(Path(out), made.stem)
    check_output(target, archive=archive_root, kind="docx", overwrite=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, target)
    except OSError as exc:
        raise SopdocsError(f"{target}: tidak dapat ditulis ({exc.strerror or exc})") from None
    return target


# --------------------------------------------------------------------------- from a definition file


def konsep_number(profile: AgencyProfile, kind: DocumentKind, date: dt.date,
                  profile_file: Path | None = None) -> str:
    """The number line of a draft: the kind's pattern with the serial left blank."""
    rule = rule_for(profile, kind.name, profile_file=profile_file, default_code=kind.code)
    sentinel = 987654321
    text = rule.format_number(sentinel, date=date)
    return text.replace(str(sentinel), "\u2003" * 3)


def render_definition(
    kind_name: str,
    definition: Path,
    out: Path,
    *,
    profile: Path | None = None,
    templates: Path | TemplateSet | None = None,
    pdf: bool = False,
    archive: Path | None = None,
    konsep: bool = False,
    new_number: bool = False,
    case_id: str | None = None,
    copies: int = 1,
    one_file: bool = False,
    on_wait: OnWait | None = None,
) -> Rendered:
    """Render any registered kind from its definition file.

    Final documents go through :func:`issue` (numbered, archived, a working copy in
    ``out``); a draft (``konsep``) takes no number, is not archived and carries a KONSEP
    watermark on every page. A definition that names its own ``nomor`` is rendered with
    it, archived and recorded against it.
    """
    from sopdocs.docx.render import render_docx
    from sopdocs.docx.watermark import add_watermark
    from sopdocs.docx.compiled import Paper

    kind = get_kind(kind_name)
    if not kind.numbered:
        return _render_unnumbered(kind, definition, out, konsep=konsep, profile=profile, templates=templates,
                                  pdf=pdf, archive=archive, copies=copies, one_file=one_file)
    assert kind.load is not None and kind.context is not None
    if copies != 1 or one_file:
        raise SopdocsError(f"--{'copies' if copies != 1 else 'one-file'} tidak berlaku untuk {kind.name}")
    definition = Path(definition)
    defn, warnings = kind.load(definition)
    named_profile = getattr(defn, "profil", "")
    from sopdocs.definitions.profile import resolve_profile

    agency, profile_warnings = resolve_profile(profile, named_profile, definition)
    profile_file = _profile_source(profile, named_profile, definition)
    return render_model(kind, defn, agency, out, warnings=[*warnings, *profile_warnings], source=definition,
                        profile_file=profile_file, templates=templates, pdf=pdf, archive=archive, konsep=konsep,
                        new_number=new_number, case_id=case_id,
                        key=kind.identity(defn) if kind.identity else None, on_wait=on_wait)


def render_model(
    kind: DocumentKind,
    defn: Any,
    agency: AgencyProfile,
    out: Path | None,
    *,
    warnings: list[Problem] | None = None,
    source: Path | None = None,
    profile_file: Path | None = None,
    templates: Path | TemplateSet | None = None,
    pdf: bool = False,
    archive: Path | None = None,
    konsep: bool = False,
    new_number: bool = False,
    case_id: str | None = None,
    key: str | None = None,
    on_wait: OnWait | None = None,
) -> Rendered:
    """Render a numbered kind from its validated definition ``defn`` (see
    :func:`render_definition`); ``key`` is the identity a re-render is recognised by (None:
    always a new number); ``out`` None: no working copy (the archived item is the document)."""
    from sopdocs.docx.render import Rendered, render_docx
    from sopdocs.docx.templateset import TemplateSet
    from sopdocs.docx.watermark import add_watermark
    from sopdocs.docx.layout import page_for

    assert kind.context is not None
    definition = source or Path("<data>")
    profile_warnings: list[Problem] = list(warnings or [])
    found = kind.check(defn, agency) if kind.check is not None else []
    errors = [p for p in found if p.severity == "error"]
    if errors:
        raise ValidationError(errors)
    if pdf:
        require_pdf_converter()  # missing LibreOffice is refused before any number is taken
    template_set = templates if isinstance(templates, TemplateSet) else TemplateSet(templates)
    template = template_set.path(kind.template)
    result = Rendered(warnings=[*profile_warnings, *found])
    assert kind.date is not None and kind.subject is not None
    date = kind.date(defn)

    def render(number: str, path: Path) -> None:
        context = kind.context(defn, agency, number)  # type: ignore[misc]
        _ensure_folder(path.parent)
        try:
            render_docx(template, context, path, paper=page_for(agency, landscape=kind.paper_landscape))
        except OSError as exc:
            raise SopdocsError(f"{path}: tidak dapat ditulis ({exc.strerror or exc})") from None

    given = str(getattr(defn, "nomor", "") or "")
    if konsep:
        if out is None:
            raise SopdocsError("konsep perlu tempat keluaran (out): konsep tidak diarsipkan")
        number = given or konsep_number(agency, kind, date, profile_file)
        target = resolve_output(Path(out), f"{kind.output_stem(given or 'KONSEP')}")
        if given:
            target = target.with_name(target.stem + "_KONSEP.docx")
        check_output(target, archive=archive, kind="docx", overwrite=True)  # a draft made again is replaced
        _ensure_folder(target.parent)
        with tempfile.TemporaryDirectory(prefix="sopdocs-konsep-") as tmp:
            draft = Path(tmp) / target.name
            render(number, draft)
            add_watermark(draft, KONSEP_MARK)  # never under the final name without its mark
            atomic_write_bytes(target, draft.read_bytes())
        result.docx.append(target)
    else:
        # The trial render finds template and context errors before a number is taken.
        with tempfile.TemporaryDirectory(prefix="sopdocs-coba-") as tmp:
            render(given or konsep_number(agency, kind, date, profile_file), Path(tmp) / "coba.docx")
        store = Archive(archive_dir(archive), profile=agency)
        try:
            if given:
                issued = _issue_given(kind, defn, given, agency, store, render, out, case_id, definition,
                                      result, on_wait, pdf=pdf)
            else:
                issued = issue(kind, profile=agency, archive=store, date=date, subject=kind.subject(defn),
                               title=kind.subject(defn), render=render, out=out, key=key,
                               new_number=new_number, case_id=case_id, profile_file=profile_file, on_wait=on_wait,
                               pdf=pdf)
            result.warnings.extend(store.warnings)
            archived = store.resolve_reference(issued.reference)
        finally:
            store.close()
        if issued.reused:
            result.warnings.append(Problem(
                f"nomor {issued.number} dipakai lagi: dokumen ini sudah pernah dibuat (kunci {key or '-'}); "
                "pakai --nomor-baru untuk nomor baru", file=str(definition), severity="warning"))
        result.docx.append(issued.docx if out is not None or archived is None else archived)
        result.numbers.append(issued.number)
        result.references.append(issued.reference)
        if pdf:
            _add_pdf(result, issued)
        return result
    if pdf:
        result.add_pdf_copies()
    return result


def _add_pdf(result: Rendered, issued: IssueResult) -> None:
    """The issued document's PDF copy (the archived one); converted from the working copy
    only when the archive holds none (an identical file archived earlier without one)."""
    if issued.pdf is not None:
        result.pdf.append(issued.pdf)
        return
    if issued.docx.with_suffix(".pdf").exists() and (issued.docx.parent / "bagit.txt").exists():
        return  # the document is the archived item itself (no working copy): nothing is written there
    from sopdocs.pdf.convert import convert_many

    result.pdf.extend(convert_many([result.docx[-1]], result.docx[-1].parent))


def _render_unnumbered(kind: DocumentKind, definition: Path, out: Path, *, konsep: bool,
                       **options: Any) -> Rendered:
    """A kind with its own rendering (SOP sheet, questionnaire copies, disposition)."""
    import inspect

    from sopdocs.docx.watermark import add_watermark

    if kind.render_file is None:
        raise SopdocsError(f"jenis {kind.name} tidak dibuat dari berkas definisi")
    accepted = inspect.signature(kind.render_file).parameters
    defaults = {"copies": 1, "one_file": False}
    for name, default in defaults.items():
        if name not in accepted and options.get(name, default) != default:
            raise SopdocsError(f"--{name.replace('_', '-')} tidak berlaku untuk {kind.name}")
    pdf = bool(options.pop("pdf", False))
    if "konsep" in accepted:
        options["konsep"] = konsep  # the kind knows what a draft must not take (copy codes)
    result: Rendered = kind.render_file(Path(definition), Path(out),
                                        **{k: v for k, v in options.items() if k in accepted})
    if konsep:
        for path in result.docx:
            add_watermark(path, KONSEP_MARK)
    if pdf:
        result.add_pdf_copies()
    return result


def _issue_given(kind: DocumentKind, defn: Any, number: str, profile: AgencyProfile, archive: Archive,
                 render: Callable[[str, Path], Any], out: Path | None, case_id: str | None, definition: Path,
                 result: Rendered, on_wait: OnWait | None, pdf: bool = False) -> IssueResult:
    """A definition that names its own number: render, archive, record it."""
    check_verification_url(profile)
    booked = None
    line = _line(definition, ("nomor",))
    if register_exists(archive.root):
        with register_for(archive.root, on_wait=on_wait) as register:
            booked = register.find(number)
    if booked is not None and booked.status == VOID:
        raise ValidationError([Problem(f"nomor {number} sudah dibatalkan di register ({booked.void_reason}); "
                                       "ambil nomor baru", file=str(definition), field="nomor", line=line)])
    if booked is None:
        result.warnings.append(Problem(f"nomor {number} tidak tercatat di register", file=str(definition),
                                       field="nomor", line=line, severity="warning"))
    elif booked.kind != kind.name:
        result.warnings.append(Problem(f"nomor {number} tercatat di register untuk jenis '{booked.kind}', "
                                       f"bukan {kind.name}", file=str(definition), field="nomor",
                                       line=line, severity="warning"))
    rule = rule_for(profile, kind.name, default_code=kind.code)
    if out is not None:
        _check_out(Path(out), archive.root)
        _ensure_folder(resolve_output(Path(out), "x").parent)
    with tempfile.TemporaryDirectory(prefix="sopdocs-terbit-") as tmp:
        made = Path(tmp) / f"{kind.output_stem(number)}.docx"
        render(number, made)
        if isinstance(defn, _Given):
            date, title = defn.tanggal, defn.judul
        else:
            assert kind.date is not None and kind.subject is not None
            date, title = kind.date(defn), kind.subject(defn)
        mark_final(made, kind, number, date, profile)
        target = _working_copy(made, out, archive.root)
        reference = _archive_or_undo(archive, case_id, kind, _new_document(made, kind, date, title, number),
                                     rule.code, target, previous=booked.document if booked is not None else None,
                                     pdf=pdf)
        copy = _pdf_copy(archive, reference, target) if pdf else None
    if booked is not None:
        with register_for(archive.root, on_wait=on_wait) as register:
            register.attach(number, reference, replace=True)
    elif _in_our_series(profile, kind.name, number):
        # A number of our own series issued outside sopdocs (a hand-kept agenda book):
        # recorded, so the register never issues it again.
        from sopdocs.numbering.register import RestoredNumber

        with register_for(archive.root, on_wait=on_wait) as register:
            register.restore([RestoredNumber(kind=kind.name, number=number, date=date, subject=title,
                                             document=reference, rule=rule)])
    case = reference.split("/")[1] if reference.startswith("berkas/") else ""
    return IssueResult(number=number, reference=reference, case_id=case, docx=target or made, pdf=copy)


def _line(definition: Path, path: tuple[str, ...]) -> int | None:
    """The line of ``path`` in a YAML definition (None when it cannot be told)."""
    from sopdocs.definitions.yamlload import load_yaml

    if definition.suffix.lower() not in (".yaml", ".yml"):
        return None
    try:
        return load_yaml(definition).line(path)
    except SopdocsError:
        return None


def _profile_source(explicit: Path | None, named: str, definition: Path) -> Path | None:
    """The profile file :func:`resolve_profile` reads (for messages)."""
    import os

    if explicit is not None:
        return Path(explicit)
    if named:
        return Path(definition).resolve().parent / named
    env = os.environ.get("SOPDOCS_PROFILE")
    return Path(env) if env else None


def _ensure_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SopdocsError(f"folder keluaran {folder} tidak dapat dibuat: {exc.strerror or exc}") from None
def render_surat_tugas_file(
    definition: Path,
    out: Path,
    *,
    profile: Path | None = None,
    templates: Path | TemplateSet | None = None,
    pdf: bool = False,
    archive: Path | None = None,
    konsep: bool = False,
    new_number: bool = False,
) -> Rendered:
    """Validate a surat tugas definition file and issue the letter (``out``: folder or .docx)."""
    return render_definition("surat-tugas", definition, out, profile=profile, templates=templates, pdf=pdf,
                             archive=archive, konsep=konsep, new_number=new_number)


def render_recap_file(
    responses: Path,
    questionnaire: Path,
    out: Path,
    *,
    profile: Path | None = None,
    templates: Path | TemplateSet | None = None,
    pdf: bool = False,
    archive: Path | None = None,
    tanggal: dt.date | None = None,
    nomor: str | None = None,
    case_id: str | None = None,
    on_wait: OnWait | None = None,
) -> Rendered:
    """Tally ``responses`` and issue the recap nota dinas (``out``: folder or .docx).

    Everything about the inputs is checked first (at least one usable row); the number
    is then reserved, the letter rendered and archived, and the number confirmed. With
    ``nomor`` the letter is written with that number (already taken) and recorded.
    Refused rows are in the letter and in ``Rendered.warnings``.
    """
    from sopdocs.docx.render import Rendered
    from sopdocs.kinds.kuesioner.recap import prepare_recap

    kind = get_kind("nota-dinas")
    if pdf:
        require_pdf_converter()
    with prepare_recap(responses, questionnaire, profile=profile, templates=templates, archive=archive,
                       tanggal=tanggal) as job:
        result = Rendered(warnings=list(job.warnings))
        with tempfile.TemporaryDirectory(prefix="sopdocs-coba-") as tmp:
            job.render(nomor or konsep_number(job.profile, kind, job.date), Path(tmp) / "coba.docx")
        store = Archive(archive_dir(archive), profile=job.profile)
        try:
            if nomor:
                issued = _issue_given(kind, _Given(job.date, f"Nota Dinas {job.hal}"), nomor, job.profile, store,
                                      job.render, Path(out), case_id, Path(questionnaire), result, on_wait,
                                      pdf=pdf)
            else:
                issued = issue(kind, profile=job.profile, archive=store, date=job.date, subject=job.hal,
                               title=f"Nota Dinas {job.hal}", render=job.render, out=Path(out),
                               key=None, case_id=case_id, on_wait=on_wait, pdf=pdf)
            result.warnings.extend(store.warnings)
        finally:
            store.close()
    result.docx.append(issued.docx)
    result.numbers.append(issued.number)
    if pdf:
        _add_pdf(result, issued)
    return result


@dataclass
class _Given:
    """The date and title of a document rendered with a number given by the user."""

    tanggal: dt.date
    judul: str


# --------------------------------------------------------------------------- the register by hand


def take_checked(
    profile: NumberingProfile,
    kind_name: str,
    *,
    date: dt.date,
    subject: str,
    archive: Path | None = None,
    document: str | None = None,
    user: str | None = None,
    profile_file: Path | None = None,
    reserve: bool = False,
    on_wait: OnWait | None = None,
) -> IssuedNumber:
    """``sopdocs number take|reserve``: the next number, after checking the register
    against the archive (a register that lost numbers the archive holds issues none)."""
    from sopdocs.kinds.registry import kind_info  # a light record: no kind module is imported

    known = kind_info(kind_name)
    rule = rule_for(profile, kind_name, profile_file=profile_file,
                    default_code=known.code if known is not None else None)
    store = Archive(archive_dir(archive), index=False)  # the profile is needed for new case files only
    try:
        with register_for(store.root, on_wait=on_wait) as register:
            recover_abandoned(store, register)
            check_register(store, register, profile)
            if reserve:
                return register.reserve(rule, date=date, subject=subject, user=user)
            return register.take(rule, date=date, subject=subject, document=document, user=user)
    finally:
        store.close()


def rebuild_register(archive: Path | None, profile: AgencyProfile, *, profile_file: Path | None = None,
                     on_wait: OnWait | None = None) -> Any:
    """Put back into the register every number the archive's case files hold and the
    register does not know (after it was deleted, truncated or restored from an old copy)."""
    from sopdocs.kinds.registry import kinds
    from sopdocs.numbering.register import RestoredNumber

    registered = kinds()
    store = Archive(archive_dir(archive), profile=profile, index=False)
    try:
        entries = []
        for item in numbered_from_register(store):
            kind = registered[item.kind]
            rule = rule_for(profile, item.kind, profile_file=profile_file, default_code=kind.code)
            entries.append(RestoredNumber(kind=item.kind, number=item.number, date=item.date,
                                          subject=item.title, document=item.reference, rule=rule))
        with register_for(store.root, on_wait=on_wait) as register:
            return register.restore(entries)
    finally:
        store.close()
