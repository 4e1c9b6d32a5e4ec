"""Query helpers for the community models: who may see which post, and the data a page needs.

The one visibility rule (ARCHITECTURE 3a) lives here and in `permissions.can_view` (its per-object twin):
a published post is seen by everyone; a pending or hidden one by its author (the page marks it) and by
moderators; a deleted one by moderators only. An answer or comment is seen only when the question it
belongs to is seen too (and a comment on an answer only when that answer is). Nothing else re-derives it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .permissions import is_moderator as _is_moderator
from .status import PostStatus

PUBLISHED = PostStatus.PUBLISHED
OWN_UNPUBLISHED = PostStatus.unpublished_seen_by_author()  # what an author still sees of their own posts


def post_visible_q(user: AbstractBaseUser | AnonymousUser | None, prefix: str = "") -> Q:
    """The visibility rule for one post (fields under `prefix`, e.g. "question__"), for a non-moderator."""
    published = Q(**{f"{prefix}status": PUBLISHED})
    if getattr(user, "is_authenticated", False):
        return published | Q(**{f"{prefix}author_id": user.pk, f"{prefix}status__in": OWN_UNPUBLISHED})
    return published


class PostQuerySet(models.QuerySet):
    thread_prefixes: tuple[str, ...] = ()  # the posts this one is shown under (question, answer)

    def alive(self) -> PostQuerySet:
        """Published posts in published threads: what everyone sees, and what public counts count."""
        rule = Q(status=PUBLISHED)
        for prefix in self.thread_prefixes:
            rule &= self._parent_rule(prefix, Q(**{f"{prefix}status": PUBLISHED}))
        return self.filter(rule)

    published = alive

    def visible_to(self, user: Any) -> PostQuerySet:
        if _is_moderator(user):
            return self
        rule = post_visible_q(user)
        for prefix in self.thread_prefixes:
            rule &= self._parent_rule(prefix, post_visible_q(user, prefix))
        return self.filter(rule)

    def listed_for(self, user: Any) -> PostQuerySet:
        """What lists show (question lists, tag pages): published posts, and every post to moderators
        (marked). An author finds their own pending or hidden posts on their profile and at their address,
        not in lists: a list then stays one index range scan for every member."""
        return self if _is_moderator(user) else self.alive()

    @staticmethod
    def _parent_rule(prefix: str, rule: Q) -> Q:
        if prefix == "answer__":  # a comment on the question itself has no answer
            return Q(answer__isnull=True) | rule
        return rule


class QuestionQuerySet(PostQuerySet):
    def for_listing(self) -> QuestionQuerySet:
        return self.select_related("author__profile", "topic").defer("body", "body_html")

    def unanswered(self) -> QuestionQuerySet:
        return self.filter(answer_count=0)

    def solved(self) -> QuestionQuerySet:
        return self.filter(accepted_answer__isnull=False)

    def unsolved(self) -> QuestionQuerySet:
        return self.filter(accepted_answer__isnull=True)


class AnswerQuerySet(PostQuerySet):
    thread_prefixes = ("question__",)


class CommentQuerySet(PostQuerySet):
    thread_prefixes = ("question__", "answer__")
