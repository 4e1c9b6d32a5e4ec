"""The support-case demo that `manage.py load_demo` loads (devtools.cases_demo): cases in every status with
real timelines, SLA states, public replies on the threads, surveys, macros, the Tokyo calendar, the
supervisor and the agents; counters true; a second load adds nothing."""

from __future__ import annotations

from collections import Counter

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.utils import timezone

from community.models import Answer
from devtools.cases_demo import MACROS, SPECS, TOKYO, load_cases_demo
from devtools.generated import generated_questions
from moderation.cases import sla
from moderation.cases.models import (
    AgentProfile,
    BusinessCalendar,
    Case,
    CaseEvent,
    CaseStatus,
    Macro,
    SlaPolicy,
    Survey,
)
from moderation.webhooks.models import WebhookEndpoint
from portal.roles import SUPPORT_AGENTS, SUPPORT_SUPERVISORS
from tests.commands import recompute_check


def demo_cases():
    return Case.objects.exclude(question__in=generated_questions().values("pk"))


def test_demo_cases_cover_every_status_with_timelines_and_sla_states(shared_demo):
    assert "Support: 13 demo cases" in shared_demo.output
    cases = list(demo_cases().select_related("question", "customer", "assignee"))
    assert len(cases) == len(SPECS) == 13
    assert {case.status for case in cases} == set(CaseStatus.values)
    now = timezone.now()
    states = Counter(sla.sla_state(case, now) for case in cases if case.status in ("new", "open", "pending"))
    assert states["breached"] >= 2 and states["due_soon"] >= 2 and states[""] >= 1
    for case in cases:
        assert case.customer_id == case.question.author_id  # the asker is the customer
        assert case.next_due_at == sla.next_due(case)
        events = list(case.events.order_by("created_at", "pk"))
        assert events[0].kind == CaseEvent.Kind.CREATED and events[0].created_at == case.created_at
        assert all(event.created_at <= now for event in events)
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        statuses = [event.data["to"] for event in events if event.kind == CaseEvent.Kind.STATUS]
        assert (statuses[-1] if statuses else CaseStatus.NEW) == case.status
        if case.status != CaseStatus.NEW:
            assert case.first_responded_at is not None and case.assignee is not None
    kinds = Counter(CaseEvent.objects.filter(case__in=demo_cases()).values_list("kind", flat=True))
    for kind in ("assigned", "public_reply", "private_reply", "note", "customer_reply", "status", "survey", "accept_requested"):
        assert kinds[kind], kind
    # customers alice, bob and hanako each have cases (they can sign in and see them)
    customers = Counter(case.customer.username for case in cases)
    assert customers["alice"] == customers["bob"] == 2 and customers["hanako"] == 1
    # the demo agent has a working queue of their own
    assert demo_cases().filter(assignee__username="agent", status__in=["new", "open", "pending"]).count() >= 3
    assert demo_cases().filter(assignee__username="agent-ja").exists()
    assert demo_cases().filter(assignee__isnull=True, status="new").exists()


def test_public_replies_are_support_answers_on_the_thread_and_counters_agree(shared_demo):
    replies = CaseEvent.objects.filter(case__in=demo_cases(), kind=CaseEvent.Kind.PUBLIC_REPLY).select_related("answer", "case")
    assert replies.count() >= 4
    for reply in replies:
        answer = reply.answer
        assert answer.is_support_reply and answer.status == "published"
        assert answer.question_id == reply.case.question_id and answer.created_at == reply.created_at
        assert answer.author.groups.filter(name=SUPPORT_AGENTS).exists()
    solved = demo_cases().filter(status="solved", solution_answer__isnull=False)
    assert solved.exists()
    assert Answer.objects.filter(is_support_reply=True).count() == replies.count()
    recompute_check()


def test_surveys_macros_calendar_policy_webhook_and_people(shared_demo):
    answered = Survey.objects.filter(case__in=demo_cases(), answered_at__isnull=False)
    assert answered.count() >= 3
    assert answered.filter(nps__isnull=False, ask_nps=True).exists()
    assert all(1 <= s.csat <= 5 and 1 <= s.ces <= 7 for s in answered)
    assert Survey.objects.filter(case__in=demo_cases(), answered_at__isnull=True).exists()  # sent, not answered yet
    assert not Survey.objects.filter(case__in=demo_cases()).exclude(case__status__in=["solved", "closed"]).exists()

    assert Macro.objects.filter(name__in=[m[0] for m in MACROS]).count() == 3
    for macro in Macro.objects.filter(name__in=[m[0] for m in MACROS]):
        assert "{customer_name}" in macro.body_en and "{customer_name}" in macro.body_ja
    calendar = BusinessCalendar.objects.get(name=TOKYO)
    assert calendar.time_zone == "Asia/Tokyo" and calendar.holidays.count() >= 10
    policy = SlaPolicy.objects.get(calendar=calendar)
    assert policy.topic is not None and policy.topic.locale.language_code == "ja"
    assert demo_cases().filter(policy=policy).exists()
    endpoint = WebhookEndpoint.objects.get()
    assert not endpoint.active and endpoint.secret and "case.solved" in endpoint.events

    User = get_user_model()
    supervisor = User.objects.get(username="supervisor")
    assert supervisor.is_staff and supervisor.groups.filter(name=SUPPORT_SUPERVISORS).exists()
    assert supervisor.profile.display_name == "Sam Supervisor"
    for username in ("supervisor", "agent", "agent-ja"):
        assert Authenticator.objects.filter(user__username=username, type=Authenticator.Type.TOTP).exists()
    assert AgentProfile.objects.get(user__username="agent").languages == "en"
    assert AgentProfile.objects.get(user__username="agent-ja").languages == "ja"


def test_loading_the_cases_demo_again_adds_nothing(shared_demo):
    before = (Case.objects.count(), CaseEvent.objects.count(), Survey.objects.count(), Answer.objects.count(),
              Macro.objects.count(), WebhookEndpoint.objects.count(), BusinessCalendar.objects.count())
    assert load_cases_demo() == 0
    after = (Case.objects.count(), CaseEvent.objects.count(), Survey.objects.count(), Answer.objects.count(),
             Macro.objects.count(), WebhookEndpoint.objects.count(), BusinessCalendar.objects.count())
    assert after == before
