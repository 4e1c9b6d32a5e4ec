"""The reputation ledger: the only code that moves `Profile.reputation`, `reward_points` (earned) and `rank`.

`credit(...)` appends a credit for a *cause* unless one is already open (idempotent: a replayed event, a
double submit or two concurrent writers count once); `reverse(cause)` appends the reversal of the open
credit, if any. Both lock the member's profile row first (one lock order: profile, then ledger), apply
the daily vote cap, move the denormalised totals with F(), keep the member's rank and the leaderboard
rollup in step, and publish `ReputationChanged` — all inside the caller's transaction.

Reward points follow reputation: a credit earns its positive points as reward points; a penalty or a
reversal takes reward points back only as far as the balance goes (the balance never goes negative), and
the ledger row records the amount actually moved, so every total always equals its ledger sum.

Queries per credit: settings (1), profile lock (1), open-credit lookup (1), cap sum (1, vote kinds only),
insert (1), profile update (1), leaderboard rollup (1–2 per row: overall and the topic's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from portal.events import publish
from portal.models import Profile, Rank
from portal.refs import PostRef

from . import rollup
from .conf import points_for, rewards_settings
from .events import RankChanged, ReputationChanged
from .models import VOTE_KINDS, EventKind, LeaderboardDay, ReputationEvent, RewardsSettings

CAPPED_KINDS = frozenset({EventKind.ANSWER_UPVOTED, EventKind.QUESTION_UPVOTED})


@dataclass(frozen=True)
class Cause:
    """Why a credit exists; the string is its ledger key (unique with the generation)."""

    key: str

    @staticmethod
    def vote(direction: str, post: PostRef, voter_id: int) -> Cause:  # direction: "up" / "down" / "downcast"
        return Cause(f"vote:{direction}:{post.kind[0]}{post.id}:u{voter_id}")

    @staticmethod
    def accepted(answer_id: int) -> Cause:
        return Cause(f"accepted:a{answer_id}")

    @staticmethod
    def accepter(answer_id: int) -> Cause:
        return Cause(f"accepter:a{answer_id}")

    @staticmethod
    def removed(post: PostRef) -> Cause:
        return Cause(f"removed:{post.kind[0]}{post.id}")


def day_start(moment: datetime | None = None) -> datetime:
    moment = moment or timezone.now()
    return datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)


def _lock_profile(user_id: int) -> Profile:
    profile = Profile.objects.select_for_update().only("pk", "reputation", "reward_points", "rank").filter(user_id=user_id).first()
    if profile is None:
        try:
            with transaction.atomic():
                Profile.objects.create(user_id=user_id)
        except IntegrityError:  # created meanwhile by another request
            pass
        profile = Profile.objects.select_for_update().only("pk", "reputation", "reward_points", "rank").get(user_id=user_id)
    return profile


def _latest_credit(key: str) -> ReputationEvent | None:
    """The latest credit for a cause, annotated with whether it was reversed (one query)."""
    return (
        ReputationEvent.objects.filter(cause=key, reversal_of__isnull=True)
        .annotate(reversed=Exists(ReputationEvent.objects.filter(reversal_of=OuterRef("pk"))))
        .order_by("-generation").first()
    )


def open_credit(cause: Cause | str) -> ReputationEvent | None:
    """The latest credit for `cause` if it has not been reversed (None: nothing to reverse)."""
    latest = _latest_credit(cause.key if isinstance(cause, Cause) else cause)
    return None if latest is None or latest.reversed else latest


def _vote_gain_today(user_id: int, now: datetime) -> int:
    total = ReputationEvent.objects.filter(
        user_id=user_id, created_at__gte=day_start(now), kind__in=CAPPED_KINDS
    ).aggregate(total=Sum("points"))["total"]
    return total or 0


def _apply(profile: Profile, entry: ReputationEvent, conf: RewardsSettings) -> None:
    """Move the totals, the rank and the rollup for a row just written; announce it."""
    reputation = profile.reputation + entry.points
    rank = profile.rank
    if rank != Rank.SUPERUSER:
        rank = conf.rank_for(reputation)
    Profile.objects.filter(pk=profile.pk).update(
        reputation=F("reputation") + entry.points, reward_points=F("reward_points") + entry.reward_points, rank=rank
    )
    _roll_up(entry)
    publish(ReputationChanged(
        user_id=entry.user_id, entry_id=entry.pk, kind=entry.kind, points=entry.points, reputation=reputation,
        reversal=entry.reversal_of_id is not None, post_kind=entry.post_kind, post_id=entry.post_id,
        question_id=entry.question_id, topic_id=entry.topic_id,
    ))
    if rank != profile.rank:
        publish(RankChanged(user_id=entry.user_id, from_rank=profile.rank, to_rank=rank))
    profile.reputation, profile.reward_points, profile.rank = reputation, profile.reward_points + entry.reward_points, rank


def _roll_up(entry: ReputationEvent) -> None:
    sign = -1 if entry.reversal_of_id else 1
    accepted = sign if entry.kind == EventKind.ANSWER_ACCEPTED else 0
    helpful = sign if entry.kind in (EventKind.ANSWER_UPVOTED, EventKind.QUESTION_UPVOTED) else 0
    if not (entry.points or accepted or helpful):
        return
    day = entry.created_at.astimezone(UTC).date()
    add_to_rollup(entry.user_id, rollup.keys(day, entry.topic_id), entry.points, accepted, helpful)


def add_to_rollup(user_id: int, keys: list[rollup.Key], reputation: int, accepted: int, helpful: int) -> None:
    """Add to the member's rollup rows `keys` (day, week, month and all time; overall and in the topic): one
    UPDATE. When some are missing (a member's first gain of the day, week...) they are first inserted as zeros
    (ON CONFLICT DO NOTHING, so a concurrent first gain cannot fail or count twice) and updated: three queries."""
    changes = {"reputation": F("reputation") + reputation, "accepted": F("accepted") + accepted, "helpful": F("helpful") + helpful}
    condition = Q()
    for span, day, topic_id in keys:
        condition |= Q(span=span, day=day, topic_id=topic_id)
    rows = LeaderboardDay.objects.filter(condition, user_id=user_id)
    if rows.update(**changes) == len(keys):
        return
    missing = set(keys) - set(rows.values_list("span", "day", "topic_id"))  # the rows the UPDATE found were updated
    LeaderboardDay.objects.bulk_create(
        [LeaderboardDay(user_id=user_id, span=span, day=day, topic_id=topic_id) for span, day, topic_id in missing],
        ignore_conflicts=True,
    )
    condition = Q()
    for span, day, topic_id in missing:
        condition |= Q(span=span, day=day, topic_id=topic_id)
    LeaderboardDay.objects.filter(condition, user_id=user_id).update(**changes)


def credit(
    user_id: int, kind: str, cause: Cause, *, actor_id: int | None = None, post: PostRef | None = None,
    question_id: int | None = None, topic_id: int | None = None, points: int | None = None,
    at: datetime | None = None, conf: RewardsSettings | None = None,
) -> ReputationEvent | None:
    """Credit `user_id` for `cause` unless an open credit for it exists. Returns the new row, or None."""
    conf = conf or rewards_settings()
    amount = points_for(kind, conf) if points is None else points
    now = at or timezone.now()
    # No savepoint: the ledger row stands or falls with the change that caused it (the caller's transaction).
    with transaction.atomic(savepoint=False):
        profile = _lock_profile(user_id)
        latest = _latest_credit(cause.key)
        if latest is not None and not latest.reversed:
            return None  # already counted
        capped = False
        if kind in CAPPED_KINDS and amount > 0:
            room = max(0, conf.daily_vote_cap - _vote_gain_today(user_id, now))
            if amount > room:
                amount, capped = room, True
        earned = amount if amount > 0 else -min(-amount, profile.reward_points)
        entry = ReputationEvent.objects.create(
            user_id=user_id, kind=kind, points=amount, reward_points=earned, cause=cause.key,
            generation=(latest.generation + 1) if latest else 1, capped=capped, actor_id=actor_id,
            post_kind=post.kind if post else "", post_id=post.id if post else None,
            question_id=question_id, topic_id=topic_id, created_at=now,
        )
        _apply(profile, entry, conf)
    return entry


def reverse(cause: Cause, *, actor_id: int | None = None, at: datetime | None = None,
            conf: RewardsSettings | None = None) -> ReputationEvent | None:
    """Append the reversal of the open credit for `cause` (None when there is none: already reversed)."""
    found = open_credit(cause)
    if found is None:
        return None
    conf = conf or rewards_settings()
    with transaction.atomic(savepoint=False):
        profile = _lock_profile(found.user_id)
        credit_row = open_credit(cause)  # again under the lock: a concurrent reversal may have won
        if credit_row is None:
            return None
        taken = credit_row.reward_points if credit_row.reward_points <= 0 else min(credit_row.reward_points, profile.reward_points)
        entry = ReputationEvent.objects.create(
            user_id=credit_row.user_id, kind=credit_row.kind, points=-credit_row.points,
            reward_points=-taken, cause=credit_row.cause, generation=credit_row.generation,
            reversal_of=credit_row, capped=credit_row.capped, actor_id=actor_id,
            post_kind=credit_row.post_kind, post_id=credit_row.post_id, question_id=credit_row.question_id,
            topic_id=credit_row.topic_id, created_at=at or timezone.now(),
        )
        _apply(profile, entry, conf)
    return entry


def open_credits(**filters: Any):
    """Credits matching `filters` that have not been reversed (for reversing everything a post or voter caused)."""
    return ReputationEvent.objects.filter(reversal_of__isnull=True, reversal__isnull=True, **filters)


def reverse_all(credits, *, actor_id: int | None = None) -> int:
    """Reverse every open credit in `credits` (a queryset from `open_credits`). Returns how many."""
    count = 0
    for cause in list(credits.values_list("cause", flat=True).distinct()):
        if reverse(Cause(cause), actor_id=actor_id) is not None:
            count += 1
    return count


# --- totals ---------------------------------------------------------------------------------------------------


def ledger_totals() -> dict[int, tuple[int, int]]:
    """{user_id: (reputation, reward points)} summed from the ledgers (reward points include spending)."""
    from .models import RewardPointEntry

    totals: dict[int, list[int]] = {}
    for row in ReputationEvent.objects.values("user_id").annotate(p=Sum("points"), r=Sum("reward_points")):
        totals[row["user_id"]] = [row["p"] or 0, row["r"] or 0]
    for row in RewardPointEntry.objects.values("user_id").annotate(a=Sum("amount")):
        totals.setdefault(row["user_id"], [0, 0])[1] += row["a"] or 0
    return {user_id: (values[0], values[1]) for user_id, values in totals.items()}


def recompute(*, fix: bool = True) -> list[tuple[int, str, int, int]]:
    """Compare every profile's totals (and rank) with the ledgers; fix them when `fix`. Returns the differences
    as (user_id, field, stored, from the ledger)."""
    conf = rewards_settings()
    totals = ledger_totals()
    differences: list[tuple[int, str, int, int]] = []
    for profile in Profile.objects.only("pk", "user_id", "reputation", "reward_points", "rank").iterator(chunk_size=2000):
        reputation, points = totals.get(profile.user_id, (0, 0))
        rank = profile.rank if profile.rank == Rank.SUPERUSER else conf.rank_for(reputation)
        changed = {}
        if profile.reputation != reputation:
            differences.append((profile.user_id, "reputation", profile.reputation, reputation))
            changed["reputation"] = reputation
        if profile.reward_points != points:
            differences.append((profile.user_id, "reward_points", profile.reward_points, points))
            changed["reward_points"] = max(points, 0)
        if profile.rank != rank:
            differences.append((profile.user_id, "rank", profile.rank, rank))  # type: ignore[arg-type]
            changed["rank"] = rank
        if fix and changed:
            Profile.objects.filter(pk=profile.pk).update(**changed)
    return differences


def rerank(conf: RewardsSettings | None = None) -> int:
    """Set every non-superuser's rank from their reputation (after the admin changes the rank thresholds)."""
    conf = conf or rewards_settings()
    bands = [
        (Rank.EXPERT, Q(reputation__gte=conf.expert_rank)),
        (Rank.CONTRIBUTOR, Q(reputation__gte=conf.contributor_rank, reputation__lt=conf.expert_rank)),
        (Rank.MEMBER, Q(reputation__gte=conf.member_rank, reputation__lt=conf.contributor_rank)),
        (Rank.NEWCOMER, Q(reputation__lt=conf.member_rank)),
    ]
    changed = 0
    for rank, condition in bands:
        changed += Profile.objects.filter(condition).exclude(rank__in=[Rank.SUPERUSER, rank]).update(rank=rank)
    return changed


__all__ = [
    "VOTE_KINDS", "Cause", "credit", "day_start", "open_credit", "open_credits", "recompute", "rerank",
    "reverse", "reverse_all",
]
