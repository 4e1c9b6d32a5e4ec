"""The Insights area: who may open it (per role, 403 otherwise), bad input, charts and tables, CSV exports
(with formula injection defused) and a query budget that does not grow with the range."""

from datetime import UTC, datetime, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from portal import roles
from portal.insights import exports, pageviews, registry, rollups
from portal.insights.models import DigestSubscription, PageView
from tests.factories import UserFactory

URL = "/admin/insights/"


def staff(*groups, **extra):
    user = UserFactory(groups=list(groups), **extra)
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


@pytest.fixture
def supervisor(site):
    return staff(roles.SUPPORT_SUPERVISORS)


@pytest.fixture
def views(article):
    today = rollups.today()
    rows = []
    for offset in range(0, 40):
        day = today - timedelta(days=offset)
        for n in range(offset % 5 + 1):
            rows.append(PageView(
                day=day, path=article.url, kind="article", object_id=article.pk, title=article.title,
                language="en", topic_id=article.get_parent().pk, visitor=f"{n:016x}",
                created_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
            ))
    rows.append(PageView(
        day=today, path="/community/q/9/x/", kind="question", object_id=9, title="=HYPERLINK(\"http://evil\")",
        language="en", visitor="f" * 16, created_at=datetime.now(UTC),
    ))
    PageView.objects.bulk_create(rows)
    for offset in range(1, 40):
        rollups.refresh(today - timedelta(days=offset))
    return rows


def test_a_supervisor_sees_every_section_with_charts_tables_and_definitions(client, supervisor, views):
    client.force_login(supervisor)
    response = client.get(URL + "?range=7")
    assert response.status_code == 200
    html = response.content.decode()
    for section in registry.SECTIONS:
        assert f'id="section-{section}"' in html
    assert 'role="img"' in html and "<title id=\"chart-traffic-page-views-title\">Page views</title>" in html
    assert "<details>" in html and "Table of Page views by day" in html
    assert "How it is counted:" in html
    assert "Request a refund" in html  # top articles
    assert "Up " in html or "Down " in html or "No change" in html  # the change in words


@pytest.mark.parametrize("group,shown,hidden", [
    (roles.CONTENT_EDITORS, {"traffic", "content"}, {"community", "care", "deflection"}),
    (roles.MODERATORS, {"community"}, {"traffic", "care", "content", "deflection"}),
])
def test_roles_see_their_sections_only(client, site, group, shown, hidden):
    client.force_login(staff(group))
    html = client.get(URL).content.decode()
    assert all(f'id="section-{s}"' in html for s in shown)
    assert not any(f'id="section-{s}"' in html for s in hidden)


def test_other_staff_and_members_get_a_403_not_a_login_loop(client, site, member):
    client.force_login(staff(roles.SUPPORT_AGENTS))
    response = client.get(URL, follow=True)
    assert response.status_code == 403 and response.redirect_chain == []
    assert "Insights are for support supervisors" in response.content.decode()
    assert client.get(URL + "?export=report").status_code == 403
    assert client.post(reverse("insights_digest"), {"subscribe": "1"}).status_code == 403
    client.force_login(member)
    response = client.get(URL, follow=True)
    assert response.status_code == 403 and response.redirect_chain == []


def test_signed_out_visitors_go_to_sign_in(client, site):
    response = client.get(URL)
    assert response.status_code == 302


def test_superusers_see_everything(client, site):
    client.force_login(staff(is_superuser=True, is_staff=True))
    html = client.get(URL).content.decode()
    assert 'id="section-care"' in html


