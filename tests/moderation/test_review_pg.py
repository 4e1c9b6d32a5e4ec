"""Races on PostgreSQL: two moderators resolving one item, members flagging one post at once."""

from __future__ import annotations

import pytest

from community import services
from community.status import PostStatus
from moderation.errors import AlreadyHandled, ModerationError, PermissionRefused
from moderation.flags import flag_post
from moderation.models import Flag, ReviewItem
from moderation.review import act_on_item
from portal import audit
from portal.models import Notification
from tests.concurrency import run_at_once
from tests.factories import MemberFactory
from tests.moderation.factories import make_moderator

# serialized_rollback: the flush after a transactional test would otherwise drop the rows migrations made
# (Wagtail root page, role groups) for the tests that run after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def question(postgres_only):
    return services.ask_question(MemberFactory(), title="Cheap watches here buy now", body="Visit the shop today.")


def test_two_moderators_resolving_one_item_at_once_one_wins(question):
    flaggers = MemberFactory.create_batch(3)
    for member in flaggers:
        flag_post(member, question, reason="spam")
    item = ReviewItem.objects.get()
    first, second = make_moderator(), make_moderator()
    results, errors = run_at_once(
        lambda: act_on_item(first, item.pk, action="delete", version=item.version, reason="Spam"),
        lambda: act_on_item(second, item.pk, action="dismiss", version=item.version),
    )
    assert len(results) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], AlreadyHandled) and "Another moderator already handled this item" in errors[0].message
    item.refresh_from_db()
    question.refresh_from_db()
    winner = results[0]
    assert item.state == "resolved" and item.resolved_by_id == winner.resolved_by_id
    expected = {"delete": ("deleted", "upheld"), "dismiss": ("published", "dismissed")}[item.resolution]
    assert question.status == expected[0]
    assert set(Flag.objects.values_list("state", flat=True)) == {expected[1]}
    assert audit.history(item).count() == 1
    assert Notification.objects.filter(kind="moderation").count() == 3  # each flagger told once


def test_members_flagging_at_once_make_one_item_and_hide_the_post_once(question):
    members = MemberFactory.create_batch(5)
    calls = [lambda m=m: flag_post(m, question, reason="spam") for m in members]
    calls += [lambda m=m: flag_post(m, question, reason="spam") for m in members[:2]]  # double submits
    results, errors = run_at_once(*calls)
    assert len(results) == 5 and len(errors) == 2
    assert all("already flagged" in error.message for error in errors)
    item = ReviewItem.objects.get()
    assert (item.flag_count, item.flag_weight) == (5, 5.0)
    assert Flag.objects.count() == 5
    question.refresh_from_db()
    assert question.status == PostStatus.HIDDEN
    assert audit.history(question).filter(action="community.hide").count() == 1


def test_a_queue_action_racing_a_site_action_on_the_same_thread_never_deadlocks(question):
    """Both lock the question first, then the item: one decides, the other is told or changes nothing."""
    answer = services.post_answer(MemberFactory(), question, body="Buy cheap watches at the shop.")
    for member in MemberFactory.create_batch(2):
        flag_post(member, answer, reason="spam")
    item = ReviewItem.objects.get()
    first, second = make_moderator(), make_moderator()
    late_flagger = MemberFactory()
    for _ in range(3):
        results, errors = run_at_once(
            lambda item=item: act_on_item(first, item.pk, action="delete", version=item.version, reason="Spam"),
            lambda: services.hide_post(second, answer, reason="Advertising"),
            lambda: flag_post(late_flagger, answer, reason="spam"),
        )
        assert all(isinstance(error, (ModerationError, PermissionRefused)) for error in errors), errors
        item = ReviewItem.objects.filter(state="open").first() or item
    answer.refresh_from_db()
    assert answer.status in (PostStatus.DELETED, PostStatus.HIDDEN)
    assert ReviewItem.objects.filter(state="open").count() <= 1
