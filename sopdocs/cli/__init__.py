"""The ``sopdocs`` command: a thin layer over the Python API.

English verbs (render, number, archive, search, run, demo), Indonesian nouns
(surat-tugas, kuesioner, disposisi). The parser, the shared helpers and :func:`main`
are in :mod:`sopdocs.cli.base` (and can be imported from here); this module stays
import-free, because every command, and a search answered by the search service
(:mod:`sopdocs.cli.service`) in a few milliseconds, starts by importing it.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sopdocs.cli.base import main

__all__ = ["entry_point", "main"]


def entry_point() -> None:
    """The ``sopdocs`` console script. A search goes to the user's search service when
    one runs (and starts one for the next search when none does); everything else, and a
    search the service cannot answer, runs here."""
    argv = sys.argv[1:]
    if argv[:1] == ["search"]:
        from sopdocs.cli import service

        code = service.answer(argv)
        if code is not None:
            sys.exit(code)
    from sopdocs.cli.base import main as run_here

    sys.exit(run_here(argv))


def __getattr__(name: str) -> object:
    """The names of :mod:`sopdocs.cli.base` (``main``, ``build_parser``, ``COMMANDS``...),
    loaded on first use."""
    if name.startswith("__") or _is_submodule(name):
        raise AttributeError(name)  # ``from sopdocs.cli import search`` then imports the module
    from sopdocs.cli import base

    try:
        return getattr(base, name)
    except AttributeError:
        raise AttributeError(f"module 'sopdocs.cli' has no attribute {name!r}") from None


def _is_submodule(name: str) -> bool:
    import os

    return os.path.exists(os.path.join(os.path.dirname(__file__), f"{name}.py"))
