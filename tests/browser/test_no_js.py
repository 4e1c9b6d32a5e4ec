"""Progressive enhancement and keyboard use: the feedback widget works without JavaScript, and the
skip link is the first thing a keyboard user reaches."""

import re

import pytest
from playwright.sync_api import expect

from knowledge.models import ArticleFeedback
from tests.browser.conftest import screenshot
from tests.factories import make_article, make_site, make_topic


@pytest.fixture
def refund_article(transactional_db):
    site = make_site()
    topic = make_topic(site["en"], "Billing & refunds", "billing-refunds", tags=["refund"], icon="card")
    return make_article(topic, "Request a refund", tags=["refund"])


def test_voting_yes_without_javascript_posts_and_redirects(live_server, refund_article, browser_page_no_js):
    page = browser_page_no_js
    page.goto(live_server.url + refund_article.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Request a refund")
    assert "js" not in (page.locator("html").get_attribute("class") or "")
    helpful = page.locator("#helpful")
    # Without JS the "No" toggle is hidden and the comment box with its own submit button shows instead.
    expect(helpful.get_by_role("button", name="No", exact=True)).to_be_hidden()
    expect(page.get_by_label("What was missing or wrong? (optional)")).to_be_visible()
    expect(helpful.get_by_role("button", name="Send: this did not help")).to_be_visible()

    with page.expect_navigation():
        helpful.get_by_role("button", name="Yes", exact=True).click()
    page.wait_for_load_state()
    assert page.url == live_server.url + refund_article.url + "#helpful"
    expect(page.get_by_role("status").filter(has_text="Thanks for your feedback!")).to_be_visible()
    feedback = ArticleFeedback.objects.get()
    assert feedback.article_id == refund_article.pk and feedback.helpful is True and feedback.comment == ""
    screenshot(page, "article-no-js-after-yes")
    page.console_log.assert_clean()


def test_first_tab_focuses_skip_link_and_enter_moves_to_main(live_server, refund_article, browser_page):
    page = browser_page
    page.goto(live_server.url + refund_article.url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # it slides into view on focus
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    screenshot(page, "skip-link-focused")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    assert re.search(r"#main$", page.url)
    # The next Tab continues from inside main, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    page.console_log.assert_clean()
