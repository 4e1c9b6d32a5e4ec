from __future__ import annotations

from django.conf import settings


def search_status() -> dict:
    """The search engine's state for /healthz. The database backend is as healthy as the database."""
    if not settings.ELASTICSEARCH_URL:
        return {"backend": "database", "status": "ok"}
    try:
        from elasticsearch import Elasticsearch

        client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=1)
        client.info()
        return {"backend": "elasticsearch", "status": "ok"}
    except Exception as exc:  # noqa: BLE001 - reported, and search falls back to the database
        return {"backend": "elasticsearch", "status": "degraded", "error": exc.__class__.__name__}
