"""Relevance for the embedded engine, computed by the database in the same pass that finds the matches.

A document's score is `base × lift`:
- base: per term 10 when it is in the title, 3 in the tags, else 1 (it matched the body or the accepted
  answer); +6 when every term is in the title.
- lift: solved (+0.25), votes (+0.08·ln(1+votes)), unanswered (−0.15), help article (+0.3, ± its
  helpfulness), the query's language (+0.2) and freshness (+0.15·e^(−age/180 days)).
Both are SQL expressions, so scoring 3,000 matches costs the database microseconds instead of a Python
loop. The rows that can reach the page then get the bonuses that need their text (see `text_bonus`).
"""

from __future__ import annotations

import math

from django.db.models import Case, F, FloatField, Func, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Exp, Greatest, Ln

from ..models import SearchDocument
from ..text import Term, mentions

FLOAT = FloatField()


class EpochDays(Func):
    """A datetime column as days since 1970, a float: cheap to subtract and to sort on."""

    arity = 1
    output_field = FLOAT

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s) - 2440587.5)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "(EXTRACT(EPOCH FROM %(expressions)s) / 86400.0)::float8"
        return self.as_sql(compiler, connection, template=template, **extra)

    @staticmethod
    def sql(column: str) -> str:
        """The same for raw SQLite SQL."""
        return f"(julianday({column}) - 2440587.5)"


def _number(value: float) -> Value:
    return Value(float(value), output_field=FLOAT)


def _has(field: str, term: Term) -> Q:
    q = Q()
    for variant in term.variants:
        q |= Q(**{f"{field}__icontains": variant})
    return q


def _per_term(terms: list[Term], in_title, in_tags, elsewhere: float):
    """The sum over the terms of `in_title(i)` when term i is in the title, else `in_tags(i)` when it is in the
    tags, else `elsewhere`, as one SQL expression."""
    total = _number(0)
    for i, term in enumerate(terms):
        total = total + Case(
            When(_has("title", term), then=_number(in_title(i))),
            When(_has("tags", term), then=_number(in_tags(i))),
            default=_number(elsewhere),
            output_field=FLOAT,
        )
    return total


def base_score(terms: list[Term]):
    """Where the terms are: per term 10 in the title, 3 in the tags, else 1 (it matched elsewhere). A base of
    10 × terms means every term is in the title, which earns 6 more (`with_title_bonus`, in Python: cheaper
    than asking the database twice). The ask form, where any term may match, scores with `where_terms_are`."""
    return _per_term(terms, lambda i: 10, lambda i: 3, 1)


def where_terms_are(terms: list[Term]):
    """For the ask form (any term may match): which terms are in the title (bit 2i) or else in the tags
    (bit 2i + 1), as one number per row (`rarity_weighted` turns it into the base score)."""
    return _per_term(terms, lambda i: 1 << (2 * i), lambda i: 1 << (2 * i + 1), 0)


def rarity_weighted(masks: list[float], count: int) -> list[float]:
    """The ask form's base scores from `where_terms_are` masks: per term 10 in the title and 3 in the tags, as
    in `base_score`, each times the term's rarity among the matches, ln(1 + n / df) / ln(1 + n) — so a word
    in nearly every match (the brand: "Nimbus" in "a refund for Nimbus Plus") counts little, and a title
    sharing the rare word ("Request a refund") comes before titles sharing only common ones. +6 when every
    term is in the title."""
    n = len(masks)
    if not n:
        return []
    flags = [int(mask) for mask in masks]
    weights = []
    for i in range(count):
        df = sum(1 for flag in flags if flag >> (2 * i) & 3)
        weights.append(math.log1p(n / df) / math.log1p(n) if df else 1.0)
    every = sum(1 << (2 * i) for i in range(count))
    return [
        sum(10 * weights[i] if flag >> (2 * i) & 1 else 3 * weights[i] if flag >> (2 * i + 1) & 1 else 0 for i in range(count))
        + (6 if flag & every == every else 0)
        for flag in flags
    ]


def with_title_bonus(base: float, terms: list[Term]) -> float:
    return base + 6 if base == 10 * len(terms) else base


