"""Badges: every rule through the real services, award idempotence (notification + event once), the bulk
backfill (each rule, idempotent, a bounded number of queries), member_badges and the pages' query budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import Answer, Question
from community.rewards import badges
from community.rewards.events import BadgeAwarded
from community.rewards.models import BadgeAward
from community.services.base import relaxed_limits
from portal.events import subscribe, unsubscribe
from portal.models import Notification
from portal.refs import PostRef
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _relaxed():
    with relaxed_limits():
        yield


def codes(user) -> set[tuple[str, str]]:
    return set(BadgeAward.objects.filter(user=user).values_list("badge", "key"))


def ask(user, n=0, **kwargs):
    return services.ask_question(user, title=f"Hub light blinks red after update {n}", body=f"It blinks red {n}.", **kwargs)


def answer_on(user, question, n=0):
    return services.post_answer(user, question, body=f"Hold the reset button for {n + 10} seconds.")


# --- the registry ------------------------------------------------------------------------------------------------


def test_the_nine_badges_with_their_levels():
    assert {code: b.level for code, b in badges.RULES.items()} == {
        "first_question": "bronze", "first_answer": "bronze", "first_accepted": "bronze",
        "ten_upvoted_answers": "silver", "tag_expert": "gold", "answer_streak": "silver",
        "great_question": "silver", "popular_question": "bronze", "answer_in_article": "gold",
    }


# --- award ---------------------------------------------------------------------------------------------------------


def test_award_once_with_one_notification_and_one_event():
    user = MemberFactory()
    seen = []
    subscribe(BadgeAwarded, seen.append, phase="atomic")
    try:
        first = badges.award(user.pk, "great_question", key="7", post=PostRef("question", 7))
        again = badges.award(user.pk, "great_question", key="7")
        other_key = badges.award(user.pk, "great_question", key="8")
    finally:
        unsubscribe(BadgeAwarded, seen.append)
    assert first is not None and again is None and other_key is not None
    assert (first.post_kind, first.post_id) == ("question", 7)
    assert BadgeAward.objects.filter(user=user).count() == 2
    assert [(e.badge, e.key) for e in seen] == [("great_question", "7"), ("great_question", "8")]
    notes = Notification.objects.filter(recipient=user, kind=Notification.Kind.REWARDS)
    assert notes.count() == 2
    assert "Great question" in notes.first().title


def test_the_badge_notification_is_in_the_members_language_and_says_so():
    """Earned in an English request (a vote, an acceptance), told in the member's language, marked with it."""
    from django.utils import translation

    from portal.models import Profile

    japanese, english = MemberFactory(), MemberFactory()
    Profile.objects.filter(user=japanese).update(language="ja")
    with translation.override("en"):
        badges.award(japanese.pk, "great_question", key="7")
        badges.award(english.pk, "great_question", key="7")
    told = Notification.objects.get(recipient=japanese)
    assert told.language == "ja" and "Great question" not in told.title and "バッジ" in told.title
    told = Notification.objects.get(recipient=english)
    assert told.language == "en" and "Great question" in told.title


def test_award_refuses_an_unknown_badge():
    user = MemberFactory()
    with pytest.raises(badges.BadgeError):
        badges.award(user.pk, "nonsense")
    assert not BadgeAward.objects.exists()


# --- rules through the services ------------------------------------------------------------------------------------


def test_first_question_and_first_answer_once():
    asker, answerer = MemberFactory(), MemberFactory()
    q1 = ask(asker, 1)
    ask(asker, 2)
    answer_on(answerer, q1, 1)
    answer_on(answerer, ask(asker, 3), 2)
    assert codes(asker) == {("first_question", "")}
    assert codes(answerer) == {("first_answer", "")}
    award = BadgeAward.objects.get(user=asker)
    assert (award.post_kind, award.post_id) == ("question", q1.pk)


def test_a_held_question_earns_nothing_until_published(monkeypatch):
    asker = MemberFactory()
    question = QuestionFactory(author=asker, status="pending")
    from community import events

    services_event = events.PostPublished(
        post=PostRef("question", question.pk), question_id=question.pk, actor_id=None, author_id=asker.pk,
        from_status="pending", to_status="published",
    )
    assert codes(asker) == set()
    Question.objects.filter(pk=question.pk).update(status="published")
    badges.on_published(services_event)
    assert codes(asker) == {("first_question", "")}


def test_first_accepted_answer(question, answerer, asker):
    answer = answer_on(answerer, question)
    assert ("first_accepted", "") not in codes(answerer)
    services.accept_answer(asker, answer)
    assert ("first_accepted", "") in codes(answerer)


def test_accepting_your_own_answer_earns_first_accepted_only_once(asker):
    question = ask(asker, 1)
    answer = answer_on(asker, question)
    services.accept_answer(asker, answer)
    services.unaccept_answer(asker, Question.objects.get(pk=question.pk))
    services.accept_answer(asker, answer)
    assert BadgeAward.objects.filter(user=asker, badge="first_accepted").count() == 1


