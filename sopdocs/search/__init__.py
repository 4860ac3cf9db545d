"""The full-text index (Whoosh by default, tantivy for large archives) and its
Indonesian analysis. ``open_index(archive_dir)`` picks the engine from the archive's
settings; everything else talks to :class:`sopdocs.search.index.SearchIndex`."""

from sopdocs.search.factory import open_index

__all__ = ["open_index"]
