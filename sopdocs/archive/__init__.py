"""Case files (BagIt bags), fixity, retention, and the archive that ties them to the index."""
