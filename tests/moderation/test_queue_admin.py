"""The review queue and the moderation log in the Wagtail admin: who may open them, what they list and in
which order, their filters and pages, an item's page, the actions on it, the log's export, and query
budgets that do not grow with the queue or the log (10 vs 10,000 rows)."""

from __future__ import annotations

import csv
import io
import re
import sys
import types
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from community.models import Question
from moderation.errors import AlreadyHandled, ModerationError
from moderation.models import Appeal, Flag, ReviewItem
from moderation.queue.forms import ACTIONS
from portal import audit
from tests.factories import AnswerFactory, CommentFactory, MemberFactory, QuestionFactory, make_topic, with_two_factor
from tests.moderation.factories import FlagFactory, ReviewItemFactory, SanctionFactory, item_for
from tests.moderation.queueui_factories import bulk_queue

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/queue/"
LOG = "/admin/moderation/log/"
QUEUE_BUDGET = 28  # session, user, moderator checks, the admin's menus, the page: whatever the queue's length
ITEM_BUDGET = 33  # + the post, its flags, the author's history, sanctions and audit entries, and the possible
# duplicates' search (its vocabulary lookup, and the synonym groups on a cold cache)
LOG_BUDGET = 20


def rows(html: str) -> int:
    return html.count('class="queue-row"')


def order_in(html: str, *texts: str) -> list[int]:
    return [html.index(text) for text in texts]


# --- who may open it --------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "/admin/login/" in response["Location"]
    assert client.get(LOG).status_code == 302


def test_members_without_a_staff_role_are_refused(client):
    client.force_login(MemberFactory())
    assert client.get(QUEUE).status_code == 403
    item = ReviewItemFactory()
    assert client.get(f"{QUEUE}{item.pk}/").status_code == 403
    assert client.get(LOG).status_code == 403


def test_staff_who_are_not_moderators_are_refused(client):
    agent = with_two_factor(MemberFactory(groups=["Support agents"]))
    client.force_login(agent)
    item = ReviewItemFactory()
    assert client.get("/admin/").status_code == 200  # they may use the admin
    # Wagtail answers a refusal inside the admin by sending them to the dashboard with a message
    for response in (
        client.get(QUEUE),
        client.get(f"{QUEUE}{item.pk}/"),
        client.post(f"{QUEUE}{item.pk}/act/", {"action": "approve", "version": item.version}),
        client.get(LOG),
        client.get(f"{LOG}?export=csv"),
    ):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert "Review queue" not in client.get("/admin/").content.decode()


def test_the_moderation_menu_shows_the_open_count(mod_client):
    ReviewItemFactory.create_batch(3)
    ReviewItemFactory(state=ReviewItem.State.RESOLVED)
    html = mod_client.get("/admin/").content.decode()
    assert "Moderation" in html
    assert "Review queue (3 open)" in html
    assert "Moderation log" in html


@pytest.fixture
def fresh_admin_menu():
    """Wagtail reads the menu hooks once per process: forget them, before and after."""
    from wagtail.admin.menu import admin_menu

    admin_menu.__dict__.pop("registered_menu_items", None)
    yield
    admin_menu.__dict__.pop("registered_menu_items", None)


def test_one_moderation_menu_even_when_another_area_registers_one(mod_client, fresh_admin_menu):
    from wagtail import hooks
    from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

    from moderation.queue.admin import MODERATION_MENU_HOOK

    def other_group():  # what a ViewSetGroup with submenu_hook = MODERATION_MENU_HOOK registers
        items = [MenuItem("Pre-publish rules", "/admin/rules/", name="rules")]
        return SubmenuMenuItem("Moderation", Menu(register_hook_name=MODERATION_MENU_HOOK, items=items),
                               name="moderation", order=240)

    with hooks.register_temporarily("register_admin_menu_item", other_group):
        html = mod_client.get("/admin/").content.decode()
    assert html.count('"name": "moderation"') == 1, "one Moderation menu"
    assert "Pre-publish rules" in html and "Review queue" in html and "Moderation log" in html


# --- the list ---------------------------------------------------------------------------------------------------


