"""Concurrent redemptions on PostgreSQL: stock and balances never go negative, the last item goes once."""

import pytest
from django.core.cache import cache

from community.rewards import catalogue
from community.rewards.models import Redemption, Reward, RewardPointEntry
from portal.models import Profile, Rank
from tests.concurrency import run_at_once
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _fresh_limits(postgres_only):
    cache.clear()


def member_with(points):
    member = MemberFactory()
    Profile.objects.filter(user=member).update(reward_points=points, rank=Rank.MEMBER)
    return member


def test_last_item_in_stock_exactly_one_succeeds():
    reward = Reward.objects.create(name="Last mug", cost=10, stock=1)
    members = [member_with(100) for _ in range(6)]
    results, errors = run_at_once(*[lambda m=m: catalogue.redeem(m, reward) for m in members])
    assert len(results) == 1
    assert len(errors) == 5 and all(isinstance(e, catalogue.RewardError) for e in errors)
    assert all("out of stock" in e.message for e in errors)
    assert Reward.objects.get(pk=reward.pk).stock == 0
    assert Redemption.objects.count() == 1 == RewardPointEntry.objects.count()
    winner = results[0].user_id
    balances = dict(Profile.objects.filter(user__in=members).values_list("user_id", "reward_points"))
    assert balances[winner] == 90
    assert sorted(balances.values()) == [90, 100, 100, 100, 100, 100]


def test_concurrent_redemptions_beyond_the_balance_never_go_negative():
    reward = Reward.objects.create(name="Sticker", cost=30, stock=100)
    member = member_with(100)  # enough for three
    results, errors = run_at_once(*[lambda: catalogue.redeem(member, reward) for _ in range(6)])
    assert len(results) == 3 and len(errors) == 3
    assert Profile.objects.get(user=member).reward_points == 10
    assert Reward.objects.get(pk=reward.pk).stock == 97  # the refused ones gave their item back
    spent = sum(RewardPointEntry.objects.filter(user=member).values_list("amount", flat=True))
    assert spent == -90 and Redemption.objects.filter(user=member).count() == 3


def test_reject_racing_fulfil_decides_once():
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth.models import Group

    from portal.roles import MODERATORS
    from tests.factories import UserFactory

    moderator = UserFactory(username="racemod")
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    TOTP.activate(moderator, "JBSWY3DPEHPK3PXP")
    reward = Reward.objects.create(name="Cap", cost=20, stock=1)
    member = member_with(20)
    redemption = catalogue.redeem(member, reward)
    calls = [lambda: catalogue.reject(moderator, redemption, "No stock left")] * 3
    calls += [lambda: catalogue.fulfil(moderator, redemption, "CODE")] * 3
    results, errors = run_at_once(*calls)
    assert len(results) == 1 and len(errors) == 5, errors
    assert all("already decided" in e.message for e in errors)
    state = Redemption.objects.get(pk=redemption.pk).state
    refunds = RewardPointEntry.objects.filter(kind=RewardPointEntry.Kind.REFUNDED).count()
    points = Profile.objects.get(user=member).reward_points
    stock = Reward.objects.get(pk=reward.pk).stock
    if state == Redemption.State.REJECTED:
        assert (refunds, points, stock) == (1, 20, 1)
    else:
        assert (refunds, points, stock) == (0, 0, 0)
