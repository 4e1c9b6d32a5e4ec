"""What the rewards app announces through `portal.events` (after the community's own events)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReputationChanged:
    """A ledger row was appended: `points` (may be 0 when the daily cap took it) moved the member's reputation
    to `reputation`. `reversal` when it undoes an earlier credit."""

    user_id: int
    entry_id: int
    kind: str
    points: int
    reputation: int
    reversal: bool
    post_kind: str = ""
    post_id: int | None = None
    question_id: int | None = None
    topic_id: int | None = None


@dataclass(frozen=True, slots=True)
class BadgeAwarded:
    user_id: int
    award_id: int
    badge: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class RankChanged:
    user_id: int
    from_rank: str
    to_rank: str


@dataclass(frozen=True, slots=True)
class SuperuserChanged:
    user_id: int
    granted: bool
    actor_id: int | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RedemptionChanged:
    """A redemption was requested, fulfilled, rejected or granted (`state`)."""

    redemption_id: int
    user_id: int
    state: str
    actor_id: int | None = None
