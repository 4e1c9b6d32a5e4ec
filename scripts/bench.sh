#!/usr/bin/env bash
# `make bench`: serve the portal with gunicorn (2 sync workers) on 127.0.0.1 and load its pages with
# wrk, against the demo data, next to a trivial Django view. Extra arguments go to `manage.py bench`
# (e.g. --duration 30 --json var/bench.json; see `manage.py bench --help`). Then it times
# `manage.py escalate_unresolved` over the data set on a copy of the database (`manage.py bench_escalate`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
if ! command -v wrk >/dev/null 2>&1; then
  echo "Installing Debian's wrk..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
export DJANGO_SETTINGS_MODULE=portal.settings.bench
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput --verbosity 0
.venv/bin/python manage.py load_demo
# The benchmark data set: 100,000 questions with ~5 answers each (idempotent: a second run adds nothing).
.venv/bin/python manage.py seed_bulk --questions "${BENCH_QUESTIONS:-100000}"
# The review queue page's data: 10,000 open review items with flags on generated posts (idempotent too).
.venv/bin/python manage.py seed_review_queue --items "${BENCH_REVIEW_ITEMS:-10000}"
# The support queues' data: 10,000 cases on generated questions, in every status (idempotent too).
.venv/bin/python manage.py seed_cases "${BENCH_CASES:-10000}"
# The query planner's statistics over the whole data set (as the daily cron keeps them in production).
.venv/bin/python manage.py update_statistics
.venv/bin/python manage.py bench "$@"
# The escalation sweep over the whole data set, timed on a copy of the database (it opens cases);
# BENCH_ESCALATE=0 skips it.
if [ "${BENCH_ESCALATE:-1}" != 0 ]; then
  .venv/bin/python manage.py bench_escalate
fi
