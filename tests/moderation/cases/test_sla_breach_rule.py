"""One rule for "SLA breached", in every status: a due time was missed (a first response or a solution after
its due time), or the clock's next due time has passed. The case page's flag, the Breached queue and its
count, and the supervisors' load all follow it."""

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


@pytest.fixture
def late_reply(agent, agent_client):
    """A case opened 10 hours ago, due a first response 2 hours ago: the agent replies now (late)."""
    opened = timezone.now() - timedelta(hours=10)
    case = CaseFactory(assignee=agent, status="open", question__title="Answered late question", created_at=opened,
                       first_response_due=opened + timedelta(hours=8), resolution_due=opened + timedelta(hours=40))
    response = agent_client.post(f"{INDEX}{case.pk}/", {
        "action": "reply", "reply-body": "Sorry for the wait: try a restart.", "reply-visibility": "public",
        "reply-status": "", "reply-version": case.version,
    })
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.first_responded_at > case.first_response_due and case.status == "open"
    assert case.next_due_at == case.resolution_due  # the resolution clock runs, in the future
    return case


def test_a_late_first_response_stays_breached_while_the_case_is_open(late_reply, agent_client):
    assert sla.sla_state(late_reply) == "breached"
    html = agent_client.get(f"{INDEX}{late_reply.pk}/").content.decode()
    assert "SLA breached" in html


def test_the_breached_queue_and_its_count_agree_with_the_case(late_reply, agent, agent_client):
    on_time = CaseFactory(status="open", question__title="On time question")
    assert sla.sla_state(on_time) == ""
    assert query.queue_counts(agent)["breached"] == 1
    html = agent_client.get(INDEX + "?queue=breached").content.decode()
    assert "Answered late question" in html and "On time question" not in html
    # and it is not "due soon" as well
    soon = timezone.now() + timedelta(minutes=30)
    Case.objects.filter(pk=late_reply.pk).update(next_due_at=soon, resolution_due=soon)
    late_reply.refresh_from_db()
    assert sla.sla_state(late_reply) == "breached"
    assert query.queue_counts(agent)["due_soon"] == 0 and query.queue_counts(agent)["breached"] == 1


def test_the_load_counts_it_as_breached(late_reply, agent):
    load = {row.user.pk: row for row in query.agent_load()}
    assert load[agent.pk].breached == 1


def test_a_late_resolution_is_breached_in_every_status(agent):
    now = timezone.now()
    case = CaseFactory(status="solved", created_at=now - timedelta(hours=50), first_response_due=now - timedelta(hours=42),
                       resolution_due=now - timedelta(hours=10), first_responded_at=now - timedelta(hours=45),
                       solved_at=now - timedelta(hours=2), next_due_at=None)
    assert sla.sla_state(case) == "breached"
    assert Case.objects.filter(sla.breached_q(now), pk=case.pk).exists()
    on_time = CaseFactory(status="solved", first_responded_at=now, solved_at=now, next_due_at=None)
    assert sla.sla_state(on_time) == ""
    assert not Case.objects.filter(sla.breached_q(now), pk=on_time.pk).exists()
