"""The audit log (issue 10, point 3): staff actions as Wagtail log entries, shown in the admin's Site
history report with its filters and export; the moderator's optional reason on delete and restore."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from taggit.models import Tag
from wagtail.models import ModelLogEntry

from community import services
from community.models import Answer, Comment, Question
from portal import audit
from portal.roles import CONTENT_EDITORS, MODERATORS
from tests.factories import UserFactory, with_two_factor

SITE_HISTORY = "/admin/reports/site-history/"


@pytest.fixture
def moderator(db):
    return with_two_factor(UserFactory(username="mod", groups=[MODERATORS]))


@pytest.fixture
def editor(db):
    return with_two_factor(UserFactory(username="editor", groups=[CONTENT_EDITORS]))


@pytest.fixture
def asker(db):
    return UserFactory(username="asker")


@pytest.fixture
def question(asker):
    return services.ask_question(asker, title="Hub light blinks red", body="It blinks red since the update.")


@pytest.fixture
def answer(question):
    return services.post_answer(UserFactory(username="answerer"), question, body="Hold reset for ten seconds.")


def _deleted(moderator, post, reason="Spam link to a fake shop"):
    return audit.record(
        moderator, "community.delete", post,
        before={"status": "published"}, after={"status": "deleted"}, reason=reason,
    )


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# --- record() and history() ---------------------------------------------------------------------------------


def test_record_writes_an_entry_with_every_field(moderator, question):
    before = timezone.now()
    entry = _deleted(moderator, question)

    stored = ModelLogEntry.objects.get(pk=entry.pk)
    assert stored.user == moderator
    assert stored.action == "community.delete"
    assert stored.content_type == ContentType.objects.get_for_model(Question)
    assert stored.object_id == str(question.pk)
    assert stored.label == f"Question {question.pk}: Hub light blinks red"
    assert stored.data == {
        "reason": "Spam link to a fake shop", "before": {"status": "published"}, "after": {"status": "deleted"},
    }
    assert before <= stored.timestamp <= timezone.now() + timedelta(seconds=1)


def test_history_lists_a_targets_entries_newest_first(moderator, question, answer):
    first = _deleted(moderator, question)
    second = audit.record(moderator, "community.restore", question, reason="Not spam after all")
    audit.record(moderator, "community.delete", answer)  # another target

    assert list(audit.history(question)) == [second, first]
    assert [e.action for e in audit.history(answer)] == ["community.delete"]


def test_record_refuses_unknown_actions_and_unsaved_targets(moderator, question):
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit.record(moderator, "community.obliterate", question)
    with pytest.raises(ValueError, match="saved"):
        audit.record(moderator, "community.delete", Question(title="never saved"))
    assert not ModelLogEntry.objects.filter(action__startswith="community.").exists()


def test_define_action_follows_the_naming_scheme_and_registers_late(moderator, question):
    from wagtail.log_actions import registry

    with pytest.raises(ValueError, match="<area>.<verb>"):
        audit.define_action("Moderation-Flag", "Flag", "Flagged")
    audit.define_action("moderation.flag.resolve", "Resolve flag", "Resolved")
    try:
        registry.get_choices()  # the hook has run: a late definition is registered directly
        entry = audit.record(moderator, "moderation.flag.resolve", question, reason="ok")
        assert registry.action_exists("moderation.flag.resolve")
        assert entry.message == "Resolved · Reason: ok"
    finally:
        audit.ACTIONS.pop("moderation.flag.resolve")


def test_labels_name_questions_answers_and_comments(moderator, question, answer):
    on_question = services.post_comment(answer.author, question, body="Which firmware do you have?")
    on_answer = services.post_comment(question.author, answer, body="That worked, thanks a lot!")

    assert audit.record(moderator, "community.delete", answer).label == f"Answer {answer.pk} to question {question.pk}"
    assert audit.record(moderator, "community.delete", on_question).label == (
        f"Comment {on_question.pk} on question {question.pk}"
    )
    assert audit.record(moderator, "community.delete", on_answer).label == f"Comment {on_answer.pk} on answer {answer.pk}"


def test_message_shows_what_changed_and_the_reason(moderator, question):
    entry = _deleted(moderator, question)
    # the stored values read in words, in the reader's language (community registers its "status" format)
    assert entry.message == "Deleted · Status: published → deleted · Reason: Spam link to a fake shop"
    assert entry.comment == "Spam link to a fake shop"
    assert audit.record(moderator, "community.hide", question).message == "Hidden"

    with translation.override("ja"):
        fresh = ModelLogEntry.objects.get(pk=entry.pk)
        assert fresh.message == "削除しました · 状態: 公開 → 削除済み · 理由: Spam link to a fake shop"


def test_every_areas_keys_and_values_read_in_words_not_as_stored(moderator, question):
    """Keys and values are stored raw ("featured": false, "priority": "high", ["case.created"]); the message
    names them in the reader's language, with Yes/No for flags and a list as a list."""
    from moderation.cases.models import Priority
    from moderation.models import Rule
    from tests.moderation.cases.factories import CaseFactory

    def message(action, target, before, after):
        return audit.record(moderator, action, target, before=before, after=after).message

    assert message("community.feature", question, {"featured": False}, {"featured": True}) == "Featured · Featured: No → Yes"
    assert message("community.move", question, {"topic": None}, {"topic": 12}) == "Moved · Topic: — → #12"
    rule = Rule.objects.create(name="Shop links", kind=Rule.Kind.KEYWORD, action=Rule.Action.HOLD, pattern="shop")
    assert message("moderation.rule.edit", rule, {"kind": "keyword", "action": "hold", "enabled": True},
                   {"kind": "regex", "action": "reject", "enabled": False}) == (
        "Pre-publish rule edited · Type: Keywords (one per line; Japanese works) → Regular expression; "
        "Action: Hold for review → Reject (the author sees the message); Enabled: Yes → No"
    )
    case = CaseFactory()
    with translation.override("ja"):
        text = message("cases.priority", case, {"priority": Priority.NORMAL}, {"priority": Priority.URGENT})
        assert "優先度: " in text and str(Priority.URGENT.label) in text
        assert "urgent" not in text
        featured = message("community.feature", question, {"featured": False}, {"featured": True})
        assert featured.endswith("注目: いいえ → はい"), featured
    assert message("cases.priority", case, {"events": []}, {"events": ["case.created", "case.solved"]}).endswith(
        "Events: — → case.created, case.solved"
    )


