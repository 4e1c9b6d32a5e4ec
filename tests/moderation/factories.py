"""Factories for moderation's rows (rows only, like tests/factories.py: no services, no side effects — a flag
made here opens no item, hides no post, notifies nobody; use `moderation.flags.flag_post` for that)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from moderation.models import Appeal, Flag, FlagReason, ReviewItem, Sanction
from portal.roles import MODERATORS
from tests.factories import MemberFactory, QuestionFactory, with_two_factor


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
    """An open, flagged item about a new question (`item_for(post)` for answers and comments)."""

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
    """A flag on an item's post. `state="upheld"`/`"dismissed"` with `resolved_at` builds a track record."""

    class Meta:
        model = Flag

    item = factory.SubFactory(ReviewItemFactory)
    post_kind = factory.SelfAttribute("item.post_kind")
    post_id = factory.SelfAttribute("item.post_id")
    question = factory.SelfAttribute("item.question")
    flagger = factory.SubFactory(MemberFactory)
    reason = FlagReason.SPAM
    weight = 1.0
    created_at = factory.LazyFunction(timezone.now)


class SanctionFactory(factory.django.DjangoModelFactory):
    """A sanction row as `impose_sanction` writes it (without its audit entry or notification): a 7-day
    silence starting now unless told otherwise."""

    class Meta:
        model = Sanction

    member = factory.SubFactory(MemberFactory)
    kind = Sanction.Kind.SILENCE
    reason = "Repeated rude comments."
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(
        lambda o: None if o.kind in (Sanction.Kind.WARN, Sanction.Kind.BAN) else o.starts_at + timedelta(days=7)
    )


class AppealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appeal

    member = factory.SubFactory(MemberFactory)
    action = factory.Sequence(lambda n: f"sanction:{n + 1}")
    text = "I did not mean it that way."
    created_at = factory.LazyFunction(timezone.now)


def make_moderator(username: str | None = None, **fields):
    """A moderator as staff are: the role and TOTP two-factor."""
    if username:
        fields["username"] = username
    user = MemberFactory(**fields)
    user.groups.add(Group.objects.get(name=MODERATORS))
    return with_two_factor(user)
