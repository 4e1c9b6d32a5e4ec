"""A solved question becomes a draft help article (issue 11, curation): pre-filled, credited, linked both ways,
through the "Moderators approval" workflow. Also: suggested originals and the review queue's curation actions."""

from __future__ import annotations

import pytest
from wagtail.models import ModelLogEntry

from community import services
from community.models import Question
from knowledge.models import ArticlePage
from moderation import curation
from moderation.errors import ModerationError, PermissionRefused
from tests.community.conftest import ask
from tests.factories import MemberFactory, ProfileFactory, UserFactory, make_topic, translate

pytestmark = pytest.mark.django_db

ANSWER = """First check that the hub is plugged in.

1. Open **Settings** in the app.
2. Choose *Refunds*,
   then press Continue.
3. Confirm with your PIN.

```bash
hubctl refund --now
```
"""


@pytest.fixture
def asker(db):
    return MemberFactory(username="asker")


@pytest.fixture
def helper(db):
    return ProfileFactory(user=UserFactory(username="helper"), display_name="Hana Helper").user


@pytest.fixture
def solved(topic, asker, helper):
    question = ask(asker, title="How do I request a refund from the app?", body="I paid twice. How do I get a refund?",
                   topic=topic, tags="refund")
    answer = services.post_answer(helper, question, body=ANSWER)
    services.accept_answer(asker, answer)
    question.refresh_from_db()
    return question


def test_convert_creates_a_prefilled_draft_in_the_workflow(client, topic, solved, moderator):
    article = curation.convert_to_article(moderator, solved)
    article = ArticlePage.objects.get(pk=article.pk)
    assert not article.live and article.get_parent().specific == topic
    assert article.title == solved.title and article.locale == topic.locale
    assert article.summary == "I paid twice. How do I get a refund?"
    assert article.source_url == solved.get_absolute_url()
    assert article.credited_to == "Hana Helper"
    assert sorted(article.tags.names()) == ["refund"]
    blocks = [(block.block_type, block.value) for block in article.body]
    kinds = [kind for kind, _value in blocks]
    assert kinds == ["heading", "paragraph", "heading", "paragraph", "steps", "code"]
    assert blocks[0][1]["text"] == "The problem" and blocks[2][1]["text"] == "Solution"
    steps = [str(step) for step in blocks[4][1]]
    assert len(steps) == 3 and "<strong>Settings</strong>" in steps[0] and "then press Continue" in steps[1]
    assert blocks[5][1]["code"] == "hubctl refund --now" and blocks[5][1]["language"] == "bash"
    state = article.current_workflow_state
    assert state is not None and state.status == "in_progress" and state.workflow.name == "Moderators approval"
    assert state.requested_by == moderator
    solved.refresh_from_db()
    assert solved.article_id == article.pk
    entry = ModelLogEntry.objects.get(action="moderation.curation.to_article")
    assert entry.user_id == moderator.pk and entry.data["after"]["article"] == article.pk

    # while it is a draft: moderators see it on the question (linked to the editor), readers do not
    html = client.get(solved.get_absolute_url()).content.decode()
    assert "help article" not in html
    client.force_login(moderator)
    html = client.get(solved.get_absolute_url()).content.decode()
    assert "draft, waiting for approval" in html and f"/admin/pages/{article.pk}/edit/" in html

    # approved through the workflow: the question links the article, the article credits the answer
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, moderator, "approve")
    article.refresh_from_db()
    assert article.live
    client.logout()
    html = client.get(solved.get_absolute_url()).content.decode()
    assert "This answer became a help article:" in html and f'href="/help/{article.slug}/"' in html
    html = client.get(article.url).content.decode()
    assert "Based on a community answer by Hana Helper" in html
    assert f'href="{solved.get_absolute_url()}"' in html


