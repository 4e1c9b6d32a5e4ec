"""Escalation: each rule with frozen time, keywords (EN/JA), "I still need help", upheld staff flags, the
review queue action, manual escalation permissions, one active case per question, snapshot/tags/due times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from community.status import PostStatus
from moderation.cases import escalation
from moderation.cases.errors import CaseError, PermissionRefused
from moderation.cases.events import CaseCreated, QuestionEscalated
from moderation.cases.models import Case, CaseEvent, CaseStatus, SlaPolicy
from moderation.errors import ModerationError
from moderation.flags import flag_post
from moderation.models import ReviewItem
from moderation.review import act_on_item
from portal import audit
from portal.events import recorded
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory
from tests.moderation.cases.factories import CalendarFactory, CaseFactory, default_policy, make_agent
from tests.moderation.factories import make_moderator

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def ask(hours_ago: float, **fields):
    created = NOW - timedelta(hours=hours_ago)
    return QuestionFactory(created_at=created, last_activity_at=created, **fields)


def answer(question, hours_ago: float, **fields):
    return AnswerFactory(question=question, created_at=NOW - timedelta(hours=hours_ago), **fields)


# --- rules -----------------------------------------------------------------------------------------------------


def test_no_answer_after_24_hours(frozen):
    old, young = ask(24), ask(23.9)
    counts = escalation.sweep(NOW)
    assert counts["no_answer"] == 1
    case = Case.objects.get()
    assert case.question == old and case.reason == "no_answer" and case.status == CaseStatus.NEW
    assert not young.cases.exists()


def test_the_rules_look_back_only_as_far_as_the_policy_says(frozen):
    """A question left unresolved for months is not turned into a case that is breached as it opens."""
    recent, ancient = ask(29 * 24), ask(31 * 24)
    answered_long_ago = ask(40 * 24)
    answer(answered_long_ago, 39 * 24)
    assert escalation.sweep(NOW) == {"keyword": 0, "no_answer": 1, "no_accepted": 0}
    assert recent.cases.exists() and not ancient.cases.exists()
    default_policy(lookback_days=0)  # no limit
    assert escalation.sweep(NOW) == {"keyword": 0, "no_answer": 1, "no_accepted": 1}
    assert ancient.cases.exists() and answered_long_ago.cases.exists()


def test_no_answer_hours_come_from_the_topic_policy(frozen, topic):
    SlaPolicy.objects.create(name="Billing", topic=topic, no_answer_hours=2, priority_keywords="")
    billing, other = ask(3, topic=topic), ask(3)
    escalation.sweep(NOW)
    case = Case.objects.get()
    assert case.question == billing and case.policy.topic_id == topic.pk
    assert not other.cases.exists()


def test_no_accepted_answer_72_hours_after_the_first_answer(frozen):
    question = ask(200)
    answer(question, 72)  # the first answer counts
    answer(question, 1)
    waiting = ask(200)
    answer(waiting, 71)
    counts = escalation.sweep(NOW)
    assert counts == {"no_answer": 0, "no_accepted": 1, "keyword": 0}
    assert Case.objects.get().question == question
    assert Case.objects.get().reason == "no_accepted"


def test_accepted_questions_and_hidden_ones_are_left_alone(frozen):
    accepted = ask(200)
    accepted.accepted_answer = answer(accepted, 100)
    accepted.save(update_fields=["accepted_answer"])
    ask(48, status=PostStatus.HIDDEN)
    ask(48, status=PostStatus.DELETED)
    assert sum(escalation.sweep(NOW).values()) == 0
    assert not Case.objects.exists()


def test_the_sweep_is_idempotent_and_never_reescalates_a_closed_case(frozen):
    question = ask(30)
    assert escalation.sweep(NOW)["no_answer"] == 1
    assert sum(escalation.sweep(NOW).values()) == 0
    Case.objects.update(status=CaseStatus.CLOSED, next_due_at=None)
    assert sum(escalation.sweep(NOW + timedelta(days=3)).values()) == 0
    assert question.cases.count() == 1
    # a human may escalate again by hand
    case, created = escalation.escalate(question, reason="manual", actor=make_moderator(), detail="Customer called")
    assert created and question.cases.count() == 2


@pytest.mark.parametrize(
    ("title", "body", "matched"),
    [
        ("I want a REFUND", "Please.", ["refund"]),
        ("Full width", "ＲＥＦＵＮＤ please", ["refund"]),
        ("How to cancel my plan?", "", ["cancel"]),
        ("契約を解約したい", "返金はできますか", ["解約", "返金"]),
        ("Cancellation policy", "refunded twice", []),  # whole words for English
    ],
)
def test_priority_keywords(title, body, matched):
    assert escalation.matched_keywords(default_policy().keywords, f"{title}\n{body}") == matched


def test_keyword_questions_are_escalated_at_once_with_a_higher_priority(frozen):
    question = ask(0.1, title="解約の方法", body="すぐに返金してください")
    ask(0.1, title="Hub light", body="nothing urgent")
    counts = escalation.sweep(NOW)
    assert counts["keyword"] == 1
    case = Case.objects.get()
    assert case.question == question and case.reason == "keyword" and case.priority == "high"
    assert set(case.tags.names()) >= {"解約", "返金"}


def test_keywords_raise_the_priority_of_any_escalation(frozen):
    question = ask(30, title="Refund for my hub")
    case, created = escalation.open_case(question.pk, reason="no_answer", now=NOW)
    assert created and case.priority == "high"
    policy = default_policy(keyword_priority="urgent")
    other = ask(30, title="Legal question")
    case, _ = escalation.open_case(other.pk, reason="no_answer", now=NOW, policy=policy)
    assert case.priority == "urgent"


# --- the case itself -----------------------------------------------------------------------------------------


def test_snapshot_tags_due_times_timeline_and_events(frozen, topic):
    calendar = CalendarFactory()
    default_policy(calendar=calendar, priority_keywords="")
    question = ask(30, topic=topic, title="Hub offline", body="It **blinks**.", tags=["hub", "firmware"])
    agent = make_agent()
    moderator = make_moderator()
    with recorded() as events:
        case, created = escalation.escalate(question, reason="manual", actor=moderator, detail="  VIP   customer ")
    assert created
    assert (case.question_title, case.question_body) == ("Hub offline", "It **blinks**.")
    assert "<strong>blinks</strong>" in case.question_body_html
    assert case.customer == question.author and case.escalated_by == moderator and case.reason_detail == "VIP customer"
    assert set(case.tags.names()) == {topic.slug, "hub", "firmware"}
    # Wednesday 12:00 Tokyo + 8 business hours (9–18) → Thursday 11:00 Tokyo
    assert case.first_response_due == datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    assert case.next_due_at == case.first_response_due
    assert case.assignee == agent and case.status == CaseStatus.NEW
    kinds = list(case.events.values_list("kind", "actor_id"))
    assert kinds == [(CaseEvent.Kind.CREATED, moderator.pk), (CaseEvent.Kind.ASSIGNED, None)]
    assert audit.history(case).filter(action="cases.escalate").count() == 1
    types = [type(event) for event in events]
    assert QuestionEscalated in types and CaseCreated in types


def test_one_active_case_per_question(frozen):
    question = ask(1)
    moderator = make_moderator()
    first, created = escalation.escalate(question, reason="manual", actor=moderator, detail="First")
    second, again = escalation.escalate(question, reason="manual", actor=moderator, detail="Second")
    assert created and not again and first == second
    assert Case.objects.count() == 1


def test_the_constraint_catches_a_race_the_lock_missed(frozen):
    """A case written behind the service's back (another machine) between its check and its insert."""
    question = ask(30)
    other = CaseFactory(question=question)
    Case.objects.filter(pk=other.pk).update(status=CaseStatus.OPEN)
    real = Case.objects.filter
    calls = {"n": 0}

    def blind_first_check(*args, **kwargs):
        calls["n"] += 1
        queryset = real(*args, **kwargs)
        return queryset.none() if calls["n"] == 1 else queryset

    from unittest import mock

    with mock.patch.object(Case.objects, "filter", side_effect=blind_first_check):
        case, created = escalation.open_case(question.pk, reason="no_answer", now=NOW)
    assert not created and case.pk == other.pk
    assert Case.objects.count() == 1


