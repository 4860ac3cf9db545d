"""``sopdocs search "kuesioner pendataan" [--kind K] [--from D] [--to D] [--limit N] [--json]``.

Prints a table (number, date, kind, title, case file, snippet) or JSON. No hits is not
an error: a clear message and exit code 0.

Start-up matters here (one process per query): when the archive has an index and no
pending index updates, the index is opened directly (:func:`sopdocs.search.open_index`)
without importing the archive layer (pydantic models, the .docx text extraction);
otherwise, or when the index needs a rebuild, the search goes through
:class:`sopdocs.archive.archive.Archive`, which catches up and rebuilds.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

from sopdocs.cli.archive import archive_arg
from sopdocs.outputs import json_printable, printable

# Names inside an archive folder (sopdocs.archive.archive: INDEX, QUEUE); repeated here so
# a search need not import the archive layer. tests/test_search_cli.py checks they agree.
_INDEX_FOLDER = "indeks"
_QUEUE_FOLDER = "indeks.antrian"
_PENDING_GLOB = "*.tertunda"


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("search", help="cari dokumen di arsip (isi, judul, nomor, nama, NIP)")
    parser.add_argument("query", help='kata yang dicari, mis. "kuesioner pendataan", sebuah nomor naskah atau NIP')
    parser.add_argument("--kind", "--jenis", dest="kind", default=None, metavar="JENIS", help="hanya jenis naskah ini")
    parser.add_argument("--from", "--dari", dest="date_from", default=None, metavar="TANGGAL", help="tanggal awal")
    parser.add_argument("--to", "--sampai", dest="date_to", default=None, metavar="TANGGAL", help="tanggal akhir")
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="jumlah hasil paling banyak (bawaan 20)")
    parser.add_argument("--offset", "--lewati", dest="offset", type=int, default=0, metavar="N",
                        help="lewati N hasil pertama (halaman berikutnya)")
    parser.add_argument("--classification", "--klasifikasi", dest="classification", default=None, metavar="KODE",
                        help="hanya kode klasifikasi ini dan turunannya, mis. 800 atau 800.1.11.1")
    parser.add_argument("--office", "--instansi", dest="office", default=None, metavar="NAMA",
                        help="hanya arsip kiriman instansi ini (arsip provinsi)")
    parser.add_argument("--year", "--tahun", dest="year", type=int, default=None, metavar="TTTT",
                        help="hanya naskah bertanggal tahun ini")
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
        "classification": hit.classification,
        "office": hit.office,
    }


#: Set in the search service (:mod:`sopdocs.cli.service`): a search that needs the archive
#: layer (no index yet, pending updates, a rebuild: it writes) raises NeedsArchive there
#: and runs in the command itself, with the command's permissions.
DIRECT_ONLY = False


class NeedsArchive(Exception):
    """The search needs the archive layer, and DIRECT_ONLY is set."""


def _direct(args: argparse.Namespace, options: dict[str, Any]) -> Any:
    """Search the archive's index without the archive layer, or None when the archive
    must be involved (no index yet, updates pending, the index needs a rebuild)."""
    from sopdocs.locations import archive_dir
    from sopdocs.search import open_index
    from sopdocs.search.base import IndexNeedsRebuildError

    root = archive_dir(args.archive)
    folder = root / _INDEX_FOLDER
    try:
        if not folder.is_dir() or not any(folder.iterdir()):
            return None
        queue = root / _QUEUE_FOLDER
        if queue.is_dir() and any(queue.glob(_PENDING_GLOB)):
            return None
    except OSError:
        return None
    try:
        index = open_index(root, folder=folder)
    except IndexNeedsRebuildError:
        return None
    try:
        return index.search(args.query, **options)
    except IndexNeedsRebuildError:
        return None
    finally:
        index.close()


def run(args: argparse.Namespace) -> int:
    from sopdocs.errors import SopdocsError
    from sopdocs.cli.base import warn

    if args.limit < 1:
        raise SopdocsError(f"--limit harus 1 atau lebih, bukan {args.limit}")
    if args.offset < 0:
        raise SopdocsError(f"--offset harus 0 atau lebih, bukan {args.offset}")
    date_from = date_to = None
    if args.date_from or args.date_to:
        from sopdocs.indonesian.dates import parse_tanggal

        date_from = parse_tanggal(args.date_from, field="--from") if args.date_from else None
        date_to = parse_tanggal(args.date_to, field="--to") if args.date_to else None
    options: dict[str, Any] = dict(
        kind=args.kind, date_from=date_from, date_to=date_to, limit=args.limit, sort=args.sort,
        offset=args.offset, classification=args.classification, office=args.office, year=args.year)
    from sopdocs.locations import archive_dir

    root = archive_dir(args.archive)
    if not root.is_dir():  # a search reads: it never makes an archive where a path was mistyped
        raise SopdocsError(f"{root}: folder arsip tidak ada (periksa --archive atau SOPDOCS_ARCHIVE)")
    results = _direct(args, options)
    if results is None and DIRECT_ONLY:
        raise NeedsArchive(str(root))
    if results is None:
        from sopdocs.cli.archive import open_archive

        archive = open_archive(args)
        try:
            results = archive.search(args.query, **options)
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
            "offset": args.offset,
            "by_kind": results.by_kind,
            "by_year": results.by_year,
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
    shown = args.offset + len(results.hits)
    more = (f"; {results.total - shown} lagi (naikkan --limit atau --offset)"
            if results.total > shown else "")
    print(f"{results.total} dokumen{more}")
    return 0


def _print_table(hits: list[Any]) -> None:
    headings = ["Nomor", "Tanggal", "Jenis", "Judul", "Berkas"]
    rows = [[printable(cell, single_line=True) for cell in
             (h.number or "-", h.date.isoformat() if h.date else "-", h.kind, h.title, h.case_id)] for h in hits]
    import shutil
    import textwrap

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
