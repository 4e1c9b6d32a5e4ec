"""The Elasticsearch backend (elasticsearch 8 client + elasticsearch-dsl), also usable with OpenSearch.

Reads and writes go through the alias from `search.documents.index_alias()`. Every request has a short
timeout (1 s by default) and no retry: a slow or unreachable cluster raises `BackendUnavailable` at once
and the caller answers from the database backend (writes queue an `IndexRetry`).

``compat="opensearch"`` swaps in `OpenSearchCompatNode`, which sends plain ``application/json`` instead
of ``application/vnd.elasticsearch+json; compatible-with=8`` (OpenSearch engines answer 406 to that).
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from elastic_transport import ApiError as TransportApiError
from elastic_transport import HttpHeaders, TransportError, Urllib3HttpNode
from elastic_transport.client_utils import DEFAULT
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.dsl import Q, Search
from elasticsearch.helpers import BulkIndexError, streaming_bulk

from search import vocabulary
from search.documents import build_index, index_alias, new_index_name, to_source
from search.models import SearchDocument
from search.text import (
    CJK,
    LETTER_OR_DIGIT,
    MAX_TERMS,
    SEPARATORS,
    Term,
    japanese_text,
    merge_marks,
    normalise,
    parse,
    stem,
    with_katakana_cut,
    without_stopwords,
)

from .base import MAX_QUERY, BackendUnavailable, FacetValue, Hit, Results, SearchQuery, Suggestion

SNIPPET_CHARS = 200
FACET_SIZE = 20
_COMPAT_MIMETYPE = re.compile(r"application/vnd\.elasticsearch\+([\w.-]+)(?:\s*;\s*compatible-with=\d+)?")
_PHRASE = re.compile(r'"([^"]+)"')

BACKEND_ERRORS = (TransportError, TransportApiError, ApiError, BulkIndexError)


class OpenSearchCompatNode(Urllib3HttpNode):
    """Sends plain ``application/json`` / ``application/x-ndjson`` (OpenSearch refuses the Elasticsearch
    compatibility media types) and marks responses as Elasticsearch ones so the client's product check
    passes on OpenSearch clusters, which do not send ``X-Elastic-Product``."""

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: Any = DEFAULT,
    ):
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                value = headers.get(name)
                if value:
                    headers[name] = _COMPAT_MIMETYPE.sub(r"application/\1", value)
        response = super().perform_request(method, target, body=body, headers=headers, request_timeout=request_timeout)
        if "x-elastic-product" not in response.meta.headers:
            response.meta.headers["X-Elastic-Product"] = "Elasticsearch"
        return response


def _unavailable(exc: Exception, action: str) -> BackendUnavailable:
    detail = getattr(exc, "message", "") or str(exc) or exc.__class__.__name__
    return BackendUnavailable(f"Elasticsearch {action} failed: {exc.__class__.__name__}: {detail}"[:290])


def _parse_dt(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value)) if value else None
    if parsed is None:
        raise ValueError(f"not a datetime: {value!r}")
    return parsed


def parse_text(text: str) -> tuple[str, list[str]]:
    """Split the user's text into free words and "quoted phrases"."""
    phrases = [p.strip() for p in _PHRASE.findall(text) if p.strip()]
    rest = _PHRASE.sub(" ", text).replace('"', " ")
    return " ".join(rest.split()), phrases


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, url: str, compat: str = "", alias: str | None = None, timeout: float = 1.0) -> None:
        self.url = url
        self.compat = compat
        self.alias = alias or index_alias()
        self.timeout = min(timeout, 1.0) if timeout else 1.0
        kwargs: dict[str, Any] = {
            "request_timeout": self.timeout,
            "max_retries": 0,
            "retry_on_timeout": False,
        }
        if compat == "opensearch":
            kwargs["node_class"] = OpenSearchCompatNode
        self.client = Elasticsearch(url, **kwargs)

    @classmethod
    def from_settings(cls) -> ElasticsearchBackend:
        return cls(
            settings.ELASTICSEARCH_URL,
            compat=getattr(settings, "ELASTICSEARCH_COMPAT", ""),
            alias=index_alias(),
            timeout=getattr(settings, "ELASTICSEARCH_TIMEOUT", 1.0),
        )

    def slow(self, seconds: float = 60.0) -> Elasticsearch:
        """The client with a long timeout, for maintenance (rebuild, index creation); never for page views."""
        return self.client.options(request_timeout=seconds)

    # ---------------------------------------------------------------------------------------- cluster
    def ping(self) -> bool:
        try:
            self.client.info()
        except BACKEND_ERRORS:
            return False
        return True

    def alias_indexes(self) -> list[str]:
        """The concrete indexes behind the alias (normally exactly one)."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).keys())
        except NotFoundError:
            return []
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "alias lookup") from exc

    def managed_indexes(self) -> list[str]:
        """Every versioned index of this alias, attached or not (leftovers of failed rebuilds included)."""
        try:
            return sorted(self.client.indices.get(index=f"{self.alias}-*", expand_wildcards="open").keys())
        except NotFoundError:
            return []
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "index listing") from exc

    def create_index(self, name: str | None = None) -> str:
        name = name or new_index_name(self.alias)
        try:
            build_index(name).create(using=self.slow(30))
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "index creation") from exc
        return name

    def ensure_index(self) -> str:
        """Create the first versioned index and point the alias at it, unless the alias exists."""
        existing = self.alias_indexes()
        if existing:
            return existing[0]
        name = self.create_index()
        try:
            self.slow(30).indices.put_alias(index=name, name=self.alias)
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "alias creation") from exc
        return name

    def delete_index(self, name: str) -> None:
        try:
            self.slow(30).indices.delete(index=name, ignore_unavailable=True)
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "index deletion") from exc

    def swap_alias(self, new_index: str) -> list[str]:
        """Point the alias at `new_index` only, in one atomic call; returns the indexes it left."""
        old = [name for name in self.alias_indexes() if name != new_index]
        actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": new_index, "alias": self.alias, "is_write_index": True}})
        try:
            self.slow(30).indices.update_aliases(actions=actions)
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "alias swap") from exc
        return old

    def refresh(self, name: str | None = None) -> None:
        try:
            self.slow(30).indices.refresh(index=name or self.alias)
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "refresh") from exc

    def count(self, name: str | None = None) -> int:
        try:
            return int(self.client.count(index=name or self.alias)["count"])
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "count") from exc

    # ----------------------------------------------------------------------------------------- writes
    def index(self, doc) -> None:
        try:
            # require_alias: never let a write auto-create a concrete index named like the alias.
            self.client.index(index=self.alias, id=doc.key, document=to_source(doc), require_alias=True)
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "index") from exc

    def delete(self, key: str) -> None:
        try:
            self.client.delete(index=self.alias, id=key)
        except NotFoundError:
            return  # already gone: deleting is idempotent
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "delete") from exc

    def bulk_actions(self, docs: Iterable, index_name: str) -> Iterator[dict[str, Any]]:
        for doc in docs:
            yield {"_op_type": "index", "_index": index_name, "_id": doc.key, "_source": to_source(doc)}

    def bulk_index(
        self,
        docs: Iterable,
        index_name: str,
        chunk_size: int = 500,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Index `docs` (SearchDocument rows, streamed) into `index_name` in bulk; returns how many.
        `progress(done)` is called after each document. Raises BackendUnavailable on the first failure."""
        done = 0
        try:
            for ok, item in streaming_bulk(
                self.slow(120),
                self.bulk_actions(docs, index_name),
                chunk_size=chunk_size,
                max_retries=0,
                raise_on_error=True,
                raise_on_exception=True,
            ):
                if not ok:  # pragma: no cover - raise_on_error raises first
                    raise BackendUnavailable(f"Elasticsearch bulk indexing failed: {item}"[:290])
                done += 1
                if progress is not None:
                    progress(done)
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "bulk indexing") from exc
        return done

    def set_refresh_interval(self, name: str, interval: str) -> None:
        """"-1" while a new index is bulk-loaded (faster), back to "1s" before it goes live."""
        try:
            self.slow(30).indices.put_settings(index=name, settings={"index": {"refresh_interval": interval}})
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "index settings") from exc

    # ----------------------------------------------------------------------------------------- search
    def _text_query(self, text: str, phrases: list[str], alternatives: list[Term] = (), kept: list[Term] | None = None):
        """`kept`: when `parse` stopped at `MAX_TERMS`, the terms it kept — a free word is then required only when
        it holds one of them (a kanji compound holds two, "電池交換"), as on the database engine."""
        clauses = []
        for term in alternatives:  # a term with other spellings (compounds): any of them, several words as a phrase
            clauses.append(Q(
                "bool",
                should=[Q("multi_match", query=variant, type="phrase", fields=phrase_fields(variant)) for variant in term.variants],
                minimum_should_match=1,
            ))
        # Each word somewhere in the document (its title, accepted answer or body: "thermostat yesterday" finds
        # the question titled "Thermostat …" whose text says "yesterday"), in any of the analyses.
        words = [word for word in SEPARATORS.split(text) if LETTER_OR_DIGIT.search(word)]  # "a,b" is two words
        # At most the `MAX_TERMS` terms `parse` keeps for the database engine (a ninth word the document lacks does
        # not hide it on one engine only).
        phrases = phrases[:MAX_TERMS]
        if kept is not None:
            words = [word for word in words if _holds_a_term(word, kept)]
        clauses.extend(
            Q(
                "bool",
                should=[
                    _text_match(word, ""),
                    _text_match(word, ".en", fuzziness="AUTO", prefix_length=1),  # typos: English only
                    _text_match(word, ".ja"),
                ],
                minimum_should_match=1,
            )
            for word in words
        )
        for phrase in phrases:
            clauses.append(
                Q(
                    "bool",
                    should=[
                        Q("multi_match", query=phrase, type="phrase", fields=["title^3", "accepted_text^2", "body"]),
                        Q("multi_match", query=phrase, type="phrase", fields=["title.ja^3", "accepted_text.ja^2", "body.ja"]),
                    ],
                    minimum_should_match=1,
                )
            )
        if not clauses:  # no words at all: every document when nothing was typed, none for only punctuation
            return Q("match_none") if text.strip() else Q("match_all")
        return Q("bool", must=clauses) if len(clauses) > 1 else clauses[0]

    @staticmethod
    def _boosted(query, language: str = "en"):
        return Q(
            "function_score",
            query=query,
            functions=[
                {"weight": 1},
                {"filter": {"term": {"language": language}}, "weight": 0.2},  # the reader's (as the database engine)
                # A help article is a curated answer, as a solved question's accepted answer is (the database
                # engine's lift does the same): "factory reset" finds the article before six questions.
                {"filter": {"term": {"kind": "article"}}, "weight": 0.5},
                {"filter": {"term": {"is_solved": True}}, "weight": 0.5},
                {
                    "filter": {"range": {"votes": {"gt": 0}}},
                    "field_value_factor": {"field": "votes", "modifier": "log1p", "factor": 1, "missing": 0},
                    "weight": 0.3,
                },
                {
                    "filter": {"exists": {"field": "helpful_ratio"}},
                    "field_value_factor": {"field": "helpful_ratio", "factor": 1, "missing": 0},
                    "weight": 0.5,
                },
                {"gauss": {"updated_at": {"origin": "now", "scale": "180d", "decay": 0.5}}, "weight": 0.5},
            ],
            score_mode="sum",
            boost_mode="multiply",
        )

    @staticmethod
    def _filters(query: SearchQuery) -> dict[str, list]:
        """The selected filters by facet; each facet's counts apply every filter but its own."""
        filters: dict[str, list] = {"kind": [], "topic": [], "tag": [], "language": [], "status": []}
        if query.kinds:
            filters["kind"].append(Q("terms", kind=list(query.kinds)))
        if query.topics:
            filters["topic"].append(Q("terms", topic_slug=list(query.topics)))
        for tag in query.tags:
            filters["tag"].append(Q("term", tags=tag))
        if query.languages:
            filters["language"].append(Q("terms", language=list(query.languages)))
        if query.status == "solved":
            filters["status"].append(Q("bool", filter=[Q("term", kind="question"), Q("term", is_solved=True)]))
        elif query.status == "unanswered":
            filters["status"].append(Q("bool", filter=[Q("term", kind="question"), Q("term", answer_count=0)]))
        return filters

    @staticmethod
    def _combine(clauses: list):
        return Q("bool", filter=clauses) if clauses else Q("match_all")

    def build_search(self, query: SearchQuery) -> Search:
        text, phrases = parse_text(query.text[:MAX_QUERY])
        text = japanese_text(text)  # "カメラが録画できない" → カメラ 録画: every word, not every bigram of the sentence
        text = without_stopwords(text)  # the words `parse` drops are not required here either ("how", "keeps")
        terms = parse(query.text[:MAX_QUERY], known=vocabulary.known)  # the one place the query's terms are built
        text = with_katakana_cut(text, terms)  # "カメラセットアップ" → カメラ セットアップ, as the terms have it
        alternatives = [t for t in terms if not t.phrase and set(t.variants) - {t.text, stem(t.text)}]
        if query.match == "any":  # the ask form: titles (or tags) sharing any word, most shared first
            words = " ".join([text, *phrases]).split()
            text_query = Q(
                "bool",
                should=[
                    Q("multi_match", query=" ".join(words), fields=["title^3", "title.en^2", "title.ja^2"], operator="or"),
                    Q("terms", tags=words),
                ],
                minimum_should_match=1,
            )
        else:
            if alternatives:  # their words are matched through their spellings, not as free words
                taken = {w for t in alternatives for w in t.text.split()}
                text = " ".join(w for w in SEPARATORS.split(text) if w and normalise(w) not in taken)
            text_query = self._text_query(text, phrases, alternatives, kept=terms if len(terms) >= MAX_TERMS else None)
            text_query = _with_synonyms(self, query, terms) or text_query  # editors' synonyms (block at the end)
        japanese = any(CJK.search(t.text) for t in terms)
        search = Search(using=self.client, index=self.alias).query(self._boosted(text_query, query.ranking_language(japanese)))
        filters = self._filters(query)
        every = [clause for clauses in filters.values() for clause in clauses]
        if every:
            search = search.post_filter(self._combine(every))
        for facet, field in (("kind", "kind"), ("topic", "topic_slug"), ("tag", "tags"), ("language", "language")):
            # Kind, topic and language are "any of" facets: their counts ignore their own selection. Tags are
            # "all of": a tag's count is what selecting it as well would give.
            others = [c for name, clauses in filters.items() if name != facet or facet == "tag" for c in clauses]
            bucket = search.aggs.bucket(f"f_{facet}", "filter", self._combine(others))
            terms = bucket.bucket("values", "terms", field=field, size=FACET_SIZE)
            if facet == "topic":
                terms.bucket("label", "terms", field="topic_title", size=1)
        others = [c for name, clauses in filters.items() if name != "status" for c in clauses]
        status = search.aggs.bucket("f_status", "filter", self._combine(others))
        status.bucket("solved", "filter", Q("bool", filter=[Q("term", kind="question"), Q("term", is_solved=True)]))
        status.bucket("unanswered", "filter", Q("bool", filter=[Q("term", kind="question"), Q("term", answer_count=0)]))

        if query.sort == "newest":
            search = search.sort({"created_at": {"order": "desc"}}, "_score")
        elif query.sort == "votes":
            search = search.sort({"votes": {"order": "desc"}}, "_score")
        highlight_text = {"number_of_fragments": 0}
        highlight_body = {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 1}
        search = search.highlight_options(pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html", require_field_match=False)
        search = search.highlight("title", "title.en", "title.ja", **highlight_text)
        search = search.highlight("body", "body.en", "body.ja", **highlight_body)
        search = search.highlight("accepted_text", "accepted_text.en", "accepted_text.ja", **highlight_body)
        search = search.extra(track_total_hits=True)
        start = max(0, (max(query.page, 1) - 1) * query.page_size)
        return search[start : start + query.page_size]

    def search(self, query: SearchQuery) -> Results:
        started = time.perf_counter()
        if query.match == "all" and not parse(query.text[:MAX_QUERY]):  # '"', "the": nothing to look for
            return Results(query=query, hits=[], total=0, backend=self.name)
        request = self.build_search(query)
        try:
            response = self.client.search(index=self.alias, body=request.to_dict())
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "search") from exc
        body = response.body
        hits = [self._hit(raw) for raw in body["hits"]["hits"]]
        total = body["hits"]["total"]
        total = total["value"] if isinstance(total, dict) else int(total)
        took = body.get("took")
        return Results(
            query=query,
            hits=hits,
            total=total,
            facets=self._facets(body.get("aggregations", {}), query),
            took_ms=float(took) if took is not None else (time.perf_counter() - started) * 1000,
            backend=self.name,
        )

    @staticmethod
    def _first_highlight(highlight: dict[str, list[str]], fields: tuple[str, ...]) -> str:
        for field in fields:
            fragments = highlight.get(field)
            if fragments and "<mark>" in fragments[0]:
                return merge_marks(fragments[0])  # Japanese pieces marked one by one become one run
        return ""

    def _hit(self, raw: dict[str, Any]) -> Hit:
        src = raw["_source"]
        highlight = raw.get("highlight") or {}
        # Japanese text: only the cjk/kuromoji and english sub-fields give sensible highlights (the standard
        # analyzer splits kanji and kana into single characters and would mark stray ones).
        # The accepted answer's words are shown first when they match (as the database backend does).
        if src.get("language") == "ja":
            title_fields = ("title.ja", "title.en")
            body_fields = ("accepted_text.ja", "accepted_text.en", "body.ja", "body.en")
        else:
            title_fields = ("title.en", "title", "title.ja")
            body_fields = ("accepted_text.en", "accepted_text", "accepted_text.ja", "body.en", "body", "body.ja")
        title_html = self._first_highlight(highlight, title_fields) or html.escape(src.get("title", ""))
        snippet_html = self._first_highlight(highlight, body_fields) or html.escape(_snippet(src.get("body", "")))
        score = raw.get("_score")
        return Hit(
            key=src.get("key") or raw["_id"],
            kind=src["kind"],
            object_id=int(src["object_id"]),
            url=src.get("url", ""),
            title=src.get("title", ""),
            title_html=title_html,
            snippet_html=snippet_html,
            topic_slug=src.get("topic_slug", ""),
            topic_title=src.get("topic_title", ""),
            tags=list(src.get("tags") or []),
            language=src.get("language", ""),
            is_solved=bool(src.get("is_solved")),
            answer_count=int(src.get("answer_count") or 0),
            votes=int(src.get("votes") or 0),
            helpful_ratio=src.get("helpful_ratio"),
            created_at=_parse_dt(src.get("created_at")),
            updated_at=_parse_dt(src.get("updated_at")),
            score=float(score) if score is not None and not (isinstance(score, float) and math.isnan(score)) else 0.0,
        )

    @staticmethod
    def _facets(aggs: dict[str, Any], query: SearchQuery) -> dict[str, list[FacetValue]]:
        kind_labels = dict(SearchDocument.Kind.choices)
        language_labels = dict(getattr(settings, "LANGUAGES", ()))
        selected = {
            "kind": set(query.kinds),
            "topic": set(query.topics),
            "tag": set(query.tags),
            "language": set(query.languages),
        }
        facets: dict[str, list[FacetValue]] = {}
        for facet in ("kind", "topic", "tag", "language"):
            buckets = aggs.get(f"f_{facet}", {}).get("values", {}).get("buckets", [])
            values = []
            for bucket in buckets:
                value = str(bucket["key"])
                if not value:
                    continue  # documents without a topic
                if facet == "kind":
                    label = str(kind_labels.get(value, value))
                elif facet == "language":
                    label = str(language_labels.get(value, value))
                elif facet == "topic":
                    labels = bucket.get("label", {}).get("buckets", [])
                    label = str(labels[0]["key"]) if labels else value
                else:
                    label = value
                values.append(FacetValue(value, label, int(bucket["doc_count"]), value in selected[facet]))
            for value in selected[facet] - {v.value for v in values}:  # a selected value always shows
                values.append(FacetValue(value, value, 0, True))
            facets[facet] = values
        status = aggs.get("f_status", {})
        facets["status"] = [
            FacetValue(
                name,
                _("Solved") if name == "solved" else _("Unanswered"),
                int(status.get(name, {}).get("doc_count", 0)),
                query.status == name,
            )
            for name in ("solved", "unanswered")
        ]
        return facets

    # ------------------------------------------------------------------------------------- suggestions
    def suggest(self, prefix: str, language: str = "", limit: int = 8) -> list[Suggestion]:
        prefix = " ".join(prefix.split())[:100]
        if not prefix:
            return []
        # Several inputs per title (its word suffixes) may match: fetch extra options and dedupe by URL.
        completion: dict[str, Any] = {"field": "suggest", "size": limit * 3}
        # Context queries must name their contexts (Elasticsearch 8 refuses a bare one): all languages.
        languages = [language] if language else [code for code, _name in settings.LANGUAGES] or ["en"]
        completion["contexts"] = {"language": languages}
        body: dict[str, Any] = {
            "_source": ["kind", "title", "url", "language"],
            "suggest": {"titles": {"prefix": prefix, "completion": completion}},
        }
        try:
            response = self.client.search(index=self.alias, body=body)
            options = response.body.get("suggest", {}).get("titles", [{}])[0].get("options", [])
            sources = [option["_source"] for option in options if "_source" in option]
            if not sources:
                sources = self._prefix_fallback(prefix, language, limit)
        except BACKEND_ERRORS as exc:
            raise _unavailable(exc, "suggest") from exc
        out: list[Suggestion] = []
        seen: set[str] = set()
        for src in sources:
            if src.get("url") in seen:
                continue
            seen.add(src.get("url"))
            out.append(Suggestion(kind=src["kind"], title=src["title"], url=src.get("url", ""), language=src.get("language", "")))
        return out[:limit]

    def _prefix_fallback(self, prefix: str, language: str, limit: int) -> list[dict[str, Any]]:
        query = Q(
            "bool",
            should=[
                Q("match_phrase_prefix", title={"query": prefix}),
                Q("match_phrase_prefix", **{"title.ja": {"query": prefix}}),
            ],
            minimum_should_match=1,
        )
        if language:
            query = Q("bool", must=[query], filter=[Q("term", language=language)])
        body = {"query": query.to_dict(), "size": limit, "_source": ["kind", "title", "url", "language"]}
        response = self.client.search(index=self.alias, body=body)
        return [hit["_source"] for hit in response.body["hits"]["hits"]]


