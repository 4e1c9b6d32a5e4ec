"""The Elasticsearch mapping for `search.models.SearchDocument` rows (elasticsearch-dsl).

Indexes are versioned (``portal-docs-<timestamp>``) and always reached through a read/write alias
(``settings.SEARCH_INDEX_ALIAS``, default ``portal-docs``): `search_rebuild` fills a new index and swaps
the alias in one atomic call, so searches never see a half-built index.

Text fields (title, body, accepted_text) are indexed three ways: the main field (standard analyzer),
``.en`` (english analyzer: stemming, stop words) and ``.ja`` (``cjk`` bigrams by default, ``kuromoji``
when ``settings.SEARCH_JAPANESE_ANALYZER == "kuromoji"`` and the cluster has the analysis-kuromoji plugin).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from elasticsearch.dsl import (
    Boolean,
    Completion,
    Date,
    Document,
    Float,
    Index,
    Integer,
    Keyword,
    Text,
)

DEFAULT_ALIAS = "portal-docs"
SUGGEST_MAX_INPUTS = 6  # the title plus the title from each of its first words on ("reset" finds "How to reset…")


def index_alias() -> str:
    return getattr(settings, "SEARCH_INDEX_ALIAS", "") or DEFAULT_ALIAS


def japanese_analyzer() -> str:
    return "kuromoji" if getattr(settings, "SEARCH_JAPANESE_ANALYZER", "cjk") == "kuromoji" else "cjk"


def new_index_name(alias: str) -> str:
    """A fresh versioned index name behind `alias`: ``<alias>-20260101120000123456``."""
    return f"{alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"


def _text(ja: str) -> Text:
    return Text(analyzer="standard", fields={"en": Text(analyzer="english"), "ja": Text(analyzer=ja)})


def document_class(ja: str | None = None) -> type[Document]:
    """The Document class for the configured Japanese analyzer (built on demand: it is a setting)."""
    ja = ja or japanese_analyzer()
    cls = _CLASSES.get(ja)
    if cls is None:
        attrs: dict[str, Any] = {
            "__doc__": "One article or question, as indexed.",
            "key": Keyword(),
            "kind": Keyword(),
            "object_id": Integer(),
            "url": Keyword(index=False),
            "title": _text(ja),
            "body": _text(ja),
            "accepted_text": _text(ja),
            "tags": Keyword(multi=True),
            "topic_slug": Keyword(),
            "topic_title": Keyword(),
            "language": Keyword(),
            "is_solved": Boolean(),
            "answer_count": Integer(),
            "votes": Integer(),
            "helpful_ratio": Float(),
            "views": Integer(),
            "created_at": Date(),
            "updated_at": Date(),
            # Completion on titles, filtered by language through a category context.
            "suggest": Completion(
                analyzer="simple",
                contexts=[{"name": "language", "type": "category"}],
            ),
        }
        cls = type(f"PortalSearchDocument_{ja}", (Document,), attrs)
        _CLASSES[ja] = cls
    return cls


_CLASSES: dict[str, type[Document]] = {}


def build_index(name: str, ja: str | None = None) -> Index:
    """An `Index` object (settings + mapping) for the versioned index `name`."""
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0, refresh_interval="1s")
    index.document(document_class(ja))
    return index


def suggest_inputs(title: str) -> list[str]:
    words = title.split()
    inputs = [title]
    for i in range(1, min(len(words), SUGGEST_MAX_INPUTS)):
        rest = " ".join(words[i:])
        if len(rest) >= 3:
            inputs.append(rest)
    return inputs


def to_source(doc) -> dict[str, Any]:
    """The indexed JSON for a `SearchDocument` row."""
    return {
        "key": doc.key,
        "kind": doc.kind,
        "object_id": doc.object_id,
        "url": doc.url,
        "title": doc.title,
        "body": doc.body,
        "accepted_text": doc.accepted_text,
        "tags": doc.tags.split() if doc.tags else [],
        "topic_slug": doc.topic_slug,
        "topic_title": doc.topic_title,
        "language": doc.language,
        "is_solved": bool(doc.is_solved),
        "answer_count": doc.answer_count,
        "votes": doc.votes,
        "helpful_ratio": doc.helpful_ratio,
        "views": doc.views,
        "created_at": doc.created_at.isoformat(),
        "updated_at": doc.updated_at.isoformat(),
        "suggest": {"input": suggest_inputs(doc.title), "contexts": {"language": [doc.language or "en"]}},
    }