def test_items_come_by_priority_then_oldest_first(mod_client):
    now = timezone.now()
    ReviewItemFactory(question__title="Low priority", priority=1, created_at=now - timedelta(days=5))
    ReviewItemFactory(question__title="High and new", priority=9, created_at=now - timedelta(hours=1))
    ReviewItemFactory(question__title="High and old", priority=9, created_at=now - timedelta(days=2))
    ReviewItemFactory(question__title="Middle", priority=5, created_at=now)
    html = mod_client.get(QUEUE).content.decode()
    positions = order_in(html, "High and old", "High and new", "Middle", "Low priority")
    assert positions == sorted(positions)
    assert rows(html) == 4


def test_a_row_shows_type_excerpt_reasons_weight_topic_language_age_and_the_authors_history(mod_client, topic):
    author = MemberFactory(profile__display_name="Spammy Sam")
    question = QuestionFactory(title="Where is my order?", topic=topic)
    answer = AnswerFactory(question=question, author=author, body="Buy <b>cheap</b> watches at example.com")
    QuestionFactory.create_batch(2, author=author)
    item = item_for(answer, flag_weight=2.5, priority=3, created_at=timezone.now() - timedelta(days=3), language="ja")
    FlagFactory.create_batch(2, item=item, reason="spam")
    FlagFactory(item=item, reason="rude")
    older = ReviewItemFactory(question__author=author, state=ReviewItem.State.RESOLVED, resolved_at=timezone.now())
    FlagFactory(item=older, reason="spam", state=Flag.State.UPHELD)
    SanctionFactory(member=author)
    SanctionFactory(member=author, kind="warn", lifted_at=timezone.now())  # lifted: not active

    html = mod_client.get(QUEUE).content.decode()
    assert rows(html) == 1
    assert "Buy &lt;b&gt;cheap&lt;/b&gt; watches" in html  # plain text, escaped
    assert "<b>cheap</b>" not in html
    assert "answer" in html and "Billing &amp; refunds" in html and "Japanese" in html
    assert "Spam or advertising × 2" in html and "Rude or abusive × 1" in html
    assert "2.5" in html
    assert "3\xa0days ago" in html
    assert "Spammy Sam" in html
    assert "4 posts" in html  # the answer, its two questions and the resolved item's question
    assert "1 flag upheld" in html
    assert "Silenced (read-only)" in html and "Warning" not in html


@pytest.fixture
def varied(topic):
    """Items that differ in one way each: reason, topic, kind, language, state."""
    other_topic = make_topic(topic.get_parent().specific, "Shipping", "shipping", tags=["shipping"])
    spam = ReviewItemFactory(question__title="Spam question", question__topic=topic, topic=topic)
    FlagFactory(item=spam, reason="spam")
    rude = ReviewItemFactory(question__title="Rude question", question__topic=other_topic, topic=other_topic)
    FlagFactory(item=rude, reason="rude")
    ReviewItemFactory(question__title="Held question", flagged=False, held=True, top_reason="held",
                      hold_reasons="Keyword: casino")
    ReviewItemFactory(question__title="Appealed question", flagged=False, appealed=True, top_reason="appeal")
    japanese = ReviewItemFactory(question__title="日本語の質問", question__language="ja", language="ja")
    FlagFactory(item=japanese, reason="off_topic")
    comment = CommentFactory(body="A rude comment body")
    comment_item = item_for(comment)
    FlagFactory(item=comment_item, reason="rude")
    done = ReviewItemFactory(question__title="Resolved question", state=ReviewItem.State.RESOLVED,
                             resolved_at=timezone.now(), resolution="delete")
    return {"other_topic": other_topic, "done": done}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Spam question", "Rude question", "Held question", "Appealed question", "日本語の質問", "A rude comment body"}),
        ("reason=spam", {"Spam question"}),
        ("reason=rude", {"Rude question", "A rude comment body"}),
        ("reason=held", {"Held question"}),
        ("reason=appeal", {"Appealed question"}),
        ("kind=comment", {"A rude comment body"}),
        ("language=ja", {"日本語の質問"}),
        ("state=resolved", {"Resolved question"}),
        ("reason=rude&kind=question", {"Rude question"}),
    ],
)
def test_filters(mod_client, varied, query, expected):
    everything = {"Spam question", "Rude question", "Held question", "Appealed question", "日本語の質問",
                  "A rude comment body", "Resolved question"}
    html = mod_client.get(f"{QUEUE}?{query}").content.decode()
    shown = {title for title in everything if title in html}
    assert shown == expected
    assert rows(html) == len(expected)