def _holds_a_term(word: str, terms: list[Term]) -> bool:
    """Whether a free word of the query is (or, in Japanese, holds) one of `terms` or a word of one ("log" of "log in")."""
    word = normalise(word)
    for term in terms:
        for form in (term.text, *term.variants):
            if word == form or word in form.split() or (CJK.search(form) and form in word):
                return True
    return False


def _text_match(word: str, suffix: str, **options) -> Q:
    """One word of the query (every token an analyser makes of it: "wi-fi", "琥珀色") in the title, accepted
    answer or body, as analysed by one sub-field family; a word the English analyser drops (a stopword it has
    and `without_stopwords` has not) is not required."""
    return Q(
        "multi_match", query=word, fields=[f"title{suffix}^3", f"accepted_text{suffix}^2", f"body{suffix}"],
        type="best_fields", tie_breaker=0.3, operator="and", zero_terms_query="all" if suffix == ".en" else "none",
        **options,
    )


def _snippet(body: str) -> str:
    body = " ".join(body.split())
    if len(body) <= SNIPPET_CHARS:
        return body
    return body[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"


# --- Editors' synonyms (search/synonyms.py), applied at query time: no reindex, no index setting ---------


SYNONYM_FIELDS = ["title^3", "accepted_text^2", "body", "title.en^3", "accepted_text.en^2", "body.en",
                  "title.ja^3", "accepted_text.ja^2", "body.ja"]


def phrase_fields(variant: str) -> list[str]:
    """The fields a spelling or synonym is matched in as a phrase: every sub-field for one word or for
    Japanese; for several Latin words ("log in", "log-in", "sign in") the standard-analysed fields only — the English and
    CJK analysers drop "in" as a stopword, and the phrase would match any "log"."""
    if len(variant.replace("-", " ").split()) < 2 or CJK.search(variant):  # "log-in" is two words to an analyser
        return SYNONYM_FIELDS
    return [field for field in SYNONYM_FIELDS if "." not in field]


def _with_synonyms(backend: ElasticsearchBackend, query: SearchQuery, terms: list[Term]):
    """When a group holds one of the query's terms (as `parse` made them: "log in" one term): every term must
    match, either as typed (the usual query for that term, a compound in any of its spellings) or as one of
    its synonyms — each synonym a phrase over the title, accepted answer and body, so "sign in" needs its
    words adjacent. None when no group applies (the query is unchanged)."""
    from search.synonyms import expand, query_language

    expanded = expand(terms, query_language(query))
    if all(len(e.variants) == len(t.variants) for t, e in zip(terms, expanded, strict=True)):
        return None
    clauses = []
    for term, wider in zip(terms, expanded, strict=True):
        if term.phrase:
            own = backend._text_query("", [term.text])
        elif set(term.variants) - {term.text, stem(term.text)}:  # a compound: "log in", "login", "log-in"
            own = backend._text_query("", [], [term])
        else:
            own = backend._text_query(term.text, [])
        synonyms = [Q("multi_match", query=v, type="phrase", fields=phrase_fields(v)) for v in wider.variants[len(term.variants):]]
        clauses.append(Q("bool", should=[own, *synonyms], minimum_should_match=1) if synonyms else own)
    return Q("bool", must=clauses) if len(clauses) > 1 else clauses[0]
