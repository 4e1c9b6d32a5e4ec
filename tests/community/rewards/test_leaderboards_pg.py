"""refresh_leaderboards run twice at once (PostgreSQL): both finish, the rollup is what the ledger says, once."""

from __future__ import annotations

import pytest

from community.rewards import leaderboards, ledger
from community.rewards.models import EventKind, LeaderboardDay
from portal.refs import PostRef
from tests.concurrency import run_at_once
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def snapshot():
    return sorted(LeaderboardDay.objects.values_list("user_id", "span", "day", "topic_id", "reputation", "accepted", "helpful"))


def test_two_rebuilds_at_once(postgres_only):
    for index in range(5):
        member = MemberFactory()
        post = PostRef("answer", index + 1)
        ledger.credit(member.pk, EventKind.ANSWER_UPVOTED, ledger.Cause.vote("up", post, 99), post=post, topic_id=4)
        ledger.credit(member.pk, EventKind.ANSWER_ACCEPTED, ledger.Cause.accepted(index + 1), post=post, topic_id=4)
    kept = snapshot()
    results, errors = run_at_once(leaderboards.rebuild, leaderboards.rebuild)
    assert errors == [] and len(results) == 2
    assert snapshot() == kept and len(kept) == 40  # 5 members × (day, week, month, all time) × (overall, the topic)
