"""Daily rollups for Insights: each registered key computes one UTC day's rows from the raw ledgers and event
tables; `refresh(day)` replaces that day's rows (idempotent, any past day); today is always computed live.

A rollup row is (key, day, topic_id, language, value, weight): `value` is summable over days (a count, or a sum
of hours with `weight` = how many), topic 0 and language "" are the "all" rows the compute function includes
itself. `manage.py refresh_insights` runs `refresh` for a range of days (PostgreSQL: under an advisory lock).

Where (topic, language) is too coarse a grain — the page views of each article, for the top lists — a provider
registers a day table (`register_day_table`): its own model with a `day` column, whose rows of a day `refresh`
replaces in the same transaction as that day's rollup rows.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from ..timezones import utc_today
from .registry import Query

Compute = Callable[[date], list[tuple[int, str, float, int]]]
ComputeRows = Callable[[date], list[Any]]  # unsaved model instances of one day
LOCK_ID = 7_313_015

_rollups: dict[str, Compute] = {}
_day_tables: dict[str, tuple[type, ComputeRows]] = {}


def register_rollup(key: str, compute: Compute) -> None:
    _rollups[key] = compute


def register_day_table(name: str, model: type, compute: ComputeRows) -> None:
    """`compute(day)` gives the rows of `model` (a model with a `day` field) for that day; `refresh(day)`
    deletes the model's rows of the day and writes these instead, with the day's rollups."""
    _day_tables[name] = (model, compute)


_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar("insights_scope", default=None)


@contextlib.contextmanager
def scope() -> Iterator[dict]:
    """A unit of work (one dashboard, one export, one day's refresh) in which `shared` computations and the
    stored rows read by `kit` are kept in memory: each is computed once, whoever asks. Nested scopes share the
    outer one."""
    current = _scope.get()
    if current is not None:
        yield current
        return
    token = _scope.set({})
    try:
        yield _scope.get()
    finally:
        _scope.reset(token)


def shared(name: str, compute: Callable[[], Any]) -> Any:
    """`compute()` once per scope and `name` (outside a scope: every time). Rollups that read the same rows
    (a histogram's buckets, a ratio's two halves) share one computation of a day this way."""
    memo = _scope.get()
    if memo is None:
        return compute()
    key = ("shared", name)
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def registered() -> list[str]:
    return sorted(_rollups)


def today() -> date:
    """The current UTC day (the one computed live)."""
    return utc_today()


def today_seconds() -> tuple[date, float]:
    """The current UTC day and how many seconds of it have passed, from one reading of the clock."""
    now = timezone.now().astimezone(UTC)
    return now.date(), now.hour * 3600 + now.minute * 60 + now.second + now.microsecond / 1e6


DayProfile = Callable[[date, float, Query], "float | None"]
_day_profile: list[DayProfile] = []


def register_day_profile(profile: DayProfile) -> None:
    """`profile(day, seconds, query)`: the share of the day's activity (in the query's topics and language) made in
    its first `seconds`, or None when the day tells too little (traffic registers its page views' hours)."""
    _day_profile[:] = [profile]


def day_share(query: Query) -> float:
    """How much of `query`'s last day counts, (0, 1]: 1 unless it is a compared period's (`Query.compared_until`),
    then the share of that day's activity made by that time of day (the clock's share when the profile cannot
    tell). Once per scope, day, time and filters: every metric reading the same filters compares alike."""
    seconds = query.compared_until
    if seconds is None:
        return 1.0

    def compute() -> float:
        found = _day_profile[0](query.end, seconds, query) if _day_profile else None
        return max(found if found is not None else seconds / 86400, 1 / 1440)  # at least a minute's share

    return shared(f"day_share:{query.end}:{seconds}:{query.topic_ids}:{query.language}", compute)


def _matches(query: Query) -> Q:
    topics = Q(topic_id__in=query.topic_ids) if query.topic_ids else Q(topic_id=0)
    return topics & Q(language=query.language)


def _live(key: str, day: date, query: Query) -> tuple[float, int]:
    value = weight = 0
    wanted_topics = set(query.topic_ids) or {0}
    for topic_id, language, row_value, row_weight in _rollups[key](day):
        if topic_id in wanted_topics and language == query.language:
            value += row_value
            weight += row_weight
    return value, weight


def rollup_daily(key: str, query: Query) -> dict[date, float]:
    """The key's value per day of the range (0 for days without rows). Stored days in one query; today live."""
    from .models import InsightsDaily

    values: dict[date, float] = defaultdict(float)
    current = today()
    rows = (
        InsightsDaily.objects.filter(_matches(query), key=key, day__gte=query.start, day__lte=min(query.end, current))
        .exclude(day=current).values("day").annotate(total=Sum("value")).values_list("day", "total")
    )
    for day, total in rows:
        values[day] = total or 0
    if query.start <= current <= query.end:
        values[current] = _live(key, current, query)[0]
    return {day: values.get(day, 0) for day in query.days}


def rollup_total(key: str, query: Query) -> tuple[float, int]:
    """(sum of value, sum of weight) over the range: one query, plus today live when the range holds it."""
    from .models import InsightsDaily

    current = today()
    totals = (
        InsightsDaily.objects.filter(_matches(query), key=key, day__gte=query.start, day__lte=query.end)
        .exclude(day=current).aggregate(value=Sum("value"), weight=Sum("weight"))
    )
    value, weight = totals["value"] or 0, totals["weight"] or 0
    if query.start <= current <= query.end:
        live_value, live_weight = _live(key, current, query)
        value, weight = value + live_value, weight + live_weight
    return value, weight


def refresh(day: date, keys: list[str] | None = None) -> int:
    """Recompute the rollups and day tables of `day` (all registered, or those named in `keys`) and replace
    that day's rows in one transaction. Returns the number of rows written."""
    from .models import InsightsDaily

    keys = keys or [*registered(), *_day_tables]
    with scope():  # read before the write transaction
        computed = {key: list(_rollups[key](day)) for key in keys if key not in _day_tables}
        tables = {name: list(_day_tables[name][1](day)) for name in keys if name in _day_tables}
    rows = [
        InsightsDaily(key=key, day=day, topic_id=topic_id, language=language, value=value, weight=weight)
        for key, found in computed.items() for topic_id, language, value, weight in found
    ]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
        InsightsDaily.objects.filter(key__in=list(computed), day=day).delete()
        InsightsDaily.objects.bulk_create(rows, batch_size=2000)
        for name, found in tables.items():
            model = _day_tables[name][0]
            model.objects.filter(day=day).delete()
            model.objects.bulk_create(found, batch_size=2000)
    return len(rows) + sum(len(found) for found in tables.values())
