"""When a support reply solved the question: the asker is asked to accept it, and after 7 silent days the
support team marks it as the solution (once, whatever runs it how often)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from community.events import AnswerAccepted
from community.models import Acceptance, Comment
from community.services import accept_answer, unaccept_answer
from moderation.cases import acceptance, customer
from moderation.cases.events import CaseSolved
from moderation.cases.models import Case, CaseEvent
from portal.audit import LogEntry
from portal.events import publish, recorded
from portal.models import Notification
from tests.factories import AnswerFactory
from tests.moderation.cases.factories import CaseFactory, make_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(django_capture_on_commit_callbacks):
    """A case solved by a public support reply, CaseSolved published (as the agent services do)."""
    case = CaseFactory()
    answer = AnswerFactory(question=case.question, author=make_agent())
    Case.objects.filter(pk=case.pk).update(status="solved", solved_at=timezone.now(), solution_answer=answer, next_due_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        publish(CaseSolved(case_id=case.pk, question_id=case.question_id, actor_id=None, changes={"status": ["open", "solved"]}))
    case.refresh_from_db()
    return case


def test_the_asker_is_asked_to_accept_the_solution(solved):
    assert solved.accept_requested_at is not None
    note = Notification.objects.get(recipient=solved.customer, dedupe_key__startswith="cases.accept:")
    assert note.kind == Notification.Kind.SUPPORT
    assert note.url == solved.solution_answer.get_absolute_url()
    entry = CaseEvent.objects.get(case=solved, kind="accept_requested")
    assert entry.answer == solved.solution_answer
    assert not acceptance.request_acceptance(solved)  # asked once per solve
    assert CaseEvent.objects.filter(kind="accept_requested").count() == 1


def test_no_request_when_an_answer_is_already_accepted(django_capture_on_commit_callbacks):
    case = CaseFactory()
    answer = AnswerFactory(question=case.question)
    case.question.accepted_answer = AnswerFactory(question=case.question)
    case.question.save(update_fields=["accepted_answer"])
    Case.objects.filter(pk=case.pk).update(status="solved", solution_answer=answer)
    assert not acceptance.request_acceptance(case)
    case.refresh_from_db()
    assert case.accept_requested_at is None and not CaseEvent.objects.exists()


def test_no_request_without_a_solution_answer():
    case = CaseFactory()
    Case.objects.filter(pk=case.pk).update(status="solved")
    assert not acceptance.request_acceptance(case)


def test_silent_for_7_days_the_support_team_accepts_it(solved):
    start = timezone.now()
    with time_machine.travel(start + timedelta(days=6, hours=23), tick=False):
        assert acceptance.auto_accept_silent() == 0
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False), recorded() as events:
        assert acceptance.auto_accept_silent() == 1
    solved.question.refresh_from_db()
    assert solved.question.accepted_answer == solved.solution_answer
    accepted = [event for event in events if isinstance(event, AnswerAccepted)]
    assert len(accepted) == 1 and accepted[0].on_behalf and accepted[0].actor_id is None
    assert Acceptance.objects.get(question=solved.question).actor is None
    assert CaseEvent.objects.filter(case=solved, kind="accepted").count() == 1
    assert LogEntry.objects.filter(action="cases.accept").count() == 1
    with time_machine.travel(start + timedelta(days=8), tick=False):
        assert acceptance.auto_accept_silent() == 0  # idempotent


def test_not_picked_again_when_the_asker_unaccepts_later(solved):
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        assert acceptance.auto_accept_silent() == 1
        unaccept_answer(solved.customer, solved.question)
        assert acceptance.auto_accept_silent() == 0
    solved.question.refresh_from_db()
    assert solved.question.accepted_answer is None


def test_the_asker_accepting_themselves_needs_nothing_more(solved):
    accept_answer(solved.customer, solved.solution_answer)
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        assert acceptance.auto_accept_silent() == 0
    assert not CaseEvent.objects.filter(kind="accepted").exists()


def test_an_asker_who_commented_since_is_not_silent(solved):
    Comment.objects.create(
        question=solved.question, answer=solved.solution_answer, author=solved.customer, body="Did not work",
        body_html="<p>Did not work</p>", created_at=timezone.now() + timedelta(minutes=1),
    )
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        assert acceptance.auto_accept_silent() == 0
    solved.question.refresh_from_db()
    assert solved.question.accepted_answer is None


def test_a_customer_reply_withdraws_the_request(solved):
    customer.customer_reply(solved.customer, solved, body="Not solved after all")
    solved.refresh_from_db()
    assert solved.status == "open" and solved.accept_requested_at is None
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        assert acceptance.auto_accept_silent() == 0


def test_a_removed_solution_is_not_accepted(solved):
    from community.models import Answer

    Answer.objects.filter(pk=solved.solution_answer_id).update(status="deleted")
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        assert acceptance.auto_accept_silent() == 0
    solved.question.refresh_from_db()
    assert solved.question.accepted_answer is None
