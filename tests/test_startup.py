"""Start-up: a command imports only what it needs (issue 16).

These tests look at ``sys.modules`` of a fresh interpreter, never at the clock: building
the command line and printing its help must not import the document engine, the index or
the definition models; the kinds' light records must match the kinds their modules register.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import archives_with_one_letter

from sopdocs.kinds import registry

ROOT = Path(__file__).resolve().parent.parent

#: Packages no ``--help`` needs (the render engine, the index, the models, the calendar).
HEAVY = ("docx", "docxtpl", "lxml", "jinja2", "whoosh", "pydantic", "pydantic_core", "holidays", "yaml",
         "matplotlib", "openpyxl", "pypdf", "sopdocs.kinds.sop", "sopdocs.kinds.surattugas",
         "sopdocs.kinds.kuesioner", "sopdocs.docx", "sopdocs.archive", "sopdocs.search", "sopdocs.workflow",
         "sopdocs.definitions.profile")


def modules_after(code: str, *argv: str) -> set[str]:
    """The modules a fresh interpreter has imported after running ``code`` (which may
    exit through ``SystemExit``, as ``--help`` does)."""
    probe = ("import json, sys\n"
             "try:\n" + "".join(f"    {line}\n" for line in code.splitlines()) +
             "except SystemExit:\n    pass\n"
             "sys.stdout.flush()\n"
             "sys.__stderr__.write('\\nMODULES=' + json.dumps(sorted(sys.modules)) + '\\n')\n")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, cwd=ROOT,
                          encoding="utf-8")
    marker = [line for line in done.stderr.splitlines() if line.startswith("MODULES=")]
    assert marker, done.stderr
    return set(json.loads(marker[-1].removeprefix("MODULES=")))


def heavy(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if any(name == h or name.startswith(h + ".") for h in HEAVY))


def test_building_the_parser_imports_nothing_heavy() -> None:
    modules = modules_after("from sopdocs.cli import build_parser\nbuild_parser()")
    assert "sopdocs.cli.render" in modules and "sopdocs.kinds.registry" in modules  # the probe worked
    assert heavy(modules) == []


@pytest.mark.parametrize("argv", [["--help"], ["render", "--help"], ["schema", "--help"], ["number", "--help"],
                                  ["render", "bukan-jenis", "x.yaml"]])
def test_help_and_bad_arguments_import_nothing_heavy(argv: list[str]) -> None:
    modules = modules_after("from sopdocs.cli import main\nsys.exit(main(sys.argv[1:]))", *argv)
    assert "argparse" in modules
    assert heavy(modules) == []


def test_render_help_lists_the_renderable_kinds_with_their_labels() -> None:
    done = subprocess.run([sys.executable, "-m", "sopdocs", "render", "--help"], capture_output=True, text=True,
                          cwd=ROOT, encoding="utf-8")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for name, kind in registry.kinds().items():
        shown = f"{name}: {kind.label}" + (" (bernomor)" if kind.numbered else "")
        assert (shown in text) == kind.renderable, name
    assert "{disposisi,kuesioner,sop,surat-tugas,surat-undangan" in text


def test_a_kind_that_is_not_there_is_refused_with_the_choices() -> None:
    done = subprocess.run([sys.executable, "-m", "sopdocs", "render", "nota-dinas", "x.yaml"], capture_output=True,
                          text=True, cwd=ROOT, encoding="utf-8")
    assert done.returncode == 2
    assert "invalid choice: 'nota-dinas'" in done.stderr and "'surat-tugas'" in done.stderr
    done = subprocess.run([sys.executable, "-m", "sopdocs", "schema", "profil"], capture_output=True, text=True,
                          cwd=ROOT, encoding="utf-8")
    assert done.returncode == 0 and json.loads(done.stdout)["title"].startswith("Profil instansi")


def test_light_records_match_the_registered_kinds() -> None:
    """Each :class:`KindInfo` in BUILTIN_KINDS says what its module registers, and every
    kind a built-in module registers has a record."""
    loaded = registry.kinds()
    infos = registry.builtin_kind_infos()
    for entry in registry.BUILTIN_KINDS:
        if not isinstance(entry, registry.KindInfo):
            continue
        kind = loaded[entry.name]
        assert entry == registry.KindInfo(kind.name, entry.module, kind.label, numbered=kind.numbered,
                                          renderable=kind.renderable, schema=kind.model is not None,
                                          code=kind.code), entry.name
        assert registry._ORIGIN[entry.name] == entry.module
    builtin_modules = {registry._module(entry) for entry in registry.BUILTIN_KINDS}
    registered_by_builtins = {name for name, origin in registry._ORIGIN.items() if origin in builtin_modules}
    assert registered_by_builtins <= set(infos)
    from sopdocs.kinds.schemas import PROFILE, models

    assert sorted(registry.KindNames(lambda info: info.schema, extra=(PROFILE,))) == sorted(models())


def test_a_bare_module_name_in_builtin_kinds_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = next(e for e in registry.BUILTIN_KINDS if isinstance(e, registry.KindInfo) and e.name == "nota-dinas")
    bare = tuple(entry.module if e is entry else e for e in registry.BUILTIN_KINDS)
    monkeypatch.setattr(registry, "BUILTIN_KINDS", bare)
    assert registry.builtin_kind_infos()["nota-dinas"] == entry
    assert registry.kind_info("nota-dinas") == entry
    assert "nota-dinas" not in registry.KindNames(lambda info: info.renderable)


def test_kinds_added_at_run_time_are_known_to_the_light_records() -> None:
    base = registry.get_kind("disposisi")
    extra = replace(base, name="uji-jenis-tambahan", label="Jenis Tambahan", template="uji-jenis-tambahan.docx")
    registry.register_kind(extra)
    try:
        assert registry.kind_info("uji-jenis-tambahan") == registry.KindInfo(
            "uji-jenis-tambahan", __name__, "Jenis Tambahan", renderable=True, schema=True, code=base.code)
        assert "uji-jenis-tambahan" in registry.KindNames(lambda info: info.renderable)
        assert registry.label("uji-jenis-tambahan") == "Jenis Tambahan"
    finally:
        registry._KINDS.pop("uji-jenis-tambahan")
        registry._ORIGIN.pop("uji-jenis-tambahan")
    assert registry.kind_info("foto") is None and registry.label("foto") == "foto"


def test_number_take_imports_no_kind_module(tmp_path: Path, example_copy: Path) -> None:
    argv = ["number", "take", "surat-tugas", "--date", "8 Januari 2024", "--subject", "Uji",
            "--profil", str(example_copy / "profil.yaml"), "--archive", str(tmp_path / "arsip")]
    modules = modules_after("from sopdocs.cli import main\ncode = main(sys.argv[1:])\nassert code == 0", *argv)
    assert "sopdocs.numbering.register" in modules
    loaded_kinds = sorted(name for name in modules
                          if name.startswith("sopdocs.kinds.") and name not in ("sopdocs.kinds.registry",))
    assert loaded_kinds == []


def test_getting_a_built_in_kind_imports_only_its_module() -> None:
    modules = modules_after("from sopdocs.kinds.registry import get_kind\n"
                            "assert get_kind('surat-tugas').name == 'surat-tugas'")
    loaded_kinds = sorted(name for name in modules
                          if name.startswith("sopdocs.kinds.") and name != "sopdocs.kinds.registry")
    assert loaded_kinds == ["sopdocs.kinds.surattugas"]  # not the SOP sheet, the questionnaire...


# --------------------------------------------------------------------------- one command, one module

#: Imported by no ``number take`` and no tantivy ``search``: the models, the document
#: engine, the index engine they do not use, the kinds' own modules.
NOT_FOR_SHORT_COMMANDS = ("pydantic", "pydantic_core", "docx", "docxtpl", "jinja2", "holidays", "matplotlib",
                          "openpyxl", "pypdf", "sopdocs.kinds.sop", "sopdocs.kinds.surattugas", "sopdocs.kinds.kuesioner",
                          "sopdocs.kinds.notadinas", "sopdocs.kinds.disposisi", "sopdocs.docx.render",
                          "sopdocs.definitions.profile", "sopdocs.definitions.settingsmodel", "sopdocs.workflow.activity")


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(name for name in modules if any(name == n or name.startswith(n + ".") for n in names))


def test_the_command_table_matches_the_modules() -> None:
    """``COMMANDS`` (names, order, help lines) says what the modules register."""
    import argparse
    import importlib

    from sopdocs import cli

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    listed = [(action.dest, action.help) for action in sub._choices_actions]
    assert listed == [(name, help_line) for name, (_, help_line) in cli.COMMANDS.items()]
    for module in {module for module, _ in cli.COMMANDS.values()}:
        alone = argparse.ArgumentParser()
        names = alone.add_subparsers()
        importlib.import_module(f"sopdocs.cli.{module}").add_parser(names, cli._templates_arg)
        assert sorted(names.choices) == sorted(n for n, (m, _) in cli.COMMANDS.items() if m == module), module


@pytest.mark.parametrize("argv", [
    ["--help"], ["render", "--help"], ["number", "take", "--help"], ["search", "--help"], ["demo", "--help"], [],
    ["bukan-perintah"], ["--version"], ["--vers"], ["-x"], ["search"], ["schema", "bukan"], ["--help", "render"],
    ["render", "nota-dinas", "x.yaml"], ["number", "list", "--year", "abc"], ["search", "x", "--limit", "zz"],
    ["--", "render"], ["number", "take", "surat-tugas", "--date", "8 Januari 2024"], ["search", "kata", "--json"],
    ["templates"], ["import", "sop", "x.docx", "-o", "x.yaml"], ["archive", "verify"], ["search", "x", "render"],
    ["run", "demo"], ["search", "--kind"],
])
def test_a_parser_for_one_command_parses_as_the_whole_one(argv: list[str], capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from sopdocs import cli

    monkeypatch.setenv("COLUMNS", "100")

    def parse(parser: Any) -> tuple[object, str, str]:
        try:
            result: object = sorted((key, repr(value)) for key, value in vars(parser.parse_args(argv)).items())
        except SystemExit as stop:
            result = stop.code
        out = capsys.readouterr()
        return result, out.out, out.err

    assert parse(cli.build_parser(argv)) == parse(cli.build_parser())


def test_number_take_imports_only_what_it_needs(tmp_path: Path, example_copy: Path) -> None:
    argv = ["number", "take", "surat-tugas", "--date", "8 Januari 2024", "--subject", "Uji",
            "--profil", str(example_copy / "profil.yaml"), "--archive", str(tmp_path / "arsip")]
    modules = modules_after("from sopdocs.cli import main\ncode = main(sys.argv[1:])\nassert code == 0", *argv)
    assert "sopdocs.definitions.quickprofile" in modules  # the probe worked
    assert loaded(modules, NOT_FOR_SHORT_COMMANDS + ("whoosh", "tantivy", "sopdocs.search")) == []
    assert loaded(modules, ("sopdocs.cli",)) == ["sopdocs.cli", "sopdocs.cli.base", "sopdocs.cli.number"]


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return archives_with_one_letter(tmp_path_factory.mktemp("startup"))


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_search_imports_only_what_it_needs(archives: dict[str, Path], engine: str) -> None:
    argv = ["search", "pendataan", "--archive", str(archives[engine]), "--json"]
    modules = modules_after("from sopdocs.cli import main\ncode = main(sys.argv[1:])\nassert code == 0", *argv)
    assert "sopdocs.search" in modules  # the probe worked
    assert engine in modules
    unused = "tantivy" if engine == "whoosh" else "whoosh"
    assert loaded(modules, NOT_FOR_SHORT_COMMANDS + (unused, "yaml", "sopdocs.numbering", "sopdocs.workflow")) == []
    assert {"sopdocs.cli", "sopdocs.cli.search"} <= set(loaded(modules, ("sopdocs.cli",))) <= {
        "sopdocs.cli", "sopdocs.cli.base", "sopdocs.cli.archive", "sopdocs.cli.search"}  # (search borrows archive's --archive)


@pytest.mark.parametrize("columns", [None, "40", "100", "0", "-3", "abc", ""])
def test_the_help_is_as_wide_as_shutil_says(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    """The CLI's formatter sizes the help without importing shutil, with shutil's answer."""
    import shutil

    from sopdocs.cli import terminal_columns

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns() == shutil.get_terminal_size().columns


@pytest.mark.parametrize("argv", [["--help"], ["number", "--help"]])
def test_help_does_not_import_shutil(argv: list[str]) -> None:
    modules = modules_after("from sopdocs.cli import main\nsys.exit(main(sys.argv[1:]))", *argv)
    assert "argparse" in modules and "shutil" not in modules and "bz2" not in modules
