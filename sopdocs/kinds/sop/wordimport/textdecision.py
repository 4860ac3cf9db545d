"""Decision targets written in words: "Ya: lanjut ke langkah 8; Tidak: kembali ke langkah 6"."""

from __future__ import annotations

import re

_TARGET = r"[^.;\d]{0,60}?(?:langkah|no\.?|nomor|kegiatan|butir|tahap)\s*(?:ke[- ]?)?\s*(\d{1,2})\b"
_YA = re.compile(r"(?<![a-z])(?:jika|bila|apabila|kalau)?\s*\(?ya\)?\b" + _TARGET, re.IGNORECASE)
_TIDAK = re.compile(r"(?<![a-z])(?:jika|bila|apabila|kalau)?\s*\(?(?:tidak|tdk)\)?\b" + _TARGET, re.IGNORECASE)


def targets_in_text(text: str) -> dict[str, int]:
    """{"ya": n, "tidak": m} (step numbers, 1-based) for the branches the text names."""
    found: dict[str, int] = {}
    for branch, pattern in (("ya", _YA), ("tidak", _TIDAK)):
        match = pattern.search(text)
        if match:
            found[branch] = int(match.group(1))
    return found
