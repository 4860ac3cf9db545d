"""``sopdocs render KIND FILE -o OUT [--pdf] [--konsep]``: one document kind from a definition.

The kinds come from the registry (:mod:`sopdocs.kinds.registry`): every kind that can be
made from a definition file is a choice here, without being named in this module.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable

from sopdocs.cli.base import overwrite_arg, say, warn
from sopdocs.outputs import printable


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    # Light records of the built-in kinds: building the parser imports no kind module.
    from sopdocs.kinds.registry import KindNames, builtin_kind_infos

    infos = builtin_kind_infos()
    names = KindNames(lambda info: info.renderable)
    described = "; ".join(f"{name}: {infos[name].label}" + (" (bernomor)" if infos[name].numbered else "")
                          for name in names.builtin())
    parser = sub.add_parser("render", help="buat dokumen dari berkas definisi (YAML)",
                            description=f"Jenis dokumen: {described}.")
    parser.add_argument("kind", choices=names, metavar=names.metavar(), help="jenis dokumen")
    parser.add_argument("file", type=Path, help="berkas definisi YAML")
    parser.add_argument("-o", "--out", type=Path, default=Path("out"), help="folder atau nama berkas .docx (bawaan: out/)")
    overwrite_arg(parser)
    parser.add_argument("--pdf", action="store_true", help="buat juga salinan PDF (perlu LibreOffice)")
    parser.add_argument("--profil", "--profile", dest="profile", type=Path, help="berkas profil instansi")
    parser.add_argument("--archive", "--arsip", dest="archive", type=Path,
                        help="folder arsip (register nomor); bawaan: SOPDOCS_ARCHIVE atau ./archive")
    parser.add_argument("--konsep", "--draft", dest="konsep", action="store_true",
                        help="konsep: tanpa nomor, tidak diarsipkan, bertanda air KONSEP")
    parser.add_argument("--nomor-baru", dest="new_number", action="store_true",
                        help="ambil nomor baru walaupun dokumen yang sama sudah bernomor")
    parser.add_argument("--berkas", "--case", dest="case", help="berkas arsip tujuan (bawaan: berkas tahunan jenisnya)")
    parser.add_argument("--copies", "--eksemplar", dest="copies", type=int, default=1,
                        help="kuesioner: jumlah salinan bernomor (bawaan 1)")
    parser.add_argument("--one-file", dest="one_file", action="store_true",
                        help="kuesioner: semua salinan dalam satu berkas")
    templates_arg(parser)
    parser.set_defaults(func=run)


def check_out(out: Path, *, archive: Path | None, overwrite: bool) -> None:
    """``-o`` of render and recap, checked before anything is made or numbered: a .docx
    name is a file (not in an archive, not a folder, replaced only with ``--timpa``);
    anything else is the folder the documents go to (not in an archive)."""
    from sopdocs.outputs import check_output, check_output_dir

    if Path(out).suffix.lower() == ".docx":
        check_output(out, archive=archive, kind="docx", overwrite=overwrite)
    else:
        check_output_dir(out, archive=archive)


def _say_waiting(message: str) -> None:
    print(printable(message), file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from sopdocs.kinds.registry import get_kind
    from sopdocs.workflow.issue import render_definition

    kind = get_kind(args.kind)
    if args.case and not kind.numbered:
        print(f"galat: --berkas tidak berlaku untuk {args.kind}", file=sys.stderr)
        return 2
    check_out(args.out, archive=args.archive, overwrite=args.overwrite)
    if args.pdf:
        from sopdocs.pdf.convert import prepare_converter, use_service

        use_service()  # the user's converter service: LibreOffice kept warm across commands
        prepare_converter()  # LibreOffice missing: refused now; else it starts while the document is made
    result = render_definition(
        kind.name, args.file, args.out, profile=args.profile, templates=args.templates, pdf=args.pdf,
        archive=args.archive, konsep=args.konsep, new_number=args.new_number, case_id=args.case,
        copies=args.copies, one_file=args.one_file, on_wait=_say_waiting,
    )
    warn(result.warnings)
    for path in [*result.docx, *result.pdf]:
        say(path)
    if not result.docx:
        print("tidak ada dokumen yang dibuat", file=sys.stderr)
    return 0
