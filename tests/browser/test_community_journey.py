"""The community journey in a real browser: customer A asks (and sees a suggestion while typing), customer B
answers, A upvotes and accepts without a page reload, B sees the notification. axe-core scans the ask
form, the question page and the list; no console errors or CSP violations on the way."""

import pytest
from playwright.sync_api import expect

from community.models import Question
from tests.browser.conftest import _new_page, assert_accessible, screenshot
from tests.factories import PASSWORD, hub_community


@pytest.fixture
def community(transactional_db):
    world = hub_community(topic_tags=("hub", "wifi"))
    topic, article, alice, bob = world["topic"], world["article"], world["alice"], world["bob"]
    return {"topic": topic, "article": article, "alice": alice, "bob": bob}


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".account-nav")).to_contain_text("Sign out")


def test_ask_answer_vote_accept_notify(live_server, community, browser, browser_page):
    base = live_server.url
    page = browser_page
    sign_in(page, base, "alice@example.com")

    # The signed-in header (bell, profile, sign out) keeps one row on a laptop and on a wide window
    for width in (1280, 1600):
        page.set_viewport_size({"width": width, "height": 900})
        centres = page.evaluate(
            "() => [...document.querySelectorAll('.header-inner > *')].filter(e => e.checkVisibility())"
            ".map(e => { const r = e.getBoundingClientRect(); return Math.round((r.top + r.bottom) / 2); })"
        )
        assert len(centres) >= 4 and max(centres) - min(centres) <= 4, (width, centres)
    page.set_viewport_size({"width": 1280, "height": 900})

    # A asks: a suggestion appears while the title is typed (debounced, no reload)
    page.goto(f"{base}/community/ask/?topic=troubleshooting")
    page.locator("#id_title").press_sequentially("My hub is offline after moving", delay=20)
    suggestion = page.locator("#ask-suggestions a", has_text="Nimbus Hub is offline")
    expect(suggestion).to_be_visible()
    expect(page.locator("#id_title")).to_be_focused()  # typing keeps focus
    page.fill("#id_body", "It shows **offline** since I moved it to the kitchen.")
    expect(page.locator("#ask-preview strong")).to_have_text("offline")
    page.fill("#id_tags", "hub")
    assert_accessible(page)
    screenshot(page, "community-ask")
    page.get_by_role("button", name="Post your question").click()
    expect(page.locator("h1")).to_have_text("My hub is offline after moving")
    question = Question.objects.get()
    question_url = f"{base}{question.get_absolute_url()}"
    assert question.topic_id == community["topic"].pk

    # B answers (plain form POST)
    context_b, page_b = _new_page(browser)
    try:
        sign_in(page_b, base, "bob@example.com")
        page_b.goto(question_url)
        page_b.fill("#id_body", "Re-run Wi-Fi setup from the app: **Settings → Hub → Wi-Fi**.")
        page_b.get_by_role("button", name="Post your answer").click()
        expect(page_b.locator(".answer .post-body")).to_contain_text("Re-run Wi-Fi setup")

        # A upvotes and accepts, with htmx: no page reload
        page.goto(question_url)
        page.evaluate("() => { window.__noReload = true; }")
        page.get_by_role("button", name="Upvote this answer").click()
        expect(page.locator(".answer .vote-score")).to_contain_text("1")
        expect(page.get_by_role("button", name="Upvote this answer")).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_role("button", name="Upvote this answer")).to_be_focused()
        page.get_by_role("button", name="Accept this answer").click()
        expect(page.locator(".accepted-badge")).to_be_visible()
        assert page.evaluate("() => window.__noReload") is True
        assert_accessible(page)
        screenshot(page, "community-question")

        # B sees the notifications
        page_b.goto(f"{base}/")
        bell = page_b.locator("a.bell:visible")
        # "Alice Chen accepted your answer", and the badges it earned: "First answer", "First accepted answer"
        expect(bell).to_contain_text("3 unread")
        bell.click()
        expect(page_b.locator("main")).to_contain_text("Alice Chen accepted your answer")
        assert_accessible(page_b)
        page_b.get_by_role("link", name="Alice Chen accepted your answer").click()
        expect(page_b.locator(".accepted-badge")).to_be_visible()
        expect(page_b.locator("a.bell:visible")).to_contain_text("2 unread")  # opening it marked it read
        page_b.console_log.assert_clean()
    finally:
        context_b.close()

    # The list
    page.goto(f"{base}/community/?status=solved")
    expect(page.locator(".question-list")).to_contain_text("My hub is offline after moving")
    assert_accessible(page)
    screenshot(page, "community-list")
    page.console_log.assert_clean()
