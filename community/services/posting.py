"""Asking, answering, commenting and editing."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..events import AnswerPosted, CommentAdded, PostEdited, QuestionAsked
from ..models import Answer, Comment, DeflectionEvent, PostRevision, Question
from ..screening import Draft, Verdict, screen
from ..standing import refusal
from ..status import PostStatus
from ..validation import FieldError, clean_body, clean_comment, clean_title, parse_tags
from .base import (
    Actor,
    CommunityError,
    PermissionRefused,
    as_actor,
    ensure_profile,
    field_error,
    follow,
    lock_question,
    member_lock,
    publish,
    refuse_closed,
    refuse_duplicate,
    render,
    resolve_tags,
    throttle,
)


def _new_post_body(actor: Actor, action: str, body: str, rule) -> str:
    """The checks every new answer or comment passes after permission: valid text, rate limit, profile (the
    same text again within ten minutes is refused inside the writing transaction: `refuse_duplicate`)."""
    try:
        body = rule(body)
    except FieldError as error:
        raise field_error(error) from None
    throttle(action, actor)
    ensure_profile(actor.user)
    return body


def _screen(draft: Draft) -> Verdict:
    """The pre-publish rules' verdict (see `community.screening`): a rejection refuses the post here."""
    verdict = screen(draft)
    if verdict.rejected:
        raise CommunityError(verdict.message or _("This post cannot be published."), field="body")
    return verdict


def _held(verdict: Verdict) -> dict:
    """The new post's status fields and the creation event's hold details."""
    if verdict.held:
        message = verdict.message or _("Your post will appear once a moderator has looked at it.")
        return {"status": PostStatus.PENDING, "status_reason": message[:500]}
    return {"status": PostStatus.PUBLISHED}


def _event_hold(verdict: Verdict) -> dict:
    return {"held_by": verdict.reasons or ("held",), "hold_message": verdict.message} if verdict.held else {}


def _refuse_unverified(user: Any) -> None:
    if not permissions.can_post(user):
        raise PermissionRefused(refusal(user, "post") or _("Please verify your email address before you post."))


def _staff_edit(user: Any, post: Question | Answer) -> bool:
    return post.author_id != user.pk


def ask_question(
    actor: Actor | Any, *, title: str, body: str, tags: str | list[str] = "", topic: Any = None, language: str = "en",
    ask_token: str = "",
) -> Question:
    actor = as_actor(actor)
    user = actor.user
    _refuse_unverified(user)
    try:
        title, body, tag_names = clean_title(title), clean_body(body), parse_tags(tags)
    except FieldError as error:
        raise field_error(error) from None
    if language not in {"en", "ja"}:
        raise CommunityError(_("Please choose a language."), field="language")
    throttle("ask", actor)
    ensure_profile(user)
    verdict = _screen(Draft("question", user, body, title=title, language=language, topic_id=getattr(topic, "pk", None)))
    tag_objects = resolve_tags(user, tag_names)
    now = timezone.now()
    with transaction.atomic():
        refuse_duplicate(Question, user, body, lock=member_lock(user))
        question = Question.objects.create(
            author=user, title=title, body=body, body_html=render(body), topic=topic, language=language,
            created_at=now, last_activity_at=now, **_held(verdict),
        )
        question.tags.set(tag_objects)
        PostRevision.objects.create(question=question, number=1, editor=user, title=title, body=body, tags=" ".join(tag_names))
        follow(user.pk, question.pk)
        question.follower_count = 1
        if ask_token:
            DeflectionEvent.objects.filter(ask_token=ask_token[:40]).update(asked=True)
        publish(QuestionAsked(
            post=question.ref, question_id=question.pk, actor_id=user.pk, author_id=user.pk, **_event_hold(verdict)
        ))
    return question


def _edit_refusal(user: Any, privilege: str, fallback: str) -> str:
    if missing := permissions.missing_reputation(user, privilege):
        return _("Editing other members' posts needs %(threshold)s reputation; you have %(reputation)s.") % {
            "threshold": missing[0], "reputation": missing[1]}
    return fallback


def retag_question(actor: Actor | Any, question: Question, *, tags: str | list[str], summary: str = "") -> Question:
    """Change only the tags of a question ("retag" privilege, or whoever may edit it): an edit that keeps the
    title, body and topic, with its own revision."""
    return edit_question(actor, question, title=question.title, body=question.body, tags=tags, topic=question.topic,
                         summary=summary)


