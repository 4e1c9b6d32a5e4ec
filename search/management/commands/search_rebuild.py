"""`manage.py search_rebuild [--batch-size 500]`: rebuild the Elasticsearch index with zero downtime.

Creates a new versioned index, streams every `SearchDocument` row into it in bulk, refreshes it, checks
the count and only then swaps the alias in one atomic call (searches keep using the old index until that
moment); the old indexes are deleted afterwards. A failed or interrupted rebuild deletes the half-built
index and leaves the alias, and the index behind it, untouched. Documents written while the rebuild ran
are re-indexed through the alias after the swap (a catch-up pass on `indexed_at`).
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from search import vocabulary
from search.backends.base import BackendUnavailable
from search.backends.elasticsearch import ElasticsearchBackend
from search.models import SearchDocument

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Rebuild the Elasticsearch index from the SearchDocument table into a new index, then swap the alias."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Documents per bulk request (default 500).")

    def handle(self, *args, batch_size: int = 500, **options):
        if not settings.ELASTICSEARCH_URL:
            self.stdout.write("ELASTICSEARCH_URL is not set: the database search backend is in use, nothing to rebuild.")
            return
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        backend = ElasticsearchBackend.from_settings()
        self.rebuild(backend, batch_size)
        # The vocabulary (typo corrections, compound and katakana words) is read by both engines' query parsing.
        self.stdout.write(f"Search vocabulary: {vocabulary.rebuild()} words recounted.")

    def rebuild(self, backend: ElasticsearchBackend, batch_size: int) -> str:
        total = SearchDocument.objects.count()
        started_at = timezone.now()
        try:
            new_index = backend.create_index()
        except BackendUnavailable as exc:
            raise CommandError(f"Cannot create a new index: {exc}") from exc
        self.stdout.write(f"Indexing {total} documents into {new_index} (alias {backend.alias})")

        done = 0
        started = time.monotonic()
        self._last_draw = 0.0
        self._last_step = -1
        self._last_done = -1
        try:
            backend.set_refresh_interval(new_index, "-1")
            rows = SearchDocument.objects.order_by("pk").iterator(chunk_size=batch_size)

            def progress(count: int) -> None:
                nonlocal done
                done = count
                self._progress(done, total, started)

            done = backend.bulk_index(rows, new_index, chunk_size=batch_size, progress=progress)
            self._progress(done, total, started, final=True)
            backend.set_refresh_interval(new_index, "1s")
            backend.refresh(new_index)
            indexed = backend.count(new_index)
            if indexed != done:
                raise BackendUnavailable(f"the new index holds {indexed} documents, {done} were sent")
            old_indexes = backend.swap_alias(new_index)
        except BaseException as exc:  # interrupted (Ctrl-C) or failed: drop the half-built index
            self.stdout.write("")
            try:
                backend.delete_index(new_index)
                cleanup = f"deleted {new_index}"
            except BackendUnavailable as cleanup_exc:
                cleanup = f"could not delete {new_index} ({cleanup_exc}); delete it by hand"
            self.stderr.write(f"Rebuild aborted after {done} of {total} documents; the alias is unchanged; {cleanup}.")
            if isinstance(exc, BackendUnavailable):
                raise CommandError(f"Rebuild failed: {exc}") from exc
            raise

        elapsed = max(time.monotonic() - started, 1e-6)
        rate = done / elapsed
        caught_up = self._catch_up(backend, started_at - timedelta(seconds=1))
        for name in old_indexes:
            try:
                backend.delete_index(name)
            except BackendUnavailable as exc:
                self.stderr.write(f"Could not delete the old index {name}: {exc}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {backend.alias} -> {new_index}: {done} documents in {elapsed:.2f} s "
                f"({rate:.0f} documents/s)"
                + (f"; removed {', '.join(old_indexes)}" if old_indexes else "")
                + (f"; re-indexed {caught_up} documents changed during the rebuild" if caught_up else "")
            )
        )
        self.throughput = rate
        return new_index

    def _catch_up(self, backend: ElasticsearchBackend, since) -> int:
        """Rows written while the bulk ran went to the old index through the alias: send them again."""
        count = 0
        for doc in SearchDocument.objects.filter(indexed_at__gte=since).iterator(chunk_size=500):
            try:
                backend.index(doc)
            except BackendUnavailable as exc:
                self.stderr.write(f"Catch-up of {doc.key} failed ({exc}); run search_rebuild again.")
                break
            count += 1
        return count

    def _progress(self, done: int, total: int, started: float, final: bool = False) -> None:
        """A progress bar (percent and docs/s): redrawn in place on a terminal, one line per 10% otherwise."""
        now = time.monotonic()
        percent = 100 if total == 0 else min(100, done * 100 // total)
        tty = self.stdout.isatty()
        if tty:
            if not final and now - self._last_draw < 0.2:
                return
        else:
            step = percent // 10
            if final and self._last_done == done:
                return
            if not final and step == self._last_step:
                return
            self._last_step = step
        self._last_draw = now
        self._last_done = done
        rate = done / max(now - started, 1e-6)
        filled = BAR_WIDTH * percent // 100
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {done}/{total} {rate:.0f} docs/s"
        if tty:
            self.stdout.write("\r" + line, ending="\n" if final else "")
            self.stdout.flush()
        else:
            self.stdout.write(line)
