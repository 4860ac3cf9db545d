"""Build the API reference of sopdocs' public modules with pdoc; any problem fails the build.

Usage: python scripts/apidoc.py OUTPUT_DIR

The public API is ``sopdocs.__all__`` (loaded lazily by ``sopdocs.__getattr__``), the
library facade ``sopdocs.api`` and the errors in ``sopdocs.errors``. The reference is
generated from the docstrings and never committed: CI builds it into a temporary folder
(scripts/test.sh) so that a broken docstring fails the build. The build fails when

- pdoc emits any warning (a module that does not import, an annotation that does not
  resolve, a name in ``__all__`` that does not exist, an unreadable docstring ...);
- a name of ``sopdocs.__all__`` is missing from the generated page;
- a Sphinx-style cross-reference in a documented docstring (``:class:`Archive```,
  ``:meth:`sopdocs.Register.list```, ``:data:`MAX_INLINE```) names nothing that exists.
  pdoc itself leaves such a reference as plain code without a warning.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import re
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

#: Documented modules. sopdocs.api is included as soon as it exists.
MODULES = ["sopdocs", "sopdocs.api", "sopdocs.errors"]
OPTIONAL = {"sopdocs.api"}

ROLE = re.compile(r":(?:py:)?(func|meth|class|data|attr|exc|mod|obj|const|type):`([^`]+)`")
_MISSING = object()


def _lookup(path: str, start: Any) -> Any:
    obj = start
    for part in path.split("."):
        obj = getattr(obj, part, _MISSING)
        if obj is _MISSING:
            return _MISSING
    return obj


def _import_prefix(target: str) -> Any:
    """The object a dotted absolute name points at, importing its longest module prefix."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        rest = ".".join(parts[cut:])
        return _lookup(rest, module) if rest else module
    return _MISSING


def _resolves(target: str, module: ModuleType | None, owner: Any) -> bool:
    """Whether a reference resolves: in the class, its module, builtins, sopdocs, or absolute."""
    target = target.strip().lstrip("~!").removesuffix("()")
    if "<" in target:  # "text <target>" form
        target = target.rsplit("<", 1)[1].rstrip(">").strip().lstrip("~")
    if target.startswith("."):
        target = target.lstrip(".")
    import sopdocs

    scopes: list[Any] = [s for s in (owner, module, builtins, sopdocs) if s is not None]
    for scope in scopes:
        if _lookup(target, scope) is not _MISSING:
            return True
    return _import_prefix(target) is not _MISSING


def _broken_references(modules: list[Any]) -> tuple[list[str], int]:
    """Unresolved cross-references in the documented docstrings, and how many were checked."""
    import pdoc.doc

    broken: list[str] = []
    checked = 0
    seen: set[int] = set()
    stack: list[Any] = list(modules)
    while stack:
        doc = stack.pop()
        if id(doc) in seen:
            continue
        seen.add(id(doc))
        defined_in, _qual = doc.taken_from
        module = sys.modules.get(defined_in)
        owner = None
        if isinstance(doc, pdoc.doc.Class):
            owner = doc.obj
        elif "." in doc.qualname:
            owner = _lookup(doc.qualname.rsplit(".", 1)[0], module) if module else None
            owner = None if owner is _MISSING else owner
        for role, target in ROLE.findall(doc.docstring or ""):
            checked += 1
            if not _resolves(target, module, owner):
                broken.append(f"{doc.fullname}: :{role}:`{target}` tidak merujuk ke apa pun")
        if isinstance(doc, (pdoc.doc.Module, pdoc.doc.Class)):
            stack.extend(doc.own_members)
    return broken, checked


def build(output: Path) -> list[str]:
    """Render the reference into ``output``; returns the problems found (empty: success)."""
    problems: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import pdoc
        import pdoc.doc

        import sopdocs

        # The public names load lazily; pdoc documents only names already in the module's
        # namespace, so resolve them all first (an unknown name raises here).
        for name in sopdocs.__all__:
            getattr(sopdocs, name)
        names = [m for m in MODULES if m not in OPTIONAL or importlib.util.find_spec(m) is not None]
        skipped = sorted(set(MODULES) - set(names))
        pdoc.render.configure(docformat="restructuredtext")
        pdoc.pdoc(*names, output_directory=output)
        documented = [pdoc.doc.Module.from_name(m) for m in names]
        broken, checked = _broken_references(documented)
        problems += broken
    for warning in caught:
        problems.append(f"{warning.filename}:{warning.lineno}: {warning.category.__name__}: {warning.message}")
    page = (output / "sopdocs.html").read_text(encoding="utf-8")
    for name in sopdocs.__all__:
        if f'id="{name}"' not in page:
            problems.append(f"sopdocs.{name} (di __all__) tidak ada di referensi API")
    for name in skipped:
        print(f"apidoc: {name} belum ada; dilewati", file=sys.stderr)
    print(f"apidoc: {', '.join(names)} -> {output} ({len(sopdocs.__all__)} public names, "
          f"{checked} cross-references checked)", file=sys.stderr)
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    problems = build(Path(argv[0]))
    for problem in problems:
        print(f"apidoc: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
