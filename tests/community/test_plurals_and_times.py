"""Counts said with the right plural ("1 vote", "2 votes") and natural relative times ("22 hours ago",
"22時間前", "just now") in English and Japanese."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from community.models import Question
from portal import page_cache
from portal.models import Notification
from portal.templatetags.portal_tags import ago
from tests.community.conftest import ask

NOW = timezone.now()


@pytest.mark.parametrize(
    ("delta", "english", "japanese"),
    [
        (timedelta(0), "just now", "たった今"),
        (timedelta(seconds=59), "just now", "たった今"),
        (timedelta(seconds=-30), "just now", "たった今"),  # a clock a little ahead
        (timedelta(minutes=1), "1 minute ago", "1分前"),
        (timedelta(minutes=41, seconds=50), "41 minutes ago", "41分前"),
        (timedelta(hours=1), "1 hour ago", "1時間前"),
        (timedelta(hours=22, minutes=41), "22 hours ago", "22時間前"),
        (timedelta(days=1, hours=5), "1 day ago", "1日前"),
        (timedelta(days=6), "6 days ago", "6日前"),
        (timedelta(days=7), "1 week ago", "1週間前"),
        (timedelta(days=20), "2 weeks ago", "2週間前"),
        (timedelta(days=31), "1 month ago", "1か月前"),
        (timedelta(days=200), "6 months ago", "6か月前"),
        (timedelta(days=365), "1 year ago", "1年前"),
        (timedelta(days=800), "2 years ago", "2年前"),
    ],
)
def test_ago_says_one_unit_the_largest(delta, english, japanese):
    with translation.override("en"):
        assert ago(NOW - delta, NOW) == english
    with translation.override("ja"):
        assert ago(NOW - delta, NOW) == japanese


def test_ago_of_nothing_is_empty():
    assert ago(None) == ""


def _row_stats(html: str, title: str) -> str:
    """The text of one question row (tags stripped, spaces collapsed)."""
    row = html[html.rindex('<li class="question-row">', 0, html.index(title)) :]
    row = row[: row.index("</li>\n")] if "</li>\n" in row else row
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))


@pytest.mark.django_db
def test_question_list_says_1_vote_and_2_votes(client, asker):
    now = timezone.now()
    one = ask(asker, title="Exactly one of everything here", body="b1")
    two = ask(asker, title="Two of everything over here", body="b2")
    Question.objects.filter(pk=one.pk).update(score=1, answer_count=1, view_count=1, last_activity_at=now - timedelta(hours=22, minutes=41))
    Question.objects.filter(pk=two.pk).update(score=2, answer_count=2, view_count=2, last_activity_at=now)
    page_cache.invalidate()
    html = client.get("/community/").content.decode()
    row = _row_stats(html, one.title)
    assert "1 vote " in row and "1 answer " in row and "1 view " in row
    assert "1 votes" not in row and "1 answers" not in row and "1 views" not in row
    assert "1 vote, 1 answer, 1 view" in row  # the screen-reader summary
    assert "active 22 hours ago" in row and "minutes" not in row
    row = _row_stats(html, two.title)
    assert "2 votes " in row and "2 answers " in row and "2 views " in row
    assert "2 votes, 2 answers, 2 views" in row and "active just now" in row
    html = client.get("/ja/community/?lang=all").content.decode()  # English questions, asked for
    row = _row_stats(html, one.title)
    assert "最終更新: 22時間前" in row and "分" not in row
    assert "最終更新: たった今" in _row_stats(html, two.title)


@pytest.mark.django_db
def test_question_page_vote_label_agrees_with_the_score(client, asker):
    for score, label in ((1, "vote"), (2, "votes"), (0, "votes")):
        question = ask(asker, title=f"A question with score {score} here", body=f"Body {score}")
        Question.objects.filter(pk=question.pk).update(score=score)
        html = client.get(question.get_absolute_url()).content.decode()
        assert re.search(rf'vote-score--static">.*?</span>{score}</span>\s*<span class="small muted vote-label"[^>]*>{label}</span>', html)


@pytest.mark.django_db
def test_notifications_say_natural_times(client, asker, answerer):
    Notification.objects.create(
        recipient=asker, actor=answerer, kind=Notification.Kind.ANSWER, dedupe_key="answer:1", title="Question 1",
        url="/community/q/1/question-1/", excerpt="An answer", created_at=timezone.now() - timedelta(hours=22, minutes=41),
    )
    client.force_login(asker)
    html = client.get("/notifications/").content.decode()
    assert re.search(r"<time [^>]*>22 hours ago</time>", html)
    html = client.get("/ja/notifications/").content.decode()
    assert re.search(r"<time [^>]*>22時間前</time>", html)
