"""``sopdocs verify``: periksa keaslian dokumen dari kode QR-nya (.docx, PDF, foto). (Placeholder: being built for issue 12.)"""

from __future__ import annotations

import argparse
from typing import Any, Callable


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("verify", help="periksa keaslian dokumen dari kode QR-nya (.docx, PDF, foto)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sopdocs.errors import SopdocsError

    raise SopdocsError("perintah 'verify' belum tersedia")
