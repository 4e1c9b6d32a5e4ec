"""Insights page views: counted on the server for public HTML pages (cache hits too), no cookie, a daily
visitor hash, bots left out, buffered writes; the rollups agree with a direct count over the raw rows."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.test import RequestFactory, override_settings

from portal.insights import pageviews, registry, rollups
from portal.insights.models import InsightsDaily, PageView, PageViewDaily
from portal.insights.registry import Query

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36"


@pytest.fixture(autouse=True)
def empty_buffer():
    pageviews.discard()
    yield
    pageviews.discard()


def test_visitor_hash_is_daily_salted_and_never_the_raw_address():
    request = RequestFactory().get("/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.9")
    today = rollups.today()
    first = pageviews.visitor_of(request, today)
    assert len(first) == 16 and "203" not in first
    assert pageviews.visitor_of(request, today) == first
    assert pageviews.visitor_of(request, today - timedelta(days=1)) != first  # rotates every day
    other = RequestFactory().get("/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.10")
    assert pageviews.visitor_of(other, today) != first
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only-xxxxxxxxxxxxxxxxxxxxx"):
        pageviews._salt = None
        assert pageviews.visitor_of(request, today) != first
    pageviews._salt = None


@pytest.mark.parametrize("agent", ["", "Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.0", "python-requests/2.31"])
def test_bots_are_not_counted(agent):
    assert pageviews.is_bot(agent)


def test_article_views_are_counted_on_cache_hits_too_without_cookies(client, article):
    url = article.url
    for _ in range(3):
        response = client.get(url, HTTP_USER_AGENT=BROWSER)
        assert response.status_code == 200
        assert set(response.cookies) <= {"csrftoken"}  # counting sets no cookie (the CSRF one is the forms')
    assert response["X-Page-Cache"] == "hit"
    client.get(url, HTTP_USER_AGENT="Googlebot/2.1")
    client.get("/admin/login/", HTTP_USER_AGENT=BROWSER)
    assert PageView.objects.count() == 0  # buffered, not written on the request path
    assert pageviews.flush() == 3
    views = list(PageView.objects.all())
    assert {(v.kind, v.object_id, v.title, v.topic_id, v.language) for v in views} == {
        ("article", article.pk, article.title, article.get_parent().pk, "en")
    }
    assert len({v.visitor for v in views}) == 1


def test_question_views_have_kind_id_and_title(client, site, member):
    from tests.factories import QuestionFactory

    question = QuestionFactory()
    for _ in range(2):
        assert client.get(question.get_absolute_url(), HTTP_USER_AGENT=BROWSER).status_code == 200
    pageviews.flush()
    assert list(PageView.objects.values_list("kind", "object_id", "title")) == [("question", question.pk, question.title)] * 2


def _generate(days: int, seed: int = 15):
    """Raw page views with known answers: per day, visitors of two languages and topics."""
    rng = random.Random(seed)
    today = rollups.today()
    rows = []
    for offset in range(1, days + 1):
        day = today - timedelta(days=offset)
        for n in range(rng.randint(0, 40)):
            rows.append(PageView(
                day=day, path=f"/p/{n % 7}/", kind=rng.choice(pageviews.KINDS), object_id=n % 7,
                language=rng.choice(["en", "ja"]), topic_id=rng.choice([0, 11, 12]), visitor=f"{rng.randint(0, 15):016x}",
                created_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
            ))
    PageView.objects.bulk_create(rows)
    return today - timedelta(days=days), today - timedelta(days=1)


def _direct(first, last, topic_ids=(), language=""):
    views = PageView.objects.filter(day__gte=first, day__lte=last)
    if topic_ids:
        views = views.filter(topic_id__in=topic_ids)
    if language:
        views = views.filter(language=language)
    counts = dict(views.values_list("day").annotate(n=Count("pk")).order_by())
    visitors = dict(views.values_list("day").annotate(n=Count("visitor", distinct=True)).order_by())
    return counts, visitors


@pytest.mark.django_db
@pytest.mark.parametrize("topic_ids,language", [((), ""), ((), "ja"), ((11,), ""), ((12,), "en")])
def test_rollups_agree_with_a_direct_count(topic_ids, language):
    first, last = _generate(20)
    call_command("refresh_insights", since=first.isoformat())
    query = Query(first, last, topic_ids, language)
    counts, visitors = _direct(first, last, topic_ids, language)
    assert rollups.rollup_daily("traffic.page_views", query) == {day: counts.get(day, 0) for day in query.days}
    assert rollups.rollup_daily("traffic.visitors", query) == {day: visitors.get(day, 0) for day in query.days}
    assert rollups.rollup_total("traffic.page_views", query)[0] == sum(counts.values())


@pytest.mark.django_db
def test_refresh_is_idempotent_and_since_backfills_only_its_days():
    first, last = _generate(10)
    call_command("refresh_insights", days=3)
    assert not InsightsDaily.objects.filter(day__lt=last - timedelta(days=2)).exists()
    call_command("refresh_insights", since=first.isoformat())
    rows = InsightsDaily.objects.count()
    snapshot = set(InsightsDaily.objects.values_list("key", "day", "topic_id", "language", "value"))
    call_command("refresh_insights", since=first.isoformat())
    assert InsightsDaily.objects.count() == rows
    assert set(InsightsDaily.objects.values_list("key", "day", "topic_id", "language", "value")) == snapshot
    assert not InsightsDaily.objects.filter(day=rollups.today()).exists()  # today stays live


@pytest.mark.django_db
def test_refresh_refuses_bad_arguments():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("refresh_insights", since="yesterday")
    with pytest.raises(CommandError):
        call_command("refresh_insights", since=rollups.today().isoformat())
    with pytest.raises(CommandError):
        call_command("refresh_insights", days=0)


@pytest.mark.django_db
def test_top_tables_agree_with_a_direct_count():
    from collections import Counter

    first, last = _generate(15, seed=7)
    call_command("refresh_insights", since=first.isoformat())
    PageView.objects.filter(kind="question").update(title="")
    PageView.objects.filter(kind="question", object_id=3).update(title="Third question")
    query = Query(first, last, (), "en")
    table = next(t for t in registry.tables("traffic") if t.key == "traffic.top_questions")
    rows = table.rows(query, 3)
    direct = Counter(
        PageView.objects.filter(day__gte=first, day__lte=last, kind="question", language="en").values_list("object_id", flat=True)
    )
    expected = sorted(direct.items(), key=lambda item: (-item[1], item[0]))
    assert [row[2] for row in rows] == [n for _id, n in expected[:3]]
    everything = table.rows(query, None)
    assert len(everything) == len(direct) and sum(row[2] for row in everything) == sum(direct.values())
    assert ("Third question", "/p/3/", direct[3]) in everything


def _generate_objects(days: int, seed: int = 3):
    """Views of articles and questions (and other pages) on the last `days` past days and today: several
    objects, topics and languages, an object now and then seen under another topic or language."""
    rng = random.Random(seed)
    today = rollups.today()
    rows = []
    for offset in range(days + 1):
        day = today - timedelta(days=offset)
        for n in range(rng.randint(5, 60)):
            kind = rng.choice(["article", "article", "question", "question", "topic", "other"])
            object_id = None if kind == "other" or (kind == "question" and n % 17 == 0) else rng.randint(1, 12)
            rows.append(PageView(
                day=day, path=f"/{kind}/{object_id}/", kind=kind, object_id=object_id, title=f"{kind} {object_id}",
                language=rng.choice(["en", "ja"]), topic_id=rng.choice([0, 11, 12]), visitor=f"{n:016x}",
                created_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
            ))
    PageView.objects.bulk_create(rows)
    return today - timedelta(days=days), today


def _direct_top(kind, query):
    """(object_id, views) counted over the raw rows, most viewed first (ties by object_id)."""
    from collections import Counter

    views = PageView.objects.filter(day__gte=query.start, day__lte=query.end, kind=kind).exclude(object_id=None)
    if query.topic_ids:
        views = views.filter(topic_id__in=query.topic_ids)
    if query.language:
        views = views.filter(language=query.language)
    return sorted(Counter(views.values_list("object_id", flat=True)).items(), key=lambda item: (-item[1], item[0]))


@pytest.mark.django_db
def test_top_counts_from_the_daily_rollup_equal_the_raw_count_with_today_live():
    first, today = _generate_objects(12)
    call_command("refresh_insights", since=first.isoformat())
    assert not PageViewDaily.objects.filter(day=today).exists()  # today is counted live
    assert PageViewDaily.objects.filter(day__lt=today).exists()
    assert not PageViewDaily.objects.exclude(kind__in=pageviews.TOP_KINDS).exists()
    PageView.objects.create(  # a view after the refresh, today: in the lists at once
        day=today, path="/article/5/", kind="article", object_id=5, title="article 5", language="ja", topic_id=12,
        visitor="e" * 16, created_at=datetime.now(UTC),
    )
    yesterday = today - timedelta(days=1)
    queries = [
        Query(first, today), Query(first, yesterday), Query(today, today), Query(first + timedelta(days=3), today),
        Query(first, today, (11,), ""), Query(first, today, (), "ja"), Query(first, today, (11, 12), "en"),
        Query(first, yesterday, (12,), "ja"), Query(today - timedelta(days=400), today - timedelta(days=390)),
    ]
    for kind in pageviews.TOP_KINDS:
        for query in queries:
            expected = _direct_top(kind, query)
            assert pageviews._top_counts(kind, query, None) == expected, (kind, query)
            assert pageviews._top_counts(kind, query, 3) == expected[:3], (kind, query)
    table = next(t for t in registry.tables("traffic") if t.key == "traffic.top_articles")
    query = Query(first, today, (), "en")
    assert [(title, n) for title, _path, n in table.rows(query, 5)] == [
        (f"article {object_id}", n) for object_id, n in _direct_top("article", query)[:5]
    ]


@pytest.mark.django_db
def test_object_views_refresh_is_idempotent_and_replaces_a_day():
    first, today = _generate_objects(6, seed=9)
    call_command("refresh_insights", since=first.isoformat())
    stored = sorted(PageViewDaily.objects.values_list("kind", "day", "object_id", "language", "topic_id", "views"))
    call_command("refresh_insights", since=first.isoformat())
    assert sorted(PageViewDaily.objects.values_list("kind", "day", "object_id", "language", "topic_id", "views")) == stored
    day = today - timedelta(days=2)
    direct = dict(
        PageView.objects.filter(day=day, kind="question").exclude(object_id=None)
        .values_list("object_id").annotate(n=Count("pk")).order_by()
    )
    stored_day = PageViewDaily.objects.filter(day=day, kind="question").values_list("object_id").annotate(n=Sum("views"))
    assert dict(stored_day.order_by()) == direct
    PageView.objects.filter(day=day, kind="question").delete()  # the raw rows of a past day change: refresh replaces it
    PageView.objects.create(
        day=day, path="/question/99/", kind="question", object_id=99, title="late", language="en", topic_id=11,
        visitor="d" * 16, created_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
    )
    rollups.refresh(day)
    assert list(PageViewDaily.objects.filter(day=day, kind="question").values_list("object_id", "language", "topic_id", "views")) == [
        (99, "en", 11, 1)
    ]
    assert PageViewDaily.objects.filter(day=day - timedelta(days=1), kind="question").exists()  # other days kept


@pytest.mark.django_db
def test_a_past_day_never_refreshed_is_missing_from_the_top_lists():
    """As `_top_counts` documents: the stored days come from the rollup, so `refresh_insights` must have run."""
    first, today = _generate_objects(3, seed=4)
    query = Query(first, today)
    live = _direct_top("article", Query(today, today))
    assert pageviews._top_counts("article", query, None) == live
    call_command("refresh_insights", since=first.isoformat())
    assert pageviews._top_counts("article", query, None) == _direct_top("article", query)
