"""The bulk backfill: the same credits the handlers would write, idempotent, with the commands."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from community import services
from community.events import AnswerAccepted, PostDeleted, VoteCast
from community.rewards import backfill, handlers, ledger
from community.rewards.models import LeaderboardDay, ReputationEvent
from community.services.base import relaxed_limits
from portal.events import subscribe, unsubscribe
from portal.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(question, answer, asker, answerer, other, moderator):
    """Existing data written before the ledger existed (its handlers switched off)."""
    wired = [(VoteCast, handlers.on_vote), (AnswerAccepted, handlers.on_accepted), (PostDeleted, handlers.on_taken_down)]
    for event_type, handler in wired:
        unsubscribe(event_type, handler)
    try:
        with relaxed_limits():
            services.vote(other, question, 1)
            services.vote(other, answer, -1)
            services.vote(asker, answer, 1)
            services.accept_answer(asker, answer)
            gone = services.post_answer(other, question, body="A later answer that was deleted.")
            services.vote(asker, gone, 1)
            services.delete_post(moderator, gone, reason="off topic")
    finally:
        for event_type, handler in wired:
            subscribe(event_type, handler, phase="atomic")
    return question, answer


def rep(user):
    return Profile.objects.filter(user=user).values_list("reputation", flat=True).first() or 0


def test_backfill_writes_the_history_and_is_idempotent(history, asker, answerer, other):
    assert not ReputationEvent.objects.exists()
    report = backfill.backfill()
    assert (report.votes, report.acceptances, report.removals) == (4, 2, 0)
    assert rep(asker) == 5 + 2 and rep(answerer) == -2 + 10 + 15 and rep(other) == -1
    assert ledger.recompute(fix=False) == []
    assert LeaderboardDay.objects.filter(user=answerer, topic_id=0, span="d").get().accepted == 1
    again = backfill.backfill()
    assert again.written == 0 and again.skipped == 6
    assert ReputationEvent.objects.count() == 6
    assert ReputationEvent.objects.filter(created_at__lte=timezone.now(), created_at__gte=timezone.now() - timedelta(hours=1)).count() == 6
    assert ReputationEvent.objects.first().created_at.tzinfo is not None


def test_backfill_matches_what_the_handlers_write(question, answer, asker, other):
    with relaxed_limits():
        services.vote(other, answer, 1)
        services.accept_answer(asker, answer)
    assert backfill.backfill().written == 0


def test_backfill_penalises_posts_removed_as_spam(question, moderator):
    from moderation.flags import flag_post
    from moderation.models import ReviewItem
    from moderation.review import act_on_item
    from tests.factories import MemberFactory

    spammer = MemberFactory()
    spam = services.post_answer(spammer, question, body="Buy cheap followers at our shop today.")
    for member in [MemberFactory() for _ in range(3)]:
        flag_post(member, spam, reason="spam")
    item = ReviewItem.objects.get(post_kind="answer", post_id=spam.pk, state="open")
    act_on_item(moderator, item.pk, action="delete", version=item.version, reason="Spam")
    ReputationEvent.objects.all().delete()  # as if it happened before the ledger
    Profile.objects.update(reputation=0, reward_points=0)
    report = backfill.backfill()
    assert report.removals == 1 and rep(spammer) == -100
    assert backfill.backfill().written == 0


def test_commands(history, capsys):
    call_command("backfill_reputation", "--dry-run")
    assert "would write: 6 ledger rows" in capsys.readouterr().out
    assert not ReputationEvent.objects.exists()
    call_command("backfill_reputation")
    assert "written: 6 ledger rows" in capsys.readouterr().out
    call_command("recompute_reputation", "--check")
    assert capsys.readouterr().out.strip() == "none"
    Profile.objects.filter(user__username="answerer").update(reputation=1)
    with pytest.raises(SystemExit) as exited:
        call_command("recompute_reputation", "--check")
    assert exited.value.code == 1
    assert "reputation 1 -> 23" in capsys.readouterr().out
    call_command("recompute_reputation")
    assert rep(UserFactory._meta.model.objects.get(username="answerer")) == 23
