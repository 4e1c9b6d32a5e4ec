"""Small helpers the apps' Insights providers share: day bounds, the "all topics / all languages" expansion of
rollup rows, and metric builders on top of `rollups` (a count, a ratio of two rollups, a mean).

A rollup row is (topic_id, language, value, weight); `expand` turns raw (topic_id or None, language, value,
weight) rows into the four views `rollup_daily` reads: (0, ""), (0, language), (topic, ""), (topic, language).
Metrics built with `filters="topic"` or `"none"` drop the language (and topic) filters of the query before
reading their rollups, because their data has no language (or topic); their definitions say so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Sum

from . import rollups
from .registry import Metric, Query, register_metric
from .rollups import _matches, _rollups, _scope, register_rollup, scope, shared, today

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


def _prefetched(query: Query) -> dict[tuple[str, int, str], dict[date, tuple[float, int]]] | None:
    """Inside a scope opened by `prefetch`: the stored rows of every rollup key over the report's two periods."""
    memo = _scope.get()
    if memo is None:
        return None
    pending = memo.pop("prefetch_pending", None)
    if pending is not None:
        prefetch(pending)
    found = memo.get("prefetch")
    if found is None:
        return None
    (start, end, topics, languages), rows = found
    wanted = set(query.topic_ids) or {0}
    if query.start < start or query.end > end or not wanted <= topics or query.language not in languages:
        return None
    return rows


def prefetch_later(query: Query) -> None:
    """`prefetch(query)` at the scope's first read of a stored rollup (none when every value is cached)."""
    memo = _scope.get()
    if memo is not None:
        memo["prefetch_pending"] = query


def prefetch(query: Query) -> None:
    """Read the stored rows of every registered rollup key for `query` and its previous period, today excluded,
    in ONE query, for the `scope` in force (a dashboard or an export): every metric then reads from memory,
    whatever filters its data honours (the narrowed queries only drop filters, so they read topic 0 and
    language "" rows, which are fetched too)."""
    from .models import InsightsDaily

    memo = _scope.get()
    if memo is None:
        return
    previous = query.previous()
    topics = {0, *query.topic_ids}
    languages = {"", query.language}
    rows: dict[tuple[str, int, str], dict[date, tuple[float, int]]] = defaultdict(dict)
    found = (
        InsightsDaily.objects.filter(day__gte=previous.start, day__lte=query.end, topic_id__in=topics,
                                     language__in=languages, key__in=list(_rollups))
        .exclude(day=today()).values_list("key", "topic_id", "language", "day", "value", "weight")
    )
    for key, topic_id, language, day, value, weight in found:
        rows[(key, topic_id, language)][day] = (value or 0, weight or 0)
    memo["prefetch"] = ((previous.start, query.end, topics, languages), rows)


def _stored(keys: tuple[str, ...], query: Query) -> dict[str, dict[date, tuple[float, int]]]:
    """The stored rollup rows of `keys` per day of the range, today excluded (as `rollup_daily` reads them):
    from the scope's prefetched rows, else one query for all the keys."""
    from .models import InsightsDaily

    prefetched = _prefetched(query)
    if prefetched is None and _scope.get() is not None:
        prefetch(query)  # every key of this query and its previous period: the next reads cost no query
        prefetched = _prefetched(query)
    result: dict[str, dict[date, tuple[float, int]]] = {key: {} for key in keys}
    if prefetched is not None:
        for topic_id in set(query.topic_ids) or {0}:
            for key in keys:
                days = prefetched.get((key, topic_id, query.language))
                if not days:
                    continue
                target = result[key]
                for day, (value, weight) in days.items():
                    if query.start <= day <= query.end:
                        old = target.get(day)
                        target[day] = (value, weight) if old is None else (old[0] + value, old[1] + weight)
        return result
    rows = (
        InsightsDaily.objects.filter(_matches(query), key__in=keys, day__gte=query.start, day__lte=query.end)
        .exclude(day=today()).values("key", "day").annotate(value=Sum("value"), weight=Sum("weight"))
        .values_list("key", "day", "value", "weight")
    )
    for key, day, value, weight in rows:
        result[key][day] = (value or 0, weight or 0)
    return result


