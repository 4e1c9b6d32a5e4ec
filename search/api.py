"""The one public entry to search for the other apps: query parsing and tokenising, searching with the
result cache, and indexing through document providers. Other apps import this module only; everything
else in `search` is its own business.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace

from django.conf import settings
from django.core.cache import cache

from .backends import get_backend
from .backends.base import MAX_QUERY, Results, SearchQuery, Suggestion
from .indexing import (
    SIGNAL_FIELDS,
    DocumentProvider,
    ensure_index,
    expected_count,
    generation,
    register_document_provider,
    reindex,
    reindex_all,
    remove,
    text_of,
    update_signals,
)
from .text import CJK, MAX_TERMS, STOPWORDS, Term, normalise, parse

__all__ = [
    "CJK", "MAX_QUERY", "MAX_TERMS", "SIGNAL_FIELDS", "STOPWORDS", "DocumentProvider", "Results", "SearchQuery",
    "Suggestion", "Term", "cached_search", "cached_suggest", "ensure_index", "expected_count", "generation",
    "normalise", "parse", "register_document_provider", "reindex", "reindex_all", "relaxed_search", "remove", "search",
    "text_of", "title_terms", "update_signals",
]

WORD_RE = re.compile(r"\w+", re.UNICODE)
CJK_RUN = re.compile(f"(?:{CJK.pattern})+")
# The query parser's stopwords, plus words that carry no meaning in a question title.
TITLE_STOPWORDS = STOPWORDS | {"doesn", "after", "into", "have", "has", "won", "get", "use", "using"}


def title_terms(text: str) -> list[str]:
    """Significant words of a title (at most `MAX_TERMS`). Japanese runs (no spaces) are cut into
    overlapping three-character pieces, which the index's trigrams find wherever they occur in a title."""
    terms = []
    text = CJK_RUN.sub(lambda m: f" {m.group(0)} ", normalise(text))  # "hubをリセット" → hub, をリセット
    for word in WORD_RE.findall(text):
        if CJK_RUN.fullmatch(word):
            terms.extend(word[i : i + 3] for i in range(max(1, len(word) - 2)))
        elif len(word) >= 3 and word not in TITLE_STOPWORDS:
            terms.append(word)
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def search(query: SearchQuery) -> Results:
    """Search now (Elasticsearch when configured and up, else the database), without the result cache."""
    return get_backend().search(query)


def cached_search(query: SearchQuery) -> Results:
    """`search` through the result cache, keyed by the index generation (never stale). Degraded answers
    (Elasticsearch down) are not cached."""
    key = "search:results:" + hashlib.sha256(
        json.dumps([generation(), query.__dict__], sort_keys=True, default=str).encode()
    ).hexdigest()
    results = cache.get(key)
    if results is None:
        results = search(query)
        if not results.degraded and settings.SEARCH_RESULT_CACHE_SECONDS:
            cache.set(key, results, settings.SEARCH_RESULT_CACHE_SECONDS)
    return results


def relaxed_search(query: SearchQuery, results: Results) -> Results:
    """`results` (of `query`, through the cache) or, when nothing held every word of a query of two words or
    more, the results without one of them ("thermostat too hot" → thermostat hot), marked with the word left
    out. Of the words that can go, the one whose absence leaves the fewest results, so the query's rarer words
    stay. With three words or more and none of them enough to leave out: the titles and tags sharing the most
    words. At most `MAX_TERMS` + 1 more searches, each through the cache, only for a query that found nothing."""
    if results.total or results.degraded or query.match != "all":
        return results
    terms = parse(query.text)
    if len(terms) < 2:
        return results
    best = None
    for left_out in terms:
        text = " ".join(f'"{t.text}"' if t.phrase else t.text for t in terms if t is not left_out)
        found = cached_search(replace(query, text=text))
        if found.total and not found.degraded and (best is None or found.total < best.total):
            best = replace(found, query=query, missing=(left_out.text,))
    if best is None and len(terms) > 2:  # titles and tags sharing most of the words (as the ask form finds them)
        found = cached_search(replace(query, match="any"))
        if found.total and not found.degraded:
            best = replace(found, query=query, partial=True)
    return best or results


def cached_suggest(text: str, language: str) -> list[dict]:
    """Autocomplete suggestions (as dicts) for a normalised prefix, through the result cache."""
    key = "search:suggest:" + hashlib.sha256(json.dumps([generation(), text, language]).encode()).hexdigest()
    items = cache.get(key)
    if items is None:
        items = [s.__dict__ for s in get_backend().suggest(text, language)]
        if settings.SEARCH_RESULT_CACHE_SECONDS:
            cache.set(key, items, settings.SEARCH_RESULT_CACHE_SECONDS)
    return items
