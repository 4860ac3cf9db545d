"""``sopdocs run ACTIVITY.yaml`` and ``sopdocs demo``: the whole SOP for one activity."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable

from sopdocs.cli.base import warn
from sopdocs.outputs import printable


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    run = sub.add_parser("run", help="jalankan SOP pendataan untuk satu kegiatan: semua dokumen, diarsipkan")
    run.add_argument("file", type=Path, help="definisi kegiatan (YAML), mis. examples/pendataan-2024.yaml")
    _common(run)
    run.set_defaults(func=run_command)
    demo = sub.add_parser("demo", help="contoh lengkap: jalankan kegiatan contoh ke ./archive lalu cari")
    _common(demo)
    demo.set_defaults(func=demo_command)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--archive", "--arsip", dest="archive", type=Path,
                        help="folder arsip (bawaan: SOPDOCS_ARCHIVE atau ./archive)")
    parser.add_argument("--pdf", action=argparse.BooleanOptionalAction, default=None,
                        help="simpan juga salinan PDF (perlu LibreOffice)")
    parser.add_argument("--case", "--berkas", dest="case", help="kode berkas (bawaan: dari definisi)")


def _progress() -> Callable[[str], None]:
    state = {"step": 0}
    total = 8

    def show(message: str) -> None:
        state["step"] += 1
        done = min(state["step"], total)
        bar = "#" * done + "." * (total - done)
        print(f"[{bar}] {printable(message, single_line=True)}", file=sys.stderr, flush=True)

    return show


def _say_waiting(message: str) -> None:
    print(printable(message), file=sys.stderr, flush=True)


def _use_service() -> None:
    """PDF copies go to the user's converter service (LibreOffice kept warm across commands)."""
    from sopdocs.pdf.convert import use_service

    use_service()


def run_command(args: argparse.Namespace) -> int:
    from sopdocs.workflow.activity import print_summary, run_activity

    _use_service()
    result = run_activity(args.file, archive=args.archive, pdf=args.pdf, case_id=args.case, progress=_progress(),
                          on_wait=_say_waiting)
    warn(result.warnings)
    print_summary(result)
    return 0


def demo_command(args: argparse.Namespace) -> int:
    from sopdocs.workflow.activity import load_kegiatan, print_summary, run_activity
    from sopdocs.archive.archive import Archive
    from sopdocs.locations import archive_dir
    from sopdocs.locations import builtin_examples_dir

    _use_service()
    examples = builtin_examples_dir()
    definition = examples / "pendataan-2024.yaml"
    root = archive_dir(args.archive)
    case = args.case
    if case is None:
        base = load_kegiatan(definition)[0].berkas.id
        existing = set(Archive(root, index=False).case_ids()) if root.is_dir() else set()
        case, n = base, 1
        while case in existing:
            n += 1
            case = f"{base}-{n}"
    result = run_activity(definition, archive=root, pdf=args.pdf, case_id=case, progress=_progress())
    warn([w for w in result.warnings if w.severity == "warning" and "NIP" not in str(w)])
    print_summary(result)
    _sample_searches(root, result)
    return 0


def _sample_searches(root: Path, result: Any) -> None:
    from sopdocs.archive.archive import Archive

    surat = next(d for d in result.documents if d.kind == "surat-tugas")
    queries = [
        (surat.number, "nomor surat tugas persis seperti tercetak"),
        ("dikumpulkan", "kata berimbuhan: menemukan 'pengumpulan'"),
        ("kind:disposisi", "saring menurut jenis dokumen"),
    ]
    print("\nContoh pencarian (sopdocs search ...):")
    with Archive(root) as archive:
        for query, why in queries:
            found = archive.search(query, limit=3)
            print(f'\n  sopdocs search "{query}"    # {why}')
            if not found.hits:
                print("    tidak ada hasil")
            for hit in found.hits:
                print(printable(f"    {hit.date:%Y-%m-%d}  {hit.kind:<12} {hit.number or '-':<32} "
                                f"{printable(hit.title, single_line=True)[:60]}"))
