"""Glue between the agency profile and the number register.

The profile says *how* each document kind is numbered (``penomoran``: pattern, width,
reset, scope, and per kind ``penomoran.jenis.<kind>.kode``); the register (an SQLite file
in the archive folder, or a PostgreSQL database named in the archive's
``pengaturan.yaml``) hands out the numbers. Everything that issues a number goes
through :func:`take_number` / :func:`reserve_number`, so all commands share one book.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from sopdocs.locations import archive_dir
from sopdocs.errors import Problem, SopdocsError, ValidationError
from sopdocs.numbering.register import InsertStyle, IssuedNumber, NumberingRule, Register, Reset, Scope

REGISTER_FILE = "register.sqlite"


class KindNumbering(Protocol):
    """``penomoran.jenis.<kind>`` of a profile: the kind's code and what it sets itself."""

    @property
    def kode(self) -> str: ...
    @property
    def pola(self) -> str | None: ...
    @property
    def lebar(self) -> int | None: ...
    @property
    def reset(self) -> Reset | None: ...
    @property
    def lingkup(self) -> Scope | None: ...
    @property
    def sisipan(self) -> InsertStyle | None: ...
    @property
    def keamanan(self) -> str | None: ...


class Numbering(Protocol):
    """``penomoran`` of a profile."""

    @property
    def pola(self) -> str: ...
    @property
    def lebar(self) -> int: ...
    @property
    def reset(self) -> Reset: ...
    @property
    def lingkup(self) -> Scope: ...
    @property
    def sisipan(self) -> InsertStyle: ...
    @property
    def jenis(self) -> Mapping[str, KindNumbering]: ...


class NumberingProfile(Protocol):
    """What numbering needs of an agency profile: the full
    :class:`~sopdocs.definitions.profile.AgencyProfile`, or the quick read of
    :mod:`sopdocs.definitions.quickprofile` that ``number take`` uses."""

    @property
    def kode_unit(self) -> str: ...
    @property
    def base_dir(self) -> Path: ...
    @property
    def penomoran(self) -> Numbering: ...


# NumberingRule field -> (key in an AturanNomor entry, key in Penomoran); None: not there.
_PROFILE_KEYS: dict[str, tuple[str | None, str | None]] = {
    "code": ("kode", None),
    "pattern": ("pola", "pola"),
    "width": ("lebar", "lebar"),
    "reset": ("reset", "reset"),
    "scope": ("lingkup", "lingkup"),
    "insert_style": ("sisipan", "sisipan"),
    "keamanan": ("keamanan", None),
}


def register_path(archive: Path) -> Path:
    return Path(archive) / REGISTER_FILE


def register_url(archive: Path) -> str:
    """The PostgreSQL URL the archive's settings name (``register:`` in
    ``pengaturan.yaml``), or ``""`` for the SQLite file in the folder."""
    from sopdocs.definitions.archivesettings import archive_settings

    archive = Path(archive)
    if not archive.is_dir():
        return ""
    url = archive_settings(archive).register_url.strip()
    if not url:
        return ""
    if not re.match(r"^postgres(?:ql)?://", url, re.IGNORECASE):
        from sopdocs.definitions.archivesettings import SETTINGS_FILE

        raise ValidationError([Problem(
            f"register {url!r} tidak dikenal; kosongkan (register SQLite di folder arsip) atau isi "
            "alamat server PostgreSQL, mis. postgresql://arsip@server-kantor/sopdocs",
            file=str(archive / SETTINGS_FILE), field="register")])
    return url


def register_exists(archive: Path) -> bool:
    """Whether the archive has a register already: a PostgreSQL one is configured, or the
    SQLite file exists (listing commands say "no register yet" instead of creating one)."""
    return bool(register_url(archive)) or register_path(archive).is_file()


def register_for(archive: Path, on_wait: Callable[[str], None] | None = None) -> Register:
    """The register of an archive folder, created on first use: the SQLite file
    ``<archive>/register.sqlite``, or the PostgreSQL register named by ``register:`` in the
    archive's ``pengaturan.yaml`` (see :mod:`sopdocs.numbering.pgregister`).

    Use it as a context manager so the file or connection is closed (Windows keeps open
    files locked). ``on_wait`` hears (once) when another user's process keeps the register
    locked for a while; see :class:`Register`.
    """
    archive = Path(archive)
    if archive.exists() and not archive.is_dir():
        raise SopdocsError(f"folder arsip {archive} adalah berkas, bukan folder")
    url = register_url(archive)
    if url:
        try:
            from sopdocs.numbering.pgregister import PostgresRegister
        except ImportError:
            raise SopdocsError(
                f"{archive / 'pengaturan.yaml'}: register: register PostgreSQL memerlukan paket psycopg; "
                "pasang dengan: pip install 'sopdocs[postgres]'") from None
        return PostgresRegister(url, on_wait=on_wait)
    return Register(register_path(archive), on_wait=on_wait)


def _profile_line(profile_file: Path | str | None, path: tuple[str, ...]) -> int | None:
    """Line of ``path`` in the profile file, for messages (None when it cannot be read)."""
    if profile_file is None:
        return None
    from sopdocs.definitions.yamlload import load_yaml

    try:
        return load_yaml(Path(profile_file)).line(path)
    except SopdocsError:
        return None


def _where(profile: NumberingProfile, profile_file: Path | str | None) -> str:
    if profile_file is not None:
        return str(profile_file)
    return f"profil instansi (folder {profile.base_dir})"


