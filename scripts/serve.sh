#!/usr/bin/env bash
# Quick start, first command: set up the embedded default (SQLite, no other service), load the demo
# content and serve the portal on http://127.0.0.1:8000. Safe to run again.
# HOST and PORT choose where it listens (PORT=8200 scripts/serve.sh); the public address in links, the
# sitemap and emails follows them unless PORTAL_BASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-portal.settings.dev}
export HOST=${HOST:-127.0.0.1} PORT=${PORT:-8000}
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput --verbosity 0
.venv/bin/python manage.py load_demo
.venv/bin/python manage.py sync_site
echo "Serving the portal on http://${HOST}:${PORT}/  (admin: /admin/)"
exec .venv/bin/python manage.py runserver "${HOST}:${PORT}"
