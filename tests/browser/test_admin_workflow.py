"""Editorial approval in the Wagtail page editor, in Chromium: staff sign in with a password and a TOTP code,
an editor submits an article to "Moderators approval", a moderator approves it (or requests changes)
from the editor's action menu. Approving publishes the submitted revision; it must not save a new
revision and restart the review (issue 9, item 1)."""

from __future__ import annotations

import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from wagtail.models import Workflow

from knowledge.models import ArticlePage
from portal.roles import CONTENT_EDITORS, MODERATORS
from tests.factories import PASSWORD, UserFactory, make_article, make_site, make_topic

SECRET = "JBSWY3DPEHPK3PXPNIMBUSTESTTWOFA2"  # base32


def totp_code() -> str:
    """The current code; near the end of its 30-second window, wait for the next one (a code that expires
    between typing and submitting is refused, as it should be)."""
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 5:
        time.sleep(period - time.time() % period + 0.2)
    return format_hotp_value(hotp_value(SECRET, int(time.time()) // period))


def staff_sign_in(page, base: str, email: str) -> None:
    """Password, then the authenticator code (staff must have two-factor)."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", totp_code())
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


@pytest.fixture
def staff(transactional_db):
    site = make_site()
    topic = make_topic(site["en"], "Setup", "setup", tags=["setup"], icon="wrench")
    article = make_article(
        topic,
        "Reset the hub",
        live=False,
        body=[{"type": "paragraph", "value": '<p data-block-key="k1x2y">Hold the button for 10 seconds.</p>'}],
    )
    editor = UserFactory(username="erin", email="erin@nimbus-home.example", is_staff=True, groups=[CONTENT_EDITORS])
    moderator = UserFactory(
        username="morgan", email="morgan@nimbus-home.example", is_staff=True, groups=[MODERATORS]
    )
    for user in (editor, moderator):
        TOTP.activate(user, SECRET)
    return {"article": article, "editor": editor, "moderator": moderator}


def _choose_workflow_action(page, label: str) -> None:
    page.locator("footer .w-dropdown__toggle").click()
    page.locator("footer").get_by_role("button", name=label, exact=True).click()


def test_moderator_approves_from_the_page_editor(live_server, staff, browser):
    base, article = live_server.url, staff["article"]

    # The editor submits the article for review from the page editor.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    staff_sign_in(page, base, "erin@nimbus-home.example")
    page.goto(f"{base}/admin/pages/{article.pk}/edit/")
    page.locator("footer .w-dropdown__toggle").click()
    page.locator("footer button[name=action-submit]").click()
    page.wait_for_load_state()
    article.refresh_from_db()
    assert article.current_workflow_state and article.current_workflow_state.status == "in_progress"
    context.close()
    revisions = article.revisions.count()

    # The moderator opens it and approves from the editor's action menu.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    staff_sign_in(page, base, "morgan@nimbus-home.example")
    page.goto(f"{base}/admin/pages/{article.pk}/edit/")
    _choose_workflow_action(page, "Approve")
    page.wait_for_url(lambda url: "/edit/" not in url)
    context.close()

    article = ArticlePage.objects.get(pk=article.pk)
    assert article.live, "approving from the page editor must publish the article"
    assert article.revisions.count() == revisions, "approving an untouched page must not save a new revision"
    assert article.workflow_states.get().status == "approved"


def test_moderator_requests_changes_from_the_page_editor(live_server, staff, browser_page):
    base, article, page = live_server.url, staff["article"], browser_page
    Workflow.objects.get(name="Moderators approval").start(article, staff["editor"])
    revisions = article.revisions.count()

    staff_sign_in(page, base, "morgan@nimbus-home.example")
    page.goto(f"{base}/admin/pages/{article.pk}/edit/")
    _choose_workflow_action(page, "Request changes")
    dialog = page.get_by_role("dialog")
    dialog.locator("textarea[name=comment]").fill("Add a photo of the reset button.")
    dialog.get_by_role("button", name="Request changes").click()
    page.wait_for_url(lambda url: "/edit/" not in url)

    article = ArticlePage.objects.get(pk=article.pk)
    assert not article.live
    assert article.revisions.count() == revisions, "rejecting an untouched page must not save a new revision"
    state = article.workflow_states.get()
    assert state.status == "needs_changes"
    assert state.current_task_state.status == "rejected"
    assert state.current_task_state.comment == "Add a photo of the reset button."
