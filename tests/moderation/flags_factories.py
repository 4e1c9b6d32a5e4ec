"""Factories and fixtures for flags and the review queue (FLAGS helper). Rows only, no side effects, like
tests/factories.py: a flag made here does not open an item, hide a post or notify anyone — use
`moderation.flags.flag_post` for that."""

from __future__ import annotations

import factory
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from community import services
from moderation.models import Flag, FlagReason, ReviewItem
from portal.roles import MODERATORS
from tests.factories import MemberFactory, QuestionFactory, with_two_factor


class ReviewItemFactory(factory.django.DjangoModelFactory):
    """An open item for a question (pass `post_kind`/`post_id` for another post of the same question)."""

    class Meta:
        model = ReviewItem

    question = factory.SubFactory(QuestionFactory)
    post_kind = "question"
    post_id = factory.SelfAttribute("question.pk")
    author = factory.SelfAttribute("question.author")
    language = factory.SelfAttribute("question.language")
    topic = factory.SelfAttribute("question.topic")
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


def track_record(member, upheld: int, dismissed: int, *, days_ago: int = 0) -> None:
    """`member` raised flags that were resolved `days_ago`: `upheld` upheld, then `dismissed` dismissed."""
    now = timezone.now() - timezone.timedelta(days=days_ago)
    states = [Flag.State.UPHELD] * upheld + [Flag.State.DISMISSED] * dismissed
    for i, state in enumerate(states):
        item = ReviewItemFactory(state=ReviewItem.State.RESOLVED, resolved_at=now)
        FlagFactory(item=item, flagger=member, state=state, resolved_at=now - timezone.timedelta(minutes=len(states) - i))


def make_moderator(**fields):
    user = MemberFactory(**fields)
    user.groups.add(Group.objects.get(name=MODERATORS))
    return with_two_factor(user)


@pytest.fixture
def moderator(db):
    return make_moderator(username="mod")


@pytest.fixture
def author(db):
    return MemberFactory(username="author")


@pytest.fixture
def spam_question(author):
    return services.ask_question(author, title="Cheap watches here buy now", body="Visit the shop for cheap watches today.")


@pytest.fixture
def flaggers(db):
    return MemberFactory.create_batch(4)
