"""The member's view of moderation and appeals (issue 11, "Accountability"): the page listing the sanctions
on their account and the actions on their posts (from the audit log), one appeal per action entering the
review queue, and a moderator's decision told to the member."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import permissions, services
from community.models import Question
from moderation import appeals, sanctions
from moderation.errors import AlreadyHandled, ModerationError, PermissionRefused
from moderation.models import Appeal, ReviewItem, Sanction
from portal import audit
from portal.models import Notification
from tests.factories import PASSWORD, AnswerFactory, CommentFactory, MemberFactory, QuestionFactory
from tests.moderation import sanctions_factories as fixtures
from tests.moderation.factories import make_moderator

member, mod, thread = fixtures.member, fixtures.mod, fixtures.thread

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def reviewer(db):
    """Another moderator: an appeal is decided by someone who did not take the decision it is against."""
    return make_moderator("reviewer")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def entry_for(post, action):
    return audit.history(post).filter(action=action).latest("pk")


@pytest.fixture
def acted(clock, mod, member, thread):
    """A suspension, a deleted answer, a hidden comment, and a question edited by a moderator."""
    sanction = sanctions.impose_sanction(mod, member, kind="suspend", reason="Three rude comments.", until=date(2026, 12, 12))
    services.delete_post(mod, thread["own_answer"], reason="Copied from another site.")
    services.hide_post(mod, thread["own_comment"], reason="Rude to the asker.")
    services.edit_question(mod, thread["own_question"], title="Hub light blinks red: what it means", body="Fixed formatting.")
    # someone else's post: never on this member's page
    services.delete_post(mod, thread["others_answer"], reason="Not this member's post.")
    return {"sanction": sanction, **thread}


# --- the page -----------------------------------------------------------------------------------------------


def test_member_actions_list_sanctions_and_actions_on_their_posts(acted, member):
    data = appeals.member_actions(member)
    assert [view.what for view in data.sanctions] == ["Suspended: read-only until Dec. 12, 2026"]
    assert data.sanctions[0].reason == "Three rude comments." and data.sanctions[0].appealable
    assert data.sanctions[0].detail == "In force"
    rows = {view.what: view for view in data.post_actions}
    assert set(rows) == {"Edited by a moderator", "Hidden by a moderator", "Deleted by a moderator"}
    deleted = rows["Deleted by a moderator"]
    assert deleted.reason == "Copied from another site." and deleted.appealable
    assert deleted.post_label.startswith("Your answer to “") and deleted.post_url == ""  # deleted: no link
    hidden = rows["Hidden by a moderator"]
    question = acted["question"]
    assert hidden.post_url == f"{question.get_absolute_url()}#comment-{acted['own_comment'].pk}"  # the author sees it
    assert rows["Edited by a moderator"].post_url == Question.objects.get(pk=acted["own_question"].pk).get_absolute_url()
    assert "Not this member's post." not in [view.reason for view in data.post_actions]


def test_restores_are_listed_but_not_appealable(acted, mod, member):
    services.restore_post(mod, acted["own_answer"], reason="Mistake.")
    restored = [view for view in appeals.member_actions(member).post_actions if view.what == "Restored by a moderator"]
    assert len(restored) == 1 and not restored[0].appealable


def test_page_shows_actions_with_appeal_buttons(client, acted, member):
    client.force_login(member)
    response = client.get(reverse("moderation_member"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Moderation actions</h1>" in html
    assert "Three rude comments." in html and "Copied from another site." in html and "Rude to the asker." in html
    assert html.count(">Appeal<span") == 4  # the suspension, the deletion, the hiding, the edit
    assert f'href="/community/moderation/appeal/sanction/{acted["sanction"].pk}/"' in html
    assert "Your account is read-only until Dec. 12, 2026" in html
    assert "Not this member's post." not in html


def test_page_in_japanese(client, acted, member):
    client.force_login(member)
    html = client.get("/ja/community/moderation/").content.decode()
    assert "モデレーション対応" in html and "停止中: 2026年12月12日 9:00 JSTまで閲覧のみ" in html  # midnight UTC in Japan time
    assert "モデレーターが削除しました" in html and "異議を申し立てる" in html


def test_page_needs_sign_in(client):
    response = client.get(reverse("moderation_member"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_links_from_the_members_own_profile_and_the_notification(client, acted, member):
    client.force_login(member)
    own = client.get(reverse("member_profile", args=[member.username])).content.decode()
    assert 'href="/community/moderation/"' in own
    other = client.get(reverse("member_profile", args=[acted["question"].author.username])).content.decode()
    assert 'href="/community/moderation/"' not in other
    note = Notification.objects.get(recipient=member, dedupe_key=f"sanction:{acted['sanction'].pk}")
    assert note.url == reverse("moderation_member")


def test_page_has_a_constant_query_budget(client, clock, mod, member, django_assert_max_num_queries):
    def add_actions(count):  # on questions, answers and comments alike
        for i in range(count):
            post = (QuestionFactory, AnswerFactory, CommentFactory)[i % 3](author=member)
            services.hide_post(mod, post, reason="Off-topic.")

    add_actions(6)
    sanctions.impose_sanction(mod, member, kind="warn", reason="Please stay on topic.")
    client.force_login(member)
    client.get(reverse("moderation_member"))  # warm per-process caches (content types)
    # session, user, restriction, appeals, sanctions, audit entries, one per kind of post, unread count
    with django_assert_max_num_queries(10) as few:
        assert client.get(reverse("moderation_member")).status_code == 200
    add_actions(44)
    for _ in range(5):
        sanctions.impose_sanction(mod, member, kind="warn", reason="Please stay on topic.")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("moderation_member"))
    assert response.content.decode().count(">Appeal<span") == 50 + 6


def test_page_paginates_post_actions(client, clock, mod, member, settings, monkeypatch):
    monkeypatch.setattr(appeals, "PAGE_SIZE", 3)
    for _ in range(4):
        services.hide_post(mod, AnswerFactory(author=member), reason="Off-topic.")
    client.force_login(member)
    first = client.get(reverse("moderation_member")).content.decode()
    assert first.count("Off-topic.") == 3 and 'rel="next" href="?page=2"' in first
    second = client.get(reverse("moderation_member") + "?page=2").content.decode()
    assert second.count("Off-topic.") == 1 and 'rel="prev"' in second


# --- filing -------------------------------------------------------------------------------------------------------


def test_appeal_against_a_post_action_opens_an_appealed_item_for_the_post(acted, member):
    entry = entry_for(acted["own_answer"], "community.delete")
    appeal = appeals.file_appeal(member, f"audit:{entry.pk}", "  It was my own text, not copied.  ")
    assert (appeal.member, appeal.action, appeal.text, appeal.state) == (member, f"audit:{entry.pk}", "It was my own text, not copied.", "open")
    item = appeal.item
    assert (item.post_kind, item.post_id, item.question_id) == ("answer", acted["own_answer"].pk, acted["question"].pk)
    assert item.appealed and item.top_reason == "appeal" and item.state == ReviewItem.State.OPEN
    assert item.author == member
    assert audit.history(appeal).get().action == "moderation.appeal.file"


def test_appeal_joins_an_open_item_for_the_same_post(acted, member):
    hidden = entry_for(acted["own_comment"], "community.hide")
    existing = ReviewItem.objects.create(
        post_kind="comment", post_id=acted["own_comment"].pk, question=acted["question"], author=member, flagged=True,
        top_reason="rude", created_at=timezone.now(), updated_at=timezone.now(),
    )
    appeal = appeals.file_appeal(member, f"audit:{hidden.pk}", "I was quoting the asker.")
    existing.refresh_from_db()
    assert appeal.item == existing and existing.appealed and existing.top_reason == "rude" and existing.version == 2
    assert ReviewItem.objects.count() == 1


def test_appeal_against_a_sanction_opens_an_item_about_the_member(acted, member):
    appeal = appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", "I apologised to everyone.")
    item = appeal.item
    assert (item.post_kind, item.post_id, item.question_id, item.author_id) == ("member", member.pk, None, member.pk)
    assert item.appealed and item.top_reason == "appeal"


def test_a_suspended_member_can_still_appeal(acted, member):
    assert not permissions.can_post(member)
    appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", "Please reconsider.")


def test_each_action_is_appealed_once(acted, member):
    ref = f"sanction:{acted['sanction'].pk}"
    appeals.file_appeal(member, ref, "First.")
    with pytest.raises(ModerationError) as refused:
        appeals.file_appeal(member, ref, "Second.")
    assert refused.value.status == 409 and "once" in refused.value.message
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Please explain why the decision should change."), ("   ", "Please explain"), ("x" * 2001, "under 2000 characters")],
)
def test_appeal_text_is_required_and_bounded(acted, member, text, message):
    with pytest.raises(ModerationError) as refused:
        appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", text)
    assert refused.value.field == "text" and message in refused.value.message
    assert not Appeal.objects.exists() and not ReviewItem.objects.exists()


def test_appeal_text_of_2000_characters_is_accepted(acted, member):
    appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", "x" * 2000)


def test_nobody_appeals_someone_elses_action(acted, member):
    stranger = MemberFactory()
    others = entry_for(acted["others_answer"], "community.delete")
    for actor, ref in [(stranger, f"sanction:{acted['sanction'].pk}"), (member, f"audit:{others.pk}"), (member, "sanction:999999"),
                       (member, "audit:abc"), (member, "nonsense")]:
        with pytest.raises(ModerationError) as refused:
            appeals.file_appeal(actor, ref, "Please.")
        assert refused.value.status == 404
    assert not Appeal.objects.exists()


def test_lifted_sanctions_and_favourable_actions_cannot_be_appealed(acted, mod, member):
    sanctions.lift_sanction(mod, acted["sanction"], reason="Early release.")
    with pytest.raises(ModerationError, match="already lifted"):
        appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", "Please.")
    services.restore_post(mod, acted["own_answer"], reason="Mistake.")
    restored = entry_for(acted["own_answer"], "community.restore")
    with pytest.raises(ModerationError, match="cannot be appealed"):
        appeals.file_appeal(member, f"audit:{restored.pk}", "Please.")
    assert not Appeal.objects.exists()


def test_appeals_are_rate_limited(clock, mod, member, one_ratelimit_window):
    refs = []
    for _ in range(appeals.APPEAL_LIMIT[0] + 1):
        refs.append(f"sanction:{sanctions.impose_sanction(mod, member, kind='warn', reason='Tone.').pk}")
    for ref in refs[:-1]:
        appeals.file_appeal(member, ref, "Please.")
    with pytest.raises(ModerationError) as refused:
        appeals.file_appeal(member, refs[-1], "Please.")
    assert refused.value.status == 429


# --- the appeal form over HTTP ---------------------------------------------------------------------------------------


def test_appeal_form_files_once_with_csrf(acted, member):
    client = Client(enforce_csrf_checks=True)
    client.login(username=member.username, password=PASSWORD)
    url = reverse("moderation_appeal", args=["sanction", acted["sanction"].pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "<h1>Appeal a decision</h1>" in html
    assert 'label for="id_text"' in html and 'aria-describedby="appeal-help"' in html
    assert client.post(url, {"text": "Please."}).status_code == 403  # no CSRF token
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    response = client.post(url, {"text": "I apologised to everyone.", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == reverse("moderation_member")
    assert Appeal.objects.get().text == "I apologised to everyone."
    again = client.get(url).content.decode()
    assert "You have already appealed this action" in again and 'name="text"' not in again
    assert "Your appeal was sent." in again  # the flash message, on the next page shown
    listed = client.get(reverse("moderation_member")).content.decode()
    assert "You appealed: waiting for a moderator." in listed


def test_appeal_form_shows_errors_accessibly(client, acted, member):
    client.force_login(member)
    url = reverse("moderation_appeal", args=["sanction", acted["sanction"].pk])
    response = client.post(url, {"text": "  "})
    html = response.content.decode()
    assert response.status_code == 400 and 'aria-invalid="true"' in html and "Please explain why the decision should change." in html
    assert not Appeal.objects.exists()


def test_appeal_form_for_someone_elses_action_is_not_found(client, acted, member):
    client.force_login(MemberFactory())
    assert client.get(reverse("moderation_appeal", args=["sanction", acted["sanction"].pk])).status_code == 404
    assert client.get(reverse("moderation_appeal", args=["other", 1])).status_code == 404


def test_appeal_form_in_japanese(client, acted, member):
    client.force_login(member)
    html = client.get(f"/ja/community/moderation/appeal/sanction/{acted['sanction'].pk}/").content.decode()
    assert "判断に異議を申し立てる" in html and "異議申し立てを送信" in html


# --- deciding ----------------------------------------------------------------------------------------------------------


def test_granting_a_sanction_appeal_lifts_it_and_tells_the_member(acted, mod, member):
    appeal = appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", "I apologised.")
    other_mod = make_moderator("mod2")
    appeals.decide_appeal(other_mod, appeal, grant=True, reason="Apology accepted.")
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by, appeal.decision_reason) == ("granted", other_mod, "Apology accepted.")
    sanction = Sanction.objects.get()
    assert sanction.lifted_at is not None and sanction.lifted_by == other_mod
    assert permissions.can_post(type(member).objects.get(pk=member.pk))
    assert audit.history(appeal).filter(action="moderation.appeal.grant").exists()
    assert audit.history(member).filter(action="moderation.sanction.lift").exists()
    note = Notification.objects.get(recipient=member, dedupe_key=f"appeal:{appeal.pk}:granted")
    assert note.title == "Your appeal was granted" and note.excerpt == "Apology accepted."
    item = ReviewItem.objects.get()
    assert item.state == ReviewItem.State.RESOLVED and item.resolution == "appeal_grant" and item.resolved_by == other_mod


def test_granting_restores_a_deleted_post_and_shows_a_hidden_one(acted, mod, member, reviewer):
    deleted = appeals.file_appeal(member, f"audit:{entry_for(acted['own_answer'], 'community.delete').pk}", "Mine.")
    hidden = appeals.file_appeal(member, f"audit:{entry_for(acted['own_comment'], 'community.hide').pk}", "Polite.")
    appeals.decide_appeal(reviewer, deleted, grant=True, reason="Not copied after all.")
    appeals.decide_appeal(reviewer, hidden, grant=True, reason="Fine on second reading.")
    acted["own_answer"].refresh_from_db()
    acted["own_comment"].refresh_from_db()
    assert acted["own_answer"].status == "published" and acted["own_comment"].status == "published"
    assert audit.history(acted["own_answer"]).filter(action="community.restore").exists()


def test_denying_keeps_the_decision_and_says_why(acted, mod, member, reviewer):
    appeal = appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", "Unfair.")
    appeals.decide_appeal(reviewer, appeal, grant=False, reason="The comments were abusive.")
    appeal.refresh_from_db()
    assert appeal.state == "denied"
    assert not permissions.can_post(type(member).objects.get(pk=member.pk))
    note = Notification.objects.get(recipient=member, dedupe_key=f"appeal:{appeal.pk}:denied")
    assert note.title == "Your appeal was denied" and note.excerpt == "The comments were abusive."
    assert audit.history(appeal).filter(action="moderation.appeal.deny").get().data["reason"] == "The comments were abusive."


def test_decisions_need_a_moderator_and_a_reason_and_happen_once(acted, mod, member, reviewer):
    appeal = appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", "Unfair.")
    with pytest.raises(PermissionRefused):
        appeals.decide_appeal(member, appeal, grant=True, reason="Me.")
    with pytest.raises(ModerationError) as refused:
        appeals.decide_appeal(reviewer, appeal, grant=True, reason=" ")
    assert refused.value.field == "reason"
    stale = Appeal.objects.get(pk=appeal.pk)  # a second moderator's copy, loaded while it was open
    appeals.decide_appeal(reviewer, appeal, grant=False, reason="No.")
    assert stale.state == "open"
    with pytest.raises(AlreadyHandled) as handled:
        appeals.decide_appeal(make_moderator("mod2"), stale, grant=True, reason="Yes.")
    assert handled.value.status == 409
    assert Appeal.objects.get(pk=appeal.pk).state == "denied"
    assert Sanction.objects.get().lifted_at is None


def test_page_shows_the_decision(client, acted, mod, member, reviewer):
    appeal = appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", "Unfair.")
    appeals.decide_appeal(reviewer, appeal, grant=False, reason="The comments were abusive.")
    client.force_login(member)
    html = client.get(reverse("moderation_member")).content.decode()
    assert "Your appeal was denied: The comments were abusive." in html


# --- review queue actions -----------------------------------------------------------------------------------------------


def test_queue_actions_grant_or_deny_every_open_appeal_of_the_item(acted, mod, member, reviewer):
    deleted = appeals.file_appeal(member, f"audit:{entry_for(acted['own_answer'], 'community.delete').pk}", "Mine.")
    item = deleted.item
    appeals.appeal_grant(reviewer, item, acted["own_answer"], "Checked: original.", {})
    deleted.refresh_from_db()
    acted["own_answer"].refresh_from_db()
    assert deleted.state == "granted" and acted["own_answer"].status == "published"
    with pytest.raises(ModerationError, match="no open appeal"):
        appeals.appeal_deny(reviewer, item, acted["own_answer"], "No.", {})


def test_queue_deny_action(acted, mod, member, reviewer):
    appeal = appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", "Unfair.")
    appeals.appeal_deny(reviewer, appeal.item, None, "Abusive.", {})
    appeal.refresh_from_db()
    assert appeal.state == "denied" and appeal.decision_reason == "Abusive."


def test_the_moderator_who_took_the_decision_does_not_decide_its_appeal(acted, mod, member, reviewer):
    """The member was told "a moderator who did not take the decision reads it": the service holds to it, for a
    sanction and for an action on a post, from the appeal and from the queue."""
    appeal = appeals.file_appeal(member, f"sanction:{acted['sanction'].pk}", "Unfair.")
    with pytest.raises(PermissionRefused) as refused:
        appeals.decide_appeal(mod, appeal, grant=True, reason="My own mistake.")
    assert refused.value.status == 403 and "another moderator" in refused.value.message
    deleted = appeals.file_appeal(member, f"audit:{entry_for(acted['own_answer'], 'community.delete').pk}", "Mine.")
    with pytest.raises(PermissionRefused):
        appeals.appeal_grant(mod, deleted.item, acted["own_answer"], "Fine.", {})
    assert {a.state for a in Appeal.objects.all()} == {"open"} and Sanction.objects.get().lifted_at is None
    appeals.decide_appeal(reviewer, appeal, grant=True, reason="Apology accepted.")
    assert Sanction.objects.get().lifted_at is not None


def test_an_item_with_appeals_against_two_moderators_is_decided_by_a_third(clock, mod, member, reviewer):
    """A warning by one moderator and a suspension by another, both appealed, share the member's item: neither
    of the two decides it (nothing is decided half-way); a third moderator decides both."""
    other = make_moderator("other")
    warning = sanctions.impose_sanction(mod, member, kind="warn", reason="Tone.")
    suspension = sanctions.impose_sanction(other, member, kind="suspend", reason="Again.", until=date(2026, 12, 12))
    first = appeals.file_appeal(member, f"sanction:{warning.pk}", "Unfair.")
    second = appeals.file_appeal(member, f"sanction:{suspension.pk}", "Also unfair.")
    item = Appeal.objects.get(pk=first.pk).item
    assert item is not None and Appeal.objects.get(pk=second.pk).item_id == item.pk
    for moderator in (mod, other):
        assert appeals.own_decisions(moderator, item)
        with pytest.raises(PermissionRefused):
            appeals.appeal_grant(moderator, item, None, "Fine.", {})
    assert set(Appeal.objects.values_list("state", flat=True)) == {"open"}
    assert not appeals.own_decisions(reviewer, item)
    appeals.appeal_deny(reviewer, item, None, "Both stand.", {})
    assert set(Appeal.objects.values_list("state", flat=True)) == {"denied"}


def test_hidden_by_flags_reads_as_such(clock, member):
    answer = AnswerFactory(author=member)
    services.hide_for_review(answer, reason="Flagged as spam by members.")
    [view] = appeals.member_actions(member).post_actions
    assert view.what == "Hidden until a moderator reviews it (members flagged it)" and view.appealable


def test_comment_on_an_answer_links_to_the_comment(clock, mod, member):
    answer = AnswerFactory()
    comment = CommentFactory(answer=answer, author=member)
    services.hide_post(mod, comment, reason="Rude.")
    [view] = appeals.member_actions(member).post_actions
    assert view.post_url.endswith(f"#comment-{comment.pk}") and view.post_label.startswith("Your comment on")


def test_question_actions_link_to_the_question(clock, mod, member):
    question = QuestionFactory(author=member)
    services.hide_post(mod, question, reason="Off-topic.")
    [view] = appeals.member_actions(member).post_actions
    assert view.post_url == question.get_absolute_url() and view.post_label == f"Your question “{question.title}”"


# --- valid HTML ---------------------------------------------------------------------------------------------------------


def test_member_pages_and_notices_are_valid_html_in_both_languages(client, acted, member, tmp_path):
    """The W3C Nu checker on every page this work adds or changes, as the suspended member sees them."""
    from tests.portal.test_valid_html import format_messages, run_vnu, vnu_command

    vnu_command()  # fail (CI) or skip (no Java) before rendering anything
    appeals.file_appeal(member, f"audit:{entry_for(acted['own_answer'], 'community.delete').pk}", "Mine.")
    client.force_login(member)
    sanction = acted["sanction"].pk
    pages = {
        "actions": (reverse("moderation_member"), 200),
        "appeal": (reverse("moderation_appeal", args=["sanction", sanction]), 200),
        "ask": (reverse("community_ask"), 200),
        "question": (acted["question"].get_absolute_url(), 200),
        "edit-refused": (reverse("question_edit", args=[acted["own_question"].pk]), 403),
        "profile-edit": (reverse("edit_profile"), 200),
        "profile": (reverse("member_profile", args=[member.username]), 200),
    }
    files = []
    for language in ("en", "ja"):
        for name, (url, status) in pages.items():
            url = f"/ja{url}" if language == "ja" else url
            response = client.get(url)
            assert response.status_code == status, url
            path = tmp_path / f"{name}-{language}.html"
            path.write_bytes(response.content)
            files.append(path)
        response = client.post(f"{'/ja' if language == 'ja' else ''}{pages['appeal'][0]}", {"text": ""})
        path = tmp_path / f"appeal-error-{language}.html"
        path.write_bytes(response.content)
        files.append(path)
    errors = run_vnu(files)
    assert errors == [], f"{len(errors)} HTML errors (W3C Nu checker):\n" + format_messages(errors)
