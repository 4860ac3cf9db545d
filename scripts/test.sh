#!/usr/bin/env bash
# Install everything the tests need and run them: system packages (LibreOffice, fonts,
# poppler) when missing, a fresh virtual environment with sopdocs and its test extras, then
# the import layering check (lint-imports), the type check (mypy), the API reference build
# (pdoc) and pytest. Each must pass.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet ".[test]"
# Import layering and cycles: the contracts in pyproject.toml [tool.importlinter].
echo "== lint-imports" >&2
.venv/bin/lint-imports --no-cache --no-logo
# Types: sopdocs and bench at the strictness in pyproject.toml [tool.mypy].
echo "== mypy" >&2
.venv/bin/python -m mypy
# API reference of the public modules (sopdocs, sopdocs.api, sopdocs.errors) generated from
# the docstrings with pdoc into a temporary folder, never into the repository: any pdoc
# warning, a public name left out or a docstring cross-reference to nothing fails the build.
echo "== API reference (pdoc)" >&2
apidoc_dir="$(mktemp -d)"
# Run from the temporary folder: the installed package is documented, and pdoc does not
# warn that ./sopdocs (this checkout) could be meant instead.
here="$(pwd)"
(cd "$apidoc_dir" && "$here/.venv/bin/python" "$here/scripts/apidoc.py" "$apidoc_dir/html")
rm -rf "$apidoc_dir"
# pytest imports sopdocs from this checkout; subprocess tests use the installed copy.
# Two workers: the machine (and CI) has 2 cores; tests share no state but their tmp_path.
exec .venv/bin/python -m pytest -p no:cacheprovider -n 2 "$@"
