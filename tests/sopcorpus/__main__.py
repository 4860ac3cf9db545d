"""Write the corpus to a folder to look at: ``cd tests && python -m sopcorpus OUT [--libreoffice]``.

Every case gives ``NAME.docx`` and ``NAME.expected.yaml`` (the definition it shows)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from sopcorpus.cases import build_all


def main(argv: list[str]) -> int:
    if not argv:
        print("pakai: python -m sopcorpus FOLDER [--libreoffice]", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    folder.mkdir(parents=True, exist_ok=True)
    made = [(case.name, path, expected) for case, path, expected in build_all(folder)]
    if "--libreoffice" in argv[1:]:
        from sopcorpus.libreoffice import build_libreoffice

        made += build_libreoffice(folder)
    for name, path, expected in made:
        (folder / f"{name}.expected.yaml").write_text(
            yaml.safe_dump(expected, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
