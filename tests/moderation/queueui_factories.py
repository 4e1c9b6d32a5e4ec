"""Factories for the review queue's tests: review items for any post, flags on them, sanctions, and a bulk
builder for queues of thousands of items (rows only, like tests/factories.py: no services, no side effects)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from community.models import Question
from moderation.models import Flag, ReviewItem
from portal.sanitize import render_markdown


def bulk_queue(count: int, *, authors: list, flagger, topic=None, priority: float = 1.0, language: str = "en",
               reason: str = "spam") -> list[ReviewItem]:
    """`count` open items about new questions (by `authors` in turn), each with one flag by `flagger`, in a
    few bulk inserts. Older items first (one second apart), all at `priority`."""
    now = timezone.now()
    body = "Cheap watches, visit my shop"
    html = render_markdown(body)
    questions = Question.objects.bulk_create(
        Question(author=authors[i % len(authors)], title=f"Bulk spam question {i}", slug=f"bulk-spam-{i}", body=body,
                 body_html=html, topic=topic, language=language, created_at=now, last_activity_at=now)
        for i in range(count)
    )
    items = ReviewItem.objects.bulk_create(
        ReviewItem(post_kind="question", post_id=q.pk, question=q, author_id=q.author_id, topic=topic, language=language,
                   flagged=True, top_reason=reason, flag_count=1, flag_weight=1.0, priority=priority,
                   created_at=now - timedelta(seconds=count - i), updated_at=now)
        for i, q in enumerate(questions)
    )
    Flag.objects.bulk_create(
        Flag(post_kind="question", post_id=item.post_id, question_id=item.question_id, item=item, flagger=flagger,
             reason=reason, weight=1.0, created_at=now)
        for item in items
    )
    return items
