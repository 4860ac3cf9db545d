"""Property-based fuzzing of every input sopdocs reads, run by ``tests/test_fuzz.py`` in a
child process under a memory limit and a time limit.

Each target feeds generated input through the real command line (``sopdocs.cli.main``) and
checks the one promise every input path keeps: the command ends with exit 0, 1 (``verify``
found damage, ``templates check`` found a problem) or 2 (a user error, one clear message),
never with an exception escaping and never with a traceback printed.

Usage: ``python tests/fuzz_driver.py TARGET [EXAMPLES]`` with TARGET one of
``definitions``, ``responses``, ``queries``, ``templates``, ``metadata``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import itertools
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ALLOWED_EXITS = {"definitions": {0, 2}, "responses": {0, 2}, "queries": {0, 2},
                 "templates": {0, 1, 2}, "metadata": {0, 1, 2}}
#: Seconds one generated input may take (Hypothesis' own per-example deadline).
EXAMPLE_DEADLINE_MS = 20_000

WORK = Path(tempfile.mkdtemp(prefix="sopdocs-fuzz-"))


def cli(*args: str) -> tuple[int, str]:
    """Run the command line in process; return its exit code and everything it printed."""
    from sopdocs.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse refusing an argument
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue() + err.getvalue()


def check(target: str, code: int, printed: str) -> None:
    assert "Traceback" not in printed, printed[-2000:]
    assert code in ALLOWED_EXITS[target], (code, printed[-2000:])


_COUNTER = itertools.count()


def fresh(name: str) -> Path:
    folder = WORK / f"{name}-{next(_COUNTER):06d}"
    folder.mkdir(parents=True)
    return folder


# --------------------------------------------------------------------------- values

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**20, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=60),
    st.sampled_from(["2024-02-31", "2024-13-01", "0000-01-01", "32 Januari 2024", "08.00", "25.00", "1 jam",
                     "~", "&a", "*a", "!!int abc", "\x00", "\x1b[2J", "{{ 7*7 }}", "{% include 'x' %}",
                     "=1+1", "x" * 5000, "19850312 201001 1 004", "K-2024-0001", "-", "", " "]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=6),
                                                       st.dictionaries(st.text(max_size=12), inner, max_size=6)),
                      max_leaves=25)
YAMLISH = st.lists(st.sampled_from(["a: &x [1, 2]\n", "b: *x\n", "c: !!int abc\n", "d: [[[[[[\n", "e: {\n",
                                    "<<: *x\n", "f: 2024-02-31\n", "g: !!python/object:os.system x\n",
                                    "  - \t- x\n", "h: '\n", "\ufeffi: 1\n", "j: |\n  k\n", "%YAML 1.1\n---\n"]),
                   max_size=8).map("".join)


def mutate(data: Any, draw: Any) -> Any:
    """Replace, delete or add one key somewhere in a definition."""
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data, key=str)))
        action = draw(st.sampled_from(["replace", "delete", "add", "descend"]))
        if action == "replace":
            data[key] = draw(VALUES)
        elif action == "delete":
            del data[key]
        elif action == "add":
            data[draw(st.text(min_size=1, max_size=12))] = draw(VALUES)
        else:
            data[key] = mutate(data[key], draw)
    elif isinstance(data, list) and data:
        index = draw(st.integers(min_value=0, max_value=len(data) - 1))
        data[index] = mutate(data[index], draw) if draw(st.booleans()) else draw(VALUES)
    else:
        return draw(VALUES)
    return data


# --------------------------------------------------------------------------- targets

DEFINITIONS = {
    "sop": "sop-pendataan.yaml",
    "surat-tugas": "surat-tugas.yaml",
    "surat-undangan": "surat-undangan.yaml",
    "kuesioner": "kuesioner-pendataan.yaml",
    "disposisi": "disposisi.yaml",
}


def examples_copy() -> Path:
    folder = fresh("contoh")
    shutil.copytree(EXAMPLES, folder / "examples")
    return folder / "examples"


@st.composite
def definition_text(draw: Any) -> tuple[str, str]:
    kind = draw(st.sampled_from(sorted(DEFINITIONS)))
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        return kind, draw(YAMLISH)
    data = yaml.safe_load((EXAMPLES / DEFINITIONS[kind]).read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        data = mutate(data, draw)
    try:
        return kind, yaml.safe_dump(data, allow_unicode=True)
    except (yaml.YAMLError, ValueError, RecursionError):
        return kind, draw(YAMLISH)


def fuzz_definitions(examples: int) -> None:
    base = examples_copy()

    @settings(max_examples=examples, deadline=EXAMPLE_DEADLINE_MS, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(definition_text())
    def run(case: tuple[str, str]) -> None:
        kind, text = case
        path = base / f"fuzz-{kind}.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        out = fresh("keluar")
        code, printed = cli("render", kind, str(path), "-o", str(out), "--archive", str(out / "arsip"), "--konsep")
        check("definitions", code, printed)

    run()


CSV_VALUES = st.one_of(st.text(max_size=30), st.sampled_from(["1e308", "inf", "nan", "-0", "99999999999999999999",
                                                               "=HYPERLINK(\"x\")", "\"", ";", "\r\n", "K-2024-0001",
                                                               "PT", "Ya", "Tidak", "25", "1.250", "12,5"]))


@st.composite
def responses(draw: Any) -> tuple[str, bytes]:
    header = (EXAMPLES / "jawaban.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    columns = header.split(";") if header.count(";") >= header.count(",") else header.split(",")
    if draw(st.booleans()):
        rows = draw(st.lists(st.lists(CSV_VALUES, min_size=len(columns), max_size=len(columns)), max_size=8))
        text = "\n".join([header] + [";".join(v.replace(";", " ") for v in row) for row in rows])
        return "csv", text.encode("utf-8", "surrogatepass")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(columns)
    cells = st.one_of(CSV_VALUES, st.floats(allow_nan=False, allow_infinity=False), st.integers(), st.booleans(),
                      st.dates(), st.none())
    for row in draw(st.lists(st.lists(cells, min_size=len(columns), max_size=len(columns)), max_size=8)):
        try:
            sheet.append([v if not isinstance(v, str) else "".join(c for c in v if c >= " ") for v in row])
        except (ValueError, TypeError):
            continue
    buffer = io.BytesIO()
    book.save(buffer)
    return "xlsx", buffer.getvalue()


def fuzz_responses(examples: int) -> None:
    base = examples_copy()

    @settings(max_examples=examples, deadline=EXAMPLE_DEADLINE_MS, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(responses())
    def run(case: tuple[str, bytes]) -> None:
        suffix, data = case
        path = base / f"jawaban-fuzz.{suffix}"
        path.write_bytes(data)
        out = fresh("rekap")
        code, printed = cli("recap", str(path), "--questionnaire", str(base / "kuesioner-pendataan.yaml"),
                            "-o", str(out), "--archive", str(out / "arsip"), "--tanggal", "18 Januari 2024")
        check("responses", code, printed)

    run()


def small_archive() -> Path:
    """An archive holding the seed activity's case file (made once per run)."""
    from sopdocs.workflow.activity import run_activity

    root = fresh("arsip")
    run_activity(examples_copy() / "pendataan-2024.yaml", archive=root)
    return root


