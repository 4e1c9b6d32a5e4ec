"""Search analytics: what is logged (no personal data), clicks, and the editors' report."""

import html
import re

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


def ping_url(page: str, position: int = 1) -> str:
    """The signed ping URL of the result at `position` on a search page."""
    return html.unescape(re.findall(r'ping="([^"]+)"', page)[position - 1])


def test_results_link_to_the_documents_and_clicks_arrive_as_pings(client, article):
    page = client.get(reverse("search"), {"q": "refund"}).content.decode()
    doc = SearchDocument.objects.get(kind="article")
    assert f'<a href="{doc.url}" ping="' in page and reverse("search_click") + "?" not in page
    url = ping_url(page)
    assert client.post(url, "PING", content_type="text/ping").status_code == 204
    assert client.post(url, "PING", content_type="text/plain;charset=UTF-8").status_code == 204  # sendBeacon
    analytics.flush()
    log = SearchLog.objects.get()
    assert (log.clicked_key, log.clicked_position) == (f"article:{article.pk}", 1)


def test_a_ping_names_only_a_result_the_search_showed(client, article):
    page = client.get(reverse("search"), {"q": "refund"}).content.decode()
    url = ping_url(page)
    ping = reverse("search_click_ping")
    forged = [
        url.replace("p=1", "p=2"),  # another position
        url.replace(f"article%3A{article.pk}", "article%3A999"),  # another document
        url.replace("k=article", "k=question"),
        url.split("&s=")[0],  # unsigned
        ping + "?t=zz&p=1&k=article%3A1&s=x",
        ping,
    ]
    for bad in forged:
        assert client.post(bad, "PING", content_type="text/ping").status_code == 400, bad
    assert client.post(url, "{}", content_type="application/json").status_code == 415
    assert client.get(url).status_code == 405
    assert client.post(url, "PING", content_type="text/ping", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    analytics.flush()
    assert SearchLog.objects.get().clicked_key == ""


def test_click_pings_are_rate_limited(client, article, settings):
    settings.PORTAL_SEARCH_THROTTLE = True
    url = ping_url(client.get(reverse("search"), {"q": "refund"}).content.decode())
    statuses = [client.post(url, "PING", content_type="text/ping").status_code for _ in range(21)]
    assert statuses[:20] == [204] * 20 and statuses[20] == 429


def test_old_click_links_still_lead_to_the_result(client, article):
    key = f"article:{article.pk}"
    response = client.get(reverse("search_click"), {"t": "0123456789abcdef", "p": "1", "k": key})
    assert response.status_code == 302 and response["Location"] == SearchDocument.objects.get(kind="article").url
    for bad in ({"k": "https://evil.example/"}, {"k": "article:999"}, {"k": "user:1"}, {}):
        assert client.get(reverse("search_click"), {"p": "1", **bad})["Location"] == reverse("search")


def test_report_for_editors(client, site, article):
    for query, count in (("refund", 3), ("zebra", 2)):
        for _ in range(count):
            client.get(reverse("search"), {"q": query})
    page = client.get(reverse("search"), {"q": "refund"}).content.decode()
    assert client.post(ping_url(page), "PING", content_type="text/ping").status_code == 204
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


def test_report_names_languages_and_groups_thousands(client, site):
    """The report reads like the rest of the admin: "1,234 searches", "English" / "日本語" (not "en"/"ja")."""
    from tests.factories import SearchLogFactory

    SearchLogFactory.create_batch(1200, query="zebra", language="en", result_count=0)
    SearchLogFactory.create_batch(34, query="しまうま", language="ja", result_count=0)
    editor = UserFactory(groups=[CONTENT_EDITORS])
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    client.force_login(editor)
    text = html.unescape(re.sub(r"\s+", " ", client.get(reverse("search_report")).content.decode()))
    assert "1,234 searches, 1,234 with no result." in text
    assert "<td>English</td><td>1,200</td>" in text and "<td>Japanese</td><td>34</td>" in text
    assert "<td>en</td>" not in text and "<td>ja</td>" not in text
