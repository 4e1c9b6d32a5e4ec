"""Every provider metric and table costs the same number of queries for a week as for two years."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.insights import registry, rollups
from portal.insights.registry import Query
from tests.factories import AnswerFactory, QuestionFactory, SearchLogFactory
from tests.insights.helpers import TODAY, at

pytestmark = pytest.mark.django_db

PROVIDERS = ("community.", "moderation.", "knowledge.", "search.")


def _cost(call) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        call()
    return len(context.captured_queries)


@pytest.mark.parametrize("language", ["", "ja"])
def test_queries_do_not_grow_with_the_range(topic, language):
    for offset in (1, 30, 200, 600):
        question = QuestionFactory(topic=topic, created_at=at(TODAY - timedelta(days=offset), 3))
        AnswerFactory(question=question, created_at=at(TODAY - timedelta(days=offset), 5))
        SearchLogFactory(created_at=at(TODAY - timedelta(days=offset), 4))
    week = Query(TODAY - timedelta(days=6), TODAY, (topic.pk,), language)
    years = Query(TODAY - timedelta(days=729), TODAY, (topic.pk,), language)
    metrics = [m for m in registry.metrics() if m.key.startswith(PROVIDERS)]
    tables = [t for t in registry.tables() if t.key.startswith(PROVIDERS)]
    assert len(metrics) > 30 and len(tables) > 8
    for metric in metrics:
        def read(query, metric=metric):
            with rollups.scope():  # as the report reads a metric: today's live rows once for all three
                metric.daily(query)
                metric.total(query)
                metric.total(query.previous())
        assert _cost(lambda: read(week)) == _cost(lambda: read(years)) <= 12, metric.key
    for table in tables:
        assert _cost(lambda table=table: table.rows(week, 10)) == _cost(lambda table=table: table.rows(years, None)) <= 4, table.key
