"""The registry of document kinds: one record per kind, like the question kinds.

A kind module builds one :class:`DocumentKind` and passes it to :func:`register_kind`
when it is imported; :func:`kinds` imports the kind modules listed in
:data:`BUILTIN_KINDS` (and any third-party module named by the ``sopdocs.kinds`` entry
point group). Everything that lists kinds reads them from here: the ``render``,
``schema`` and ``templates`` commands, the case-file labels, the profile's numbering
defaults and the public API.

A *numbered* kind is issued through :func:`sopdocs.workflow.issue.issue_document`:
check, reserve a number, render, archive, confirm. Its record says how: the definition
model and loader, the context builder, the letter date and subject, and the identity
key that lets a re-render reuse the number it already has.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sopdocs.docx.render import builtin_examples_dir, kop_logo, render_docx, template_variables
from sopdocs.errors import Problem, SopdocsError

#: Modules that register the built-in kinds (imported on first use of the registry).
BUILTIN_KINDS = (
    "sopdocs.kinds.sop.sopsheet",
    "sopdocs.kinds.surattugas",
    "sopdocs.kinds.suratundangan",
    "sopdocs.kinds.kuesioner.kuesioner",
    "sopdocs.kinds.notadinas",
    "sopdocs.kinds.disposisi",
    "sopdocs.kinds.daftararsip",
)
#: Entry-point group through which other packages add kinds.
ENTRY_POINT_GROUP = "sopdocs.kinds"

Loader = Callable[[Path], "tuple[Any, list[Problem]]"]
Context = Callable[[Any, Any, str], dict[str, Any]]


@dataclass(frozen=True)
class DocumentKind:
    """One document kind.

    ``name`` is the noun of the command line, the register's kind and the archive's
    kind (``surat-tugas``). ``label`` titles it in case files and lists. ``template`` is
    the Word template file; ``provides``/``required`` the variables a template may or
    must use, ``sample`` a context to trial-render a user's template with.

    Kinds rendered from a definition file have ``model`` and ``load``. ``numbered`` kinds
    take their number from the register; they also have ``context(definition, profile,
    number)``, ``date`` and ``subject`` of the letter and ``identity`` (the stable key a
    re-render is recognised by). ``code`` is the default classification code of the
    kind's numbering rule when the profile's ``penomoran.jenis`` does not name it.
    Kinds with their own rendering (the SOP sheet, questionnaire copies) give
    ``render_file`` instead.
    """

    name: str
    template: str
    provides: frozenset[str]
    required: frozenset[str]
    sample: Callable[[], dict[str, Any]]
    label: str = ""
    description: str = ""
    model: type[BaseModel] | None = None
    load: Loader | None = None
    parse: Callable[[Any], "tuple[Any, list[Problem]]"] | None = None
    """Validate a definition already read (a :class:`~sopdocs.definitions.yamlload.YamlDocument`):
    the same checks as ``load``, for definitions given in memory (:mod:`sopdocs.api`)."""
    context: Context | None = None
    date: Callable[[Any], dt.date] | None = None
    subject: Callable[[Any], str] | None = None
    identity: Callable[[Any], str] | None = None
    check: Callable[[Any, Any], list[Problem]] | None = None
    code: str | None = None
    numbered: bool = False
    paper_landscape: bool = False
    render_file: Callable[..., Any] | None = None
    file_name: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("-", " ").title())

    @property
    def renderable(self) -> bool:
        """Can ``sopdocs render <name> FILE`` make it from a definition file?"""
        return self.load is not None and (self.context is not None or self.render_file is not None)

    def output_stem(self, number: str) -> str:
        """File name (without suffix) of a rendered document: ``Surat_Tugas_800...``."""
        from sopdocs.fsutil import safe_filename

        stem = self.file_name or self.label.replace(" ", "_")
        return f"{stem}_" + safe_filename(number, fallback="tanpa_nomor")


def letter_identity(definition: Any) -> str:
    """The identity key of a letter: its definition file's name and its date
    (``surat-tugas:2024-01-05``). Fixing a typo keeps it; a new date or file makes a new letter."""
    return f"{Path(definition.source).stem}:{definition.tanggal.isoformat()}"


#: Longest subject a numbered letter records in the register (agenda book) and archive.
SUBJECT_CHARS = 200


def shorten(text: str, limit: int = SUBJECT_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with "..." when longer."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def sample_profile() -> Any:
    """A made-up agency for sample contexts (``templates check`` trial renders)."""
    from sopdocs.definitions.profile import AgencyProfile, Pejabat

    return AgencyProfile(
        pemerintah=["PEMERINTAH PROVINSI CONTOH"],
        instansi=["DINAS CONTOH"],
        alamat="Jalan Contoh Nomor 1",
        telepon="(0000) 123456",
        email="dinas@contoh.go.id",
        kode_unit="Contoh",
        kota="Kota Contoh",
        kepala=Pejabat(jabatan="Kepala Dinas Contoh", nama="NAMA KEPALA", nip="198001012005011001"),
    )


_KINDS: dict[str, DocumentKind] = {}
_loaded = False


def register_kind(kind: DocumentKind) -> DocumentKind:
    """Add ``kind`` to the registry (called by each kind module on import)."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing is not kind and existing.template != kind.template:
        raise SopdocsError(f"jenis dokumen {kind.name!r} didaftarkan dua kali")
    _KINDS[kind.name] = kind
    return kind


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for module in BUILTIN_KINDS:
        importlib.import_module(module)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        point.load()
    _loaded = True


