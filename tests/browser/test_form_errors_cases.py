"""After a failed submit, the customer's case reply form and the satisfaction survey behave like every other
form on the site: the error summary takes focus (so it is read first), the title says "Error", each summary
link moves focus to the field (the first choice of an unanswered question), and the address the failed POST
left in the bar (or its other-language twin) still opens something. 1280 and 390 px, English and Japanese,
axe-clean, with screenshots. Also: the failed-answer address on a question leads back to the question."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from moderation.cases import surveys, timeline
from moderation.cases.models import Case, CaseEvent
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_community_journey import PASSWORD, sign_in
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory, make_site
from tests.moderation.cases.factories import CaseFactory, make_agent

SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
LANGS = {"en": ("", "Error: ", "Send reply", "Send my answers", "Your reply"),
         "ja": ("/ja", "エラー: ", "返信を送信", "回答を送信", "返信")}


@pytest.fixture
def cases(transactional_db):
    make_site()
    member = MemberFactory(username="carol", email="carol@example.com", password=PASSWORD)
    agent = make_agent()
    open_case = CaseFactory(question=QuestionFactory(author=member, language="en", title="Hub stays offline after the firmware update"))
    answer = AnswerFactory(question=open_case.question, author=agent)
    timeline.record(open_case, CaseEvent.Kind.CREATED)
    timeline.record(open_case, CaseEvent.Kind.PUBLIC_REPLY, agent, body="Please hold the reset button for ten seconds.", answer=answer)
    Case.objects.filter(pk=open_case.pk).update(status="open")
    solved = CaseFactory(question=QuestionFactory(author=member, language="en", title="Refund for a damaged camera"))
    Case.objects.filter(pk=solved.pk).update(status="solved", solved_at=timezone.now(), next_due_at=None)
    solved.refresh_from_db()
    survey = surveys.create_survey(solved)
    return {"case": open_case, "survey": survey}


def assert_no_console_errors(page) -> None:
    """Console errors other than Chromium's note of the form's own 400 answer (the intended status)."""
    errors = [e for e in page.console_log.errors if "status of 400 (Bad Request)" not in e]
    assert errors == [], "\n".join(errors)


def focused(page) -> dict:
    return page.evaluate("""() => { const el = document.activeElement;
        return {summary: el.hasAttribute('data-error-summary'), id: el.id, tag: el.tagName}; }""")


def summary_in_view(page) -> bool:
    return page.evaluate("""() => { const r = document.querySelector('[data-error-summary]').getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight; }""")


def test_an_empty_case_reply_focuses_the_error_summary(live_server, cases, browser_page):
    base, page = live_server.url, browser_page
    sign_in(page, base, "carol@example.com")
    case = cases["case"]
    for lang, (prefix, error_prefix, send, _survey_button, label) in LANGS.items():
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.goto(f"{base}{prefix}/support/cases/{case.pk}/")
            assert not page.title().startswith(error_prefix)
            expect(page.locator("[data-error-summary]")).to_have_count(0)
            page.get_by_role("button", name=send).click()
            page.wait_for_load_state()
            assert page.url.endswith(f"/support/cases/{case.pk}/reply/")
            assert page.title().startswith(error_prefix), page.title()
            state = focused(page)
            assert state["summary"], state
            assert summary_in_view(page)
            expect(page.locator("h1 span[lang=en]")).to_have_text("Hub stays offline after the firmware update")
            assert_accessible(page)
            screenshot(page, f"case-reply-error-{lang}-{size}")
            page.locator("[data-error-summary] a").click()
            assert focused(page)["id"] == "id_body"
            box = page.get_by_role("textbox", name=label, exact=True)
            expect(box).to_have_attribute("aria-invalid", "true")
            box.fill("It still blinks orange after the reset.")
            # reloading the failed-submit address (a GET) goes back to the case, not to an error page
            response = page.goto(page.url)
            assert response.ok and page.url.endswith(f"/support/cases/{case.pk}/#reply-heading")
    assert_no_console_errors(page)
    assert not CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CUSTOMER_REPLY).exists()


def test_switching_language_on_the_reply_error_page_opens_the_case(live_server, cases, browser_page):
    base, page = live_server.url, browser_page
    sign_in(page, base, "carol@example.com")
    case = cases["case"]
    page.goto(f"{base}/support/cases/{case.pk}/")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_load_state()
    page.locator("#lang-switch a[hreflang=ja]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/ja/support/cases/{case.pk}/#reply-heading")
    expect(page.locator("html")).to_have_attribute("lang", "ja")


def test_an_empty_survey_focuses_the_summary_linked_to_the_questions(live_server, cases, browser_page):
    base, page = live_server.url, browser_page
    path = surveys.survey_url(cases["survey"])
    for lang, (prefix, error_prefix, _send, send_answers, _label) in LANGS.items():
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.goto(base + prefix + path)
            expect(page.locator("[data-error-summary]")).to_have_count(0)
            expect(page.locator("[role=alert]")).to_have_count(0)
            expect(page.locator("p span[lang=en]")).to_have_text("Refund for a damaged camera")
            page.get_by_role("button", name=send_answers).click()
            page.wait_for_load_state()
            assert page.title().startswith(error_prefix), page.title()
            assert focused(page)["summary"]
            assert summary_in_view(page)
            links = page.locator("[data-error-summary] a")
            expect(links).to_have_count(2)  # CSAT and CES; NPS is optional
            assert [links.nth(i).get_attribute("href") for i in range(2)] == ["#id_csat_0", "#id_ces_0"]
            for name in ("csat", "ces"):
                group = page.locator(f"#question-{name}")
                expect(group).to_have_attribute("aria-invalid", "true")
                expect(group).to_have_attribute("aria-describedby", f"{name}-errors")
            for name in ("csat", "ces"):  # scales of 5 and 7 points: one row, phone included
                tops = page.locator(f"#question-{name} .survey-option").evaluate_all(
                    "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
                )
                assert len(set(tops)) == 1, (lang, size, name, tops)
            assert_accessible(page)
            screenshot(page, f"survey-error-{lang}-{size}")
            links.nth(1).click()
            assert focused(page)["id"] == "id_ces_0"
    assert_no_console_errors(page)
    cases["survey"].refresh_from_db()
    assert cases["survey"].answered_at is None


def test_the_failed_answer_address_leads_back_to_the_question(live_server, cases, browser_page):
    base, page = live_server.url, browser_page
    sign_in(page, base, "carol@example.com")
    question = QuestionFactory(title="Camera keeps disconnecting from Wi-Fi", body="It drops every hour.")
    page.goto(base + question.get_absolute_url())
    page.get_by_role("button", name="Post your answer").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/community/q/{question.pk}/answer/#your-answer-heading")
    page.locator("#lang-switch a[hreflang=ja]").click()
    page.wait_for_load_state()
    assert f"/ja/community/q/{question.pk}/" in page.url and page.url.endswith("#your-answer-heading")
    expect(page.locator("#your-answer-heading")).to_be_visible()
    response = page.goto(f"{base}/community/q/{question.pk}/answer/")
    assert response.ok and page.url.endswith("#your-answer-heading")