def test_topic_filter(mod_client, varied):
    html = mod_client.get(f"{QUEUE}?topic={varied['other_topic'].pk}").content.decode()
    assert rows(html) == 1 and "Rude question" in html


def test_the_filter_form_has_a_label_for_every_field_and_ignores_bad_values(mod_client, varied):
    response = mod_client.get(f"{QUEUE}?reason=nonsense&topic=abc&state=open")
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("reason", "topic", "kind", "language", "state"):
        assert f'for="id_{name}"' in html and f'id="id_{name}"' in html
    assert rows(html) == 6
    # Every filter's options are capitalised alike ("Open", not "open" next to "Any reason").
    assert '<option value="open" selected>Open</option>' in html and '<option value="resolved">Resolved</option>' in html


def test_pagination_keeps_the_filters(mod_client):
    author, flagger = MemberFactory(), MemberFactory()
    bulk_queue(30, authors=[author], flagger=flagger)
    first = mod_client.get(f"{QUEUE}?reason=spam").content.decode()
    assert rows(first) == 25
    assert "Page 1 of 2" in first
    assert 'href="?reason=spam&amp;p=2"' in first
    second = mod_client.get(f"{QUEUE}?reason=spam&p=2").content.decode()
    assert rows(second) == 5
    assert "Bulk spam question 29" in second  # the newest of equal priority come last
    assert "Bulk spam question 0<" not in second


def cold(client, url: str, budget=None) -> tuple[int, str]:
    cache.clear()
    with budget or CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_queue_costs_the_same_queries_with_10_or_10000_items(mod_client, topic, django_assert_max_num_queries):
    authors = MemberFactory.create_batch(4)
    flagger = MemberFactory()
    # ten items at the top of the queue, of every kind, with flags of several reasons and a sanctioned author
    question = QuestionFactory(topic=topic, author=authors[0])
    answers = [AnswerFactory(question=question, author=authors[1]) for _ in range(3)]
    comments = [CommentFactory(question=question, author=authors[2]) for _ in range(3)]
    posts = [QuestionFactory(topic=topic, author=authors[3]) for _ in range(4)]
    for number, post in enumerate([*answers, *comments, *posts]):
        item = item_for(post, priority=100 + number)
        FlagFactory(item=item, reason="spam")
        FlagFactory(item=item, reason="rude")
    SanctionFactory(member=authors[1])
    mod_client.get("/admin/")  # warm-up: per-process caches (content types, URL resolvers)

    small, html = cold(mod_client, QUEUE)
    assert rows(html) == 10
    bulk_queue(9_990, authors=authors, flagger=flagger, topic=topic)
    assert ReviewItem.objects.filter(state="open").count() == 10_000
    big, html = cold(mod_client, QUEUE, django_assert_max_num_queries(QUEUE_BUDGET))
    assert rows(html) == 25
    assert "10,000 items" in html or "10000 items" in html
    assert big == small
    last, html = cold(mod_client, f"{QUEUE}?p=400")
    assert rows(html) == 25 and last <= small  # the last page holds questions only: no answer or comment lookups


# --- one item ---------------------------------------------------------------------------------------------------


