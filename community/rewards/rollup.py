"""Which `LeaderboardDay` rows a gain adds to: for the UTC day it happened on, the day itself, its week
(starting Monday), its month and all time — each overall (topic 0) and in the question's topic. A topic and its
translations share one row, under the topic's *root* (the lowest page id among its translations), so a topic's
board is one indexed top-N read of single rows whichever language the questions were asked in.

The ledger (on write), the backfill and `refresh_leaderboards` (rebuild) all take their keys from `keys()`.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

DAY, WEEK, MONTH, ALL = "d", "w", "m", "a"
SPANS = (DAY, WEEK, MONTH, ALL)
ALL_TIME = date(1, 1, 1)  # the `day` of the all-time rows
ROOTS_KEY = "rewards:topic-roots"

Key = tuple[str, date, int]  # (span, first day of the span, topic id)


def span_start(span: str, day: date) -> date:
    if span == WEEK:
        return day - timedelta(days=day.weekday())
    if span == MONTH:
        return day.replace(day=1)
    return ALL_TIME if span == ALL else day


def topic_roots() -> dict[int, int]:
    """{topic page id: its root id} for every topic (shared cache; dropped when a topic page is saved or deleted)."""
    roots = cache.get(ROOTS_KEY)
    if roots is None:
        from knowledge.models import TopicPage

        first: dict[object, int] = {}
        pairs = sorted(TopicPage.objects.values_list("pk", "translation_key"))
        for pk, translation_key in pairs:
            first.setdefault(translation_key, pk)
        roots = {pk: first[translation_key] for pk, translation_key in pairs}
        cache.set(ROOTS_KEY, roots, None)
    return roots


def root(topic_id: int | None, roots: dict[int, int] | None = None) -> int:
    """The row id for a topic: 0 for none, its root for a known topic page, the id itself otherwise."""
    if not topic_id:
        return 0
    return (topic_roots() if roots is None else roots).get(topic_id, topic_id)


def keys(day: date, topic_id: int | None, roots: dict[int, int] | None = None) -> list[Key]:
    topics = {0, root(topic_id, roots)}
    return [(span, span_start(span, day), topic) for span in SPANS for topic in sorted(topics)]


def _forget_roots(**_kwargs) -> None:
    cache.delete(ROOTS_KEY)


def connect() -> None:
    """Called from the app config: a new, moved or deleted topic page drops the cached roots."""
    from knowledge.models import TopicPage

    post_save.connect(_forget_roots, sender=TopicPage, dispatch_uid="rewards-topic-roots-save")
    post_delete.connect(_forget_roots, sender=TopicPage, dispatch_uid="rewards-topic-roots-delete")
