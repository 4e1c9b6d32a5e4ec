"""Search backends. `get_backend()` answers from Elasticsearch when `ELASTICSEARCH_URL` is set and the
cluster responds, else (or when it fails) from the database; the results say which one answered."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from .base import BackendUnavailable, Results, SearchQuery, Suggestion
from .database import DatabaseBackend


@lru_cache(maxsize=4)
def _engine(url: str, compat: str, alias: str):
    from .elasticsearch import ElasticsearchBackend

    return ElasticsearchBackend.from_settings()


def engine_backend():
    """The Elasticsearch backend when configured, else None."""
    if not settings.ELASTICSEARCH_URL:
        return None
    from ..documents import index_alias

    return _engine(settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_COMPAT, index_alias())


class FallbackBackend:
    """Elasticsearch first; the database when it is down or slow (`Results.degraded` is then True)."""

    def __init__(self, engine, database):
        self.engine, self.database = engine, database
        self.name = engine.name if engine else database.name

    def search(self, query: SearchQuery) -> Results:
        if self.engine is not None:
            try:
                return self.engine.search(query)
            except BackendUnavailable:
                results = self.database.search(query)
                results.degraded = True
                return results
        return self.database.search(query)

    def suggest(self, prefix: str, language: str = "", limit: int = 8) -> list[Suggestion]:
        if self.engine is not None:
            try:
                return self.engine.suggest(prefix, language, limit)
            except BackendUnavailable:
                pass
        return self.database.suggest(prefix, language, limit)


def get_backend() -> FallbackBackend:
    return FallbackBackend(engine_backend(), DatabaseBackend())
