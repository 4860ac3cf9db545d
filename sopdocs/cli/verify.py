"""``sopdocs verify FILE [--archive DIR] [--kode TEKS] [--json]``: is this document genuine?

Reads the verification QR code of a .docx, a PDF, or a photo or scan of a printed page
(PNG/JPEG), checks it against the register and the archive (:mod:`sopdocs.workflow.verify`)
and prints the answer in Indonesian. Exit code 0: genuine; 1: altered, unknown, or no
code; 2: the file cannot be read (or another input error).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

from sopdocs.cli.archive import archive_arg

#: Exit code of each answer.
EXIT_CODES = {"asli": 0, "diubah": 1, "tidak_dikenal": 1, "tanpa_kode": 1, "tidak_terbaca": 2}
_HEADINGS = {
    "asli": "ASLI",
    "diubah": "DIUBAH / PALSU",
    "tidak_dikenal": "TIDAK DIKENAL",
    "tanpa_kode": "TANPA KODE QR",
    "tidak_terbaca": "TIDAK TERBACA",
}


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("verify", help="periksa keaslian dokumen dari kode QR-nya (.docx, PDF, foto)")
    parser.add_argument("file", nargs="?", type=Path, default=None, metavar="BERKAS",
                        help="dokumen .docx, PDF, atau foto/pindaian halaman cetak (PNG/JPEG)")
    parser.add_argument("--kode", default=None, metavar="TEKS",
                        help="periksa teks kode QR (isi kode atau alamat verifikasinya) tanpa berkas")
    parser.add_argument("--json", action="store_true", help="keluaran JSON")
    archive_arg(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sopdocs.errors import SopdocsError
    from sopdocs.outputs import json_printable, printable
    from sopdocs.workflow.verify import verify_file, verify_payload

    if (args.file is None) == (args.kode is None):
        raise SopdocsError("sebutkan satu BERKAS untuk diperiksa, atau --kode TEKS")
    result = verify_file(args.file, args.archive) if args.file is not None else verify_payload(args.kode, args.archive)
    if args.json:
        print(json_printable(json.dumps(result.as_dict(), ensure_ascii=False, indent=2)))
        return EXIT_CODES[result.status]
    out = sys.stdout

    def line(label: str, value: object) -> None:
        if value not in (None, ""):
            print(f"  {label:<15} {printable(str(value), single_line=True)}", file=out)

    print(f"{_HEADINGS[result.status]}: {printable(result.message, single_line=True)}", file=out)
    line("nomor", result.number)
    line("tanggal", f"{result.date:%d-%m-%Y}" if result.date else None)
    line("jenis", result.kind_label or result.kind)
    line("berkas arsip", result.case_id)
    line("item arsip", result.item)
    line("judul", result.title)
    if result.file_matches is not None:
        line("isi berkas", "sama dengan arsip" if result.file_matches else "BERBEDA dengan arsip")
    elif result.status == "asli":
        line("isi berkas", "tidak dibandingkan (hanya kode yang diperiksa)")
    return EXIT_CODES[result.status]
