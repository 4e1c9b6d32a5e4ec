"""Escalation in a real browser, by accessible names (issue 12): a question goes unanswered → the sweep
escalates it → an agent replies publicly from the workspace and solves the case → the customer sees the
answer on the thread (marked "Support team") and in "My support cases", accepts it and answers the survey.
axe-core scans the agent's queue and case page and the customer's pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from community.models import Question
from moderation.cases.models import AgentProfile, Case, CaseStatus, Survey
from portal.roles import SUPPORT_AGENTS
from tests.browser.conftest import _new_page, assert_accessible, screenshot
from tests.browser.test_admin_workflow import SECRET, staff_sign_in
from tests.browser.test_community_journey import sign_in
from tests.factories import MemberFactory, QuestionFactory, UserFactory, hub_community

TITLE = "Thermostat schedule resets every night"
REPLY = "This is a known firmware issue: update the thermostat to 4.2 in the app, then set the schedule again."


@pytest.fixture
def world(transactional_db):
    community = hub_community(topic_tags=("hub",))
    carol = MemberFactory(username="carol", email="carol@example.com")
    asked = timezone.now() - timedelta(hours=30)
    question = QuestionFactory(
        author=carol, title=TITLE, topic=community["topic"], created_at=asked, last_activity_at=asked,
        body="Every morning the thermostat is back on the default schedule. I set it again each evening.",
    )
    agent = UserFactory(username="alex", email="alex@nimbus-home.example", is_staff=True, groups=[SUPPORT_AGENTS])
    TOTP.activate(agent, SECRET)
    AgentProfile.objects.create(user=agent, languages="en")
    return {**community, "carol": carol, "question": question, "agent": agent}


def test_unanswered_question_escalated_answered_by_support_accepted_and_rated(live_server, world, browser):
    base = live_server.url
    question: Question = world["question"]

    # The sweep (cron) escalates the unanswered question and assigns it to the only agent.
    call_command("escalate_unresolved", stdout=open("/dev/null", "w"))  # noqa: SIM115
    case = Case.objects.get(question=question)
    assert case.reason == "no_answer" and case.assignee == world["agent"] and case.status == CaseStatus.NEW

    # The agent finds it in their queue and replies publicly, solving the case.
    context, agent = _new_page(browser)
    try:
        staff_sign_in(agent, base, "alex@nimbus-home.example")
        agent.goto(f"{base}/admin/cases/?queue=mine")
        link = agent.get_by_role("link", name=TITLE)
        expect(link).to_be_visible()
        assert_accessible(agent)
        screenshot(agent, "cases-queue")
        link.click()
        expect(agent.get_by_role("heading", name="Timeline")).to_be_visible()
        assert_accessible(agent)
        screenshot(agent, "cases-case")
        agent.get_by_role("textbox", name="Reply", exact=True).fill(REPLY)
        public = agent.get_by_role("radio", name="Public", exact=False)
        box = public.bounding_box()  # a radio button, not a field-wide ellipse (a width: 100% for inputs hit it)
        assert box is not None and box["width"] < 40 and abs(box["width"] - box["height"]) < 4, box
        public.check()
        agent.get_by_label("Status after the reply").select_option("solved")
        agent.get_by_role("button", name="Send reply").click()
        expect(agent.locator("main")).to_contain_text(REPLY)
        agent.console_log.assert_clean()
    finally:
        context.close()
    case.refresh_from_db()
    assert case.status == CaseStatus.SOLVED and case.solution_answer is not None
    assert case.solution_answer.is_support_reply and case.first_responded_at is not None

    # The customer sees the answer on the thread, marked as the support team's, and accepts it.
    context, page = _new_page(browser)
    try:
        sign_in(page, base, "carol@example.com")
        page.goto(f"{base}{question.get_absolute_url()}")
        answer = page.locator(f"#answer-{case.solution_answer_id}")
        expect(answer).to_contain_text("Support team")
        expect(answer).to_contain_text("known firmware issue")
        answer.get_by_role("button", name="Accept this answer").click()
        expect(page.locator(f"#answer-{case.solution_answer_id}")).to_contain_text("Accepted answer")

        # … and in "My support cases" (in the header's account menu): the case is solved, with the reply and the survey link.
        page.locator(".account-menu > summary").click()
        page.get_by_role("link", name="My support cases", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
        screenshot(page, "cases-customer-list")
        page.get_by_role("link", name=TITLE).click()
        expect(page.locator("main")).to_contain_text("known firmware issue")
        expect(page.locator("main")).to_contain_text("Solved")
        assert_accessible(page)
        screenshot(page, "cases-customer-case")

        page.get_by_role("link", name="Answer the survey").click()
        page.get_by_role("group", name="How satisfied are you with the support you received?").get_by_text("4", exact=True).click()
        page.get_by_role("group", name="How easy was it to get your problem solved?").get_by_text("6", exact=True).click()
        page.get_by_label("Anything else you want to tell us?", exact=False).fill("Quick and clear, thanks.")
        assert_accessible(page)
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        page.console_log.assert_clean()
    finally:
        context.close()

    question.refresh_from_db()
    assert question.accepted_answer_id == case.solution_answer_id
    survey = Survey.objects.get(case=case)
    assert (survey.csat, survey.ces, survey.comment) == (4, 6, "Quick and clear, thanks.")
    assert survey.answered_at is not None
