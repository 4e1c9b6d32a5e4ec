"""Feed Elasticsearch from `SearchDocument` after each commit; failed writes wait in `IndexRetry`."""

from __future__ import annotations

from django.db.models import F
from django_tasks import task

from .backends import engine_backend
from .backends.base import BackendUnavailable
from .models import IndexRetry, SearchDocument


def push(key: str, action: str) -> bool:
    """Send one document (or its deletion) to the engine; on failure queue it. True when it went through."""
    backend = engine_backend()
    if backend is None:
        return True
    if action == "rebuild":
        return True  # `manage.py search_rebuild` streams everything
    try:
        kind, _sep, object_id = key.partition(":")
        doc = SearchDocument.objects.filter(kind=kind, object_id=int(object_id)).first() if action == "index" else None
        if doc is None:
            backend.delete(key)
        else:
            backend.index(doc)
    except BackendUnavailable as error:
        retry, created = IndexRetry.objects.get_or_create(key=key, defaults={"action": action, "attempts": 1, "last_error": str(error)[:300]})
        if not created:
            IndexRetry.objects.filter(pk=retry.pk).update(action=action, attempts=F("attempts") + 1, last_error=str(error)[:300])
        return False
    IndexRetry.objects.filter(key=key).delete()
    return True


@task()
def push_to_engine(key: str, action: str) -> bool:
    return push(key, action)
