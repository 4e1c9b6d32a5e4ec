"""Community events → the reputation ledger, through the real services."""

import pytest

from community import services
from community.rewards import handlers, ledger
from community.rewards.models import EventKind, ReputationEvent
from community.services.base import relaxed_limits
from portal.models import Profile
from portal.refs import PostRef
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits():
    with relaxed_limits():
        yield


def rep(user):
    return Profile.objects.filter(user=user).values_list("reputation", flat=True).first() or 0


def test_answer_upvote_unvote_and_change_to_downvote(question, answer, answerer, other):
    services.vote(other, answer, 1)
    assert rep(answerer) == 10
    services.vote(other, answer, 1)  # a double submit counts once
    assert rep(answerer) == 10
    services.vote(other, answer, -1)
    assert rep(answerer) == -2 and rep(other) == -1
    services.vote(other, answer, 0)
    assert rep(answerer) == 0 and rep(other) == 0
    assert ledger.recompute(fix=False) == []
    row = ReputationEvent.objects.filter(kind=EventKind.ANSWER_UPVOTED).first()
    assert (row.post_kind, row.post_id, row.question_id, row.actor_id) == ("answer", answer.pk, question.pk, other.pk)


def test_question_votes(question, asker, other):
    services.vote(other, question, 1)
    assert rep(asker) == 5
    services.vote(other, question, -1)
    assert rep(asker) == -2 and rep(other) == 0  # casting a downvote costs only on answers


def test_staff_and_support_answers_earn_nothing(question, other):
    staff = UserFactory(username="agent", is_staff=True)
    staff_answer = services.post_answer(staff, question, body="Staff here: reset it please.")
    services.vote(other, staff_answer, 1)
    assert rep(staff) == 0
    member = UserFactory(username="member2")
    support = services.post_answer(member, question, body="A support reply from a member account.")
    type(support).objects.filter(pk=support.pk).update(is_support_reply=True)
    services.vote(other, support, 1)
    assert rep(member) == 0


def test_accept_gives_15_and_2_unaccept_reverses(question, answer, asker, answerer):
    services.accept_answer(asker, answer)
    assert rep(answerer) == 15 and rep(asker) == 2
    services.unaccept_answer(asker, question)
    assert rep(answerer) == 0 and rep(asker) == 0
    services.accept_answer(asker, answer)
    assert rep(answerer) == 15 and rep(asker) == 2
    assert ledger.recompute(fix=False) == []


def test_switching_the_accepted_answer_moves_the_credit(question, answer, asker, answerer, other):
    second = services.post_answer(other, question, body="Unplug it for thirty seconds, then plug it in.")
    services.accept_answer(asker, answer)
    services.accept_answer(asker, second)
    assert rep(answerer) == 0 and rep(other) == 15 and rep(asker) == 2


def test_accepting_your_own_answer_gives_nothing(question, asker):
    own = services.post_answer(asker, question, body="I found it myself: the reset button.")
    services.accept_answer(asker, own)
    assert rep(asker) == 0


def test_on_behalf_gives_the_author_15_but_the_asker_nothing(question, answer, asker, answerer, moderator):
    services.accept_answer(moderator, answer)
    assert rep(answerer) == 15 and rep(asker) == 0 and rep(moderator) == 0


def test_deleting_and_restoring_a_question_reverses_and_recredits_everything(question, answer, asker, answerer, other, moderator):
    services.vote(other, question, 1)
    services.vote(other, answer, 1)
    services.accept_answer(asker, answer)
    assert (rep(asker), rep(answerer)) == (7, 25)
    services.delete_post(moderator, question, reason="test")
    assert (rep(asker), rep(answerer)) == (0, 0)
    services.restore_post(moderator, question, reason="test")
    assert (rep(asker), rep(answerer)) == (7, 25)
    assert ledger.recompute(fix=False) == []


def test_hiding_an_answer_reverses_its_credits_and_unhiding_gives_back_the_votes(question, answer, asker, answerer, other, moderator):
    services.vote(other, answer, 1)
    services.accept_answer(asker, answer)
    services.hide_post(moderator, answer, reason="check")
    assert rep(answerer) == 0 and rep(asker) == 0
    services.unhide_post(moderator, answer, reason="fine")
    assert rep(answerer) == 10  # the acceptance was undone by the hide (the question no longer has it)
    assert ledger.recompute(fix=False) == []


def test_spam_penalty_once_and_lifted_on_restore(question, answer, answerer, moderator):
    services.delete_post(moderator, answer, reason="spam")
    assert handlers.penalise_removal(PostRef("answer", answer.pk), actor_id=moderator.pk)
    assert not handlers.penalise_removal(PostRef("answer", answer.pk), actor_id=moderator.pk)
    assert rep(answerer) == -100
    services.restore_post(moderator, answer, reason="not spam after all")
    assert rep(answerer) == 0
    assert ledger.recompute(fix=False) == []


def test_a_rolled_back_vote_leaves_no_ledger_row(answer, other):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.vote(other, answer, 1)
        raise RuntimeError
    assert not ReputationEvent.objects.exists()


def test_query_budget_for_one_vote(question, answer, other, django_assert_max_num_queries):
    """A member's first upvote: 8 queries without the ledger (seams budget) + 11 for the ledger (context 1,
    settings 1, savepoint 2, profile lock 1, open-credit 1, cap sum 1, insert 1, profile update 1, rollup 1
    per leaderboard row: overall, and the topic's when the question has one) = 19, 20 with a topic."""
    services.vote(UserFactory(username="voter2"), answer, 1)  # the day's rollup row exists
    with django_assert_max_num_queries(20):
        services.vote(other, answer, 1)
    with django_assert_max_num_queries(42):  # up → down: reverse the upvote, credit the downvote and its cost
        services.vote(other, answer, -1)
    assert ledger.recompute(fix=False) == []
