"""The embedded search engine: `SearchDocument` queried by the database itself.

Every term must match (title, body, accepted answer or tags), in any of its variants (the word, its stem,
other spellings of a compound; `search.text.parse`). SQLite (see the README's design notes, "The embedded
engine at scale"): a Latin term is looked up in an FTS5 index by word (the word and its inflections, a stem
as a prefix, several words as a phrase), a Japanese one in the FTS5 trigram index; the matching ids are read
once into a temporary table. Up to `EXACT_ROWS` matches every row is ranked (base × lift, `db_ranking`) and
counted; beyond, the facets and total are estimated from an even sample and the page's candidates are read in
the order of the stored quality. PostgreSQL: pg_trgm GIN indexes serve `ILIKE`s and every match is read.
When nothing matches, unknown words are corrected to the closest word of the vocabulary
(`search.vocabulary`) and the search runs again. Highlights are computed in Python.
"""

from __future__ import annotations

import heapq
import math
import re
import time
from collections import Counter
from functools import reduce
from operator import itemgetter, mul, or_

from django.db import connection
from django.db.models import Case, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Lower, Substr
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import vocabulary
from ..models import SearchDocument
from ..synonyms import expand, query_language
from ..text import CJK, SEPARATORS, STOPWORDS, Term, highlight, normalise, parse, starts_a_word
from .base import FacetValue, Hit, Results, SearchQuery, Suggestion
from .db_ranking import (
    EpochDays,
    base_score,
    lift,
    rarity_weighted,
    text_bonus,
    where_terms_are,
    with_title_bonus,
)

HEAD_EXTRA = 20  # rows beyond the page re-ranked with their text
TEXT_PREFIX = 4000  # characters of body / accepted answer read for bonuses and snippets
MAX_ROWS = 200_000  # matching rows read (small columns only) for the total, the facets and the ranking
ANY_TERM_ROWS = 500  # best title matches considered when any term may match (the ask form)
SUGGEST_ROWS = 200  # best title matches considered for autocomplete
SUGGEST_READ = 4  # × the suggestions wanted: rows read, of which those with the words inside others are left out
FTS_TABLE = "search_document_fts"  # title, body, accepted answer, tags (migration 0002)
TITLE_TABLE = "search_title_fts"  # title, tags (migration 0004)
WORD_TABLE = vocabulary.WORD_TABLE  # title, body, accepted answer, tags by word (migration 0006)
EXACT_ROWS = 1500  # up to this many matches: every one is read, ranked and counted exactly
HITS_TABLE = "temp.search_hits"  # the ids matching the current search (one temporary table per connection)
HITS_SQL = f"SELECT id FROM {HITS_TABLE}"  # noqa: S608 - constant
SAMPLE_ROWS = 500  # beyond: the facets are counted on an even sample of about this many and scaled ("about")
SHORT_CJK_GRAMS = 60  # trigrams starting with a 1–2 character Japanese word looked up in the index
WORD_TOKEN = re.compile(r"[^\W_]+")
FIELDS = ("title", "accepted_text", "tags", "body")
SHORT_WORD = 4  # a word this short is respelt only when the rest of the query finds nothing either

# The columns read for every matching row, and their positions in a row tuple.
COLUMNS = ("id", "kind", "tags", "topic_slug", "topic_title", "language", "is_solved", "answer_count", "votes")
ID, KIND, TAGS, TOPIC, TOPIC_TITLE, LANGUAGE, SOLVED, ANSWERS, VOTES, CREATED, BASE, LIFT = range(len(COLUMNS) + 3)


def _short(word: str) -> bool:
    """A word often real rather than a typo: four letters or fewer ("wife"), or five ending like an inflection
    ("dying", "dated": "doing" is no correction of "dying"; "camra" is still respelt "camera")."""
    return len(word) <= SHORT_WORD or (len(word) == 5 and word.endswith(("ing", "ed")))


