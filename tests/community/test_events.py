"""The domain event bus (portal.events) and what community services announce through it."""

from dataclasses import dataclass

import pytest
from django.db import transaction

from community import events as community_events
from community import services
from portal import events
from tests.community.conftest import ask

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Happened:
    value: int


@dataclass(frozen=True)
class HappenedToo(Happened):
    pass


@pytest.fixture
def subscribed():
    added = []

    def add(event_type, handler, phase="commit"):
        events.subscribe(event_type, handler, phase=phase)
        added.append((event_type, handler))

    yield add
    for event_type, handler in added:
        events.unsubscribe(event_type, handler)


def test_atomic_handlers_run_inside_the_transaction_and_commit_handlers_after(subscribed, django_capture_on_commit_callbacks):
    seen = []
    subscribed(Happened, lambda e: seen.append(("atomic", e.value, transaction.get_connection().in_atomic_block)), "atomic")
    subscribed(Happened, lambda e: seen.append(("commit", e.value)))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.publish(Happened(1))
            assert seen == [("atomic", 1, True)]
    assert seen == [("atomic", 1, True), ("commit", 1)]


def test_rolled_back_change_runs_no_commit_handler_and_an_atomic_handler_can_refuse(subscribed, django_capture_on_commit_callbacks):
    seen = []

    def refuse(event):
        raise ValueError("refused by a rule")

    subscribed(Happened, lambda e: seen.append(e.value))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValueError), transaction.atomic():
            events.publish(Happened(2))
            refuse(None)
    assert seen == [] and callbacks == []


def test_a_failing_commit_handler_is_logged_and_the_others_still_run(subscribed, django_capture_on_commit_callbacks, caplog):
    seen = []

    def broken(event):
        raise RuntimeError("webhook down")

    subscribed(Happened, broken)
    subscribed(Happened, lambda e: seen.append(e.value))
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(Happened(3))
    assert seen == [3]
    assert "webhook down" in caplog.text


def test_subscribing_twice_is_harmless_and_base_class_subscribers_hear_subclasses(subscribed, django_capture_on_commit_callbacks):
    seen = []

    def handler(event):
        seen.append(type(event).__name__)

    subscribed(Happened, handler, "atomic")
    subscribed(Happened, handler, "atomic")
    events.publish(HappenedToo(4))
    assert seen == ["HappenedToo"]
    with pytest.raises(ValueError):
        events.subscribe(Happened, handler, phase="later")


def test_services_announce_what_happened(asker, answerer, other, moderator):
    with events.recorded() as published:
        question = ask(asker)
        answer = services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
        comment = services.post_comment(other, answer, body="That worked for me too, thanks a lot.")
        services.vote(other, answer, 1)
        services.vote(other, answer, -1)
        services.vote(other, answer, 0)
        services.accept_answer(moderator, answer)
        services.unaccept_answer(asker, question)
        services.edit_answer(moderator, answer, body="Hold the reset button for fifteen seconds.", summary="typo")
        services.hide_post(moderator, comment, reason="off topic")
        services.unhide_post(moderator, comment)
        services.delete_post(answerer, answer)
        services.restore_post(moderator, answer, reason="deleted by mistake")
    # the community's own events (higher apps, e.g. rewards' BadgeAwarded, publish theirs in between)
    published = [e for e in published if type(e).__module__ == community_events.__name__]
    kinds = [type(e).__name__ for e in published]
    assert kinds == [
        "QuestionAsked", "AnswerPosted", "CommentAdded", "VoteCast", "VoteCast", "VoteCast", "AnswerAccepted",
        "AnswerUnaccepted", "PostEdited", "PostHidden", "PostPublished", "PostDeleted", "PostRestored",
    ]
    votes = [e for e in published if isinstance(e, community_events.VoteCast)]
    assert [v.change for v in votes] == ["cast", "changed", "removed"]
    assert [v.score for v in votes] == [1, -1, 0]
    accepted = published[6]
    assert accepted.on_behalf and accepted.post == answer.ref and accepted.author_id == answerer.pk
    edited = published[8]
    assert edited.by_staff and edited.before == {"body": "Hold the reset button for ten seconds."}
    assert published[9].reason == "off topic" and published[9].post == comment.ref
    assert published[-1].from_status == "deleted" and published[-1].to_status == "published"
    assert all(e.actor_id for e in published)


def test_nothing_is_announced_for_a_refused_or_repeated_action(asker, other, question):
    services.vote(other, question, 1)
    with events.recorded() as published:
        services.vote(other, question, 1)  # same value again
        with pytest.raises(services.PermissionRefused):
            services.vote(asker, question, 1)  # own post
        with pytest.raises(services.PermissionRefused):
            services.restore_post(other, question)
    assert published == []
