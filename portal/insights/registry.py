"""The KPI registry: metrics (a value per day and over a range) and tables (top-N lists), grouped in sections.

Each app registers what it measures from its `AppConfig.ready()`. A metric's `daily` and `total` and a table's
`rows` cost a bounded number of queries whatever the range (rollups or one GROUP BY), honour the query's topics
and language where the data has them, and work on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from django.utils.translation import gettext_lazy as _

SECTIONS = ("traffic", "community", "deflection", "care", "content")
SECTION_LABELS = {
    "traffic": _("Traffic"), "community": _("Community"), "deflection": _("Deflection"), "care": _("Care"),
    "content": _("Content"),
}
UNITS = ("count", "percent", "hours", "score")
BETTER = ("up", "down", "none")


@dataclass(frozen=True)
class Query:
    start: date  # inclusive, UTC days
    end: date  # inclusive
    topic_ids: tuple[int, ...] = ()  # empty: every topic; a chosen topic comes with its translations' page ids
    language: str = ""  # "": both; "en" or "ja"
    # Only for the period a range ending today (still counting) is compared with: its last day is counted up to
    # this many seconds into the day, estimated from the day's hours (`rollups.day_share`, `report.compared_period`).
    compared_until: float | None = None

    @cached_property
    def days(self) -> list[date]:  # read for every key and metric of a report: built once
        return [self.start + timedelta(days=offset) for offset in range((self.end - self.start).days + 1)]

    def previous(self) -> Query:
        """The period of the same length just before this one."""
        length = (self.end - self.start).days + 1
        return Query(self.start - timedelta(days=length), self.start - timedelta(days=1), self.topic_ids, self.language)


@dataclass(frozen=True)
class Metric:
    key: str  # "community.questions_asked" (the app's prefix)
    section: str  # one of SECTIONS
    label: Any  # lazy translation
    definition: Any  # lazy translation: how it is counted, in plain words
    unit: str  # one of UNITS ("percent": 0–100)
    daily: Callable[[Query], dict[date, float | None]]  # the value of each day in the range (None: no data)
    total: Callable[[Query], float | None]  # the value over the whole range (a median or a rate: not a sum of days)
    better: str = "up"  # one of BETTER: which way a change is good
    order: int = 100
    per_day: bool = False  # the label already says "per day" ("Unique visitors per day"): no "… by day" after it


@dataclass(frozen=True)
class Table:
    key: str
    section: str
    title: Any  # lazy translation
    definition: Any  # lazy translation
    columns: tuple[tuple[str, Any], ...]  # (column key, lazy label)
    rows: Callable[[Query, int | None], list[tuple]]  # (query, limit) -> rows in column order; limit None: all (CSV)
    order: int = 100


_metrics: dict[str, Metric] = {}
_tables: dict[str, Table] = {}


def _check(section: str) -> None:
    if section not in SECTIONS:
        raise ValueError(f"unknown insights section {section!r}")


def register_metric(metric: Metric) -> None:
    _check(metric.section)
    if metric.unit not in UNITS or metric.better not in BETTER:
        raise ValueError(f"metric {metric.key}: bad unit or direction")
    _metrics[metric.key] = metric


def register_table(table: Table) -> None:
    _check(table.section)
    _tables[table.key] = table


def metrics(section: str | None = None) -> list[Metric]:
    return sorted((m for m in _metrics.values() if section is None or m.section == section), key=lambda m: (m.order, m.key))


def tables(section: str | None = None) -> list[Table]:
    return sorted((t for t in _tables.values() if section is None or t.section == section), key=lambda t: (t.order, t.key))
