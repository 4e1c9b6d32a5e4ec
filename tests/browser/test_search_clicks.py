"""Search result links in a real browser: each result's href is the document's own address (hover, copy
link and "open in new tab" give it), and opening a result is counted — by sendBeacon with JavaScript, by
the link's own `ping` without it — never through a redirect."""

import time

import pytest
from playwright.sync_api import expect

from search import analytics
from search.models import SearchLog
from tests.browser.conftest import assert_accessible
from tests.factories import make_article, make_site, make_topic

PING = "/search/click/ping/"


@pytest.fixture
def article(transactional_db):
    site = make_site()
    topic = make_topic(site["en"], "Account & sign-in", "account-sign-in", tags=["account"], icon="user")
    make_article(topic, "Turn on two-factor authentication", summary="Add a second step to your password.")
    return make_article(topic, "Reset your password", summary="Get a reset link by email.")


def clicked_log() -> SearchLog:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        analytics.flush()
        log = SearchLog.objects.filter(query="reset password").first()
        if log and log.clicked_key:
            return log
        time.sleep(0.1)
    raise AssertionError("the click was not recorded")


@pytest.mark.parametrize("javascript", [True, False], ids=["beacon", "a-ping"])
def test_result_links_are_real_urls_and_clicks_are_counted(live_server, article, browser_page, browser_page_no_js, javascript):
    page = browser_page if javascript else browser_page_no_js
    analytics.discard()
    page.goto(f"{live_server.url}/search/?q=reset+password")
    link = page.locator(".search-hit .hit-title a").first
    expect(link).to_have_attribute("href", article.url)  # what hover, copy link and a new tab use
    if javascript:
        assert link.get_attribute("data-click-ping").startswith(live_server.url + PING)
        assert link.get_attribute("ping") is None  # the script reports instead, once
        assert_accessible(page)
    else:
        assert link.get_attribute("ping").startswith(live_server.url + PING)
    with page.expect_request(lambda request: PING in request.url and request.method == "POST") as ping:
        link.click()
    expect(page.locator("h1")).to_have_text("Reset your password")
    assert page.url == f"{live_server.url}{article.url}"  # straight there, no redirect
    assert ping.value.post_data == "PING" or javascript  # the browser's own ping body
    # The ping outlives the page it left: Chromium may drop its response before Playwright sees it, so the
    # server's record is the proof it arrived (the 204 itself is asserted in tests/search/test_analytics.py).
    log = clicked_log()
    assert (log.clicked_key, log.clicked_position) == (f"article:{article.pk}", 1)
    if javascript:
        page.console_log.assert_clean()
