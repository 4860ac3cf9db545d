"""The ``sopdocs`` command's parser, its shared argument helpers and :func:`main`.

English verbs (render, number, archive, search, run, demo), Indonesian nouns
(surat-tugas, kuesioner, disposisi). User errors print one clear message and exit 2;
they never show a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

from sopdocs.errors import Problem, SopdocsError
from sopdocs.outputs import printable

Handler = Callable[[argparse.Namespace], int]

#: Exit code of every user error (bad arguments included, as argparse does).
USER_ERROR = 2
#: The lowest and highest year ``--year``/``--tahun`` accepts (a calendar year of a letter).
MIN_YEAR = 1900
MAX_YEAR = 9999


def warn(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(printable(problem), file=sys.stderr)


def say(text: object = "", **kwargs: Any) -> None:
    """``print`` for text that may hold stored values: escape sequences and control
    characters removed (newlines kept)."""
    print(printable(text), **kwargs)


def year_arg(text: str) -> int:
    """argparse type of ``--year``: a whole number from MIN_YEAR to MAX_YEAR."""
    try:
        year = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"tahun harus angka, bukan {printable(text, single_line=True)!r}") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise argparse.ArgumentTypeError(f"tahun harus antara {MIN_YEAR} dan {MAX_YEAR}, bukan "
                                         f"{printable(text, single_line=True)[:30]}")
    return year


def overwrite_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timpa", "--overwrite", dest="overwrite", action="store_true",
                        help="timpa berkas keluaran yang sudah ada (hanya berkas sejenis; arsip tidak pernah ditimpa)")


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, without importing shutil: ``$COLUMNS``, else
    the width of the terminal of stdout, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, as wide as the terminal. argparse builds a formatter for
    every argument added and sizes it with ``shutil``, whose import (with bz2 and lzma)
    costs every command about 3 ms; this one asks the terminal directly, the same way."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         terminal_columns() - 2 if width is None else width)


class Parser(argparse.ArgumentParser):
    """argparse with errors on one line in the CLI's own form: ``galat: ...``, exit 2; the
    subcommands' parsers are of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(USER_ERROR, f"galat: {printable(self.prog)}: {printable(message, single_line=True)} "
                              f"(lihat {printable(self.prog)} --help)\n")


def _templates_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--templates",
        type=Path,
        default=Path(os.environ["SOPDOCS_TEMPLATES"]) if os.environ.get("SOPDOCS_TEMPLATES") else None,
        help="folder templat sendiri (kop, logo); templat yang tidak ada diambil dari bawaan",
    )


