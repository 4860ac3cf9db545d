"""``sopdocs recap RESPONSES --questionnaire FILE -o OUT [--pdf]``: tally returned
questionnaires and write the recap nota dinas to the head."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable

from sopdocs.cli.base import overwrite_arg, say, warn


def _date(text: str) -> Any:
    from sopdocs.indonesian.dates import parse_tanggal
    from sopdocs.errors import DateError

    try:
        return parse_tanggal(text, field="--tanggal")
    except DateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser(
        "recap",
        help="rekap jawaban kuesioner (CSV/XLSX) menjadi nota dinas kepada pimpinan",
        description=(
            "Membaca berkas jawaban (satu baris per eksemplar kembali: kolom kode dan id pertanyaan), "
            "memeriksa kode eksemplar terhadap register, menghitung hasil per pertanyaan, lalu membuat "
            "nota dinas rekapitulasi bernomor dengan tabel dan grafik. Baris yang salah tidak dihitung "
            "dan dicantumkan beserta nomor barisnya."
        ),
    )
    parser.add_argument("responses", type=Path, help="berkas jawaban .csv (UTF-8, ; atau ,) atau .xlsx")
    parser.add_argument("--questionnaire", "--kuesioner", dest="questionnaire", type=Path, required=True,
                        help="definisi kuesioner (YAML)")
    parser.add_argument("-o", "--out", type=Path, default=Path("out"), help="folder atau nama berkas .docx (bawaan: out/)")
    overwrite_arg(parser)
    parser.add_argument("--pdf", action="store_true", help="buat juga salinan PDF (perlu LibreOffice)")
    parser.add_argument("--profil", "--profile", dest="profile", type=Path, help="berkas profil instansi")
    parser.add_argument("--archive", "--arsip", dest="archive", type=Path,
                        help="folder arsip berisi register (bawaan: $SOPDOCS_ARCHIVE atau ./archive)")
    parser.add_argument("--tanggal", type=_date, help="tanggal nota dinas (bawaan: hari ini)")
    parser.add_argument("--nomor", help="pakai nomor ini (sudah diambil) dan jangan ambil nomor baru dari register")
    templates_arg(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sopdocs.cli.render import check_out
    from sopdocs.workflow.issue import render_recap_file

    check_out(args.out, archive=args.archive, overwrite=args.overwrite)
    result = render_recap_file(
        args.responses,
        args.questionnaire,
        args.out,
        profile=args.profile,
        templates=args.templates,
        pdf=args.pdf,
        archive=args.archive,
        tanggal=args.tanggal,
        nomor=args.nomor,
    )
    warn(result.warnings)
    for number in result.numbers:
        say(f"nomor nota dinas: {number}", file=sys.stderr)
    for path in [*result.docx, *result.pdf]:
        say(path)
    return 0
