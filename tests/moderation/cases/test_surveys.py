"""Surveys after a solved case: one per case, NPS at most once per 90 days, signed expiring links that work
without signing in, ranges, and exactly one response."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from moderation.cases import surveys
from moderation.cases.errors import AlreadyHandled, CaseError
from moderation.cases.events import CaseSolved, SurveyAnswered
from moderation.cases.models import Case, CaseEvent, Survey
from portal.events import publish, recorded
from portal.models import Notification
from tests.factories import QuestionFactory
from tests.moderation.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db


def solve(case, capture):
    """What the agent services do when solving (written directly: they are another helper's)."""
    Case.objects.filter(pk=case.pk).update(status="solved", solved_at=timezone.now(), next_due_at=None)
    with capture(execute=True):
        publish(CaseSolved(case_id=case.pk, question_id=case.question_id, actor_id=None, changes={"status": ["open", "solved"]}))
    case.refresh_from_db()
    return Survey.objects.filter(case=case).first()


@pytest.fixture
def case():
    return CaseFactory()


def test_a_solved_case_gets_one_survey_emailed_to_the_customer(case, django_capture_on_commit_callbacks):
    survey = solve(case, django_capture_on_commit_callbacks)
    assert survey is not None and survey.customer == case.customer and survey.ask_nps
    assert survey.expires_at - survey.created_at == timedelta(days=30)
    note = Notification.objects.get(recipient=case.customer, kind=Notification.Kind.SUPPORT)
    assert note.url.startswith("/support/survey/")
    assert surveys.load(note.url.split("/")[-2]) == survey
    assert "How did we do?" in note.title and case.question_title in note.title


def test_the_survey_email_is_in_the_customers_language(case, django_capture_on_commit_callbacks):
    profile = case.customer.profile
    profile.language = "ja"
    profile.save()
    solve(case, django_capture_on_commit_callbacks)
    note = Notification.objects.get(recipient=case.customer)
    assert note.url.startswith("/ja/support/survey/") and "サポートはいかがでしたか" in note.title


def test_a_reopened_then_solved_case_keeps_its_first_survey(case, django_capture_on_commit_callbacks):
    first = solve(case, django_capture_on_commit_callbacks)
    Case.objects.filter(pk=case.pk).update(status="open")
    second = solve(case, django_capture_on_commit_callbacks)
    assert second.pk == first.pk and second.created_at == first.created_at
    assert Survey.objects.count() == 1 and Notification.objects.filter(kind="support").count() == 1


def test_an_expired_unanswered_survey_is_renewed_on_the_next_solve(case, django_capture_on_commit_callbacks):
    first = solve(case, django_capture_on_commit_callbacks)
    Case.objects.filter(pk=case.pk).update(status="open")
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        renewed = solve(case, django_capture_on_commit_callbacks)
        assert renewed.pk == first.pk and renewed.expires_at > timezone.now()
    assert Notification.objects.filter(kind="support").count() == 2


def test_no_survey_for_a_case_that_is_not_solved(case):
    assert surveys.create_survey(case) is None
    assert not Survey.objects.exists()


def test_nps_is_asked_at_most_once_per_90_days(django_capture_on_commit_callbacks):
    first = CaseFactory()
    customer = first.customer
    assert solve(first, django_capture_on_commit_callbacks).ask_nps
    second = CaseFactory(question=QuestionFactory(author=customer))
    with time_machine.travel(timezone.now() + timedelta(days=89), tick=False):
        assert not solve(second, django_capture_on_commit_callbacks).ask_nps
    third = CaseFactory(question=QuestionFactory(author=customer))
    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        assert solve(third, django_capture_on_commit_callbacks).ask_nps
    other = CaseFactory()  # another customer is asked regardless
    assert solve(other, django_capture_on_commit_callbacks).ask_nps


# --- answering ------------------------------------------------------------------------------------------------


@pytest.fixture
def survey(case, django_capture_on_commit_callbacks):
    return solve(case, django_capture_on_commit_callbacks)


def test_an_answer_is_recorded_once(survey):
    token = surveys.make_token(survey)
    with recorded() as events:
        answered = surveys.answer_survey(token, csat=5, ces="6", nps=9, comment="  Quick and kind. ")
    assert (answered.csat, answered.ces, answered.nps, answered.comment) == (5, 6, 9, "Quick and kind.")
    assert answered.answered_at is not None
    entry = CaseEvent.objects.get(case=survey.case, kind="survey")
    assert entry.data == {"csat": 5, "ces": 6, "nps": 9, "comment": True} and entry.actor == survey.customer
    assert [e.survey_id for e in events if isinstance(e, SurveyAnswered)] == [survey.pk]
    with pytest.raises(AlreadyHandled) as second:
        surveys.answer_survey(token, csat=1, ces=1, nps=0, comment="changed my mind")
    assert "already answered" in second.value.message
    survey.refresh_from_db()
    assert (survey.csat, survey.ces, survey.nps, survey.comment) == (5, 6, 9, "Quick and kind.")
    assert CaseEvent.objects.filter(kind="survey").count() == 1


@pytest.mark.parametrize("values, field", [
    ({"csat": 0, "ces": 3}, "csat"),
    ({"csat": 6, "ces": 3}, "csat"),
    ({"csat": 3, "ces": 0}, "ces"),
    ({"csat": 3, "ces": 8}, "ces"),
    ({"csat": "three", "ces": 3}, "csat"),
    ({"csat": "3.5", "ces": 3}, "csat"),
    ({"csat": None, "ces": 3}, "csat"),
    ({"csat": 3, "ces": 3, "nps": 11}, "nps"),
    ({"csat": 3, "ces": 3, "nps": -1}, "nps"),
    ({"csat": 3, "ces": 3, "comment": "x" * 2001}, "comment"),
])
def test_out_of_range_answers_are_refused_with_nothing_written(survey, values, field):
    with pytest.raises(CaseError) as refused:
        surveys.answer_survey(surveys.make_token(survey), **values)
    assert refused.value.field == field
    survey.refresh_from_db()
    assert survey.answered_at is None and survey.csat is None
    assert not CaseEvent.objects.filter(kind="survey").exists()


def test_nps_is_ignored_when_it_was_not_asked(survey):
    Survey.objects.filter(pk=survey.pk).update(ask_nps=False)
    answered = surveys.answer_survey(surveys.make_token(survey), csat=4, ces=5, nps=10)
    assert answered.nps is None and answered.csat == 4


def test_an_expired_link_is_refused(survey, client):
    token = surveys.make_token(survey)
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1), tick=False):
        with pytest.raises(surveys.SurveyGone) as gone:
            surveys.answer_survey(token, csat=5, ces=5)
        assert gone.value.status == 410
        response = client.post(reverse("support_survey", args=[token]), {"csat": "5", "ces": "5"})
        assert response.status_code == 410 and "expired" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):  # the signature itself is too old
        assert client.get(reverse("support_survey", args=[token])).status_code == 410
    survey.refresh_from_db()
    assert survey.answered_at is None


