#!/usr/bin/env bash
# Quick start, first command: set up the embedded default (SQLite, no other service), load the demo
# content and serve the portal on http://127.0.0.1:8000. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-portal.settings.dev}
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput --verbosity 0
.venv/bin/python manage.py load_demo
echo "Serving the portal on http://${HOST:-127.0.0.1}:${PORT:-8000}/  (admin: /admin/)"
exec .venv/bin/python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
