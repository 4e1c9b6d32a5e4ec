"""A search page past the last one goes to the last page (not "11 results", "Nothing matches" and "Page 99 of 2"
at once), and indexed text keeps a bold word or a link inside its sentence ("Hub offline, the hub", not
"Hub offline , the hub"), in Japanese too."""

import pytest
from django.urls import reverse

from community import services
from search.indexing import text_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve(site, monkeypatch):
    monkeypatch.setitem(services.RATE_LIMITS, "ask", (100, 100, 600))
    asker = UserFactory()
    for i in range(12):
        services.ask_question(asker, title=f"Thermostat schedule question number {i}", body=f"Schedule body {i} here.")


@pytest.mark.parametrize("prefix", ["", "/ja"])
def test_a_page_past_the_last_goes_to_the_last(client, twelve, prefix):
    url = prefix + reverse("search")
    response = client.get(url, {"q": "thermostat", "lang": "en", "page": "99"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?q=thermostat&lang=en&page=2"
    last = client.get(response["Location"]).content.decode()
    assert "thermostat" in last.lower() and "Nothing matches" not in last
    assert client.get(url, {"q": "thermostat", "page": "2"}).status_code == 200


def test_a_later_page_of_nothing_goes_to_the_first(client, twelve):
    response = client.get(reverse("search"), {"q": "zebra unicorn", "page": "5"})
    assert response.status_code == 302 and response["Location"] == "/search/?q=zebra+unicorn"
    assert "Nothing matches" in client.get(response["Location"]).content.decode()


def test_inline_tags_leave_no_space_and_blocks_do():
    assert text_of("<p>The app shows <strong>Hub offline</strong>, the hub <a href='/x'>restarts</a>.</p>") == (
        "The app shows Hub offline, the hub restarts."
    )
    assert text_of("<p>オートメーションは、<strong>ハブの中で動く</strong>のでネット</p>") == "オートメーションは、ハブの中で動くのでネット"
    assert text_of("<ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table>") == "one two a b"
    assert text_of("line<br>break <abbr title='x'>Wi-Fi</abbr><article>next</article>") == "line break Wi-Fi next"