def lift(query_language: str, now_days: float):
    question = (
        _number(1)
        + Case(When(is_solved=True, then=_number(0.25)), default=_number(0), output_field=FLOAT)
        + _number(0.08) * Ln(_number(1) + Greatest(F("votes"), Value(0, output_field=IntegerField()), output_field=FLOAT))
        - Case(When(answer_count=0, then=_number(0.15)), default=_number(0), output_field=FLOAT)
    )
    # Curated help articles first when the text matches as well, more so when readers found them helpful.
    article = _number(1.3) + _number(0.3) * (Coalesce(F("helpful_ratio"), _number(0.5), output_field=FLOAT) - _number(0.5))
    age_days = Greatest(_number(now_days) - EpochDays("updated_at"), _number(0), output_field=FLOAT)
    return (
        Case(When(kind=SearchDocument.Kind.QUESTION, then=question), default=article, output_field=FLOAT)
        + Case(When(language=query_language, then=_number(0.2)), default=_number(0), output_field=FLOAT)
        + _number(0.15) * Exp(-age_days / _number(180))
    )


# The static part of `lift` (no freshness, no query language), stored in `SearchDocument.quality` on every
# write: the engine reads the best matches of a common term in this order (an index) instead of ranking all.
QUALITY_SQL = (
    "CASE WHEN kind = 'question' THEN 1 + (CASE WHEN is_solved THEN 0.25 ELSE 0 END) "
    "+ (CASE WHEN votes > 0 THEN 0.08 * ln(1 + votes) ELSE 0 END) - (CASE WHEN answer_count = 0 THEN 0.15 ELSE 0 END) "
    "ELSE 1.3 + 0.3 * (COALESCE(helpful_ratio, 0.5) - 0.5) END"
)


def quality(fields: dict) -> float:
    """`QUALITY_SQL` for a document's fields, in Python (written with the document)."""
    if fields.get("kind", "question") == SearchDocument.Kind.QUESTION:
        votes = max(int(fields.get("votes") or 0), 0)
        return (
            1 + (0.25 if fields.get("is_solved") else 0) + 0.08 * math.log1p(votes)
            - (0.15 if not fields.get("answer_count") else 0)
        )
    helpful = fields.get("helpful_ratio")
    return 1.3 + 0.3 * ((0.5 if helpful is None else helpful) - 0.5)


def quality_expression(kind: str, values: dict):
    """`QUALITY_SQL` as an expression for an UPDATE that also sets some of its inputs (`values`): those are
    taken from `values`, the rest from the row (an UPDATE's expressions see the old row)."""
    if kind != SearchDocument.Kind.QUESTION:
        helpful = _number(values["helpful_ratio"]) if values.get("helpful_ratio") is not None else (
            _number(0.5) if "helpful_ratio" in values else Coalesce(F("helpful_ratio"), _number(0.5), output_field=FLOAT)
        )
        return _number(1.3) + _number(0.3) * (helpful - _number(0.5))
    if "votes" in values:
        votes = _number(math.log1p(max(int(values["votes"] or 0), 0)))
    else:
        votes = Ln(_number(1) + Greatest(F("votes"), Value(0, output_field=IntegerField()), output_field=FLOAT))
    if "is_solved" in values:
        solved = _number(0.25 if values["is_solved"] else 0)
    else:
        solved = Case(When(is_solved=True, then=_number(0.25)), default=_number(0), output_field=FLOAT)
    if "answer_count" in values:
        unanswered = _number(0.15 if not values["answer_count"] else 0)
    else:
        unanswered = Case(When(answer_count=0, then=_number(0.15)), default=_number(0), output_field=FLOAT)
    return _number(1) + solved + _number(0.08) * votes - unanswered


def text_bonus(doc, terms: list[Term]) -> float:
    """What only the text can tell, for the few rows that can reach the page: the words side by side, and
    the answer saying them — a question's accepted answer, or the start of a help article (the article is
    the answer: without this, "factory reset" put six "Factory reset the <device>" questions, each with an
    accepted answer saying it, above the article "Factory reset your Nimbus devices")."""
    bonus = 0.0
    if len(terms) > 1 and " ".join(t.text for t in terms) in (doc.title.lower() + " " + doc.body_start.lower()):
        bonus += 4
    # A Latin word counts as a word or its inflection ("even" is not said by "events"), Japanese anywhere (`mentions`).
    answer = (doc.accepted_start if doc.kind == SearchDocument.Kind.QUESTION else doc.body_start).lower()
    bonus += sum(3 for t in terms if any(mentions(answer, v) for v in t.variants))
    # How often the text says each term (the body's start): a little more for each mention after the first, up
    # to three, so among texts that each mention "E-104" the error-code table that lists it twice comes first.
    text = doc.body_start.lower()
    counts = (max(mentions(text, v) for v in t.variants) for t in terms)
    return bonus + sum(0.5 * min(count - 1, 3) for count in counts if count)
