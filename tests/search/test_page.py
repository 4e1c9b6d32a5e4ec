"""The search page's boxes and filters: the query is echoed as typed, facets that would lead to an empty
page are not links, and an empty filtered result offers a way back."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from community import services
from tests.factories import UserFactory, make_article, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(site):
    account = make_topic(site["en"], "Account & sign-in", "account-sign-in", tags=["account"])
    make_article(account, "Reset your password", tags=["password"], summary="Get a reset link by email.")
    asker = UserFactory(username="asker")
    services.ask_question(asker, title="Hub keeps dropping off Wi-Fi", body="Every night the hub goes offline.", topic=account)
    return account


def _boxes(html: str) -> dict[str, str]:
    return {m[0]: m[1] for m in re.findall(r'<input id="(search-q|header-q)"[^>]*?value="([^"]*)"', html)}


def test_both_search_boxes_echo_the_query_as_typed(client, content):
    html = client.get(reverse("search"), {"q": "Reset  ＰＡＳＳＷＯＲＤ"}).content.decode()
    assert "your <mark>password</mark>" in html  # found case-insensitively ...
    assert _boxes(html) == {"search-q": "Reset ＰＡＳＳＷＯＲＤ", "header-q": "Reset ＰＡＳＳＷＯＲＤ"}  # ... shown as typed
    assert "q=Reset+%EF%BC%B0" in html  # facet and sort links keep it too
    assert "“Reset ＰＡＳＳＷＯＲＤ” — search" in html


def test_zero_count_facets_are_not_links(client, content):
    html = client.get(reverse("search"), {"q": "password"}).content.decode()
    assert "type=article" in html  # a facet with results is a link
    assert "status=solved" not in html and "status=unanswered" not in html  # no question matches: no dead ends
    assert re.search(r'<span class="facet-link facet-link--empty">.*?Solved <span class="facet-count">\(0\)</span>', html)


def test_empty_filtered_results_offer_to_remove_each_filter(client, content):
    response = client.get(reverse("search"), {"q": "password", "type": "question", "tag": "password"})
    html = response.content.decode()
    assert response.status_code == 200 and 'class="search-hit"' not in html
    assert re.search(r'<a href="\?q=password&amp;tag=password">Remove filter: Question</a>', html)
    assert re.search(r'<a href="\?q=password&amp;type=question">Remove filter: password</a>', html)
    assert '<a href="?q=password">Clear all filters</a>' in html


def test_facet_labels_follow_the_readers_language_even_from_the_cache(client, content):
    Client().get("/ja/search/", {"q": "password", "status": "unanswered"})  # cached while the language is Japanese
    html = client.get("/search/", {"q": "password", "status": "unanswered"}).content.decode()
    assert "Unanswered" in html and "未回答" not in html
    assert "Remove filter: Unanswered" in html
    ja = Client().get("/ja/search/", {"q": "password", "type": "question"}).content.decode()
    assert "質問" in ja and ">Question<" not in ja
