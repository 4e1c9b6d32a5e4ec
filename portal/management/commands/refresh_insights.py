"""Recompute the Insights daily rollups: `--since YYYY-MM-DD`, `--days N`, or by default the last three
days before today (today is always computed live). Idempotent and re-runnable for any past day; each day is
replaced in one transaction, under a PostgreSQL advisory lock so several machines can run it at once."""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from portal.insights import pageviews, rollups


class Command(BaseCommand):
    help = "Recompute the Insights daily rollups for past days (default: the last three)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--since", help="first day to recompute (YYYY-MM-DD), up to yesterday")
        group.add_argument("--days", type=int, help="recompute the last N days before today")

    def handle(self, *args, since=None, days=None, **options):
        today = rollups.today()
        if since:
            try:
                first = date.fromisoformat(since)
            except ValueError as error:
                raise CommandError("--since takes a date as YYYY-MM-DD") from error
            if first >= today:
                raise CommandError("--since must be a day before today (today is computed live)")
        else:
            count = 3 if days is None else days
            if count < 1 or count > 3660:
                raise CommandError("--days takes a number from 1 to 3660")
            first = today - timedelta(days=count)
        pageviews.flush()
        started = time.monotonic()
        day, total, count = first, 0, 0
        while day < today:
            total += rollups.refresh(day)
            day += timedelta(days=1)
            count += 1
        self.stdout.write(
            f"Refreshed {count} day(s) from {first} ({total} rollup rows) in {time.monotonic() - started:.1f}s."
        )
