"""Definition files: YAML with line numbers, validation, field types, the agency profile."""
