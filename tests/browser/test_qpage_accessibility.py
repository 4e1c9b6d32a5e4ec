"""The community question page's accessibility and UX fixes, in a real browser (English and Japanese, 1280 and
390 px where it matters, axe-clean):

1. a question held for review shows one notice and no invitation to answer;
2. an empty answer lands on the answer form: "Error:" title, the error summary focused and in view;
3. a vote's new score is told through one persistent live region;
4. "Was this article helpful?": the confirmation (a new role=status) takes focus; Yes and No are toggles;
5. Accept and Follow keep their name and toggle aria-pressed;
6. the comment delete button is named "Delete this comment";
7. forced colours: the pressed vote button still looks pressed.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from community import services
from community.screening import Verdict, register_screen, unregister_screen
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_community_journey import sign_in
from tests.factories import hub_community

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FOCUSED = "(selector) => document.activeElement === document.querySelector(selector)"


@pytest.fixture
def world(transactional_db):
    return hub_community()


def ja(text: str) -> str:
    with translation.override("ja"):
        return translation.gettext(text)


def test_a_held_question_shows_one_notice_and_no_invitation(live_server, world, browser_page):
    register_screen("qpage-browser-hold", lambda draft: Verdict("hold", "", ("test",)))
    try:
        question = services.ask_question(world["alice"], title="Hub offline after moving it", body="It shows offline since I moved it.")
    finally:
        unregister_screen("qpage-browser-hold")
    assert question.status == "pending"
    base, page = live_server.url, browser_page
    sign_in(page, base, "alice@example.com")
    for prefix, tr in (("", str), ("/ja", ja)):
        page.goto(f"{base}{prefix}{question.get_absolute_url()}")
        notices = page.locator("article.question .message--warning")
        expect(notices).to_have_count(1)
        expect(notices).to_contain_text(tr("This question is waiting for review: only its author and moderators can see it."))
        body = page.locator("main")
        expect(body).not_to_contain_text(tr("No answers yet. Do you know the answer? Help out below."))
        expect(body).not_to_contain_text(tr("This question no longer accepts answers."))
        expect(page.locator(".answer-form")).to_contain_text(tr("Answers open once a moderator has approved this question."))
        assert_accessible(page)
        screenshot(page, f"qpage-held{prefix.replace('/', '-')}")
    page.console_log.assert_clean()


@pytest.mark.parametrize(("prefix", "error"), [("", "Error: "), ("/ja", "エラー: ")])
def test_an_empty_answer_lands_on_the_answer_form_with_the_error_summary(live_server, world, browser_page, prefix, error):
    question = services.ask_question(world["alice"], title="Hub blinks red after the update", body="Since update 2.3 it blinks red.")
    base, page = live_server.url, browser_page
    sign_in(page, base, "bob@example.com")
    for size, viewport in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(viewport)
        page.goto(f"{base}{prefix}{question.get_absolute_url()}")
        page.locator("section.answer-form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/community/q/{question.pk}/answer/#your-answer-heading"), page.url
        assert page.title().startswith(error), page.title()
        summary = page.locator("section.answer-form [data-error-summary]")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()
        assert page.evaluate("""() => { const r = document.querySelector('[data-error-summary]').getBoundingClientRect();
            return r.top >= 0 && r.top < window.innerHeight; }"""), "the error summary is out of view"
        assert_accessible(page)
        screenshot(page, f"qpage-answer-error{prefix.replace('/', '-')}-{size}")
        summary.locator("a").first.click()
        expect(page.locator("#id_body")).to_be_focused()
    # Chromium notes the intended 400 in the console; nothing else may be there
    errors = [e for e in page.console_log.errors if "status of 400 (Bad Request)" not in e]
    assert errors == [], "\n".join(errors)


def test_a_vote_is_told_through_one_persistent_live_region(live_server, world, browser_page):
    question = services.ask_question(world["alice"], title="Hub blinks red after the update", body="Since update 2.3 it blinks red.")
    services.post_answer(world["alice"], question, body="Restart the hub while holding the button.")
    base, page = live_server.url, browser_page
    sign_in(page, base, "bob@example.com")
    page.goto(f"{base}{question.get_absolute_url()}")
    status = page.locator("#vote-status")
    expect(status).to_have_count(1)
    expect(status).to_have_attribute("role", "status")
    page.evaluate("() => { document.getElementById('vote-status').dataset.original = 'yes'; }")
    assert page.locator(".vote [aria-live], .vote [role=status]").count() == 0

    upvote = page.get_by_role("button", name="Upvote this answer")
    upvote.click()
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(status).to_have_text("Score: 1")
    expect(upvote).to_be_focused()
    upvote.click()  # taking the vote back
    expect(upvote).to_have_attribute("aria-pressed", "false")
    expect(status).to_have_text("Score: 0")
    page.get_by_role("button", name="Upvote this question").click()
    expect(status).to_have_text("Score: 1")
    # the same element all along: a live region that stays in the page is one screen readers follow
    assert page.evaluate("() => document.getElementById('vote-status').dataset.original") == "yes"
    assert page.locator("#vote-status").count() == 1
    page.console_log.assert_clean()


def test_the_helpful_confirmation_takes_focus_and_yes_no_are_toggles(live_server, world, browser_page):
    base, page = live_server.url, browser_page
    page.goto(f"{base}{world['article'].url}")
    helpful = page.locator("#helpful")
    yes = helpful.get_by_role("button", name="Yes", exact=True)
    no = helpful.get_by_role("button", name="No", exact=True)
    expect(yes).to_have_attribute("aria-pressed", "false")
    expect(no).to_have_attribute("aria-pressed", "false")
    assert no.get_attribute("aria-expanded") is None

    yes.click()
    thanks = page.locator("#helpful .helpful-thanks")
    expect(thanks).to_contain_text("You found this helpful")
    expect(thanks).to_be_focused()
    expect(yes).to_have_attribute("aria-pressed", "true")
    expect(no).to_have_attribute("aria-pressed", "false")

    no.click()  # picks "no" and opens the optional comment, which sends it
    expect(no).to_have_attribute("aria-pressed", "true")
    expect(yes).to_have_attribute("aria-pressed", "false")
    comment = page.get_by_label("What was missing or wrong? (optional)")
    expect(comment).to_be_focused()
    comment.fill("The picture shows an older hub.")
    helpful.get_by_role("button", name="Send: this did not help").click()
    expect(thanks).to_contain_text("did not help")
    expect(thanks).to_be_focused()
    expect(no).to_have_attribute("aria-pressed", "true")
    assert no.get_attribute("aria-expanded") is None
    assert_accessible(page)
    page.console_log.assert_clean()


def test_accept_and_follow_keep_their_name_and_toggle_pressed(live_server, world, browser_page):
    question = services.ask_question(world["alice"], title="Hub blinks red after the update", body="Since update 2.3 it blinks red.")
    services.post_answer(world["bob"], question, body="Restart the hub while holding the button.")
    services.post_comment(world["alice"], question, body="It also happens after a power cut.")
    base, page = live_server.url, browser_page
    sign_in(page, base, "alice@example.com")
    page.goto(f"{base}{question.get_absolute_url()}")

    accept = page.get_by_role("button", name="Accept this answer", exact=True)
    expect(accept).to_have_attribute("aria-pressed", "false")
    accept.click()
    expect(accept).to_have_attribute("aria-pressed", "true")
    expect(accept).to_be_focused()
    assert_accessible(page)
    accept.click()
    expect(accept).to_have_attribute("aria-pressed", "false")
    expect(accept).to_be_focused()

    follow = page.get_by_role("button", name="Follow", exact=True)  # the asker follows her question
    expect(follow).to_have_attribute("aria-pressed", "true")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "false")
    expect(follow).to_be_focused()
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")

    delete = page.get_by_role("button", name="Delete this comment", exact=True)
    expect(delete).to_be_visible()
    # the visible word is "Delete" (aria-hidden), the name the whole phrase from one string
    assert delete.evaluate("(el) => el.querySelector('[aria-hidden=true]').textContent") == "Delete"
    page.console_log.assert_clean()


def test_a_pressed_vote_shows_in_forced_colours(live_server, world, browser_page):
    question = services.ask_question(world["alice"], title="Hub blinks red after the update", body="Since update 2.3 it blinks red.")
    services.vote(world["bob"], question, 1)
    base, page = live_server.url, browser_page
    sign_in(page, base, "bob@example.com")
    page.emulate_media(forced_colors="active")
    page.goto(f"{base}{question.get_absolute_url()}")
    up = page.locator(f"#vote-q-{question.pk} .vote-up")
    down = page.locator(f"#vote-q-{question.pk} .vote-down")
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(down).to_have_attribute("aria-pressed", "false")
    style = "(el) => { const s = getComputedStyle(el); return [s.backgroundColor, s.color, s.borderTopWidth]; }"
    pressed, plain = up.evaluate(style), down.evaluate(style)
    assert page.evaluate("() => matchMedia('(forced-colors: active)').matches")
    assert pressed[0] != plain[0] and pressed[2] != plain[2], (pressed, plain)
    page.console_log.assert_clean()


def test_the_helpful_choice_shows_in_forced_colours(live_server, world, browser_page):
    base, page = live_server.url, browser_page
    page.emulate_media(forced_colors="active")
    page.goto(f"{base}{world['article'].url}")
    helpful = page.locator("#helpful")
    helpful.get_by_role("button", name="Yes", exact=True).click()
    yes, no = (helpful.get_by_role("button", name=name, exact=True) for name in ("Yes", "No"))
    expect(yes).to_have_attribute("aria-pressed", "true")
    style = "(el) => { const s = getComputedStyle(el); return [s.backgroundColor, s.color, s.borderTopWidth]; }"
    pressed, plain = yes.evaluate(style), no.evaluate(style)
    assert pressed[0] != plain[0] and pressed[2] != plain[2], (pressed, plain)
    page.console_log.assert_clean()