def test_manual_escalation_permissions_and_reason(frozen):
    question = ask(1)
    with pytest.raises(PermissionRefused):
        escalation.escalate(question, reason="manual", actor=MemberFactory(), detail="Please")
    with pytest.raises(PermissionRefused):
        escalation.escalate(question, reason="manual", actor=question.author, detail="Please")
    with pytest.raises(CaseError) as error:
        escalation.escalate(question, reason="manual", actor=make_agent(), detail="   ")
    assert error.value.field == "reason"
    with pytest.raises(CaseError):
        escalation.escalate(question, reason="manual", actor=make_agent(), detail="x" * 501)
    with pytest.raises(CaseError):
        escalation.escalate(question, reason="bogus", actor=make_agent(), detail="Why")
    assert not Case.objects.exists()
    case, created = escalation.escalate(question, reason="manual", actor=make_agent(), detail="Needs a refund check")
    assert created and case.reason == "manual"


def test_deleted_or_hidden_questions_are_refused(frozen):
    for status in (PostStatus.DELETED, PostStatus.HIDDEN, PostStatus.PENDING):
        question = ask(30, status=status)
        with pytest.raises(CaseError):
            escalation.escalate(question, reason="manual", actor=make_moderator(), detail="Why")
    assert not Case.objects.exists()


# --- "I still need help" ---------------------------------------------------------------------------------------


