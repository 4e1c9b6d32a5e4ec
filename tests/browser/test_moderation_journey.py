"""Moderation in a real browser, by accessible names (issue 11): three members flag a spam question → it is
hidden (its author sees why) → a moderator opens the review queue, suspends the author and deletes the
question → the author can no longer post and sees why, on the ask page and on their "Moderation actions"
page. axe-core scans the flag form, the queue, the item page and the member's view of the action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from community import services
from community.models import Question
from community.status import PostStatus
from moderation.models import Flag, ReviewItem, Sanction
from portal.roles import MODERATORS
from tests.browser.conftest import _new_page, assert_accessible, screenshot
from tests.browser.test_admin_workflow import SECRET, staff_sign_in
from tests.browser.test_community_journey import sign_in
from tests.factories import MemberFactory, UserFactory, hub_community

SPAM_TITLE = "Cheap hubs at 80% off, order on WhatsApp today"


@pytest.fixture
def world(transactional_db):
    community = hub_community(topic_tags=("hub",))
    carol = MemberFactory(username="carol", email="carol@example.com")
    spammer = MemberFactory(username="deals", email="deals@example.net")
    moderator = UserFactory(username="morgan", email="morgan@nimbus-home.example", is_staff=True, groups=[MODERATORS])
    TOTP.activate(moderator, SECRET)
    question = services.ask_question(
        spammer, title=SPAM_TITLE, language="en", topic=community["topic"],
        body="Best prices on every Nimbus hub. Message me on WhatsApp to order before stock runs out!",
    )
    return {**community, "carol": carol, "spammer": spammer, "moderator": moderator, "question": question}


def flag_as_spam(browser, base: str, email: str, url: str, *, scan: bool = False) -> None:
    context, page = _new_page(browser)
    try:
        sign_in(page, base, email)
        page.goto(url)
        page.get_by_role("link", name="Flag this question").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.get_by_role("radio", name="Spam or advertising").check()
        if scan:
            assert_accessible(page)
            screenshot(page, "moderation-flag")
        page.get_by_role("button", name="Send to the moderators").click()
        expect(page.get_by_role("status").first).to_contain_text("Thanks")
        page.console_log.assert_clean()
    finally:
        context.close()


def test_flags_hide_then_moderator_suspends_and_deletes(live_server, world, browser, browser_page):
    base = live_server.url
    question: Question = world["question"]
    url = f"{base}{question.get_absolute_url()}"

    # Three verified members flag it as spam: the third flag hides it.
    for index, email in enumerate(("alice@example.com", "bob@example.com", "carol@example.com")):
        flag_as_spam(browser, base, email, url, scan=index == 0)
    question.refresh_from_db()
    assert question.status == PostStatus.HIDDEN
    assert Flag.objects.filter(post_id=question.pk, state=Flag.State.OPEN).count() == 3

    # Visitors no longer find it; its author sees it, with the reason.
    anonymous = browser_page
    response = anonymous.goto(url)
    assert response is not None and response.status == 404
    context, author = _new_page(browser)
    try:
        sign_in(author, base, "deals@example.net")
        author.goto(url)
        expect(author.locator("main")).to_contain_text("members reported it as spam")

        # The moderator works the queue: the item is first, suspends the author, then deletes the question.
        mod_context, mod = _new_page(browser)
        try:
            staff_sign_in(mod, base, "morgan@nimbus-home.example")
            mod.goto(f"{base}/admin/moderation/queue/")
            expect(mod.get_by_role("link", name=SPAM_TITLE)).to_be_visible()
            assert_accessible(mod)
            screenshot(mod, "moderation-queue")
            mod.get_by_role("link", name=SPAM_TITLE).click()
            expect(mod.get_by_role("heading", name="Flags", exact=True)).to_be_visible()
            assert_accessible(mod)
            screenshot(mod, "moderation-item")

            until = (timezone.localdate() + timedelta(days=14)).isoformat()
            suspend = mod.get_by_role("form", name="Suspend the author")
            suspend.get_by_label("Reason").fill("Advertising: this community is for help with Nimbus products.")
            suspend.get_by_label("Until").fill(until)
            suspend.get_by_role("button", name="Suspend the author").click()
            expect(mod.locator("body")).to_contain_text("Done")

            delete = mod.get_by_role("form", name="Delete", exact=True)
            delete.get_by_label("Reason").fill("Spam")
            delete.get_by_role("button", name="Delete", exact=True).click()
            expect(mod.locator("body")).to_contain_text("Done")
            mod.console_log.assert_clean()
        finally:
            mod_context.close()

        question.refresh_from_db()
        assert question.status == PostStatus.DELETED
        item = ReviewItem.objects.get(post_kind="question", post_id=question.pk)
        assert item.state == ReviewItem.State.RESOLVED and item.resolution == "delete"
        assert set(Flag.objects.filter(item=item).values_list("state", flat=True)) == {Flag.State.UPHELD}
        assert Sanction.objects.get(member=world["spammer"]).kind == Sanction.Kind.SUSPEND

        # The author can no longer post and sees why: on the ask page and on their moderation page.
        author.goto(f"{base}/community/ask/")
        notice = author.get_by_role("status")
        expect(notice).to_contain_text("read-only until")
        expect(notice).to_contain_text("Advertising")
        expect(author.get_by_role("button", name="Post your question")).to_have_count(0)
        notice.get_by_role("link", name="Details and appeal").click()
        expect(author.locator("main")).to_contain_text("Advertising: this community is for help with Nimbus products.")
        assert_accessible(author)
        screenshot(author, "moderation-member-actions")
        author.console_log.assert_clean()
    finally:
        context.close()
    # and the service refuses a post whatever the page shows (the member as a new request loads them)
    spammer = get_user_model().objects.get(pk=world["spammer"].pk)
    with pytest.raises(services.CommunityError, match="read-only"):
        services.ask_question(spammer, title="Another offer for you", body="Cheap hubs again, message me.", language="en")
