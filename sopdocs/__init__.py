"""sopdocs: render, number, archive and search Indonesian SOP paperwork."""

from __future__ import annotations

__version__ = "0.1.0"