def test_still_need_help_permission_matrix(frozen):
    asker = MemberFactory()
    young = ask(1, author=asker)
    old = ask(24, author=asker)
    answered = ask(1, author=asker)
    answer(answered, 0.5)
    solved = ask(1, author=asker)
    solved.accepted_answer = answer(solved, 0.5)
    solved.save(update_fields=["accepted_answer"])
    assert not escalation.can_request_help(asker, young, NOW)
    assert escalation.can_request_help(asker, old, NOW)
    assert escalation.can_request_help(asker, answered, NOW)
    assert not escalation.can_request_help(asker, solved, NOW)
    old_solved = ask(48, author=asker)  # past the waiting time, but the asker accepted an answer: solved
    old_solved.accepted_answer = answer(old_solved, 47)
    old_solved.save(update_fields=["accepted_answer"])
    assert not escalation.can_request_help(asker, old_solved, NOW)
    assert not escalation.can_request_help(MemberFactory(), old, NOW)
    assert not escalation.can_request_help(make_moderator(), old, NOW)
    from django.contrib.auth.models import AnonymousUser

    assert not escalation.can_request_help(AnonymousUser(), old, NOW)
    with pytest.raises(PermissionRefused):
        escalation.request_help(asker, young)
    with pytest.raises(PermissionRefused):
        escalation.request_help(MemberFactory(), old)
    case = escalation.request_help(asker, old, detail="The reset did not work")
    assert case.reason == "still_need_help" and case.reason_detail == "The reset did not work" and case.escalated_by == asker
    assert not audit.history(case).exists()  # members' requests are no staff action
    assert not escalation.can_request_help(asker, old, NOW)  # a case is on it
    assert escalation.request_help(asker, old) == case  # a second click: the same case


def test_still_need_help_is_rate_limited(frozen, one_ratelimit_window):
    asker = MemberFactory()
    questions = [ask(30, author=asker) for _ in range(4)]
    for question in questions[:3]:
        escalation.request_help(asker, question)
    with pytest.raises(CaseError) as error:
        escalation.request_help(asker, questions[3])
    assert error.value.status == 429
    assert Case.objects.count() == 3


# --- "needs staff help" flags ----------------------------------------------------------------------------------


def test_an_upheld_needs_staff_flag_opens_a_case(frozen):
    question = ask(1)
    flag_post(MemberFactory(), question, reason="needs_staff", details="They need a refund")
    item = ReviewItem.objects.get()
    moderator = make_moderator()
    act_on_item(moderator, item.pk, action="escalate", version=item.version, reason="Billing problem")
    case = Case.objects.get()
    assert case.reason == "staff_flag" and case.escalated_by == moderator and case.reason_detail == "Billing problem"
    item.refresh_from_db()
    assert item.state == "resolved" and item.resolution == "escalate"


def test_upholding_a_needs_staff_flag_by_another_action_opens_a_case(frozen):
    question = ask(1)
    reply = answer(question, 0.5)
    flag_post(MemberFactory(), reply, reason="needs_staff")
    item = ReviewItem.objects.get()
    act_on_item(make_moderator(), item.pk, action="hide", version=item.version, reason="Wrong advice")
    assert Case.objects.get().question == question


def test_a_dismissed_or_spam_flag_opens_no_case(frozen):
    question = ask(1)
    flag_post(MemberFactory(), question, reason="spam")
    item = ReviewItem.objects.get()
    act_on_item(make_moderator(), item.pk, action="dismiss", version=item.version)
    assert not Case.objects.exists()


def test_escalate_action_needs_a_reason(frozen):
    question = ask(1)
    flag_post(MemberFactory(), question, reason="needs_staff")
    item = ReviewItem.objects.get()
    with pytest.raises(ModerationError):
        act_on_item(make_moderator(), item.pk, action="escalate", version=item.version, reason="")
    assert not Case.objects.exists()


# --- the command ------------------------------------------------------------------------------------------------


def test_command_prints_counts(frozen, capsys):
    ask(30)
    call_command("escalate_unresolved", "--dry-run")
    assert "no_answer: would open 1" in capsys.readouterr().out
    assert not Case.objects.exists()
    call_command("escalate_unresolved")
    assert "no_answer: opened 1" in capsys.readouterr().out
    assert Case.objects.count() == 1


# --- the review queue page ---------------------------------------------------------------------------------------


def test_the_review_queue_offers_escalate_to_support(client, frozen):
    question = ask(1)
    flag_post(MemberFactory(), question, reason="needs_staff", details="Refund needed")
    item = ReviewItem.objects.get()
    moderator = make_moderator()
    client.force_login(moderator)
    html = client.get(f"/admin/moderation/queue/{item.pk}/").content.decode()
    assert "Escalate to support" in html
    response = client.post(f"/admin/moderation/queue/{item.pk}/act/", {"action": "escalate", "version": item.version, "reason": ""})
    assert response.status_code == 400 and not Case.objects.exists()
    response = client.post(
        f"/admin/moderation/queue/{item.pk}/act/", {"action": "escalate", "version": item.version, "reason": "Billing"}
    )
    assert response.status_code == 302
    assert Case.objects.get().reason == "staff_flag"
