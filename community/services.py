"""Community services: every state change of the Q&A forum goes through a function here.

Each one checks permission → opens a transaction → locks what races → writes with F() counters and
`update_fields` → appends a ledger row → schedules side effects (notifications, cache versions) with
`transaction.on_commit`. Refusals raise `CommunityError` with a translated message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from taggit.models import Tag

from portal.ratelimit import consume
from portal.sanitize import render_markdown

from . import caching, permissions
from .models import (
    Acceptance,
    Answer,
    Comment,
    DeflectionEvent,
    Follow,
    MeToo,
    PostRevision,
    Question,
    Vote,
    VoteEvent,
)
from .notify import post_target, thread_targets
from .validation import FieldError, clean_body, clean_comment, clean_title, parse_tags

DUPLICATE_WINDOW = timedelta(minutes=10)
# action: (per member, per IP, seconds)
RATE_LIMITS = {
    "ask": (5, 15, 600),
    "answer": (10, 30, 600),
    "comment": (20, 60, 600),
    "vote": (60, 180, 60),
    "react": (60, 180, 60),  # follow, "me too", accept
    "edit": (30, 90, 600),
}


class CommunityError(Exception):
    """A refused community action. `field` names the form field at fault, `retry_after` is set (seconds)
    when a rate limit refused it, `status` is the HTTP status a view should answer with."""

    def __init__(self, message: str, *, field: str | None = None, retry_after: int | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.retry_after = retry_after
        self.status = 429 if retry_after else status


class PermissionRefused(CommunityError):
    def __init__(self, message: str):
        super().__init__(message, status=403)


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where (the IP feeds the per-IP rate limits)."""

    user: object
    ip: str = ""


# --- helpers -------------------------------------------------------------------------------------------


def _actor(actor) -> Actor:
    return actor if isinstance(actor, Actor) else Actor(actor)


