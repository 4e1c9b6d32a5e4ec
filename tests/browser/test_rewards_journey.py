"""Reputation, badges, Superuser and rewards in a real browser, by accessible names (issue 13): a member's
answer is upvoted and accepted → their profile shows the reputation and the "First answer" badge → a
moderator grants them Superuser in the admin → the superuser redeems a reward → the moderator fulfils it
with a code → the member reads the code. axe-core scans every page on the way."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from community.models import Answer
from community.rewards.models import Redemption, Reward
from portal.models import Profile, Rank
from portal.roles import MODERATORS
from tests.browser.conftest import _new_page, assert_accessible, screenshot
from tests.browser.test_admin_workflow import SECRET, staff_sign_in
from tests.browser.test_community_journey import sign_in
from tests.factories import MemberFactory, QuestionFactory, UserFactory, hub_community

CODE = "NIMBUS-7Q2K-COUPON"


@pytest.fixture
def world(transactional_db):
    community = hub_community(topic_tags=("hub",))
    carol = MemberFactory(username="carol", email="carol@example.com", profile__display_name="Carol Diaz")
    dave = MemberFactory(username="dave", email="dave@example.com", profile__display_name="Dave Ito")
    erin = MemberFactory(username="erin", email="erin@example.com", profile__display_name="Erin Park")
    question = QuestionFactory(author=carol, title="Hub light stays amber after the update", topic=community["topic"],
                               tags=["hub"])
    moderator = UserFactory(username="morgan", email="morgan@nimbus-home.example", is_staff=True, groups=[MODERATORS])
    TOTP.activate(moderator, SECRET)
    reward = Reward.objects.create(name="Sticker pack", description="Six stickers.", cost=20, stock=1)
    return {**community, "carol": carol, "dave": dave, "erin": erin, "question": question, "reward": reward}


def test_answer_upvoted_accepted_superuser_redeems_and_reads_the_code(live_server, world, browser):
    base = live_server.url
    question = world["question"]

    # Dave answers; Erin upvotes the answer; Carol (the asker) accepts it.
    dave_context, dave = _new_page(browser)
    sign_in(dave, base, "dave@example.com")
    dave.goto(f"{base}{question.get_absolute_url()}")
    dave.fill("#id_body", "Unplug the hub for ten seconds, then plug it back in.")
    dave.get_by_role("button", name="Post your answer").click()
    expect(dave.locator(".answer .post-body")).to_contain_text("Unplug the hub")
    answer = Answer.objects.get(question=question)
    context, page = _new_page(browser)
    sign_in(page, base, "erin@example.com")
    page.goto(f"{base}{question.get_absolute_url()}")
    page.get_by_role("button", name="Upvote this answer").click()
    expect(page.get_by_role("button", name="Upvote this answer")).to_have_attribute("aria-pressed", "true")
    context.close()
    context, page = _new_page(browser)
    sign_in(page, base, "carol@example.com")
    page.goto(f"{base}{question.get_absolute_url()}")
    page.get_by_role("button", name="Accept this answer").click()
    expect(page.get_by_role("button", name="Accept this answer")).to_have_attribute("aria-pressed", "true")
    context.close()

    # Dave's profile: 10 + 15 reputation, the rank that follows, and the "First answer" badge.
    dave.goto(f"{base}/community/users/dave/")
    section = dave.get_by_role("region", name="Reputation and rank")
    expect(section).to_contain_text("25")
    expect(section).to_contain_text("Member")
    expect(dave.locator("#member-badges").locator("xpath=..")).to_contain_text("First answer")
    assert_accessible(dave)
    screenshot(dave, "rewards-profile")
    assert Profile.objects.get(user=world["dave"]).reputation == 25

    # A moderator grants Dave Superuser from the admin, with a reason.
    mod_context, moderator = _new_page(browser)
    staff_sign_in(moderator, base, "morgan@nimbus-home.example")
    moderator.goto(f"{base}/admin/superusers/")
    assert_accessible(moderator)
    moderator.get_by_role("link", name="Grant Superuser to Dave Ito").click()
    moderator.get_by_role("textbox", name="Reason").fill("Fast, kind and accurate answers about the hub.")
    moderator.get_by_role("button", name="Grant Superuser to").click()
    expect(moderator.get_by_role("region", name="Current Superusers")).to_contain_text("Dave Ito")
    assert Profile.objects.get(user=world["dave"]).rank == Rank.SUPERUSER

    # Dave, now a superuser, redeems the sticker pack.
    dave.goto(f"{base}/community/rewards/")
    assert_accessible(dave)
    dave.get_by_role("button", name="Redeem Sticker pack").click()
    expect(dave.get_by_role("region", name="Your rewards")).to_contain_text("Waiting for a moderator")
    redemption = Redemption.objects.get(user=world["dave"])
    assert redemption.state == Redemption.State.PENDING

    # The moderator fulfils it with a coupon code.
    moderator.goto(f"{base}/admin/rewards/redemptions/")
    assert_accessible(moderator)
    moderator.get_by_role("textbox", name="Note for the member").fill(CODE)
    moderator.get_by_role("button", name="Fulfil “Sticker pack” for dave").click()
    expect(moderator.locator("body")).to_contain_text("Sticker pack")
    redemption.refresh_from_db()
    assert redemption.state == Redemption.State.FULFILLED
    mod_context.close()

    # Dave reads the code, and his author card carries the Superuser mark.
    dave.goto(f"{base}/community/rewards/")
    expect(dave.get_by_role("region", name="Your rewards")).to_contain_text(CODE)
    assert_accessible(dave)
    screenshot(dave, "rewards-catalogue")
    # On a phone, each redemption is a block of labelled values: nothing wider than the screen.
    dave.set_viewport_size({"width": 390, "height": 844})
    dave.goto(f"{base}/ja/community/rewards/")
    assert dave.evaluate("() => document.documentElement.scrollWidth") <= 390
    row = dave.locator(".reward-redemptions tbody tr").first
    assert row.bounding_box()["width"] <= 390 - 2 * 16
    label = "() => getComputedStyle(document.querySelector('.reward-redemptions td[data-label]'), '::before').content"
    assert dave.evaluate(label) == '"日付："'  # each value says what it is, in the page's language
    expect(row).to_contain_text(CODE)
    assert_accessible(dave)
    screenshot(dave, "rewards-catalogue-phone-ja")
    dave.set_viewport_size({"width": 1280, "height": 900})
    dave.goto(f"{base}{question.get_absolute_url()}")
    expect(dave.locator(f"#answer-{answer.pk} .author-card")).to_contain_text("Superuser")
    for path in ("/community/leaderboard/", "/community/badges/", "/community/privileges/"):
        dave.goto(f"{base}{path}")
        assert_accessible(dave)
    dave_context.close()
