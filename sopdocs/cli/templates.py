"""``sopdocs templates check DIR``: check a folder of one's own Word templates."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable

from sopdocs.cli.base import say


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("templates", help="periksa templat Word sendiri")
    actions = parser.add_subparsers(dest="action", metavar="AKSI")
    actions.required = True
    check = actions.add_parser("check", help="periksa variabel tiap templat di folder")
    check.add_argument("folder", type=Path)
    check.set_defaults(func=run_check)
    listing = actions.add_parser("list", help="daftar jenis dokumen dan berkas templatnya")
    listing.set_defaults(func=run_list)


def run_check(args: argparse.Namespace) -> int:
    from sopdocs.kinds.registry import check_templates

    reports = check_templates(args.folder)
    if not reports:
        say(f"{args.folder}: tidak ada templat sopdocs (lihat `sopdocs templates list`)")
        return 1
    bad = False
    for report in reports:
        status = "OK" if report.ok else "BERMASALAH"
        say(f"{report.template.name} ({report.kind}): {status}")
        if report.unknown:
            say(f"  memakai variabel yang tidak disediakan: {', '.join(report.unknown)}")
        if report.missing:
            say(f"  tidak memakai variabel wajib: {', '.join(report.missing)}")
        for error in report.errors:
            say(f"  galat: {error}")
        bad = bad or not report.ok
    return 1 if bad else 0


def run_list(args: argparse.Namespace) -> int:
    from sopdocs.kinds.registry import kinds

    for kind in sorted(kinds().values(), key=lambda k: k.name):
        numbered = ", bernomor" if kind.numbered else ""
        say(f"{kind.name}: {kind.template}  [{kind.label}{numbered}]  ({', '.join(sorted(kind.provides))})")
    return 0
