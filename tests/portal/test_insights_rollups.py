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


def test_a_range_ending_today_is_compared_to_the_same_time_of_day(monkeypatch):
    """Today is still counting: the compared period's last day counts for the share of its page views made by
    this time of day (the clock's share when it had too few), so a quiet morning is not "down 75%" against a
    whole day; percentiles are not scaled; a mean per day counts whole days on both sides."""
    from datetime import UTC, datetime, time

    from portal.insights import kit, report
    from portal.insights.models import PageView

    monkeypatch.setattr(rollups, "today_share", lambda: 0.25)  # 06:00 UTC
    today = rollups.today()
    yesterday = today - timedelta(days=1)
    metric = kit.count_metric("test.counted", lambda day: RAW.get(("c", day), []), section="traffic",
                              label="Counted", definition="Counted")
    for lower in (0, 5, 10):
        kit.count_metric(f"test.h{lower}", lambda day, lower=lower: RAW.get((f"h{lower}", day), []), section="care",
                         label="H", definition="H")
    median = kit.histogram_metric("test.median", {f"test.h{lower}": lower for lower in (0, 5, 10)}, 0.5,
                                  section="care", label="Median", definition="Median")
    try:
        RAW[("c", yesterday)] = [(0, "", 100, 100)]
        RAW[("c", today)] = [(0, "", 25, 25)]  # a morning like yesterday's
        for lower in (0, 5, 10):  # one first answer in each band yesterday: the median is 5
            RAW[(f"h{lower}", yesterday)] = [(0, "", 1, 1)]
        rollups.refresh(yesterday, ["test.counted", "test.h0", "test.h5", "test.h10"])
        result = report.metric_result(metric, Query(today, today), fresh=True)
        assert (result.total, result.previous, result.change) == (25, 25, 0.0)
        assert report.metric_result(median, Query(today, today), fresh=True).previous == 5  # not scaled away
        assert report.compared_period(Query(yesterday, yesterday)).last_day_share == 1.0  # a past range: whole days
        whole = report.metric_result(metric, Query(yesterday, yesterday), fresh=True)
        assert whole.previous == 0 and whole.total == 100
        assert kit.mean_daily_total("test.counted", Query(yesterday, today)) == 62.5  # two days, today as one
        # Japanese readers come early in the UTC day: yesterday 45 of their 60 views were before 06:00.
        start = datetime.combine(yesterday, time.min, tzinfo=UTC)
        PageView.objects.bulk_create(
            PageView(day=yesterday, path="/ja/", kind="other", language="ja", visitor=f"v{n}",
                     created_at=start + timedelta(hours=1 if n < 45 else 12))
            for n in range(60)
        )
        assert report.compared_period(Query(today, today, language="ja")).last_day_share == 0.75
        assert report.compared_period(Query(today, today, language="en")).last_day_share == 0.25  # too few: the clock
        RAW[("c", yesterday)] = [(0, "", 1, 1)]
        rollups.refresh(yesterday, ["test.counted"])
        # every language: the 60 views say 0.75 of the day; a count below one stays as it is (not "0")
        assert report.metric_result(metric, Query(today, today), fresh=True).previous == 0.75
    finally:
        for key in ("test.counted", "test.h0", "test.h5", "test.h10", "test.median"):
            rollups._rollups.pop(key, None)
            registry._metrics.pop(key, None)