def rule_for(
    profile: NumberingProfile,
    kind: str,
    *,
    profile_file: Path | str | None = None,
    default_code: str | None = None,
) -> NumberingRule:
    """The numbering rule of ``kind`` from ``profile.penomoran``.

    Per-kind settings (``penomoran.jenis.<kind>``) override the profile-wide ones. The unit
    code is the profile's ``kode_unit``. ``profile_file`` only improves error messages.
    A kind without an entry is numbered with the profile-wide settings and
    ``default_code`` (the kind's own classification code) when that is given, else
    refused.
    """
    numbering = profile.penomoran
    where = _where(profile, profile_file)
    entry = numbering.jenis.get(kind)
    if entry is None and default_code is not None:
        return _default_rule(profile, kind, default_code, where, profile_file)
    if entry is None:
        known = ", ".join(sorted(numbering.jenis)) or "(kosong)"
        raise ValidationError(
            [
                Problem(
                    f"jenis naskah {kind!r} tidak punya aturan penomoran; yang ada: {known}. "
                    f"tambahkan `{kind}: {{kode: \"...\"}}` di bawah penomoran.jenis dengan kode "
                    "klasifikasi jenis naskah ini",
                    file=where,
                    field="penomoran.jenis",
                    line=_profile_line(profile_file, ("penomoran", "jenis")),
                )
            ]
        )
    try:
        return NumberingRule(
            kind=kind,
            unit=profile.kode_unit,
            code=entry.kode,
            pattern=entry.pola if entry.pola is not None else numbering.pola,
            width=entry.lebar if entry.lebar is not None else numbering.lebar,
            reset=entry.reset if entry.reset is not None else numbering.reset,
            scope=entry.lingkup if entry.lingkup is not None else numbering.lingkup,
            insert_style=entry.sisipan if entry.sisipan is not None else numbering.sisipan,
            keamanan=entry.keamanan,
        )
    except ValidationError as error:
        raise ValidationError(
            [_profile_problem(p, kind, entry, where, profile_file) for p in error.problems]
        ) from None


def _default_rule(
    profile: NumberingProfile, kind: str, code: str, where: str, profile_file: Path | str | None
) -> NumberingRule:
    """The rule of a kind the profile does not list: shared settings and the kind's code."""
    numbering = profile.penomoran
    try:
        return NumberingRule(
            kind=kind,
            code=code,
            unit=profile.kode_unit,
            pattern=numbering.pola,
            width=numbering.lebar,
            reset=numbering.reset,
            scope=numbering.lingkup,
            insert_style=numbering.sisipan,
        )
    except ValidationError as error:
        problems = []
        for problem in error.problems:
            if (problem.field or "").endswith(".code"):
                problems.append(
                    Problem(
                        f"kode klasifikasi bawaan jenis naskah {kind!r} ({code!r}) tidak sah; "
                        f"tambahkan `{kind}: {{kode: \"...\"}}` di bawah penomoran.jenis",
                        file=where,
                        field="penomoran.jenis",
                        line=_profile_line(profile_file, ("penomoran", "jenis")),
                    )
                )
            else:
                problems.append(_profile_problem(problem, kind, None, where, profile_file))
        raise ValidationError(problems) from None


def _profile_problem(problem: Problem, kind: str, entry: object, where: str, profile_file: Path | str | None) -> Problem:
    """Re-address a NumberingRule problem to the profile key the value came from."""
    attr = (problem.field or "").rsplit(".", 1)[-1]
    path: tuple[str, ...]
    if attr == "unit":
        path = ("kode_unit",)
    elif attr in _PROFILE_KEYS:
        entry_key, shared_key = _PROFILE_KEYS[attr]
        if entry_key is not None and getattr(entry, entry_key, None) is not None:
            path = ("penomoran", "jenis", kind, entry_key)
        elif shared_key is not None:
            path = ("penomoran", shared_key)
        else:
            path = ("penomoran", "jenis", kind)
    else:
        path = ("penomoran", "jenis", kind)
    return Problem(
        problem.message,
        file=where,
        field=".".join(path),
        line=_profile_line(profile_file, path),
        severity=problem.severity,
    )


def take_number(
    profile: NumberingProfile,
    kind: str,
    *,
    date: dt.date,
    subject: str,
    archive: Path | None = None,
    document: str | Path | None = None,
    user: str | None = None,
    profile_file: Path | str | None = None,
    key: str | None = None,
    default_code: str | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> IssuedNumber:
    """Issue the next number of ``kind`` for a letter dated ``date`` (recorded at once).

    ``key`` is the document's identity key (see :meth:`Register.find_by_key`);
    ``default_code`` numbers a kind the profile does not list (see :func:`rule_for`).
    """
    rule = rule_for(profile, kind, profile_file=profile_file, default_code=default_code)
    with register_for(archive_dir(archive), on_wait=on_wait) as register:
        return register.take(rule, date=date, subject=subject, document=document, user=user, key=key)


def reserve_number(
    profile: NumberingProfile,
    kind: str,
    *,
    date: dt.date,
    subject: str,
    archive: Path | None = None,
    user: str | None = None,
    profile_file: Path | str | None = None,
    key: str | None = None,
    txn: str | None = None,
    default_code: str | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> IssuedNumber:
    """Book a number (status ``dipesan``) for a letter not written yet.

    Without ``txn`` it waits for ``attach``; with ``txn`` it belongs to that run and is
    settled by :meth:`Register.confirm` or :meth:`Register.release`.
    """
    rule = rule_for(profile, kind, profile_file=profile_file, default_code=default_code)
    with register_for(archive_dir(archive), on_wait=on_wait) as register:
        return register.reserve(rule, date=date, subject=subject, user=user, key=key, txn=txn)


def document_reference(document: Path, archive: Path) -> str:
    """How a document is recorded in the register: relative to the archive when inside it
    (the folder may move, e.g. to a shared drive), else absolute."""
    doc = Path(document).resolve()
    try:
        return doc.relative_to(Path(archive).resolve()).as_posix()
    except ValueError:
        return str(doc)