def kinds() -> dict[str, DocumentKind]:
    """Every registered document kind, by name."""
    _load_all()
    return dict(_KINDS)


def get_kind(name: str) -> DocumentKind:
    """The kind called ``name``, or a clear error listing the known ones."""
    known = kinds()
    if name not in known:
        raise SopdocsError(f"jenis dokumen tidak dikenal: {name!r} (yang ada: {', '.join(sorted(known))})")
    return known[name]


def label(name: str) -> str:
    """The human label of a kind name (the name itself for kinds not registered: photos...)."""
    kind = kinds().get(name)
    return kind.label if kind is not None else name


@dataclass
class TemplateReport:
    kind: str
    template: Path
    unknown: list[str] = field(default_factory=list)  # used, but the kind does not provide
    missing: list[str] = field(default_factory=list)  # required by the kind, not used
    errors: list[str] = field(default_factory=list)  # refused by the sandbox, broken syntax...

    @property
    def ok(self) -> bool:
        return not (self.unknown or self.errors)


def check_templates(folder: Path) -> list[TemplateReport]:
    """Check every template in ``folder`` that belongs to a known document kind."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SopdocsError(f"folder templat tidak ditemukan: {folder}")
    reports = []
    for kind in kinds().values():
        path = folder / kind.template
        # lexists: a link or a FIFO under a template's name is reported (render refuses it too)
        if not os.path.lexists(path):
            continue
        report = TemplateReport(kind=kind.name, template=path)
        try:
            used = template_variables(path)
        except SopdocsError as exc:
            report.errors.append(str(exc))
            reports.append(report)
            continue
        except Exception as exc:  # a report, never a traceback: the file is the user's
            report.errors.append(f"{path}: templat tidak dapat diperiksa ({exc.__class__.__name__}: {exc})")
            reports.append(report)
            continue
        report.unknown = sorted(used - kind.provides)
        report.missing = sorted(kind.required - used)
        if not report.unknown:
            # A trial render with sample data, through the very engine `render` uses
            # (same context conversion, sandbox and limits), finds what a static look
            # cannot: sandbox refusals, limits and misspelt attributes (profil.alamt).
            # A kind whose sample has no logo is tried with a real one too: a picture reaches
            # templates as an opaque marker, and what a template does with it must be seen.
            samples = [kind.sample()]
            logo = builtin_examples_dir() / "logo.png"
            if "logo" in kind.provides and not samples[0].get("logo") and logo.is_file():
                samples.append({**samples[0], "logo": kop_logo(logo)})
            with tempfile.TemporaryDirectory() as tmp:
                for sample in samples:
                    try:
                        render_docx(path, sample, Path(tmp) / "coba.docx")
                    except SopdocsError as exc:
                        report.errors.append(str(exc))
                        break
                    except Exception as exc:
                        report.errors.append(f"{path}: percobaan render gagal ({exc.__class__.__name__}: {exc})")
                        break
        reports.append(report)
    return reports


#: The public name of :func:`kinds` (``sopdocs.kinds`` is the package itself).
document_kinds = kinds
