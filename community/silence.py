"""Whether an asker has gone silent on their question (superusers may then accept an answer for them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from .models import Comment, PostRevision, Question
from .standing import accept_silent_days


def asker_silent(question: Question, days: int | None = None) -> bool:
    """The asker has not been heard in the thread for `days` days (`RewardsSettings.superuser_accept_after_days`
    by default): the question is that old and they have neither commented in it nor revised it since (two
    indexed queries)."""
    days = accept_silent_days() if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    if question.created_at > cutoff:
        return False
    author = question.author_id
    if Comment.objects.filter(question_id=question.pk, author_id=author, created_at__gt=cutoff).exists():
        return False
    return not PostRevision.objects.filter(question_id=question.pk, editor_id=author, created_at__gt=cutoff).exists()


def silence_of(question: Question) -> Callable[[], bool]:
    """For `permissions.can_accept(..., asker_silent=silence_of(question))`: computed only when asked."""
    return lambda: asker_silent(question)
