"""Votes: one current value per member and post, every change in the `VoteEvent` ledger."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..events import VoteCast
from ..models import Answer, Question, Vote, VoteEvent
from ..standing import refusal
from .base import Actor, CommunityError, PermissionRefused, as_actor, publish, refuse_closed, throttle


def vote(actor: Actor | Any, post: Question | Answer, value: int) -> int:
    """Set the member's vote on a post to +1, -1 or 0 (removed). Idempotent: sending the same value twice
    changes nothing, so a double submit never counts twice. Returns the post's new score.

    Queries (a member's first vote on a question): verified address, lock, current vote, vote row, ledger
    row, score, search signal — plus the transaction's own statements. Nothing rebuilds the search document:
    the `VoteCast` handlers update the one signal that changed."""
    actor = as_actor(actor)
    user = actor.user
    if value not in (-1, 0, 1):
        raise CommunityError(_("A vote is up, down or removed."))
    refuse_closed(user, post)
    if not permissions.can_vote(user, post, value):
        if barred := refusal(user, "vote"):  # a sanction: say which, and until when
            raise PermissionRefused(barred)
        if getattr(user, "is_authenticated", False) and post.author_id == user.pk:
            raise PermissionRefused(_("You cannot vote on your own post."))
        if permissions.can_post(user) and not permissions.is_live(post):
            raise PermissionRefused(_("This post no longer accepts votes."))
        if missing := permissions.missing_reputation(user, permissions.VOTE_PRIVILEGE.get(value, "")):
            template = (
                _("Upvoting needs %(threshold)s reputation; you have %(reputation)s.") if value == 1
                else _("Downvoting needs %(threshold)s reputation; you have %(reputation)s.")
            )
            raise PermissionRefused(template % {"threshold": missing[0], "reputation": missing[1]})
        raise PermissionRefused(_("Please sign in with a verified email address to vote."))
    throttle("vote", actor)
    model = type(post)
    target = {"answer": post} if model is Answer else {"question": post}
    with transaction.atomic():
        locked = model.objects.select_for_update().only("pk", "score").get(pk=post.pk)
        current = Vote.objects.filter(voter=user, **target).only("pk", "value").first()
        old = current.value if current else 0
        if old == value:
            return locked.score
        if current is None:
            Vote.objects.create(voter=user, value=value, **target)
        else:
            Vote.objects.filter(pk=current.pk).update(value=value, updated_at=timezone.now())
        VoteEvent.objects.create(voter=user, from_value=old, to_value=value, **target)
        model.objects.filter(pk=post.pk).update(score=F("score") + (value - old))
        score = locked.score + (value - old)
        question_id = post.question_id if model is Answer else post.pk
        publish(VoteCast(
            post=post.ref, question_id=question_id, actor_id=user.pk, author_id=post.author_id,
            from_value=old, to_value=value, score=score,
        ))
    return score
