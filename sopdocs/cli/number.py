"""``sopdocs number take|reserve|void|attach|rebuild|list|migrate``: the document-number register.

The register is ``register.sqlite`` in the archive folder (``--archive``, else
``SOPDOCS_ARCHIVE``, else ``./archive``), or the PostgreSQL register named by
``register:`` in the folder's ``pengaturan.yaml``; ``migrate --ke URL`` moves the SQLite
register there. Taking or reserving a number needs the agency
profile (``--profil``, else ``SOPDOCS_PROFILE``): it says how each kind is numbered.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import unicodedata
from pathlib import Path
from typing import Any, Callable, Sequence

from sopdocs.errors import SopdocsError
from sopdocs.cli.base import overwrite_arg, say, warn, year_arg
from sopdocs.outputs import json_printable, printable, spreadsheet_cell

#: Columns of the text table (``list`` without --json/--csv) and their maximum widths.
_TABLE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Nomor", 60),
    ("Tanggal", 10),
    ("Jenis", 16),
    ("Perihal", 40),
    ("Status", 9),
    ("Keterangan", 30),
    ("Dokumen", 40),
    ("Petugas", 16),
)


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser(
        "number",
        help="register nomor naskah dinas (ambil, pesan, batalkan, catat dokumen, daftar)",
        description="Register nomor naskah dinas (buku agenda) di folder arsip.",
    )
    actions = parser.add_subparsers(dest="action", metavar="AKSI")
    actions.required = True

    def archive_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--archive", "--arsip", dest="archive", type=Path,
            help="folder arsip berisi register.sqlite (bawaan: SOPDOCS_ARCHIVE atau ./archive)",
        )

    def issue_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("kind", metavar="JENIS", help="jenis naskah sesuai penomoran.jenis di profil, mis. surat-tugas")
        p.add_argument("--date", "--tanggal", dest="date", help="tanggal surat, mis. \"8 Januari 2024\" (bawaan: hari ini)")
        p.add_argument("--subject", "--perihal", dest="subject", default="", help="perihal/isi ringkas untuk buku agenda")
        p.add_argument("--profil", "--profile", dest="profile", type=Path, help="berkas profil instansi (bawaan: SOPDOCS_PROFILE)")
        p.add_argument("--user", "--petugas", dest="user", help="nama petugas pencatat (bawaan: pengguna komputer)")
        archive_arg(p)

    take = actions.add_parser("take", help="ambil nomor berikutnya dan catat sebagai terpakai")
    issue_args(take)
    take.add_argument("--document", "--dokumen", dest="document", help="dokumen yang memakai nomor ini")
    take.set_defaults(func=run_take)

    reserve = actions.add_parser("reserve", help="pesan nomor untuk surat yang belum dibuat")
    issue_args(reserve)
    reserve.set_defaults(func=run_reserve)

    void = actions.add_parser("void", help="batalkan nomor (tetap tercatat, tidak dipakai lagi)")
    void.add_argument("number", metavar="NOMOR")
    void.add_argument("--reason", "--alasan", dest="reason", required=True, help="alasan pembatalan")
    archive_arg(void)
    void.set_defaults(func=run_void)

    attach = actions.add_parser("attach", help="catat dokumen yang memakai nomor (nomor pesanan menjadi terpakai)")
    attach.add_argument("number", metavar="NOMOR")
    attach.add_argument("document", metavar="DOKUMEN")
    archive_arg(attach)
    attach.set_defaults(func=run_attach)

    rebuild = actions.add_parser(
        "rebuild", help="pulihkan register dari berkas arsip (nomor yang ada di arsip tetapi hilang dari register)")
    rebuild.add_argument("--profil", "--profile", dest="profile", type=Path,
                         help="berkas profil instansi (bawaan: SOPDOCS_PROFILE)")
    archive_arg(rebuild)
    rebuild.set_defaults(func=run_rebuild)

    listing = actions.add_parser("list", help="tampilkan buku agenda nomor")
    listing.add_argument("--year", "--tahun", dest="year", type=year_arg, help="hanya tahun ini")
    listing.add_argument("--kind", "--jenis", dest="kind", help="hanya jenis naskah ini")
    form = listing.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="keluaran JSON (UTF-8)")
    form.add_argument("--csv", action="store_true", help="keluaran CSV (UTF-8)")
    listing.add_argument(
        "-o", "--output", type=Path,
        help="tulis ke berkas ini (CSV diberi BOM agar Excel membaca UTF-8 dengan benar)",
    )
    overwrite_arg(listing)
    archive_arg(listing)
    listing.set_defaults(func=run_list)

    migrate = actions.add_parser(
        "migrate", help="pindahkan register SQLite folder arsip ke server PostgreSQL (register bersama)",
        description="Pindahkan semua isi register.sqlite ke basis data PostgreSQL yang masih kosong, "
                    "lalu catat alamatnya di pengaturan.yaml folder arsip.")
    migrate.add_argument("--ke", "--to", dest="to", required=True, metavar="URL",
                         help="alamat basis data tujuan, mis. postgresql://arsip@server-kantor/sopdocs "
                              "(kata sandi sebaiknya di ~/.pgpass atau PGPASSWORD)")
    archive_arg(migrate)
    migrate.set_defaults(func=run_migrate)


# --------------------------------------------------------------------------- helpers


def _profile_path(args: argparse.Namespace) -> Path:
    if args.profile is not None:
        return Path(args.profile)
    env = os.environ.get("SOPDOCS_PROFILE", "").strip()
    if not env:
        raise SopdocsError(
            "profil instansi tidak disebut: beri --profil BERKAS atau set SOPDOCS_PROFILE "
            "(profil menentukan kode klasifikasi dan pola nomor)"
        )
    return Path(env)


def _profile(args: argparse.Namespace) -> tuple[Any, Path]:
    from sopdocs.definitions.profile import load_profile

    path = _profile_path(args)
    profile, problems = load_profile(path)
    warn(problems)
    return profile, path


def _numbering_profile(args: argparse.Namespace) -> tuple[Any, Path]:
    """The profile for taking a number: read quickly when it is plainly valid (checked as
    strictly as :func:`_profile`; see :mod:`sopdocs.definitions.quickprofile`)."""
    from sopdocs.definitions.quickprofile import load_numbering_profile

    path = _profile_path(args)
    profile, problems = load_numbering_profile(path)
    warn(problems)
    return profile, path


def _date(text: str | None) -> dt.date:
    from sopdocs.indonesian.dates import parse_tanggal

    if text is None or not text.strip():
        return dt.date.today()
    return parse_tanggal(text, field="--date")


def _write(text: str, output: Path | None, *, bom: bool = False) -> None:
    """UTF-8 to ``output`` (atomically) or to stdout, whatever the console's code page.
    (``output`` was checked by :func:`sopdocs.outputs.check_output` first.) A terminal
    gets the text without escape sequences and control characters."""
    if output is not None:
        from sopdocs.fsutil import atomic_write_bytes

        atomic_write_bytes(output, (("\ufeff" if bom else "") + text).encode("utf-8"))
        say(output, file=sys.stderr)
        return
    if sys.stdout.isatty():
        text = printable(text)
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _width(text: str) -> int:
    """Columns a text takes in a terminal (wide East Asian characters and emoji take 2)."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def _fit(text: str, limit: int, *, keep_end: bool = False) -> str:
    """``text`` on one line within ``limit`` columns; cut with an ellipsis (at the start
    when ``keep_end``, so a path keeps its file name)."""
    text = " ".join(text.split())  # newlines/tabs would break the table
    if _width(text) <= limit:
        return text
    chars = list(reversed(text)) if keep_end else list(text)
    out: list[str] = []
    for ch in chars:
        if _width("".join(out) + ch) > limit - 1:
            break
        out.append(ch)
    return "\u2026" + "".join(reversed(out)) if keep_end else "".join(out) + "\u2026"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def agenda_table(rows: Sequence[dict[str, str]]) -> str:
    """The agenda book as an aligned text table (long cells shortened with an ellipsis)."""
    headers = ["No", *(name for name, _ in _TABLE_COLUMNS)]
    body = [
        [str(index), *(_fit(printable(row.get(name, ""), single_line=True), limit, keep_end=name == "Dokumen")
                       for name, limit in _TABLE_COLUMNS)]
        for index, row in enumerate(rows, start=1)
    ]
    widths = [max(_width(cells[i]) for cells in [headers, *body]) for i in range(len(headers))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for cells in body:
        lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(cells)).rstrip())
    return "\n".join(lines) + "\n"


