"""The case timeline reads in words: a "Case opened" entry names why the case was opened (the escalation
reason's label, in the reader's language), never the stored code."""

import pytest
from wagtail.users.models import UserProfile

from moderation.cases import escalation
from tests.factories import QuestionFactory
from tests.moderation.cases.factories import make_agent

pytestmark = pytest.mark.django_db

INDEX = "/admin/cases/"


@pytest.fixture
def agent_client(client):
    agent = make_agent("agent1")
    client.force_login(agent)
    client.agent = agent
    return client


def opened_entry(html: str) -> str:
    return html.split("case-timeline__entry--created", 1)[1].split("</li>", 1)[0]


def test_case_opened_shows_the_reason_label(agent_client):
    case, _created = escalation.open_case(QuestionFactory().pk, reason="keyword")
    entry = opened_entry(agent_client.get(f"{INDEX}{case.pk}/").content.decode())
    assert "Priority keywords" in entry
    assert "· keyword" not in entry


def test_case_opened_reason_in_japanese(agent_client):
    profile = UserProfile.get_for_user(agent_client.agent)
    profile.preferred_language = "ja"
    profile.save()
    case, _created = escalation.open_case(QuestionFactory().pk, reason="keyword")
    entry = opened_entry(agent_client.get(f"{INDEX}{case.pk}/").content.decode())
    assert "優先キーワード" in entry and "keyword" not in entry
