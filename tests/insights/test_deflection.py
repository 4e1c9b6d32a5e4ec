"""Deflection: (a) the ask form, (c) community resolution, the combined rate and the cases-saved estimate.
(b), search deflection, needs `portal.PageView`: see test_search_deflection.py."""

from datetime import timedelta

import pytest

from community import insights as community_insights
from community.models import Acceptance, Question
from portal.insights.registry import Query
from tests.factories import AnswerFactory, DeflectionEventFactory, MemberFactory, QuestionFactory
from tests.insights.helpers import D1, D2, EMPTY, TODAY, at, refresh, values
from tests.moderation.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask_sessions(db):
    alice, bob, carol = MemberFactory(), MemberFactory(), MemberFactory()
    DeflectionEventFactory(ask_token="t1", user=alice, created_at=at(D1, 10), asked=True)
    DeflectionEventFactory(ask_token="t1", user=alice, created_at=at(D1, 10.1), asked=True)
    QuestionFactory(author=alice, created_at=at(D1, 12))  # posted 2 hours later: not deflected
    DeflectionEventFactory(ask_token="t2", user=bob, created_at=at(D1, 11), asked=True)
    QuestionFactory(author=bob, created_at=at(D2, 12))  # posted 25 hours later: deflected
    DeflectionEventFactory(ask_token="t3", created_at=at(D1, 13))  # anonymous, never posted: deflected
    DeflectionEventFactory(ask_token="t4", created_at=at(D1, 14), asked=True)  # anonymous, posted: not deflected
    DeflectionEventFactory(ask_token="t6", created_at=at(D1, 23.9))  # a session across midnight counts on D1
    DeflectionEventFactory(ask_token="t6", created_at=at(D2, 0.2))
    DeflectionEventFactory(ask_token="t5", user=carol, created_at=at(D2, 23))  # no question: deflected
    DeflectionEventFactory(ask_token="t7", user=carol, created_at=at(TODAY, 0))  # under 24 hours: not counted yet
    refresh()


def test_ask_form_deflection(ask_sessions):
    assert values("community.ask_sessions") == ({D1: 5, D2: 1}, 6)
    assert values("community.ask_deflected") == ({D1: 3, D2: 1}, 4)
    daily, total = values("community.ask_deflection_rate")
    assert daily == {D1: 60, D2: 100} and total == pytest.approx(400 / 6)
    assert values("community.ask_sessions", Query(D1, D2, language="ja"))[1] == 6  # no language: not filtered
    assert values("community.ask_sessions", Query(TODAY, TODAY)) == ({TODAY: 0}, 0)


def test_a_session_is_counted_once_its_24_hours_have_passed(ask_sessions):
    assert community_insights.ask_sessions(TODAY, now=at(TODAY, 23)) == []
    assert community_insights.ask_sessions(TODAY, now=at(TODAY, 24.5)) == [("t7", True)]


@pytest.fixture
def resolution(topic):
    def solved(question, when):
        answer = AnswerFactory(question=question, created_at=when - timedelta(hours=1))
        Question.objects.filter(pk=question.pk).update(accepted_answer=answer)
        acceptance = Acceptance.objects.create(question=question, answer=answer, accepted=True)
        Acceptance.objects.filter(pk=acceptance.pk).update(created_at=when)
        return answer

    q1 = QuestionFactory(topic=topic, created_at=at(D1, 1))
    solved(q1, at(D1, 5))  # solved by the community
    q2 = QuestionFactory(created_at=at(D1, 1))
    CaseFactory(question=q2, created_at=at(D1, 2))  # escalated, then solved: not the community's
    solved(q2, at(D1, 6))
    q3 = QuestionFactory(created_at=at(D1, 1))
    solved(q3, at(D1, 7))
    Question.objects.filter(pk=q3.pk).update(accepted_answer=None)  # unaccepted since
    q4 = QuestionFactory(language="ja", created_at=at(D2, 1))
    CaseFactory(question=q4, created_at=at(D2, 3))
    q5 = QuestionFactory(language="ja", created_at=at(D2, 1))
    solved(q5, at(D2, 8))
    refresh()
    return {"topic": topic}


def test_community_resolution(resolution):
    assert values("moderation.community_solved") == ({D1: 1, D2: 1}, 2)
    assert values("moderation.questions_escalated") == ({D1: 1, D2: 1}, 2)
    assert values("moderation.community_resolution_rate") == ({D1: 50, D2: 50}, 50)
    assert values("moderation.community_solved", Query(D1, D2, topic_ids=(resolution["topic"].pk,)))[1] == 1
    assert values("moderation.community_resolution_rate", Query(D1, D2, language="ja")) == ({D1: None, D2: 50}, 50)


def test_combined_deflection_rate_and_cases_saved(ask_sessions, resolution):
    # deflections: ask form 3 + 1, community 1 + 1 (search deflection is not measured without page views)
    daily, total = values("moderation.deflection_rate")
    assert daily == {D1: pytest.approx(400 / 5), D2: pytest.approx(200 / 3)} and total == 75
    asked = Question.objects.filter(created_at__gte=at(D1), created_at__lt=at(D2, 24)).count()
    daily, total = values("moderation.cases_saved")
    assert total == round(6 * 2 / asked, 2)
    assert daily == {D1: round(4 * 2 / asked, 2), D2: round(2 * 2 / asked, 2)}


def test_empty_range(ask_sessions, resolution):
    for key in ("community.ask_sessions", "community.ask_deflected", "moderation.community_solved",
                "moderation.cases_saved"):
        assert values(key, EMPTY)[1] == 0
    for key in ("community.ask_deflection_rate", "moderation.community_resolution_rate", "moderation.deflection_rate"):
        assert values(key, EMPTY)[1] is None