def test_long_values_are_shortened_in_the_message_but_kept_in_the_data(moderator, question):
    long_body = "word " * 100
    entry = audit.record(moderator, "community.edit_others", question, before={"body": long_body}, after={"body": "x"})
    assert len(entry.message) < 200 and entry.message.endswith("→ x")
    assert entry.data["before"]["body"] == long_body


# --- the Site history report -------------------------------------------------------------------------------------


def test_site_history_shows_post_entries_to_moderators_with_the_action_filter(client, moderator, question, answer):
    _deleted(moderator, question)
    audit.record(moderator, "community.restore", question, reason="Appeal upheld")
    _deleted(moderator, answer, reason="Off-topic sales pitch")
    client.force_login(moderator)

    page = client.get(SITE_HISTORY, {"action": "community.delete"}).content.decode()
    assert f"Question {question.pk}: Hub light blinks red" in page
    assert f"Answer {answer.pk} to question {question.pk}" in page
    assert "Reason: Off-topic sales pitch" in page
    assert "Appeal upheld" not in page  # another action, filtered out
    assert "Delete post (staff)" in page  # the action filter offers our label


def test_site_history_type_filter_offers_community_posts(client, moderator, question, answer):
    comment = services.post_comment(question.author, answer, body="That worked, thanks a lot!")
    for post in (question, answer, comment):
        _deleted(moderator, post)
    client.force_login(moderator)

    response = client.get(SITE_HISTORY)
    assert response.status_code == 200
    offered = set(response.context["filters"].form.fields["object_type"].queryset)
    assert {ContentType.objects.get_for_model(m) for m in (Question, Answer, Comment)} <= offered

    answer_type = ContentType.objects.get_for_model(Answer)
    page = client.get(SITE_HISTORY, {"object_type": answer_type.pk}).content.decode()
    assert f"Answer {answer.pk} to question" in page and f"Question {question.pk}:" not in page


