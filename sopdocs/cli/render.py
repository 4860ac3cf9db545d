"""``sopdocs render KIND FILE -o OUT [--pdf]``: render one document kind from a definition."""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path
from typing import Any, Callable

from sopdocs.cli import warn

# kind -> "module:function"; each function takes (definition, out, **options) -> Rendered
RENDERERS: dict[str, str] = {
    "sop": "sopdocs.kinds.sop.sopsheet:render_sop_file",
    "disposisi": "sopdocs.kinds.disposisi:render_disposisi_file",
    "kuesioner": "sopdocs.kinds.kuesioner.kuesioner:render_kuesioner_file",
    "surat-tugas": "sopdocs.kinds.surattugas:render_surat_tugas_file",
}


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("render", help="buat dokumen dari berkas definisi (YAML)")
    parser.add_argument("kind", choices=sorted(RENDERERS), help="jenis dokumen")
    parser.add_argument("file", type=Path, help="berkas definisi YAML")
    parser.add_argument("-o", "--out", type=Path, default=Path("out"), help="folder atau nama berkas .docx (bawaan: out/)")
    parser.add_argument("--pdf", action="store_true", help="buat juga salinan PDF (perlu LibreOffice)")
    parser.add_argument("--profil", "--profile", dest="profile", type=Path, help="berkas profil instansi")
    parser.add_argument("--archive", "--arsip", dest="archive", type=Path,
                        help="folder arsip (register nomor); bawaan: SOPDOCS_ARCHIVE atau ./archive")
    parser.add_argument("--copies", "--eksemplar", dest="copies", type=int, default=1,
                        help="kuesioner: jumlah salinan bernomor (bawaan 1)")
    parser.add_argument("--one-file", dest="one_file", action="store_true",
                        help="kuesioner: semua salinan dalam satu berkas")
    templates_arg(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    module_name, function_name = RENDERERS[args.kind].split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    options = {
        "profile": args.profile,
        "templates": args.templates,
        "pdf": args.pdf,
        "archive": args.archive,
        "copies": args.copies,
        "one_file": args.one_file,
    }
    accepted = inspect.signature(function).parameters
    unsupported = [name for name in ("copies", "one_file") if name not in accepted and options[name] not in (1, False)]
    if unsupported:
        print(f"galat: --{unsupported[0].replace('_', '-')} tidak berlaku untuk {args.kind}", file=sys.stderr)
        return 2
    result = function(args.file, args.out, **{k: v for k, v in options.items() if k in accepted})
    warn(result.warnings)
    for path in [*result.docx, *result.pdf]:
        print(path)
    if not result.docx:
        print("tidak ada dokumen yang dibuat", file=sys.stderr)
    return 0
