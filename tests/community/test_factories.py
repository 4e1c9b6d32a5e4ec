"""The community factories keep the denormalised counters true, as `recompute_community --check` sees them."""

import pytest
from django.core.management import call_command

from community import permissions
from community.models import Answer, Comment, VoteEvent
from tests.factories import AnswerFactory, CommentFactory, QuestionFactory, VoteFactory

pytestmark = pytest.mark.django_db


def test_thread_counters_agree_with_the_rows():
    question = QuestionFactory.create_thread(answers=5, comments=20, tags=["hub"])
    assert question.answer_count == 5 and Answer.objects.filter(question=question).count() == 5
    assert question.comment_count == 4  # every fifth comment is on the question, the rest on answers
    assert Comment.objects.filter(question=question).count() == 20
    assert sorted(Answer.objects.filter(question=question).values_list("comment_count", flat=True)) == [0, 4, 4, 4, 4]
    assert list(question.tags.names()) == ["hub"]
    call_command("recompute_community", "--check")


def test_single_factories_keep_counters_and_the_vote_ledger():
    answer = AnswerFactory()
    question = answer.question
    assert question.answer_count == 1
    CommentFactory(answer=answer)
    CommentFactory(question=question)
    vote = VoteFactory(answer=answer, value=-1)
    VoteFactory(question=question, answer=None)
    answer.refresh_from_db()
    assert answer.comment_count == 1 and answer.score == -1
    assert question.comment_count == 1 and question.score == 1 and question.answer_count == 1
    assert VoteEvent.objects.filter(answer=answer, voter=vote.voter, from_value=0, to_value=-1).exists()
    assert question.last_activity_at >= answer.created_at
    call_command("recompute_community", "--check")


def test_authors_are_verified_members_with_a_profile():
    question = QuestionFactory(body="Hello **world**")
    assert question.body_html == "<p>Hello <strong>world</strong></p>\n"
    assert permissions.can_post(question.author) and question.author.profile.display_name
