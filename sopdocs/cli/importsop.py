"""``sopdocs import``: impor SOP dari berkas Word buatan tangan menjadi definisi YAML. (Placeholder: being built for issue 15.)"""

from __future__ import annotations

import argparse
from typing import Any, Callable


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("import", help="impor SOP dari berkas Word buatan tangan menjadi definisi YAML")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sopdocs.errors import SopdocsError

    raise SopdocsError("perintah 'import' belum tersedia")
