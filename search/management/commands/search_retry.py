"""`manage.py search_retry [--limit N]`: drain the IndexRetry backlog once Elasticsearch answers again.

Each row is reconciled with the SearchDocument table, whatever action was queued: a document that exists
is (re)indexed, a missing one is deleted from the index; a row that succeeds is deleted, a failure bumps
`attempts` and `last_error` and stops the run (the cluster is down again: no point hammering it). Rows
are locked with SKIP LOCKED where the database supports it, so several machines may run it from cron at
once; running it twice is harmless.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F

from search.backends.base import BackendUnavailable
from search.backends.elasticsearch import ElasticsearchBackend
from search.models import IndexRetry, SearchDocument


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

    def handle(self, *args, limit: int = 0, **options):
        pending = IndexRetry.objects.count()
        if not settings.ELASTICSEARCH_URL:
            self.stdout.write(
                f"ELASTICSEARCH_URL is not set: the database search backend is in use, nothing to retry "
                f"({pending} rows left queued)."
            )
            return
        if not pending:
            self.stdout.write("No pending retries.")
            return
        backend = ElasticsearchBackend.from_settings()
        if not backend.ping():
            raise CommandError(f"Elasticsearch is unreachable: {pending} retries stay queued.")
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