def test_ten_upvoted_answers_at_the_tenth():
    author = MemberFactory()
    voter = MemberFactory()
    answers = [AnswerFactory(author=author) for _ in range(10)]
    for answer in answers[:9]:
        services.vote(voter, answer, 1)
    assert ("ten_upvoted_answers", "") not in codes(author)
    services.vote(voter, answers[9], -1)  # a downvote never awards
    assert ("ten_upvoted_answers", "") not in codes(author)
    services.vote(voter, answers[9], 1)
    assert ("ten_upvoted_answers", "") in codes(author)


def test_great_question_at_score_ten_per_question():
    author = MemberFactory()
    question = QuestionFactory(author=author)
    voters = MemberFactory.create_batch(10)
    for voter in voters[:9]:
        services.vote(voter, question, 1)
    assert codes(author) == set()
    services.vote(voters[9], question, 1)
    assert codes(author) == {("great_question", str(question.pk))}
    services.vote(voters[9], question, 0)
    services.vote(voters[9], question, 1)  # back to 10: no second award
    assert BadgeAward.objects.filter(user=author).count() == 1


def test_tag_expert_at_25_accepted_answers_in_one_tag():
    expert, asker = MemberFactory(), MemberFactory()
    for n in range(25):
        question = QuestionFactory(author=asker, tags=["hub"] if n < 24 else ["hub", "wifi"])
        answer = AnswerFactory(question=question, author=expert)
        if n < 24:
            Question.objects.filter(pk=question.pk).update(accepted_answer=answer)
    assert ("tag_expert", "hub") not in codes(expert)
    services.accept_answer(asker, answer)
    assert ("tag_expert", "hub") in codes(expert)
    assert ("tag_expert", "wifi") not in codes(expert)  # one accepted answer in wifi


def test_answer_streak_on_seven_consecutive_utc_days():
    author = MemberFactory()
    today = timezone.now().astimezone(dt.UTC).replace(hour=12)
    for days_ago in range(1, 6):  # six days back would leave a gap: today + 5 previous days = 6
        AnswerFactory(author=author, created_at=today - dt.timedelta(days=days_ago))
    answer_on(author, QuestionFactory(), 1)
    assert ("answer_streak", "") not in codes(author)
    AnswerFactory(author=author, created_at=today - dt.timedelta(days=6))
    answer_on(author, QuestionFactory(), 2)
    assert ("answer_streak", "") in codes(author)


def test_support_replies_earn_no_answer_badges():
    agent = MemberFactory()
    AnswerFactory(author=agent, is_support_reply=True)
    badges.check_answer_badges(agent.pk)
    assert codes(agent) == set()


# --- backfill --------------------------------------------------------------------------------------------------------


def _history():
    asker, expert, popular = MemberFactory(), MemberFactory(), MemberFactory()
    now = timezone.now()
    great = QuestionFactory(author=asker, score=12)
    viewed = QuestionFactory(author=popular, view_count=1500)
    QuestionFactory(author=popular, view_count=999, status="deleted")
    for n in range(25):
        question = QuestionFactory(author=asker, tags=["hub"])
        answer = AnswerFactory(question=question, author=expert, created_at=now - dt.timedelta(days=n))
        Question.objects.filter(pk=question.pk).update(accepted_answer=answer)
    Answer.objects.filter(author=expert).update(score=1)
    return {"asker": asker, "expert": expert, "popular": popular, "great": great, "viewed": viewed}


def test_backfill_awards_every_rule_once_and_is_idempotent(django_assert_max_num_queries):
    world = _history()
    with django_assert_max_num_queries(40):
        created = badges.backfill()
    assert codes(world["asker"]) == {("first_question", ""), ("great_question", str(world["great"].pk))}
    assert codes(world["expert"]) == {
        ("first_answer", ""), ("first_accepted", ""), ("ten_upvoted_answers", ""), ("tag_expert", "hub"),
        ("answer_streak", ""),
    }
    assert codes(world["popular"]) == {("first_question", ""), ("popular_question", str(world["viewed"].pk))}
    assert created["tag_expert"] == 1 and created["first_question"] == 2
    assert badges.backfill() == {code: 0 for code in created}
    assert not Notification.objects.filter(kind=Notification.Kind.REWARDS).exists()  # history is not news


def test_backfill_queries_do_not_grow_with_the_data(django_assert_max_num_queries):
    for _ in range(3):
        _history()
    with django_assert_max_num_queries(40):
        badges.backfill()
    assert BadgeAward.objects.filter(badge="tag_expert").count() == 3


def test_backfill_streak_needs_consecutive_days():
    author = MemberFactory()
    base = timezone.now().astimezone(dt.UTC) - dt.timedelta(days=30)
    for n in (0, 1, 2, 3, 4, 5, 7, 8):  # a gap on day 6
        AnswerFactory(author=author, created_at=base + dt.timedelta(days=n))
    AnswerFactory(author=author, created_at=base + dt.timedelta(days=8, hours=1))  # same day twice
    badges.backfill(["answer_streak"])
    assert ("answer_streak", "") not in codes(author)
    AnswerFactory(author=author, created_at=base + dt.timedelta(days=6))
    badges.backfill(["answer_streak"])
    assert ("answer_streak", "") in codes(author)


