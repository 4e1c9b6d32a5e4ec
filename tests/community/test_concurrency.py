"""Races on PostgreSQL (CI repeats the suite there): counters and ledgers stay exact."""


import pytest

from community import services
from community.models import Acceptance, Answer, Question, Vote, VoteEvent
from tests.concurrency import race, run_at_once
from tests.factories import UserFactory

# serialized_rollback: the flush after a transactional test would otherwise drop the rows migrations made
# (Wagtail root page, role groups) for the tests that run after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def thread_question(postgres_only):
    asker = UserFactory()
    return services.ask_question(asker, title="Hub drops off Wi-Fi at night", body="Every night at 2am.")


def test_many_members_voting_at_once_and_double_submits(thread_question):
    voters = [UserFactory() for _ in range(8)]
    calls = [lambda v=v: services.vote(v, thread_question, 1) for v in voters]
    calls += [lambda v=v: services.vote(v, thread_question, 1) for v in voters]  # each one double-submits
    assert race(*calls) == []
    thread_question.refresh_from_db()
    assert thread_question.score == 8 == Vote.objects.filter(question=thread_question, value=1).count()
    assert VoteEvent.objects.filter(question=thread_question).count() == 8


def test_up_and_down_from_one_member_at_once_stay_consistent(thread_question):
    voter = UserFactory()
    calls = [lambda value=value: services.vote(voter, thread_question, value) for value in (1, -1, 1, -1, 0, 1)]
    assert race(*calls) == []
    thread_question.refresh_from_db()
    current = Vote.objects.get(voter=voter, question=thread_question).value
    assert thread_question.score == current
    ledger = sum(e.to_value - e.from_value for e in VoteEvent.objects.filter(question=thread_question))
    assert ledger == current


def test_accept_racing_unaccept(thread_question):
    answerers = [UserFactory() for _ in range(2)]
    answers = [services.post_answer(u, thread_question, body=f"Try fix number {i}") for i, u in enumerate(answerers)]
    asker = thread_question.author
    calls = []
    for _ in range(4):
        calls += [
            lambda: services.accept_answer(asker, answers[0]),
            lambda: services.accept_answer(asker, answers[1]),
            lambda: services.unaccept_answer(asker, thread_question),
        ]
    assert race(*calls) == []
    thread_question.refresh_from_db()
    last = Acceptance.objects.filter(question=thread_question).order_by("pk").last()
    expected = last.answer_id if last.accepted else None
    assert thread_question.accepted_answer_id == expected


def test_two_answers_at_the_same_moment(thread_question):
    answerers = [UserFactory() for _ in range(6)]
    calls = [lambda u=u, i=i: services.post_answer(u, thread_question, body=f"Answer {i}") for i, u in enumerate(answerers)]
    assert race(*calls) == []
    thread_question.refresh_from_db()
    assert thread_question.answer_count == 6 == Answer.objects.filter(question=thread_question).count()
    assert thread_question.follower_count == 7


def test_follow_and_me_too_double_clicks(thread_question):
    member = UserFactory()
    calls = [lambda: services.set_me_too(member, thread_question)] * 3 + [lambda: services.follow_question(member, thread_question)] * 3
    assert race(*calls) == []
    question = Question.objects.get(pk=thread_question.pk)
    assert question.me_too_count == 1 and question.follower_count == 2


def test_a_double_submitted_question_answer_and_comment_are_written_once(thread_question):
    """Two requests with the same text sent at once (a double click): the member's profile row is locked in the
    writing transaction, so the second waits, sees the first and is refused with it — never twins."""
    from community.models import Comment

    member = UserFactory()
    ask = lambda: services.ask_question(member, title="Camera offline after router swap", body="New router since Monday.")  # noqa: E731
    results, errors = run_at_once(ask, ask, ask)
    assert len(results) == 1 and len(errors) == 2
    assert all(isinstance(e, services.DuplicatePost) and e.existing.pk == results[0].pk for e in errors)
    assert Question.objects.filter(author=member).count() == 1

    answer = lambda: services.post_answer(member, thread_question, body="Restart the hub, then the camera.")  # noqa: E731
    results, errors = run_at_once(answer, answer)
    assert len(results) == 1 and [e.existing.pk for e in errors] == [results[0].pk]
    thread_question.refresh_from_db()
    assert thread_question.answer_count == 1 == Answer.objects.filter(question=thread_question).count()

    comment = lambda: services.post_comment(member, thread_question, body="Which router model is it?")  # noqa: E731
    results, errors = run_at_once(comment, comment)
    assert len(results) == 1 and len(errors) == 1
    assert Comment.objects.filter(question=thread_question, author=member).count() == 1


def test_a_vote_and_the_asker_commenting_at_once_do_not_deadlock(thread_question, monkeypatch):
    """Votes lock the post, then its author's profile (the ledger). A comment's transaction locks the thread's
    question first too (its duplicate check), so the two wait for each other in one order — never a deadlock
    (with the profile locked first, PostgreSQL reported "deadlock detected")."""
    import time

    from community.rewards import ledger
    from community.services import base

    real_check, real_lock = base.refuse_duplicate, ledger._lock_profile

    def slow_check(*args, **kwargs):  # holds the comment's first lock open
        real_check(*args, **kwargs)
        time.sleep(0.4)

    def slow_lock(*args, **kwargs):  # the vote holds the question while it waits
        time.sleep(0.4)
        return real_lock(*args, **kwargs)

    monkeypatch.setattr("community.services.posting.refuse_duplicate", slow_check)
    monkeypatch.setattr(ledger, "_lock_profile", slow_lock)
    asker, voter = thread_question.author, UserFactory()

    def vote():
        time.sleep(0.1)  # the comment takes its first lock first
        return services.vote(voter, thread_question, 1)

    assert race(lambda: services.post_comment(asker, thread_question, body="Which firmware are you on?"), vote) == []
    thread_question.refresh_from_db()
    assert thread_question.score == 1 and thread_question.comment_count == 1
