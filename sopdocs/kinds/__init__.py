"""Document kinds, one module each, registered in :mod:`sopdocs.kinds.registry`."""
