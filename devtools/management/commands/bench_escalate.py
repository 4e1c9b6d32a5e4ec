"""`manage.py bench_escalate`: how long `manage.py escalate_unresolved` takes over the benchmark data set.

The sweep opens cases, so it never runs on the benchmark database itself: on SQLite the database file is
copied first (SQLite's online backup, consistent even while something reads it) and the sweep runs as its
own process (`manage.py escalate_unresolved`, as cron would start it) against the copy, which is deleted
afterwards (`--keep` keeps it). The figure is the wall-clock time of that process, Python and Django start-up
included, with the number of questions it looked at and the cases it opened. Issue 12's budget: under a
minute over 100,000 questions. On another database use `--in-place` (scripts/bench.sh runs it after the
page rows, so the pages are measured before the sweep changes anything).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from community.models import Question
from moderation.cases.models import Case

SWEEP = "escalate_unresolved"
BUDGET_SECONDS = 60.0


class Command(BaseCommand):
    help = "Time manage.py escalate_unresolved over the benchmark data (on a copy of the SQLite database)."

    def add_arguments(self, parser):
        parser.add_argument("--in-place", action="store_true", help="Run on the database itself (it opens cases there).")
        parser.add_argument("--keep", action="store_true", help="Keep the copy of the database afterwards.")
        parser.add_argument("--timeout", type=int, default=600, help="Give up after this many seconds (600).")

    def handle(self, *, in_place: bool, keep: bool, timeout: int, **options):
        if SWEEP not in get_commands():
            raise CommandError(f"manage.py {SWEEP} does not exist here: nothing to time")
        questions = Question.objects.count()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "portal.settings.bench")}
        copy = None
        if not in_place:
            if connection.vendor != "sqlite":
                raise CommandError(f"copying a {connection.vendor} database is not supported: pass --in-place")
            copy = Path(settings.VAR_DIR) / "bench-escalate.sqlite3"
            self.copy_database(Path(settings.DATABASES["default"]["NAME"]), copy)
            env["DATABASE_URL"] = f"sqlite:///{copy}"
        try:
            before = self.case_count(copy)
            started = time.monotonic()
            try:
                done = subprocess.run(  # noqa: S603 - our own fixed arguments
                    [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), SWEEP],
                    cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False,
                )
            except subprocess.TimeoutExpired as error:
                raise CommandError(f"{SWEEP} did not finish within {timeout} s") from error
            seconds = time.monotonic() - started
            if done.returncode != 0:
                raise CommandError(f"{SWEEP} failed (status {done.returncode}):\n{done.stdout}{done.stderr}")
            opened = self.case_count(copy) - before
        finally:
            if copy is not None and not keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{copy}{suffix}").unlink(missing_ok=True)
        for line in done.stdout.strip().splitlines():
            self.stdout.write(f"  {line}")
        where = "in place" if copy is None else ("on a copy kept at " + str(copy) if keep else "on a copy of the database")
        line = (
            f"escalate_unresolved over {questions:,} questions ({before:,} cases before): {seconds:.1f} s, "
            f"{opened:,} cases opened ({where}; wall clock incl. start-up)"
        )
        style = self.style.SUCCESS if seconds < BUDGET_SECONDS else self.style.ERROR
        self.stdout.write(style(line + (" — under a minute" if seconds < BUDGET_SECONDS else " — OVER a minute")))

    def copy_database(self, source: Path, target: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        started = time.monotonic()
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        dst.close()
        src.close()
        self.stdout.write(f"Copied the database to {target} ({time.monotonic() - started:.1f}s)")

    @staticmethod
    def case_count(copy: Path | None) -> int:
        if copy is None:
            return Case.objects.count()
        with sqlite3.connect(copy) as db:
            count = db.execute(f"SELECT COUNT(*) FROM {Case._meta.db_table}").fetchone()[0]  # noqa: S608 - model name
        db.close()
        return count
