"""The customer's reply form and the satisfaction survey after a failed submit: the site's error summary
(focused by portal.js, links to the fields), an "Error:" title, the member's input kept, GET on the reply
address going back to the case; and `lang` on the user-written text quoted on the translated pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation.cases import customer, surveys, timeline
from moderation.cases.models import Case, CaseEvent
from tests.factories import AnswerFactory, QuestionFactory
from tests.moderation.cases.factories import CaseFactory, make_agent

pytestmark = pytest.mark.django_db

SUMMARY = "data-error-summary"


@pytest.fixture
def case():
    return CaseFactory(question=QuestionFactory(title="Hub stays offline after the update", language="en"))


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def summary_of(html: str) -> str:
    match = re.search(r'<div class="error-summary"[^>]*data-error-summary[^>]*>.*?</div>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


# --- the reply form -----------------------------------------------------------------------------------------------


def test_the_case_page_has_no_error_summary_or_alert_before_a_submit(client, case):
    client.force_login(case.customer)
    html = client.get(reverse("support_case", args=[case.pk])).content.decode()
    assert SUMMARY not in html and 'role="alert"' not in html
    assert not title_of(html).startswith("Error")
    assert 'aria-invalid="true"' not in html


def test_an_empty_reply_shows_the_error_summary_linked_to_the_box(client, case, django_assert_max_num_queries):
    client.force_login(case.customer)
    with django_assert_max_num_queries(5):
        response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert title_of(html).startswith("Error: ")
    summary = summary_of(html)
    assert 'tabindex="-1"' in summary and "There is a problem" in summary
    assert '<a href="#id_body">Your reply: Please write something.</a>' in summary
    # the summary comes before the case itself, so without JavaScript it is the first thing read
    assert html.index(SUMMARY) < html.index("<h1")
    box = re.search(r"<textarea name=\"body\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in box and 'aria-describedby="reply-help reply-errors"' in box
    assert 'id="reply-errors"' in html
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_too_long_reply_keeps_the_text(client, case):
    client.force_login(case.customer)
    body = "Still offline. " * 700  # > 10,000 characters
    response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": body})
    assert response.status_code == 400
    html = response.content.decode()
    assert body.strip()[:200] in html
    assert '<a href="#id_body">Your reply: ' in summary_of(html)


def test_a_refusal_without_a_field_is_in_the_summary_without_a_link(client, case, monkeypatch):
    from moderation.cases.errors import CaseError

    def refuse(*args, **kwargs):
        raise CaseError("You are replying too fast. Please try again in a minute.", status=429)

    monkeypatch.setattr(customer, "customer_reply", refuse)
    client.force_login(case.customer)
    response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": "It still blinks"})
    assert response.status_code == 429
    html = response.content.decode()
    summary = summary_of(html)
    assert "<li>You are replying too fast. Please try again in a minute.</li>" in summary
    assert title_of(html).startswith("Error: ")
    assert "It still blinks" in html  # kept
    assert html.count("You are replying too fast") == 1  # not repeated in a second alert


def test_the_reply_error_page_in_japanese(client, case):
    client.force_login(case.customer)
    response = client.post("/ja" + reverse("support_case_reply", args=[case.pk]), {"body": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert title_of(html).startswith("エラー: ")
    summary = summary_of(html)
    assert "入力内容に問題があります" in summary and '<a href="#id_body">' in summary


@pytest.mark.parametrize("prefix", ["", "/ja"])
def test_get_on_the_reply_address_goes_back_to_the_case(client, case, prefix, django_assert_max_num_queries):
    client.force_login(case.customer)
    reply, page = reverse("support_case_reply", args=[case.pk]), reverse("support_case", args=[case.pk])
    with django_assert_max_num_queries(2):  # the user, the case
        response = client.get(prefix + reply)
    assert response.status_code == 302
    assert response["Location"] == prefix + page + "#reply-heading"
    assert client.get(response["Location"]).status_code == 200


def test_get_on_someone_elses_reply_address_is_a_404(client, case):
    from tests.factories import MemberFactory

    client.force_login(MemberFactory())
    assert client.get(reverse("support_case_reply", args=[case.pk])).status_code == 404


def test_get_on_the_reply_address_when_signed_out_asks_to_sign_in(client, case):
    response = client.get(reverse("support_case_reply", args=[case.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# --- the survey -------------------------------------------------------------------------------------------------


@pytest.fixture
def survey(case, django_capture_on_commit_callbacks):
    from moderation.cases.events import CaseSolved
    from portal.events import publish

    Case.objects.filter(pk=case.pk).update(status="solved", solved_at=timezone.now(), next_due_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        publish(CaseSolved(case_id=case.pk, question_id=case.question_id, actor_id=None, changes={"status": ["open", "solved"]}))
    case.refresh_from_db()
    return case.survey


def fieldset(html: str, name: str) -> str:
    return re.search(rf'<fieldset[^>]*id="question-{name}"[^>]*>', html).group(0)


def test_the_survey_has_no_summary_or_alert_before_a_submit(client, survey):
    html = client.get(surveys.survey_url(survey)).content.decode()
    assert SUMMARY not in html and 'role="alert"' not in html
    assert "Please check the answers marked below." not in html
    assert 'aria-invalid' not in html and not title_of(html).startswith("Error")


def test_an_empty_survey_links_each_unanswered_question_to_its_first_choice(client, survey):
    response = client.post(surveys.survey_url(survey), {})
    assert response.status_code == 400
    html = response.content.decode()
    assert title_of(html).startswith("Error: ")
    summary = summary_of(html)
    assert 'href="#id_csat_0"' in summary and 'href="#id_ces_0"' in summary
    assert "How satisfied are you with the support you received? Please choose an answer for every question." in summary  # no "?:"
    assert 'href="#id_nps_0"' not in summary  # optional
    assert 'id="id_csat_0"' in html and 'id="id_ces_0"' in html
    for name in ("csat", "ces"):
        tag = fieldset(html, name)
        assert 'aria-invalid="true"' in tag and f'aria-describedby="{name}-errors"' in tag
        assert f'id="{name}-errors"' in html
    if survey.ask_nps:
        assert "aria-invalid" not in fieldset(html, "nps")
    assert 'role="alert"' not in html  # the focused summary is what is announced
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_partly_answered_survey_keeps_the_answers_and_links_only_the_missing_one(client, survey):
    html = client.post(surveys.survey_url(survey), {"csat": "4", "comment": "Quick and kind"}).content.decode()
    summary = summary_of(html)
    assert 'href="#id_ces_0"' in summary and 'href="#id_csat_0"' not in summary
    assert re.search(r'name="csat" value="4" id="id_csat_3" checked', html)
    assert "Quick and kind" in html
    assert "aria-invalid" not in fieldset(html, "csat")


def test_a_too_long_comment_is_linked_to_the_comment_box(client, survey):
    html = client.post(surveys.survey_url(survey), {"csat": "4", "ces": "5", "comment": "x" * 2_001}).content.decode()
    summary = summary_of(html)
    assert 'href="#id_comment"' in summary
    box = re.search(r'<textarea name="comment"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in box and 'aria-describedby="comment-errors"' in box


def test_the_survey_error_page_in_japanese(client, survey):
    html = client.post("/ja" + surveys.survey_url(survey), {}).content.decode()
    assert title_of(html).startswith("エラー: ")
    assert 'href="#id_csat_0"' in summary_of(html)


# --- lang on user-written text ------------------------------------------------------------------------------------


def test_english_case_text_is_marked_on_japanese_pages(client, case):
    agent = make_agent()
    answer = AnswerFactory(question=case.question, author=agent)
    timeline.record(case, CaseEvent.Kind.PUBLIC_REPLY, agent, body="We stopped the order.", answer=answer)
    timeline.record(case, CaseEvent.Kind.CUSTOMER_REPLY, case.customer, body="Thanks, it works now.")
    client.force_login(case.customer)
    page, listing_url = reverse("support_case", args=[case.pk]), reverse("support_cases")
    html = client.get("/ja" + page).content.decode()
    h1 = re.search(r"<h1>.*?</h1>", html, re.S).group(0)
    assert '<span lang="en">Hub stays offline after the update</span>' in h1
    assert '<h1 lang' not in html  # the translated UI around it is not marked
    assert '<div class="post-body" lang="en"><p>We stopped the order.</p>' in html
    assert '<div class="post-body" lang="en"><p>Thanks, it works now.</p>' in html
    listing = client.get("/ja" + listing_url).content.decode()
    assert '<span lang="en">Hub stays offline after the update</span>' in listing


def test_japanese_case_text_is_marked_on_english_pages(client):
    case = CaseFactory(question=QuestionFactory(title="ハブがオフラインのままです", language="ja"))
    client.force_login(case.customer)
    html = client.get(reverse("support_case", args=[case.pk])).content.decode()
    assert '<span lang="ja">ハブがオフラインのままです</span>' in html


def test_the_survey_intro_marks_the_quoted_case_title(client, survey):
    html = client.get("/ja" + surveys.survey_url(survey)).content.decode()
    assert '<span lang="en">Hub stays offline after the update</span>' in html


@pytest.mark.parametrize(("typed", "message"), [
    ("Quick help,\x00 thanks a lot", "Null characters are not allowed."),  # the form refuses it
    ("Quick help,\x01 thanks\u202e a lot", "control characters"),  # the service refuses it
])
def test_a_nul_or_control_character_in_the_comment_keeps_the_answers_and_the_comment(client, survey, typed, message):
    response = client.post(surveys.survey_url(survey), {"csat": "5", "ces": "6", "comment": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "thanks" in html and "a lot</textarea>" in html
    checked = [tag for tag in re.findall(r'<input[^>]*name="csat"[^>]*>', html) if "checked" in tag]
    assert len(checked) == 1 and 'value="5"' in checked[0]  # the answers are kept too
    survey.refresh_from_db()
    assert survey.answered_at is None and not survey.comment
