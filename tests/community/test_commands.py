"""The community's management commands: the demo loader, seed_bulk and recompute_community."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import yaml
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from community import demo, services
from community.models import (
    Acceptance,
    Answer,
    Comment,
    Follow,
    MeToo,
    PostRevision,
    Question,
    TaggedQuestion,
    Vote,
    VoteEvent,
)
from portal.models import Notification
from tests.community.conftest import ask
from tests.factories import UserFactory, make_site, make_topic, translate

pytestmark = pytest.mark.django_db

TOPICS = yaml.safe_load((demo.CONTENT_DIR.parents[1] / "knowledge" / "demo_content" / "topics.yaml").read_text("utf-8"))


def run(command: str, *args, **options) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def recompute_check() -> str:
    return run("recompute_community", check=True)


@pytest.fixture
def demo_topics(site):
    """The six demo topics, in English and Japanese, as load_demo creates them."""
    topics = {}
    for data in TOPICS:
        en = make_topic(site["en"], data["title"], data["slug"], tags=data["tags"])
        topics[data["slug"]] = (en, translate(en, site["locale_ja"], title=data["title_ja"]))
    return topics


# --- the demo loader ---------------------------------------------------------------------------------------


def test_demo_yaml_is_well_formed():
    people = demo.read_people()
    usernames = {person["username"] for person in people}
    questions = demo.read_questions(people=people)
    assert len(questions) >= 150
    assert sum(q["language"] == "ja" for q in questions) >= 35
    assert sum(q["language"] == "en" for q in questions) >= 100
    topics = {data["slug"] for data in TOPICS}
    for question in questions:
        assert question["topic"] in topics, question["title"]
        assert question["author"] in usernames, question["title"]
        assert len(question["answers"]) <= demo.MAX_ANSWERS
        assert "{" not in question["title"] and "{" not in question["body"], question["title"]
        for answer in question["answers"]:
            assert answer.get("author", "hanako") in usernames
    assert any(not q["answers"] for q in questions), "some questions stay unanswered"
    assert len({p["username"] for p in people if p["username"] not in {"alice", "bob", "hanako"}}) >= 8


def test_real_demo_content_loads_through_the_services_and_is_idempotent(demo_topics):
    first = demo.load_community_demo()
    assert first.created == first.questions >= 150 and first.present == 0
    assert first.japanese >= 35 and first.english >= 100
    assert 0 < first.unanswered < first.questions and 0 < first.accepted < first.questions
    assert first.comments > 50 and first.votes > 200

    counts = {model: model.objects.count() for model in (Question, Answer, Comment, Vote, VoteEvent, Acceptance, Follow, MeToo)}
    assert counts[Acceptance] == first.accepted  # written by accept_answer, one per accepted question
    assert counts[VoteEvent] == counts[Vote]  # every vote went through services.vote
    assert PostRevision.objects.count() == counts[Question] + counts[Answer]

    again = demo.load_community_demo(stdout=io.StringIO())
    assert again.created == 0 and again.present == first.questions
    assert {model: model.objects.count() for model in counts} == counts

    japanese = Question.objects.filter(language="ja").select_related("topic__locale")
    assert japanese.count() == first.japanese
    assert all(q.topic is not None and q.topic.locale.language_code == "ja" for q in japanese)
    english = Question.objects.filter(language="en").select_related("topic__locale")
    assert all(q.topic.locale.language_code == "en" for q in english)

    now = timezone.now()
    created = list(Question.objects.values_list("created_at", flat=True))
    assert min(created) > now - timedelta(days=demo.SPREAD_DAYS) and max(created) < now
    assert max(created) - min(created) > timedelta(days=60), "spread over the last 90 days"
    for question in Question.objects.filter(answer_count__gt=0)[:40]:
        answers = list(question.answers.values_list("created_at", flat=True))
        assert all(question.created_at < moment <= question.last_activity_at for moment in answers)

    User = get_user_model()
    customers = User.objects.filter(username__in=[p["username"] for p in demo.read_people()])
    assert customers.count() == 11
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in customers)
    assert all(user.emailaddress_set.filter(verified=True).exists() and user.profile.display_name for user in customers)
    assert "agree" in recompute_check()


def test_loader_skips_existing_titles_and_writes_each_thread_atomically(tmp_path, demo_topics):
    content = tmp_path / "content"
    content.mkdir()
    (content / "people.yaml").write_text((demo.CONTENT_DIR / "people.yaml").read_text("utf-8"), "utf-8")
    questions = [
        {"title": "Hub keeps rebooting every night", "topic": "troubleshooting", "tags": ["hub"], "author": "alice",
         "body": "Every night at 3:00 the hub restarts.", "votes": [2, 1], "me_too": 2,
         "answers": [{"author": "bob", "body": "Check the power adapter.", "votes": 3, "accepted": True,
                      "comments": [{"author": "asker", "body": "New adapter fixed it."}]}],
         "comments": [{"body": "Same here."}]},
        {"title": "ハブが毎晩再起動します", "language": "ja", "topic": "troubleshooting", "author": "hanako",
         "body": "毎晩 3 時にハブが再起動します。", "answers": []},
    ]
    (content / "questions_test.yaml").write_text(yaml.safe_dump({"language": "en", "questions": questions}), "utf-8")
    summary = demo.load_community_demo(content)
    assert (summary.created, summary.english, summary.japanese, summary.accepted) == (2, 1, 1, 1)
    question = Question.objects.get(title="Hub keeps rebooting every night")
    assert (question.score, question.answer_count, question.comment_count, question.me_too_count) == (1, 1, 1, 2)
    assert question.accepted_answer.author.username == "bob"
    assert Question.objects.get(language="ja").topic == demo_topics["troubleshooting"][1]

    # A broken thread rolls back completely and the next run picks it up again.
    questions.append({"title": "A third question that fails", "topic": "billing-refunds", "author": "alice",
                      "body": "Body.", "answers": [{"author": "nobody", "body": "?"}]})
    (content / "questions_test.yaml").write_text(yaml.safe_dump({"language": "en", "questions": questions}), "utf-8")
    with pytest.raises(demo.DemoContentError, match="nobody"):
        demo.load_community_demo(content)
    assert not Question.objects.filter(title="A third question that fails").exists()
    assert Question.objects.count() == 2
    # The rate limits and duplicate check are back once the loader is done.
    actor = services.Actor(get_user_model().objects.get(username="alice"))
    for _ in range(services.RATE_LIMITS["ask"][0]):
        services.throttle("ask", actor)
    with pytest.raises(services.CommunityError):
        services.throttle("ask", actor)
    recompute_check()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_demo_activity_notifies_but_emails_nobody(tmp_path):
    """With real commits (so the notification tasks run, as in load_demo) the loader fills the notification
    centre without sending email; the same activity outside the loader does send it."""
    site = make_site()
    make_topic(site["en"], "Troubleshooting", "troubleshooting")
    content = tmp_path / "content"
    content.mkdir()
    (content / "people.yaml").write_text((demo.CONTENT_DIR / "people.yaml").read_text("utf-8"), "utf-8")
    question = {"title": "Hub keeps rebooting every night", "topic": "troubleshooting", "author": "alice",
                "body": "Every night at 3:00 the hub restarts.",
                "answers": [{"author": "bob", "body": "Check the power adapter.", "accepted": True}]}
    (content / "questions_test.yaml").write_text(yaml.safe_dump({"language": "en", "questions": [question]}), "utf-8")
    demo.load_community_demo(content)
    assert Notification.objects.filter(recipient__username="alice").exists()  # bob answered
    assert Notification.objects.filter(recipient__username="bob").exists()  # alice accepted
    assert mail.outbox == []

    services.post_answer(get_user_model().objects.get(username="maria"), Question.objects.get(), body="Or the cable.")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]


def test_demo_loader_leaves_rate_limits_on_for_everyone_else(member):
    with demo.services_unthrottled():
        for number in range(8):
            ask(member, title=f"Question number {number} about the hub", body="Same body every time.")
    assert Question.objects.filter(author=member).count() == 8  # no rate limit, no duplicate check inside
    with pytest.raises(services.CommunityError, match="exactly this"):
        ask(member, title="One more question about the hub", body="Same body every time.")
    for number in range(4):  # the refused duplicate used one of the five per ten minutes
        ask(member, title=f"Outside question {number} about the hub", body=f"Body {number}.")
    with pytest.raises(services.CommunityError) as refused:
        ask(member, title="One question too many about the hub", body="Another body.")
    assert refused.value.retry_after


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

    with pytest.raises(CommandError, match="1 counter mismatch"):
        recompute_check()
    out = run("recompute_community")
    assert "1 row(s) changed" in out and f"{model.__name__} {row.pk} {field}" in out
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


# --- seed_bulk -------------------------------------------------------------------------------------------------


BENCHMARK = "Benchmark: hub keeps dropping off Wi-Fi (50 answers)"


def bulk_questions():
    return Question.objects.filter(is_bulk=True).exclude(title=BENCHMARK)


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
    assert TaggedQuestion.objects.filter(content_object__is_bulk=True).exists()
    answers = Answer.objects.filter(question__in=bulk_questions())
    assert 150 <= answers.count() <= 400
    assert bulk_questions().filter(accepted_answer__isnull=False).exists()
    assert len(set(answers.values_list("score", flat=True))) > 3

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
    assert Question.objects.filter(pk=keep.pk, is_bulk=False).exists()
    assert not Answer.objects.filter(question__is_bulk=True).exclude(author__username__startswith="bulk-user-").exists()
    recompute_check()


def test_seed_bulk_without_topics_still_works(db):
    run("seed_bulk", questions=5, users=60)
    assert bulk_questions().count() == 5
    recompute_check()
