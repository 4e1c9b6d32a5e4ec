"""The search engine's state for /healthz. The database backend is as healthy as the database."""

from __future__ import annotations

import logging

from .backends import engine_backend
from .backends.base import BackendUnavailable
from .models import IndexRetry

logger = logging.getLogger("search")


def search_status() -> dict:
    engine = engine_backend()
    if engine is None:
        return {"backend": "database", "status": "ok"}
    backlog = IndexRetry.objects.count()
    if engine.ping():
        try:
            missing = not engine.alias_indexes()
        except BackendUnavailable:
            return {"backend": "elasticsearch", "status": "degraded", "retry_backlog": backlog}
        if missing:
            # The cluster answers but lost the index (restarted empty): every search falls back to the
            # database and every write is queued until the index is rebuilt.
            logger.error("healthz: the search index alias %s is missing; run manage.py search_retry", engine.alias)
            return {
                "backend": "elasticsearch", "status": "degraded", "retry_backlog": backlog, "index": "missing",
                "action": "run manage.py search_retry (it rebuilds the index and drains the queue)",
            }
        return {"backend": "elasticsearch", "status": "ok", "retry_backlog": backlog}
    # Searches are answered by the database meanwhile, and index writes wait in the retry queue.
    return {"backend": "elasticsearch", "status": "degraded", "retry_backlog": backlog}
