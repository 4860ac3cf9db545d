"""``sopdocs serve``: buka arsip di peramban (aplikasi web lokal). (Placeholder: being built for issue 13.)"""

from __future__ import annotations

import argparse
from typing import Any, Callable


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("serve", help="buka arsip di peramban (aplikasi web lokal)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sopdocs.errors import SopdocsError

    raise SopdocsError("perintah 'serve' belum tersedia")