def test_the_item_page_shows_the_post_in_context_flags_and_the_authors_history(mod_client, moderator, topic):
    author = MemberFactory(profile__display_name="Spammy Sam")
    question = QuestionFactory(title="Hub light blinks red", body="It blinks since the update.", topic=topic)
    answer = AnswerFactory(question=question, author=author, body="Visit **cheap-watches** now")
    item = item_for(answer, hold_reasons="Keyword rule: watches", held=True)
    original = QuestionFactory(title="Original hub question")
    FlagFactory(item=item, reason="spam", details="Advert for watches", weight=1.5,
                flagger=MemberFactory(profile__display_name="Careful Carol"))
    FlagFactory(item=item, reason="duplicate", duplicate_of=original)
    SanctionFactory(member=author, reason="Posted adverts last week")
    audit.record(moderator, "community.hide", answer, before={"status": "published"}, after={"status": "hidden"},
                 reason="Looks like spam")

    response = mod_client.get(f"{QUEUE}{item.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hub light blinks red" in html and "It blinks since the update." in html
    assert 'id="flagged-post"' in html and "<strong>cheap-watches</strong>" in html  # sanitised HTML of the post
    assert answer.get_absolute_url() in html  # link to the live page
    assert f"/community/a/{answer.pk}/edit/" in html
    assert "Advert for watches" in html and "Careful Carol" in html and "1.50" in html
    assert original.get_absolute_url() in html and "Original hub question" in html
    assert "Keyword rule: watches" in html
    assert "Spammy Sam" in html and "Posted adverts last week" in html
    assert "Looks like spam" in html  # the recent moderation actions on the author's posts
    # the version travels with every action form, and a reason field has a label
    assert f'name="version" value="{item.version}"' in html
    assert 'for="id_hide_reason"' in html


def forms_on(html: str) -> set[str]:
    return set(re.findall(r'name="action" value="([a-z_]+)"', html))


def test_the_item_page_offers_the_actions_that_fit_the_post(mod_client, service_calls):
    published = ReviewItemFactory()
    assert forms_on(mod_client.get(f"{QUEUE}{published.pk}/").content.decode()) == {
        "dismiss", "hide", "delete", "lock", "close_duplicate", "move", "escalate", "warn", "silence", "suspend", "ban"}
    held = item_for(QuestionFactory(status="pending"), flagged=False, held=True)
    assert forms_on(mod_client.get(f"{QUEUE}{held.pk}/").content.decode()) == {
        "approve", "hide", "delete", "lock", "close_duplicate", "move", "warn", "silence", "suspend", "ban"}
    hidden_answer = item_for(AnswerFactory(status="hidden"))
    assert forms_on(mod_client.get(f"{QUEUE}{hidden_answer.pk}/").content.decode()) == {
        "dismiss", "delete", "unhide", "lock", "warn", "silence", "suspend", "ban"}
    deleted_comment = item_for(CommentFactory(status="deleted"), appealed=True)
    assert forms_on(mod_client.get(f"{QUEUE}{deleted_comment.pk}/").content.decode()) == {
        "dismiss", "restore", "lock", "appeal_grant", "appeal_deny", "warn", "silence", "suspend", "ban"}
    # no sanctions on another moderator; on a resolved item only the measures on its author remain
    colleague = with_two_factor(MemberFactory(groups=["Moderators"]))
    theirs = ReviewItemFactory(question__author=colleague)
    assert not forms_on(mod_client.get(f"{QUEUE}{theirs.pk}/").content.decode()) & {"warn", "silence", "suspend", "ban"}
    done = ReviewItemFactory(state="resolved", resolved_at=timezone.now())
    assert forms_on(mod_client.get(f"{QUEUE}{done.pk}/").content.decode()) == {"warn", "silence", "suspend", "ban"}


def test_close_as_duplicate_lists_curations_suggested_originals(mod_client, service_calls, monkeypatch):
    question = QuestionFactory(title="Hub offline after update")
    original = QuestionFactory(title="Hub goes offline after the 4.2 update")
    asked = []

    def suggest_originals(of, limit=5):
        asked.append((of.pk, limit))
        return [of, original]  # the question itself is never offered

    monkeypatch.setitem(sys.modules, "moderation.curation", types.SimpleNamespace(suggest_originals=suggest_originals))
    item = item_for(question)
    html = mod_client.get(f"{QUEUE}{item.pk}/").content.decode()
    assert asked == [(question.pk, 5)]
    assert "Suggested originals:" in html
    assert f'{original.pk}: Hub goes offline after the 4.2 update' in html
    assert f"{question.pk}: Hub offline after update" not in html


def test_the_item_page_shows_the_appeal(mod_client):
    item = ReviewItemFactory(appealed=True, flagged=False, top_reason="appeal")
    Appeal.objects.create(member=item.author, action="audit:1", text="I was only sharing a link to the manual.",
                          item=item, created_at=timezone.now())
    html = mod_client.get(f"{QUEUE}{item.pk}/").content.decode()
    assert "I was only sharing a link to the manual." in html


def test_the_item_page_query_count_does_not_grow_with_flags(mod_client, django_assert_max_num_queries):
    item = ReviewItemFactory()
    FlagFactory(item=item)
    mod_client.get("/admin/")
    small, _ = cold(mod_client, f"{QUEUE}{item.pk}/")
    FlagFactory.create_batch(30, item=item)
    big, html = cold(mod_client, f"{QUEUE}{item.pk}/", django_assert_max_num_queries(ITEM_BUDGET))
    assert html.count('class="flag-row"') == 31
    assert big == small


def test_a_missing_item_is_404(mod_client):
    assert mod_client.get(f"{QUEUE}999999/").status_code == 404


# --- actions --------------------------------------------------------------------------------------------------


@pytest.fixture
def service_calls(monkeypatch):
    """A stand-in for `moderation.review` that records what the view asks of it (or raises what the test
    sets): for testing the view's side only. The service's own tests use the real one."""
    calls = []
    service = types.SimpleNamespace(ITEM_ACTIONS={spec.name: spec for spec in ACTIONS}, calls=calls, error=None)

    def act_on_item(actor, item_id, **kwargs):
        calls.append((actor, item_id, kwargs))
        if service.error is not None:
            raise service.error(item_id)

    service.act_on_item = act_on_item
    monkeypatch.setitem(sys.modules, "moderation.review", service)
    return service


def test_a_suspension_in_the_past_is_refused_by_the_form_and_the_reason_is_kept(mod_client, service_calls):
    item = ReviewItemFactory()
    response = mod_client.post(f"{QUEUE}{item.pk}/act/", {
        "action": "suspend", "version": item.version, "reason": "Keeps posting adverts",
        "until": (timezone.localdate() - timedelta(days=1)).isoformat(),
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a date in the future." in html and "Keeps posting adverts" in html
    assert service_calls.calls == []


def test_the_form_hands_the_action_version_reason_and_parameters_to_the_service(mod_client, moderator, service_calls, topic):
    item = ReviewItemFactory()
    response = mod_client.post(f"{QUEUE}{item.pk}/act/", {
        "action": "silence", "version": item.version, "reason": "  Rude to other members ", "days": "7"})
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}{item.pk}/"  # still open (a sanction alone): stay on it
    assert service_calls.calls == [(moderator, item.pk, {
        "action": "silence", "version": 1, "reason": "Rude to other members", "params": {"days": 7}})]
    mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "move", "version": 1, "topic": topic.pk})
    mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "close_duplicate", "version": 1,
                                               "duplicate_of": "https://example.com/community/q/42/some-title/"})
    assert [call[2]["params"] for call in service_calls.calls[1:]] == [{"topic": topic.pk}, {"duplicate_of": 42}]


