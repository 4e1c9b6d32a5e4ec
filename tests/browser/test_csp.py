"""The Content Security Policy holds while the page works: htmx swaps (votes, follow, comments, "Was this
helpful?") and the Wagtail admin log no CSP violation and no console error (issue 9, item 3)."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from community.services import ask_question
from portal.roles import CONTENT_EDITORS
from tests.browser.test_admin_workflow import SECRET, staff_sign_in
from tests.factories import PASSWORD, UserFactory, hub_community, make_site


@pytest.fixture
def content(transactional_db):
    world = hub_community()
    topic, article, alice, bob = world["topic"], world["article"], world["alice"], world["bob"]
    question = ask_question(
        alice, title="Hub blinks red after the update", body="Since last night the hub blinks red. Any idea?",
        tags="hub", topic=topic,
    )
    return {"article": article, "question": question, "bob": bob}


def resize(page, selector: str, dy: int = 60) -> None:
    """Drag the textarea's resize handle as a reader does to get more room: the browser then keeps the new
    size in the element's style attribute (allowed by CSP; it is the browser's own CSSOM change)."""
    box = page.locator(selector).bounding_box()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] + dy, steps=5)
    page.mouse.up()
    assert page.locator(selector).get_attribute("style"), "the resize handle did not resize the textarea"


def test_htmx_swaps_log_no_csp_violation(live_server, content, browser_page):
    base, page, log = live_server.url, browser_page, browser_page.console_log
    article, question = content["article"], content["question"]

    # "Was this helpful?": No with a comment in a resized box, then Yes (each answer swaps the widget).
    page.goto(base + article.url)
    page.locator("#helpful").get_by_role("button", name="No").click()
    comment = "#helpful textarea[name=comment]"
    expect(page.locator(comment)).to_be_visible()
    resize(page, comment)
    page.fill(comment, "The reset button is not where the picture shows it.")
    with page.expect_response(lambda r: "/helpful/" in r.url):
        page.locator("#helpful").get_by_role("button", name="Send").click()
    expect(page.locator("#helpful .helpful-thanks")).to_contain_text("did not help")
    with page.expect_response(lambda r: "/helpful/" in r.url):
        page.locator("#helpful").get_by_role("button", name="Yes").click()
    expect(page.locator("#helpful .helpful-thanks")).to_contain_text("You found this helpful")

    # A member votes, follows and comments (in a resized box) on a question, all swapped in place.
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "bob@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".account-nav")).to_contain_text("Sign out")
    page.goto(base + question.get_absolute_url())
    vote = page.locator(f"#vote-q-{question.pk}")
    with page.expect_response(lambda r: "/vote/" in r.url):
        vote.locator("button.vote-up").click()
    expect(vote.locator("button.vote-up")).to_have_attribute("aria-pressed", "true")
    with page.expect_response(lambda r: "/follow/" in r.url):
        page.locator("#question-actions button[value=follow]").click()
    expect(page.locator("#question-actions button[value=unfollow]")).to_have_attribute("aria-pressed", "true")
    page.locator(f"#comments-q-{question.pk} summary").click()
    box = f"#comment-body-q-{question.pk}"
    resize(page, box)
    page.fill(box, "Same here since the 2.3 update.")
    with page.expect_response(lambda r: "/comment/" in r.url):
        page.locator(f"#comments-q-{question.pk}").get_by_role("button", name="Post comment").click()
    expect(page.locator(f"#comments-q-{question.pk} .comment-list")).to_contain_text("Same here since the 2.3 update.")
    page.wait_for_timeout(300)  # htmx settles 20 ms after the swap: let it finish before reading the log
    assert log.csp_violations == [], "\n".join(log.csp_violations)
    log.assert_clean()


def test_admin_dashboard_logs_no_csp_violation(live_server, transactional_db, browser_page):
    """Staff avatars in the admin load under its policy (no gravatar request the CSP blocks)."""
    make_site()
    editor = UserFactory(username="erin", email="erin@nimbus-home.example", is_staff=True, groups=[CONTENT_EDITORS])
    TOTP.activate(editor, SECRET)
    page, log = browser_page, browser_page.console_log
    staff_sign_in(page, live_server.url, "erin@nimbus-home.example")
    for path in ("/admin/", "/admin/account/"):
        page.goto(live_server.url + path)
        expect(page.locator("main")).to_be_visible()
        page.wait_for_load_state("networkidle")
        avatars = page.locator("img[src^='data:image/svg+xml']")
        expect(avatars.first).to_be_attached()  # the initials avatar (sidebar; on the account page too)
        sources = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.src)")
        assert not [s for s in sources if "gravatar" in s], sources
    assert log.csp_violations == [], "\n".join(log.csp_violations)
    log.assert_clean()
