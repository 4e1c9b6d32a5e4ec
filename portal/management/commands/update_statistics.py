"""Refresh the database's query planner statistics (SQLite: ANALYZE; PostgreSQL: ANALYZE). Idempotent.

Without statistics SQLite guesses, and can read a whole index range where a member's own rows were a few
index entries away (a profile's graph read 2,600 entries instead of 90). Run it after bulk loads (the seed
commands call it) and daily from cron: it takes seconds, and readers are not blocked.
"""

import time

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections


def update_statistics(using: str = DEFAULT_DB_ALIAS) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


class Command(BaseCommand):
    help = "Refresh the query planner's statistics (ANALYZE) after bulk loads, and daily."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args, database: str, **options):
        started = time.monotonic()
        update_statistics(database)
        self.stdout.write(f"Planner statistics updated ({connections[database].vendor}, {time.monotonic() - started:.1f}s).")