def test_a_refusal_from_the_service_is_shown_next_to_its_field(mod_client, service_calls):
    def refuse(item_id):
        return ModerationError("Give a reason: the member sees it.", field="reason")

    service_calls.error = refuse
    item = ReviewItemFactory()
    response = mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "dismiss", "version": 1, "reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not done: Dismiss flags" in html  # the summary, announced
    assert '<p class="error-message">Give a reason: the member sees it.</p>' in html  # and next to the field
    # an action the page no longer offers (approve on a published post) still shows why it was refused
    response = mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "approve", "version": 1, "reason": ""})
    assert response.status_code == 400 and "Give a reason: the member sees it." in response.content.decode()
    # a reason the form itself requires never reaches the service
    response = mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "hide", "version": 1, "reason": " "})
    assert response.status_code == 400 and len(service_calls.calls) == 2
    assert_described_by_ids_exist(response.content.decode())  # the field names its error by an id that is there


def assert_described_by_ids_exist(html: str) -> None:
    """Every id an aria-describedby names is on the page (else a screen reader reads no error at the field)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    described = [el for el in soup.select("[aria-describedby]") if el.name in ("input", "textarea", "select")]
    assert described
    for element in described:
        for ref in element["aria-describedby"].split():
            assert soup.find(id=ref) is not None, (element.get("name"), ref)


def test_after_a_resolving_action_the_next_item_opens(mod_client, service_calls):
    first = ReviewItemFactory(priority=5)
    second = ReviewItemFactory(priority=3)
    ReviewItemFactory(priority=1, language="ja")

    def resolve(item_id):
        ReviewItem.objects.filter(pk=item_id).update(state="resolved", resolved_at=timezone.now(), version=2)
        return None

    service_calls.act_on_item = lambda actor, item_id, **kwargs: resolve(item_id)
    response = mod_client.post(f"{QUEUE}{first.pk}/act/?language=en", {"action": "dismiss", "version": 1})
    assert response["Location"] == f"{QUEUE}{second.pk}/?language=en"
    response = mod_client.post(f"{QUEUE}{second.pk}/act/?language=en", {"action": "dismiss", "version": 1})
    assert response["Location"] == f"{QUEUE}?language=en"  # nothing left in English


def test_an_unknown_action_is_refused(mod_client):
    item = ReviewItemFactory()
    assert mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "explode", "version": 1}).status_code == 400
    assert mod_client.get(f"{QUEUE}{item.pk}/act/").status_code == 405


def test_another_moderators_win_is_shown_with_the_current_state_and_the_typed_reason(mod_client, service_calls):
    """The view's side of a lost race: whatever `act_on_item` says, the page answers 409, tells who won
    and keeps what the moderator typed (the service's side is tested where the service lives)."""
    item = ReviewItemFactory()
    winner = MemberFactory(username="quicker")

    def lose(actor, item_id, **kwargs):
        ReviewItem.objects.filter(pk=item_id).update(
            state="resolved", resolution="delete", resolved_by=winner, resolved_at=timezone.now(), version=2)
        raise AlreadyHandled("Another moderator handled this item first.")

    service_calls.act_on_item = lose
    response = mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "hide", "version": 1, "reason": "My careful reason"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Another moderator already handled this item" in html
    assert "Another moderator handled this item first." in html
    assert "quicker" in html and "Current status: resolved" in html and "Resolved: Delete by quicker" in html
    # no action on the post any more (only the measures on its author remain), and what was typed is not lost
    assert "This item is resolved" in html
    assert 'name="action" value="delete"' not in html and 'name="action" value="hide"' not in html
    assert "My careful reason</textarea>" in html


@pytest.fixture
def review():
    return pytest.importorskip("moderation.review")


def flagged_question(**fields):
    question = QuestionFactory(**fields)
    item = item_for(question)
    FlagFactory(item=item, reason="spam", question=question, post_id=question.pk)
    return question, item


def test_hiding_goes_through_the_service_and_on_to_the_next_item(mod_client, moderator, review):
    question, item = flagged_question(title="Spam one")
    _other, following = flagged_question(title="Spam two")
    ReviewItem.objects.filter(pk=item.pk).update(priority=10)
    response = mod_client.post(f"{QUEUE}{item.pk}/act/?reason=spam", {
        "action": "hide", "version": item.version, "reason": "Advertising"})
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}{following.pk}/?reason=spam"
    item.refresh_from_db()
    question.refresh_from_db()
    assert item.state == "resolved" and item.resolution == "hide" and item.resolved_by == moderator
    assert question.status == "hidden"
    assert ModelLogEntry.objects.filter(action="moderation.item.hide").exists()


