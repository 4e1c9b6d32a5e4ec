"""Keep `SearchDocument` in step with the content, in the same transaction as the change.

Search knows nothing of the apps whose content it indexes: each registers a *document provider* for its
kind (`register_document_provider("question", ...)` in community's `AppConfig.ready()`, "article" in
knowledge's). `reindex(kind, id)` writes or removes one document inside the caller's transaction;
`update_signals(kind, id, votes=...)` updates only the ranking signals of an indexed document (one
UPDATE). When Elasticsearch is configured, each change is pushed to it after the commit by a task;
failures are queued in `IndexRetry`. Other apps use these through `search.api`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal import stamps
from portal.page_cache import stamp

from . import vocabulary
from .backends.database import optimize
from .backends.db_ranking import quality, quality_expression
from .models import SearchDocument
from .tasks import push_to_engine

GENERATION_KEY = "search:generation"
TAG = re.compile(r"<[^>]+>")
Kind = SearchDocument.Kind
# The text whose words the vocabulary counts (`search.vocabulary`).
VOCABULARY_FIELDS = ("title", "body", "accepted_text", "tags")
# The ranking signals `update_signals` may change without rebuilding the document.
SIGNAL_FIELDS = frozenset({"votes", "answer_count", "is_solved", "views", "helpful_ratio", "updated_at"})


class DocumentProvider(Protocol):
    """What an app offers search for one kind of document. Fields are those of `SearchDocument` (url,
    title, body, accepted_text, tags, topic_slug, topic_title, language, is_solved, answer_count, votes,
    helpful_ratio, views, created_at, updated_at)."""

    def fields(self, object_id: int) -> dict[str, Any] | None:
        """The document of one object, or None when it is not searchable (gone, deleted, unpublished)."""

    def documents(self, ids: Sequence[int]) -> Iterable[tuple[int, dict[str, Any]]]:
        """The documents of a chunk of searchable objects, in a fixed number of queries (for rebuilds)."""

    def searchable_ids(self) -> Iterable[int]:
        """Every searchable object's id, in a stable order."""

    def count(self) -> int:
        """How many objects are searchable (`ensure_index` compares it with the documents)."""


_providers: dict[str, DocumentProvider] = {}


def register_document_provider(kind: str, provider: DocumentProvider) -> None:
    _providers[kind] = provider


def providers() -> dict[str, DocumentProvider]:
    return dict(_providers)


def _provider(kind: str) -> DocumentProvider:
    try:
        return _providers[kind]
    except KeyError:
        raise LookupError(f"No search document provider is registered for {kind!r}.") from None


def reader_url(kind: str, url: str, language: str) -> str:
    """A document's address for a reader of the site in `language`: what its provider's optional
    `url_for_reader(url, language)` makes of the stored one (a question's page exists in every interface
    language, so a reader of /ja/ stays on /ja/); the stored address itself otherwise (an article lives in
    its own locale)."""
    method = getattr(_providers.get(kind), "url_for_reader", None)
    return method(url, language) if method is not None else url


def generation() -> int:
    """Bumped on every index change: cached search results are keyed by it, so they are never stale."""
    return stamp(GENERATION_KEY)


def _bump() -> None:
    stamps.bump(GENERATION_KEY)


# Tags inside a run of text: they go without a space ("shows <strong>Hub offline</strong>, the hub" reads
# "shows Hub offline, the hub", not "Hub offline , the"; Japanese has no spaces to put back).
INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|cite|code|data|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var)"
    r"(?:\s[^>]*)?/?>",
    re.IGNORECASE,
)


def text_of(html_text: str) -> str:
    """Plain text of rendered HTML: inline tags (bold, links, code) vanish, every other tag becomes a space (table
    cells, list items and paragraphs stay separate words)."""
    return " ".join(html.unescape(TAG.sub(" ", INLINE_TAG.sub("", html_text or ""))).split())


def _changed(key: str, action: str) -> None:
    _bump()
    transaction.on_commit(_bump)
    if settings.ELASTICSEARCH_URL:
        transaction.on_commit(partial(push_to_engine.enqueue, key, action))


def _save(kind: str, object_id: int, fields: dict) -> SearchDocument:
    fields = {**fields, "quality": quality({**fields, "kind": kind})}
    before = SearchDocument.objects.filter(kind=kind, object_id=object_id).values_list(*VOCABULARY_FIELDS).first()
    doc, _created = SearchDocument.objects.update_or_create(kind=kind, object_id=object_id, defaults=fields)
    vocabulary.record(*(getattr(doc, name) for name in VOCABULARY_FIELDS), before=before or ())
    _changed(doc.key, "index")
    return doc


def remove(kind: str, object_id: int) -> None:
    """Remove one document (nothing happens when there is none)."""
    docs = SearchDocument.objects.filter(kind=kind, object_id=object_id)
    before = docs.values_list(*VOCABULARY_FIELDS).first()
    if before is not None and docs.delete()[0]:
        vocabulary.forget(*before)
        _changed(f"{kind}:{object_id}", "delete")


def reindex(kind: str, object_id: int | None) -> None:
    """Write the object's document, or remove it when the object is no longer searchable; call inside the
    transaction of the change."""
    if object_id is None:
        return
    fields = _provider(kind).fields(object_id)
    if fields is None:
        remove(kind, object_id)
    else:
        _save(kind, object_id, fields)


def update_signals(kind: str, object_id: int, **fields: Any) -> bool:
    """Update ranking signals (votes, answer_count, is_solved, views, helpful_ratio, updated_at) of an
    indexed document in one UPDATE, and queue its push to Elasticsearch after the commit. False when the
    object has no document (not searchable): nothing is written then."""
    unknown = set(fields) - SIGNAL_FIELDS
    if unknown:
        raise ValueError(f"Not a search signal: {', '.join(sorted(unknown))}")
    if not fields:
        return False
    updated = SearchDocument.objects.filter(kind=kind, object_id=object_id).update(
        **fields, indexed_at=timezone.now(), quality=quality_expression(kind, fields)
    )
    if updated:
        _changed(f"{kind}:{object_id}", "index")
    return bool(updated)


def expected_count() -> int:
    return sum(provider.count() for provider in _providers.values())


def ensure_index(stdout=None) -> bool:
    """Rebuild the documents when their number does not match the content (a fresh or older database)."""
    if SearchDocument.objects.count() == expected_count():
        return False
    reindex_all(stdout)
    return True


def reindex_all(stdout=None, chunk: int = 2000) -> dict[str, int]:
    """Rebuild every document from the content (`manage.py search_reindex`; `search_rebuild` then feeds
    Elasticsearch from these rows). Returns how many documents of each kind were written."""
    written: dict[str, int] = {}
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        for kind, provider in _providers.items():
            ids = list(provider.searchable_ids())
            written[kind] = 0
            for start in range(0, len(ids), chunk):
                docs = [
                    SearchDocument(kind=kind, object_id=object_id, quality=quality({**fields, "kind": kind}), **fields)
                    for object_id, fields in provider.documents(ids[start : start + chunk])
                ]
                SearchDocument.objects.bulk_create(docs, batch_size=500)
                written[kind] += len(docs)
                if stdout and (start // chunk) % 10 == 9:
                    stdout.write(f"  search documents: {written[kind]:,} / {len(ids):,} {kind}s")
        _changed("all", "rebuild")
    optimize()
    vocabulary.rebuild()
    return written