def test_content_editors_do_not_see_moderation_entries(client, editor, moderator, question):
    _deleted(moderator, question)
    client.force_login(editor)
    response = client.get(SITE_HISTORY)
    assert response.status_code == 200
    assert f"Question {question.pk}:" not in response.content.decode()


def test_csv_export_includes_the_entry(client, moderator, question):
    _deleted(moderator, question)
    client.force_login(moderator)

    response = client.get(SITE_HISTORY, {"export": "csv", "action": "community.delete"})
    assert response.status_code == 200
    rows = _csv_rows(response)
    assert rows[0][:4] == ["ID", "Name", "Type", "Action type"]
    assert [str(question.pk), f"Question {question.pk}: Hub light blinks red", "Question", "Delete post (staff)"] == (
        rows[1][:4]
    )
    assert rows[1][4] == "mod"


def test_xlsx_export_answers(client, moderator, question):
    _deleted(moderator, question)
    client.force_login(moderator)
    response = client.get(SITE_HISTORY, {"export": "xlsx"})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]


# --- tag management ------------------------------------------------------------------------------------------------


def test_tag_create_edit_and_delete_are_logged(client, moderator):
    client.force_login(moderator)
    assert client.post("/admin/tags/new/", {"name": "wifi", "slug": "wifi"}).status_code == 302
    tag = Tag.objects.get(slug="wifi")
    assert client.post(f"/admin/tags/edit/{tag.pk}/", {"name": "Wi-Fi", "slug": "wi-fi"}).status_code == 302
    assert client.post(f"/admin/tags/edit/{tag.pk}/", {"name": "Wi-Fi", "slug": "wi-fi"}).status_code == 302  # unchanged
    assert client.post(f"/admin/tags/delete/{tag.pk}/").status_code == 302

    entries = list(ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Tag)).order_by("id"))
    assert [(e.action, e.user, e.object_id) for e in entries] == [
        ("wagtail.create", moderator, str(tag.pk)),
        ("tags.edit", moderator, str(tag.pk)),
        ("wagtail.delete", moderator, str(tag.pk)),
    ]
    edit = entries[1]
    assert edit.data["before"] == {"name": "wifi", "slug": "wifi"}
    assert edit.data["after"] == {"name": "Wi-Fi", "slug": "wi-fi"}
    assert edit.message == "Edited · Name: wifi → Wi-Fi; Slug: wifi → wi-fi"

    page = client.get(SITE_HISTORY, {"action": "tags.edit"}).content.decode()
    assert "Name: wifi → Wi-Fi" in page


# --- append-only -----------------------------------------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted(moderator, question):
    entry = _deleted(moderator, question)

    entry.data = {"reason": "rewritten"}
    attempts = (entry.save, entry.delete, ModelLogEntry.objects.filter(pk=entry.pk).delete)
    for attempt in attempts:
        with pytest.raises(audit.AuditLogIsAppendOnly), transaction.atomic():  # the refusal rolls back
            attempt()
    assert ModelLogEntry.objects.get(pk=entry.pk).data["reason"] == "Spam link to a fake shop"


