"""Accepting answers and the post's state: delete, restore, hide, unhide, approve.

A state change locks the question (lock order: question first, then its answers and comments), moves
the post's `status` only from the states the action applies to (a repeated click changes nothing), keeps
the public counters right (answer_count and comment_count count published posts), unaccepts an accepted
answer that leaves the public, and publishes one event (`PostDeleted`, `PostRestored`, `PostHidden`,
`PostPublished`) whose handlers redact notifications, refresh search and caches and write the audit entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..events import (
    AnswerAccepted,
    AnswerUnaccepted,
    PostDeleted,
    PostHidden,
    PostPublished,
    PostRestored,
    PostStatusChanged,
)
from ..models import Acceptance, Answer, Comment, Question
from ..silence import silence_of
from ..standing import accept_silent_days, refusal
from ..status import PostStatus
from .base import (
    Actor,
    CommunityError,
    PermissionRefused,
    as_actor,
    clean_reason,
    lock_question,
    publish,
    refuse_closed,
    throttle,
)

Post = Question | Answer | Comment
PUBLISHED, PENDING, HIDDEN, DELETED = PostStatus.PUBLISHED, PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.DELETED


# --- accept ---------------------------------------------------------------------------------------------------


def _accept_refusal(user: Any, question: Question) -> str | None:
    """A superuser too early: say when they may accept for the asker."""
    if permissions.has_privilege(user, "accept_silent") and question.author_id != getattr(user, "pk", None):
        return _("Superusers may accept an answer for the asker once the asker has been silent for %(days)s days.") % {
            "days": accept_silent_days()}
    return None


def accept_answer(actor: Actor | Any, answer: Answer) -> Question:
    actor = as_actor(actor)
    user = actor.user
    with transaction.atomic():
        question = lock_question(answer.question_id)
        answer = Answer.objects.get(pk=answer.pk)
        answer.question = question
        refuse_closed(user, question)
        if not permissions.can_accept(user, question, asker_silent=silence_of(question)):
            raise PermissionRefused(refusal(user, "post") or _accept_refusal(user, question) or _(
                "Only the person who asked (or a moderator) can accept an answer."))
        if answer.status == DELETED:
            raise CommunityError(_("A deleted answer cannot be accepted."))
        if not permissions.is_live(answer):
            raise CommunityError(_("Only a published answer can be accepted."))
        throttle("react", actor)
        if question.accepted_answer_id == answer.pk:
            return question
        previous = question.accepted_answer_id
        question.accepted_answer = answer
        question.last_activity_at = timezone.now()
        question.save(update_fields=["accepted_answer", "last_activity_at"])
        Acceptance.objects.create(question=question, answer=answer, actor=user, accepted=True)
        publish(AnswerAccepted(
            post=answer.ref, question_id=question.pk, actor_id=user.pk, author_id=answer.author_id,
            on_behalf=question.author_id != user.pk, previous_answer_id=previous,
        ))
    return question


def unaccept_answer(actor: Actor | Any, question: Question) -> Question:
    actor = as_actor(actor)
    user = actor.user
    with transaction.atomic():
        question = lock_question(question.pk)
        refuse_closed(user, question)
        if not permissions.can_accept(user, question, asker_silent=silence_of(question)):
            raise PermissionRefused(refusal(user, "post") or _accept_refusal(user, question) or _(
                "Only the person who asked (or a moderator) can unaccept an answer."))
        throttle("react", actor)
        if question.accepted_answer_id is None:
            return question
        _unaccept(question, user, on_behalf=question.author_id != user.pk)
    return question


def _unaccept(question: Question, user: Any, *, on_behalf: bool) -> None:  # user None: the system
    answer_id = question.accepted_answer_id
    author_id = Answer.objects.filter(pk=answer_id).values_list("author_id", flat=True).first()
    Acceptance.objects.create(question=question, answer_id=answer_id, actor=user, accepted=False)
    question.accepted_answer = None
    Question.objects.filter(pk=question.pk).update(accepted_answer=None)
    publish(AnswerUnaccepted(
        post=Answer(pk=answer_id).ref, question_id=question.pk, actor_id=getattr(user, "pk", None), author_id=author_id,
        on_behalf=on_behalf,
    ))


# --- the post's state -----------------------------------------------------------------------------------------


def _counter_target(post: Post) -> tuple[type, int, str] | None:
    """The public counter a post counts in: (model, pk, field)."""
    if isinstance(post, Answer):
        return Question, post.question_id, "answer_count"
    if isinstance(post, Comment):
        return (Answer, post.answer_id, "comment_count") if post.answer_id else (Question, post.question_id, "comment_count")
    return None


def _transition(
    user: Any, post: Post, *, to: str, allowed_from: tuple[str, ...], event: type[PostStatusChanged], reason: str = "",
) -> Post:
    """Move `post` to status `to` if it is in one of `allowed_from` (else nothing happens)."""
    model = type(post)
    question_id = post.pk if model is Question else post.question_id
    with transaction.atomic():
        question = lock_question(question_id)
        locked = question if model is Question else model.objects.select_for_update().get(pk=post.pk)
        before = locked.status
        if before not in allowed_from:
            post.refresh_from_db()
            return post
        # the reason its author reads on a pending or hidden post (cleared when it is published again)
        changes: dict[str, Any] = {"status": to, "status_reason": "" if to == PUBLISHED else reason[:500]}
        if to == DELETED:
            changes.update(deleted_at=timezone.now())
            if model is not Comment:
                changes["deleted_by"] = user
        elif before == DELETED:
            changes["deleted_at"] = None  # `deleted_by` keeps who deleted it last; the audit log has the rest
        model.objects.filter(pk=post.pk).update(**changes)
        counted = _counter_target(locked)
        if counted and (before == PUBLISHED) != (to == PUBLISHED):
            counter_model, counter_pk, counter_field = counted
            step = 1 if to == PUBLISHED else -1
            counter_model.objects.filter(pk=counter_pk).update(**{counter_field: F(counter_field) + step})
        actor_id = user.pk if user is not None else None
        if model is Answer and to != PUBLISHED and question.accepted_answer_id == post.pk:
            _unaccept(question, user, on_behalf=question.author_id != actor_id)
        publish(event(
            post=post.ref, question_id=question_id, actor_id=actor_id, author_id=locked.author_id,
            from_status=before, to_status=to, reason=reason, by_staff=locked.author_id != actor_id,
        ))
    post.refresh_from_db()
    return post


def delete_post(actor: Actor | Any, post: Post, *, reason: str = "") -> Post:
    """Soft-delete: authors their own posts, moderators any post. Only moderators see it afterwards."""
    user = as_actor(actor).user
    reason = clean_reason(reason)
    if not permissions.can_delete(user, post):
        raise PermissionRefused(_("You cannot delete this post."))
    return _transition(user, post, to=DELETED, allowed_from=(PUBLISHED, PENDING, HIDDEN), event=PostDeleted, reason=reason)


def delete_comment(actor: Actor | Any, comment: Comment, *, reason: str = "") -> Comment:
    user = as_actor(actor).user
    reason = clean_reason(reason)
    if comment.status == DELETED and (comment.author_id == user.pk or permissions.is_moderator(user)):
        return comment  # already deleted: a repeated click changes nothing
    if not permissions.can_delete(user, comment):
        raise PermissionRefused(_("You cannot delete this comment."))
    return _transition(user, comment, to=DELETED, allowed_from=(PUBLISHED, PENDING, HIDDEN), event=PostDeleted, reason=reason)


def _staff_transition(
    actor: Actor | Any, post: Post, reason: str, *, allowed: Callable[[Any, Post], bool], refusal: str, to: str,
    allowed_from: tuple[str, ...], event: type[PostStatusChanged],
) -> Post:
    """A moderator's state change: clean reason, permission, rate limit, then the transition."""
    actor = as_actor(actor)
    reason = clean_reason(reason)
    if not allowed(actor.user, post):
        raise PermissionRefused(refusal)
    throttle("moderate", actor)
    return _transition(actor.user, post, to=to, allowed_from=allowed_from, event=event, reason=reason)


