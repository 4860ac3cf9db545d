"""Pipelines over the kinds: issuing one numbered document, and a whole activity."""
