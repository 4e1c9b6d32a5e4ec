"""The review queue: items, priority, every built-in action, stale versions, outcomes, audit, filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import screening, services
from community.status import PostStatus
from moderation import review
from moderation.errors import AlreadyHandled, CommunityError, ModerationError, PermissionRefused
from moderation.flags import flag_post
from moderation.models import Flag, ReviewItem
from moderation.review import act_on_item, open_item, queue
from portal import audit
from portal.models import Notification, Profile
from tests.factories import AnswerFactory, CommentFactory, MemberFactory, QuestionFactory, make_topic
from tests.moderation.factories import FlagFactory, ReviewItemFactory, make_moderator

pytestmark = pytest.mark.django_db


def flagged(post, members, reason="spam"):
    for member in members:
        flag_post(member, post, reason=reason)
    post.refresh_from_db()
    return ReviewItem.objects.get(post_kind=post.kind, post_id=post.pk, state="open")


@pytest.fixture
def hidden_item(spam_question, flaggers):
    item = flagged(spam_question, flaggers[:3])
    assert spam_question.status == PostStatus.HIDDEN
    return item


@pytest.fixture
def held_question(author):
    screening.register_screen("test-hold", lambda draft: screening.Verdict("hold", "We check new posts.", ("links",)))
    try:
        question = services.ask_question(author, title="Hub offline after the update", body="See http://x.example")
    finally:
        screening.unregister_screen("test-hold")
    return question


def act(user, item, action, reason="", **params):
    item.refresh_from_db()
    return act_on_item(user, item.pk, action=action, version=item.version, reason=reason, params=params)


# --- items and priority --------------------------------------------------------------------------------------


def test_open_item_is_one_per_post_and_moves_its_version(spam_question):
    first = open_item(spam_question, flagged=True)
    second = open_item(spam_question, held=True, hold_reasons="links")
    assert first.pk == second.pk and second.version == first.version + 1
    assert second.flagged and second.held and second.hold_reasons == "links"
    assert ReviewItem.objects.count() == 1


def test_a_resolved_item_leaves_room_for_a_new_one(spam_question, moderator):
    item = open_item(spam_question, flagged=True)
    act(moderator, item, "dismiss")
    again = open_item(spam_question, flagged=True)
    assert again.pk != item.pk and again.state == "open"


def test_priority_orders_by_reason_and_weight_then_age():
    now = timezone.now()

    def item(**fields):
        made = ReviewItemFactory(**fields)
        made.priority = review.priority(made)
        made.save(update_fields=["priority"])
        return made

    spam = item(flagged=True, top_reason="spam", flag_weight=3.0, created_at=now)
    held = item(held=True, top_reason="held", created_at=now)
    off_topic = item(flagged=True, top_reason="off_topic", flag_weight=1.0, created_at=now)
    old_off_topic = item(flagged=True, top_reason="off_topic", flag_weight=1.0, created_at=now - timedelta(days=2))
    very_old_held = item(held=True, top_reason="held", created_at=now - timedelta(days=9))
    assert list(queue()) == [very_old_held, spam, held, old_off_topic, off_topic]
    # the relative age credit: a day's wait is worth AGE_CREDIT_PER_DAY
    assert old_off_topic.priority - off_topic.priority == pytest.approx(2 * review.AGE_CREDIT_PER_DAY, abs=1e-3)
    assert spam.priority - held.priority == pytest.approx(2.0, abs=1e-3)


def test_priority_rises_with_each_flag(spam_question, flaggers):
    first = flagged(spam_question, flaggers[:1])
    second = flagged(spam_question, flaggers[1:2])
    assert second.priority > first.priority


# --- actions -------------------------------------------------------------------------------------------------------


def test_approve_publishes_a_held_post_and_resolves_the_item(held_question, moderator):
    item = ReviewItem.objects.get()
    act(moderator, item, "approve", reason="Looks fine")
    held_question.refresh_from_db()
    item.refresh_from_db()
    assert held_question.status == PostStatus.PUBLISHED and held_question.status_reason == ""
    assert (item.state, item.resolution, item.resolved_by, item.resolution_reason) == ("resolved", "approve", moderator, "Looks fine")
    entry = audit.history(item).get(action="moderation.item.approve")
    assert entry.user == moderator and entry.data["reason"] == "Looks fine"
    assert entry.data["before"]["post_status"] == "pending" and entry.data["after"]["post_status"] == "published"
    assert entry.data["before"]["item"] == "open" and entry.data["after"]["item"] == "resolved"
    assert audit.history(held_question).filter(action="community.approve").exists()


def test_dismiss_shows_a_hidden_post_again_and_dismisses_the_flags(hidden_item, spam_question, moderator, flaggers):
    act(moderator, hidden_item, "dismiss", reason="Not spam: a real shop question")
    spam_question.refresh_from_db()
    assert spam_question.status == PostStatus.PUBLISHED
    assert set(Flag.objects.values_list("state", flat=True)) == {"dismissed"}
    assert Flag.objects.filter(resolved_by=moderator, resolved_at__isnull=False).count() == 3
    assert audit.history(hidden_item).filter(action="moderation.item.dismiss").count() == 1


def test_hide_needs_a_reason_and_upholds_the_flags(spam_question, flaggers, moderator):
    item = flagged(spam_question, flaggers[:1])
    with pytest.raises(ModerationError, match="Please give a reason") as refused:
        act(moderator, item, "hide")
    assert refused.value.field == "reason"
    act(moderator, item, "hide", reason="Advertising")
    spam_question.refresh_from_db()
    assert (spam_question.status, spam_question.status_reason) == ("hidden", "Advertising")
    assert Flag.objects.get().state == "upheld"


def test_hiding_an_auto_hidden_post_replaces_the_reason_the_author_reads(hidden_item, spam_question, moderator):
    act(moderator, hidden_item, "hide", reason="Advertising for a watch shop")
    spam_question.refresh_from_db()
    assert (spam_question.status, spam_question.status_reason) == ("hidden", "Advertising for a watch shop")


def test_unhide(hidden_item, spam_question, moderator):
    act(moderator, hidden_item, "unhide")
    spam_question.refresh_from_db()
    assert spam_question.status == "published"
    assert set(Flag.objects.values_list("state", flat=True)) == {"dismissed"}


def test_unhide_refuses_a_published_post(spam_question, flaggers, moderator):
    item = flagged(spam_question, flaggers[:1])
    with pytest.raises(ModerationError, match="not hidden"):
        act(moderator, item, "unhide")
    item.refresh_from_db()
    assert item.state == "open" and Flag.objects.get().state == "open"


def test_delete_needs_a_reason_upholds_the_flags_and_audits(hidden_item, spam_question, moderator):
    with pytest.raises(ModerationError, match="reason"):
        act(moderator, hidden_item, "delete")
    act(moderator, hidden_item, "delete", reason="Spam")
    spam_question.refresh_from_db()
    assert spam_question.status == PostStatus.DELETED
    assert set(Flag.objects.values_list("state", flat=True)) == {"upheld"}
    assert audit.history(hidden_item).get(action="moderation.item.delete").data["reason"] == "Spam"
    assert audit.history(spam_question).filter(action="community.delete").exists()


def test_restore_brings_back_a_post_deleted_meanwhile(spam_question, flaggers, moderator):
    item = flagged(spam_question, flaggers[:1])
    services.delete_post(spam_question.author, spam_question)
    with pytest.raises(ModerationError, match="not deleted"):
        act(moderator, ReviewItemFactory(), "restore")
    act(moderator, item, "restore", reason="The author deleted it by mistake")
    spam_question.refresh_from_db()
    assert spam_question.status == "published"
    assert Flag.objects.get().state == "dismissed"


def test_a_post_deleted_by_its_author_meanwhile_is_handled(spam_question, flaggers, moderator):
    item = flagged(spam_question, flaggers[:2])
    services.delete_post(spam_question.author, spam_question)
    with pytest.raises(ModerationError, match="deleted meanwhile"):
        act(moderator, item, "approve")
    act(moderator, item, "delete", reason="Spam")  # already gone: the flags were right
    spam_question.refresh_from_db()
    item.refresh_from_db()
    assert spam_question.status == "deleted" and item.state == "resolved"
    assert set(Flag.objects.values_list("state", flat=True)) == {"upheld"}


def test_dismiss_on_a_deleted_post_keeps_it_deleted(spam_question, flaggers, moderator):
    item = flagged(spam_question, flaggers[:1])
    services.delete_post(spam_question.author, spam_question)
    act(moderator, item, "dismiss")
    spam_question.refresh_from_db()
    assert spam_question.status == "deleted"


def test_dismissing_a_held_post_is_refused(held_question, moderator):
    item = ReviewItem.objects.get()
    with pytest.raises(ModerationError, match="waiting for approval"):
        act(moderator, item, "dismiss")


def test_actions_on_answers_and_comments(flaggers, moderator):
    answer = AnswerFactory()
    comment = CommentFactory(answer=answer)
    answer_item = flagged(answer, flaggers[:1], reason="outdated")
    comment_item = flagged(comment, flaggers[:1], reason="rude")
    act(moderator, answer_item, "hide", reason="No longer works since firmware 3")
    act(moderator, comment_item, "delete", reason="Insult")
    answer.refresh_from_db()
    comment.refresh_from_db()
    assert (answer.status, comment.status) == ("hidden", "deleted")


# --- refusals -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "dismiss", "hide", "unhide", "delete", "restore"])
def test_only_moderators_act(hidden_item, spam_question, flaggers, action):
    member = MemberFactory()
    with pytest.raises(PermissionRefused):
        act(member, hidden_item, action, reason="x")
    holds_role_without_2fa = MemberFactory(groups=["Moderators"])
    with pytest.raises(PermissionRefused):
        act(holds_role_without_2fa, hidden_item, action, reason="x")
    hidden_item.refresh_from_db()
    spam_question.refresh_from_db()
    assert hidden_item.state == "open" and spam_question.status == "hidden"
    assert not audit.history(hidden_item).exists()


def test_unknown_action_and_long_reason_are_refused(hidden_item, moderator):
    with pytest.raises(ModerationError, match="actions offered"):
        act(moderator, hidden_item, "explode")
    with pytest.raises(CommunityError, match="500"):
        act(moderator, hidden_item, "hide", reason="x" * 501)
    hidden_item.refresh_from_db()
    assert hidden_item.state == "open"


def test_the_second_moderator_is_told_it_was_handled(hidden_item, spam_question, moderator):
    other = make_moderator(username="mod2")
    Profile.objects.filter(user=moderator).update(display_name="Alice Mod")
    seen = hidden_item.version
    act_on_item(moderator, hidden_item.pk, action="delete", version=seen, reason="Spam")
    with pytest.raises(AlreadyHandled, match="Another moderator already handled this item") as refused:
        act_on_item(other, hidden_item.pk, action="dismiss", version=seen)
    assert "Alice Mod" in refused.value.message and refused.value.status == 409
    with pytest.raises(AlreadyHandled, match="You already handled"):
        act_on_item(moderator, hidden_item.pk, action="delete", version=seen, reason="Spam")
    spam_question.refresh_from_db()
    assert spam_question.status == "deleted"
    assert set(Flag.objects.values_list("state", flat=True)) == {"upheld"}
    assert audit.history(hidden_item).count() == 1


def test_a_stale_version_of_an_open_item_is_refused(spam_question, flaggers, moderator):
    item = flagged(spam_question, flaggers[:1])
    seen = item.version
    flag_post(flaggers[1], spam_question, reason="rude")  # a new flag arrives while the moderator looks
    with pytest.raises(AlreadyHandled, match="changed while you were looking"):
        act_on_item(moderator, item.pk, action="dismiss", version=seen)
    item.refresh_from_db()
    assert item.state == "open" and Flag.objects.filter(state="open").count() == 2


def test_a_missing_item(moderator):
    with pytest.raises(ModerationError, match="does not exist") as refused:
        act_on_item(moderator, 999999, action="dismiss", version=1)
    assert refused.value.status == 404


# --- outcomes -------------------------------------------------------------------------------------------------------


def test_flaggers_are_told_the_outcome_in_their_language(hidden_item, moderator, flaggers):
    Profile.objects.filter(user=flaggers[1]).update(language="ja")
    act(moderator, hidden_item, "delete", reason="Spam")
    notes = {n.recipient_id: n for n in Notification.objects.filter(kind=Notification.Kind.MODERATION)}
    assert set(notes) == {member.pk for member in flaggers[:3]}
    english = notes[flaggers[0].pk]
    assert english.title == "Moderators agreed with your flag"
    assert "Spam or advertising" in english.excerpt and english.url.startswith(f"/community/q/{hidden_item.post_id}/")
    assert english.actor_id is None  # moderators stay anonymous to flaggers
    japanese = notes[flaggers[1].pk]
    assert japanese.title != english.title and japanese.excerpt != english.excerpt
    assert japanese.title == "あなたの報告がモデレーターに認められました" and japanese.url.startswith("/ja/community/q/")
    assert moderator.pk not in notes and hidden_item.author_id not in notes


def test_dismissed_flaggers_hear_it_once_per_flag(spam_question, flaggers, moderator):
    item = flagged(spam_question, flaggers[:2])
    act(moderator, item, "dismiss")
    assert Notification.objects.filter(kind="moderation").count() == 2
    assert Notification.objects.get(recipient=flaggers[0]).title == "Moderators reviewed your flag"
    # the same member flags the post again later; the new flag's outcome is a new notification
    flag_post(flaggers[0], spam_question, reason="spam")
    act(moderator, ReviewItem.objects.get(state="open"), "dismiss")
    assert Notification.objects.filter(recipient=flaggers[0], kind="moderation").count() == 2


def test_a_resolved_flag_counts_in_the_flaggers_weight(spam_question, flaggers, moderator):
    from moderation.flags import flag_weight

    item = flagged(spam_question, flaggers[:1])
    act(moderator, item, "hide", reason="Spam")
    assert flag_weight(flaggers[0]) == pytest.approx(2 * 2 / 3, abs=1e-3)


def test_an_action_that_does_not_resolve_keeps_the_item_open(spam_question, flaggers, moderator):
    from django.utils.translation import gettext_lazy

    calls = []
    review.register_item_action(
        "note_for_test", lambda user, item, post, reason, params: calls.append(params["days"]),
        label=gettext_lazy("Note"), resolves=False, needs=("reason", "days"),
    )
    try:
        item = flagged(spam_question, flaggers[:1])
        with pytest.raises(ModerationError) as refused:
            act(moderator, item, "note_for_test", reason="why")
        assert refused.value.field == "days"
        act(moderator, item, "note_for_test", reason="why", days=3)
        item.refresh_from_db()
        assert calls == [3] and item.state == "open" and Flag.objects.get().state == "open"
        assert audit.history(item).filter(action="moderation.item.note_for_test").exists()
    finally:
        review.ITEM_ACTIONS.pop("note_for_test")


# --- the queue ---------------------------------------------------------------------------------------------------------


def test_queue_filters(site, moderator):
    topic = make_topic(site["en"], "Hub", "hub")
    spam = ReviewItemFactory(question=QuestionFactory(topic=topic), flagged=True, top_reason="spam")
    FlagFactory(item=spam, reason="spam")
    rude_answer = AnswerFactory(question=QuestionFactory(language="ja"))
    rude = ReviewItemFactory(question=rude_answer.question, post_kind="answer", post_id=rude_answer.pk, flagged=True)
    FlagFactory(item=rude, reason="rude")
    held = ReviewItemFactory(held=True, top_reason="held")
    appeal = ReviewItemFactory(appealed=True, top_reason="appeal")
    done = ReviewItemFactory(state="resolved")

    def ids(**filters):
        return {item.pk for item in queue(filters)}

    assert ids() == {spam.pk, rude.pk, held.pk, appeal.pk}
    assert ids(reason="spam") == {spam.pk}
    assert ids(reason="rude") == {rude.pk}
    assert ids(reason="held") == {held.pk}
    assert ids(reason="appeal") == {appeal.pk}
    assert ids(topic=str(topic.pk)) == {spam.pk}
    assert ids(kind="answer") == {rude.pk}
    assert ids(language="ja") == {rude.pk}
    assert ids(state="resolved") == {done.pk}
    assert len(ids(state="all")) == 5
    assert ids(reason="nonsense", kind="nonsense", topic="x", language="xx") == ids()  # unknown values are ignored


def test_queue_page_costs_the_same_queries_for_2_or_20_items():
    def page():
        with CaptureQueriesContext(connection) as captured:
            items = review.attach_posts(queue()[:50])
            shown = [(item.question.title, item.author.profile.name, item.topic, item.post.body_html) for item in items]
        assert len(shown) == len(items) and all(row[3] for row in shown)
        return len(captured.captured_queries)

    for _ in range(2):
        answer = AnswerFactory()
        ReviewItemFactory(question=answer.question, post_kind="answer", post_id=answer.pk)
        ReviewItemFactory()
    small = page()
    for _ in range(10):
        answer = AnswerFactory()
        ReviewItemFactory(question=answer.question, post_kind="answer", post_id=answer.pk)
        ReviewItemFactory()
    assert page() == small <= 3


# --- moderators' inline tools on the site ---------------------------------------------------------------------------


def moderate_url(post, action, lang=""):
    return f"{lang}/community/moderation/post/{post.kind}/{post.pk}/{action}/"


def test_moderators_see_their_tools_and_the_review_link(client, hidden_item, spam_question, moderator, monkeypatch):
    answer = AnswerFactory(question=spam_question)
    client.force_login(moderator)
    html = client.get(spam_question.get_absolute_url()).content.decode()
    assert "Review (3 flags)" in html
    assert f'action="{moderate_url(spam_question, "unhide")}"' in html  # the question is hidden: show it again
    assert f'action="{moderate_url(answer, "hide")}"' in html
    assert f'name="version" value="{hidden_item.version}"' in html
    assert "Flag this" not in html  # moderators act directly
    monkeypatch.setattr(review, "admin_url", lambda item: f"/admin/moderation/queue/{item.pk}/")
    from django.core.cache import cache

    cache.clear()
    html = client.get(spam_question.get_absolute_url()).content.decode()
    assert f'<a href="/admin/moderation/queue/{hidden_item.pk}/">Review (3 flags)</a>' in html


def test_a_new_flag_and_a_decision_refresh_the_moderators_cached_page(
    client, spam_question, flaggers, moderator, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    assert "Review (" not in client.get(spam_question.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        flag_post(flaggers[0], spam_question, reason="spam")
    assert "Review (1 flag)" in client.get(spam_question.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        act(moderator, ReviewItem.objects.get(), "dismiss")
    assert "Review (" not in client.get(spam_question.get_absolute_url()).content.decode()


def test_hiding_inline_resolves_the_open_item(client, spam_question, flaggers, moderator):
    item = flagged(spam_question, flaggers[:1])
    client.force_login(moderator)
    response = client.post(moderate_url(spam_question, "hide"), {"reason": "Advertising", "version": item.version})
    assert response.status_code == 302 and response["Location"] == spam_question.get_absolute_url()
    spam_question.refresh_from_db()
    item.refresh_from_db()
    assert (spam_question.status, spam_question.status_reason) == ("hidden", "Advertising")
    assert (item.state, item.resolution) == ("resolved", "hide")
    assert Flag.objects.get().state == "upheld" and Notification.objects.filter(kind="moderation").count() == 1
    assert "Hidden. Its author sees your reason." in client.get(spam_question.get_absolute_url()).content.decode()


def test_inline_tools_without_an_item_use_the_community_services(client, moderator, held_question):
    ReviewItem.objects.all().delete()
    answer = AnswerFactory()
    client.force_login(moderator)
    client.post(moderate_url(answer, "hide"), {"reason": "Off-topic"})
    answer.refresh_from_db()
    assert answer.status == "hidden"
    client.post(moderate_url(answer, "unhide"), {"reason": ""})
    answer.refresh_from_db()
    assert answer.status == "published"
    client.post(moderate_url(held_question, "approve"), {})
    held_question.refresh_from_db()
    assert held_question.status == "published"


def test_inline_hide_needs_a_reason_and_a_moderator(client, spam_question, moderator, flaggers):
    client.force_login(moderator)
    response = client.post(moderate_url(spam_question, "hide"), {"reason": ""}, follow=True)
    assert "Please give a reason: the member will see it." in response.content.decode()
    client.force_login(flaggers[0])
    response = client.post(moderate_url(spam_question, "hide"), {"reason": "mine now"}, follow=True)
    assert "Only moderators can hide, show or approve posts." in response.content.decode()
    spam_question.refresh_from_db()
    assert spam_question.status == "published"
    assert client.post(moderate_url(spam_question, "explode"), {}).status_code == 404
    assert client.get(moderate_url(spam_question, "hide")).status_code == 405


def test_inline_action_on_a_stale_item_tells_the_moderator(client, spam_question, flaggers, moderator):
    item = flagged(spam_question, flaggers[:1])
    seen = item.version
    flag_post(flaggers[1], spam_question, reason="spam")
    client.force_login(moderator)
    response = client.post(moderate_url(spam_question, "hide"), {"reason": "Spam", "version": seen}, follow=True)
    assert "This item changed while you were looking at it" in response.content.decode()
    spam_question.refresh_from_db()
    assert spam_question.status == "published"


def test_inline_tools_need_a_csrf_token(spam_question, moderator):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    assert strict.post(moderate_url(spam_question, "hide"), {"reason": "x"}).status_code == 403
    spam_question.refresh_from_db()
    assert spam_question.status == "published"


def test_moderators_question_page_costs_one_query_more_whatever_the_items(client, moderator, flaggers):
    """The open items of the whole page come in one query, however many posts are flagged."""
    from django.core.cache import cache

    question = QuestionFactory.create_thread(answers=10, comments=20)
    client.force_login(moderator)
    client.get(QuestionFactory().get_absolute_url())

    def cold():
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(question.get_absolute_url()).status_code == 200
        return len(captured.captured_queries)

    before = cold()
    for answer in question.answers.all()[:5]:
        flag_post(flaggers[0], answer, reason="spam")
    for comment in question.comments.all()[:5]:
        flag_post(flaggers[1], comment, reason="rude")
    assert cold() == before


def test_moderators_page_with_review_items_is_valid_html(client, moderator, flaggers, tmp_path):
    from tests.portal.test_valid_html import format_messages, run_vnu

    question = QuestionFactory()
    hidden, shown = AnswerFactory.create_batch(2, question=question)
    comment = CommentFactory(answer=shown)
    CommentFactory(question=question)
    flagged(hidden, flaggers[:3])
    flag_post(flaggers[0], comment, reason="rude")
    client.force_login(moderator)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Review (1 flag)" in html and "Review (3 flags)" in html
    assert f'id="moderate-hide-comment-{comment.pk}"' in html and f'id="moderate-unhide-answer-{hidden.pk}"' in html
    (tmp_path / "moderator.html").write_text(html, encoding="utf-8")
    errors = run_vnu([tmp_path / "moderator.html"])
    assert not errors, format_messages(errors)


# --- decisions taken outside the queue ----------------------------------------------------------------------------


def test_a_moderator_deleting_with_the_site_tools_resolves_the_item(spam_question, flaggers, moderator):
    item = flagged(spam_question, flaggers[:2])
    services.delete_post(moderator, spam_question, reason="Spam")
    item.refresh_from_db()
    assert (item.state, item.resolution, item.resolved_by, item.resolution_reason) == ("resolved", "delete", moderator, "Spam")
    assert set(Flag.objects.values_list("state", flat=True)) == {"upheld"}
    assert Notification.objects.filter(kind="moderation").count() == 2
    entry = audit.history(item).get()
    assert entry.action == "moderation.item.delete" and entry.data["before"]["post_status"] == "published"


def test_approving_a_held_post_with_the_site_tools_resolves_the_item(held_question, moderator):
    services.approve_post(moderator, held_question)
    assert ReviewItem.objects.get().resolution == "approve"


def test_the_author_deleting_or_the_system_hiding_leaves_the_item_open(spam_question, flaggers):
    item = flagged(spam_question, flaggers[:3])  # the third flag hid it (the system)
    services.delete_post(spam_question.author, spam_question)
    item.refresh_from_db()
    assert item.state == "open" and Flag.objects.filter(state="open").count() == 3