def _fts_available() -> bool:
    return connection.vendor == "sqlite"


def optimize() -> None:
    """Merge the FTS5 tables' segments into one after a bulk load: queries then read half as many pages."""
    if _fts_available():
        with connection.cursor() as cursor:
            for table in (FTS_TABLE, TITLE_TABLE, WORD_TABLE):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608 - constant names


def _column(rows: list[tuple], index: int) -> tuple:
    """One column of the rows (`Counter` counts a tuple in C, a generator in Python)."""
    return tuple(map(itemgetter(index), rows))


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _as_text(scope: str, phrases: list[str]) -> str | None:
    """Word-index phrases ("hub", "hubs", "reset"*) as a trigram-index group: the same text found anywhere, a
    stem's prefix included, also inside a longer token ("Hubが", where Japanese runs a name into its particle);
    None when a phrase is too short for trigrams."""
    plain = [phrase.removesuffix("*") for phrase in phrases]
    if any(len(phrase.strip('"').replace('""', '"')) < 3 for phrase in plain):
        return None
    return f"{scope}({' OR '.join(dict.fromkeys(plain))})"


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

    def _fts_filter(self, terms: list[Term]) -> tuple[RawSQL | None, bool]:
        """A subquery of the row ids the FTS5 trigram index matches, and whether it decides every term (so
        no LIKE is needed). (None, False) when it cannot help: another database, or only short terms."""
        if not _fts_available():
            return None, False
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
    ) -> list[tuple]:
        """Every matching row (see `_rows`, at most `MAX_ROWS`): every term; with `any_term`, titles or tags
        holding any of the terms. (PostgreSQL, and the ask form's any-term search.)"""
        base = SearchDocument.objects.all()
        if any_term:
            # The ask form asks for one kind and one language at a time: narrow before the best-titles cut
            # (`ANY_TERM_ROWS`), or thousands of questions could leave no room for the few help articles.
            if query is not None and query.kinds:
                base = base.filter(kind__in=query.kinds)
            if query is not None and query.languages:
                base = base.filter(language__in=query.languages)
            rows = self._rows(self._any_term(base, terms), where_terms_are(terms), **scoring)
            bases = rarity_weighted([row[BASE] for row in rows], len(terms))
            return [(*row[:BASE], score, *row[BASE + 1:]) for row, score in zip(rows, bases, strict=True)]
        exact = base
        ids, complete = self._fts_filter(terms)
        if ids is not None:
            exact = exact.filter(pk__in=ids)
        if not complete:
            for term in terms:
                exact = exact.filter(_term_q(term))
        return self._rows(exact, base_score(terms), **scoring)

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
        terms = expand(parse(query.text, known=vocabulary.known), query_language(query))  # the one place the terms are built; editors' synonyms (search/synonyms.py)
        if not terms:
            return Results(query=query, hits=[], total=0, backend=self.name)
        scoring = {"query_language": query.ranking_language(any(CJK.search(t.text) for t in terms)), "now_days": time.time() / 86400}
        corrected = ""
        plan = self._plan(terms) if _fts_available() and query.match != "any" else None
        if plan is not None:
            total = self._collect(plan)
            if not total and (fixed := self._corrected(terms, scoring)):
                corrected, terms = fixed
                plan = self._plan(terms)
                total = self._collect(plan) if plan is not None else 0
            if plan is not None:
                results = self._indexed(query, terms, (HITS_SQL, []), total, scoring)
                results.corrected = corrected if total else ""  # a respelling that finds nothing is not offered
                results.took_ms = (time.perf_counter() - started) * 1000
                return results
        rows = self._matching(terms, scoring, any_term=query.match == "any", query=query)
        if not rows and query.match != "any" and (fixed := self._corrected(terms, scoring)):
            corrected, terms = fixed
            rows = self._matching(terms, scoring, query=query)
        total, facets, selected = self._facets(rows, query)
        docs = self._page(query, terms, selected)
        hits = [self._hit(doc, terms) for doc in docs]
        return Results(
            query=query, hits=hits, total=total, facets=facets, took_ms=(time.perf_counter() - started) * 1000,
            backend=self.name, corrected=corrected if total else "",
        )

    def _page(self, query: SearchQuery, terms: list[Term], selected: list[tuple]) -> list:
        """The documents of the page asked for, from the rows every filter keeps."""
        offset = (max(1, query.page) - 1) * query.page_size
        if query.sort == "newest":
            selected.sort(key=lambda r: (r[CREATED], r[ID]), reverse=True)
            return self._documents([r[ID] for r in selected[offset : offset + query.page_size]])
        if query.sort == "votes":
            selected.sort(key=lambda r: (r[VOTES], r[ANSWERS], r[ID]), reverse=True)
            return self._documents([r[ID] for r in selected[offset : offset + query.page_size]])
        return self._ranked(selected, terms, offset + query.page_size)[offset:]

    # --- SQLite: the word and trigram indexes --------------------------------------------------------------

    @staticmethod
    def _short_cjk(word: str) -> list[str]:
        """A 1–2 character Japanese word as the trigrams of the index that start with it (返金 → 返金を, 返金し…):
        the trigram index cannot look up fewer than three characters."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT term FROM {vocabulary.TRIGRAM_VOCAB} WHERE term >= %s AND term < %s LIMIT {SHORT_CJK_GRAMS}",  # noqa: S608
                [word, word + "\U0010ffff"],
            )
            return [row[0] for row in cursor.fetchall()]

    def _plan(self, terms: list[Term], column: str = "") -> tuple[str, list] | None:
        """SQL for the ids of the documents holding every term (any variant of it), from the word index (Latin
        script: a word, a prefix of four letters or more, a phrase) and the trigram index (Japanese); None
        when a term cannot be looked up in either (it is then matched by LIKE)."""
        scope = f"{column} : " if column else ""
        word_groups, trigram_groups, mixed = [], [], []
        word_phrases: list[list[str]] = []  # the word groups' phrases (`_one_mixed` looks them up by trigram too)
        for term in terms:
            words, grams = [], []
            for variant in term.variants:
                if CJK.search(variant):
                    if len(variant) >= 3:
                        grams.append(_fts_phrase(variant))
                    else:
                        grams += [_fts_phrase(g) for g in self._short_cjk(variant)]
                    continue
                tokens = WORD_TOKEN.findall(variant)
                if len(tokens) > 1:
                    words.append(_fts_phrase(" ".join(tokens)))
                elif tokens and len(tokens[0]) >= 4 and variant != term.text and term.text.startswith(variant):
                    words.append(_fts_phrase(tokens[0]) + "*")  # a stem: "resetting" → reset, resets, resetting…
                elif tokens:  # the word and its inflections (cheaper than a prefix, which reads every longer word)
                    words += [_fts_phrase(form) for form in vocabulary.inflections(tokens[0])]
            words, grams = list(dict.fromkeys(words)), list(dict.fromkeys(grams))
            if not words and not grams:
                if any(CJK.search(v) for v in term.variants):
                    return None
                words = ['"\x01"']  # nothing to look up: matches nothing
            if words and grams:
                mixed.append((f"{scope}({' OR '.join(words)})", f"{scope}({' OR '.join(grams)})", words))
            elif words:
                word_groups.append(f"{scope}({' OR '.join(words)})")
                word_phrases.append(words)
            else:
                trigram_groups.append(f"{scope}({' OR '.join(grams)})")
        if len(mixed) == 1 and (word_groups or trigram_groups):
            if one := self._one_mixed(scope, word_groups, word_phrases, trigram_groups, mixed[0]):
                return one
        if trigram_groups and word_groups and not mixed:
            # Latin words beside Japanese ones ("hub オフライン"): one trigram lookup, the Latin words as text —
            # in Japanese text a name runs into the particle after it ("Hubが"), one token for the word index
            as_text = [_as_text(scope, phrases) for phrases in word_phrases]
            if None not in as_text:
                return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [" AND ".join([*trigram_groups, *as_text])]  # noqa: S608
        parts, params = [], []
        if word_groups:
            parts.append(f"SELECT rowid FROM {WORD_TABLE} WHERE {WORD_TABLE} MATCH %s")  # noqa: S608
            params.append(" AND ".join(word_groups))
        if trigram_groups:
            parts.append(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s")  # noqa: S608
            params.append(" AND ".join(trigram_groups))
        for words, grams, _phrases in mixed:
            parts.append(
                f"SELECT rowid FROM (SELECT rowid FROM {WORD_TABLE} WHERE {WORD_TABLE} MATCH %s "  # noqa: S608
                f"UNION SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
            )
            params += [words, grams]
        return " INTERSECT ".join(parts), params

    @staticmethod
    def _one_mixed(
        scope: str, word_groups: list[str], word_phrases: list[list[str]], trigram_groups: list[str],
        mixed: tuple[str, str, list[str]],
    ) -> tuple[str, list] | None:
        """The plan of a query with one term in both scripts ("hub" and its synonym ハブ) beside other words:
        W ∩ (w ∪ g) read as (W ∩ w) ∪ (g ∩ W) — each side one MATCH that the index intersects itself —
        instead of the union of every "hub" document intersected with every "offline" one (5× slower on
        100,000 questions); beside Japanese words only ("hub オフライン"), one trigram MATCH. Latin words on
        the Japanese side are looked up in the trigram index as text (`_as_text`); None when one is too short
        for trigrams (the plan stays as it was)."""

        def as_text(phrases: list[str]) -> str | None:
            return _as_text(scope, phrases)

        words, grams, own = mixed
        if not word_groups:  # T ∩ (w ∪ g): one lookup in the trigram index
            own_text = as_text(own)
            if own_text is None:
                return None
            sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
            return sql, [" AND ".join([*trigram_groups, f"({grams} OR {own_text})"])]
        trigram_words = [as_text(phrases) for phrases in word_phrases]
        if None in trigram_words:
            return None
        latin = f"SELECT rowid FROM {WORD_TABLE} WHERE {WORD_TABLE} MATCH %s"  # noqa: S608
        params = [" AND ".join([*word_groups, words])]
        if trigram_groups:
            latin += f" INTERSECT SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
            params.append(" AND ".join(trigram_groups))
        japanese = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
        params.append(" AND ".join([grams, *trigram_groups, *trigram_words]))
        return f"SELECT rowid FROM ({latin}) UNION SELECT rowid FROM ({japanese})", params  # noqa: S608 - bound parameters

    @staticmethod
    def _collect(plan: tuple[str, list]) -> int:
        """Read the matching ids once into this connection's temporary table (`HITS_SQL` then reads them) and
        return how many: the count, the facet sample and the quality-ordered read then need no second pass over
        the index — and a rowid table answers "is this id a match" without building a set each time."""
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {HITS_TABLE} (id INTEGER PRIMARY KEY)")
            cursor.execute(f"DELETE FROM {HITS_TABLE}")  # noqa: S608 - constant name
            cursor.execute(f"INSERT INTO {HITS_TABLE} (id) {plan[0]}", plan[1])  # noqa: S608 - bound parameters
            return cursor.rowcount

    @staticmethod
    def _filter_sql(query: SearchQuery) -> tuple[str, list]:
        """The selected filters as SQL conditions on the documents table."""
        where, params = [], []
        for column, values in (("kind", query.kinds), ("topic_slug", query.topics), ("language", query.languages)):
            if values:
                where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
                params += list(values)
        for tag in query.tags:
            where.append("(' ' || tags || ' ') LIKE %s")
            params.append(f"% {tag} %")
        if query.status == "solved":
            where.append("kind = 'question' AND is_solved")
        elif query.status == "unanswered":
            where.append("kind = 'question' AND answer_count = 0")
        return "".join(f" AND {w}" for w in where), params

    def _indexed(self, query: SearchQuery, terms: list[Term], plan: tuple[str, list], total: int, scoring: dict) -> Results:
        """Search through the indexes. Up to `EXACT_ROWS` matches every row is read, ranked and counted. Beyond,
        the cost is bounded by the page: the facets and the total are counted on an even sample of the matches
        and scaled (shown as "about"); the candidates for the page are the best matches by the stored
        quality (read in the order of its index, which stops after a few dozen), those with every term in the
        title first, then ranked exactly as below."""
        ids_sql, ids_params = plan
        if total <= EXACT_ROWS:
            rows = self._rows(SearchDocument.objects.filter(pk__in=RawSQL(ids_sql, ids_params)), base_score(terms), **scoring)  # noqa: S611
            count, facets, selected = self._facets(rows, query)
            docs = self._page(query, terms, selected)
            return Results(query=query, hits=[self._hit(d, terms) for d in docs], total=count, facets=facets, backend=self.name)
        step = max(1, round(total / SAMPLE_ROWS))
        # A hash of the id, not the id itself: ids follow the order content was written in, which can repeat.
        # Read from the matches already collected (no second pass over the posting lists).
        sample_sql = f"SELECT id FROM {HITS_TABLE} WHERE ((id * 2654435761) % 1000003) % {step} = 0"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(COLUMNS)} FROM {SearchDocument._meta.db_table} INDEXED BY search_doc_facets "  # noqa: S608
                f"WHERE id IN ({sample_sql})"
            )
            sample = cursor.fetchall()
        count, facets, _selected = self._facets(sample, query)
        factor = total / max(1, len(sample))
        for values in facets.values():
            for value in values:
                value.count = _about(value.count * factor)
        count = _about(count * factor)
        offset = (max(1, query.page) - 1) * query.page_size
        end = offset + query.page_size
        where, where_params = self._filter_sql(query)
        table = SearchDocument._meta.db_table
        with connection.cursor() as cursor:
            filtered = None
            if where:  # the filtered total exactly (the small columns of every match, through the covering index)
                cursor.execute(
                    f"SELECT count(*) FROM {table} INDEXED BY search_doc_facets WHERE id IN {HITS_TABLE}{where}",  # noqa: S608
                    where_params,
                )
                filtered = count = cursor.fetchone()[0]
            if query.sort in ("newest", "votes"):
                index, order = (
                    ("search_doc_newest", "created_at DESC, id DESC") if query.sort == "newest"
                    else ("search_doc_votes", "votes DESC, answer_count DESC, id DESC")
                )
                # `+id`: walk the index in its order and test each id against the matches, stopping at the page;
                # with statistics SQLite would otherwise probe the index once per match and distinct sort value.
                cursor.execute(
                    f"SELECT id FROM {table} INDEXED BY {index} WHERE +id IN {HITS_TABLE}{where} "  # noqa: S608
                    f"ORDER BY {order} LIMIT {query.page_size} OFFSET {offset}",
                    where_params,
                )
                docs = self._documents([row[0] for row in cursor.fetchall()])
                return Results(query=query, hits=[self._hit(d, terms) for d in docs], total=count, facets=facets,
                               backend=self.name, estimated=True)
            candidates: dict[int, None] = {}
            if filtered is not None and filtered <= EXACT_ROWS:  # few enough to rank every one (or none)
                cursor.execute(
                    f"SELECT id FROM {table} INDEXED BY search_doc_facets WHERE id IN {HITS_TABLE}{where}",  # noqa: S608
                    where_params,
                )
                candidates.update(dict.fromkeys(row[0] for row in cursor.fetchall()))
            else:
                title = self._plan(terms, column="title")
                for sql, params in ((title[0], title[1]) if title else (None, None), plan):
                    if sql is None or len(candidates) >= end + HEAD_EXTRA:
                        continue  # enough documents with every term in the title: the others rank below them
                    within = HITS_TABLE if sql == HITS_SQL else f"({sql})"  # the table itself: no set to build
                    cursor.execute(  # `+id`: in quality order, stopping at the page (as above)
                        f"SELECT id FROM {table} INDEXED BY search_doc_quality WHERE +id IN {within}{where} "  # noqa: S608
                        f"ORDER BY quality DESC, id LIMIT {end + HEAD_EXTRA}",
                        [*params, *where_params],
                    )
                    candidates.update(dict.fromkeys(row[0] for row in cursor.fetchall()))
        rows = self._scored(list(candidates), terms, **scoring)
        docs = self._ranked(rows, terms, end)[offset:]
        return Results(query=query, hits=[self._hit(d, terms) for d in docs], total=count, facets=facets,
                       backend=self.name, estimated=True)

    @staticmethod
    def _scored(ids: list[int], terms: list[Term], *, query_language: str, now_days: float) -> list[tuple]:
        """The rows of a few candidates as `_rows` gives them, scored in Python from their small columns (the
        SQL expressions cost more to build than to run on a few dozen rows): base from the title and the
        tags (every candidate matched, so a term elsewhere counts 1), lift from the stored quality."""
        if not ids:
            return []
        table = SearchDocument._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(COLUMNS)}, title, quality, {EpochDays.sql('updated_at')} FROM {table} "  # noqa: S608
                f"WHERE id IN ({', '.join(['%s'] * len(ids))})",
                ids,
            )
            fetched = cursor.fetchall()
        rows = []
        for row in fetched:
            title, tags = row[-3].lower(), row[TAGS].lower()
            base = 0.0
            for term in terms:
                variants = [v for v in (*term.variants, term.text) if v]
                base += 10 if any(v in title for v in variants) else 3 if any(v in tags for v in variants) else 1
            fresh = 0.15 * math.exp(-max(now_days - (row[-1] or now_days), 0) / 180)
            lift = (row[-2] if row[-2] is not None else 1.0) + (0.2 if row[LANGUAGE] == query_language else 0) + fresh
            rows.append((*row[: len(COLUMNS)], 0.0, base, lift))
        return rows

    def _corrected(self, terms: list[Term], scoring: dict) -> tuple[str, list[Term]] | None:
        """When nothing matches: the query with each unknown word replaced by the known word closest to it
        ("pasword reset" → "password reset"), and its terms; None when no word could be corrected.

        A word the index holds in another regular form ("delayed": the texts say "delay") is no typo. A short word
        (`SHORT_WORD` letters) is often a real word the texts lack ("wife", not "wifi"; "dying", not "doing": `_short`): it is respelt only when
        the rest of the query finds nothing either (else the page shows the results without it)."""
        unknown = [t.text for t in terms if not t.phrase and " " not in t.text and len(t.text) >= 4 and not CJK.search(t.text)]
        forms = {word: vocabulary.bases(word) for word in unknown}
        present = vocabulary.known(set(unknown) | {form for found in forms.values() for form in found})
        unknown = [w for w in unknown if w not in present and not any(form in present for form in forms[w])]
        fixes = vocabulary.corrections(w for w in unknown if not _short(w))
        short = vocabulary.corrections(w for w in unknown if _short(w))
        if short and len(terms) > len(short):
            rest = [t for t in terms if t.text not in short and t.text not in fixes]  # with their synonyms
            rest += parse(" ".join(fixes[t.text] for t in terms if t.text in fixes), known=vocabulary.known)
            if self._finds(rest, scoring):
                short = {}
        fixes |= short
        if not fixes:
            return None
        text = " ".join(f'"{t.text}"' if t.phrase else fixes.get(t.text, t.text) for t in terms)
        return text, parse(text, known=vocabulary.known)

    def _finds(self, terms: list[Term], scoring: dict) -> bool:
        """Whether any document holds every term."""
        if not terms:
            return False
        plan = self._plan(terms) if _fts_available() else None
        if plan is not None:  # never through `_collect`: the matches of the query being answered are in its table
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT EXISTS ({plan[0]})", plan[1])  # noqa: S608 - bound parameters
                return bool(cursor.fetchone()[0])
        return bool(self._matching(terms, scoring))

    def _ranked(self, rows: list[tuple], terms: list[Term], end: int) -> list:
        """The best `end` documents: the rows' SQL score (base × lift) picks the head, whose text then adds
        its bonuses."""
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
        topic_titles: dict[str, tuple[str, str]] = {}
        wanted = {slug for slug, _n in shown_topics}
        for slug, title, language in zip(column("topic", TOPIC), column("topic", TOPIC_TITLE), column("topic", LANGUAGE), strict=True):
            if slug in wanted and (language == ui_language or slug not in topic_titles):
                topic_titles[slug] = (title, language)  # the topic's name in the reader's language when there is one
        kind_labels = dict(SearchDocument.Kind.choices)
        language_labels = {"en": "English", "ja": "日本語"}
        facets = {
            "kind": [FacetValue(k, str(kind_labels.get(k, k)), n, k in query.kinds) for k, n in kinds.most_common()],
            "topic": [FacetValue(k, topic_titles[k][0], n, k in query.topics, label_language=topic_titles[k][1])
                      for k, n in shown_topics],
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
        """Titles holding every word typed, each at the start of a title word ("two f" is not in "network"), in
        any of its spellings ("wifi": "Wi-Fi") or synonyms ("2fa": "two-factor")."""
        parsed = parse(prefix, known=vocabulary.known)
        last = ([w for w in SEPARATORS.split(normalise(prefix)) if w] or [""])[-1]
        if last in STOPWORDS and not any(t.text == last for t in parsed):
            parsed.append(Term(last, (last,)))  # the word being typed may start a longer one ("go": Google)
        terms = expand(parsed, language)
        if not terms:
            return []
        qs = SearchDocument.objects.all()
        if language:
            qs = qs.alias(language_l=Lower("language")).filter(language_l=language)  # the FTS ids lead, not this index
        # The title index narrows by the terms all of whose spellings it can look up (three characters or more):
        # a term with a shorter one ("解約", whose synonym キャンセル is longer) is left to the LIKE below, or the
        # titles saying 解約 would never be read.
        indexed = [t for t in terms if all(len(v) >= 3 for v in t.variants)]
        if _fts_available() and indexed:
            groups = ["(" + " OR ".join(f"title : {_fts_phrase(v)}" for v in t.variants) + ")" for t in indexed]
            sql = f"SELECT rowid FROM {TITLE_TABLE} WHERE {TITLE_TABLE} MATCH %s ORDER BY rank LIMIT {SUGGEST_ROWS}"  # noqa: S608
            qs = qs.filter(pk__in=RawSQL(sql, [" AND ".join(groups)]))  # noqa: S611 - the user text is a bound parameter
        for term in terms:
            qs = qs.filter(reduce(or_, (Q(title__icontains=v) for v in term.variants)))
        rows = qs.order_by(
            Case(When(kind=SearchDocument.Kind.ARTICLE, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "-is_solved", "-votes", "-updated_at",
        ).values("kind", "title", "url", "language")[: limit * SUGGEST_READ]
        rows = [r for r in rows if all(any(starts_a_word(normalise(r["title"]), v) for v in t.variants) for t in terms)]
        return [Suggestion(r["kind"], r["title"], r["url"], r["language"]) for r in rows[:limit]]


def _about(value: float) -> int:
    """An estimate rounded to two significant figures (12,345 → 12,000; 87.4 → 87)."""
    value = round(value)
    if value < 100:
        return value
    magnitude = 10 ** (len(str(value)) - 2)
    return round(value / magnitude) * magnitude