def test_backfill_command_reports_counts_and_refuses_unknown_codes(capsys):
    _history()
    call_command("backfill_badges", "--only", "popular_question")
    out = capsys.readouterr().out
    assert "popular_question: 1 new" in out
    assert BadgeAward.objects.filter(badge="first_question").count() == 0
    with pytest.raises(CommandError):
        call_command("backfill_badges", "--only", "nonsense")


# --- reading ---------------------------------------------------------------------------------------------------------


def test_member_badges_in_one_query(django_assert_num_queries):
    user = MemberFactory()
    badges.award(user.pk, "first_question")
    badges.award(user.pk, "tag_expert", key="hub")
    badges.award(user.pk, "tag_expert", key="wifi")
    with django_assert_num_queries(1):
        found = badges.member_badges(user.pk)
    assert [(b["code"], b["level"], b["count"]) for b in found] == [("tag_expert", "gold", 2), ("first_question", "bronze", 1)]
    assert found[0]["level_label"] == "Gold" and found[0]["name"] == "Tag expert" and found[0]["last_awarded"]


def _many_awards(n=25):
    members = MemberFactory.create_batch(n)
    for member in members:
        badges.award(member.pk, "first_question")
        question = QuestionFactory(author=member)
        badges.award(member.pk, "great_question", key=str(question.pk), post=PostRef("question", question.pk))
    return members


def test_badges_page_lists_every_badge_with_holders(client, site, django_assert_max_num_queries):
    _many_awards(5)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("community_badges"))
    page = response.content.decode()
    assert response.status_code == 200
    for badge in badges.RULES.values():
        assert str(badge.name) in page
    assert "Held by 5 members" in page and "(Gold)" in page and "(Bronze)" in page


def test_badges_page_budget_does_not_grow(client, site, django_assert_max_num_queries):
    member = _many_awards(25)[0]
    client.force_login(member)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("community_badges"))
    assert "You have this badge" in response.content.decode()


def test_badge_page_recent_holders_paginated(client, site, django_assert_max_num_queries):
    members = _many_awards(35)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("community_badge", args=["great_question"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert members[-1].username in page and members[0].username not in page  # newest first, 30 a page
    assert "Hub light blinks red" in page  # the question it was earned for
    assert 'rel="next"' in page
    second = client.get(reverse("community_badge", args=["great_question"]), {"page": 2})
    assert members[0].username in second.content.decode()


def test_badge_page_in_japanese_and_unknown_badge(client, site):
    response = client.get("/ja" + reverse("community_badge", args=["first_answer"]))
    assert response.status_code == 200
    assert "初めての回答" in response.content.decode()
    assert client.get(reverse("community_badge", args=["nope"])).status_code == 404


def test_badge_work_on_a_vote_is_bounded(django_assert_num_queries):
    from community.events import VoteCast

    author = MemberFactory()
    answer = AnswerFactory(author=author)
    question = QuestionFactory(author=author)
    up_answer = VoteCast(post=PostRef("answer", answer.pk), question_id=answer.question_id, actor_id=None,
                         author_id=author.pk, from_value=0, to_value=1, score=3)
    up_question = VoteCast(post=PostRef("question", question.pk), question_id=question.pk, actor_id=None,
                           author_id=author.pk, from_value=0, to_value=1, score=12)
    with django_assert_num_queries(2):  # held badges, positive answers
        badges.on_vote(up_answer)
    with django_assert_num_queries(0):  # a downvote, or a score of 0 or less, checks nothing
        badges.on_vote(VoteCast(post=up_answer.post, question_id=answer.question_id, actor_id=None,
                                author_id=author.pk, from_value=0, to_value=-1, score=-1))
    badges.on_vote(up_question)
    assert codes(author) == {("great_question", str(question.pk))}
    badges.award(author.pk, "ten_upvoted_answers")
    with django_assert_num_queries(1):  # already held: one look
        badges.on_vote(up_answer)
    with django_assert_num_queries(1):
        badges.on_vote(up_question)


def test_badge_pages_are_valid_html_in_both_languages(client, site, tmp_path):
    from tests.portal.test_valid_html import format_messages, run_vnu, vnu_command

    vnu_command()
    member = _many_awards(3)[0]
    badges.award(member.pk, "tag_expert", key="hub")
    client.force_login(member)
    files = []
    for prefix in ("", "/ja"):
        for index, url in enumerate([reverse("community_badges"), reverse("community_badge", args=["great_question"]),
                                     reverse("community_badge", args=["tag_expert"]),
                                     reverse("community_badge", args=["answer_streak"])]):
            response = client.get(prefix + url)
            assert response.status_code == 200
            path = tmp_path / f"{prefix.strip('/') or 'en'}-{index}.html"
            path.write_text(response.content.decode())
            files.append(path)
    errors = run_vnu(files)
    assert not errors, format_messages(errors)
