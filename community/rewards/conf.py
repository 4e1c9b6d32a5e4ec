"""The tunable numbers (`RewardsSettings`), read once per request or transaction where it matters."""

from __future__ import annotations

from typing import Any

from .models import EventKind, RewardsSettings


def rewards_settings(request: Any = None) -> RewardsSettings:
    """The settings row (created with the defaults on first use). With a request, Wagtail caches it on it."""
    return RewardsSettings.load(request_or_site=request)


def points_for(kind: str, conf: RewardsSettings | None = None) -> int:
    conf = conf or rewards_settings()
    return {
        EventKind.ANSWER_UPVOTED: conf.answer_upvoted,
        EventKind.QUESTION_UPVOTED: conf.question_upvoted,
        EventKind.ANSWER_ACCEPTED: conf.answer_accepted,
        EventKind.ACCEPTED_AN_ANSWER: conf.accepted_an_answer,
        EventKind.DOWNVOTE_RECEIVED: conf.downvote_received,
        EventKind.DOWNVOTE_CAST: conf.downvote_cast,
        EventKind.POST_REMOVED: conf.post_removed,
    }.get(kind, 0)