@pytest.mark.parametrize("token", [
    "forged", "x" * 400,
    signing.dumps({"s": 1}, salt="another.salt"),
    signing.dumps({"s": 999_999}, salt=surveys.SALT),
    signing.dumps("not a dict", salt=surveys.SALT),
])
def test_forged_links_are_404_with_nothing_written(survey, client, token):
    with pytest.raises(surveys.SurveyGone) as gone:
        surveys.answer_survey(token, csat=5, ces=5)
    assert gone.value.status == 404
    response = client.post(reverse("support_survey", args=[token]), {"csat": "5", "ces": "5"})
    assert response.status_code == 404 and "not valid" in response.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None


# --- the page -------------------------------------------------------------------------------------------------


def test_the_survey_page_works_without_signing_in(client, survey, django_assert_max_num_queries):
    url = surveys.survey_url(survey)
    with django_assert_max_num_queries(1):  # the survey, nothing else
        html = client.get(url).content.decode()
    assert html.count("<fieldset") == 3 and html.count("<legend>") == 3  # CSAT, CES, NPS
    assert 'type="radio" name="csat" value="5"' in html and 'name="nps" value="0"' in html
    response = client.post(url, {"csat": "4", "ces": "6", "nps": "8", "comment": "Thanks"})
    assert response.status_code == 200 and "Your answers were saved" in response.content.decode()
    survey.refresh_from_db()
    assert (survey.csat, survey.ces, survey.nps) == (4, 6, 8)
    again = client.post(url, {"csat": "1", "ces": "1"})
    assert "already answered" in again.content.decode()
    survey.refresh_from_db()
    assert survey.csat == 4


def test_the_survey_page_without_nps_and_with_errors(client, survey):
    Survey.objects.filter(pk=survey.pk).update(ask_nps=False)
    url = surveys.survey_url(survey)
    html = client.get(url).content.decode()
    assert html.count("<fieldset") == 2 and 'name="nps"' not in html
    response = client.post(url, {"csat": "9"})
    assert response.status_code == 400
    assert "Please choose an answer for every question." in response.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_the_survey_page_in_japanese(client, survey):
    html = client.get("/ja" + surveys.survey_url(survey)).content.decode()
    assert "サポートはいかがでしたか" in html and "とても満足" in html


def test_the_case_page_shows_the_survey_link_then_thanks(client, survey):
    client.force_login(survey.customer)
    page = reverse("support_case", args=[survey.case_id])
    html = client.get(page).content.decode()
    token = html.split('href="/support/survey/')[1].split("/")[0]
    assert surveys.load(token) == survey
    surveys.answer_survey(surveys.make_token(survey), csat=5, ces=7, nps=10)
    html = client.get(page).content.decode()
    assert "Thank you for answering the survey." in html and "/support/survey/" not in html
