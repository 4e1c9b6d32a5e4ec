"""The agent services: status machine, replies, notes, priority, assignee, tags, macros, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from community.models import Answer, Follow
from moderation.cases import services
from moderation.cases.errors import AlreadyHandled, CaseError, PermissionRefused
from moderation.cases.events import AgentReplied, CaseSolved, CaseUpdated
from moderation.cases.models import Case, CaseEvent, CaseStatus
from portal import audit
from portal.events import recorded
from portal.models import Notification
from portal.roles import SUPPORT_AGENTS
from tests.factories import AnswerFactory, MemberFactory
from tests.moderation.cases.factories import CaseFactory, MacroFactory, default_policy, make_agent
from tests.moderation.factories import make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return make_agent("agent1")


@pytest.fixture
def case():
    return CaseFactory()


def actions(case):
    return list(audit.history(case).values_list("action", flat=True))


# --- permission matrix ---------------------------------------------------------------------------------------


def _staff_agent_without_two_factor():
    user = MemberFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT_AGENTS))
    return user


@pytest.mark.parametrize("who", ["moderator", "member", "staff_no_2fa"])
def test_only_agents_may_work_cases(case, who):
    user = {"moderator": make_moderator, "member": MemberFactory, "staff_no_2fa": _staff_agent_without_two_factor}[who]()
    for call in (
        lambda: services.change_status(user, case, CaseStatus.OPEN),
        lambda: services.reply(user, case, body="Hello", public=False),
        lambda: services.add_note(user, case, body="note"),
        lambda: services.set_priority(user, case, "high"),
        lambda: services.assign(user, case, None),
        lambda: services.set_tags(user, case, "billing"),
    ):
        with pytest.raises(PermissionRefused):
            call()
    assert not CaseEvent.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and case.version == 1


def test_agent_may_work_cases(case, agent):
    services.change_status(agent, case, CaseStatus.OPEN)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


# --- status machine ------------------------------------------------------------------------------------------


def test_status_change_writes_event_audit_and_publishes(case, agent):
    with recorded() as events:
        services.change_status(agent, case, CaseStatus.PENDING, reason="Waiting for logs")
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING and case.version == 2
    entry = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.STATUS)
    assert entry.data["from"] == "new" and entry.data["to"] == "pending" and entry.actor == agent
    assert "cases.status" in actions(case)
    updated = [e for e in events if isinstance(e, CaseUpdated)]
    assert updated and updated[0].changes == {"status": ["new", "pending"]} and not isinstance(updated[0], CaseSolved)


@pytest.mark.parametrize(("start", "target"), [
    ("closed", "open"), ("closed", "solved"), ("solved", "pending"), ("open", "new"), ("open", "open"), ("new", "bogus"),
])
def test_invalid_transitions_are_refused_and_nothing_written(agent, start, target):
    case = CaseFactory(status=start)
    with pytest.raises(CaseError) as error:
        services.change_status(agent, case, target)
    assert error.value.field == "status" and error.value.message
    case.refresh_from_db()
    assert case.status == start and case.version == 1
    assert not CaseEvent.objects.filter(case=case).exists() and not actions(case)


def test_invalid_transition_message_in_japanese(agent):
    from django.utils import translation

    case = CaseFactory(status="closed")
    with translation.override("ja"), pytest.raises(CaseError) as error:
        services.change_status(agent, case, "open")
    assert error.value.message == "ケースを「クローズ」から「受付中」に変更することはできません。"


def test_solved_sets_solution_from_latest_public_reply_and_publishes_case_solved(case, agent):
    services.reply(agent, case, body="First try: restart the router.", public=True)
    second = services.reply(agent, case, body="Try resetting the password.", public=True)
    with recorded() as events:
        services.change_status(agent, case, CaseStatus.SOLVED)
    case.refresh_from_db()
    assert case.solved_at is not None and case.solution_answer_id == second.answer_id
    assert case.next_due_at is None
    assert any(isinstance(e, CaseSolved) for e in events)
    assert "cases.solve" in actions(case)


def test_solved_without_public_reply_has_no_solution(case, agent):
    services.change_status(agent, case, CaseStatus.SOLVED)
    case.refresh_from_db()
    assert case.solved_at and case.solution_answer_id is None


def test_closed_sets_closed_at(case, agent):
    services.change_status(agent, case, CaseStatus.CLOSED)
    case.refresh_from_db()
    assert case.closed_at is not None and case.next_due_at is None


@pytest.mark.parametrize("start", ["pending", "solved"])
def test_reopen(agent, start):
    case = CaseFactory(status=start, first_responded_at=timezone.now(), solved_at=timezone.now() if start == "solved" else None)
    services.change_status(agent, case, CaseStatus.OPEN)
    case.refresh_from_db()
    assert case.status == "open" and case.solved_at is None
    assert case.next_due_at == case.resolution_due
    assert "cases.reopen" in actions(case)


def test_stale_version_is_refused_with_nothing_written(case, agent):
    services.change_status(agent, case, CaseStatus.OPEN, expected_version=1)
    stale = Case.objects.get(pk=case.pk)
    with pytest.raises(AlreadyHandled) as error:
        services.change_status(agent, stale, CaseStatus.PENDING, expected_version=1)
    assert error.value.status == 409
    with pytest.raises(AlreadyHandled):
        services.reply(agent, stale, body="hello", public=False, expected_version=1)
    with pytest.raises(AlreadyHandled):
        services.set_priority(agent, stale, "urgent", expected_version="garbage")
    case.refresh_from_db()
    assert case.status == "open" and case.version == 2 and case.priority == "normal"
    assert CaseEvent.objects.filter(case=case).count() == 1


# --- replies -----------------------------------------------------------------------------------------------


def test_public_reply_posts_support_answer_on_thread(case, agent, django_capture_on_commit_callbacks):
    follower = MemberFactory()
    Follow.objects.create(user=follower, question=case.question)
    with recorded() as events, django_capture_on_commit_callbacks(execute=True):
        entry = services.reply(agent, case, body="Here is **how** <script>x</script>", public=True)
    answer = Answer.objects.get(pk=entry.answer_id)
    assert answer.is_support_reply and answer.author == agent and answer.question_id == case.question_id
    assert answer.status == "published" and "<script>" not in answer.body_html
    assert entry.kind == CaseEvent.Kind.PUBLIC_REPLY and "<script>" not in entry.body_html
    case.question.refresh_from_db()
    assert case.question.answer_count == 1
    replied = [e for e in events if isinstance(e, AgentReplied)]
    assert replied and replied[0].public and replied[0].entry_id == entry.pk
    # followers hear about it like any answer; the customer gets the support notification
    assert Notification.objects.filter(recipient=follower).exists()
    support = Notification.objects.get(recipient=case.customer, kind="support")
    assert f"/support/cases/{case.pk}/" in support.url and support.delivery == "email"
    # … and only that one: not also "answered your question" for the same reply
    assert Notification.objects.filter(recipient=case.customer).count() == 1
    assert "cases.reply_public" in actions(case)


def test_private_reply_first_response_and_status(case, agent):
    with recorded() as events:
        entry = services.reply(agent, case, body="Can you send the invoice number?", public=False, status="pending")
    case.refresh_from_db()
    assert entry.kind == CaseEvent.Kind.PRIVATE_REPLY and entry.answer is None
    assert not Answer.objects.filter(question=case.question).exists()
    assert case.first_responded_at is not None and case.status == "pending"
    assert case.next_due_at == case.resolution_due and case.version == 2
    assert any(isinstance(e, AgentReplied) and not e.public for e in events)
    assert Notification.objects.filter(recipient=case.customer, kind="support").count() == 1
    first = case.first_responded_at
    services.reply(agent, case, body="Any news?", public=False)
    case.refresh_from_db()
    assert case.first_responded_at == first and case.status == "pending"


def test_reply_moves_new_case_to_open(case, agent):
    services.reply(agent, case, body="Looking into it.", public=False)
    case.refresh_from_db()
    assert case.status == "open"


def test_reply_notification_in_customers_language(agent):
    case = CaseFactory(language="ja")
    case.customer.profile.language = "ja"
    case.customer.profile.save()
    services.reply(agent, case, body="確認します。", public=False)
    note = Notification.objects.get(recipient=case.customer, kind="support")
    assert note.url.startswith("/ja/") and "サポート" in note.title


def test_reply_to_closed_case_refused(agent):
    case = CaseFactory(status="closed")
    with pytest.raises(CaseError):
        services.reply(agent, case, body="hello", public=True)
    assert not Answer.objects.exists() and not CaseEvent.objects.exists()


def test_reply_bad_input(case, agent):
    for body in ("", "   ", "x" * (services.REPLY_MAX + 1), "bad\x00char"):
        with pytest.raises(CaseError) as error:
            services.reply(agent, case, body=body, public=True)
        assert error.value.field == "body"
    with pytest.raises(CaseError):
        services.reply(agent, case, body="ok", public=False, status="bogus")
    assert not CaseEvent.objects.exists() and not Answer.objects.exists()


def test_note_is_internal(case, agent):
    entry = services.add_note(agent, case, body="Customer is a VIP")
    assert entry.kind == "note" and not entry.customer_visible
    case.refresh_from_db()
    assert case.first_responded_at is None and case.status == "new"
    assert not Notification.objects.exists()
    assert "cases.note" in actions(case)


# --- priority, assignee, tags -------------------------------------------------------------------------------


def test_set_priority_recomputes_due_times(case, agent):
    policy = default_policy(first_response_urgent=1, resolution_urgent=8)
    case.policy = policy
    case.save()
    services.set_priority(agent, case, "urgent", reason="Outage")
    case.refresh_from_db()
    assert case.priority == "urgent"
    assert case.first_response_due == case.created_at + timedelta(hours=1)
    assert case.resolution_due == case.created_at + timedelta(hours=8)
    assert case.next_due_at == case.first_response_due
    with pytest.raises(CaseError):
        services.set_priority(agent, case, "critical")


def test_assign_and_unassign(case, agent):
    other = make_agent("agent2")
    services.assign(agent, case, other)
    case.refresh_from_db()
    assert case.assignee == other and other.agent_profile.__class__.objects.get(user=other).last_assigned_at
    services.assign(agent, case, None)
    case.refresh_from_db()
    assert case.assignee is None and case.version == 3
    assert CaseEvent.objects.filter(case=case, kind="assigned").count() == 2
    with pytest.raises(CaseError) as error:
        services.assign(agent, case, MemberFactory())
    assert error.value.field == "assignee"


def test_set_tags(case, agent):
    services.set_tags(agent, case, "Billing, refund 返金")
    assert sorted(Case.objects.get(pk=case.pk).tags.names()) == ["billing", "refund", "返金"]
    for bad in ("<b>", "x" * 51, " ".join(f"t{i}" for i in range(11))):
        with pytest.raises(CaseError):
            services.set_tags(agent, case, bad)
    assert CaseEvent.objects.filter(case=case, kind="tags").count() == 1


# --- macros ------------------------------------------------------------------------------------------------


def test_render_macro_english(case, agent):
    macro = MacroFactory(body_en="Hi {customer_name}, re “{question_title}” ({case_number}) see {question_url}. — {agent_name} {unknown} {{x}} {")
    text = services.render_macro(macro, case, agent)
    assert case.customer.profile.name in text and case.question_title in text
    assert f"#{case.pk}" in text and f"/community/q/{case.question_id}/" in text
    assert agent.get_username() in text or agent.profile.name in text
    assert "{unknown}" in text and text.endswith("{")


def test_render_macro_japanese(agent):
    case = CaseFactory(language="ja")
    macro = MacroFactory(body_ja=MacroFactory._meta.declarations["body_ja"] + " {question_url}")
    text = services.render_macro(macro, case, agent)
    assert text.startswith(f"{case.customer.profile.name} 様") and f"「{case.question_title}」" in text
    assert f"/ja/community/q/{case.question_id}/" in text
    english_only = MacroFactory(body_ja="")
    assert services.render_macro(english_only, case, agent).startswith("Hello ")


def test_post_support_answer_refuses_non_agents(case):
    from community.services import post_support_answer

    for user in (MemberFactory(), make_moderator()):
        with pytest.raises(PermissionRefused):
            post_support_answer(user, case.question, body="I am not the support team")
    assert not Answer.objects.filter(question=case.question).exists()


def test_solution_ignores_community_answers(case, agent):
    AnswerFactory(question=case.question)
    services.change_status(agent, case, CaseStatus.SOLVED)
    case.refresh_from_db()
    assert case.solution_answer_id is None
