"""The case timeline names who a case was assigned to, whichever path assigned it: auto-assignment when the
case opens writes the agent's name like a manual reassignment does, and entries written before that (the
agent's id only) still read as the agent, never as the false "Unassigned"."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from wagtail.users.models import UserProfile

from moderation.cases import escalation, services, timeline
from moderation.cases.models import CaseEvent
from moderation.cases.workspace.views import change_text
from tests.factories import QuestionFactory
from tests.moderation.cases.factories import CaseFactory, make_agent

pytestmark = pytest.mark.django_db

INDEX = "/admin/cases/"


@pytest.fixture
def agent():
    return make_agent("agent-ja")


def assigned_entries(html: str) -> list[str]:
    return [part.split("</li>", 1)[0] for part in html.split("case-timeline__entry--assigned")[1:]]


def test_auto_assignment_stores_the_agents_name(agent):
    case, created = escalation.open_case(QuestionFactory().pk, reason="no_answer")
    assert created and case.assignee_id == agent.pk
    entry = case.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert entry.data == {"from": None, "to": agent.pk, "to_name": "agent-ja"}


def test_the_case_page_names_the_auto_assigned_agent(agent_client, agent):
    case, _created = escalation.open_case(QuestionFactory().pk, reason="no_answer")
    html = agent_client.get(f"{INDEX}{case.pk}/").content.decode()
    [entry] = assigned_entries(html)
    assert "→ agent-ja" in entry
    assert "Unassigned" not in entry


def test_an_older_entry_without_the_name_reads_as_the_agent(agent_client, agent):
    """Entries written before the name was stored hold the agent's id only: the page looks the name up."""
    case = CaseFactory(assignee=agent)
    timeline.record(case, CaseEvent.Kind.ASSIGNED, None, data={"from": None, "to": agent.pk})
    html = agent_client.get(f"{INDEX}{case.pk}/").content.decode()
    [entry] = assigned_entries(html)
    assert "→ agent-ja" in entry and "Unassigned" not in entry


def test_an_older_entry_whose_agent_is_gone_does_not_claim_unassigned(agent):
    case = CaseFactory(assignee=agent)
    entry = timeline.record(case, CaseEvent.Kind.ASSIGNED, None, data={"from": None, "to": 987654})
    text = change_text(entry, timeline.assignee_names([entry]))
    assert text == "→ an agent"
    assert change_text(entry) == "→ an agent"  # without the names looked up: still not "Unassigned"


def test_taking_a_case_from_everyone_still_reads_unassigned(agent):
    supervisor = make_agent("lead", supervisor=True)
    case = CaseFactory(assignee=agent)
    services.assign(supervisor, case, None)
    entry = case.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert change_text(entry, timeline.assignee_names([entry])) == "→ Unassigned"


def test_the_names_are_read_in_one_query_and_none_when_stored(agent, django_assert_num_queries):
    other = make_agent("agent-en")
    case = CaseFactory(assignee=agent)
    stored = timeline.record(case, CaseEvent.Kind.ASSIGNED, None, data={"from": None, "to": agent.pk, "to_name": "agent-ja"})
    old = [timeline.record(case, CaseEvent.Kind.ASSIGNED, None, data={"from": None, "to": user.pk}) for user in (agent, other)]
    with django_assert_num_queries(0):
        assert timeline.assignee_names([stored]) == {}
    with django_assert_num_queries(1):
        names = timeline.assignee_names([stored, *old])
    assert names == {agent.pk: "agent-ja", other.pk: "agent-en"}


def test_the_fallback_is_translated(agent_client, agent):
    profile = UserProfile.get_for_user(agent)
    profile.preferred_language = "ja"
    profile.save()
    case = CaseFactory(assignee=agent)
    timeline.record(case, CaseEvent.Kind.ASSIGNED, None, data={"from": None, "to": 987654})
    html = agent_client.get(f"{INDEX}{case.pk}/").content.decode()
    [entry] = assigned_entries(html)
    assert "→ サポート担当者" in entry and "an agent" not in entry
    assert get_user_model().objects.filter(pk=987654).count() == 0