def test_no_screen_edits_or_deletes_entries(client, moderator, question):
    entry = _deleted(moderator, question)
    assert not admin.site.is_registered(ModelLogEntry)
    superuser = with_two_factor(UserFactory(username="root", is_superuser=True, is_staff=True))
    client.force_login(superuser)
    for url in (
        f"/admin/snippets/wagtailcore/modellogentry/edit/{entry.pk}/",
        f"/admin/snippets/wagtailcore/modellogentry/delete/{entry.pk}/",
        f"/django-admin/wagtailcore/modellogentry/{entry.pk}/change/",
        f"/django-admin/wagtailcore/modellogentry/{entry.pk}/delete/",
    ):
        assert client.get(url).status_code == 404, url


# --- the moderator's reason on delete and restore -------------------------------------------------------------------


def test_moderator_sees_a_labelled_reason_field_on_someone_elses_post(client, moderator, question):
    client.force_login(moderator)
    page = client.get(question.get_absolute_url()).content.decode()
    field_id = f"delete-reason-q-{question.pk}"
    assert f'<label for="{field_id}">Reason (optional)</label>' in page
    assert f'id="{field_id}" rows="2" maxlength="500" aria-describedby="{field_id}-help"' in page


def test_author_deleting_their_own_post_sees_no_reason_field(client, asker, question):
    client.force_login(asker)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Yes, delete" in page and 'name="reason"' not in page


def test_restore_form_offers_the_reason_field(client, moderator, question):
    services.delete_post(moderator, question)
    client.force_login(moderator)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Yes, restore" in page and f'id="restore-reason-q-{question.pk}"' in page


def test_moderator_deletes_and_restores_with_a_reason(client, moderator, question, answer):
    client.force_login(moderator)
    url = reverse("post_delete", args=["a", answer.pk])
    assert client.post(url, {"reason": "Sales pitch"}).status_code == 302
    assert Answer.objects.get(pk=answer.pk).deleted_at is not None
    assert client.post(url, {"action": "restore", "reason": "Appeal upheld"}).status_code == 302
    assert Answer.objects.get(pk=answer.pk).deleted_at is None


def test_reason_longer_than_500_characters_is_refused_with_a_clear_error(client, moderator, question):
    client.force_login(moderator)
    url = reverse("post_delete", args=["q", question.pk])
    response = client.post(url, {"reason": "x" * 501}, follow=True)
    assert "Please keep the reason to 500 characters or fewer (it has 501)." in response.content.decode()
    assert Question.objects.get(pk=question.pk).deleted_at is None
    assert client.post(url, {"reason": "x" * 500}).status_code == 302
    assert Question.objects.get(pk=question.pk).deleted_at is not None


def test_a_members_reason_is_ignored(client, asker, question):
    client.force_login(asker)
    response = client.post(reverse("post_delete", args=["q", question.pk]), {"reason": "x" * 900})
    assert response.status_code == 302  # an author gives no reason: nothing to validate
    assert Question.objects.get(pk=question.pk).deleted_at is not None


def test_reason_keyword_reaches_the_services(moderator, question):
    services.delete_post(moderator, question, reason="spam")
    services.restore_post(moderator, Question.objects.get(pk=question.pk), reason="appeal")
    assert Question.objects.get(pk=question.pk).deleted_at is None


def test_moderators_group_may_view_posts(db):
    codenames = set(Group.objects.get(name=MODERATORS).permissions.values_list("codename", flat=True))
    assert {"view_question", "view_answer", "view_comment"} <= codenames


def test_moderator_question_page_with_reason_fields_is_valid_html(client, moderator, question, answer, tmp_path):
    """Both forms (delete the question, restore the deleted answer) on one page: unique ids, valid HTML."""
    from tests.portal.test_valid_html import format_messages, run_vnu

    services.delete_post(moderator, answer)
    client.force_login(moderator)
    page = client.get(question.get_absolute_url()).content.decode()
    assert f'id="delete-reason-q-{question.pk}"' in page and f'id="restore-reason-a-{answer.pk}"' in page
    (tmp_path / "moderator-question.html").write_text(page, encoding="utf-8")
    errors = run_vnu([tmp_path / "moderator-question.html"])
    assert not errors, format_messages(errors)
