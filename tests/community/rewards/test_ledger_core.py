"""The ledger's primitives: credit once per cause, reverse once, the daily cap, reward points never negative."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.rewards import ledger, rollup
from community.rewards.models import EventKind, LeaderboardDay, ReputationEvent
from portal.models import Profile, Rank
from portal.refs import PostRef
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def rep(user):
    return Profile.objects.get(user=user)


def test_a_cause_counts_once_until_reversed_then_again():
    user = MemberFactory()
    cause = ledger.Cause.vote("up", PostRef("answer", 7), 99)
    assert ledger.credit(user.pk, EventKind.ANSWER_UPVOTED, cause, post=PostRef("answer", 7), topic_id=3)
    assert ledger.credit(user.pk, EventKind.ANSWER_UPVOTED, cause) is None
    assert rep(user).reputation == 10 and rep(user).reward_points == 10
    assert ledger.reverse(cause) is not None
    assert ledger.reverse(cause) is None
    assert rep(user).reputation == 0 and rep(user).reward_points == 0
    again = ledger.credit(user.pk, EventKind.ANSWER_UPVOTED, cause, topic_id=3)
    assert again.generation == 2
    assert rep(user).reputation == 10
    assert ledger.recompute() == []
    keys = rollup.keys(timezone.now().date(), 3)  # the day, week, month and all time; overall and in topic 3
    assert {(span, topic) for span, _start, topic in keys} == {(s, t) for s in rollup.SPANS for t in (0, 3)}
    for span, start, topic in keys:
        row = LeaderboardDay.objects.get(user=user, span=span, day=start, topic_id=topic)
        assert (row.reputation, row.helpful) == (10, 1)
    assert LeaderboardDay.objects.count() == len(keys)


def test_daily_vote_cap_and_a_capped_credit_reverses_only_what_it_gave():
    user = MemberFactory()
    for voter in range(21):
        ledger.credit(user.pk, EventKind.ANSWER_UPVOTED, ledger.Cause.vote("up", PostRef("answer", 1), voter))
    assert rep(user).reputation == 200
    capped = ReputationEvent.objects.filter(capped=True)
    assert capped.count() == 1 and capped.get().points == 0
    ledger.reverse(ledger.Cause.vote("up", PostRef("answer", 1), 20))
    assert rep(user).reputation == 200
    tomorrow = timezone.now() + timedelta(days=1)
    ledger.credit(user.pk, EventKind.ANSWER_UPVOTED, ledger.Cause.vote("up", PostRef("answer", 2), 1), at=tomorrow)
    assert rep(user).reputation == 210
    assert ledger.recompute() == []


def test_penalties_never_take_reward_points_below_zero_and_rank_follows():
    user = MemberFactory()
    ledger.credit(user.pk, EventKind.ANSWER_ACCEPTED, ledger.Cause.accepted(5))
    assert rep(user).rank == Rank.MEMBER
    ledger.credit(user.pk, EventKind.POST_REMOVED, ledger.Cause.removed(PostRef("question", 9)))
    profile = rep(user)
    assert (profile.reputation, profile.reward_points, profile.rank) == (-85, 0, Rank.NEWCOMER)
    ledger.reverse(ledger.Cause.removed(PostRef("question", 9)))
    assert (rep(user).reputation, rep(user).reward_points) == (15, 15)
    assert ledger.recompute() == []
    Profile.objects.filter(user=user).update(reputation=3)
    assert ledger.recompute() == [(user.pk, "reputation", 3, 15)]
    assert rep(user).reputation == 15


def test_saving_the_settings_reranks_members_and_the_next_credit_uses_new_points():
    from community.rewards.conf import rewards_settings

    user = MemberFactory()
    ledger.credit(user.pk, EventKind.ANSWER_ACCEPTED, ledger.Cause.accepted(1))
    assert rep(user).rank == Rank.MEMBER
    conf = rewards_settings()
    conf.member_rank, conf.answer_accepted = 20, 30
    conf.save()
    assert rep(user).rank == Rank.NEWCOMER
    ledger.credit(user.pk, EventKind.ANSWER_ACCEPTED, ledger.Cause.accepted(2))
    assert rep(user).reputation == 45 and rep(user).rank == Rank.MEMBER