def test_hiding_without_a_reason_is_refused_with_the_services_message(mod_client, review):
    question, item = flagged_question()
    response = mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "hide", "version": item.version, "reason": ""})
    assert response.status_code == 400
    item.refresh_from_db()
    question.refresh_from_db()
    assert item.state == "open" and question.status == "published"


def test_the_second_of_two_moderators_is_told_the_item_was_handled(mod_client, review):
    question, item = flagged_question()
    first = mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "dismiss", "version": item.version, "reason": ""})
    assert first.status_code == 302
    second = mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "delete", "version": item.version,
                                                         "reason": "Spam, obviously"})
    assert second.status_code == 409
    html = second.content.decode()
    assert "Another moderator already handled this item" in html
    question.refresh_from_db()
    assert question.status == "published"


def test_approve_publishes_a_held_post_and_the_queue_empties(mod_client, review):
    question = QuestionFactory(status="pending")
    item = item_for(question, flagged=False, held=True, top_reason="held")
    response = mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "approve", "version": item.version})
    assert response.status_code == 302 and response["Location"] == QUEUE
    question.refresh_from_db()
    assert question.status == "published"


def test_the_pages_speak_japanese(mod_client, moderator):
    item = ReviewItemFactory(question__title="日本語の質問")
    FlagFactory(item=item)
    profile = UserProfile.get_for_user(moderator)
    profile.preferred_language = "ja"
    profile.save()
    listing = mod_client.get(QUEUE).content.decode()
    assert "レビューキュー" in listing and "すべての理由" in listing and "投稿者" in listing
    detail = mod_client.get(f"{QUEUE}{item.pk}/").content.decode()
    assert "投稿とその前後" in detail and "通報者" in detail
    log = mod_client.get(LOG).content.decode()
    assert "モデレーションログ" in log


