"""Factories for the review queue's tests: review items for any post, flags on them, sanctions, and a bulk
builder for queues of thousands of items (rows only, like tests/factories.py: no services, no side effects)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from community.models import Question
from moderation.models import Flag, ReviewItem, Sanction
from portal.sanitize import render_markdown
from tests.factories import MemberFactory, QuestionFactory


def item_for(post, **fields) -> ReviewItem:
    """An open review item about `post` (a question, answer or comment), flagged unless told otherwise."""
    question = post if post.kind == "question" else post.question
    now = timezone.now()
    values = {
        "post_kind": post.kind, "post_id": post.pk, "question": question, "author": post.author,
        "topic_id": question.topic_id, "language": question.language, "flagged": True, "top_reason": "spam",
        "created_at": now, "updated_at": now,
    }
    values.update(fields)
    return ReviewItem.objects.create(**values)


class ReviewItemFactory(factory.django.DjangoModelFactory):
    """An open item about a new question (pass `post=` to `item_for` for answers and comments)."""

    class Meta:
        model = ReviewItem

    question = factory.SubFactory(QuestionFactory)
    post_kind = "question"
    post_id = factory.SelfAttribute("question.pk")
    author = factory.SelfAttribute("question.author")
    topic = factory.SelfAttribute("question.topic")
    language = factory.SelfAttribute("question.language")
    flagged = True
    top_reason = "spam"
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.SelfAttribute("created_at")


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    item = factory.SubFactory(ReviewItemFactory)
    post_kind = factory.SelfAttribute("item.post_kind")
    post_id = factory.SelfAttribute("item.post_id")
    question = factory.SelfAttribute("item.question")
    flagger = factory.SubFactory(MemberFactory)
    reason = "spam"
    weight = 1.0
    created_at = factory.LazyFunction(timezone.now)


class SanctionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sanction

    member = factory.SubFactory(MemberFactory)
    kind = Sanction.Kind.SILENCE
    reason = "Repeated spam"
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))


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
