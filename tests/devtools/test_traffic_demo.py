"""The demo's visitors (`devtools.traffic_demo`, run by `load_demo`): Insights opens on figures for every
section — traffic, top lists, search terms and gaps, both kinds of deflection — compared with a previous
period that has figures too, and the searches are what the real index answers."""

from datetime import UTC, datetime, time, timedelta

from django.db.models import Count, F, Max, Min

from community.models import DeflectionEvent
from devtools.traffic_demo import DAYS, DEMO_ASKS, GAPS, load_traffic_demo
from portal.insights import registry, report, rollups
from portal.insights.models import PageView
from portal.insights.registry import Query
from search.models import SearchDocument, SearchLog


def test_the_demo_traffic_fills_every_section_of_insights(shared_demo):
    views = PageView.objects.filter(created_at__lt=shared_demo_loaded())
    days = views.aggregate(first=Min("day"), last=Max("day"))  # anchored on the data: midnight may pass meanwhile
    assert (days["last"] - days["first"]).days == DAYS - 1 and views.count() > 10_000
    assert set(views.values_list("language", flat=True)) == {"en", "ja"}
    assert set(views.values_list("kind", flat=True)) == set(PageView.KINDS)
    # A visitor does one thing (five pages at most), within the day.
    assert views.values("day", "visitor").annotate(n=Count("pk")).order_by("-n").first()["n"] <= 5
    assert not views.exclude(created_at__date=F("day")).exists()

    last = days["last"]
    query = Query(last - timedelta(days=89), last)
    values = {result.metric.key: result for section in report.build(query, registry.SECTIONS, fresh=True)
              for result in section["metrics"]}
    for key in ("traffic.page_views", "traffic.visitors", "search.searches", "community.search_sessions",
                "community.search_deflected", "community.ask_sessions", "community.ask_deflected"):
        assert values[key].total and values[key].previous, key  # both periods have figures to compare
    assert 0 < values["community.search_deflection_rate"].total < 100
    assert 0 < values["community.ask_deflection_rate"].total < 100
    assert values["traffic.page_views"].total > values["traffic.page_views"].previous  # the site grows


def shared_demo_loaded():
    """A moment after the demo's generated traffic and before anything a test adds today."""
    return datetime.combine(rollups.today(), time.min, tzinfo=UTC)


def test_the_demo_searches_are_what_the_index_answers(shared_demo):
    searches = SearchLog.objects.filter(created_at__lt=shared_demo_loaded())
    assert searches.count() > 1000
    clicked = searches.exclude(clicked_key="")
    assert clicked.exists() and searches.filter(clicked_key="").exists()
    documents = set(SearchDocument.objects.values_list("kind", "object_id"))
    for key in set(clicked.values_list("clicked_key", flat=True)):
        kind, _sep, object_id = key.partition(":")
        assert (kind, int(object_id)) in documents  # a result the search page would have shown
    gaps = {text for texts in GAPS.values() for text in texts}
    assert set(searches.filter(query__in=gaps).values_list("result_count", flat=True)) == {0}  # content gaps
    assert not searches.exclude(query__in=gaps).filter(result_count=0).exists()
    # A search's opened result is that visitor's next page view.
    for sample in clicked.order_by("pk")[:20]:
        kind, _sep, object_id = sample.clicked_key.partition(":")
        next_views = [
            PageView.objects.filter(visitor=searched.visitor, day=searched.day, created_at__gt=searched.created_at)
            .order_by("created_at").values_list("kind", "object_id").first()
            for searched in PageView.objects.filter(kind="search", created_at=sample.created_at)
        ]
        assert (kind, int(object_id)) in next_views
    assert DeflectionEvent.objects.filter(ask_token__startswith=DEMO_ASKS, asked=False).exists()


def test_the_demo_traffic_is_added_once(shared_demo):
    before = PageView.objects.count(), SearchLog.objects.count(), DeflectionEvent.objects.count()
    assert load_traffic_demo() == 0
    PageView.objects.filter(created_at__lt=shared_demo_loaded()).delete()  # even when the page views were removed
    assert load_traffic_demo() == 0
    assert (SearchLog.objects.count(), DeflectionEvent.objects.count()) == before[1:]
