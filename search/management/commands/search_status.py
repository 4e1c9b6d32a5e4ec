"""`manage.py search_status`: which backend answers, the alias and its index, document counts (index vs the
SearchDocument table), whether the cluster is reachable, and the IndexRetry backlog. Always exits 0: it
reports, it does not judge (use /healthz for monitoring)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from search.backends.base import BackendUnavailable
from search.backends.elasticsearch import ElasticsearchBackend
from search.models import IndexRetry, SearchDocument


class Command(BaseCommand):
    help = "Show the search backend's state: alias, index, document counts, reachability, pending retries."

    def handle(self, *args, **options):
        table_count = SearchDocument.objects.count()
        if not settings.ELASTICSEARCH_URL:
            self.stdout.write("Backend: database (ELASTICSEARCH_URL is not set: the database search backend is in use)")
            self.stdout.write(f"Documents: {table_count} in the SearchDocument table")
            self._retries()
            return

        backend = ElasticsearchBackend.from_settings()
        self.stdout.write(f"Backend: elasticsearch ({settings.ELASTICSEARCH_URL}, compat={backend.compat or 'elasticsearch'})")
        if not backend.ping():
            self.stdout.write(self.style.ERROR("Cluster: UNREACHABLE (searches fall back to the database backend)"))
            self.stdout.write(f"Documents: {table_count} in the SearchDocument table")
            self._retries()
            return
        self.stdout.write("Cluster: reachable")
        try:
            indexes = backend.alias_indexes()
            if not indexes:
                self.stdout.write(
                    self.style.ERROR(
                        f"Alias: {backend.alias} -> MISSING: the cluster has no index for this site (restarted empty or "
                        "deleted). Searches fall back to the database and writes are queued. Run search_retry (it "
                        "rebuilds the index, then drains the queue) or search_rebuild."
                    )
                )
                index_count = None
            else:
                self.stdout.write(f"Alias: {backend.alias} -> {', '.join(indexes)}")
                index_count = backend.count()
            orphans = sorted(set(backend.managed_indexes()) - set(indexes))
        except BackendUnavailable as exc:
            self.stdout.write(self.style.ERROR(f"Cluster: error while reading the index ({exc})"))
            index_count, orphans = None, []
        if index_count is None:
            self.stdout.write(f"Documents: ? in the index, {table_count} in the SearchDocument table")
        else:
            line = f"Documents: {index_count} in the index, {table_count} in the SearchDocument table"
            if index_count == table_count:
                self.stdout.write(line + " (in sync)")
            else:
                self.stdout.write(self.style.WARNING(f"{line} (differ by {table_count - index_count:+d})"))
        if orphans:
            self.stdout.write(self.style.WARNING(f"Indexes not behind the alias: {', '.join(orphans)}"))
        self._retries()

    def _retries(self) -> None:
        pending = IndexRetry.objects.count()
        oldest = IndexRetry.objects.order_by("created_at", "pk").first()
        if oldest is None:
            self.stdout.write("Pending retries: 0")
            return
        self.stdout.write(
            f"Pending retries: {pending} (oldest {oldest.created_at:%Y-%m-%d %H:%M:%S %Z}: {oldest.action} {oldest.key}, "
            f"{oldest.attempts} attempts{', last error: ' + oldest.last_error if oldest.last_error else ''})"
        )