def test_refusals_unsolved_twice_and_members(topic, asker, helper, solved, moderator):
    unsolved = ask(asker, title="Why is my refund still pending?", body="Still pending.", topic=topic)
    services.post_answer(helper, unsolved, body="It takes ten days.")
    with pytest.raises(ModerationError) as refused:
        curation.convert_to_article(moderator, unsolved)
    assert "solved" in refused.value.message
    with pytest.raises(PermissionRefused):
        curation.convert_to_article(helper, solved)
    curation.convert_to_article(moderator, solved)
    with pytest.raises(ModerationError) as refused:
        curation.convert_to_article(moderator, solved)
    assert "already" in refused.value.message
    assert ArticlePage.objects.filter(title=solved.title).count() == 1
    assert Question.objects.get(pk=unsolved.pk).article_id is None


def test_a_question_without_topic_needs_one(asker, helper, moderator, site):
    question = ask(asker, title="How do I request a refund from the app?", body="I paid twice.")
    answer = services.post_answer(helper, question, body="Use the refund form.")
    services.accept_answer(asker, answer)
    with pytest.raises(ModerationError) as refused:
        curation.convert_to_article(moderator, Question.objects.get(pk=question.pk))
    assert refused.value.field == "topic"
    other = make_topic(site["en"], "Shipping", "shipping", tags=["shipping"])
    article = curation.convert_to_article(moderator, Question.objects.get(pk=question.pk), topic=other)
    assert article.get_parent().pk == other.pk


def test_a_japanese_question_becomes_an_article_in_the_japanese_topic(site, topic, asker, helper, moderator):
    topic_ja = translate(topic, site["locale_ja"], title="請求と払い戻し")
    question = ask(asker, title="アプリから返金を申請するには？", body="二重に支払いました。", topic=topic, language="ja")
    answer = services.post_answer(helper, question, body="1. 設定を開きます。\n2. 返金を選びます。")
    services.accept_answer(asker, answer)
    article = curation.convert_to_article(moderator, Question.objects.get(pk=question.pk))
    assert article.get_parent().pk == topic_ja.pk and article.locale.language_code == "ja"
    assert article.slug == f"question-{question.pk}"
    headings = [block.value["text"] for block in article.body if block.block_type == "heading"]
    assert headings == ["問題", "解決方法"]
    steps = next(block.value for block in article.body if block.block_type == "steps")
    assert len(steps) == 2


# --- suggested originals and the queue's actions --------------------------------------------------------------------------


def test_suggest_originals_from_search(topic, asker, helper, moderator):
    question = ask(asker, title="Refund still pending after two weeks", body="Pending.", topic=topic)
    similar = ask(helper, title="Refund pending for two weeks now", body="Still pending.", topic=topic)
    merged = ask(helper, title="Refund pending since two weeks", body="Pending too.", topic=topic)
    ask(helper, title="Hub light blinks red after update", body="Blinking.")
    services.merge_questions(moderator, merged, similar)
    found = curation.suggest_originals(question)
    assert [q.pk for q in found] == [similar.pk]


def test_queue_actions_lock_close_duplicate_and_move(site, topic, asker, helper, moderator):
    question = ask(asker, title="Refund still pending after two weeks", body="Pending.", topic=topic)
    original = ask(helper, title="Refund pending for two weeks now", body="Still pending.", topic=topic)
    answer = services.post_answer(helper, question, body="It takes ten days.")
    curation.item_lock(moderator, None, answer, "Heated thread", {})
    curation.item_close_duplicate(moderator, None, question, "Same", {"duplicate_of": str(original.pk)})
    shipping = make_topic(site["en"], "Shipping", "shipping", tags=["shipping"])
    curation.item_move(moderator, None, question, "Delivery", {"topic": shipping.pk})
    question.refresh_from_db()
    assert question.locked_at and question.duplicate_of_id == original.pk and question.topic_id == shipping.pk
    with pytest.raises(ModerationError) as refused:
        curation.item_close_duplicate(moderator, None, question, "", {"duplicate_of": "abc"})
    assert refused.value.field == "duplicate_of"
    with pytest.raises(ModerationError):
        curation.item_move(moderator, None, question, "", {"topic": 999999})
    assert set(curation.ITEM_ACTIONS) == {"lock", "close_duplicate", "move"}


