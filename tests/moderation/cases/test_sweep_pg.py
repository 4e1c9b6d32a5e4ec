"""Two sweeps (two cron machines) running at once on PostgreSQL: exactly one case per question; a manual
escalation racing the sweep: still one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.cases import escalation
from moderation.cases.models import Case
from tests.concurrency import run_at_once
from tests.factories import AnswerFactory, QuestionFactory
from tests.moderation.cases.factories import make_agent
from tests.moderation.factories import make_moderator

# serialized_rollback: the flush after a transactional test would otherwise drop the rows migrations made
# (Wagtail root page, role groups, the default SLA policy) for the tests that run after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def unresolved(postgres_only):
    old = timezone.now() - timedelta(days=5)
    questions = [QuestionFactory(created_at=old, last_activity_at=old) for _ in range(12)]
    for question in questions[:4]:
        AnswerFactory(question=question, created_at=old + timedelta(hours=1))
    for title in ("Refund please", "I want a refund", "返金してください"):  # the same new tag, created by racing sweeps
        questions.append(QuestionFactory(title=title, created_at=timezone.now(), last_activity_at=timezone.now()))
    make_agent()
    return questions


def test_two_sweeps_at_once_make_exactly_one_case_per_question(unresolved):
    results, errors = run_at_once(escalation.sweep, escalation.sweep, escalation.sweep)
    assert not errors, errors
    assert Case.objects.count() == len(unresolved)
    assert sorted(Case.objects.values_list("question_id", flat=True)) == sorted(q.pk for q in unresolved)
    totals = {reason: sum(result[reason] for result in results) for reason in results[0]}
    assert totals == {"no_answer": 8, "no_accepted": 4, "keyword": 3}
    assert sum(escalation.sweep().values()) == 0  # and again: nothing


def test_a_manual_escalation_racing_the_sweep(unresolved):
    question = unresolved[5]
    moderator = make_moderator()
    results, errors = run_at_once(
        escalation.sweep,
        lambda: escalation.escalate(question, reason="manual", actor=moderator, detail="Customer phoned"),
    )
    assert not errors, errors
    assert question.cases.count() == 1
    assert Case.objects.count() == len(unresolved)
