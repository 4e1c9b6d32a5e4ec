"""Races on PostgreSQL: two agents acting on one case at once (the row lock and the version decide)."""

from __future__ import annotations

import pytest

from community.models import Answer
from moderation.cases import services
from moderation.cases.errors import AlreadyHandled
from moderation.cases.models import Case, CaseEvent
from portal import audit
from tests.concurrency import run_at_once
from tests.moderation.cases.factories import CaseFactory, make_agent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def case(postgres_only):
    return CaseFactory()


def test_two_agents_changing_one_case_at_once_one_wins(case):
    first, second = make_agent("first"), make_agent("second")
    results, errors = run_at_once(
        lambda: services.change_status(first, Case.objects.get(pk=case.pk), "solved", expected_version=1),
        lambda: services.reply(second, Case.objects.get(pk=case.pk), body="On it", public=True, expected_version=1),
    )
    assert len(results) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], AlreadyHandled) and errors[0].status == 409
    case.refresh_from_db()
    assert case.version == 2
    events = CaseEvent.objects.filter(case=case)
    if case.status == "solved":  # the status change won: no reply, no answer on the thread
        assert not events.filter(kind="public_reply").exists() and not Answer.objects.exists()
        assert audit.history(case).count() == 1
    else:  # the reply won: exactly one support answer
        assert case.status == "open" and Answer.objects.filter(is_support_reply=True).count() == 1
        assert not events.filter(kind="status", data__to="solved").exists()


def test_replies_racing_without_versions_both_land_in_order(case):
    agent = make_agent("agent")
    results, errors = run_at_once(
        lambda: services.reply(agent, Case.objects.get(pk=case.pk), body="First reply", public=False),
        lambda: services.reply(agent, Case.objects.get(pk=case.pk), body="Second reply", public=False),
    )
    assert not errors and len(results) == 2
    case.refresh_from_db()
    assert case.version == 3 and case.status == "open"
    assert CaseEvent.objects.filter(case=case, kind="private_reply").count() == 2
