"""A case waiting on the customer ("Pending customer") is never "due soon": the next move is the
customer's, so there is nothing urgent for the agent. The one SLA rule (`sla.sla_state` and its filters)
says so, and the case page, the queue rows, the Due soon queue and its count, and the supervisors' load
agree. The clock itself keeps running (a due time that passes while pending is still a breach)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.cases import sla
from moderation.cases.models import Case
from moderation.cases.workspace import query
from tests.moderation.cases.factories import CaseFactory, make_agent

pytestmark = pytest.mark.django_db

INDEX = "/admin/cases/"


@pytest.fixture
def agent():
    return make_agent("agent1", supervisor=True)


def case_due_in(delta: timedelta, *, status: str, title: str, assignee, answered: bool = True) -> Case:
    now = timezone.now()
    due = now + delta
    return CaseFactory(
        status=status, assignee=assignee, question__title=title, created_at=now - timedelta(hours=39),
        first_response_due=now - timedelta(hours=31), first_responded_at=(now - timedelta(hours=35)) if answered else None,
        resolution_due=due, next_due_at=due,
    )


@pytest.fixture
def waiting(agent):
    """Pending customer, its resolution due in 30 minutes."""
    return case_due_in(timedelta(minutes=30), status="pending", title="Waiting on the customer question", assignee=agent)


@pytest.fixture
def urgent(agent):
    """Open, its resolution due in 30 minutes."""
    return case_due_in(timedelta(minutes=30), status="open", title="Open and urgent question", assignee=agent)


def test_a_pending_case_is_not_due_soon(waiting, urgent):
    assert sla.sla_state(waiting) == ""
    assert sla.sla_state(urgent) == "due_soon"
    now = timezone.now()
    assert list(Case.objects.filter(sla.due_soon_q(now)).values_list("pk", flat=True)) == [urgent.pk]


def test_a_new_case_awaiting_its_first_response_is_due_soon(agent):
    case = case_due_in(timedelta(minutes=30), status="new", title="New question", assignee=agent, answered=False)
    Case.objects.filter(pk=case.pk).update(first_response_due=case.next_due_at)
    case.refresh_from_db()
    assert sla.sla_state(case) == "due_soon"
    assert Case.objects.filter(sla.due_soon_q(timezone.now()), pk=case.pk).exists()


def test_the_due_soon_queue_and_its_count_leave_it_out(waiting, urgent, agent, agent_client):
    assert query.queue_counts(agent)["due_soon"] == 1
    html = agent_client.get(INDEX + "?queue=due_soon").content.decode()
    assert "Open and urgent question" in html and "Waiting on the customer question" not in html
    assert 'Due soon <span class="case-queues__count">(1)</span>' in html


def test_the_mine_queue_row_does_not_flag_it(waiting, agent_client):
    html = agent_client.get(INDEX + "?queue=mine").content.decode()
    row = html.split("Waiting on the customer question", 1)[1].split("</tr>", 1)[0]
    assert "Pending customer" in row
    assert "case-sla--due-soon" not in row


def test_the_case_page_agrees(waiting, urgent, agent_client):
    assert "case-sla--due-soon" not in agent_client.get(f"{INDEX}{waiting.pk}/").content.decode()
    assert "case-sla--due-soon" in agent_client.get(f"{INDEX}{urgent.pk}/").content.decode()


def test_the_load_does_not_count_it(waiting, urgent, agent):
    load = {row.user.pk: row for row in query.agent_load()}
    assert load[agent.pk].due_soon == 1 and load[agent.pk].open == 2


def test_a_pending_case_past_its_due_time_is_still_breached(agent):
    """The clock does not stop while pending (README: a miss stays a miss): only "due soon" is left out."""
    case = case_due_in(-timedelta(minutes=5), status="pending", title="Overdue pending", assignee=agent)
    assert sla.sla_state(case) == "breached"
    assert query.queue_counts(agent)["breached"] == 1


def test_when_the_customer_replies_the_case_is_due_soon_again(waiting):
    Case.objects.filter(pk=waiting.pk).update(status="open")
    waiting.refresh_from_db()
    assert sla.sla_state(waiting) == "due_soon"