# --- the moderation log ----------------------------------------------------------------------------------------


@pytest.fixture
def entries(moderator):
    question = QuestionFactory(title="Cheap watches")
    audit.record(moderator, "community.hide", question, before={"status": "published"}, after={"status": "hidden"},
                 reason="Advertising, not a question")
    audit.record(moderator, "community.delete", question, before={"status": "hidden"}, after={"status": "deleted"},
                 reason="Confirmed spam")
    audit.record(moderator, "tags.edit", question, reason="Not a moderation entry")  # another area
    return question


def test_moderators_browse_the_log_with_reasons(mod_client, entries):
    response = mod_client.get(LOG)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Advertising, not a question" in html and "Confirmed spam" in html
    assert "Not a moderation entry" not in html
    assert html.count('class="log-row"') == 2


def test_the_log_filters_by_action(mod_client, entries):
    html = mod_client.get(f"{LOG}?action=community.delete").content.decode()
    assert html.count('class="log-row"') == 1 and "Confirmed spam" in html


def test_the_log_filters_by_user_and_date(mod_client, entries):
    other = with_two_factor(MemberFactory(username="othermod", groups=["Moderators"]))
    audit.record(other, "community.restore", entries, reason="Was not spam after all")
    html = mod_client.get(f"{LOG}?user={other.pk}").content.decode()
    assert html.count('class="log-row"') == 1 and "Was not spam after all" in html
    ModelLogEntry.objects.filter(data__reason="Confirmed spam").update(timestamp=timezone.now() - timedelta(days=40))
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    html = mod_client.get(f"{LOG}?timestamp_from={since}").content.decode()
    assert "Confirmed spam" not in html and "Advertising, not a question" in html


def test_the_log_shows_moderators_entries_about_any_target(mod_client, moderator):
    """Wagtail's Site history hides entries about models the moderator holds no permission on (review items,
    sanctions); the moderation log shows every moderation entry."""
    if "moderation.queuetest.noted" not in audit.ACTIONS:
        audit.define_action("moderation.queuetest.noted", "Noted (test)", "Noted")
    item = ReviewItemFactory()
    audit.record(moderator, "moderation.queuetest.noted", item, reason="Checked the item")
    assert "Checked the item" in mod_client.get(LOG).content.decode()
    assert "Checked the item" not in mod_client.get("/admin/reports/site-history/").content.decode()


