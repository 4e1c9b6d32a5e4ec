"""The Insights registry and rollups: stored days from `InsightsDaily`, today live, refresh idempotent."""

from datetime import date, timedelta

import pytest

from portal.insights import registry, rollups
from portal.insights.models import InsightsDaily
from portal.insights.registry import Query

pytestmark = pytest.mark.django_db

RAW: dict[date, list[tuple[int, str, float, int]]] = {}


@pytest.fixture(autouse=True)
def counted():
    rollups.register_rollup("test.things", lambda day: RAW.get(day, []))
    yield
    rollups._rollups.pop("test.things", None)
    RAW.clear()


def test_query_days_and_previous_period():
    query = Query(date(2026, 11, 1), date(2026, 11, 7))
    assert len(query.days) == 7 and query.days[0] == date(2026, 11, 1)
    assert query.previous() == Query(date(2026, 10, 25), date(2026, 10, 31))


def test_refresh_is_idempotent_and_today_is_live():
    today = rollups.today()
    yesterday = today - timedelta(days=1)
    RAW[yesterday] = [(0, "", 3, 3), (0, "en", 2, 2), (0, "ja", 1, 1), (7, "", 2, 2), (7, "en", 2, 2)]
    RAW[today] = [(0, "", 5, 5), (0, "en", 5, 5)]
    assert rollups.refresh(yesterday, ["test.things"]) == 5
    assert rollups.refresh(yesterday, ["test.things"]) == 5
    assert InsightsDaily.objects.filter(key="test.things").count() == 5
    query = Query(yesterday, today)
    assert rollups.rollup_daily("test.things", query) == {yesterday: 3, today: 5}
    assert rollups.rollup_total("test.things", query) == (8, 8)
    assert rollups.rollup_daily("test.things", Query(yesterday, today, language="ja")) == {yesterday: 1, today: 0}
    assert rollups.rollup_total("test.things", Query(yesterday, today, topic_ids=(7,), language="en")) == (2, 2)
    RAW[yesterday] = [(0, "", 1, 1)]  # the raw rows changed: a refresh replaces the day
    rollups.refresh(yesterday, ["test.things"])
    assert rollups.rollup_total("test.things", Query(yesterday, yesterday)) == (1, 1)


def test_registry_refuses_unknown_sections_and_units():
    metric = registry.Metric("x.y", "nowhere", "X", "X", "count", daily=lambda q: {}, total=lambda q: None)
    with pytest.raises(ValueError):
        registry.register_metric(metric)
    with pytest.raises(ValueError):
        registry.register_metric(registry.Metric("x.y", "care", "X", "X", "furlongs", daily=lambda q: {}, total=lambda q: None))
