"""Shared bits of the Insights provider tests: fixed past days, moments on them, registry look-ups."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from portal.insights import registry, rollups
from portal.insights.registry import Query

TODAY = rollups.today()
D1 = TODAY - timedelta(days=5)  # two stored (past) days
D2 = TODAY - timedelta(days=4)
RANGE = Query(D1, D2)
EMPTY = Query(TODAY - timedelta(days=400), TODAY - timedelta(days=390))


def at(day, hour: float = 0) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(hours=hour)


def metric(key: str) -> registry.Metric:
    return next(m for m in registry.metrics() if m.key == key)


def table(key: str) -> registry.Table:
    return next(t for t in registry.tables() if t.key == key)


def refresh(*days) -> None:
    for day in days or (D1, D2):
        rollups.refresh(day)


def values(key: str, query: Query = RANGE):
    """(daily values, total) of a metric."""
    found = metric(key)
    return found.daily(query), found.total(query)