QUERY_PARTS = st.sampled_from(["pendataan", "surat", "tugas", "*", "?", "~", "~99", "[", "]", "{", "}", " TO ",
                               "(", ")", "\"", ":", "^", "AND", "OR", "NOT", "kind:", "text:", "nomor:", "a", "e",
                               "800.1.11.1/001", "19850312 201001 1 004", "\\", "/", "-", "+", "\x1b", "\u0000"])
QUERIES = st.one_of(st.text(max_size=40), st.lists(QUERY_PARTS, max_size=10).map("".join))


def fuzz_queries(examples: int) -> None:
    root = small_archive()

    @settings(max_examples=examples, deadline=EXAMPLE_DEADLINE_MS, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(QUERIES, st.sampled_from([[], ["--json"], ["--kind", "surat-tugas"], ["--from", "2024-01-01"]]))
    def run(query: str, extra: list[str]) -> None:
        code, printed = cli("search", query, "--archive", str(root), *extra)
        check("queries", code, printed)

    run()


TEMPLATE_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(["{{ ", " }}", "{% ", " %}", "{%p ", "{%tr ", "surat.nomor", "logo", "profil",
                              ".__class__", ".tpl", "|romawi", "|tanggal", "range(100000)", "for x in ", "endfor",
                              "if ", "endif", "include 'a'", "'x' * 2000000000", "10**5000", "1/0", "macro m()",
                              "m()", "endmacro", "}}", "{{", "lipsum", "cycler"]), max_size=12).map("".join),
)


def fuzz_templates(examples: int) -> None:
    from docx import Document

    @settings(max_examples=examples, deadline=EXAMPLE_DEADLINE_MS, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(TEMPLATE_TEXT, st.sampled_from(["surat-tugas.docx", "disposisi.docx", "surat-undangan.docx"]))
    def run(text: str, name: str) -> None:
        folder = fresh("templat")
        document = Document()
        try:
            document.add_paragraph(text)
        except ValueError:  # python-docx refuses XML-incompatible characters
            document.add_paragraph("".join(c for c in text if c >= " "))
        document.save(str(folder / name))
        code, printed = cli("templates", "check", str(folder))
        check("templates", code, printed)

    run()


METADATA_FILES = ["data/berkas.json", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", "bagit.txt"]


@st.composite
def damaged(draw: Any) -> tuple[str, bytes]:
    name = draw(st.sampled_from(METADATA_FILES))
    how = draw(st.sampled_from(["text", "bytes", "json", "truncate", "empty"]))
    if how == "text":
        return name, draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    if how == "bytes":
        return name, draw(st.binary(max_size=200))
    if how == "json":
        return name, json.dumps(draw(VALUES), default=str).encode("utf-8", "surrogatepass")
    return name, b"" if how == "empty" else b"{\"items\": [{"


def fuzz_metadata(examples: int) -> None:
    source = small_archive()

    @settings(max_examples=examples, deadline=EXAMPLE_DEADLINE_MS, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(damaged())
    def run(case: tuple[str, bytes]) -> None:
        name, data = case
        root = fresh("rusak")
        shutil.copytree(source, root, dirs_exist_ok=True)
        (root / "berkas" / "PENDATAAN-2024-01" / name).write_bytes(data)
        for command in (["archive", "verify"], ["archive", "list"], ["search", "pendataan"], ["archive", "reindex"]):
            code, printed = cli(*command, "--archive", str(root))
            check("metadata", code, printed)

    run()


TARGETS = {"definitions": fuzz_definitions, "responses": fuzz_responses, "queries": fuzz_queries,
           "templates": fuzz_templates, "metadata": fuzz_metadata}


def main(argv: list[str]) -> int:
    target = argv[0]
    examples = int(argv[1]) if len(argv) > 1 else 25
    try:
        TARGETS[target](examples)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"{target}: {examples} contoh, semua berakhir 0/1/2 tanpa traceback")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SOPDOCS_ARCHIVE", str(WORK / "bawaan"))
    sys.exit(main(sys.argv[1:]))
