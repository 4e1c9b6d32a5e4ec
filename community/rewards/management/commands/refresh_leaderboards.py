"""Rebuild the leaderboard rollup (`LeaderboardDay`) from the reputation ledger.

The ledger keeps the rollup in step on every write; run this after a backfill, a bulk import, or from cron
(`--since` a few days back) to repair it. Idempotent and safe to run on several machines at once.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, IntegrityError

from community.rewards.leaderboards import rebuild


class Command(BaseCommand):
    help = "Rebuild the leaderboard rollup from the reputation ledger (every day, or from --since YYYY-MM-DD)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first UTC day to rebuild (YYYY-MM-DD); default: everything")

    def handle(self, *args, since=None, **options):
        day = None
        if since:
            try:
                day = date.fromisoformat(since)
            except ValueError as error:
                raise CommandError(f"--since must be a date as YYYY-MM-DD, not {since!r}") from error
        for attempt in range(3):
            try:
                deleted, written = rebuild(day)
                break
            except (IntegrityError, DatabaseError) as error:  # a concurrent ledger write took a row first
                if attempt == 2:
                    raise CommandError(f"could not rebuild the leaderboards: {error}") from error
        scope = f"from {day.isoformat()}" if day else "for every day"
        self.stdout.write(f"Leaderboards rebuilt {scope}: {deleted} rows replaced by {written}.")
