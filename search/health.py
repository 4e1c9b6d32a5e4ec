"""The search engine's state for /healthz. The database backend is as healthy as the database."""

from __future__ import annotations


def search_status() -> dict:
    from .backends import engine_backend
    from .models import IndexRetry

    engine = engine_backend()
    if engine is None:
        return {"backend": "database", "status": "ok"}
    backlog = IndexRetry.objects.count()
    if engine.ping():
        return {"backend": "elasticsearch", "status": "ok", "retry_backlog": backlog}
    # Searches are answered by the database meanwhile, and index writes wait in the retry queue.
    return {"backend": "elasticsearch", "status": "degraded", "retry_backlog": backlog}
