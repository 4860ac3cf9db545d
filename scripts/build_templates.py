"""Build the built-in Word templates in ``templates/`` with python-docx.

The .docx files are committed (an admin can copy one, open it in Word and adapt the kop);
the ``scripts/tpl_*.py`` builders are how they are made, so a change to a template is a
reviewable diff. Run: ``python scripts/build_templates.py [KIND ...]``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "templates"


def builders() -> dict[str, object]:
    sys.path.insert(0, str(HERE))
    found = {}
    for path in sorted(HERE.glob("tpl_*.py")):
        if path.stem == "tpl_common":
            continue
        found[path.stem.removeprefix("tpl_")] = importlib.import_module(path.stem)
    return found


def main(argv: list[str]) -> int:
    OUT.mkdir(exist_ok=True)
    available = builders()
    for name in argv or list(available):
        if name not in available:
            print(f"unknown template builder {name}; have: {', '.join(available)}", file=sys.stderr)
            return 2
        print(available[name].build(OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
