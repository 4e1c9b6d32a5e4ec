"""`manage.py seed_bulk`: benchmark-sized generated data, idempotent, with --reset."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from community.models import Acceptance, Answer, Comment, Follow, Question, TaggedQuestion, Vote
from devtools.generated import generated_questions
from tests.commands import recompute_check, run
from tests.community.conftest import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# --- seed_bulk -------------------------------------------------------------------------------------------------


BENCHMARK = "Benchmark: hub keeps dropping off Wi-Fi (50 answers)"


def bulk_questions():
    return generated_questions().exclude(title=BENCHMARK)


def test_seed_bulk_creates_questions_and_the_benchmark_question(demo_topics, client):
    out = run("seed_bulk", questions=50, users=60)
    assert "50 bulk questions" in out
    assert bulk_questions().count() == 50
    assert get_user_model().objects.filter(username__startswith="bulk-user-").count() == 60
    languages = set(bulk_questions().values_list("language", flat=True))
    assert languages == {"en", "ja"}
    assert not bulk_questions().filter(topic__isnull=True).exists()
    assert bulk_questions().values("topic").distinct().count() >= 10  # every topic, in both languages
    for question in bulk_questions().select_related("topic__locale"):
        assert question.topic.locale.language_code == question.language
    assert TaggedQuestion.objects.filter(content_object__in=bulk_questions()).exists()
    answers = Answer.objects.filter(question__in=bulk_questions())
    assert 150 <= answers.count() <= 400
    assert bulk_questions().filter(accepted_answer__isnull=False).exists()
    assert len(set(answers.values_list("score", flat=True))) > 3
    # Votes, acceptances and follows are dated after their post and never in the future, over many days (a
    # real site's spread, which the Insights days and the members' graphs read), not all at the moment of seeding.
    now = timezone.now()
    votes = Vote.objects.filter(Q(question__in=bulk_questions()) | Q(answer__question__in=bulk_questions()))
    for vote in votes.select_related("question", "answer"):
        post = vote.answer or vote.question
        assert post.created_at <= vote.created_at <= now
    assert votes.dates("created_at", "day").count() > 10
    for acceptance in Acceptance.objects.filter(question__in=bulk_questions()).select_related("answer"):
        assert acceptance.answer.created_at <= acceptance.created_at <= now
    for follow in Follow.objects.filter(question__in=bulk_questions()).select_related("question"):
        assert follow.created_at == follow.question.created_at

    benchmark = Question.objects.get(title=BENCHMARK)
    assert benchmark.answer_count == 50 == benchmark.answers.count()
    assert Comment.objects.filter(question=benchmark).count() == 200
    assert Comment.objects.filter(question=benchmark, answer__isnull=True).count() == benchmark.comment_count > 0
    assert benchmark.accepted_answer is not None
    response = client.get(benchmark.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('id="answer-') >= 50

    recompute_check()


def test_seed_bulk_is_idempotent_tops_up_and_resets(site):
    keep = ask(UserFactory(), title="A real question that must survive", body="Real body.")
    run("seed_bulk", questions=30, users=40, answers_per_question=3)
    counts = (Question.objects.count(), Answer.objects.count(), Comment.objects.count(), Vote.objects.count())
    out = run("seed_bulk", questions=30, users=40, answers_per_question=3)
    assert "already" in out
    assert (Question.objects.count(), Answer.objects.count(), Comment.objects.count(), Vote.objects.count()) == counts

    run("seed_bulk", questions=45, users=40, answers_per_question=3)
    assert bulk_questions().count() == 45
    assert Question.objects.filter(title=BENCHMARK).count() == 1
    recompute_check()

    run("seed_bulk", questions=10, users=20, reset=True)
    assert bulk_questions().count() == 10
    assert Question.objects.filter(title=BENCHMARK).count() == 1
    assert get_user_model().objects.filter(username__startswith="bulk-user-").count() == 20
    assert Question.objects.filter(pk=keep.pk).exists() and keep not in generated_questions()
    assert not Answer.objects.filter(question__in=generated_questions()).exclude(author__username__startswith="bulk-user-").exists()
    recompute_check()


def test_seed_bulk_without_topics_still_works(db):
    run("seed_bulk", questions=5, users=60)
    assert bulk_questions().count() == 5
    recompute_check()
