"""Insights page views: counted on the server for public HTML pages (cache hits too), no cookie, a daily
visitor hash, bots left out, buffered writes; the rollups agree with a direct count over the raw rows."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import RequestFactory, override_settings

from portal.insights import pageviews, rollups
from portal.insights.models import InsightsDaily, PageView
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

    from portal.insights import registry

    first, last = _generate(15, seed=7)
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