#: The commands, in the order ``sopdocs --help`` lists them: name -> (module of
#: ``sopdocs.cli`` that builds its parser and runs it, the one-line help of the listing).
#: A run imports only the module of its own command; the others appear in the parser by
#: name and help only (``tests/test_startup.py`` checks these lines against the modules).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "jalankan SOP pendataan untuk satu kegiatan: semua dokumen, diarsipkan"),
    "demo": ("run", "contoh lengkap: jalankan kegiatan contoh ke ./archive lalu cari"),
    "render": ("render", "buat dokumen dari berkas definisi (YAML)"),
    "number": ("number", "register nomor naskah dinas (ambil, pesan, batalkan, catat dokumen, daftar)"),
    "recap": ("recap", "rekap jawaban kuesioner (CSV/XLSX) menjadi nota dinas kepada pimpinan"),
    "archive": ("archive", "arsip: berkas kegiatan, keutuhan (fixity), daftar arsip"),
    "search": ("search", "cari dokumen di arsip (isi, judul, nomor, nama, NIP)"),
    "serve": ("serve", "buka arsip di peramban (aplikasi web lokal)"),
    "verify": ("verify", "periksa keaslian dokumen dari kode QR-nya (.docx, PDF, foto)"),
    "import": ("importsop", "impor SOP dari berkas Word buatan tangan menjadi definisi YAML"),
    "schema": ("schema", "cetak JSON Schema berkas definisi"),
    "templates": ("templates", "periksa templat Word sendiri"),
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``sopdocs`` parser. Given the arguments, only the command they name gets its
    full parser (its module imported); without them, every command does."""
    import importlib

    from sopdocs import __version__

    parser = Parser(
        prog="sopdocs",
        description="Membuat, menomori, mengarsipkan dan mencari dokumen SOP instansi pemerintah.",
    )
    parser.add_argument("--version", action="version", version=f"sopdocs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    sub.required = True
    wanted = {module for module, _ in COMMANDS.values()} if argv is None else _command_module(argv)
    # A command given first is parsed by its own parser alone: the others are not needed
    # even by name (they show only in the top-level help and its errors).
    alone = argv is not None and len(argv) > 0 and argv[0] in COMMANDS
    built: set[str] = set()
    for name, (module, help_line) in COMMANDS.items():
        if module not in wanted:
            if not alone:
                sub.add_parser(name, help=help_line)
        elif module not in built:
            importlib.import_module(f"sopdocs.cli.{module}").add_parser(sub, _templates_arg)
            built.add(module)
    return parser


def _command_module(argv: Sequence[str]) -> set[str]:
    """The module of the command ``argv`` runs (its first word that is not an option: the
    options before a command take no value); none when it names no command."""
    word = next((argument for argument in argv if not argument.startswith("-")), None)
    entry = COMMANDS.get(word) if word is not None else None
    return {entry[0]} if entry is not None else set()


def main(argv: Sequence[str] | None = None, *, parser: argparse.ArgumentParser | None = None) -> int:
    """Run ``sopdocs ARGV``; ``parser``: one :func:`build_parser` made before for the same
    command (the search service keeps one; building it reads no environment)."""
    # Windows consoles may not be UTF-8; documents and messages are Indonesian text.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]  # a TextIOWrapper on every console
        except (AttributeError, ValueError):
            pass
    arguments = list(sys.argv[1:] if argv is None else argv)
    bad = _undecodable(arguments) or _undecodable_setting()
    if bad is not None:
        print(f"galat: {bad}", file=sys.stderr)
        return USER_ERROR
    parser = parser or build_parser(arguments)
    args = parser.parse_args(arguments)
    try:
        return int(args.func(args) or 0)
    except SopdocsError as exc:
        text = printable(exc)
        print(f"galat: {text}" if "\n" not in text else f"galat:\n{text}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        # A file the command could not read or write (missing, no permission, disk full):
        # one line naming it, no traceback.
        where = " -> ".join(printable(os.fsdecode(name) if isinstance(name, bytes) else name, single_line=True)
                            for name in (exc.filename, exc.filename2) if name is not None)
        why = printable(exc.strerror or exc, single_line=True)
        print(f"galat: {where}: {why}" if where else f"galat: {why}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("dibatalkan", file=sys.stderr)
        return 130


def _undecodable(arguments: Sequence[str]) -> str | None:
    """The message for the first argument that is not valid UTF-8 (on Linux, ``argv``
    holds undecodable bytes as lone surrogates), naming the option it belongs to."""
    for position, argument in enumerate(arguments):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            continue
        option, _, value = argument.partition("=") if argument.startswith("--") else ("", "", argument)
        if not option and position > 0 and arguments[position - 1].startswith("-"):
            option = arguments[position - 1]
        shown = printable(value if option and value else argument, single_line=True)
        what = f"nilai {printable(option, single_line=True)}" if option else f"argumen ke-{position + 1}"
        return (f"{what} berisi byte yang bukan teks UTF-8 ({shown!r}); ketik ulang teksnya atau ganti "
                "nama berkasnya dengan huruf yang terbaca")
    return None


def _undecodable_setting() -> str | None:
    """The message for the first ``SOPDOCS_*`` environment variable (paths: the archive,
    the profile, the templates...) that is not valid UTF-8, which the libraries below
    (tantivy among them) cannot take as a path."""
    for name, value in os.environ.items():
        if not name.startswith("SOPDOCS_"):
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return (f"{printable(name, single_line=True)} berisi byte yang bukan teks UTF-8 "
                    f"({printable(value, single_line=True)!r}); setel ulang nilainya atau ganti nama "
                    "berkasnya dengan huruf yang terbaca")
    return None
