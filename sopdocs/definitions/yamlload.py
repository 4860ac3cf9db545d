"""Load YAML definition files while remembering the line of every field.

Validation problems must name the file, the field path and the line, so the loader
keeps a map from field paths (``("langkah", 2, "pelaksana")``) to 1-based line
numbers alongside the plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sopdocs.errors import Problem, ValidationError

FieldPath = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """Plain data of a YAML file plus where each field was written."""

    data: Any
    file: str
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line(self, path: FieldPath) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def problem(self, path: FieldPath, message: str, severity: str = "error") -> Problem:
        return Problem(
            message=message,
            file=self.file,
            field=format_path(path) or None,
            line=self.line(path),
            severity=severity,  # type: ignore[arg-type]
        )


def format_path(path: FieldPath) -> str:
    """``("langkah", 2, "pelaksana")`` -> ``langkah[3].pelaksana`` (1-based, as people count)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _collect_lines(node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int], problems: list[str]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            if key in seen:
                problems.append(f"{key_node.start_mark.line + 1}\0{format_path(path + (key,))}")
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _collect_lines(value_node, path + (key,), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, path + (index,), lines, problems)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse YAML text; syntax errors become a :class:`ValidationError` with the line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        loader = yaml.SafeLoader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        if exc.context_mark is not None and exc.problem_mark is not None and exc.context_mark.line != exc.problem_mark.line:
            message += f" (bagian ini dimulai di baris {exc.context_mark.line + 1})"
        raise ValidationError(
            [Problem(f"YAML tidak valid: {message}", file=file, line=line)]
        ) from None
    except yaml.YAMLError as exc:  # reader errors (bad characters) have no problem_mark
        raise ValidationError([Problem(f"YAML tidak valid: {exc}", file=file)]) from None
    lines: dict[FieldPath, int] = {}
    duplicates: list[str] = []
    if node is not None:
        _collect_lines(node, (), lines, duplicates)
    if duplicates:
        problems = []
        for entry in duplicates:
            line_text, name = entry.split("\0")
            problems.append(Problem("kunci ditulis dua kali", file=file, field=name, line=int(line_text)))
        raise ValidationError(problems)
    return YamlDocument(data=data, file=file, lines=lines)


def load_yaml(path: Path) -> YamlDocument:
    """Read a UTF-8 YAML file (a BOM from Windows editors is accepted)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError([Problem("berkas tidak ditemukan", file=str(path))]) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [Problem(f"bukan teks UTF-8 (byte {exc.start}); simpan ulang sebagai UTF-8", file=str(path))]
        ) from None
    except OSError as exc:
        raise ValidationError([Problem(f"tidak dapat dibaca: {exc.strerror}", file=str(path))]) from None
    return parse_yaml(text, str(path))
