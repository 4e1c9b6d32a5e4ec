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
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Substr
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import SearchDocument
from ..text import CJK, Term, highlight, parse, trigrams
from .base import FacetValue, Hit, Results, SearchQuery, Suggestion

CANDIDATES = 300  # rows scored in Python for relevance order
HEAD_EXTRA = 20  # rows beyond the page re-ranked with their text
TEXT_PREFIX = 4000  # characters of body / accepted answer read for bonuses and snippets
FACET_ROWS = 200_000  # matching rows read (small columns only) for the total and the facet counts
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
    """10 when a term is in the title, 3 in the tags, else 1 (it matched the body or accepted answer):
    cheap to compute for every match; the accepted answer's lift is added in Python for the top rows."""
    whens = [When(**{f"{field}__icontains": v}, then=Value(weight)) for field, weight in (("title", 10), ("tags", 3)) for v in term.variants]
    return Case(*whens, default=Value(1), output_field=IntegerField())


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

    def _fts_filter(self, terms: list[Term], fuzzy: bool = False, column: str = "") -> tuple[RawSQL | None, bool]:
        """A subquery of the row ids the FTS5 trigram index matches, and whether it decides every term (so
        no LIKE is needed). (None, False) when it cannot help: another database, or only short terms."""
        if not _fts_available():
            return None, False
        if fuzzy:
            grams = [g for t in terms for g in trigrams(t.text)]
            if not grams:
                return None, False
            expression = " OR ".join(_fts_phrase(g) for g in grams[:40])
            complete = False
        else:
            parts = []
            for term in terms:
                if any(len(v) < 3 for v in term.variants):
                    continue  # a 1–2 character term (e.g. 返金): matched by LIKE only
                group = "(" + " OR ".join(_fts_phrase(v) for v in term.variants) + ")"
                parts.append(f"{column} : {group}" if column else group)
            if not parts:
                return None, False
            expression = " AND ".join(parts)
            complete = len(parts) == len(terms)
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 - constant table name
        return RawSQL(sql, [expression]), complete  # noqa: S611 - the user text is a bound parameter

    def _matching(self, terms: list[Term]) -> tuple[QuerySet, bool]:
        """Documents matching every term (exact pass), else the typo-tolerant pass. Returns (qs, fuzzy)."""
        base = SearchDocument.objects.all()
        exact = base
        ids, complete = self._fts_filter(terms)
        if ids is not None:
            exact = exact.filter(pk__in=ids)
        if not complete:
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
        ids, _complete = self._fts_filter(fuzzy_terms, fuzzy=True)
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
        # Lower(...) keeps SQLite from scanning the (language, kind) index instead of following the FTS ids.
        if query.kinds and skip != "kind":
            qs = qs.alias(kind_l=Lower("kind")).filter(kind_l__in=query.kinds)
        if query.topics and skip != "topic":
            qs = qs.filter(topic_slug__in=query.topics)
        if query.languages and skip != "language":
            qs = qs.alias(language_l=Lower("language")).filter(language_l__in=query.languages)
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
        total, facets = self._facets_and_total(matching, query)
        offset = (max(1, query.page) - 1) * query.page_size
        # Long text columns are read only for the rows that need them (fuzzy scoring, final order, snippets).
        light = filtered if fuzzy else filtered.defer("body", "accepted_text")
        if query.sort == "newest":
            rows = self._with_text(list(light.order_by("-created_at", "-pk")[offset : offset + query.page_size]))
        elif query.sort == "votes":
            rows = self._with_text(list(light.order_by("-votes", "-answer_count", "-pk")[offset : offset + query.page_size]))
        else:
            candidates = list(light.order_by("-text_score", "-updated_at")[: max(CANDIDATES, offset + query.page_size)])
            if fuzzy:
                for doc in candidates:
                    doc.text_score, doc.corrections = fuzzy_score(doc, terms)
            candidates.sort(key=lambda d: self._relevance(d, terms), reverse=True)
            # Second stage: the rows that can reach this page get the bonuses that need their text.
            head = self._with_text(candidates[: offset + query.page_size + HEAD_EXTRA])
            head.sort(key=lambda d: self._relevance(d, terms, with_text=True), reverse=True)
            rows = head[offset : offset + query.page_size]
        if fuzzy:  # highlight the words that were meant ("pasword" → password)
            found = {w for doc in rows for w in getattr(doc, "corrections", ())}
            terms = [Term(t.text, (*t.variants, *sorted(found)), t.phrase) for t in terms]
        hits = [self._hit(doc, terms) for doc in rows]
        return Results(
            query=query, hits=hits, total=total, facets=facets, took_ms=(time.perf_counter() - started) * 1000,
            backend=self.name,
        )

    @staticmethod
    def _with_text(docs: list) -> list:
        """Attach the start of each document's body and accepted answer (one query for all of them)."""
        texts = dict(
            (pk, (body, accepted))
            for pk, body, accepted in SearchDocument.objects.filter(pk__in=[d.pk for d in docs])
            .annotate(body_start=Substr("body", 1, TEXT_PREFIX), accepted_start=Substr("accepted_text", 1, TEXT_PREFIX))
            .values_list("pk", "body_start", "accepted_start")
        )
        for doc in docs:
            doc.body_start, doc.accepted_start = texts.get(doc.pk, ("", ""))
        return docs

    @staticmethod
    def _relevance(doc, terms: list[Term], with_text: bool = False) -> float:
        score = float(getattr(doc, "text_score", 0) or 0)
        query_language = "ja" if any(CJK.search(t.text) for t in terms) else "en"
        title = doc.title.lower()
        if all(any(v in title for v in t.variants) for t in terms):
            score += 6  # every term in the title
        if with_text:
            if len(terms) > 1 and " ".join(t.text for t in terms) in (title + " " + doc.body_start.lower()):
                score += 4  # the words side by side
            accepted = doc.accepted_start.lower()
            score += sum(3 for t in terms if any(v in accepted for v in t.variants))  # the accepted answer says it
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
        accepted = doc.accepted_start
        text = accepted if accepted and "<mark>" in highlight(accepted, terms) else doc.body_start
        return Hit(
            key=doc.key, kind=doc.kind, object_id=doc.object_id, url=doc.url, title=doc.title,
            title_html=highlight(doc.title, terms), snippet_html=highlight(text, terms, limit=220),
            topic_slug=doc.topic_slug, topic_title=doc.topic_title, tags=doc.tags.split() if doc.tags else [],
            language=doc.language, is_solved=doc.is_solved, answer_count=doc.answer_count, votes=doc.votes,
            helpful_ratio=doc.helpful_ratio, created_at=doc.created_at, updated_at=doc.updated_at,
            score=float(getattr(doc, "text_score", 0) or 0),
        )

    def _facets_and_total(self, matching: QuerySet, query: SearchQuery) -> tuple[int, dict[str, list[FacetValue]]]:
        """The total and the facet counts from one pass over the matching rows' small columns. Each facet is
        counted with the *other* facets' filters applied, so choices combine and the current one stays
        visible."""
        kind_labels = dict(SearchDocument.Kind.choices)
        language_labels = {"en": "English", "ja": "日本語"}
        rows = matching.order_by().values_list(
            "kind", "topic_slug", "topic_title", "language", "is_solved", "answer_count", "tags"
        )[:FACET_ROWS]
        wanted_tags = set(query.tags)
        ui_language = (get_language() or "en")[:2]
        tests = {
            "kind": (lambda r: r[0] in query.kinds) if query.kinds else None,
            "topic": (lambda r: r[1] in query.topics) if query.topics else None,
            "language": (lambda r: r[3] in query.languages) if query.languages else None,
            "tag": (lambda r: wanted_tags <= set(r[6].split())) if wanted_tags else None,
            "status": (
                (lambda r: r[0] == "question" and (r[4] if query.status == "solved" else r[5] == 0)) if query.status else None
            ),
        }
        active = {name: test for name, test in tests.items() if test}
        total = 0
        kinds: Counter[str] = Counter()
        topics: Counter[str] = Counter()
        topic_titles: dict[str, str] = {}
        languages: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        tags: Counter[str] = Counter()
        for row in rows:
            failed = [name for name, test in active.items() if not test(row)]
            if len(failed) > 1:
                continue
            miss = failed[0] if failed else None
            if miss is None:
                total += 1
            if miss in (None, "kind"):
                kinds[row[0]] += 1
            if miss in (None, "topic") and row[1]:
                topics[row[1]] += 1
                if row[3] == ui_language or row[1] not in topic_titles:
                    topic_titles[row[1]] = row[2]  # the topic's name in the reader's language when there is one
            if miss in (None, "language"):
                languages[row[3]] += 1
            if miss in (None, "status") and row[0] == "question":
                statuses["solved"] += bool(row[4])
                statuses["unanswered"] += row[5] == 0
            if miss in (None, "tag") and row[6]:
                tags.update(row[6].split())
        facets = {
            "kind": [FacetValue(k, str(kind_labels.get(k, k)), n, k in query.kinds) for k, n in kinds.most_common()],
            "topic": [FacetValue(k, topic_titles[k], n, k in query.topics) for k, n in topics.most_common(12)],
            "language": [FacetValue(k, language_labels.get(k, k), n, k in query.languages) for k, n in languages.most_common()],
            "status": [
                FacetValue("solved", _("Solved"), statuses["solved"], query.status == "solved"),
                FacetValue("unanswered", _("Unanswered"), statuses["unanswered"], query.status == "unanswered"),
            ],
            "tag": [FacetValue(k, k, n, k in wanted_tags) for k, n in tags.most_common(12)],
        }
        shown = {f.value for f in facets["tag"]}
        facets["tag"] += [FacetValue(t, t, tags.get(t, 0), True) for t in query.tags if t not in shown]
        shown = {f.value for f in facets["topic"]}
        facets["topic"] += [FacetValue(t, t, 0, True) for t in query.topics if t not in shown]
        return total, facets

    def suggest(self, prefix: str, language: str = "", limit: int = 8) -> list[Suggestion]:
        terms = parse(prefix)
        if not terms:
            return []
        qs = SearchDocument.objects.all()
        if language:
            qs = qs.alias(language_l=Lower("language")).filter(language_l=language)  # see _filter
        ids, _complete = self._fts_filter([Term(t.text, (t.text,)) for t in terms if len(t.text) >= 3], column="title")
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        for term in terms:
            qs = qs.filter(title__icontains=term.text)
        rows = qs.order_by(
            Case(When(kind=SearchDocument.Kind.ARTICLE, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "-is_solved", "-votes", "-updated_at",
        ).values("kind", "title", "url", "language")[:limit]
        return [Suggestion(r["kind"], r["title"], r["url"], r["language"]) for r in rows]


