"""``sopdocs search "kuesioner pendataan" [--kind K] [--from D] [--to D] [--limit N] [--json]``.

Prints a table (number, date, kind, title, case file, snippet) or JSON. No hits is not
an error: a clear message and exit code 0.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from typing import Any, Callable

from sopdocs.cli.archive import archive_arg
from sopdocs.outputs import json_printable, printable


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("search", help="cari dokumen di arsip (isi, judul, nomor, nama, NIP)")
    parser.add_argument("query", help='kata yang dicari, mis. "kuesioner pendataan", sebuah nomor naskah atau NIP')
    parser.add_argument("--kind", "--jenis", dest="kind", default=None, metavar="JENIS", help="hanya jenis naskah ini")
    parser.add_argument("--from", "--dari", dest="date_from", default=None, metavar="TANGGAL", help="tanggal awal")
    parser.add_argument("--to", "--sampai", dest="date_to", default=None, metavar="TANGGAL", help="tanggal akhir")
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="jumlah hasil paling banyak (bawaan 20)")
    parser.add_argument("--sort", "--urut", dest="sort", choices=["relevance", "date", "date_asc"],
                        default="relevance", help="urutan: relevansi atau tanggal")
    parser.add_argument("--json", action="store_true", help="keluaran JSON")
    archive_arg(parser)
    parser.set_defaults(func=run)


def _hit_dict(hit: Any) -> dict[str, Any]:
    return {
        "number": hit.number,
        "date": hit.date.isoformat() if hit.date else None,
        "kind": hit.kind,
        "title": hit.title,
        "case_id": hit.case_id,
        "doc_id": hit.doc_id,
        "path": hit.path,
        "score": round(hit.score, 4),
        "snippet": hit.snippet,
    }


def run(args: argparse.Namespace) -> int:
    from sopdocs.indonesian.dates import parse_tanggal
    from sopdocs.errors import SopdocsError
    from sopdocs.cli import warn
    from sopdocs.cli.archive import open_archive

    if args.limit < 1:
        raise SopdocsError(f"--limit harus 1 atau lebih, bukan {args.limit}")
    date_from = parse_tanggal(args.date_from, field="--from") if args.date_from else None
    date_to = parse_tanggal(args.date_to, field="--to") if args.date_to else None
    archive = open_archive(args)
    try:
        results = archive.search(args.query, kind=args.kind, date_from=date_from, date_to=date_to,
                                 limit=args.limit, sort=args.sort)
    finally:
        archive.close()
    warn(archive.warnings)
    if args.json:
        print(json_printable(json.dumps({
            "query": args.query,
            "total": results.total,
            "fuzzy": results.fuzzy,
            "did_you_mean": results.did_you_mean,
            "notice": results.notice,
            "by_kind": results.by_kind,
            "hits": [_hit_dict(h) for h in results.hits],
        }, ensure_ascii=False, indent=1)))
        return 0
    query = printable(args.query, single_line=True)
    suggestion = printable(results.did_you_mean or "", single_line=True)
    if results.notice:  # the query was limited (a wide wildcard, a fuzzy distance clamped...)
        print(f"catatan: {printable(results.notice, single_line=True)}", file=sys.stderr)
    if not results.hits:
        print(f'tidak ada hasil untuk "{query}"')
        if suggestion:
            print(f'mungkin maksud Anda: "{suggestion}"')
        return 0
    if results.fuzzy:
        note = f' (mungkin maksud Anda: "{suggestion}")' if suggestion else ""
        print(f'tidak ada hasil persis untuk "{query}"; hasil untuk ejaan yang mirip{note}:')
    _print_table(results.hits)
    shown = len(results.hits)
    more = f"; {results.total - shown} lagi (naikkan --limit)" if results.total > shown else ""
    print(f"{results.total} dokumen{more}")
    return 0


def _print_table(hits: list[Any]) -> None:
    headings = ["Nomor", "Tanggal", "Jenis", "Judul", "Berkas"]
    rows = [[printable(cell, single_line=True) for cell in
             (h.number or "-", h.date.isoformat() if h.date else "-", h.kind, h.title, h.case_id)] for h in hits]
    width = shutil.get_terminal_size((120, 24)).columns
    caps = [34, 10, 14, 40, 24]
    widths = [min(cap, max(len(head), *(len(r[i]) for r in rows))) for i, (head, cap) in enumerate(zip(headings, caps))]
    snippet_width = max(30, width - sum(widths) - 2 * len(widths) - 1)

    def cut(text: str, size: int) -> str:
        return text if len(text) <= size else text[: size - 1] + "…"

    print("  ".join(h.ljust(w) for h, w in zip(headings, widths)) + "  Cuplikan")
    print("  ".join("-" * w for w in widths) + "  " + "-" * min(snippet_width, 40))
    indent = " " * (sum(widths) + 2 * len(widths))
    for hit, row in zip(hits, rows):
        lines = textwrap.wrap(printable(hit.snippet or "", single_line=True), snippet_width)[:3] or [""]
        print("  ".join(cut(c, w).ljust(w) for c, w in zip(row, widths)) + "  " + lines[0])
        for line in lines[1:]:
            print(indent + line)
