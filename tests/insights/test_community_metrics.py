"""Community metrics on generated raw rows with known answers (stored days via `refresh`)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from community.models import Acceptance, Question, VoteEvent
from community.rewards.models import SuperuserNomination
from portal.insights.registry import Query
from tests.factories import (
    AnswerFactory,
    BadgeAwardFactory,
    MemberFactory,
    QuestionFactory,
    RedemptionFactory,
    ReputationEventFactory,
    VoteFactory,
)
from tests.insights.helpers import D1, D2, EMPTY, RANGE, at, refresh, table, values
from tests.moderation.factories import make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(topic):
    User = get_user_model()
    alice, bob, carol, erin, frank = (MemberFactory(username=name) for name in ("alice", "bob", "carol", "erin", "frank"))
    dave = make_moderator("dave")
    SuperuserNomination.objects.create(user=carol, reason="helpful", granted_at=at(D1, -24))
    User.objects.filter(pk=alice.pk).update(date_joined=at(D1, 1))
    User.objects.filter(pk=bob.pk).update(date_joined=at(D2, 1))
    q1 = QuestionFactory(author=alice, topic=topic, created_at=at(D1, 1))
    q2 = QuestionFactory(author=bob, language="ja", created_at=at(D1, 2))
    q3 = QuestionFactory(author=alice, topic=topic, created_at=at(D1, 10))
    QuestionFactory(author=alice, created_at=at(D2, 5), status="deleted")
    a1 = AnswerFactory(question=q1, author=carol, created_at=at(D1, 3))  # superuser (nominated before)
    AnswerFactory(question=q1, author=dave, created_at=at(D1, 5))  # moderator
    AnswerFactory(question=q3, author=erin, created_at=at(D1, 6), status="hidden")  # not published
    AnswerFactory(question=q1, author=frank, created_at=at(D1, 7))  # member
    AnswerFactory(question=q2, author=carol, created_at=at(D2, 1))  # 23 hours after q2
    AnswerFactory(question=q2, author=erin, created_at=at(D2, 2), is_support_reply=True)
    Question.objects.filter(pk=q1.pk).update(accepted_answer=a1)
    Acceptance.objects.create(question=q1, answer=a1, actor=alice, accepted=True)
    VoteFactory(voter=frank, answer=a1)
    VoteEvent.objects.update(created_at=at(D1, 8))
    ReputationEventFactory(user=carol, points=10, topic_id=topic.pk, created_at=at(D1, 8))
    ReputationEventFactory(user=bob, points=5, created_at=at(D1, 9))
    ReputationEventFactory(user=carol, points=-2, topic_id=topic.pk, created_at=at(D2, 9))
    BadgeAwardFactory(user=carol, created_at=at(D1, 3))
    BadgeAwardFactory(user=frank, created_at=at(D2, 3))
    RedemptionFactory(user=carol, state="fulfilled", created_at=at(D1, 1), decided_at=at(D1, 4))
    RedemptionFactory(user=carol, state="granted", created_at=at(D2, 1), decided_at=at(D2, 1))
    RedemptionFactory(user=frank, state="rejected", created_at=at(D1, 1), decided_at=at(D1, 4))
    RedemptionFactory(user=frank, state="pending", created_at=at(D1, 1))
    refresh()
    return {"topic": topic}


def test_questions_asked_and_answered(world):
    assert values("community.questions_asked") == ({D1: 3, D2: 1}, 4)
    assert values("community.questions_answered") == ({D1: 1, D2: 1}, 2)
    topic = Query(D1, D2, topic_ids=(world["topic"].pk,))
    assert values("community.questions_asked", topic) == ({D1: 2, D2: 0}, 2)
    assert values("community.questions_asked", Query(D1, D2, language="ja")) == ({D1: 1, D2: 0}, 1)
    assert values("community.questions_answered", Query(D1, D2, language="ja")) == ({D1: 0, D2: 1}, 1)


def test_answer_and_solved_rates_follow_the_questions_asked(world):
    daily, total = values("community.answer_rate")  # q1 and q2 of q1, q2, q3 (q4 is deleted)
    assert daily[D1] == pytest.approx(200 / 3) and daily[D2] is None and total == pytest.approx(200 / 3)
    daily, total = values("community.solved_rate")
    assert daily[D1] == pytest.approx(100 / 3) and total == pytest.approx(100 / 3)
    assert values("community.answer_rate", Query(D1, D2, topic_ids=(world["topic"].pk,)))[1] == 50


def test_time_to_first_answer_median_and_p90(world):
    assert values("community.first_answer_median") == ({D1: 2, D2: 23}, 12.5)
    assert values("community.first_answer_p90") == ({D1: 2, D2: 23}, 23)
    assert values("community.first_answer_median", Query(D1, D2, topic_ids=(world["topic"].pk,)))[1] == 2


def test_members_reputation_badges_and_rewards(world):
    # D1: alice, bob (questions), carol, dave, frank (answers; frank also voted), erin (a hidden answer)
    # over the range: the daily average (distinct people cannot be summed over days' rollups)
    assert values("community.active_members") == ({D1: 6, D2: 3}, 4.5)
    assert values("community.active_members", Query(D1, D2, language="ja")) == ({D1: 6, D2: 3}, 4.5)  # not filtered
    assert values("community.new_members") == ({D1: 1, D2: 1}, 2)
    assert values("community.reputation_earned") == ({D1: 15, D2: -2}, 13)
    assert values("community.reputation_earned", Query(D1, D2, topic_ids=(world["topic"].pk,), language="en"))[1] == 8
    assert values("community.badges_granted") == ({D1: 1, D2: 1}, 2)
    assert values("community.rewards_granted") == ({D1: 1, D2: 1}, 2)


def test_answers_by_role(world):
    assert table("community.answers_by_role").rows(RANGE, None) == [
        ("Members", 1, 20.0), ("Superusers", 2, 40.0), ("Moderators", 1, 20.0), ("Support team", 1, 20.0),
    ]
    topic_rows = table("community.answers_by_role").rows(Query(D1, D2, topic_ids=(world["topic"].pk,)), None)
    assert [row[1] for row in topic_rows] == [1, 1, 1, 0]


def test_a_revoked_superuser_answers_as_a_member(world):
    SuperuserNomination.objects.update(revoked_at=at(D1, 4))  # after a1 (3h), before q2's answer (D2)
    refresh()  # the roles come from the days' rollups
    assert [row[1] for row in table("community.answers_by_role").rows(RANGE, None)] == [2, 1, 1, 1]


def test_empty_range(world):
    for key in ("community.questions_asked", "community.questions_answered", "community.active_members",
                "community.reputation_earned", "community.badges_granted", "community.rewards_granted",
                "community.new_members"):
        daily, total = values(key, EMPTY)
        assert total == 0 and set(daily.values()) == {0}
    for key in ("community.answer_rate", "community.solved_rate", "community.first_answer_median",
                "community.first_answer_p90"):
        daily, total = values(key, EMPTY)
        assert total is None and set(daily.values()) == {None}
    assert [row[1] for row in table("community.answers_by_role").rows(EMPTY, None)] == [0, 0, 0, 0]


def test_today_is_live(world):
    today = D2 + timedelta(days=4)
    QuestionFactory(created_at=at(today, 0.5))
    assert values("community.questions_asked", Query(today, today)) == ({today: 1}, 1)


def test_percentiles_from_hour_buckets():
    from community.insights import _band
    from portal.insights import kit

    assert [_band(h) for h in (0, 0.9, 2.5, 23.99, 24, 35, 47, 50, 100, 170, 400, 5000)] == [
        0, 0, 2, 23, 24, 34, 46, 48, 96, 168, 336, 720]
    buckets = [(0, 1), (2, 2), (24, 1)]  # values 0, 2, 2, 24
    assert kit.bucket_percentile(buckets, 0.5) == 2  # the mean of the two middle values (2 and 2)
    assert kit.bucket_percentile([(2, 1), (23, 1)], 0.5) == 12.5
    assert kit.bucket_percentile(buckets, 0.9) == 24  # nearest rank: ceil(0.9 × 4) = 4th value
    assert kit.bucket_percentile([], 0.5) is None and kit.bucket_percentile([(5, 0)], 0.5) is None