def test_the_question_page_follows_its_article_going_live(client, solved, moderator):
    article = curation.convert_to_article(moderator, solved)
    client.get(solved.get_absolute_url())  # cached without the notice
    assert "help article" not in client.get(solved.get_absolute_url()).content.decode()
    article.save_revision().publish()
    # no manual cache clearing: publishing the article touches the question's stamp
    assert "This answer became a help article:" in client.get(solved.get_absolute_url()).content.decode()


def test_register_adds_the_curation_actions_to_the_review_queue(monkeypatch):
    """The review queue (moderation/review.py, written by the flags area) gets "lock", "close_duplicate" and
    "move" through its `register_item_action` (INTERFACES.md); a stand-in module records the calls."""
    import sys
    import types

    import moderation

    calls = []
    stand_in = types.ModuleType("moderation.review")
    stand_in.register_item_action = lambda name, fn, *, label, resolves=True, needs=(): calls.append(
        (name, fn, str(label), resolves, needs))
    monkeypatch.setitem(sys.modules, "moderation.review", stand_in)
    monkeypatch.setattr(moderation, "review", stand_in, raising=False)
    curation.register()
    assert [(name, needs) for name, _fn, _label, _resolves, needs in calls] == [
        ("lock", ()), ("close_duplicate", ("duplicate_of",)), ("move", ("topic",))]
    assert calls[0][1] is curation.item_lock and calls[1][2] == "Close as duplicate"


@pytest.mark.parametrize(("text", "number"), [
    ("42", 42), ("#42", 42), ("http://testserver/community/q/42/refund-pending/", 42), ("/ja/community/q/7/", 7),
    ("http://127.0.0.1:8000/community/q/9/x/", 9), ("abc", None), ("", None), ("/community/users/5/", None),
])
def test_original_question_by_number_or_address(text, number):
    from moderation.views.curate import parse_question_number

    assert parse_question_number(text) == number


def test_convert_from_the_curation_page_with_a_chosen_topic(client, site, asker, helper, moderator):
    question = ask(asker, title="How do I request a refund from the app?", body="I paid twice.")
    answer = services.post_answer(helper, question, body="Use the refund form.")
    services.accept_answer(asker, answer)
    shipping = make_topic(site["en"], "Shipping", "shipping", tags=["shipping"])
    client.force_login(moderator)
    url = f"/community/moderation/curate/q/{question.pk}/"
    html = client.get(url).content.decode()
    assert 'id="article-topic"' in html
    response = client.post(url, {"action": "to_article"}, follow=True)  # no topic: refused with a message
    assert "Choose a topic for the article" in response.content.decode()
    response = client.post(url, {"action": "to_article", "topic": str(shipping.pk), "next": url})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.article.get_parent().pk == shipping.pk
    client.force_login(helper)
    assert client.post(url, {"action": "to_article", "topic": str(shipping.pk)}).status_code == 403


def test_the_draft_is_reviewed_on_the_utc_day_whatever_page_the_moderator_used(solved, moderator):
    """At 23:00 UTC on 7 December it is already 8 December in Japan: a draft made from a Japanese page (Japan time
    active) is still marked reviewed on the UTC day, as one made from an English page."""
    from datetime import UTC, date, datetime

    import time_machine
    from django.utils import timezone

    with time_machine.travel(datetime(2026, 12, 7, 23, 0, tzinfo=UTC), tick=False), timezone.override("Asia/Tokyo"):
        article = curation.convert_to_article(moderator, solved)
    assert ArticlePage.objects.get(pk=article.pk).last_reviewed == date(2026, 12, 7)
