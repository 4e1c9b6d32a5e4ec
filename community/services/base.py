"""What every community service shares: the refusal errors, the actor, rate limits and small helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from taggit.models import Tag

from portal.events import publish
from portal.models import Profile
from portal.ratelimit import consume_in_order
from portal.sanitize import render_markdown
from portal.services import get_profile

from .. import permissions
from ..models import Follow, Question
from ..status import PostStatus
from ..validation import FieldError

DUPLICATE_WINDOW = timedelta(minutes=10)
# action: (per member, per IP, seconds)
RATE_LIMITS = {
    "ask": (5, 15, 600),
    "answer": (10, 30, 600),
    "comment": (20, 60, 600),
    "vote": (60, 180, 60),
    "react": (60, 180, 60),  # follow, "me too", accept
    "edit": (30, 90, 600),
    "moderate": (120, 360, 600),  # hide, unhide, approve, restore (moderators)
}
REASON_MAX = 500

__all__ = ["publish"]


class CommunityError(Exception):
    """A refused community action. `field` names the form field at fault, `retry_after` is set (seconds)
    when a rate limit refused it, `status` is the HTTP status a view should answer with."""

    def __init__(self, message: str, *, field: str | None = None, retry_after: int | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.retry_after = retry_after
        self.status = 429 if retry_after else status


class DuplicatePost(CommunityError):
    """The same text from the same member again within ten minutes. `existing` is the post already written:
    a double-clicked button's second request can take the member to it instead of an error."""

    def __init__(self, message: str, *, existing: Any):
        super().__init__(message, field="body")
        self.existing = existing


class PermissionRefused(CommunityError):
    def __init__(self, message: str):
        super().__init__(message, status=403)


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where (the IP feeds the per-IP rate limits)."""

    user: Any
    ip: str = ""


def as_actor(actor: Actor | Any) -> Actor:
    return actor if isinstance(actor, Actor) else Actor(actor)


_relaxed: ContextVar[bool] = ContextVar("community_limits_relaxed", default=False)


@contextmanager
def relaxed_limits() -> Iterator[None]:
    """Switch off the rate limits and the duplicate-text check inside the block (loading demo content,
    which posts as many members from one process). Never used by a request."""
    token = _relaxed.set(True)
    try:
        yield
    finally:
        _relaxed.reset(token)


def throttle(action: str, actor: Actor) -> None:
    if _relaxed.get():
        return
    per_user, per_ip, period = RATE_LIMITS[action]
    retry = consume_in_order(
        (f"community-{action}-user", str(actor.user.pk), per_user, period),
        (f"community-{action}-ip", actor.ip, per_ip, period),
    )
    if retry:
        raise CommunityError(
            ngettext("You are doing that too often. Please try again in %(seconds)d second.", "You are doing that too often. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry},
            retry_after=retry,
        )


def refuse_closed(user: Any, post: Any) -> None:
    """A member acting on a locked (or merged) question is told so (moderators may still act)."""
    if permissions.closed_for(user, post):
        question = post.question if getattr(post, "question_id", None) is not None else post
        if question.merged_into_id is not None:
            raise PermissionRefused(_("This question was merged into another one: please continue there."))
        raise PermissionRefused(_("This question is locked: it accepts no new answers, comments or votes."))


def field_error(error: FieldError) -> CommunityError:
    return CommunityError(error.message, field=error.field)


def clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise CommunityError(
            _("Please keep the reason under %(max)d characters (it has %(count)d).") % {"max": REASON_MAX, "count": len(reason)},
            field="reason",
        )
    return reason


def refuse_duplicate(model: type, user: Any, body: str, *, lock: QuerySet | None = None) -> None:
    """Refuse the member's same text again within ten minutes (a post they deleted since does not count).
    Called inside the transaction that writes the post, with `lock` the row to lock first: the thread's
    question for an answer or a comment (the services lock a question before its answers, and votes and
    acceptances lock the post before the author's profile: the same order, no deadlock); the member's
    profile for a new question (no other row exists yet). Two requests sent at once (a double click) then run one after the other and the second sees
    the first's post: no twins."""
    if _relaxed.get():
        return
    if lock is not None:
        list(lock.select_for_update().values_list("pk", flat=True))
    since = timezone.now() - DUPLICATE_WINDOW
    existing = (
        model.objects.filter(author=user, created_at__gte=since, body=body)
        .exclude(status=PostStatus.DELETED).order_by("-pk").first()
    )
    if existing is not None:
        raise DuplicatePost(
            _("You posted exactly this less than 10 minutes ago. Please don't post the same text twice."), existing=existing
        )


def member_lock(user: Any) -> QuerySet:
    """The member's profile row: what a new question's transaction locks (`refuse_duplicate`)."""
    return Profile.objects.filter(user_id=user.pk)


def resolve_tags(user: Any, names: list[str]) -> list[Tag]:
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


def lock_question(pk: int) -> Question:
    return Question.objects.select_for_update().get(pk=pk)


def ensure_profile(user: Any) -> None:
    """Author cards need a profile; members created outside sign-up (admin, shell) get one on first post."""
    get_profile(user)


def render(body: str) -> str:
    return render_markdown(body)


def follow(user_id: int, question_id: int) -> bool:
    """Follow inside the current transaction; True when a new follow row was created."""
    try:
        with transaction.atomic():
            Follow.objects.create(user_id=user_id, question_id=question_id)
    except IntegrityError:
        return False
    Question.objects.filter(pk=question_id).update(follower_count=F("follower_count") + 1)
    return True
