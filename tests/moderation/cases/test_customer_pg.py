"""Races on PostgreSQL on the customer side: one survey answered twice at once, two auto-accept runs (cron on
two machines) at once, a customer replying twice at once to a solved case."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from moderation.cases import acceptance, customer, surveys
from moderation.cases.errors import AlreadyHandled
from moderation.cases.models import Case, CaseEvent, Survey
from tests.concurrency import run_at_once
from tests.factories import AnswerFactory
from tests.moderation.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def solved(postgres_only):
    case = CaseFactory()
    answer = AnswerFactory(question=case.question)
    Case.objects.filter(pk=case.pk).update(status="solved", solved_at=timezone.now(), solution_answer=answer, next_due_at=None)
    case.refresh_from_db()
    return case


def test_one_survey_answered_twice_at_once_records_one_answer(solved):
    survey = surveys.create_survey(solved)
    token = surveys.make_token(survey)
    results, errors = run_at_once(
        lambda: surveys.answer_survey(token, csat=5, ces=7, nps=10),
        lambda: surveys.answer_survey(token, csat=1, ces=1, nps=0),
    )
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], AlreadyHandled)
    survey = Survey.objects.get()
    assert survey.csat == results[0].csat
    assert CaseEvent.objects.filter(kind="survey").count() == 1


def test_two_auto_accept_runs_at_once_accept_once(solved):
    assert acceptance.request_acceptance(solved)
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        results, errors = run_at_once(acceptance.auto_accept_silent, acceptance.auto_accept_silent)
    assert errors == [] and sorted(results) == [0, 1]
    assert CaseEvent.objects.filter(kind="accepted").count() == 1


def test_two_replies_at_once_reopen_once(solved):
    results, errors = run_at_once(
        lambda: customer.customer_reply(solved.customer, Case.objects.get(pk=solved.pk), body="Still broken"),
        lambda: customer.customer_reply(solved.customer, Case.objects.get(pk=solved.pk), body="Also this"),
    )
    assert errors == [] and len(results) == 2
    assert CaseEvent.objects.filter(kind="status").count() == 1
    case = Case.objects.get()
    assert case.status == "open" and case.version == 3
