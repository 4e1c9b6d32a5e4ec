"""The one interface every search backend implements, and the query/result types they share.

`index(doc)`, `delete(key)`, `search(query) -> Results`, `suggest(prefix, language) -> list[Suggestion]`.
Documents are `search.models.SearchDocument` rows; keys are "article:<id>" / "question:<id>".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

SORTS = ("relevance", "newest", "votes")
MATCHES = ("all", "any")
STATUSES = ("solved", "unanswered")
MAX_QUERY = 200
PAGE_SIZE = 10


class BackendUnavailable(Exception):
    """The search engine cannot answer (down, slow, refusing). The database backend answers instead."""


@dataclass(frozen=True)
class SearchQuery:
    text: str
    kinds: tuple[str, ...] = ()  # "article", "question"; empty = both
    topics: tuple[str, ...] = ()  # topic slugs
    tags: tuple[str, ...] = ()  # every tag must match
    languages: tuple[str, ...] = ()
    status: str = ""  # "", "solved" or "unanswered" (questions)
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE
    match: str = "all"  # "all": every term must match; "any": titles or tags with any term (the ask form)
    reader_language: str = ""  # the page's language ("en", "ja"): its documents rank a little higher

    def ranking_language(self, japanese: bool) -> str:
        """The language whose documents rank a little higher: Japanese for a query with Japanese words, else
        the page's ("E-104" on /ja/ puts エラーコード一覧 before "Nimbus error codes")."""
        return "ja" if japanese else self.reader_language or "en"


@dataclass
class Hit:
    key: str
    kind: str
    object_id: int
    url: str
    title: str
    title_html: str  # escaped, with <mark> around matches
    snippet_html: str  # escaped, with <mark> around matches
    topic_slug: str
    topic_title: str
    tags: list[str]
    language: str
    is_solved: bool
    answer_count: int
    votes: int
    helpful_ratio: float | None
    created_at: datetime
    updated_at: datetime
    score: float = 0.0


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False
    label_language: str = ""  # the language `label` is in, when the engine knows it (a topic named by a document)


@dataclass
class Results:
    query: SearchQuery
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)  # "kind", "topic", "tag", "status", "language"
    took_ms: float = 0.0
    backend: str = "database"
    degraded: bool = False  # True when Elasticsearch failed and the database answered
    estimated: bool = False  # the total and facet counts are estimates ("about 12,000 results")
    corrected: str = ""  # nothing matched the query as typed: these are the results for this corrected query
    missing: tuple[str, ...] = ()  # nothing held every word: these are the results without these words
    partial: bool = False  # nothing held every word, or all but one: titles and tags with some of them
    # Few results held every word: more results without one of them (`also_missing`), after these (page 1 only).
    also: list[Hit] = field(default_factory=list)
    also_missing: tuple[str, ...] = ()

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))


@dataclass
class Suggestion:
    kind: str
    title: str
    url: str
    language: str


class SearchBackend(Protocol):
    name: str

    def index(self, doc) -> None: ...

    def delete(self, key: str) -> None: ...

    def search(self, query: SearchQuery) -> Results: ...

    def suggest(self, prefix: str, language: str = "", limit: int = 8) -> list[Suggestion]: ...
