"""Every state of every control meets WCAG 2.2 AA contrast: each button, link and toggle of the key pages
is checked at rest, under the mouse and with keyboard focus (tests/browser/contrast.py), on a question
page seen by a member with pressed toggles ("Follow" and "Accept this answer" pressed, "I have this problem too",
a pressed vote), search, home, an article after a helpful vote, and the revision history."""

import pytest
from playwright.sync_api import expect

from community import services
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.contrast import audit_control_states, contrast_failures
from tests.browser.test_community_journey import sign_in
from tests.factories import hub_community


@pytest.fixture
def pressed(transactional_db):
    world = hub_community()
    topic, article, alice, bob = world["topic"], world["article"], world["alice"], world["bob"]
    own = services.ask_question(alice, title="Hub offline after moving it", body="It shows offline since I moved it.", topic=topic, tags="hub")
    answer = services.post_answer(bob, own, body="Re-run Wi-Fi setup from the app.")
    services.vote(alice, answer, 1)
    services.accept_answer(alice, answer)  # alice sees "Accept this answer" and "Follow" pressed
    services.edit_answer(bob, answer, body="Re-run the Wi-Fi setup from the app:  Settings → Hub.", summary="steps")
    other = services.ask_question(bob, title="Hub blinks red after the update", body="Since update 2.3 it blinks red.", topic=topic, tags="hub")
    services.set_me_too(alice, other, True)  # "I have this problem too" pressed
    services.follow_question(alice, other)
    return {"own": own, "other": other, "answer": answer, "article": article}


def _assert_states(page, what):
    failures = audit_control_states(page)
    assert failures == [], f"{what} ({page.url}): controls below WCAG AA contrast:\n" + "\n".join(failures)


def test_controls_readable_in_every_state(live_server, pressed, browser_page):
    base = live_server.url
    page = browser_page
    sign_in(page, base, "alice@example.com")

    page.goto(f"{base}{pressed['own'].get_absolute_url()}")
    expect(page.get_by_role("button", name="Follow", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Accept this answer")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Upvote this answer")).to_have_attribute("aria-pressed", "true")
    _assert_states(page, "question with pressed toggles")

    page.goto(f"{base}{pressed['other'].get_absolute_url()}")
    expect(page.get_by_role("button", name="I have this problem too")).to_have_attribute("aria-pressed", "true")
    _assert_states(page, "question with me-too pressed")

    page.goto(f"{base}/community/a/{pressed['answer'].pk}/revisions/")
    expect(page.locator(".diff ins").first).to_be_visible()
    expect(page.locator(".diff del").first).to_be_visible()
    diff_failures = contrast_failures(page, ".diff")  # unchanged, removed and added words alike
    assert diff_failures == [], "revision diff below WCAG AA contrast:\n" + "\n".join(diff_failures)
    assert_accessible(page)
    screenshot(page, "revision-history")
    _assert_states(page, "revision history")

    page.goto(f"{base}/accounts/email/")
    _assert_states(page, "account email addresses")

    page.goto(f"{base}/search/?q=hub")
    expect(page.locator(".search-hit").first).to_be_visible()
    _assert_states(page, "search")

    page.goto(f"{base}/")
    _assert_states(page, "home")

    page.goto(f"{base}{pressed['article'].url}")
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    _assert_states(page, "article after a helpful vote")
    page.console_log.assert_clean()
