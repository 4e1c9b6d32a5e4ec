"""The community's management commands: recompute_community.

(The demo loader and seed_bulk live in devtools now: tests/devtools/.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import CommandError
from django.utils import timezone

from community import services
from community.models import Answer, Comment, Question, VoteEvent
from tests.commands import recompute_check, run
from tests.community.conftest import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- recompute_community -----------------------------------------------------------------------------------


@pytest.fixture
def busy_question(db):
    """A question that went through every counter-moving service, including deletes and removed votes."""
    asker, first, second, third = (UserFactory() for _ in range(4))
    moderator = UserFactory(groups=["Moderators"])
    TOTP.activate(moderator, "JBSWY3DPEHPK3PXP")  # staff tools need two-factor
    question = ask(asker, tags="")
    kept = services.post_answer(first, question, body="Hold the reset button for ten seconds.")
    dropped = services.post_answer(second, question, body="Unplug it overnight.")
    services.post_answer(third, question, body="Try another power adapter.")
    services.post_comment(second, question, body="Which firmware?")
    gone = services.post_comment(third, question, body="Same here.")
    services.post_comment(asker, kept, body="Thanks!")
    services.delete_comment(third, gone)
    services.vote(first, question, 1)
    services.vote(second, question, -1)
    services.vote(second, question, 1)
    services.vote(third, kept, 1)
    services.vote(second, kept, 1)
    services.vote(second, kept, 0)
    services.vote(first, dropped, -1)
    services.set_me_too(third, question)
    services.follow_question(moderator, question)
    services.unfollow_question(moderator, question)
    services.accept_answer(asker, dropped)
    services.delete_post(moderator, dropped)  # deleting the accepted answer unaccepts it
    services.accept_answer(asker, kept)
    services.edit_question(asker, question, title=question.title, body="Edited body, with more detail.")
    return Question.objects.get(pk=question.pk)


def test_recompute_check_passes_after_the_services(busy_question):
    question = busy_question
    assert (question.answer_count, question.comment_count, question.score, question.revision_count) == (2, 1, 2, 2)
    assert question.accepted_answer.body.startswith("Hold")
    assert "agree" in recompute_check()


@pytest.mark.parametrize(
    ("model", "field", "bad"),
    [
        (Question, "score", 7),
        (Question, "answer_count", 9),
        (Question, "comment_count", 0),
        (Question, "follower_count", 0),
        (Question, "me_too_count", 3),
        (Question, "revision_count", 1),
        (Question, "accepted_answer", None),
        (Answer, "score", -4),
        (Answer, "comment_count", 5),
    ],
)
def test_recompute_detects_and_repairs_a_corrupted_counter(busy_question, model, field, bad):
    row = busy_question if model is Question else busy_question.accepted_answer
    good = getattr(row, f"{field}_id" if field == "accepted_answer" else field)
    model.objects.filter(pk=row.pk).update(**{field: bad})

    wrong = 2 if field == "accepted_answer" else 1  # the answerer's profile count of accepted answers follows
    with pytest.raises(CommandError, match=f"{wrong} counter mismatch"):
        recompute_check()
    out = run("recompute_community")
    assert f"{wrong} row(s) changed" in out and f"{model.__name__} {row.pk} {field}" in out
    fixed = model.objects.get(pk=row.pk)
    assert getattr(fixed, f"{field}_id" if field == "accepted_answer" else field) == good
    recompute_check()


def test_recompute_raises_last_activity_but_never_lowers_it(busy_question):
    question = busy_question
    newest = Comment.objects.filter(question=question).latest("created_at").created_at
    Question.objects.filter(pk=question.pk).update(last_activity_at=question.created_at)
    with pytest.raises(CommandError):
        recompute_check()
    run("recompute_community")
    assert Question.objects.get(pk=question.pk).last_activity_at >= newest
    later = timezone.now() + timedelta(hours=1)  # e.g. an accept after the last comment: left alone
    Question.objects.filter(pk=question.pk).update(last_activity_at=later)
    recompute_check()


def test_recompute_reports_a_vote_ledger_that_does_not_add_up(busy_question):
    VoteEvent.objects.filter(question=busy_question).order_by("pk").first().delete()
    with pytest.raises(CommandError, match="vote-ledger"):
        recompute_check()
    with pytest.raises(CommandError, match="ledger"):
        run("recompute_community")
    assert VoteEvent.objects.filter(question=busy_question).count() == 2  # the ledger is never rewritten


def test_recompute_fix_reports_how_many_rows_changed(busy_question):
    other = ask(UserFactory(), title="Another question about the camera", body="Camera body.")
    Question.objects.filter(pk__in=[busy_question.pk, other.pk]).update(score=40, follower_count=9)
    out = run("recompute_community")
    assert "4 counter mismatch(es): 2 row(s) changed" in out
    assert run("recompute_community").count("0 row(s) changed") == 1