@pytest.mark.parametrize("params,message", [
    ("?range=custom&start=2026-05-10&end=2026-05-01", "The end date is before the start date"),
    ("?range=custom&start=2020-01-01&end=2026-01-01", "at most two years"),
    ("?range=custom&start=garbage&end=%00", "Enter the start and end dates"),
    ("?range=custom", "Enter the start and end dates"),
    ("?range=365000", "Unknown date range"),
    ("?topic=999999", "Unknown topic"),
    ("?topic=abc", "Unknown topic"),
    ("?language=xx", "Unknown language"),
    ("?range=custom&start=2999-01-01&end=2999-02-01", "starts in the future"),
    ("?topic=%C2%B2", "Unknown topic"),  # a digit to str.isdigit(), not to int()
    ("?range=custom&start=0001-01-01&end=0001-01-02", "starts before 2000-01-01"),  # no previous period before it
])
def test_bad_input_gives_a_message_and_the_default_range(client, supervisor, params, message):
    client.force_login(supervisor)
    response = client.get(URL + params)
    if "%00" in params:
        assert response.status_code == 400  # NUL bytes are refused before any view
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    today = rollups.today()
    if "range=custom&start=" in params:  # a refused custom range: the dates as typed, to correct (not retype)
        typed = dict(part.split("=") for part in params[1:].split("&"))
        assert f'value="{typed["start"]}"' in html and f'value="{typed["end"]}"' in html
        assert '<option value="custom" selected>' in html and 'id="insights-range-error"' in html
        assert html.count('aria-describedby="insights-range-error"') == 2
    elif "range" in params:
        assert f'value="{(today - timedelta(days=29)).isoformat()}"' in html


def test_a_topic_and_its_translation_filter_the_numbers(client, supervisor, views, article):
    client.force_login(supervisor)
    topic = article.get_parent()
    html = client.get(URL + f"?range=7&topic={topic.pk}&language=en").content.decode()
    assert "Request a refund" in html and "Unknown topic" not in html
    html = client.get(URL + f"?range=7&topic={topic.pk}&language=ja").content.decode()
    assert "Request a refund" not in html


def test_japanese_labels_and_dates(client, supervisor, views):
    from wagtail.users.models import UserProfile

    UserProfile.get_for_user(supervisor).__class__.objects.filter(user=supervisor).update(preferred_language="ja")
    client.force_login(supervisor)
    html = client.get(URL + "?range=7", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "ページビュー" in html and "日" in html and "月" in html


def test_csv_exports_with_the_range_in_the_name_and_no_formulas(client, supervisor, views):
    client.force_login(supervisor)
    today = rollups.today()
    response = client.get(URL + "?range=7&export=table:traffic.top_questions")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    start = (today - timedelta(days=6)).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="insights-traffic.top_questions-{start}-{today.isoformat()}.csv"'
    body = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
    series = client.get(URL + "?range=7&export=metric:traffic.page_views").content.decode("utf-8-sig").splitlines()
    assert series[0] == "Date,Page views" and len(series) == 8
    whole = client.get(URL + "?range=7&export=report").content.decode("utf-8-sig")
    assert "Section,Traffic" in whole and "Page views" in whole and "Table,Top articles" in whole
    assert client.get(URL + "?export=table:nope").status_code == 404


def test_csv_cells_are_defused():
    assert [exports.safe(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "ok", -3, 2.0, None)] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "ok", "-3", "2", "",
    ]


def test_moderators_cannot_export_other_sections(client, site, views):
    client.force_login(staff(roles.MODERATORS))
    assert client.get(URL + "?export=table:traffic.top_articles").status_code == 404
    whole = client.get(URL + "?export=report").content.decode("utf-8-sig")
    assert "Traffic" not in whole


def test_digest_toggle(client, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("insights_digest"), {"subscribe": "1", "next": "?range=7"})
    assert response.status_code == 302 and response["Location"] == URL + "?range=7"
    assert DigestSubscription.objects.filter(user=supervisor).exists()
    assert "Stop the weekly digest" in client.get(URL).content.decode()
    client.post(reverse("insights_digest"), {"subscribe": "0", "next": "//evil.example/"})
    assert not DigestSubscription.objects.exists()


def test_query_budget_does_not_grow_with_the_range(client, supervisor, views, django_assert_max_num_queries):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(supervisor)
    client.get(URL + "?range=7")  # the session, permissions and menus warm up
    counts = {}
    for days in (7, 90):
        cache.clear()  # computed, not from the report cache
        with CaptureQueriesContext(connection) as context:
            assert client.get(URL + f"?range={days}&language=en").status_code == 200
        counts[days] = len(context.captured_queries)
    assert counts[90] == counts[7], counts
    # cold: one read of every stored rollup for both periods, today's rows once per rollup (about 30 queries,
    # several rollups share one), one or a few per table, and the admin's own; the same for any range
    cache.clear()
    with django_assert_max_num_queries(65):
        client.get(URL + "?range=90&language=ja")
    cache.clear()
    with django_assert_max_num_queries(65):
        client.get(URL + "?range=7&language=ja")
    with django_assert_max_num_queries(20):  # the report cache holds the numbers: the admin's own queries remain
        client.get(URL + "?range=7&language=ja")
    pageviews.discard()


