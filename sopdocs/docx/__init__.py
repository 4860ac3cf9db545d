"""The Word engine: the sandboxed render core, the compiled fast path, XML builders, text."""
