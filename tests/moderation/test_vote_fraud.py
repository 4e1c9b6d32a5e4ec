"""Vote fraud: a ban for vote fraud reverses every credit from the member's votes; lifting it gives them back.
Spam/abuse upheld with the post removed: the author loses the post_removed points."""

import pytest

from community import services
from community.rewards import backfill, ledger
from community.rewards.models import EventKind, ReputationEvent
from community.services.base import relaxed_limits
from moderation.errors import ModerationError
from moderation.flags import flag_post
from moderation.models import ReviewItem, Sanction
from moderation.queue.forms import ACTIONS_BY_NAME, ActionForm
from moderation.review import act_on_item
from moderation.sanctions import impose_sanction, lift_sanction
from portal.models import Profile
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def rep(user):
    return Profile.objects.filter(user=user).values_list("reputation", flat=True).first() or 0


@pytest.fixture
def fraud(moderator):
    author, other, cheat = MemberFactory(), MemberFactory(), MemberFactory()
    question = QuestionFactory(author=author)
    answer = AnswerFactory(question=question, author=other)
    with relaxed_limits():
        services.vote(cheat, question, 1)
        services.vote(cheat, answer, -1)
        services.vote(other, question, 1)
    assert rep(author) == 10 and rep(other) == -2 and rep(cheat) == -1
    return author, other, cheat, question, answer


def test_ban_for_vote_fraud_reverses_and_lift_recredits(fraud, moderator):
    author, other, cheat, question, answer = fraud
    ban = impose_sanction(moderator, cheat, kind="ban", reason="Sock puppets voting", vote_fraud=True)
    assert ban.vote_fraud
    assert rep(author) == 5 and rep(other) == 0 and rep(cheat) == 0
    assert ledger.recompute(fix=False) == []
    assert backfill.backfill().written == 0  # the banned voter's votes are not history to write
    services.delete_post(moderator, question, reason="x")
    services.restore_post(moderator, question, reason="x")
    assert rep(author) == 5  # restoring does not bring back the banned voter's credits
    lift_sanction(moderator, ban, reason="Appeal granted")
    assert rep(author) == 10 and rep(other) == -2 and rep(cheat) == -1
    assert ledger.recompute(fix=False) == []


def test_an_ordinary_ban_keeps_the_votes(fraud, moderator):
    author, _other, cheat, *_ = fraud
    impose_sanction(moderator, cheat, kind="ban", reason="Rude")
    assert rep(author) == 10


def test_only_a_ban_can_be_for_vote_fraud(fraud, moderator):
    cheat = fraud[2]
    with pytest.raises(ModerationError):
        impose_sanction(moderator, cheat, kind="silence", reason="x", days=3, vote_fraud=True)
    assert not Sanction.objects.exists()
    assert rep(fraud[0]) == 10


def test_the_ban_form_offers_vote_fraud_and_passes_it_on(fraud, moderator):
    form = ActionForm(data={"action": "ban", "version": 1, "reason": "votes", "vote_fraud": "on"}, spec=ACTIONS_BY_NAME["ban"])
    assert form.is_valid(), form.errors
    assert form.params() == {"vote_fraud": True}
    assert "vote_fraud" not in ActionForm(spec=ACTIONS_BY_NAME["silence"]).fields
    author, _other, cheat, question, _answer = fraud
    flaggers = [MemberFactory() for _ in range(3)]
    for member in flaggers:
        flag_post(member, question, reason="spam")
    item = ReviewItem.objects.get(post_kind="question", post_id=question.pk, state="open")
    item.author = cheat  # the queue bans an item's author; here the cheat
    item.save(update_fields=["author"])
    act_on_item(moderator, item.pk, action="ban", version=item.version, reason="votes", params=form.params())
    assert Sanction.objects.get(member=cheat).vote_fraud


def test_spam_upheld_and_deleted_costs_the_author_100_and_restoring_gives_it_back(moderator):
    author = MemberFactory()
    question = QuestionFactory(author=author)
    for member in [MemberFactory() for _ in range(3)]:
        flag_post(member, question, reason="spam")
    item = ReviewItem.objects.get(post_kind="question", post_id=question.pk, state="open")
    act_on_item(moderator, item.pk, action="delete", version=item.version, reason="Spam")
    assert rep(author) == -100
    assert ReputationEvent.objects.filter(kind=EventKind.POST_REMOVED).count() == 1
    question.refresh_from_db()
    services.restore_post(moderator, question, reason="Not spam")
    assert rep(author) == 0
    assert ledger.recompute(fix=False) == []


def test_an_off_topic_flag_upheld_costs_nothing(moderator):
    author = MemberFactory()
    question = QuestionFactory(author=author)
    for member in [MemberFactory() for _ in range(3)]:
        flag_post(member, question, reason="off_topic")
    item = ReviewItem.objects.get(post_kind="question", post_id=question.pk, state="open")
    act_on_item(moderator, item.pk, action="delete", version=item.version, reason="Off topic")
    assert rep(author) == 0


@pytest.mark.parametrize(("typed", "error"), [("²", True), ("①", True), ("1" * 19, True), ("１２", False), ("12", False)])
def test_the_original_question_number_is_a_field_error_or_a_number(typed, error):
    form = ActionForm(data={"action": "close_duplicate", "version": 1, "duplicate_of": typed},
                      spec=ACTIONS_BY_NAME["close_duplicate"])
    assert form.is_valid() is not error
    if error:
        assert "duplicate_of" in form.errors
    else:
        assert form.cleaned_data["duplicate_of"] == 12


@pytest.mark.parametrize(("typed", "number"), [("１２", 12), ("＃１２", 12), ("#12", 12), ("²", None), ("①", None)])
def test_a_members_duplicate_flag_reads_full_width_numbers_too(typed, number):
    from moderation.flags import question_id_from

    assert question_id_from(typed) == number
