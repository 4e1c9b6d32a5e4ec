"""Reputation, badges and rewards for `manage.py load_demo`.

The demo community is written through the services with the rewards app muted (`portal.events.muted`):
its history is then written by the backfills, each ledger row dated when its cause happened (the vote,
the acceptance), so the daily cap and the 90-day graphs read as real use would make them. Then:

- a rewards catalogue: four rewards (one only for Contributors and up, one with dates, one nearly out of
  stock);
- Bob, whose answers the community keeps accepting, nominated Superuser by the demo moderator;
- Bob's redemptions: a sticker pack fulfilled with a tracking note (shown on his profile) and a store
  coupon waiting in the moderators' queue; a thank-you gift granted to Hanako.

Idempotent: a second run adds nothing (rewards are looked up by name, the nomination and the redemptions
only when missing).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from community import services
from community.rewards import backfill as reputation_backfill
from community.rewards import badges, catalogue, superusers
from community.rewards.models import Redemption, Reward
from portal.models import Profile, Rank

REWARDS = [
    # name, description, name in Japanese, description in Japanese, cost, stock, ranks, days available (None: always)
    ("Nimbus Home sticker pack", "Six weatherproof stickers for your hub, thermostat and cameras.",
     "Nimbus Home ステッカーセット", "ハブ、サーモスタット、カメラに貼れる防水ステッカー6枚セット。", 20, 200, [], None),
    ("Nimbus Hub desk stand", "A beech-wood stand that keeps the hub upright and its light visible.",
     "Nimbus Hub デスクスタンド", "ハブを立てて置けて、ランプもよく見えるブナ材のスタンド。", 120, 3, [], None),
    ("¥1,000 / $10 store coupon", "A coupon for the Nimbus Home store, sent as a code.",
     "1,000円 / 10ドル ストアクーポン", "Nimbus Home ストアで使えるクーポンコードをお送りします。", 60, 50,
     [Rank.CONTRIBUTOR, Rank.EXPERT, Rank.SUPERUSER], None),
    ("Beta firmware early access", "Try new hub firmware a month before everyone else.",
     "ベータ版ファームウェア先行アクセス", "新しいハブのファームウェアを1か月早く試せます。", 40, 30, [], 60),
]
NOMINATION = "Bob's answers keep being accepted across billing and devices, quickly and kindly."


def load_rewards_demo(stdout=None) -> dict:
    """Write the ledgers' history, then the catalogue, the nomination and the redemptions (what is missing)."""
    report = reputation_backfill.backfill()
    awarded = badges.backfill()
    if stdout is not None:
        stdout.write(
            f"Reputation: {report.votes} votes, {report.acceptances} acceptances and {report.removals} removals "
            f"in the ledger, {report.members} members' totals set; badges: {sum(awarded.values())} awarded now."
        )
    people = {user.username: user for user in get_user_model().objects.filter(
        username__in={"moderator", "bob", "hanako", "alice"}
    )}
    now = timezone.now()
    rewards = {}
    for name, description, name_ja, description_ja, cost, stock, ranks, days in REWARDS:
        reward, _created = Reward.objects.get_or_create(name=name, defaults={
            "description": description, "name_ja": name_ja, "description_ja": description_ja, "cost": cost,
            "stock": stock, "ranks": [str(rank) for rank in ranks],
            "starts_at": now - timedelta(days=1) if days else None, "ends_at": now + timedelta(days=days) if days else None,
        })
        if not reward.name_ja:  # a demo loaded before the catalogue had Japanese: the Japanese added, not doubled
            reward.name_ja, reward.description_ja = name_ja, description_ja
            if "。" in reward.description:  # the two languages had been run together in one description
                reward.description = description
            reward.save(update_fields=["name_ja", "description_ja", "description"])
        rewards[name] = reward
    moderator, bob, hanako = people.get("moderator"), people.get("bob"), people.get("hanako")
    if not (moderator and bob and hanako):
        return {"rewards": len(rewards)}
    quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    with services.relaxed_limits(), quiet:
        if Profile.objects.filter(user=bob).exclude(rank=Rank.SUPERUSER).exists() and not bob.superuser_nominations.exists():
            superusers.grant_superuser(moderator, bob, NOMINATION)
        if not Redemption.objects.filter(user=bob).exists():
            stickers = catalogue.redeem(bob, rewards["Nimbus Home sticker pack"])
            catalogue.fulfil(moderator, stickers, "Posted on Monday — tracking number JP 1234 5678 9012.")
            catalogue.set_visibility(bob, stickers, True)
            catalogue.redeem(bob, rewards["¥1,000 / $10 store coupon"])
        if not Redemption.objects.filter(user=hanako).exists():
            catalogue.grant(moderator, hanako, rewards["Beta firmware early access"],
                            "Thank you for the Japanese answers on Wi-Fi set-up! ありがとうございます。")
    return {"rewards": len(rewards)}
