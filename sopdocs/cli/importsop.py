"""``sopdocs import sop OLD.docx -o sop.yaml``: a hand-made SOP AP Word file read into a
definition.

What could not be read for certain is written into the YAML as ``# PERIKSA:`` comments and
printed as warnings naming the step and field. Exit 0 when the definition validates, 1
when it was written but still needs filling in (the validation problems are printed with
their lines), 2 when the Word file is refused (one line).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Callable

from sopdocs.cli.base import overwrite_arg, say

#: Exit code when the definition was written but does not validate yet.
NEEDS_FILLING = 1


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("import", help="impor SOP dari berkas Word buatan tangan menjadi definisi YAML",
                            description="Membaca lembar SOP (format SOP AP) dari berkas Word (.docx) menjadi "
                                        "berkas definisi YAML. Yang tidak terbaca dengan pasti ditandai "
                                        "'# PERIKSA:' di YAML dan dicetak sebagai peringatan.")
    parser.add_argument("kind", choices=["sop"], metavar="sop", help="jenis dokumen (saat ini: sop)")
    parser.add_argument("file", type=Path, help="berkas Word (.docx) lembar SOP")
    parser.add_argument("-o", "--out", type=Path, help="berkas YAML keluaran (bawaan: nama berkas Word + .yaml)")
    parser.add_argument("--profil", "--profile", dest="profile", type=Path,
                        help="profil instansi yang disebut definisi; penanda tangan yang sama dengan kepala di "
                             "profil tidak ditulis ulang")
    overwrite_arg(parser)
    parser.set_defaults(func=run)


def _relative(target: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(target.resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return str(target.resolve())


def run(args: argparse.Namespace) -> int:
    from sopdocs.definitions.profile import load_profile
    from sopdocs.fsutil import atomic_write_text
    from sopdocs.kinds.sop.wordimport.reader import import_sop
    from sopdocs.outputs import check_output, printable

    out: Path = args.out or Path(Path(args.file).stem + ".yaml")
    if out.suffix.lower() not in (".yaml", ".yml"):
        from sopdocs.errors import SopdocsError

        raise SopdocsError(f"{out}: berkas keluaran harus berakhiran .yaml atau .yml")
    check_output(out, archive=None, kind="yaml", overwrite=args.overwrite)
    profile = None
    profile_ref = ""
    if args.profile is not None:
        profile, _ = load_profile(args.profile)
        profile_ref = _relative(args.profile, out.parent if str(out.parent) else Path("."))
    result = import_sop(args.file, profile=profile, profile_ref=profile_ref, yaml_name=str(out))
    atomic_write_text(out, result.yaml_text)
    for finding in result.findings:  # text from the document: control characters never reach the terminal
        print(printable(f"{args.file}: peringatan: {finding}", single_line=True), file=sys.stderr)
    say(f"{out}: {len(result.data['langkah'])} langkah, {len(result.data['pelaksana'])} pelaksana, "
        f"{len(result.findings)} hal perlu diperiksa")
    if not result.valid:
        for problem in result.problems:
            print(printable(f"perlu diisi: {problem}", single_line=True), file=sys.stderr)
        return NEEDS_FILLING
    return 0
