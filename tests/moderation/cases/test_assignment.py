"""Assignment: round robin among eligible agents (topic, language, availability, the role with two-factor),
fewest working cases first, and a returning customer's case back to the agent of their last case."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from moderation.cases import escalation
from moderation.cases.assignment import pick_agent
from moderation.cases.models import AgentProfile, Case, CaseStatus
from portal.roles import SUPPORT_AGENTS
from tests.factories import MemberFactory, QuestionFactory
from tests.moderation.cases.factories import CaseFactory, make_agent

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def test_nobody_eligible():
    assert pick_agent(topic_id=None, language="en", customer_id=None) is None
    make_agent(available=False)
    assert pick_agent(topic_id=None, language="en", customer_id=None) is None


def test_round_robin_is_fair_over_many_escalations():
    agents = [make_agent(f"agent{i}") for i in range(3)]
    for i in range(9):
        question = QuestionFactory(created_at=NOW - timedelta(days=2))
        case, _ = escalation.open_case(question.pk, reason="no_answer", now=NOW + timedelta(minutes=i))
    load = Counter(Case.objects.values_list("assignee_id", flat=True))
    assert load == {agent.pk: 3 for agent in agents}


def test_fewest_working_cases_first_then_longest_waiting():
    busy, idle = make_agent("busy"), make_agent("idle")
    CaseFactory(assignee=busy)
    CaseFactory(assignee=idle, status=CaseStatus.SOLVED)  # solved cases are not work
    assert pick_agent(topic_id=None, language="en", customer_id=None) == idle
    AgentProfile.objects.filter(user=busy).update(last_assigned_at=None)
    Case.objects.filter(assignee=busy).update(status=CaseStatus.CLOSED)
    # both now have no work: the one never assigned (busy: null) before the one just assigned (idle)
    assert pick_agent(topic_id=None, language="en", customer_id=None) == busy
    assert pick_agent(topic_id=None, language="en", customer_id=None) == idle


def test_topic_and_language_coverage(topic):
    billing = make_agent("billing", topics=[topic], languages="ja")
    everything = make_agent("everything")
    AgentProfile.objects.filter(user=everything).update(last_assigned_at=NOW)  # so the tie goes to billing
    assert pick_agent(topic_id=topic.pk, language="ja", customer_id=None) == billing
    assert pick_agent(topic_id=topic.pk, language="en", customer_id=None) == everything
    assert pick_agent(topic_id=None, language="ja", customer_id=None) == everything
    assert pick_agent(topic_id=topic.pk, language="ja", customer_id=None, exclude=[billing]) == everything


def test_only_real_agents_with_two_factor():
    no_role = MemberFactory()
    AgentProfile.objects.create(user=no_role)
    no_totp = MemberFactory(is_staff=True)
    no_totp.groups.add(Group.objects.get(name=SUPPORT_AGENTS))
    AgentProfile.objects.create(user=no_totp)
    inactive = make_agent("gone")
    inactive.is_active = False
    inactive.save()
    assert pick_agent(topic_id=None, language="en", customer_id=None) is None
    agent = make_agent("real")
    assert pick_agent(topic_id=None, language="en", customer_id=None) == agent


def test_a_returning_customer_goes_back_to_their_agent():
    first, second = make_agent("first"), make_agent("second")
    customer = MemberFactory()
    CaseFactory(question=QuestionFactory(author=customer), assignee=second, status=CaseStatus.CLOSED,
                created_at=NOW - timedelta(days=3))
    for _ in range(3):
        CaseFactory(assignee=second)  # second is much busier, and still gets the customer
    assert pick_agent(topic_id=None, language="en", customer_id=customer.pk) == second
    AgentProfile.objects.filter(user=second).update(available=False)
    assert pick_agent(topic_id=None, language="en", customer_id=customer.pk) == first


def test_assignment_updates_last_assigned_at():
    agent = make_agent()
    pick_agent(topic_id=None, language="en", customer_id=None, now=NOW)
    assert AgentProfile.objects.get(user=agent).last_assigned_at == NOW
