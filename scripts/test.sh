#!/usr/bin/env bash
# Quick start, second command: set up and run the whole test suite (lint, checks, unit, browser).
# DATABASE_URL picks the database (default: SQLite); extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi
# The W3C Nu HTML checker (tests/portal/test_valid_html.py): vnu.jar from npm, pinned, in the git-ignored .tools/.
VNU_VERSION=26.9.27
if ! command -v java >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Installing Java and npm for the HTML checker..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq default-jre-headless npm >/dev/null
fi
VNU_DIR=.tools/node_modules/vnu-jar
if [ ! -f "$VNU_DIR/build/dist/vnu.jar" ] \
   || [ "$(node -p "require('./$VNU_DIR/package.json').version" 2>/dev/null)" != "$VNU_VERSION" ]; then
  echo "Installing the W3C Nu HTML checker (vnu-jar $VNU_VERSION)..."
  npm install --prefix .tools --no-save --no-audit --no-fund --ignore-scripts --silent "vnu-jar@$VNU_VERSION"
fi
export DJANGO_SETTINGS_MODULE=portal.settings.test
.venv/bin/ruff check .
.venv/bin/lint-imports --no-logo  # app layers and acyclic modules (pyproject: [tool.importlinter])
.venv/bin/python manage.py check
.venv/bin/python manage.py makemigrations --check --dry-run
if [ "$#" -gt 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
# Browser tests flush the database between tests (live server), so they run in a session of their own.
.venv/bin/python -m pytest -m "not browser"
.venv/bin/python -m pytest -m browser tests/browser
