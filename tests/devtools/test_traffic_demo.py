"""The demo's visitors (`devtools.traffic_demo`, run by `load_demo`): Insights opens on figures for every
section — traffic, top lists, search terms and gaps, both kinds of deflection — compared with a previous
period that has figures too, and the searches are what the real index answers."""

from datetime import timedelta

from django.db.models import Count, F

from community.models import DeflectionEvent
from devtools.traffic_demo import DAYS, GAPS, load_traffic_demo
from portal.insights import registry, report, rollups
from portal.insights.models import PageView
from portal.insights.registry import Query
from search.models import SearchDocument, SearchLog


def test_the_demo_traffic_fills_every_section_of_insights(shared_demo):
    today = rollups.today()
    views = PageView.objects.filter(day__lt=today)
    assert views.filter(day__gte=today - timedelta(days=DAYS)).count() == views.count() > 10_000
    assert views.order_by("day").first().day == today - timedelta(days=DAYS)
    assert set(views.values_list("language", flat=True)) == {"en", "ja"}
    assert set(views.values_list("kind", flat=True)) == set(PageView.KINDS)
    # A visitor does one thing (five pages at most), within the day.
    assert views.values("day", "visitor").annotate(n=Count("pk")).order_by("-n").first()["n"] <= 5
    assert not views.exclude(created_at__date=F("day")).exists()

    query = Query(today - timedelta(days=89), today)
    values = {result.metric.key: result for section in report.build(query, registry.SECTIONS, fresh=True)
              for result in section["metrics"]}
    for key in ("traffic.page_views", "traffic.visitors", "search.searches", "community.search_sessions",
                "community.search_deflected", "community.ask_sessions", "community.ask_deflected"):
        assert values[key].total and values[key].previous, key  # both periods have figures to compare
    assert 0 < values["community.search_deflection_rate"].total < 100
    assert 0 < values["community.ask_deflection_rate"].total < 100
    assert values["traffic.page_views"].total > values["traffic.page_views"].previous  # the site grows


def test_the_demo_searches_are_what_the_index_answers(shared_demo):
    searches = SearchLog.objects.filter(created_at__date__lt=rollups.today())
    assert searches.count() > 1000
    clicked = searches.exclude(clicked_key="")
    assert clicked.exists() and searches.filter(clicked_key="").exists()
    documents = set(SearchDocument.objects.values_list("kind", "object_id"))
    for key in set(clicked.values_list("clicked_key", flat=True)):
        kind, _sep, object_id = key.partition(":")
        assert (kind, int(object_id)) in documents  # a result the search page would have shown
    gaps = {text for texts in GAPS.values() for text in texts}
    assert searches.filter(query__in=gaps, result_count=0).exists()  # the content-gap report's rows
    assert not searches.filter(query__in=gaps).exclude(clicked_key="").exists()
    assert not searches.exclude(query__in=gaps).filter(result_count=0).exists()
    # A search's opened result is the visitor's next page view.
    sample = clicked.first()
    kind, _sep, object_id = sample.clicked_key.partition(":")
    assert PageView.objects.filter(kind=kind, object_id=int(object_id), created_at__gt=sample.created_at).exists()
    assert DeflectionEvent.objects.filter(ask_token__startswith="demo-", asked=False).exists()


def test_the_demo_traffic_is_added_once(shared_demo):
    before = PageView.objects.count(), SearchLog.objects.count(), DeflectionEvent.objects.count()
    assert load_traffic_demo() == 0
    assert (PageView.objects.count(), SearchLog.objects.count(), DeflectionEvent.objects.count()) == before
