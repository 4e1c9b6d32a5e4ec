"""The embedded search engine: `SearchDocument` queried by the database itself.

Matching is by substring of each term or its stem (so "passwords" finds "password", and Japanese works
without a word splitter), every term must match (title, body, accepted answer or tags). On SQLite an FTS5
table with the trigram tokenizer narrows the rows first; on PostgreSQL, pg_trgm GIN indexes serve the
same `ILIKE`s. When nothing matches, a typo-tolerant pass looks for documents sharing most of each term's
trigrams ("pasword" → "password"). Candidates are scored in SQL (title > accepted answer > tags > body)
and lifted by solved, votes, helpfulness and freshness in Python. Highlights are computed in Python.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import SearchDocument
from ..text import CJK, Term, highlight, parse, trigrams
from .base import FacetValue, Hit, Results, SearchQuery, Suggestion

CANDIDATES = 300  # rows scored in Python for relevance order
FACET_SCAN = 2000  # rows whose tags are counted for the tag facet
FTS_TABLE = "search_document_fts"
WEIGHTS = (("title", 10), ("accepted_text", 4), ("tags", 3), ("body", 1))


def _fts_available() -> bool:
    return connection.vendor == "sqlite"


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _term_q(term: Term) -> Q:
    q = Q()
    for variant in term.variants:
        for field, _weight in WEIGHTS:
            q |= Q(**{f"{field}__icontains": variant})
    return q


def _term_score(term: Term):
    """Weight of the best field a term matches in (SQL CASE), so a title match outranks a body match."""
    whens = [When(**{f"{field}__icontains": v}, then=Value(weight)) for field, weight in WEIGHTS for v in term.variants]
    return Case(*whens, default=Value(0), output_field=IntegerField())


WORD = re.compile(r"[\w-]{3,}")


def _similarity(a: str, b: str) -> float:
    """Trigram similarity of two words (as pg_trgm: shared trigrams / all trigrams, words padded)."""
    ta, tb = set(trigrams(f"  {a} ")), set(trigrams(f"  {b} "))
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def fuzzy_score(doc, terms: list[Term]) -> tuple[float, set[str]]:
    """For a typo-tolerant match: how close each term is to a word of the title (×10), tags (×3) or the
    start of the body (×1); returns the score and the words that matched."""
    fields = ((doc.title, 10), (doc.tags, 3), (doc.accepted_text[:3000], 4), (doc.body[:3000], 1))
    score, found = 0.0, set()
    for term in terms:
        best, word_found = 0.0, None
        for text, weight in fields:
            for word in set(WORD.findall(text.lower())):
                similarity = _similarity(term.text, word)
                if similarity >= 0.4 and similarity * weight > best:
                    best, word_found = similarity * weight, word
        score += best
        if word_found:
            found.add(word_found)
    return score, found


class DatabaseBackend:
    name = "database"

    # --- writes: the table is the index --------------------------------------------------------------------

    def index(self, doc) -> None:
        return None

    def delete(self, key: str) -> None:
        return None

    # --- reads ------------------------------------------------------------------------------------------

    def _fts_ids(self, terms: list[Term], fuzzy: bool = False) -> list[int] | None:
        """Row ids the FTS5 trigram index allows (None: no narrowing possible, e.g. only short terms)."""
        if not _fts_available():
            return None
        if fuzzy:
            grams = [g for t in terms for g in trigrams(t.text)]
            if not grams:
                return None
            expression = " OR ".join(_fts_phrase(g) for g in grams[:40])
        else:
            parts = []
            for term in terms:
                usable = [v for v in term.variants if len(v) >= 3]
                if len(usable) != len(term.variants):
                    continue  # a 1–2 character term: matched by LIKE only
                parts.append("(" + " OR ".join(_fts_phrase(v) for v in usable) + ")")
            if not parts:
                return None
            expression = " AND ".join(parts)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT 20000", [expression])  # noqa: S608 - constant table name
            return [row[0] for row in cursor.fetchall()]

    def _matching(self, terms: list[Term]) -> tuple[QuerySet, bool]:
        """Documents matching every term (exact pass), else the typo-tolerant pass. Returns (qs, fuzzy)."""
        base = SearchDocument.objects.all()
        exact = base
        ids = self._fts_ids(terms)
        if ids is not None:
            exact = exact.filter(pk__in=ids)
        for term in terms:
            exact = exact.filter(_term_q(term))
        exact = exact.annotate(text_score=sum((_term_score(t) for t in terms), Value(0)))
        if exact.exists():
            return exact, False
        # Typo tolerance: a term matches when its title/body shares at least half of the term's trigrams.
        fuzzy_terms = [t for t in terms if len(t.text) >= 4 and not t.phrase]
        if not fuzzy_terms:
            return exact, False
        fuzzy = base
        ids = self._fts_ids(fuzzy_terms, fuzzy=True)
        if ids is not None:
            fuzzy = fuzzy.filter(pk__in=ids)
        score = Value(0)
        for i, term in enumerate(fuzzy_terms):
            grams = trigrams(term.text)
            hits = sum(
                (Case(When(title__icontains=g, then=Value(3)), When(body__icontains=g, then=Value(1)), default=Value(0), output_field=IntegerField()) for g in grams),
                Value(0),
            )
            need = max(2, math.ceil(len(grams) * 0.6))  # body-only trigram hits count 1, title hits 3
            fuzzy = fuzzy.alias(**{f"fuzzy{i}": hits}).filter(**{f"fuzzy{i}__gte": need})
            score = score + hits
        return fuzzy.annotate(text_score=score), True

    @staticmethod
    def _filter(qs: QuerySet, query: SearchQuery, skip: str = "") -> QuerySet:
        if query.kinds and skip != "kind":
            qs = qs.filter(kind__in=query.kinds)
        if query.topics and skip != "topic":
            qs = qs.filter(topic_slug__in=query.topics)
        if query.languages and skip != "language":
            qs = qs.filter(language__in=query.languages)
        if skip != "tag":
            for tag in query.tags:
                qs = qs.filter(Q(tags=tag) | Q(tags__startswith=f"{tag} ") | Q(tags__endswith=f" {tag}") | Q(tags__contains=f" {tag} "))
        if query.status and skip != "status":
            qs = qs.filter(kind=SearchDocument.Kind.QUESTION)
            qs = qs.filter(is_solved=True) if query.status == "solved" else qs.filter(answer_count=0)
        return qs

    def search(self, query: SearchQuery) -> Results:
        started = time.perf_counter()
        terms = parse(query.text)
        if not terms:
            return Results(query=query, hits=[], total=0, backend=self.name)
        matching, fuzzy = self._matching(terms)
        filtered = self._filter(matching, query)
        total = filtered.count()
        offset = (max(1, query.page) - 1) * query.page_size
        if query.sort == "newest":
            rows = list(filtered.order_by("-created_at", "-pk")[offset : offset + query.page_size])
        elif query.sort == "votes":
            rows = list(filtered.order_by("-votes", "-answer_count", "-pk")[offset : offset + query.page_size])
        else:
            candidates = list(filtered.order_by("-text_score", "-updated_at")[: max(CANDIDATES, offset + query.page_size)])
            if fuzzy:
                for doc in candidates:
                    doc.text_score, doc.corrections = fuzzy_score(doc, terms)
            candidates.sort(key=lambda d: self._relevance(d, terms), reverse=True)
            rows = candidates[offset : offset + query.page_size]
        if fuzzy:  # highlight the words that were meant ("pasword" → password)
            found = {w for doc in rows for w in getattr(doc, "corrections", ())}
            terms = [Term(t.text, (*t.variants, *sorted(found)), t.phrase) for t in terms]
        hits = [self._hit(doc, terms) for doc in rows]
        facets = self._facets(matching, query)
        return Results(
            query=query, hits=hits, total=total, facets=facets, took_ms=(time.perf_counter() - started) * 1000,
            backend=self.name,
        )

    @staticmethod
    def _relevance(doc, terms: list[Term]) -> float:
        score = float(getattr(doc, "text_score", 0) or 0)
        query_language = "ja" if any(CJK.search(t.text) for t in terms) else "en"
        title = doc.title.lower()
        if all(any(v in title for v in t.variants) for t in terms):
            score += 6  # every term in the title
        if len(terms) > 1 and " ".join(t.text for t in terms) in (title + " " + doc.body[:2000].lower()):
            score += 4  # the words side by side
        lift = 1.0
        if doc.kind == SearchDocument.Kind.QUESTION:
            lift += 0.25 if doc.is_solved else 0.0
            lift += 0.08 * math.log1p(max(doc.votes, 0))
            lift -= 0.15 if doc.answer_count == 0 else 0.0
        else:
            lift += 0.3  # curated help articles first when the text matches as well
            if doc.helpful_ratio is not None:
                lift += 0.3 * (doc.helpful_ratio - 0.5)
        if doc.language == query_language:
            lift += 0.2  # a Japanese query prefers Japanese content, and the other way round
        age_days = max(0.0, (timezone.now() - doc.updated_at).total_seconds() / 86400)
        lift += 0.15 * math.exp(-age_days / 180)
        return score * lift

    @staticmethod
    def _hit(doc, terms: list[Term]) -> Hit:
        text = doc.accepted_text if doc.accepted_text and highlight(doc.accepted_text, terms).count("<mark>") else doc.body
        return Hit(
            key=doc.key, kind=doc.kind, object_id=doc.object_id, url=doc.url, title=doc.title,
            title_html=highlight(doc.title, terms), snippet_html=highlight(text, terms, limit=220),
            topic_slug=doc.topic_slug, topic_title=doc.topic_title, tags=doc.tags.split() if doc.tags else [],
            language=doc.language, is_solved=doc.is_solved, answer_count=doc.answer_count, votes=doc.votes,
            helpful_ratio=doc.helpful_ratio, created_at=doc.created_at, updated_at=doc.updated_at,
            score=float(getattr(doc, "text_score", 0) or 0),
        )

    def _facets(self, matching: QuerySet, query: SearchQuery) -> dict[str, list[FacetValue]]:
        """Counts per facet value, each computed with the other facets' filters applied (so they combine)."""
        kind_labels = dict(SearchDocument.Kind.choices)
        language_labels = {"en": "English", "ja": "日本語"}
        facets: dict[str, list[FacetValue]] = {}
        rows = self._filter(matching, query, skip="kind").order_by().values("kind").annotate(n=Count("pk"))
        facets["kind"] = [FacetValue(r["kind"], str(kind_labels.get(r["kind"], r["kind"])), r["n"], r["kind"] in query.kinds) for r in rows]
        rows = (
            self._filter(matching, query, skip="topic").exclude(topic_slug="").order_by()
            .values("topic_slug", "topic_title").annotate(n=Count("pk"))
        )
        topics: dict[str, FacetValue] = {}
        for r in rows:  # English and Japanese topic pages share a slug: one facet value
            item = topics.setdefault(r["topic_slug"], FacetValue(r["topic_slug"], r["topic_title"], 0, r["topic_slug"] in query.topics))
            item.count += r["n"]
        facets["topic"] = sorted(topics.values(), key=lambda f: (-f.count, f.label))
        rows = self._filter(matching, query, skip="language").order_by().values("language").annotate(n=Count("pk"))
        facets["language"] = [FacetValue(r["language"], language_labels.get(r["language"], r["language"]), r["n"], r["language"] in query.languages) for r in rows]
        status_base = self._filter(matching, query, skip="status").filter(kind=SearchDocument.Kind.QUESTION)
        counts = status_base.aggregate(
            solved=Count("pk", filter=Q(is_solved=True)), unanswered=Count("pk", filter=Q(answer_count=0))
        )
        facets["status"] = [
            FacetValue("solved", _("Solved"), counts["solved"] or 0, query.status == "solved"),
            FacetValue("unanswered", _("Unanswered"), counts["unanswered"] or 0, query.status == "unanswered"),
        ]
        tag_counts: Counter[str] = Counter()
        for tags in self._filter(matching, query, skip="tag").order_by("-text_score").values_list("tags", flat=True)[:FACET_SCAN]:
            tag_counts.update(tags.split())
        facets["tag"] = [FacetValue(tag, tag, n, tag in query.tags) for tag, n in tag_counts.most_common(12)]
        for tag in query.tags:
            if tag not in tag_counts:
                facets["tag"].append(FacetValue(tag, tag, 0, True))
        return facets

    def suggest(self, prefix: str, language: str = "", limit: int = 8) -> list[Suggestion]:
        terms = parse(prefix)
        if not terms:
            return []
        qs = SearchDocument.objects.all()
        if language:
            qs = qs.filter(language=language)
        ids = self._fts_ids([t for t in terms if len(t.text) >= 3]) if any(len(t.text) >= 3 for t in terms) else None
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        for term in terms:
            qs = qs.filter(title__icontains=term.text)
        rows = qs.order_by(
            Case(When(kind=SearchDocument.Kind.ARTICLE, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "-is_solved", "-votes", "-updated_at",
        ).values("kind", "title", "url", "language")[:limit]
        return [Suggestion(r["kind"], r["title"], r["url"], r["language"]) for r in rows]


