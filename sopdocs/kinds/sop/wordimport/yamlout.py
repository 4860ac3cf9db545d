"""The definition YAML, written by hand so that every doubt sits as a comment beside the
field it concerns (``# PERIKSA: ...``)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from sopdocs.kinds.sop.wordimport.findings import Finding

LIST_KEYS = ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan", "peringatan",
             "pencatatan_pendataan")


def scalar(value: object) -> str:
    """A YAML scalar that reads back as exactly ``value`` (plain when safe, else quoted)."""
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, int):
        return json.dumps(value)
    text = str(value)
    if text and "\n" not in text and text == text.strip():
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)


def _comments(findings: list[Finding], indent: str) -> list[str]:
    return [f"{indent}# PERIKSA: {' '.join(str(f.message).split())}" for f in findings]


def _list(key: str, items: list[str], indent: str) -> list[str]:
    if not items:
        return [f"{indent}{key}: []"]
    return [f"{indent}{key}:", *(f"{indent}  - {scalar(item)}" for item in items)]


def to_yaml(data: dict[str, Any], findings: list[Finding], header: list[str], *,
            step_notes: dict[int, list[str]] | None = None, commented: dict[int, str] | None = None) -> str:
    """``data``: the definition in key order; ``findings`` become comments above their field;
    ``commented``: per step (0-based) a line to write commented out (an unreadable decision)."""
    by_key: dict[tuple[int | None, str], list[Finding]] = {}
    for finding in findings:
        by_key.setdefault((finding.step, finding.field.split(".")[0]), []).append(finding)
    lines = [f"# {line}" for line in header]
    for key, value in data.items():
        if key == "langkah":
            lines.append("")
            lines.extend(_comments(by_key.get((None, "langkah"), []), ""))
            lines.append("langkah:")
            for index, step in enumerate(value):
                number = index + 1
                for note in (step_notes or {}).get(index, []):
                    lines.append(f"  # {note}")
                lines.extend(_comments(by_key.get((number, "kegiatan"), []) + by_key.get((number, "langkah"), []), "  "))
                first = True
                for field, item in step.items():
                    indent = "  - " if first else "    "
                    pad = "    "
                    if not first:
                        lines.extend(_comments(by_key.get((number, field), []), pad))
                    if field == "kelengkapan":
                        if not item:
                            lines.append(f"{indent}kelengkapan: []")
                        else:
                            lines.append(f"{indent}kelengkapan:")
                            lines.extend(f"{pad}  - {scalar(x)}" for x in item)
                    elif field == "keputusan":
                        lines.append(f"{indent}keputusan:")
                        for branch_key, branch in item.items():
                            lines.append(f"{pad}  {branch_key}: {scalar(branch)}")
                    else:
                        lines.append(f"{indent}{field}: {scalar(item)}".rstrip())
                    first = False
                extra = [f for f in ("keputusan",) if f not in step]
                for field in extra:
                    lines.extend(_comments(by_key.get((number, field), []), pad))
                if commented and index in commented:
                    lines.append(f"    # {commented[index]}")
            continue
        lines.extend(_comments(by_key.get((None, key), []), ""))
        if key in LIST_KEYS or key == "pelaksana":
            lines.extend(_list(key, list(value), ""))
        elif key == "disahkan_oleh":
            if value is None:
                lines.append("# disahkan_oleh: bila tidak diisi, kepala instansi dari profil")
            else:
                lines.append("disahkan_oleh:")
                lines.extend(f"  {k}: {scalar(v)}" for k, v in value.items())
        else:
            lines.append(f"{key}: {scalar(value)}".rstrip())
    return "\n".join(lines) + "\n"
