"""Search in a real browser: header autocomplete with the keyboard, then the results page with facets;
axe-core scans of both, no console errors or CSP violations."""

import pytest
from playwright.sync_api import expect

from community import services
from tests.browser.conftest import assert_accessible, screenshot
from tests.factories import UserFactory, make_article, make_site, make_topic


@pytest.fixture
def content(transactional_db):
    site = make_site()
    topic = make_topic(site["en"], "Account & sign-in", "account-sign-in", tags=["account"], icon="user")
    make_article(topic, "Reset your password", tags=["password"], summary="Get a reset link by email.")
    make_article(topic, "Turn on two-factor authentication", tags=["account"], summary="Add a second step to sign-in.")
    asker = UserFactory(username="asker")
    services.ask_question(asker, title="Password reset email never arrives", body="I asked for a reset link twice.", topic=topic)
    return site


def test_autocomplete_with_keyboard_then_facets(live_server, content, browser_page):
    page = browser_page
    base = live_server.url
    page.goto(f"{base}/")
    box = page.locator("#header-q")
    box.press_sequentially("reset pa", delay=30)
    options = page.locator("#header-suggest-list [role=option]")
    expect(options.first).to_contain_text("Reset your password")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#header-suggest [role=status]")).to_contain_text("2 suggestions")
    assert_accessible(page)
    screenshot(page, "search-autocomplete")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "header-suggest-1")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Escape")  # the second Escape clears the box, as in a search field
    expect(box).to_have_value("")
    box.press_sequentially("reset pas", delay=30)
    expect(options.first).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.locator("h1")).to_have_text("Reset your password")

    # The results page: both kinds, then only questions through the facet
    page.goto(f"{base}/search/?q=password")
    expect(page.locator(".search-hit")).to_have_count(2)
    expect(page.locator(".search-hit mark").first).to_have_text("password", ignore_case=True)
    page.locator(".search-facets a", has_text="Question").click()
    expect(page.locator(".search-hit")).to_have_count(1)
    expect(page.locator(".search-hit")).to_contain_text("Password reset email never arrives")
    expect(page.locator(".search-facets a[aria-current=true]")).to_contain_text("Question")
    assert_accessible(page)
    screenshot(page, "search-results")
    page.console_log.assert_clean()
