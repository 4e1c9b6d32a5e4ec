"""The customer's support pages in Chromium at 390 px: no horizontal scrolling, axe-clean, the survey's radio
groups reachable by their legends, and the header's "My support cases" link."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from moderation.cases import surveys, timeline
from moderation.cases.models import Case, CaseEvent
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_community_journey import PASSWORD, sign_in
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory, make_site
from tests.moderation.cases.factories import CaseFactory, make_agent

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def cases(transactional_db):
    make_site()
    member = MemberFactory(username="carol", email="carol@example.com", password=PASSWORD)
    case = CaseFactory(question=QuestionFactory(author=member, title="Hub stays offline after the update with a long title"))
    agent = make_agent()
    answer = AnswerFactory(question=case.question, author=agent)
    timeline.record(case, CaseEvent.Kind.CREATED)
    timeline.record(case, CaseEvent.Kind.PUBLIC_REPLY, agent, body="Please update the firmware.", answer=answer)
    Case.objects.filter(pk=case.pk).update(status="solved", solved_at=timezone.now(), next_due_at=None)
    case.refresh_from_db()
    survey = surveys.create_survey(case)
    return {"case": case, "survey": survey}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_support_pages_at_390px(live_server, cases, browser_page):
    base = live_server.url
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, base, "carol@example.com")
    case = cases["case"]
    for path, name in (("/support/cases/", "support-list"), (f"/support/cases/{case.pk}/", "support-case"),
                       ("/ja/support/cases/", "support-list-ja")):
        page.goto(base + path)
        assert no_horizontal_scroll(page), path
        assert_accessible(page)
        screenshot(page, name)
    page.goto(base + f"/support/cases/{case.pk}/")
    page.get_by_role("link", name="Answer the survey").click()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    group = page.get_by_role("group", name="How satisfied are you with the support you received?")
    group.get_by_label("5", exact=False).first.check()
    page.get_by_role("group", name="How easy was it to get your problem solved?").get_by_text("6", exact=True).click()
    screenshot(page, "support-survey")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    cases["survey"].refresh_from_db()
    assert cases["survey"].csat == 5 and cases["survey"].ces == 6