def test_the_log_exports_csv_with_reason_and_changes(mod_client, entries):
    response = mod_client.get(f"{LOG}?export=csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert table[0] == ["Date/Time", "Action type", "User", "Type", "ID", "Name", "Reason", "Changes"]
    body = table[1:]
    assert len(body) == 2
    newest = body[0]
    assert newest[1] == "Delete post (staff)" and newest[2] == "mod" and newest[4] == str(entries.pk)
    assert newest[6] == "Confirmed spam" and newest[7] == "Status: hidden → deleted"


def test_moderators_also_reach_wagtails_site_history_with_the_reasons(mod_client, entries):
    response = mod_client.get("/admin/reports/site-history/")
    assert response.status_code == 200
    assert "Reason: Confirmed spam" in response.content.decode()


def test_the_log_costs_the_same_queries_with_10_or_10000_entries(mod_client, moderator, django_assert_max_num_queries):
    question = QuestionFactory()
    content_type = ContentType.objects.get_for_model(Question)

    def add(count):
        ModelLogEntry.objects.bulk_create(
            ModelLogEntry(content_type=content_type, object_id=str(question.pk), label=question.title,
                          action="community.hide" if i % 2 else "community.restore", user=moderator,
                          timestamp=timezone.now(), data={"reason": f"reason {i}"})
            for i in range(count)
        )

    add(10)
    mod_client.get("/admin/")
    small, html = cold(mod_client, LOG)
    assert html.count('class="log-row"') == 10
    add(9_990)
    big, html = cold(mod_client, LOG, django_assert_max_num_queries(LOG_BUDGET))
    assert html.count('class="log-row"') == 50
    assert big == small
    with django_assert_max_num_queries(LOG_BUDGET):
        response = mod_client.get(f"{LOG}?export=csv")
        content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.decode("utf-8").count("\n") == 10_001


# --- valid HTML ---------------------------------------------------------------------------------------------------


def test_the_queue_pages_are_valid_html(mod_client, moderator, service_calls, tmp_path):
    """What these pages add to the admin — the list (with filters and pages), an item with its action forms (and
    a refused one), the log's results — passes the W3C Nu HTML checker. (Wagtail's own shell and report
    filters are checked by Wagtail, and have a few errors of their own: only the main region is checked, and
    for the log only its results.)"""
    from tests.portal.test_valid_html import format_messages, run_vnu

    author = MemberFactory()
    question = QuestionFactory(author=author)
    item = item_for(question, held=True, hold_reasons="Keyword rule: casino", appealed=True)
    FlagFactory(item=item, reason="duplicate", duplicate_of=QuestionFactory(), details="Same as the other one")
    SanctionFactory(member=author)
    bulk_queue(30, authors=[author], flagger=MemberFactory())
    audit.record(moderator, "community.hide", question, before={"status": "published"}, after={"status": "hidden"},
                 reason="Spam")
    pages = {
        "queue": mod_client.get(f"{QUEUE}?reason=spam"),
        "item": mod_client.get(f"{QUEUE}{item.pk}/"),
        "refused": mod_client.post(f"{QUEUE}{item.pk}/act/", {"action": "suspend", "version": 1, "reason": "",
                                                              "until": "2000-01-01"}),
        "log": mod_client.get(LOG),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 400), name
        html = response.content.decode()
        start = html.index('<div id="listing-results"') if name == "log" else html.index("<main")
        fragment = html[start:html.index("</main>")] + ("" if name == "log" else "</main>")
        unopened = fragment.count("</div>") - len(re.findall(r"<div[\s>]", fragment))  # the shell's, cut off
        fragment = "<div>" * max(unopened, 0) + fragment
        document = f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title></head><body>{fragment}</body></html>'
        (tmp_path / f"{name}.html").write_text(document, "utf-8")
    errors = run_vnu([tmp_path / f"{name}.html" for name in pages])
    assert not errors, "\n" + format_messages(errors)


def test_a_nul_in_the_reason_is_a_field_error_with_the_reason_kept(mod_client, service_calls):
    item = ReviewItemFactory()
    response = mod_client.post(f"{QUEUE}{item.pk}/act/", {
        "action": "silence", "version": item.version, "reason": "Keeps posting\x00 adverts", "days": "7"})
    assert response.status_code == 400  # not the bare page that loses the reason
    html = response.content.decode()
    assert "Null characters are not allowed." in html and "adverts" in html
    assert service_calls.calls == []
