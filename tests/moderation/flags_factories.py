"""Factories and fixtures for flags and the review queue (FLAGS helper). Rows only, no side effects, like
tests/factories.py: a flag made here does not open an item, hide a post or notify anyone — use
`moderation.flags.flag_post` for that."""

from __future__ import annotations

import pytest
from django.utils import timezone

from community import services
from moderation.models import Flag, ReviewItem
from tests.factories import MemberFactory
from tests.moderation.factories import FlagFactory, ReviewItemFactory, make_moderator


def track_record(member, upheld: int, dismissed: int, *, days_ago: int = 0) -> None:
    """`member` raised flags that were resolved `days_ago`: `upheld` upheld, then `dismissed` dismissed."""
    now = timezone.now() - timezone.timedelta(days=days_ago)
    states = [Flag.State.UPHELD] * upheld + [Flag.State.DISMISSED] * dismissed
    for i, state in enumerate(states):
        item = ReviewItemFactory(state=ReviewItem.State.RESOLVED, resolved_at=now)
        FlagFactory(item=item, flagger=member, state=state, resolved_at=now - timezone.timedelta(minutes=len(states) - i))


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
