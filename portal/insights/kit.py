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

from .registry import Metric, Query, register_metric
from .rollups import register_rollup, registered, rollup_daily, rollup_total

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


def read_daily(key: str, query: Query, filters: str = "both") -> dict[date, float]:
    if key not in registered():
        return {day: 0 for day in query.days}
    return rollup_daily(key, narrowed(query, filters))


def read_total(key: str, query: Query, filters: str = "both") -> tuple[float, int]:
    if key not in registered():
        return 0, 0
    return rollup_total(key, narrowed(query, filters))


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

    def daily(query: Query) -> dict[date, float | None]:
        top, bottom = read_daily(numerator, query, filters), read_daily(denominator, query, filters)
        return {day: _ratio(top.get(day, 0), bottom.get(day, 0), scale) for day in query.days}

    def total(query: Query) -> float | None:
        return _ratio(read_total(numerator, query, filters)[0], read_total(denominator, query, filters)[0], scale)

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
