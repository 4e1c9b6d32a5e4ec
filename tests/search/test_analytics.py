"""Search analytics: what is logged (no personal data), clicks, and the editors' report."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from portal.roles import CONTENT_EDITORS
from search import analytics
from search.models import SearchDocument, SearchLog
from tests.factories import UserFactory, make_article, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(site):
    return make_article(make_topic(site["en"]), "Request a refund", summary="Return a device within 30 days.")


def test_searches_are_logged_without_personal_data(client, article, member):
    client.force_login(member)
    client.get(reverse("search"), {"q": "Refund"})
    client.get(reverse("search"), {"q": "zebra"})
    client.get(reverse("search"), {"q": "refund", "type": "article"})  # a facet click is not a new search
    client.get(reverse("search"), {"q": "refund", "page": "2"})
    analytics.flush()
    rows = list(SearchLog.objects.order_by("created_at").values("query", "language", "result_count"))
    assert rows == [{"query": "refund", "language": "en", "result_count": 1}, {"query": "zebra", "language": "en", "result_count": 0}]
    field_names = {f.name for f in SearchLog._meta.get_fields()}
    assert not field_names & {"user", "session", "ip", "user_agent"}


def test_click_is_counted_once_and_redirects_only_to_documents(client, article):
    page = client.get(reverse("search"), {"q": "refund"}).content.decode()
    log_token = page.split("?t=")[1].split("&")[0]
    key = f"article:{article.pk}"
    response = client.get(reverse("search_click"), {"t": log_token, "p": "1", "k": key})
    assert response.status_code == 302 and response["Location"] == SearchDocument.objects.get(kind="article").url
    client.get(reverse("search_click"), {"t": log_token, "p": "3", "k": key})
    analytics.flush()
    log = SearchLog.objects.get()
    assert (log.clicked_key, log.clicked_position) == (key, 1)
    for bad in ({"k": "https://evil.example/"}, {"k": "article:999"}, {"k": "user:1"}, {}):
        assert client.get(reverse("search_click"), {"t": log_token, "p": "1", **bad})["Location"] == reverse("search")


def test_report_for_editors(client, site, article):
    for query, count in (("refund", 3), ("zebra", 2)):
        for _ in range(count):
            client.get(reverse("search"), {"q": query})
    page = client.get(reverse("search"), {"q": "refund"}).content.decode()
    token = page.split("?t=")[1].split("&")[0]
    client.get(reverse("search_click"), {"t": token, "p": "1", "k": f"article:{article.pk}"})
    data = (analytics.flush(), analytics.report(7))[1]
    assert data["searches"] == 6 and data["zero"] == 2 and data["clicked"] == 1
    assert data["top"][0]["query"] == "refund" and data["top"][0]["searches"] == 4
    assert data["zero_queries"] == [{"query": "zebra", "language": "en", "searches": 2}]

    editor = UserFactory(groups=[CONTENT_EDITORS])
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    client.force_login(editor)
    report = client.get(reverse("search_report"), {"days": "7"})
    assert report.status_code == 200
    html = report.content.decode()
    assert "zebra" in html and "Create article" in html and "Click-through rate: 17%" in html  # 1 of 6
    assert client.get(reverse("search_report"), {"days": "abc"}).status_code == 200


def test_report_needs_admin_access(client, member):
    client.force_login(member)
    assert client.get(reverse("search_report")).status_code in (302, 403)


def test_report_query_budget(client, article, django_assert_max_num_queries):
    for query in ("refund", "zebra", "hub", "camera"):
        client.get(reverse("search"), {"q": query})
    editor = UserFactory(groups=[CONTENT_EDITORS])
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    client.force_login(editor)
    client.get(reverse("search_report"))
    with django_assert_max_num_queries(25):  # Wagtail's admin shell included; independent of the log size
        assert client.get(reverse("search_report")).status_code == 200