def throttle(action: str, actor: Actor) -> None:
    per_user, per_ip, period = RATE_LIMITS[action]
    retry = consume(f"community-{action}-user", str(actor.user.pk), limit=per_user, period=period)
    if actor.ip:
        retry = max(retry, consume(f"community-{action}-ip", actor.ip, limit=per_ip, period=period))
    if retry:
        raise CommunityError(
            ngettext("You are doing that too often. Please try again in %(seconds)d second.", "You are doing that too often. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry},
            retry_after=retry,
        )


def _field_error(error: FieldError) -> CommunityError:
    return CommunityError(error.message, field=error.field)


def _new_post_body(actor: Actor, action: str, model, body: str, rule) -> str:
    """The checks every new answer or comment passes after permission: valid text, rate limit, profile,
    and not the same text again within ten minutes."""
    try:
        body = rule(body)
    except FieldError as error:
        raise _field_error(error) from None
    throttle(action, actor)
    _ensure_profile(actor.user)
    _refuse_duplicate(model, actor.user, body)
    return body


def _refuse_duplicate(model, user, body: str) -> None:
    since = timezone.now() - DUPLICATE_WINDOW
    if model.objects.filter(author=user, created_at__gte=since, body=body).exists():
        raise CommunityError(
            _("You posted exactly this less than 10 minutes ago. Please don't post the same text twice."), field="body"
        )


def _resolve_tags(user, names: list[str]) -> list[Tag]:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [name for name in names if name not in existing]
    if missing and not permissions.can_create_tag(user):
        raise CommunityError(
            _("The tag “%(tag)s” does not exist yet, and creating tags needs more reputation. Please pick an existing tag.")
            % {"tag": missing[0]},
            field="tags",
        )
    for name in missing:
        try:
            with transaction.atomic():
                existing[name] = Tag.objects.create(name=name, slug=name)
        except IntegrityError:
            existing[name] = Tag.objects.get(slug=name)
    return [existing[name] for name in names]


def _after_commit(question_id: int | None, event: str | None = None, object_id: int | None = None, actor_id=None):
    # The search document is written in the same transaction as the post (search/indexing.py).
    from search.indexing import index_question

    index_question(question_id)
    # Cached pages are refreshed now and again after the commit: a page rendered from the old rows in
    # between is dropped by the second touch.
    caching.touch(question_id)
    transaction.on_commit(partial(caching.touch, question_id))
    if event:
        from .tasks import fan_out

        transaction.on_commit(partial(fan_out.enqueue, event, object_id, actor_id))


def _lock_question(pk: int) -> Question:
    return Question.objects.select_for_update().get(pk=pk)


def _ensure_profile(user) -> None:
    """Author cards need a profile; members created outside sign-up (admin, shell) get one on first post."""
    from portal.services import get_profile

    get_profile(user)


def _render(body: str) -> str:
    return render_markdown(body)


def _follow(user_id: int, question_id: int) -> bool:
    """Follow inside the current transaction; True when a new follow row was created."""
    try:
        with transaction.atomic():
            Follow.objects.create(user_id=user_id, question_id=question_id)
    except IntegrityError:
        return False
    Question.objects.filter(pk=question_id).update(follower_count=F("follower_count") + 1)
    return True


# --- questions -------------------------------------------------------------------------------------------


def ask_question(
    actor, *, title: str, body: str, tags="", topic=None, language: str = "en", ask_token: str = ""
) -> Question:
    actor = _actor(actor)
    user = actor.user
    if not permissions.can_post(user):
        raise PermissionRefused(_("Please verify your email address before you post."))
    try:
        title, body, tag_names = clean_title(title), clean_body(body), parse_tags(tags)
    except FieldError as error:
        raise _field_error(error) from None
    if language not in {"en", "ja"}:
        raise CommunityError(_("Please choose a language."), field="language")
    throttle("ask", actor)
    _ensure_profile(user)
    _refuse_duplicate(Question, user, body)
    tag_objects = _resolve_tags(user, tag_names)
    now = timezone.now()
    with transaction.atomic():
        question = Question.objects.create(
            author=user, title=title, body=body, body_html=_render(body), topic=topic, language=language,
            created_at=now, last_activity_at=now,
        )
        question.tags.set(tag_objects)
        PostRevision.objects.create(question=question, number=1, editor=user, title=title, body=body, tags=" ".join(tag_names))
        _follow(user.pk, question.pk)
        question.follower_count = 1
        if ask_token:
            DeflectionEvent.objects.filter(ask_token=ask_token[:40]).update(asked=True)
        _after_commit(question.pk, "question", question.pk, user.pk)
    return question


def edit_question(actor, question: Question, *, title: str, body: str, tags="", topic=None, summary: str = "") -> Question:
    actor = _actor(actor)
    user = actor.user
    if not permissions.can_edit(user, question):
        raise PermissionRefused(_("You cannot edit this question."))
    try:
        title, body, tag_names = clean_title(title), clean_body(body), parse_tags(tags)
    except FieldError as error:
        raise _field_error(error) from None
    throttle("edit", actor)
    tag_objects = _resolve_tags(user, tag_names)
    with transaction.atomic():
        question = _lock_question(question.pk)
        current_tags = sorted(question.tags.names())
        if title == question.title and body == question.body and sorted(tag_names) == current_tags and topic == question.topic:
            return question
        question.revision_count = F("revision_count") + 1
        question.title, question.body, question.body_html, question.topic = title, body, _render(body), topic
        question.edited_at = question.last_activity_at = timezone.now()
        question.save(
            update_fields=["title", "body", "body_html", "topic", "edited_at", "last_activity_at", "revision_count"]
        )
        question.refresh_from_db(fields=["revision_count"])
        question.tags.set(tag_objects)
        PostRevision.objects.create(
            question=question, number=question.revision_count, editor=user, title=title, body=body,
            tags=" ".join(tag_names), summary=summary[:200],
        )
        _after_commit(question.pk)
    return question


# --- answers -----------------------------------------------------------------------------------------------


def post_answer(actor, question: Question, *, body: str) -> Answer:
    actor = _actor(actor)
    user = actor.user
    if not permissions.can_post(user):
        raise PermissionRefused(_("Please verify your email address before you post."))
    if not permissions.can_answer(user, question):
        raise PermissionRefused(_("This question no longer accepts answers."))
    body = _new_post_body(actor, "answer", Answer, body, clean_body)
    now = timezone.now()
    with transaction.atomic():
        Question.objects.filter(pk=question.pk).update(answer_count=F("answer_count") + 1, last_activity_at=now)
        answer = Answer.objects.create(question=question, author=user, body=body, body_html=_render(body), created_at=now)
        PostRevision.objects.create(answer=answer, number=1, editor=user, body=body)
        _follow(user.pk, question.pk)
        _after_commit(question.pk, "answer", answer.pk, user.pk)
    return answer


def edit_answer(actor, answer: Answer, *, body: str, summary: str = "") -> Answer:
    actor = _actor(actor)
    user = actor.user
    if not permissions.can_edit(user, answer):
        raise PermissionRefused(_("You cannot edit this answer."))
    try:
        body = clean_body(body)
    except FieldError as error:
        raise _field_error(error) from None
    throttle("edit", actor)
    with transaction.atomic():
        answer = Answer.objects.select_for_update().get(pk=answer.pk)
        if body == answer.body:
            return answer
        now = timezone.now()
        answer.body, answer.body_html, answer.edited_at = body, _render(body), now
        answer.revision_count = F("revision_count") + 1
        answer.save(update_fields=["body", "body_html", "edited_at", "revision_count"])
        answer.refresh_from_db(fields=["revision_count"])
        Question.objects.filter(pk=answer.question_id).update(last_activity_at=now)
        PostRevision.objects.create(answer=answer, number=answer.revision_count, editor=user, body=body, summary=summary[:200])
        _after_commit(answer.question_id)
    return answer


# --- comments ------------------------------------------------------------------------------------------------


def post_comment(actor, post: Question | Answer, *, body: str) -> Comment:
    actor = _actor(actor)
    user = actor.user
    if not permissions.can_post(user):
        raise PermissionRefused(_("Please verify your email address before you post."))
    if not permissions.can_comment(user, post):
        raise PermissionRefused(_("This post no longer accepts comments."))
    body = _new_post_body(actor, "comment", Comment, body, clean_comment)
    is_answer = isinstance(post, Answer)
    question_id = post.question_id if is_answer else post.pk
    now = timezone.now()
    with transaction.atomic():
        comment = Comment.objects.create(
            question_id=question_id, answer=post if is_answer else None, author=user, body=body,
            body_html=_render(body), created_at=now,
        )
        type(post).objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        Question.objects.filter(pk=question_id).update(last_activity_at=now)
        _after_commit(question_id, "comment", comment.pk, user.pk)
    return comment


def delete_comment(actor, comment: Comment) -> Comment:
    user = _actor(actor).user
    if comment.deleted_at is not None and (comment.author_id == user.pk or permissions.is_moderator(user)):
        return comment  # already deleted: a repeated click changes nothing
    if not permissions.can_delete(user, comment):
        raise PermissionRefused(_("You cannot delete this comment."))
    with transaction.atomic():
        updated = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
        if updated:
            target = Answer if comment.answer_id else Question
            target.objects.filter(pk=comment.answer_id or comment.question_id).update(comment_count=F("comment_count") - 1)
            _redact_notifications([post_target("comment", comment.pk)])
        _after_commit(comment.question_id)
    comment.refresh_from_db()
    return comment


# --- votes ------------------------------------------------------------------------------------------------------


def vote(actor, post: Question | Answer, value: int) -> int:
    """Set the member's vote on a post to +1, -1 or 0 (removed). Idempotent: sending the same value twice
    changes nothing, so a double submit never counts twice. Returns the post's new score."""
    actor = _actor(actor)
    user = actor.user
    if value not in (-1, 0, 1):
        raise CommunityError(_("A vote is up, down or removed."))
    if not permissions.can_vote(user, post):
        if getattr(user, "is_authenticated", False) and post.author_id == user.pk:
            raise PermissionRefused(_("You cannot vote on your own post."))
        raise PermissionRefused(_("Please sign in with a verified email address to vote."))
    throttle("vote", actor)
    model = type(post)
    target = {"answer": post} if model is Answer else {"question": post}
    with transaction.atomic():
        locked = model.objects.select_for_update().only("pk", "score").get(pk=post.pk)
        current = Vote.objects.filter(voter=user, **target).first()
        old = current.value if current else 0
        if old == value:
            return locked.score
        if current is None:
            Vote.objects.create(voter=user, value=value, **target)
        else:
            Vote.objects.filter(pk=current.pk).update(value=value, updated_at=timezone.now())
        VoteEvent.objects.create(voter=user, from_value=old, to_value=value, **target)
        model.objects.filter(pk=post.pk).update(score=F("score") + (value - old))
        question_id = post.question_id if model is Answer else post.pk
        _after_commit(question_id)
    return locked.score + (value - old)


# --- accept -------------------------------------------------------------------------------------------------------


def accept_answer(actor, answer: Answer) -> Question:
    actor = _actor(actor)
    user = actor.user
    with transaction.atomic():
        question = _lock_question(answer.question_id)
        answer = Answer.objects.get(pk=answer.pk)
        if not permissions.can_accept(user, question):
            raise PermissionRefused(_("Only the person who asked (or a moderator) can accept an answer."))
        if answer.deleted_at is not None:
            raise CommunityError(_("A deleted answer cannot be accepted."))
        throttle("react", actor)
        if question.accepted_answer_id == answer.pk:
            return question
        question.accepted_answer = answer
        question.last_activity_at = timezone.now()
        question.save(update_fields=["accepted_answer", "last_activity_at"])
        Acceptance.objects.create(question=question, answer=answer, actor=user, accepted=True)
        _after_commit(question.pk, "accept", answer.pk, user.pk)
    return question


def unaccept_answer(actor, question: Question) -> Question:
    actor = _actor(actor)
    user = actor.user
    with transaction.atomic():
        question = _lock_question(question.pk)
        if not permissions.can_accept(user, question):
            raise PermissionRefused(_("Only the person who asked (or a moderator) can unaccept an answer."))
        throttle("react", actor)
        if question.accepted_answer_id is None:
            return question
        Acceptance.objects.create(question=question, answer_id=question.accepted_answer_id, actor=user, accepted=False)
        question.accepted_answer = None
        question.save(update_fields=["accepted_answer"])
        _after_commit(question.pk)
    return question


def _redact_notifications(targets: list[str], *, restore: bool = False) -> None:
    """Deleted posts leave the notification list (and unsent emails and digests); restored ones come back."""
    from portal.notifications import redact

    redact(targets, restore=restore)


# --- delete / restore ---------------------------------------------------------------------------------------------


def delete_post(actor, post: Question | Answer, *, reason: str = ""):
    user = _actor(actor).user
    if not permissions.can_delete(user, post):
        raise PermissionRefused(_("You cannot delete this post."))
    now = timezone.now()
    with transaction.atomic():
        if isinstance(post, Answer):
            question = _lock_question(post.question_id)
            if not Answer.objects.filter(pk=post.pk, deleted_at__isnull=True).update(deleted_at=now, deleted_by=user):
                return post
            Question.objects.filter(pk=question.pk).update(answer_count=F("answer_count") - 1)
            if question.accepted_answer_id == post.pk:
                Acceptance.objects.create(question=question, answer=post, actor=user, accepted=False)
                Question.objects.filter(pk=question.pk).update(accepted_answer=None)
            _redact_notifications(thread_targets(answer_id=post.pk))
            _after_commit(question.pk)
        else:
            if Question.objects.filter(pk=post.pk, deleted_at__isnull=True).update(deleted_at=now, deleted_by=user):
                _redact_notifications(thread_targets(question_id=post.pk))
            _after_commit(post.pk)
    post.refresh_from_db()
    return post


def restore_post(actor, post: Question | Answer, *, reason: str = ""):
    user = _actor(actor).user
    if not permissions.can_restore(user, post):
        raise PermissionRefused(_("Only moderators can restore deleted posts."))
    with transaction.atomic():
        if isinstance(post, Answer):
            question = _lock_question(post.question_id)
            if Answer.objects.filter(pk=post.pk, deleted_at__isnull=False).update(deleted_at=None, deleted_by=None):
                Question.objects.filter(pk=post.question_id).update(answer_count=F("answer_count") + 1)
                if question.deleted_at is None:
                    _redact_notifications(thread_targets(answer_id=post.pk), restore=True)
            _after_commit(post.question_id)
        else:
            if Question.objects.filter(pk=post.pk, deleted_at__isnull=False).update(deleted_at=None, deleted_by=None):
                _redact_notifications(thread_targets(question_id=post.pk), restore=True)
            _after_commit(post.pk)
    post.refresh_from_db()
    return post


# --- follow / me too -------------------------------------------------------------------------------------------------


def follow_question(actor, question: Question) -> bool:
    actor = _actor(actor)
    if not permissions.can_follow(actor.user, question):
        raise PermissionRefused(_("Please sign in to follow questions."))
    throttle("react", actor)
    with transaction.atomic():
        _lock_question(question.pk)  # lock order: question row first, then follow/me-too rows (no deadlock)
        created = _follow(actor.user.pk, question.pk)
        _after_commit(question.pk)
    return created


def unfollow_question(actor, question: Question) -> bool:
    actor = _actor(actor)
    if not getattr(actor.user, "is_authenticated", False):
        raise PermissionRefused(_("Please sign in to follow questions."))
    throttle("react", actor)
    with transaction.atomic():
        _lock_question(question.pk)
        deleted, _rows = Follow.objects.filter(user=actor.user, question=question).delete()
        if deleted:
            Question.objects.filter(pk=question.pk).update(follower_count=F("follower_count") - 1)
        _after_commit(question.pk)
    return bool(deleted)


def set_me_too(actor, question: Question, on: bool = True) -> bool:
    """"I have this problem too": counts once per member and follows the question."""
    actor = _actor(actor)
    if not permissions.can_me_too(actor.user, question):
        if getattr(actor.user, "is_authenticated", False) and question.author_id == actor.user.pk:
            raise PermissionRefused(_("This is your own question."))
        raise PermissionRefused(_("Please sign in with a verified email address first."))
    throttle("react", actor)
    with transaction.atomic():
        _lock_question(question.pk)
        if on:
            try:
                with transaction.atomic():
                    MeToo.objects.create(user=actor.user, question=question)
            except IntegrityError:
                return False
            Question.objects.filter(pk=question.pk).update(me_too_count=F("me_too_count") + 1)
            _follow(actor.user.pk, question.pk)
        else:
            deleted, _rows = MeToo.objects.filter(user=actor.user, question=question).delete()
            if not deleted:
                return False
            Question.objects.filter(pk=question.pk).update(me_too_count=F("me_too_count") - 1)
        _after_commit(question.pk)
    return True


# --- deflection -------------------------------------------------------------------------------------------------------


def record_deflection(*, ask_token: str, user, kind: str, object_id: int, query: str = "") -> None:
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
