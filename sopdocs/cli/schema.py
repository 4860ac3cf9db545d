"""``sopdocs schema KIND``: print the JSON Schema of a definition file (kinds from the registry)."""

from __future__ import annotations

import argparse
from typing import Any, Callable


def add_parser(sub: Any, templates_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    from sopdocs.kinds.registry import KindNames

    # The kinds with a definition model, from the registry's light records, and the profile
    # (sopdocs.kinds.schemas.PROFILE; that module imports pydantic).
    names = KindNames(lambda info: info.schema, extra=("profil",))
    parser = sub.add_parser("schema", help="cetak JSON Schema berkas definisi")
    parser.add_argument("kind", choices=names, metavar=names.metavar(), help="jenis berkas definisi")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sopdocs.kinds.schemas import json_schema

    print(json_schema(args.kind))
    return 0
