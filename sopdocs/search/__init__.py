"""The full-text index (Whoosh) and its Indonesian analysis."""
