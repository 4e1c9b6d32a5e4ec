"""The community demo loader (devtools.community_demo): the YAML, loading through the services, idempotency."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from community import services
from community.models import (
    Acceptance,
    Answer,
    Comment,
    Follow,
    MeToo,
    PostRevision,
    Question,
    Vote,
    VoteEvent,
)
from devtools import community_demo as demo
from portal.models import Notification
from tests.commands import recompute_check
from tests.community.conftest import ask
from tests.devtools.conftest import TOPICS
from tests.factories import make_site, make_topic

pytestmark = pytest.mark.django_db


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
