"""Following questions, "I have this problem too", and deflection from the ask form."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from .. import permissions
from ..events import ReactionChanged
from ..models import DeflectionEvent, Follow, MeToo, Question
from ..standing import refusal
from .base import Actor, PermissionRefused, as_actor, follow, lock_question, publish, refuse_closed, throttle


def _reacted(actor: Actor, question: Question, reaction: str, on: bool) -> None:
    publish(ReactionChanged(
        post=question.ref, question_id=question.pk, actor_id=actor.user.pk, author_id=question.author_id,
        reaction=reaction, on=on,
    ))


def follow_question(actor: Actor | Any, question: Question) -> bool:
    actor = as_actor(actor)
    if not permissions.can_follow(actor.user, question):
        raise PermissionRefused(_("Please sign in to follow questions."))
    throttle("react", actor)
    with transaction.atomic():
        lock_question(question.pk)  # lock order: question row first, then follow/me-too rows (no deadlock)
        created = follow(actor.user.pk, question.pk)
        if created:
            _reacted(actor, question, "follow", True)
    return created


def unfollow_question(actor: Actor | Any, question: Question) -> bool:
    actor = as_actor(actor)
    if not getattr(actor.user, "is_authenticated", False):
        raise PermissionRefused(_("Please sign in to follow questions."))
    throttle("react", actor)
    with transaction.atomic():
        lock_question(question.pk)
        deleted, _rows = Follow.objects.filter(user=actor.user, question=question).delete()
        if deleted:
            Question.objects.filter(pk=question.pk).update(follower_count=F("follower_count") - 1)
            _reacted(actor, question, "follow", False)
    return bool(deleted)


def set_me_too(actor: Actor | Any, question: Question, on: bool = True) -> bool:
    """"I have this problem too": counts once per member and follows the question."""
    actor = as_actor(actor)
    refuse_closed(actor.user, question)
    if not permissions.can_me_too(actor.user, question):
        if getattr(actor.user, "is_authenticated", False) and question.author_id == actor.user.pk:
            raise PermissionRefused(_("This is your own question."))
        raise PermissionRefused(refusal(actor.user, "post") or _("Please sign in with a verified email address first."))
    throttle("react", actor)
    with transaction.atomic():
        lock_question(question.pk)
        if on:
            try:
                with transaction.atomic():
                    MeToo.objects.create(user=actor.user, question=question)
            except IntegrityError:
                return False
            Question.objects.filter(pk=question.pk).update(me_too_count=F("me_too_count") + 1)
            follow(actor.user.pk, question.pk)
        else:
            deleted, _rows = MeToo.objects.filter(user=actor.user, question=question).delete()
            if not deleted:
                return False
            Question.objects.filter(pk=question.pk).update(me_too_count=F("me_too_count") - 1)
        _reacted(actor, question, "me_too", on)
    return True


# --- deflection -------------------------------------------------------------------------------------------------------


def record_deflection(*, ask_token: str, user: Any, kind: str, object_id: int, query: str = "") -> None:
    """A suggestion was opened from the ask form. Counted once per ask session and suggestion."""
    if kind not in {"article", "question"} or not ask_token:
        return
    try:
        with transaction.atomic():
            DeflectionEvent.objects.create(
                ask_token=ask_token[:40], user=user if getattr(user, "is_authenticated", False) else None,
                kind=kind, object_id=object_id, query=(query or "")[:150],
            )
    except IntegrityError:
        pass
