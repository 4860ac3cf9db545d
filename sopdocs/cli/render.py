"""``sopdocs render KIND FILE -o OUT [--pdf]``: render one document kind from a definition."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any, Callable

from . import warn

# kind -> "module:function"; each function takes (definition, out, **options) -> Rendered
RENDERERS: dict[str, str] = {
    "sop": "sopdocs.sopsheet:render_sop_file",
}


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("render", help="buat dokumen dari berkas definisi (YAML)")
    parser.add_argument("kind", choices=sorted(RENDERERS), help="jenis dokumen")
    parser.add_argument("file", type=Path, help="berkas definisi YAML")
    parser.add_argument("-o", "--out", type=Path, default=Path("out"), help="folder atau nama berkas .docx (bawaan: out/)")
    parser.add_argument("--pdf", action="store_true", help="buat juga salinan PDF (perlu LibreOffice)")
    parser.add_argument("--profil", "--profile", dest="profile", type=Path, help="berkas profil instansi")
    templates_arg(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    module_name, function_name = RENDERERS[args.kind].split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    result = function(args.file, args.out, profile=args.profile, templates=args.templates, pdf=args.pdf)
    warn(result.warnings)
    for path in [*result.docx, *result.pdf]:
        print(path)
    if not result.docx:
        print("tidak ada dokumen yang dibuat", file=sys.stderr)
    return 0