def edit_question(
    actor: Actor | Any, question: Question, *, title: str, body: str, tags: str | list[str] = "", topic: Any = None,
    summary: str = "",
) -> Question:
    actor = as_actor(actor)
    user = actor.user
    retag_only = False
    if not permissions.can_edit(user, question):
        if not permissions.can_retag(user, question):
            raise PermissionRefused(refusal(user, "edit") or _edit_refusal(user, "edit_others", _("You cannot edit this question.")))
        retag_only = True  # "retag": the title, body and topic stay as they are
        if title != question.title or body != question.body or (topic is not None and topic != question.topic):
            raise PermissionRefused(_("You may change only the tags of this question."))
        topic = question.topic
    try:
        title, body, tag_names = clean_title(title), clean_body(body), parse_tags(tags)
    except FieldError as error:
        raise field_error(error) from None
    if retag_only and not tag_names:
        raise CommunityError(_("Give the question at least one tag."), field="tags")
    throttle("edit", actor)
    if not _staff_edit(user, question):  # an author's edit passes the rules that reject (held posts stay as they are)
        _screen(Draft("question", user, body, title=title, language=question.language, topic_id=getattr(topic, "pk", None)))
    tag_objects = resolve_tags(user, tag_names)
    with transaction.atomic():
        question = lock_question(question.pk)
        current_tags = sorted(question.tags.names())
        if title == question.title and body == question.body and sorted(tag_names) == current_tags and topic == question.topic:
            return question
        before = {"title": question.title, "body": question.body, "tags": " ".join(current_tags),
                  "topic": question.topic_id}
        question.revision_count = F("revision_count") + 1
        question.title, question.body, question.body_html, question.topic = title, body, render(body), topic
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
        publish(PostEdited(
            post=question.ref, question_id=question.pk, actor_id=user.pk, author_id=question.author_id,
            revision=question.revision_count, by_staff=_staff_edit(user, question),
            before=before, after={"title": title, "body": body, "tags": " ".join(sorted(tag_names)), "topic": question.topic_id},
            summary=summary[:200],
        ))
    return question


def post_answer(actor: Actor | Any, question: Question, *, body: str) -> Answer:
    actor = as_actor(actor)
    user = actor.user
    _refuse_unverified(user)
    refuse_closed(user, question)
    if not permissions.can_answer(user, question):
        raise PermissionRefused(_("This question no longer accepts answers."))
    body = _new_post_body(actor, "answer", body, clean_body)
    verdict = _screen(Draft("answer", user, body, language=question.language, topic_id=question.topic_id, question_id=question.pk))
    now = timezone.now()
    with transaction.atomic():
        refuse_duplicate(Answer, user, body, lock=Question.objects.filter(pk=question.pk))
        answer = Answer.objects.create(
            question=question, author=user, body=body, body_html=render(body), created_at=now, **_held(verdict)
        )
        if verdict.held:  # counted and announced once approved
            Question.objects.filter(pk=question.pk).update(last_activity_at=now)
        else:
            Question.objects.filter(pk=question.pk).update(answer_count=F("answer_count") + 1, last_activity_at=now)
        PostRevision.objects.create(answer=answer, number=1, editor=user, body=body)
        follow(user.pk, question.pk)
        publish(AnswerPosted(
            post=answer.ref, question_id=question.pk, actor_id=user.pk, author_id=user.pk, **_event_hold(verdict)
        ))
    return answer


