"""PDF copies: LibreOffice conversion and post-processing (metadata, stamps, merging)."""
