"""Rebuild the `SearchDocument` rows (the database engine's index) from the content.

`--if-needed` does it only when the number of documents does not match the live articles and visible
questions (a fresh or older database); `load_demo` and `seed_bulk` run it that way. To refill
Elasticsearch from these rows afterwards, run `search_rebuild`.
"""

import time

from django.core.management.base import BaseCommand

from search.api import ensure_index, reindex_all


class Command(BaseCommand):
    help = "Rebuild the search documents from articles and questions."

    def add_arguments(self, parser):
        parser.add_argument("--if-needed", action="store_true", help="Only when the count does not match the content.")

    def handle(self, if_needed, **options):
        started = time.monotonic()
        if if_needed:
            if not ensure_index(self.stdout):
                self.stdout.write("Search documents are up to date.")
                return
            self.stdout.write(f"Search documents rebuilt in {time.monotonic() - started:.1f}s.")
            return
        written = reindex_all(self.stdout)
        counts = ", ".join(f"{count} {kind}s" for kind, count in written.items())
        self.stdout.write(f"Search documents: {counts} ({time.monotonic() - started:.1f}s).")
