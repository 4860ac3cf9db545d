"""Load YAML definition files while remembering the line of every field.

Validation problems must name the file, the field path and the line, so the loader
keeps a map from field paths (``("langkah", 2, "pelaksana")``) to 1-based line
numbers alongside the plain data.

Definition files come from people and from mail attachments, so the loader is bounded:
a file larger than :data:`MAX_DEFINITION_BYTES`, a document that expands (aliases
resolved) to more than :data:`MAX_NODES` nodes or nests deeper than :data:`MAX_DEPTH`,
an alias to one of its own ancestors, a scalar longer than :data:`MAX_SCALAR`
characters, an integer of more than :data:`MAX_INT_DIGITS` digits, a value its tag
cannot hold (``2024-02-31``, ``!!int abc``) and any tag outside plain YAML
(``!!python/...``) are refused with the file, the line and the field, before anything
is built from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sopdocs.errors import Problem, ValidationError

FieldPath = tuple[str | int, ...]

#: Largest definition file read, in bytes (the biggest real ones are a few dozen KB).
MAX_DEFINITION_BYTES = 2 * 1024 * 1024
#: Most nodes a document may have once every alias is expanded (a YAML "billion laughs"
#: is refused while it is being composed, before it can grow).
MAX_NODES = 200_000
#: Deepest nesting of lists and mappings, aliases expanded (real definitions: under 10).
MAX_DEPTH = 64
#: Longest scalar (one text, key or number), in characters.
MAX_SCALAR = 100_000
#: Most digits of an integer written in a definition (an 18-digit NIP fits).
MAX_INT_DIGITS = 30


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


def _short_path(path: FieldPath, limit: int = 80) -> str | None:
    text = format_path(path)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text or None


# --------------------------------------------------------------------------- the bounded loader


class _Refused(yaml.MarkedYAMLError):
    """A document the loader will not build: a bound exceeded or a value its tag cannot hold."""

    def __init__(self, message: str, mark: Any, path: FieldPath = (), node: yaml.Node | None = None) -> None:
        super().__init__(problem=message, problem_mark=mark)
        self.message = message
        self.path = path
        self.node = node


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with the bounds of this module, checked while composing.

    Every node composed counts one, every alias the expanded size of what it points to
    (remembered per anchor, so the count costs nothing more than composing), so the
    expansion a document would reach is known before it exists.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0  # nodes so far, aliases expanded
        self._depth = 0  # nesting of the node being composed
        self._deepest = 0  # deepest level reached inside the node being composed
        self._open: set[str] = set()  # anchors of the nodes being composed (ancestors)
        self._extent: dict[int, tuple[int, int]] = {}  # id(anchored node) -> (expanded nodes, height)
        self._path: list[str | int | None] = []

    def _where(self) -> FieldPath:
        return tuple(part for part in self._path if part is not None)

    def _count(self, nodes: int, mark: Any) -> None:
        self._nodes += nodes
        if self._nodes > MAX_NODES:
            raise _Refused(
                f"dokumen terlalu besar: lebih dari {_angka(MAX_NODES)} unsur setelah alias (*) diuraikan "
                "(alias bertumpuk, \"billion laughs\"?)",
                mark, self._where(),
            )

    def _reach(self, depth: int, mark: Any) -> None:
        if depth > MAX_DEPTH:
            raise _Refused(f"susunan terlalu dalam: lebih dari {MAX_DEPTH} tingkat daftar/pemetaan bersarang",
                           mark, self._where())
        self._deepest = max(self._deepest, depth)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if isinstance(parent, yaml.SequenceNode):
            self._path.append(len(parent.value))
        elif isinstance(parent, yaml.MappingNode) and isinstance(index, yaml.ScalarNode):
            self._path.append(index.value)
        else:
            self._path.append(None)  # the document, or a mapping key
        try:
            return self._compose_bounded(parent, index)
        finally:
            self._path.pop()

    def _compose_bounded(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:
                raise _Refused(f"alias *{event.anchor} merujuk ke unsur yang memuatnya sendiri (berulang tanpa akhir)",
                               event.start_mark, self._where())
            node = super().compose_node(parent, index)  # an undefined alias is refused here
            nodes, height = self._extent[id(node)]
            self._count(nodes, event.start_mark)
            self._reach(self._depth + height, event.start_mark)
            return node
        depth = self._depth + 1
        self._reach(depth, event.start_mark)
        self._count(1, event.start_mark)
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_SCALAR:
            raise _Refused(f"nilai terlalu panjang: {_angka(len(event.value))} karakter, paling banyak "
                           f"{_angka(MAX_SCALAR)}", event.start_mark, self._where())
        anchor = event.anchor
        before, outer_deepest = self._nodes, self._deepest
        self._depth, self._deepest = depth, depth
        if anchor is not None:
            self._open.add(anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth = depth - 1
            if anchor is not None:
                self._open.discard(anchor)
        if anchor is not None:
            self._extent[id(node)] = (self._nodes - before, self._deepest - depth + 1)
        self._deepest = max(outer_deepest, self._deepest)
        return node

    # -- constructing

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, AttributeError, OverflowError, KeyError, IndexError) as exc:
            raise _Refused(_tag_problem(node, exc), node.start_mark, node=node) from None

    def construct_bounded_int(self, node: yaml.ScalarNode) -> int:
        digits = str(node.value).replace("_", "").lstrip("+-")
        if len(digits) > MAX_INT_DIGITS:
            raise _Refused(
                f"bilangan terlalu panjang ({_angka(len(digits))} angka, paling banyak {MAX_INT_DIGITS}); "
                "apit dengan tanda kutip bila maksudnya teks",
                node.start_mark, node=node,
            )
        return super().construct_yaml_int(node)

    def construct_refused_tag(self, node: yaml.Node) -> Any:
        raise _Refused(
            f"tag {_tag_name(node.tag)} tidak diizinkan: berkas definisi hanya berisi teks, angka, tanggal, "
            "ya/tidak, daftar dan pemetaan", node.start_mark, node=node,
        )


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_bounded_int)
_BoundedLoader.add_constructor(None, _BoundedLoader.construct_refused_tag)


def _angka(number: int) -> str:
    """``200000`` -> ``200.000`` (thousands grouped the Indonesian way)."""
    return f"{number:,}".replace(",", ".")


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _tag_problem(node: yaml.Node, exc: Exception) -> str:
    value = node.value if isinstance(node, yaml.ScalarNode) else ""
    shown = repr(value if len(value) <= 40 else value[:37] + "...")
    kind = {
        "tag:yaml.org,2002:timestamp": "tanggal yang ada (tulis di antara tanda kutip bila maksudnya teks)",
        "tag:yaml.org,2002:int": "bilangan bulat",
        "tag:yaml.org,2002:float": "bilangan",
        "tag:yaml.org,2002:bool": "ya/tidak (true/false)",
        "tag:yaml.org,2002:binary": "data base64",
    }.get(node.tag)
    if kind is not None:
        return f"{shown} bukan {kind}"
    return f"nilai {shown} tidak sesuai dengan tag {_tag_name(node.tag)} ({exc})"


# --------------------------------------------------------------------------- lines


def _collect_lines(
    node: yaml.Node,
    path: FieldPath,
    lines: dict[FieldPath, int],
    paths: dict[int, FieldPath],
    problems: list[str],
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    paths.setdefault(id(node), path)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            paths.setdefault(id(key_node), path + (key,))
            if key in seen:
                problems.append(f"{key_node.start_mark.line + 1}\0{format_path(path + (key,))}")
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _collect_lines(value_node, path + (key,), lines, paths, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, path + (index,), lines, paths, problems)


def _control_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    position = exc.position if isinstance(exc.position, int) else 0
    line = text.count("\n", 0, position) + 1
    char = exc.character
    code = ord(char) if isinstance(char, str) else int(char)
    what = "byte NUL (U+0000)" if code == 0 else f"karakter kendali U+{code:04X}"
    return Problem(f"berisi {what} yang tidak boleh ada di berkas YAML; simpan ulang sebagai teks UTF-8 biasa",
                   file=file, line=line)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse YAML text; syntax errors and refused content become a :class:`ValidationError`
    with the line (and the field when known)."""
    if len(text) > MAX_DEFINITION_BYTES:
        raise ValidationError([Problem(_too_big(len(text), "karakter"), file=file)])
    lines: dict[FieldPath, int] = {}
    paths: dict[int, FieldPath] = {}
    duplicates: list[str] = []
    try:
        loader = _BoundedLoader(text)  # checks every character first
        try:
            node = loader.get_single_node()
            if node is not None:
                _collect_lines(node, (), lines, paths, duplicates)
            if duplicates:
                problems = []
                for entry in duplicates:
                    line_text, name = entry.split("\0")
                    problems.append(Problem("kunci ditulis dua kali", file=file, field=name, line=int(line_text)))
                raise ValidationError(problems)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _Refused as exc:
        path = paths.get(id(exc.node), ()) if exc.node is not None else exc.path
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise ValidationError([Problem(exc.message, file=file, field=_short_path(path), line=line)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        if exc.context_mark is not None and exc.problem_mark is not None and exc.context_mark.line != exc.problem_mark.line:
            message += f" (bagian ini dimulai di baris {exc.context_mark.line + 1})"
        raise ValidationError(
            [Problem(f"YAML tidak valid: {message}", file=file, line=line)]
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, control codes)
        raise ValidationError([_control_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:  # other errors without a mark
        raise ValidationError([Problem(f"YAML tidak valid: {exc}", file=file)]) from None
    except RecursionError:  # not expected below MAX_DEPTH; never a traceback
        raise ValidationError([Problem(f"susunan terlalu dalam (lebih dari {MAX_DEPTH} tingkat)", file=file)]) from None
    return YamlDocument(data=data, file=file, lines=lines)


def _too_big(size: int, unit: str) -> str:
    return (f"berkas terlalu besar untuk berkas definisi ({_angka(size)} {unit}, paling banyak "
            f"{_angka(MAX_DEFINITION_BYTES)} byte)")


def load_yaml(path: Path) -> YamlDocument:
    """Read a UTF-8 YAML file (a BOM from Windows editors is accepted) of at most
    :data:`MAX_DEFINITION_BYTES` bytes."""
    path = Path(path)
    file = str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_DEFINITION_BYTES + 1)  # a FIFO or /dev/zero cannot make it read more
    except FileNotFoundError:
        raise ValidationError([Problem("berkas tidak ditemukan", file=file)]) from None
    except IsADirectoryError:
        raise ValidationError([Problem("bukan berkas, melainkan folder", file=file)]) from None
    except OSError as exc:
        raise ValidationError([Problem(f"tidak dapat dibaca: {exc.strerror}", file=file)]) from None
    if len(raw) > MAX_DEFINITION_BYTES:
        raise ValidationError([Problem(_too_big(max(len(raw), _size(path)), "byte"), file=file)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bom = 2 if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else 0
        hint = " (berkas UTF-16)" if bom else ""
        raise ValidationError(
            [Problem(f"bukan teks UTF-8{hint} (byte {exc.start}); simpan ulang sebagai UTF-8", file=file,
                     line=raw.count(b"\n", 0, exc.start) + 1)]
        ) from None
    return parse_yaml(text, file)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