def edit_answer(actor: Actor | Any, answer: Answer, *, body: str, summary: str = "") -> Answer:
    actor = as_actor(actor)
    user = actor.user
    if not permissions.can_edit(user, answer):
        raise PermissionRefused(refusal(user, "edit") or _edit_refusal(user, "edit_others", _("You cannot edit this answer.")))
    try:
        body = clean_body(body)
    except FieldError as error:
        raise field_error(error) from None
    throttle("edit", actor)
    if not _staff_edit(user, answer):
        _screen(Draft("answer", user, body, language=answer.question.language, question_id=answer.question_id))
    with transaction.atomic():
        answer = Answer.objects.select_for_update().get(pk=answer.pk)
        if body == answer.body:
            return answer
        before = answer.body
        now = timezone.now()
        answer.body, answer.body_html, answer.edited_at = body, render(body), now
        answer.revision_count = F("revision_count") + 1
        answer.save(update_fields=["body", "body_html", "edited_at", "revision_count"])
        answer.refresh_from_db(fields=["revision_count"])
        Question.objects.filter(pk=answer.question_id).update(last_activity_at=now)
        PostRevision.objects.create(answer=answer, number=answer.revision_count, editor=user, body=body, summary=summary[:200])
        publish(PostEdited(
            post=answer.ref, question_id=answer.question_id, actor_id=user.pk, author_id=answer.author_id,
            revision=answer.revision_count, by_staff=_staff_edit(user, answer),
            before={"body": before}, after={"body": body}, summary=summary[:200],
        ))
    return answer


def post_comment(actor: Actor | Any, post: Question | Answer, *, body: str) -> Comment:
    actor = as_actor(actor)
    user = actor.user
    _refuse_unverified(user)
    refuse_closed(user, post)
    if not permissions.can_comment(user, post):
        if barred := refusal(user, "comment"):
            raise PermissionRefused(barred)
        if missing := permissions.missing_reputation(user, "comment_everywhere"):
            if permissions.is_live(post) and not permissions.closed_for(user, post):
                raise PermissionRefused(_(
                    "Commenting on other members' posts needs %(threshold)s reputation; you have %(reputation)s. "
                    "You can always comment on your own posts and on answers to your questions."
                ) % {"threshold": missing[0], "reputation": missing[1]})
        raise PermissionRefused(_("This post no longer accepts comments."))
    body = _new_post_body(actor, "comment", body, clean_comment)
    is_answer = isinstance(post, Answer)
    question_id = post.question_id if is_answer else post.pk
    question = post.question if is_answer else post
    verdict = _screen(Draft("comment", user, body, language=question.language, topic_id=question.topic_id, question_id=question_id))
    now = timezone.now()
    with transaction.atomic():
        refuse_duplicate(Comment, user, body, lock=Question.objects.filter(pk=question_id))  # question, then post
        comment = Comment.objects.create(
            question_id=question_id, answer=post if is_answer else None, author=user, body=body,
            body_html=render(body), created_at=now, **_held(verdict),
        )
        if not verdict.held:
            type(post).objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        Question.objects.filter(pk=question_id).update(last_activity_at=now)
        publish(CommentAdded(
            post=comment.ref, question_id=question_id, actor_id=user.pk, author_id=user.pk, **_event_hold(verdict)
        ))
    return comment


def post_support_answer(user: Any, question: Question, *, body: str) -> Answer:
    """A support agent's public reply on the thread: an answer marked `is_support_reply` ("Support team").
    Staff work under their role, not a member's standing: no screening rules, no member rate limits (the
    case service limits agents). Counted, followed and announced (`AnswerPosted`) like `post_answer`, so
    the asker and followers are notified. The permission is checked by name so community never imports
    moderation."""
    if not (
        getattr(user, "is_authenticated", False) and user.is_active and permissions.staff_two_factor_ok(user)
        and (user.is_superuser or user.has_perm("moderation.work_cases"))
    ):
        raise PermissionRefused(_("Only the support team can post support answers."))
    try:
        body = clean_body(body)
    except FieldError as error:
        raise field_error(error) from None
    ensure_profile(user)
    now = timezone.now()
    with transaction.atomic():
        question = lock_question(question.pk)
        if question.status == PostStatus.DELETED or question.merged_into_id is not None:
            raise CommunityError(_("This question was deleted or merged: the reply cannot be posted on it."))
        answer = Answer.objects.create(
            question=question, author=user, body=body, body_html=render(body), created_at=now,
            status=PostStatus.PUBLISHED, is_support_reply=True,
        )
        Question.objects.filter(pk=question.pk).update(answer_count=F("answer_count") + 1, last_activity_at=now)
        PostRevision.objects.create(answer=answer, number=1, editor=user, body=body)
        follow(user.pk, question.pk)
        publish(AnswerPosted(post=answer.ref, question_id=question.pk, actor_id=user.pk, author_id=user.pk))
    return answer
