"""`manage.py search_retry [--limit N]`: drain the IndexRetry backlog once Elasticsearch answers again.

Each row is reconciled with the SearchDocument table, whatever action was queued: a document that exists
is (re)indexed, a missing one is deleted from the index; a row that succeeds is deleted, a failure bumps
`attempts` and `last_error` and stops the run (the cluster is down again: no point hammering it). Rows
are locked with SKIP LOCKED where the database supports it, so several machines may run it from cron at
once; running it twice is harmless.

A cluster that comes back without the index (restarted empty, or the index was deleted) would refuse every
write with `index_not_found`: when the alias is missing (checked on every run, even with nothing queued, so
the every-minute cron notices a restart before the first write fails), the command says so (stdout and the `search` log),
rebuilds the index from the SearchDocument table (as `search_rebuild` does), drops the queued rows the
rebuild already covers, and then drains the rest. `--no-rebuild` only reports it and leaves the queue.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from search.backends.base import BackendUnavailable
from search.backends.elasticsearch import ElasticsearchBackend
from search.management.commands.search_rebuild import Command as Rebuild
from search.models import IndexRetry, SearchDocument

logger = logging.getLogger("search")
REBUILD_LOCK = "search_retry:rebuilding"


def parse_key(key: str) -> tuple[str, int] | None:
    kind, _, object_id = key.partition(":")
    if not kind or not object_id.isdigit():
        return None
    return kind, int(object_id)


def retry_one(backend: ElasticsearchBackend, pk: int) -> bool | None:
    """Process one IndexRetry row. True: done (row deleted); False: failed (row updated); None: gone or
    taken by another worker."""
    with transaction.atomic():
        row = IndexRetry.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if row is None:
            return None
        parsed = parse_key(row.key)
        try:
            if parsed is None:
                pass  # a malformed key can never succeed: drop it
            else:
                doc = SearchDocument.objects.filter(kind=parsed[0], object_id=parsed[1]).first()
                if doc is None:
                    backend.delete(row.key)
                else:
                    backend.index(doc)
        except BackendUnavailable as exc:
            IndexRetry.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, last_error=str(exc)[:300])
            return False
        row.delete()
        return True


class Command(BaseCommand):
    help = "Replay the Elasticsearch writes that failed (IndexRetry rows)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=0, help="Process at most this many rows (0 = all).")
        parser.add_argument(
            "--no-rebuild", action="store_true",
            help="When the index is missing, report it and stop instead of rebuilding it.",
        )

    def handle(self, *args, limit: int = 0, no_rebuild: bool = False, **options):
        pending = IndexRetry.objects.count()
        if not settings.ELASTICSEARCH_URL:
            self.stdout.write(
                f"ELASTICSEARCH_URL is not set: the database search backend is in use, nothing to retry "
                f"({pending} rows left queued)."
            )
            return
        backend = ElasticsearchBackend.from_settings()
        if not backend.ping():
            if not pending:
                self.stdout.write("No pending retries (Elasticsearch is unreachable).")
                return
            raise CommandError(f"Elasticsearch is unreachable: {pending} retries stay queued.")
        try:
            missing = not backend.alias_indexes()
        except BackendUnavailable as exc:
            raise CommandError(f"Elasticsearch failed to answer ({exc}): {pending} retries stay queued.") from exc
        if not pending and not missing:
            self.stdout.write("No pending retries.")
            return
        if missing:
            if no_rebuild:
                logger.error("search_retry: the index alias %s is missing; %d retries stay queued", backend.alias, pending)
                raise CommandError(
                    f"The index alias {backend.alias} is missing (the cluster lost its index): {pending} retries stay "
                    "queued. Run search_retry without --no-rebuild, or search_rebuild, to rebuild it."
                )
            self._rebuild(backend)
            pending = IndexRetry.objects.count()
            if not pending:
                self.stdout.write(self.style.SUCCESS("No pending retries left after the rebuild."))
                return
        ids = IndexRetry.objects.order_by("created_at", "pk").values_list("pk", flat=True)
        if limit > 0:
            ids = ids[:limit]
        done = failed = skipped = 0
        for pk in list(ids):
            outcome = retry_one(backend, pk)
            if outcome is None:
                skipped += 1
            elif outcome:
                done += 1
            else:
                failed += 1
                break
        left = IndexRetry.objects.count()
        message = f"Retried {done} documents; {failed} failed; {skipped} skipped; {left} still queued."
        if failed:
            raise CommandError(message + " Elasticsearch failed again: run search_retry later.")
        self.stdout.write(self.style.SUCCESS(message))

    def _rebuild(self, backend: ElasticsearchBackend) -> None:
        """Rebuild the lost index from the SearchDocument table; the queued rows older than the rebuild are
        then covered by it (it indexes every row as it stands, and deleted rows are simply not there)."""
        # Several machines may run this from cron: one rebuilds (the lock is in the shared cache).
        if not cache.add(REBUILD_LOCK, 1, timeout=3600):
            raise CommandError(f"The index alias {backend.alias} is missing and another search_retry is rebuilding it.")
        try:
            logger.warning("search_retry: the index alias %s is missing; rebuilding it from the SearchDocument table", backend.alias)
            self.stdout.write(
                self.style.WARNING(f"The index alias {backend.alias} is missing (the cluster lost its index): rebuilding it.")
            )
            started = timezone.now()
            Rebuild(stdout=self.stdout._out, stderr=self.stderr._out).rebuild(backend, batch_size=500)
            covered, _ = IndexRetry.objects.filter(updated_at__lt=started).delete()
        finally:
            cache.delete(REBUILD_LOCK)
        logger.warning("search_retry: rebuilt %s; %d queued retries were covered by the rebuild", backend.alias, covered)
        self.stdout.write(f"The rebuild covered {covered} queued retries.")
