"""The embedded search engine: `SearchDocument` queried by the database itself.

Matching is by substring of each term or its stem (so "passwords" finds "password", and Japanese works
without a word splitter), every term must match (title, body, accepted answer or tags). On SQLite an FTS5
table with the trigram tokenizer narrows the rows first; on PostgreSQL, pg_trgm GIN indexes serve the
same `ILIKE`s. When nothing matches, a typo-tolerant pass looks for documents sharing most of each term's
trigrams ("pasword" → "password").

One query reads the small columns of every matching row with its relevance computed in SQL (see
`db_ranking`); Python counts the facets from those rows and picks the page; a second query reads the
page's documents (and a few more, re-ranked with their text). Highlights are computed in Python.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import Counter
from operator import itemgetter, mul

from django.db import connection
from django.db.models import Case, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Lower, Substr
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import SearchDocument
from ..synonyms import expand, query_language
from ..text import CJK, Term, highlight, parse, trigrams
from .base import FacetValue, Hit, Results, SearchQuery, Suggestion
from .db_ranking import (
    EpochDays,
    all_in_title,
    base_score,
    fuzzy_score,
    fuzzy_trigram_score,
    lift,
    text_bonus,
    with_title_bonus,
)

CANDIDATES = 300  # typo-tolerant matches compared word by word in Python
HEAD_EXTRA = 20  # rows beyond the page re-ranked with their text
TEXT_PREFIX = 4000  # characters of body / accepted answer read for bonuses and snippets
MAX_ROWS = 200_000  # matching rows read (small columns only) for the total, the facets and the ranking
ANY_TERM_ROWS = 500  # best title matches considered when any term may match (the ask form)
SUGGEST_ROWS = 200  # best title matches considered for autocomplete
FTS_TABLE = "search_document_fts"  # title, body, accepted answer, tags (migration 0002)
TITLE_TABLE = "search_title_fts"  # title, tags (migration 0004)
FIELDS = ("title", "accepted_text", "tags", "body")

# The columns read for every matching row, and their positions in a row tuple.
COLUMNS = ("id", "kind", "tags", "topic_slug", "topic_title", "language", "is_solved", "answer_count", "votes")
ID, KIND, TAGS, TOPIC, TOPIC_TITLE, LANGUAGE, SOLVED, ANSWERS, VOTES, CREATED, BASE, LIFT = range(len(COLUMNS) + 3)


def _fts_available() -> bool:
    return connection.vendor == "sqlite"


def optimize() -> None:
    """Merge the FTS5 tables' segments into one after a bulk load: queries then read half as many pages."""
    if _fts_available():
        with connection.cursor() as cursor:
            for table in (FTS_TABLE, TITLE_TABLE):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608 - constant names


def _column(rows: list[tuple], index: int) -> tuple:
    """One column of the rows (`Counter` counts a tuple in C, a generator in Python)."""
    return tuple(map(itemgetter(index), rows))


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _term_q(term: Term) -> Q:
    q = Q()
    for variant in term.variants:
        for field in FIELDS:
            q |= Q(**{f"{field}__icontains": variant})
    return q


