"""``python -m sopdocs``."""

from sopdocs.cli import entry_point

entry_point()