def _live(key: str, query: Query) -> tuple[float, int]:
    """Today's value of a rollup, computed live once per scope (a dashboard asks for it several times)."""
    current = today()
    rows = shared(f"live:{key}:{current}", lambda: list(_rollups[key](current)))
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
    with scope() as memo:  # keys computed live from one day's shared rows (a histogram's buckets) read them once
        # A metric reads the same keys for its days and for its total: once per report (callers only read).
        seen = memo.get(("read_days", keys, query))
        if seen is not None:
            return seen
        stored = _stored(keys, query) if keys else {}
        current = today()
        result: dict[str, dict[date, tuple[float, int]]] = {}
        share = rollups.day_share(query)  # for the filters this data honours (`narrowed` above)
        for key in keys:
            days = {day: stored[key].get(day, (0, 0)) for day in query.days}
            if current in days:
                days[current] = _live(key, query)
            if share < 1:  # the compared period's last day, to the same time of day (`Query.compared_until`)
                value, weight = days[query.end]
                days[query.end] = (value * share, weight * share)
            result[key] = days
        memo[("read_days", keys, query)] = result
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


def bucket_percentile(counts: Iterable[tuple[float, float]], fraction: float) -> float | None:
    """`percentile` of values known only by histogram bucket: (bucket's lower bound, how many) pairs, each value
    taken as its bucket's lower bound (the same rules: the mean of the two middle values for an even median)."""
    ordered = sorted((lower, int(n)) for lower, n in counts if n)
    total = sum(n for _lower, n in ordered)
    if not total:
        return None

    def at(index: int) -> float:  # the value at 0-based rank `index`
        seen = 0
        for lower, n in ordered:
            seen += n
            if index < seen:
                return lower
        return ordered[-1][0]

    if fraction == 0.5:
        middle = total // 2
        return at(middle) if total % 2 else (at(middle - 1) + at(middle)) / 2
    rank = max(1, math.ceil(round(fraction * total, 9)))
    return at(min(rank, total) - 1)


def histogram_metric(key: str, buckets: dict[str, float], fraction: float, *, section: str, label, definition,
                     filters: str = "both", unit: str = "hours", order: int = 100, better: str = "down") -> Metric:
    """A percentile over days from histogram rollups: `buckets` maps each bucket's rollup key (a count, already
    registered) to its lower bound. The daily and total values come from summed bucket counts."""
    keys = tuple(buckets)

    def read(query: Query) -> dict[str, dict[date, tuple[float, int]]]:
        # A percentile does not depend on how much of a day is counted: never a compared day's share of it.
        return read_days(keys, replace(query, compared_until=None), filters)

    def daily(query: Query) -> dict[date, float | None]:
        found = read(query)
        return {day: bucket_percentile(((buckets[k], found.get(k, {}).get(day, (0, 0))[0]) for k in keys), fraction)
                for day in query.days}

    def total(query: Query) -> float | None:
        found = read(query)
        return bucket_percentile(((buckets[k], sum(v for v, _w in found.get(k, {}).values())) for k in keys), fraction)

    metric = Metric(key=key, section=section, label=label, definition=definition, unit=unit, daily=daily,
                    total=total, better=better, order=order)
    register_metric(metric)
    return metric


def counted_days(query: Query) -> int:
    """How many days of the range have been counted: its days up to today (today, still counting, as a day, as
    the compared period's last day, whose value is its share of the day: the two averages compare alike)."""
    last = min(query.end, today())
    return max(0, (last - query.start).days + 1)


def mean_daily_total(key: str, query: Query, filters: str = "both") -> float | None:
    """The average per day of a rollup over the range's days up to today (for values that cannot be summed
    over days, such as distinct people)."""
    days = counted_days(query)
    return round(read_total(key, query, filters)[0] / days, 1) if days else None
