#!/usr/bin/env bash
# Install everything the tests need and run them: system packages (LibreOffice, fonts,
# poppler) when missing, a fresh virtual environment with sopdocs and pytest, then pytest.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet ".[test]"
# pytest imports sopdocs from this checkout; subprocess tests use the installed copy.
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
