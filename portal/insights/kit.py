"""Small helpers the apps' Insights providers share: day bounds, the "all topics / all languages" expansion of
rollup rows, and metric builders on top of `rollups` (a count, a ratio of two rollups, a mean).

A rollup row is (topic_id, language, value, weight); `expand` turns raw (topic_id or None, language, value,
weight) rows into the four views `rollup_daily` reads: (0, ""), (0, language), (topic, ""), (topic, language).
Metrics built with `filters="topic"` or `"none"` drop the language (and topic) filters of the query before
reading their rollups, because their data has no language (or topic); their definitions say so.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Sum

from .registry import Metric, Query, register_metric
from .rollups import _matches, _rollups, register_rollup, today

FILTERS = ("both", "topic", "language", "none")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a UTC day as aware datetimes."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def range_bounds(query: Query) -> tuple[datetime, datetime]:
    """[start, end) of the query's range as aware datetimes."""
    return day_bounds(query.start)[0], day_bounds(query.end)[1]


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def narrowed(query: Query, filters: str) -> Query:
    """The query without the filters the data cannot honour."""
    if filters == "none":
        return replace(query, topic_ids=(), language="")
    if filters == "topic":
        return replace(query, language="")
    if filters == "language":
        return replace(query, topic_ids=())
    return query


def expand(rows: Iterable[tuple[Any, str, float, int]], filters: str = "both") -> list[tuple[int, str, float, int]]:
    """Aggregate raw rows into the rollup rows for "all" and for each topic / language the data has."""
    totals: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0])
    for topic_id, language, value, weight in rows:
        topics = [0] + ([int(topic_id)] if topic_id and filters in ("both", "topic") else [])
        languages = [""] + ([language] if language and filters in ("both", "language") else [])
        for topic in topics:
            for lang in languages:
                cell = totals[(topic, lang)]
                cell[0] += value
                cell[1] += weight
    return [(topic, lang, value, int(weight)) for (topic, lang), (value, weight) in sorted(totals.items())]


CACHE_SECONDS = 30  # one dashboard asks a metric for its days, its total and the previous total: one read


def _cache_key(name: str, query: Query) -> str:
    raw = f"{name}:{query.start}:{query.end}:{','.join(map(str, query.topic_ids))}:{query.language}"
    return "insights-kit:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def cached(name: str, query: Query, compute: Callable[[], Any], seconds: int = CACHE_SECONDS) -> Any:
    """`compute()` kept a few seconds in the cache per (name, query): a metric's daily and total values (and
    metrics sharing a computation) then cost one query together."""
    key = _cache_key(name, query)
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, seconds)
    return found


def _stored(keys: tuple[str, ...], query: Query) -> dict[str, dict[date, tuple[float, int]]]:
    """The stored rollup rows of `keys` per day of the range, today excluded (as `rollup_daily` reads them):
    one query for several keys, shared by a metric's daily and total values; it also reads the previous
    period (the dashboard's comparison), kept for that period's call."""
    name = "stored:" + ",".join(keys)
    found = cache.get(_cache_key(name, query))
    if found is not None:
        return found
    from .models import InsightsDaily

    previous = query.previous()
    current = today()
    periods = {query: {key: {} for key in keys}, previous: {key: {} for key in keys}}
    rows = (
        InsightsDaily.objects.filter(_matches(query), key__in=keys, day__gte=previous.start, day__lte=query.end)
        .exclude(day=current).values("key", "day").annotate(value=Sum("value"), weight=Sum("weight"))
        .values_list("key", "day", "value", "weight")
    )
    for key, day, value, weight in rows:
        periods[query if day >= query.start else previous][key][day] = (value or 0, weight or 0)
    for period, values in periods.items():
        cache.set(_cache_key(name, period), values, CACHE_SECONDS)
    return periods[query]


def _live(key: str, query: Query) -> tuple[float, int]:
    """Today's value of a rollup, computed live (kept a few seconds, like `rollups._live` filters it)."""
    current = today()
    rows = cached(f"live:{key}", Query(current, current), lambda: list(_rollups[key](current)))
    wanted_topics = set(query.topic_ids) or {0}
    value = weight = 0
    for topic_id, language, row_value, row_weight in rows:
        if topic_id in wanted_topics and language == query.language:
            value += row_value
            weight += row_weight
    return value, weight


def read_days(keys: tuple[str, ...], query: Query, filters: str = "both") -> dict[str, dict[date, tuple[float, int]]]:
    """{key: {day: (value, weight)}} for every day of the range: stored days, today live, 0 otherwise.
    The same numbers as `rollup_daily` / `rollup_total`, in one query for all the keys."""
    query = narrowed(query, filters)
    keys = tuple(key for key in keys if key in _rollups)
    stored = _stored(keys, query) if keys else {}
    current = today()
    result: dict[str, dict[date, tuple[float, int]]] = {}
    for key in keys:
        days = {day: stored[key].get(day, (0, 0)) for day in query.days}
        if current in days:
            days[current] = _live(key, query)
        result[key] = days
    return result


def read_daily(key: str, query: Query, filters: str = "both") -> dict[date, float]:
    days = read_days((key,), query, filters).get(key)
    return {day: (days[day][0] if days else 0) for day in query.days}


def read_total(key: str, query: Query, filters: str = "both") -> tuple[float, int]:
    days = read_days((key,), query, filters).get(key, {})
    return sum(value for value, _w in days.values()), sum(weight for _v, weight in days.values())


def count_metric(key: str, compute, *, section: str, label, definition, filters: str = "both", order: int = 100,
                 better: str = "up", unit: str = "count") -> Metric:
    """A summable count kept in a rollup of the same key (`compute(day)` returns rollup rows)."""
    register_rollup(key, compute)
    metric = Metric(
        key=key, section=section, label=label, definition=definition, unit=unit,
        daily=lambda query: dict(read_daily(key, query, filters)),
        total=lambda query: read_total(key, query, filters)[0],
        better=better, order=order,
    )
    register_metric(metric)
    return metric


def _ratio(numerator: float, denominator: float, scale: float) -> float | None:
    return None if not denominator else numerator / denominator * scale


def ratio_metric(key: str, numerator: str, denominator: str, *, section: str, label, definition,
                 filters: str = "both", scale: float = 100, unit: str = "percent", order: int = 100,
                 better: str = "up") -> Metric:
    """numerator ÷ denominator (two rollup keys) per day and over the range (× scale): not a mean of days."""

    def sums(query: Query) -> tuple[dict[date, float], dict[date, float]]:
        found = read_days((numerator, denominator), query, filters)
        top, bottom = found.get(numerator, {}), found.get(denominator, {})
        return ({day: top.get(day, (0, 0))[0] for day in query.days},
                {day: bottom.get(day, (0, 0))[0] for day in query.days})

    def daily(query: Query) -> dict[date, float | None]:
        top, bottom = sums(query)
        return {day: _ratio(top[day], bottom[day], scale) for day in query.days}

    def total(query: Query) -> float | None:
        top, bottom = sums(query)
        return _ratio(sum(top.values()), sum(bottom.values()), scale)

    metric = Metric(key=key, section=section, label=label, definition=definition, unit=unit, daily=daily,
                    total=total, better=better, order=order)
    register_metric(metric)
    return metric


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile (fraction 0.5 = the median: the lower middle value for an even count is
    not used — the mean of the two middle values is)."""
    if not values:
        return None
    ordered = sorted(values)
    if fraction == 0.5:
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    rank = max(1, math.ceil(round(fraction * len(ordered), 9)))  # nearest rank: ceil(fraction × n)
    return ordered[min(rank, len(ordered)) - 1]