class DatabaseBackend:
    name = "database"

    # --- writes: the table is the index --------------------------------------------------------------------

    def index(self, doc) -> None:
        return None

    def delete(self, key: str) -> None:
        return None

    # --- reads ------------------------------------------------------------------------------------------

    def _fts_filter(self, terms: list[Term], fuzzy: bool = False) -> tuple[RawSQL | None, bool]:
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
                parts.append(group)
            if not parts:
                return None, False
            expression = " AND ".join(parts)
            complete = len(parts) == len(terms)
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 - constant table name
        return RawSQL(sql, [expression]), complete  # noqa: S611 - the user text is a bound parameter

    def _matching(
        self, terms: list[Term], scoring: dict, any_term: bool = False, query: SearchQuery | None = None
    ) -> tuple[list[tuple], bool]:
        """Every matching row (see `_rows`): every term (exact pass), else the typo-tolerant pass; with
        `any_term`, titles or tags holding any of the terms. Returns (rows, fuzzy)."""
        base = SearchDocument.objects.all()
        if any_term:
            # The ask form asks for one kind and one language at a time: narrow before the best-titles cut
            # (`ANY_TERM_ROWS`), or thousands of questions could leave no room for the few help articles.
            if query is not None and query.kinds:
                base = base.filter(kind__in=query.kinds)
            if query is not None and query.languages:
                base = base.filter(language__in=query.languages)
            return self._rows(self._any_term(base, terms), base_score(terms, any_term=True), **scoring), False
        exact = base
        ids, complete = self._fts_filter(terms)
        if ids is not None:
            exact = exact.filter(pk__in=ids)
        if not complete:
            for term in terms:
                exact = exact.filter(_term_q(term))
        rows = self._rows(exact, base_score(terms), **scoring)
        # Typo tolerance: a term matches when its title/body shares most of the term's trigrams.
        fuzzy_terms = [t for t in terms if len(t.text) >= 4 and not t.phrase]
        if rows or not fuzzy_terms:
            return rows, False
        fuzzy = base
        ids, _complete = self._fts_filter(fuzzy_terms, fuzzy=True)
        if ids is not None:
            fuzzy = fuzzy.filter(pk__in=ids)
        score = Value(0.0)
        for i, term in enumerate(fuzzy_terms):
            hits = fuzzy_trigram_score(term)
            need = max(2, math.ceil(len(trigrams(term.text)) * 0.6))  # body-only trigram hits count 1, title hits 3
            fuzzy = fuzzy.alias(**{f"fuzzy{i}": hits}).filter(**{f"fuzzy{i}__gte": need})
            score = score + hits
        return self._rows(fuzzy, score, **scoring), True

    def _any_term(self, base: QuerySet, terms: list[Term]) -> QuerySet:
        """Titles or tags holding at least one of the terms (the ask form, while a title is typed)."""
        if _fts_available():
            groups = [" OR ".join(_fts_phrase(v) for v in t.variants) for t in terms if all(len(v) >= 3 for v in t.variants)]
            if len(groups) == len(terms):
                match = " OR ".join(f"({g})" for g in groups)
                within, params = "", []
                if base.query.has_filters():  # the best titles among the wanted kind/language only
                    inner, params = base.values("pk").query.sql_with_params()
                    within = f" AND rowid IN ({inner})"
                sql = f"SELECT rowid FROM {TITLE_TABLE} WHERE {TITLE_TABLE} MATCH %s{within} ORDER BY rank LIMIT {ANY_TERM_ROWS}"  # noqa: S608
                return base.filter(pk__in=RawSQL(sql, [match, *params]))  # noqa: S611 - bound parameters
        q = Q()
        for term in terms:
            for variant in term.variants:
                q |= Q(title__icontains=variant) | Q(tags__icontains=variant)
        return base.filter(q)

    @staticmethod
    def _rows(qs: QuerySet, base, *, query_language: str, now_days: float) -> list[tuple]:
        """`COLUMNS` of every row of `qs`, then its creation day (days since 1970), base score and lift, as
        plain tuples. The SQL is Django's; the rows skip its per-value converters (booleans stay 0/1)."""
        # Cast: PostgreSQL would answer numeric (Decimal) for the arithmetic on bound parameters.
        qs = qs.annotate(
            created_day=EpochDays("created_at"), base=Cast(base, FloatField()), lift=Cast(lift(query_language, now_days), FloatField())
        )
        sql, params = qs.order_by().values_list(*COLUMNS, "created_day", "base", "lift").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} LIMIT {MAX_ROWS}", params)  # noqa: S608 - Django's SQL, bound parameters
            return cursor.fetchall()

    def search(self, query: SearchQuery) -> Results:
        started = time.perf_counter()
        terms = expand(parse(query.text), query_language(query))  # editors' synonyms (search/synonyms.py)
        if not terms:
            return Results(query=query, hits=[], total=0, backend=self.name)
        scoring = {"query_language": "ja" if any(CJK.search(t.text) for t in terms) else "en", "now_days": time.time() / 86400}
        rows, fuzzy = self._matching(terms, scoring, any_term=query.match == "any", query=query)
        total, facets, selected = self._facets(rows, query)
        offset = (max(1, query.page) - 1) * query.page_size
        if query.sort == "newest":
            selected.sort(key=lambda r: (r[CREATED], r[ID]), reverse=True)
            docs = self._documents([r[ID] for r in selected[offset : offset + query.page_size]])
        elif query.sort == "votes":
            selected.sort(key=lambda r: (r[VOTES], r[ANSWERS], r[ID]), reverse=True)
            docs = self._documents([r[ID] for r in selected[offset : offset + query.page_size]])
        else:
            docs = self._ranked(selected, terms, offset + query.page_size, fuzzy)[offset:]
        if fuzzy:  # highlight the words that were meant ("pasword" → password)
            found = {w for doc in docs for w in getattr(doc, "corrections", ())}
            terms = [Term(t.text, (*t.variants, *sorted(found)), t.phrase) for t in terms]
        hits = [self._hit(doc, terms) for doc in docs]
        return Results(
            query=query, hits=hits, total=total, facets=facets, took_ms=(time.perf_counter() - started) * 1000,
            backend=self.name,
        )

    def _ranked(self, rows: list[tuple], terms: list[Term], end: int, fuzzy: bool) -> list:
        """The best `end` documents: the rows' SQL score (base × lift) picks the head, whose text then adds
        its bonuses. A typo-tolerant match's base is recomputed word by word for its best candidates."""
        if fuzzy:
            candidates = heapq.nlargest(max(CANDIDATES, end), rows, key=lambda r: (r[BASE], r[ID]))
            lifts = {r[ID]: r[LIFT] for r in candidates}
            docs = self._documents(list(lifts), full_text=True)
            for doc in docs:
                doc.text_score, doc.corrections = fuzzy_score(doc, terms)
                doc.base = doc.text_score + (6 if all_in_title(doc.title, terms) else 0)
                doc.lift = lifts[doc.pk]
        else:
            bases = [with_title_bonus(base, terms) for base in _column(rows, BASE)]
            scores = list(map(mul, bases, _column(rows, LIFT)))
            head = heapq.nlargest(end + HEAD_EXTRA, range(len(rows)), key=scores.__getitem__)
            stages = {rows[i][ID]: (bases[i], rows[i][LIFT]) for i in head}
            docs = self._documents(list(stages))  # a row deleted meanwhile is left out
            for doc in docs:
                doc.base, doc.lift = stages[doc.pk]
                doc.text_score = doc.base
        docs.sort(key=lambda d: (d.base + text_bonus(d, terms)) * d.lift, reverse=True)
        return docs[:end]

    @staticmethod
    def _documents(ids: list[int], full_text: bool = False) -> list:
        """The documents with these ids, in this order, with the start of their body and accepted answer."""
        qs = SearchDocument.objects.filter(pk__in=ids)
        if not full_text:
            qs = qs.defer("body", "accepted_text")
        qs = qs.annotate(body_start=Substr("body", 1, TEXT_PREFIX), accepted_start=Substr("accepted_text", 1, TEXT_PREFIX))
        by_id = {doc.pk: doc for doc in qs}
        return [by_id[pk] for pk in ids if pk in by_id]

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

    @staticmethod
    def _facets(rows: list[tuple], query: SearchQuery) -> tuple[int, dict[str, list[FacetValue]], list[tuple]]:
        """The total, the facet counts and the rows every filter keeps, from one pass over the matching
        rows. Each facet is counted with the *other* facets' filters applied, so choices combine and the
        current one stays visible."""
        wanted_tags = set(query.tags)
        tests = {
            "kind": (lambda r: r[KIND] in query.kinds) if query.kinds else None,
            "topic": (lambda r: r[TOPIC] in query.topics) if query.topics else None,
            "language": (lambda r: r[LANGUAGE] in query.languages) if query.languages else None,
            "tag": (lambda r: wanted_tags <= set(r[TAGS].split())) if wanted_tags else None,
            "status": (
                (lambda r: r[KIND] == "question" and (r[SOLVED] if query.status == "solved" else r[ANSWERS] == 0))
                if query.status else None
            ),
        }
        active = {name: test for name, test in tests.items() if test}
        counted: dict[str, list[tuple]] = {name: [] for name in tests}  # rows counted by each facet
        selected: list[tuple] = []
        if not active:
            selected = rows
            counted = dict.fromkeys(tests, rows)
        else:
            for row in rows:
                failed = [name for name, test in active.items() if not test(row)]
                if not failed:
                    selected.append(row)
                    for bucket in counted.values():
                        bucket.append(row)
                elif len(failed) == 1:
                    counted[failed[0]].append(row)
        if not active:  # the common case: every facet counts every row, so one transposition serves them all
            transposed = list(zip(*rows, strict=True)) or [()] * (LIFT + 1)

            def column(facet: str, index: int) -> tuple:
                return transposed[index]
        else:

            def column(facet: str, index: int) -> tuple:
                return _column(counted[facet], index)

        kinds = Counter(column("kind", KIND))
        topics = Counter(column("topic", TOPIC))
        topics.pop("", None)
        languages = Counter(column("language", LANGUAGE))
        statuses = Counter(zip(column("status", KIND), column("status", SOLVED), column("status", ANSWERS), strict=True))
        solved = sum(n for (kind, is_solved, _answers), n in statuses.items() if kind == "question" and is_solved)
        unanswered = sum(n for (kind, _solved, answers), n in statuses.items() if kind == "question" and answers == 0)
        tags = Counter(" ".join(column("tag", TAGS)).split())
        ui_language = (get_language() or "en")[:2]
        shown_topics = topics.most_common(12)
        topic_titles: dict[str, str] = {}
        wanted = {slug for slug, _n in shown_topics}
        for slug, title, language in zip(column("topic", TOPIC), column("topic", TOPIC_TITLE), column("topic", LANGUAGE), strict=True):
            if slug in wanted and (language == ui_language or slug not in topic_titles):
                topic_titles[slug] = title  # the topic's name in the reader's language when there is one
        kind_labels = dict(SearchDocument.Kind.choices)
        language_labels = {"en": "English", "ja": "日本語"}
        facets = {
            "kind": [FacetValue(k, str(kind_labels.get(k, k)), n, k in query.kinds) for k, n in kinds.most_common()],
            "topic": [FacetValue(k, topic_titles[k], n, k in query.topics) for k, n in shown_topics],
            "language": [FacetValue(k, language_labels.get(k, k), n, k in query.languages) for k, n in languages.most_common()],
            "status": [
                FacetValue("solved", _("Solved"), solved, query.status == "solved"),
                FacetValue("unanswered", _("Unanswered"), unanswered, query.status == "unanswered"),
            ],
            "tag": [FacetValue(k, k, n, k in wanted_tags) for k, n in tags.most_common(12)],
        }
        shown = {f.value for f in facets["tag"]}
        facets["tag"] += [FacetValue(t, t, tags.get(t, 0), True) for t in query.tags if t not in shown]
        shown = {f.value for f in facets["topic"]}
        facets["topic"] += [FacetValue(t, t, 0, True) for t in query.topics if t not in shown]
        return len(selected), facets, list(selected)

    def suggest(self, prefix: str, language: str = "", limit: int = 8) -> list[Suggestion]:
        terms = parse(prefix)
        if not terms:
            return []
        qs = SearchDocument.objects.all()
        if language:
            qs = qs.alias(language_l=Lower("language")).filter(language_l=language)  # the FTS ids lead, not this index
        groups = [f"title : {_fts_phrase(t.text)}" for t in terms if len(t.text) >= 3]
        if groups and _fts_available():
            sql = f"SELECT rowid FROM {TITLE_TABLE} WHERE {TITLE_TABLE} MATCH %s ORDER BY rank LIMIT {SUGGEST_ROWS}"  # noqa: S608
            qs = qs.filter(pk__in=RawSQL(sql, [" AND ".join(groups)]))  # noqa: S611 - the user text is a bound parameter
        for term in terms:
            qs = qs.filter(title__icontains=term.text)
        rows = qs.order_by(
            Case(When(kind=SearchDocument.Kind.ARTICLE, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "-is_solved", "-votes", "-updated_at",
        ).values("kind", "title", "url", "language")[:limit]
        return [Suggestion(r["kind"], r["title"], r["url"], r["language"]) for r in rows]
