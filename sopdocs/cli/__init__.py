"""The ``sopdocs`` command: a thin layer over the Python API.

English verbs (render, number, archive, search, run, demo), Indonesian nouns
(surat-tugas, kuesioner, disposisi). User errors print one clear message and exit 2;
they never show a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from sopdocs.errors import Problem, SopdocsError

Handler = Callable[[argparse.Namespace], int]


def warn(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(str(problem), file=sys.stderr)


def _templates_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--templates",
        type=Path,
        default=Path(os.environ["SOPDOCS_TEMPLATES"]) if os.environ.get("SOPDOCS_TEMPLATES") else None,
        help="folder templat sendiri (kop, logo); templat yang tidak ada diambil dari bawaan",
    )


def build_parser() -> argparse.ArgumentParser:
    from sopdocs import __version__
    from sopdocs.cli import archive, number, recap, render, run, schema, search, templates

    parser = argparse.ArgumentParser(
        prog="sopdocs",
        description="Membuat, menomori, mengarsipkan dan mencari dokumen SOP instansi pemerintah.",
    )
    parser.add_argument("--version", action="version", version=f"sopdocs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    sub.required = True
    for module in (run, render, number, recap, archive, search, schema, templates):
        module.add_parser(sub, _templates_arg)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Windows consoles may not be UTF-8; documents and messages are Indonesian text.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]  # a TextIOWrapper on every console
        except (AttributeError, ValueError):
            pass
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SopdocsError as exc:
        print(f"galat: {exc}" if "\n" not in str(exc) else f"galat:\n{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dibatalkan", file=sys.stderr)
        return 130


def entry_point() -> None:
    sys.exit(main())
