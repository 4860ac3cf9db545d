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
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sopdocs.errors import Problem, SopdocsError

if TYPE_CHECKING:
    from pydantic import BaseModel


@dataclass(frozen=True)
class KindInfo:
    """What the command line knows of a built-in kind without importing its module
    (``sopdocs --help`` and ``number take`` must not pay for every kind's template code).

    ``tests/test_startup.py`` checks each record against the :class:`DocumentKind` its
    module registers, so the two cannot drift apart.
    """

    name: str
    module: str
    label: str
    numbered: bool = False
    renderable: bool = False
    schema: bool = False
    """Has a definition model (``sopdocs schema NAME``)."""
    code: str | None = None
    """:attr:`DocumentKind.code`, the default classification code (``number take``)."""


#: The built-in kinds and the modules that register them (imported on first use of a
#: kind). An entry may also be a bare module name: it works, but then listing kinds
#: imports that module (slower start-up); give a :class:`KindInfo` instead.
BUILTIN_KINDS: tuple[KindInfo | str, ...] = (
    KindInfo("sop", "sopdocs.kinds.sop.sopsheet", "SOP", renderable=True, schema=True, code="000.8.3.3"),
    KindInfo("surat-tugas", "sopdocs.kinds.surattugas", "Surat Tugas", numbered=True, renderable=True, schema=True,
             code="800.1.11.1"),
    KindInfo("surat-undangan", "sopdocs.kinds.suratundangan", "Surat Undangan", numbered=True, renderable=True,
             schema=True, code="005"),
    KindInfo("kuesioner", "sopdocs.kinds.kuesioner.kuesioner", "Kuesioner", renderable=True, schema=True),
    KindInfo("nota-dinas", "sopdocs.kinds.notadinas", "Nota Dinas", numbered=True, code="000.1.2"),
    KindInfo("disposisi", "sopdocs.kinds.disposisi", "Lembar Disposisi", renderable=True, schema=True,
             code="000.1.2"),
    KindInfo("daftar-arsip", "sopdocs.kinds.daftararsip", "Daftar Arsip"),
    KindInfo("tanda-terima", "sopdocs.kinds.tandaterima", "Tanda Terima Eksemplar Kuesioner"),
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
_ORIGIN: dict[str, str] = {}  # kind name -> the module that registered it
_loaded = False
_plugins_loaded = False


def register_kind(kind: DocumentKind) -> DocumentKind:
    """Add ``kind`` to the registry (called by each kind module on import)."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing is not kind and existing.template != kind.template:
        raise SopdocsError(f"jenis dokumen {kind.name!r} didaftarkan dua kali")
    _KINDS[kind.name] = kind
    caller = getattr(sys, "_getframe", None)
    _ORIGIN[kind.name] = caller(1).f_globals.get("__name__", "") if caller is not None else ""
    return kind


def _module(entry: KindInfo | str) -> str:
    return entry.module if isinstance(entry, KindInfo) else entry


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    from importlib.metadata import entry_points  # ~20 ms: only when a kind is not a built-in one

    for point in entry_points(group=ENTRY_POINT_GROUP):
        point.load()
    _plugins_loaded = True


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for entry in BUILTIN_KINDS:
        importlib.import_module(_module(entry))
    _load_plugins()
    _loaded = True


def _info(kind: DocumentKind) -> KindInfo:
    return KindInfo(kind.name, _ORIGIN.get(kind.name, ""), kind.label, numbered=kind.numbered,
                    renderable=kind.renderable, schema=kind.model is not None, code=kind.code)


def builtin_kind_infos() -> dict[str, KindInfo]:
    """The built-in kinds as light records, by name, without importing their modules
    (except a bare module name in :data:`BUILTIN_KINDS`, which must be imported to be known)."""
    found: dict[str, KindInfo] = {}
    for entry in BUILTIN_KINDS:
        if isinstance(entry, KindInfo):
            found[entry.name] = entry
            continue
        importlib.import_module(entry)
        for name, origin in list(_ORIGIN.items()):
            if origin == entry:
                found[name] = _info(_KINDS[name])
    return found


def _other_kind_infos() -> dict[str, KindInfo]:
    """Kinds registered by modules other than the built-in ones (third-party kinds, after
    loading the entry points), without importing the built-in kind modules."""
    _load_plugins()
    builtin = {_module(entry) for entry in BUILTIN_KINDS}
    return {name: _info(kind) for name, kind in list(_KINDS.items()) if _ORIGIN.get(name) not in builtin}


def kind_infos() -> dict[str, KindInfo]:
    """Every kind as a light record, by name: the built-in ones without importing their
    modules, third-party ones after loading them."""
    return {**_other_kind_infos(), **builtin_kind_infos()}


def kind_info(name: str) -> KindInfo | None:
    """The light record of kind ``name`` (see :func:`kind_infos`); ``None`` when no kind
    has that name (``foto``, ``rekap``: archive items that are not document kinds)."""
    info = builtin_kind_infos().get(name)
    return info if info is not None else _other_kind_infos().get(name)


class KindNames:
    """The names of the kinds that pass ``keep``, for argparse ``choices``: the built-in
    ones answer from :data:`BUILTIN_KINDS` without importing anything; a name that is not
    built in loads every kind (third-party ones included) before it is refused."""

    def __init__(self, keep: Callable[[KindInfo], bool], extra: tuple[str, ...] = ()) -> None:
        self._keep = keep
        self._extra = extra

    def builtin(self) -> list[str]:
        """The built-in names, sorted, then the extra ones (the usage line)."""
        return [*sorted(name for name, info in builtin_kind_infos().items() if self._keep(info)), *self._extra]

    def all(self) -> list[str]:
        """Every name, third-party kinds included (loads those)."""
        return [*sorted(name for name, info in kind_infos().items() if self._keep(info)), *self._extra]

    def __contains__(self, name: object) -> bool:
        return name in self.builtin() or name in self.all()

    def __len__(self) -> int:
        return len(self.all())

    def __iter__(self) -> Iterator[str]:
        return iter(self.all())

    def metavar(self) -> str:
        """``{a,b,c}``, as argparse writes choices, from the built-in names only."""
        return "{" + ",".join(self.builtin()) + "}"


def kinds() -> dict[str, DocumentKind]:
    """Every registered document kind, by name."""
    _load_all()
    return dict(_KINDS)


def get_kind(name: str) -> DocumentKind:
    """The kind called ``name``, or a clear error listing the known ones. A built-in kind
    imports only its own module (rendering a letter does not load the SOP sheet's drawing
    code: 0.4 s of a ``render surat-tugas``)."""
    found = _KINDS.get(name)
    if found is not None:
        return found
    for entry in BUILTIN_KINDS:
        if isinstance(entry, KindInfo) and entry.name == name:
            importlib.import_module(entry.module)
            if name in _KINDS:
                return _KINDS[name]
    known = kinds()
    if name not in known:
        raise SopdocsError(f"jenis dokumen tidak dikenal: {name!r} (yang ada: {', '.join(sorted(known))})")
    return known[name]


def label(name: str) -> str:
    """The human label of a kind name (the name itself for kinds not registered: photos...)."""
    info = kind_info(name)
    return info.label if info is not None else name


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
    from sopdocs.docx.render import builtin_examples_dir, kop_logo, render_docx, template_variables

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