def test_the_menu_item_shows_for_readers_only(client, supervisor):
    client.force_login(supervisor)
    assert URL in client.get("/admin/").content.decode()
    client.force_login(staff(roles.SUPPORT_AGENTS))
    assert URL not in client.get("/admin/").content.decode()


def test_a_long_y_axis_label_gets_room_in_japanese():
    """The plot starts right of its y-axis labels, which are wider in Japanese ("504.0 時間")."""
    import re
    from datetime import date, timedelta

    from django.utils import translation

    from portal.insights import charts

    series = [(date(2026, 1, 1) + timedelta(days=n), float(n * 7)) for n in range(73)]
    with translation.override("ja"):
        svg = str(charts.line_chart("chart-x", "最初の回答までの時間", series, "hours"))
        label = charts.fmt(504.0, "hours")
    axis_x = float(re.search(r'<line x1="([\d.]+)"', svg).group(1))
    assert label in svg and axis_x - 6 >= charts._label_width(label)


def test_with_the_report_cache_off_every_view_computes_the_figures(client, supervisor, views, settings,
                                                                   django_assert_max_num_queries):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.INSIGHTS_CACHE_SECONDS = 0
    client.force_login(supervisor)
    client.get(URL + "?range=7")
    cache_keys = set(getattr(cache, "_cache", {}))
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as context:
            response = client.get(URL + "?range=30&language=en")
        assert response.status_code == 200
        counts.append(len(context.captured_queries))
    assert counts[1] == counts[0] > 30  # the second view computed everything again
    html = response.content.decode()
    assert "compared with the same number of days just before." in html and "minutes old" not in html
    assert not {key for key in getattr(cache, "_cache", {}) if "insights:" in key} - cache_keys  # nothing kept
    pageviews.discard()


@pytest.mark.parametrize("seconds,english,japanese", [
    (300, "Figures may be up to 5 minutes old.", "数値は最大 5 分前のものです。"),
    (30, "Figures may be up to 1 minute old.", "数値は最大 1 分前のものです。"),
])
def test_the_page_says_how_old_its_figures_may_be(client, supervisor, settings, seconds, english, japanese):
    settings.INSIGHTS_CACHE_SECONDS = seconds
    client.force_login(supervisor)
    assert english in client.get(URL + "?range=7").content.decode()
    from wagtail.users.models import UserProfile

    UserProfile.get_for_user(supervisor)
    UserProfile.objects.filter(user=supervisor).update(preferred_language="ja")
    assert japanese in client.get(URL + "?range=7").content.decode()


@pytest.mark.parametrize("export", ["report", "metric:community.questions_asked", "table:search.top_terms"])
@pytest.mark.parametrize("params", ["range=custom&start=0001-01-01&end=0001-01-01", "topic=%C2%B9"])
def test_exports_with_bad_filters_answer_the_default_range(client, supervisor, export, params):
    client.force_login(supervisor)
    response = client.get(f"{URL}?{params}&export={export}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_topic_names_follow_the_admin_language_not_the_address(client, supervisor, views, article, site):
    """/admin/ has no language prefix: a reader whose admin is in Japanese gets the topics' Japanese titles."""
    from wagtail.users.models import UserProfile

    from tests.factories import translate

    topic = article.get_parent()
    translate(topic, site["locale_ja"], title="請求と返金", slug="billing-ja")
    UserProfile.get_for_user(supervisor).__class__.objects.filter(user=supervisor).update(preferred_language="ja")
    client.force_login(supervisor)
    html = client.get(URL + f"?range=7&topic={topic.pk}").content.decode()
    assert "請求と返金" in html and ">Billing<" not in html
    csv = client.get(URL + f"?range=7&topic={topic.pk}&export=report").content.decode("utf-8-sig")
    assert "請求と返金" in csv
