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
    this time of day, for each metric's own filters (the clock's share when the day had too few), so a quiet
    morning is not "down 75%" against a whole day; percentiles are not scaled; a mean per day counts whole days
    on both sides; a count's previous value below one is shown, not compared as a percentage."""
    from datetime import UTC, datetime, time

    from portal.insights import kit, report
    from portal.insights.models import PageView

    today = rollups.today()
    yesterday = today - timedelta(days=1)
    monkeypatch.setattr(rollups, "today_seconds", lambda: (today, 6 * 3600))  # 06:00 UTC
    metric = kit.count_metric("test.counted", lambda day: RAW.get(("c", day), []), section="traffic",
                              label="Counted", definition="Counted")
    everyone = kit.count_metric("test.everyone", lambda day: RAW.get(("c", day), []), section="community",
                                label="Everyone", definition="Everyone", filters="none")
    for lower in (0, 5, 10):
        kit.count_metric(f"test.h{lower}", lambda day, lower=lower: RAW.get((f"h{lower}", day), []), section="care",
                         label="H", definition="H")
    median = kit.histogram_metric("test.median", {f"test.h{lower}": lower for lower in (0, 5, 10)}, 0.5,
                                  section="care", label="Median", definition="Median")
    keys = ["test.counted", "test.everyone", "test.h0", "test.h5", "test.h10"]
    try:
        RAW[("c", yesterday)] = [(0, "", 100, 100), (0, "ja", 60, 60), (0, "en", 40, 40)]
        RAW[("c", today)] = [(0, "", 25, 25), (0, "ja", 15, 15), (0, "en", 10, 10)]  # a morning like yesterday's
        for lower in (0, 5, 10):  # one first answer in each band yesterday: the median is 5
            RAW[(f"h{lower}", yesterday)] = [(0, "", 1, 1)]
        rollups.refresh(yesterday, keys)
        result = report.metric_result(metric, Query(today, today), fresh=True)
        assert (result.total, result.previous, result.change) == (25, 25, 0.0)  # too few views: the clock's quarter
        assert report.metric_result(median, Query(today, today), fresh=True).previous == 5  # not scaled away
        assert report.compared_period(Query(yesterday, yesterday)).compared_until is None  # a past range: whole days
        whole = report.metric_result(metric, Query(yesterday, yesterday), fresh=True)
        assert whole.previous == 0 and whole.total == 100
        assert kit.mean_daily_total("test.counted", Query(yesterday, today)) == 62.5  # two days, today as one
        # Yesterday 40 of the 60 Japanese views came before 06:00; none of the 60 English ones did.
        start = datetime.combine(yesterday, time.min, tzinfo=UTC)
        PageView.objects.bulk_create(
            PageView(day=yesterday, path="/", kind="other", language=language, visitor=f"{language}{n}",
                     created_at=start + timedelta(hours=1 if language == "ja" and n < 40 else 12))
            for language in ("ja", "en") for n in range(60)
        )
        japanese = Query(today, today, language="ja")
        assert rollups.day_share(report.compared_period(japanese)) == 40 / 60
        assert report.metric_result(metric, japanese, fresh=True).previous == 40  # 60 × 2/3
        # A metric whose data has no language reads every language's rows, and every language's share (40/120).
        assert report.metric_result(everyone, japanese, fresh=True).previous == round(100 / 3)
        RAW[("c", yesterday)] = [(0, "", 1, 1)]
        rollups.refresh(yesterday, ["test.counted"])
        small = report.metric_result(metric, Query(today, today), fresh=True)
        assert small.previous == round(1 / 3, 6) or abs(small.previous - 1 / 3) < 1e-9  # below one: as it is
        assert small.change is None  # "Up from 0.3", never "up 7,400%"
    finally:
        for key in (*keys, "test.median"):
            rollups._rollups.pop(key, None)
            registry._metrics.pop(key, None)