def agenda_csv(rows: Sequence[dict[str, str]]) -> str:
    """The agenda book as CSV; cells a spreadsheet would run as a formula start with ``'``
    (:func:`sopdocs.outputs.spreadsheet_cell`)."""
    import csv
    import io

    from sopdocs.numbering.register import AGENDA_COLUMNS

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(AGENDA_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows({key: spreadsheet_cell(value) if isinstance(value, str) else value
                      for key, value in row.items()} for row in rows)
    return out.getvalue()


# --------------------------------------------------------------------------- actions


def _say_waiting(message: str) -> None:
    print(printable(message), file=sys.stderr, flush=True)


def run_take(args: argparse.Namespace) -> int:
    from sopdocs.locations import archive_dir
    from sopdocs.numbering.rules import document_reference
    from sopdocs.workflow.issue import take_checked

    profile, path = _numbering_profile(args)
    document: str | None = None
    if args.document:
        doc = Path(args.document)
        document = document_reference(doc, archive_dir(args.archive)) if doc.exists() else args.document
    issued = take_checked(
        profile, args.kind, date=_date(args.date), subject=args.subject, archive=args.archive,
        document=document, user=args.user, profile_file=path, on_wait=_say_waiting,
    )
    if issued.is_inserted:
        say(f"nomor sisipan: surat bertanggal {issued.date.isoformat()} lebih awal dari nomor terakhir",
              file=sys.stderr)
    say(issued.number)
    return 0


def run_reserve(args: argparse.Namespace) -> int:
    from sopdocs.workflow.issue import take_checked

    profile, path = _numbering_profile(args)
    issued = take_checked(
        profile, args.kind, date=_date(args.date), subject=args.subject, archive=args.archive,
        user=args.user, profile_file=path, reserve=True, on_wait=_say_waiting,
    )
    say(issued.number)
    say(f"dipesan; setelah suratnya dibuat: sopdocs number attach \"{issued.number}\" DOKUMEN", file=sys.stderr)
    return 0


def _existing_register(archive: Path | None) -> Path:
    from sopdocs.numbering.rules import archive_dir, register_exists, register_path

    folder = archive_dir(archive)
    if not register_exists(folder):
        raise SopdocsError(f"register belum ada: {register_path(folder)} (periksa --archive atau SOPDOCS_ARCHIVE)")
    return folder


def run_void(args: argparse.Namespace) -> int:
    from sopdocs.numbering.rules import register_for

    folder = _existing_register(args.archive)
    with register_for(folder) as register:
        issued = register.void(args.number, args.reason)
    say(f"{issued.number}: batal ({issued.void_reason})")
    return 0


def run_attach(args: argparse.Namespace) -> int:
    from sopdocs.numbering.rules import document_reference, register_for

    folder = _existing_register(args.archive)
    doc = Path(args.document)
    if doc.exists():
        reference = document_reference(doc, folder)
    else:
        say(f"peringatan: berkas {args.document} tidak ditemukan; dicatat apa adanya", file=sys.stderr)
        reference = args.document
    with register_for(folder) as register:
        issued = register.attach(args.number, reference)
    say(f"{issued.number}: {issued.status}, dokumen {issued.document}")
    return 0


def run_rebuild(args: argparse.Namespace) -> int:
    from sopdocs.workflow.issue import rebuild_register

    profile, path = _profile(args)
    report = rebuild_register(args.archive, profile, profile_file=path, on_wait=_say_waiting)
    say(report)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from sopdocs.numbering.rules import archive_dir, register_exists, register_for, register_path
    from sopdocs.outputs import check_output

    if args.output is not None:  # before the register is opened: never the register itself
        kind = "json" if args.json else "csv" if args.csv else "txt"
        check_output(args.output, archive=args.archive, kind=kind, overwrite=args.overwrite)
    folder = archive_dir(args.archive)
    if register_exists(folder):
        with register_for(folder) as register:
            numbers = register.list(year=args.year, kind=args.kind)
    else:
        say(f"register belum ada: {register_path(folder)}", file=sys.stderr)
        numbers = []
    if args.json:
        _write(json_printable(json.dumps([n.to_dict() for n in numbers], ensure_ascii=False, indent=2)) + "\n",
               args.output)
    elif args.csv:
        _write(agenda_csv([n.as_row() for n in numbers]), args.output, bom=args.output is not None)
    elif not numbers:
        print("tidak ada nomor di register" + (" untuk pilihan ini" if args.year or args.kind else ""),
              file=sys.stderr)
        if args.output is not None:
            _write(agenda_table([]), args.output)
    elif args.output is not None:
        _write(agenda_table([n.as_row() for n in numbers]), args.output)
    else:
        # For people at a console: its own encoding (main() makes unknown characters '?').
        sys.stdout.write(agenda_table([n.as_row() for n in numbers]))
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    """Move the folder's SQLite register into an empty PostgreSQL register, check that
    both books are equal, then point ``pengaturan.yaml`` at the server."""
    from sopdocs.definitions.archivesettings import SETTINGS_FILE, set_register_url
    from sopdocs.numbering.pgregister import PostgresRegister, is_register_url, migrate_sqlite, redact_url
    from sopdocs.numbering.register import Register
    from sopdocs.numbering.rules import archive_dir, register_path, register_url

    url = str(args.to).strip()
    if not is_register_url(url):
        raise SopdocsError(f"--ke {url!r}: bukan alamat PostgreSQL; contoh postgresql://arsip@server-kantor/sopdocs")
    folder = archive_dir(args.archive)
    current = register_url(folder)
    if current:
        raise SopdocsError(f"{folder / SETTINGS_FILE}: register folder ini sudah di {redact_url(current)}; "
                           "tidak ada yang dipindahkan")
    source_path = register_path(folder)
    if not source_path.is_file():
        raise SopdocsError(f"register belum ada: {source_path} (periksa --archive atau SOPDOCS_ARCHIVE)")
    with Register(source_path, on_wait=_say_waiting) as source, \
            PostgresRegister(url, on_wait=_say_waiting) as target:
        written = migrate_sqlite(source, target)
    settings = set_register_url(folder, url)
    say(f"{written['numbers']} nomor, {written['copy_codes']} kode salinan, {written['number_documents']} "
        f"catatan dokumen dipindahkan ke {redact_url(url)}")
    # The old file gets another name, so it can never be picked up again by mistake.
    backup = source_path.with_name(f"register-sebelum-postgresql-{dt.datetime.now():%Y%m%d-%H%M%S}.sqlite")
    try:
        os.rename(source_path, backup)
    except OSError as error:
        say(f"peringatan: {source_path} tidak dapat diganti namanya ({error}); jangan dipakai lagi", file=sys.stderr)
        backup = source_path
    say(f"{settings}: register sekarang {redact_url(url)}; register lama disimpan sebagai cadangan: {backup}",
        file=sys.stderr)
    return 0
