"""`seed_bulk --page-views N`: N generated page views over 90 days, idempotent, with their rollups refreshed."""

from datetime import timedelta

import pytest
from django.db.models import Count

from portal.insights import rollups
from portal.insights.models import PageView
from portal.insights.registry import Query
from tests.commands import run

pytestmark = pytest.mark.django_db


def test_seed_page_views_with_rollups(demo_topics):
    out = run("seed_bulk", questions=20, users=10, page_views=3000)
    assert "Added 3,000 page views" in out
    today = rollups.today()
    first, last = today - timedelta(days=90), today - timedelta(days=1)
    views = PageView.objects.filter(day__gte=first, day__lte=last)
    assert views.count() == 3000
    assert set(views.values_list("kind", flat=True)) >= {"article", "question"}
    assert set(views.values_list("language", flat=True)) == {"en", "ja"}
    assert views.filter(kind="question").exclude(topic_id=0).exists()
    query = Query(first, last)
    assert rollups.rollup_total("traffic.page_views", query)[0] == 3000
    per_day = dict(views.values_list("day").annotate(n=Count("visitor", distinct=True)).order_by())
    assert rollups.rollup_daily("traffic.visitors", query) == {day: per_day.get(day, 0) for day in query.days}
    assert "nothing to add" in run("seed_bulk", questions=20, users=10, page_views=3000)
    assert PageView.objects.count() == 3000