def restore_post(actor: Actor | Any, post: Post, *, reason: str = "") -> Post:
    """Moderators bring a deleted post back, published."""
    return _staff_transition(
        actor, post, reason, allowed=permissions.can_restore, refusal=_("Only moderators can restore deleted posts."),
        to=PUBLISHED, allowed_from=(DELETED,), event=PostRestored,
    )


def hide_post(actor: Actor | Any, post: Post, *, reason: str = "") -> Post:
    """Moderators take a post out of public view; its author still sees it, marked as hidden."""
    return _staff_transition(
        actor, post, reason, allowed=permissions.can_moderate, refusal=_("Only moderators can hide posts."),
        to=HIDDEN, allowed_from=(PUBLISHED, PENDING), event=PostHidden,
    )


def unhide_post(actor: Actor | Any, post: Post, *, reason: str = "") -> Post:
    return _staff_transition(
        actor, post, reason, allowed=permissions.can_moderate, refusal=_("Only moderators can show hidden posts again."),
        to=PUBLISHED, allowed_from=(HIDDEN,), event=PostPublished,
    )


def approve_post(actor: Actor | Any, post: Post, *, reason: str = "") -> Post:
    """Publish a post held for review (pre-publish rules put posts in `pending`)."""
    return _staff_transition(
        actor, post, reason, allowed=permissions.can_moderate, refusal=_("Only moderators can approve posts."),
        to=PUBLISHED, allowed_from=(PENDING,), event=PostPublished,
    )


def hide_for_review(post: Post, *, reason: str) -> Post:
    """The system hides a published post pending a moderator's review (members' flags passed the threshold).
    No permission check: the caller (moderation's flag service) decided; the actor is the system."""
    return _transition(None, post, to=HIDDEN, allowed_from=(PUBLISHED,), event=PostHidden, reason=clean_reason(reason))


def accept_on_behalf_by_system(answer: Answer) -> bool:
    """The system accepts `answer` for a silent asker (support cases: a support reply solved the question
    and the asker did not respond to the request to accept it). No permission check: the caller decided;
    the actor is the system. Never replaces an accepted answer; only a published answer in a live, unmerged
    thread. Returns True when it accepted the answer now."""
    with transaction.atomic():
        question = lock_question(answer.question_id)
        answer = Answer.objects.get(pk=answer.pk)
        answer.question = question
        if question.accepted_answer_id is not None or question.merged_into_id is not None or not permissions.is_live(answer):
            return False
        question.accepted_answer = answer
        question.last_activity_at = timezone.now()
        question.save(update_fields=["accepted_answer", "last_activity_at"])
        Acceptance.objects.create(question=question, answer=answer, actor=None, accepted=True)
        publish(AnswerAccepted(
            post=answer.ref, question_id=question.pk, actor_id=None, author_id=answer.author_id, on_behalf=True,
            previous_answer_id=None,
        ))
    return True
