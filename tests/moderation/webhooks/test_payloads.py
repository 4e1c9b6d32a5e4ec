"""What each webhook says: the case as a helpdesk needs it, the changes, the survey — never an email address
or a secret."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.cases.events import (
    AgentReplied,
    CaseCreated,
    CaseSolved,
    CaseUpdated,
    QuestionEscalated,
    SurveyAnswered,
)
from moderation.cases.models import Survey
from moderation.webhooks import payloads, services
from moderation.webhooks.models import WebhookDelivery
from portal import events
from tests.factories import MemberFactory
from tests.moderation.cases.factories import CaseFactory, make_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(topic):
    agent = make_agent("agent-yuki")
    customer = MemberFactory(username="hanako", email="hanako@example.com")
    case = CaseFactory(question__author=customer, question__title="Refund for a double charge", topic=topic, assignee=agent, priority="high", reason="keyword")
    case.tags.add("refund", "billing")
    return case


def base(case, actor=None):
    return {"case_id": case.pk, "question_id": case.question_id, "actor_id": actor.pk if actor else None}


def test_the_case_part(case, topic):
    payload = payloads.build("case.created", CaseCreated(**base(case), reason="keyword"))
    assert set(payload) == {"id", "event", "created_at", "data"}
    assert payload["event"] == "case.created"
    data = payload["data"]
    assert data["reason"] == "keyword" and data["actor"] is None
    assert data["case"] == {
        "id": case.pk, "number": f"#{case.pk}", "status": "new", "priority": "high", "reason": "keyword",
        "topic": {"id": topic.pk, "title": topic.title, "slug": topic.slug}, "language": "en",
        "tags": ["billing", "refund"], "created_at": case.created_at.isoformat(),
        "first_response_due": case.first_response_due.isoformat(), "resolution_due": case.resolution_due.isoformat(),
        "solved_at": None, "assignee": "agent-yuki", "customer": {"id": case.customer_id, "username": "hanako"},
        "question": {"id": case.question_id, "title": "Refund for a double charge",
                     "url": f"http://testserver{case.question.get_absolute_url()}"},
    }


def test_question_escalated_names_the_actor(case):
    moderator = MemberFactory(username="mod-ken")
    payload = payloads.build("question.escalated", QuestionEscalated(**base(case, moderator), reason="manual"))
    assert payload["data"]["actor"] == "mod-ken" and payload["data"]["reason"] == "manual"


def test_case_updated_carries_the_changes_with_usernames(case):
    other = make_agent("agent-taro")
    event = CaseUpdated(**base(case), changes={"assignee": [case.assignee_id, other.pk], "priority": ["normal", "high"],
                                              "tags": ["refund"], "secret_note": "never sent"})
    data = payloads.build("case.updated", event)["data"]
    assert data["changes"] == {"assignee": ["agent-yuki", "agent-taro"], "priority": ["normal", "high"], "tags": ["refund"]}


def test_an_agent_reply_says_public_or_private_but_not_the_text(case):
    event = AgentReplied(**base(case), changes={}, public=False)
    data = payloads.build("case.updated", event)["data"]
    assert data["changes"] == {"reply": "private"}


def test_case_solved(case):
    data = payloads.build("case.solved", CaseSolved(**base(case), changes={"status": ["open", "solved"]}))["data"]
    assert data["changes"] == {"status": ["open", "solved"]}


def test_survey_answered_carries_the_scores(case):
    now = timezone.now()
    survey = Survey.objects.create(case=case, customer=case.customer, created_at=now, expires_at=now + timedelta(days=7),
                                   answered_at=now, csat=5, ces=6, nps=9, comment="クイックな対応でした")
    data = payloads.build("survey.answered", SurveyAnswered(**base(case), survey_id=survey.pk))["data"]
    assert data["survey"] == {"csat": 5, "ces": 6, "nps": 9, "comment": "クイックな対応でした", "answered_at": now.isoformat()}


def test_the_stored_body_has_no_email_or_secret(case, superuser, django_capture_on_commit_callbacks, settings):
    settings.PORTAL_WEBHOOK_TIMEOUT = 0.5
    endpoint, secret = services.create_endpoint(superuser, name="CRM", url="http://127.0.0.1:9/hook", events=list(payloads.EVENT_NAMES))
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(CaseCreated(**base(case), reason="keyword"))
    row = WebhookDelivery.objects.get()
    assert "@" not in row.payload and secret not in row.payload and "hanako@example.com" not in row.payload
    assert json.loads(row.payload)["id"] == str(row.event_id)
    assert row.payload == payloads.dumps(json.loads(row.payload))  # the exact bytes that are signed


def test_a_deleted_case_sends_nothing(case, superuser, django_capture_on_commit_callbacks):
    services.create_endpoint(superuser, name="CRM", url="https://crm.example.net/h", events=["case.updated"])
    event = CaseUpdated(case_id=case.pk + 1000, question_id=case.question_id, actor_id=None)
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(event)
    assert not WebhookDelivery.objects.exists()
