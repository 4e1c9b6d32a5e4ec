"""The tunable numbers (`RewardsSettings`), read once per request or transaction where it matters."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from portal import stamps

from .models import EventKind, RewardsSettings

CACHE_KEY = "rewards:settings"
CACHE_SECONDS = 300


def rewards_settings(request: Any = None) -> RewardsSettings:
    """The settings (the defaults until an admin saves them), from the shared cache: no query on a vote.
    Saving them in the admin drops the cached copy (`forget_settings`, connected to post_save)."""
    key = f"{CACHE_KEY}:{stamps.read(CACHE_KEY)}"
    conf = cache.get(key)
    if conf is None:
        conf = RewardsSettings.objects.first() or RewardsSettings()  # a read never creates the row
        cache.set(key, conf, CACHE_SECONDS)
    return conf


def forget_settings() -> None:
    stamps.bump(CACHE_KEY)  # every process's cached copy is left behind


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
