"""The numbers of one dashboard: for each readable section its metrics (value over the range, the previous
period's, the change and each day's value) and its tables. Each metric and table costs a bounded number of
queries whatever the range (the registry's rule); computed values are kept in the cache for a few minutes
per query (the report says how fresh it is), so repeated views and exports cost no recomputation."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from . import kit, registry, rollups
from .registry import Metric, Query, Table

TABLE_LIMIT = 10


@dataclass
class MetricResult:
    metric: Metric
    total: float | None
    previous: float | None
    daily: list[tuple[date, float | None]]

    @property
    def change(self) -> float | None:
        """Percent change against the previous period (points for percentages); None when not comparable."""
        if self.total is None or self.previous is None:
            return None
        if self.metric.unit == "percent":
            return round(self.total - self.previous, 1)
        if not self.previous or (self.metric.unit == "count" and abs(self.previous) < 1):
            return None  # "Up from 0.1" (a compared day's share of a count), never "up 1,566%"
        return round((self.total - self.previous) / self.previous * 100, 1)

    @property
    def direction(self) -> str:
        """"up" | "down" | "same" | "" (not comparable)."""
        if self.total is None or self.previous is None:
            return ""
        return "up" if self.total > self.previous else "down" if self.total < self.previous else "same"

    @property
    def judgement(self) -> str:
        """"better" | "worse" | "" by the metric's own good direction."""
        if self.direction in ("", "same") or self.metric.better == "none":
            return ""
        return "better" if self.direction == self.metric.better else "worse"


def cache_seconds() -> int:
    """`settings.INSIGHTS_CACHE_SECONDS`: how long computed figures are kept (0 = not at all)."""
    return settings.INSIGHTS_CACHE_SECONDS


def cached(key: str, fresh: bool = False):
    """The kept value of `key` (None when missing, asked `fresh`, or when nothing is kept)."""
    return None if fresh or not cache_seconds() else cache.get(key)


def keep(key: str, value) -> None:
    """Keep `value` under `key` for `cache_seconds()` (not at all when it is 0)."""
    if cache_seconds():
        cache.set(key, value, cache_seconds())


def cache_key(kind: str, key: str, query: Query, extra: str = "") -> str:
    """Per query and day: a range ending today is partial (and compared so) only until midnight."""
    raw = (f"{kind}:{key}:{query.start}:{query.end}:{','.join(map(str, query.topic_ids))}:{query.language}:{extra}:"
           f"{rollups.today()}")
    return "insights:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def compared_period(query: Query, now: tuple[date, float] | None = None) -> Query:
    """The period a range is compared with: as many days just before it. When the range ends today, still
    counting, the compared period's last day is counted up to the same time of day (`Query.compared_until`: the
    share of its activity made by then, `rollups.day_share`, for each metric's own filters): a part of today
    against a whole day would show every count "down"."""
    previous = query.previous()
    # One reading of the clock per report (never day D with D+1's time; every card compared to the same second).
    day, seconds = now or rollups.shared("today_seconds", rollups.today_seconds)
    return replace(previous, compared_until=seconds) if query.end == day else previous


def metric_result(metric: Metric, query: Query, fresh: bool = False) -> MetricResult:
    key = cache_key("metric", metric.key, query)
    found = cached(key, fresh)
    if found is None:
        with rollups.scope():  # today's live values once for the days, the total and the previous total
            daily = metric.daily(query)
            total, previous = metric.total(query), metric.total(compared_period(query))
            if previous is not None and metric.unit == "count" and not metric.per_day and previous >= 1:
                previous = round(previous)  # a count (its last day a share of one): whole, unless below one
            found = ([(day, daily.get(day)) for day in query.days], total, previous)
        keep(key, found)
    series, total, previous = found
    return MetricResult(metric, total, previous, series)


def table_rows(table: Table, query: Query, limit: int | None = TABLE_LIMIT, fresh: bool = False) -> list[tuple]:
    key = cache_key("table", table.key, query, str(limit))
    rows = cached(key, fresh)
    if rows is None:
        with rollups.scope():
            rows = [tuple(row) for row in table.rows(query, limit)]
        keep(key, rows)
    return rows


def build(query: Query, sections: tuple[str, ...], fresh: bool = False, table_limit: int | None = TABLE_LIMIT) -> list[dict]:
    """[{key, label, metrics: [MetricResult], tables: [(Table, rows)]}] for the readable sections. One scope:
    the stored rollups of both periods are read in one query, and today's live values once per key."""
    with rollups.scope():
        kit.prefetch_later(query)
        return _build(query, sections, fresh, table_limit)


def _build(query: Query, sections: tuple[str, ...], fresh: bool, table_limit: int | None) -> list[dict]:
    found = []
    for section in registry.SECTIONS:
        if section not in sections:
            continue
        found.append({
            "key": section,
            "label": registry.SECTION_LABELS[section],
            "metrics": [metric_result(metric, query, fresh) for metric in registry.metrics(section)],
            "tables": [(table, table_rows(table, query, table_limit, fresh)) for table in registry.tables(section)],
        })
    return found


def change_text(result: MetricResult) -> str:
    """The change in words (never colour only): "Up 12% (better) from 340" and the like."""
    from .charts import fmt

    if result.direction == "":
        return _("No previous period to compare with.")
    previous = fmt(result.previous, result.metric.unit)
    if result.direction == "same":
        return _("No change from %(previous)s in the previous period.") % {"previous": previous}
    amount = result.change
    if amount is None:
        text = _("Up from %(previous)s in the previous period") if result.direction == "up" else _(
            "Down from %(previous)s in the previous period"
        )
        text = text % {"previous": previous}
    else:
        unit = _("%(value)s points") if result.metric.unit == "percent" else _("%(value)s%%")
        size = unit % {"value": abs(amount)}
        text = (_("Up %(size)s from %(previous)s in the previous period") if result.direction == "up" else _(
            "Down %(size)s from %(previous)s in the previous period"
        )) % {"size": size, "previous": previous}
    if result.judgement == "better":
        return _("%(change)s (better).") % {"change": text}
    if result.judgement == "worse":
        return _("%(change)s (worse).") % {"change": text}
    return _("%(change)s.") % {"change": text}  # a full stop in the reader's language ("。")
