"""Every staff action on a post writes one audit entry (issue 10, point 3): actor, action, target,
before/after, reason, time — in Wagtail's log, inside the service's transaction."""

import pytest
from wagtail.models import ModelLogEntry

from community import services
from portal import audit

pytestmark = pytest.mark.django_db


def entries(action=None):
    rows = ModelLogEntry.objects.order_by("pk")
    return list(rows.filter(action=action) if action else rows)


def test_moderator_delete_and_restore_are_audited_with_reason(question, answer, moderator):
    services.delete_post(moderator, answer, reason="Spam link")
    services.restore_post(moderator, answer, reason="Deleted by mistake")
    deleted, restored = entries("community.delete")[0], entries("community.restore")[0]
    assert deleted.user_id == moderator.pk and deleted.object_id == str(answer.pk)
    assert deleted.data == {"reason": "Spam link", "before": {"status": "published"}, "after": {"status": "deleted"}}
    assert restored.data["reason"] == "Deleted by mistake" and restored.data["after"] == {"status": "published"}
    assert deleted.label == f"Answer {answer.pk} to question {question.pk}"
    assert [e.action for e in audit.history(answer)] == ["community.restore", "community.delete"]


def test_a_member_deleting_their_own_post_is_not_a_staff_action(answer, answerer):
    services.delete_post(answerer, answer)
    assert entries() == []


def test_hide_unhide_approve_are_audited(question, moderator):
    services.hide_post(moderator, question, reason="Off topic")
    services.unhide_post(moderator, question)
    type(question).objects.filter(pk=question.pk).update(status="pending")
    question.refresh_from_db()
    services.approve_post(moderator, question, reason="Looks fine")
    assert [e.action for e in entries()] == ["community.hide", "community.unhide", "community.approve"]
    assert entries()[0].data["reason"] == "Off topic"


def test_accept_on_behalf_is_audited_but_the_askers_own_accept_is_not(question, answer, asker, moderator):
    services.accept_answer(asker, answer)
    services.unaccept_answer(asker, question)
    assert entries() == []
    services.accept_answer(moderator, answer)
    services.unaccept_answer(moderator, question)
    accept, unaccept = entries()
    assert accept.action == "community.accept_on_behalf" and accept.data["after"] == {"accepted_answer": answer.pk}
    assert unaccept.action == "community.unaccept_on_behalf" and unaccept.data["before"] == {"accepted_answer": answer.pk}


def test_editing_someone_elses_post_is_audited_with_before_and_after(question, asker, moderator):
    services.edit_question(asker, question, title="Hub light blinks red after the update!", body=question.body)
    assert entries() == []
    services.edit_question(
        moderator, question, title="Hub LED blinks red after firmware update", body=question.body, summary="clearer title"
    )
    (entry,) = entries()
    assert entry.action == "community.edit_others" and entry.user_id == moderator.pk
    assert entry.data["before"]["title"] == "Hub light blinks red after the update!"
    assert entry.data["after"]["title"] == "Hub LED blinks red after firmware update"
    assert entry.data["after"]["revision"] == 3 and entry.data["reason"] == "clearer title"
    assert "body" not in entry.data["after"]  # unchanged fields are not repeated


def test_the_entry_rolls_back_with_a_refused_change(question, moderator, monkeypatch):
    from community import handlers

    def broken(kind, object_id):
        raise RuntimeError("index down")

    monkeypatch.setattr(handlers.search_api, "reindex", broken)
    with pytest.raises(RuntimeError):
        services.hide_post(moderator, question, reason="x")
    question.refresh_from_db()
    assert question.status == "published" and entries() == []
