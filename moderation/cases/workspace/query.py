"""Reads for the agent workspace. Every page runs a fixed number of queries, whatever the number of cases:
queue counts are one aggregate with conditional counts over the indexed (status, next_due_at) columns, a
queue page is one count and one page query (plus one for the page's tags), and the case page reads
each related list with a bounded query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from community.models import Answer, Question

from .. import sla
from ..models import WORKING_STATUSES, AgentProfile, Case, CaseEvent, CaseStatus, Macro

QUEUES = ("mine", "unassigned", "due_soon", "breached", "all")
EARLIER_MAX = 10
ANSWERS_MAX = 50
TIMELINE_MAX = 200


def window(now: datetime) -> tuple[datetime, datetime]:
    return now, now + sla.due_soon_window()


def queue_filter(queue: str, user, now: datetime) -> Q:
    """The queue's rule; "due_soon" and "breached" are `sla.sla_state`'s own (`sla.due_soon_q`, `sla.breached_q`)."""
    return {
        "mine": Q(assignee_id=user.pk),
        "unassigned": Q(assignee__isnull=True),
        "due_soon": sla.due_soon_q(now),
        "breached": sla.breached_q(now),
    }.get(queue, Q())


def queue_counts(user, now: datetime | None = None) -> dict[str, int]:
    """Working cases (new, open, pending customer) per queue, in one aggregate query."""
    now = now or timezone.now()
    working = Case.objects.filter(status__in=WORKING_STATUSES)
    counts = working.aggregate(
        **{name: Count("pk", filter=queue_filter(name, user, now)) for name in QUEUES if name != "all"},
        all=Count("pk"),
        new=Count("pk", filter=Q(status=CaseStatus.NEW)),
    )
    return {name: counts[name] or 0 for name in (*QUEUES, "new")}


def facet_counts() -> dict[str, dict]:
    """Cases per status (all cases) and per priority, topic and language (working cases), for the filter
    options — one grouped query over a handful of combinations."""
    counts: dict[str, dict] = {"status": {}, "priority": {}, "topic": {}, "language": {}}
    rows = Case.objects.order_by().values_list("status", "priority", "topic_id", "language").annotate(n=Count("pk"))
    for status, priority, topic_id, language, n in rows:
        counts["status"][status] = counts["status"].get(status, 0) + n
        if status in WORKING_STATUSES:
            for name, value in (("priority", priority), ("topic", topic_id), ("language", language)):
                counts[name][value] = counts[name].get(value, 0) + n
    return counts


def new_count() -> int:
    return Case.objects.filter(status=CaseStatus.NEW).count()


def cases(queue: str, filters: dict, user, now: datetime | None = None) -> QuerySet[Case]:
    """The queue's cases, most urgent first (the next due time, then age). A status filter replaces the
    default "working statuses"."""
    now = now or timezone.now()
    qs = Case.objects.all()
    status = filters.get("status")
    qs = qs.filter(status=status) if status else qs.filter(status__in=WORKING_STATUSES)
    qs = qs.filter(queue_filter(queue, user, now))
    if filters.get("priority"):
        qs = qs.filter(priority=filters["priority"])
    if filters.get("topic"):
        qs = qs.filter(topic=filters["topic"])
    if filters.get("language"):
        qs = qs.filter(language=filters["language"])
    return (
        qs.select_related("assignee", "topic", "customer__profile")
        .prefetch_related("tags")
        .order_by(F("next_due_at").asc(nulls_last=True), "created_at", "pk")
    )


@dataclass
class Row:
    case: Case
    sla: str  # "breached" | "due_soon" | ""


def decorate(page_cases, now: datetime | None = None) -> list[Row]:
    now = now or timezone.now()
    return [Row(case, sla.sla_state(case, now)) for case in page_cases]


def get_case(pk: int) -> Case | None:
    return (
        Case.objects.select_related("question", "customer__profile", "assignee", "topic", "policy", "escalated_by")
        .filter(pk=pk).first()
    )


def thread_answers(case: Case) -> list[Answer]:
    return list(
        Answer.objects.filter(question_id=case.question_id).select_related("author__profile")
        .order_by("created_at", "pk")[:ANSWERS_MAX]
    )


def earlier_cases(case: Case) -> list[Case]:
    return list(
        Case.objects.filter(customer_id=case.customer_id).exclude(pk=case.pk).order_by("-created_at")[:EARLIER_MAX]
    )


def customer_questions(case: Case) -> list[Question]:
    return list(
        Question.objects.filter(author_id=case.customer_id).exclude(pk=case.question_id)
        .order_by("-created_at").only("pk", "title", "slug", "status", "created_at", "answer_count", "accepted_answer_id")[:EARLIER_MAX]
    )


def timeline(case: Case) -> list[CaseEvent]:
    return list(case.events.select_related("actor__profile").order_by("-created_at", "-pk")[:TIMELINE_MAX])[::-1]


def macros() -> list[Macro]:
    return list(Macro.objects.filter(active=True).order_by("name"))


def assignable_agents() -> QuerySet:
    """Users with an agent profile (the service checks each is still an agent)."""
    return get_user_model().objects.filter(agent_profile__isnull=False, is_active=True).order_by("username")


@dataclass
class Load:
    user: object
    open: int
    due_soon: int
    breached: int
    solved_week: int


def agent_load(now: datetime | None = None) -> list[Load]:
    """Per agent: working cases, due soon, breached, solved in the last 7 days (one grouped query plus the
    agents)."""
    now = now or timezone.now()
    working = Q(status__in=WORKING_STATUSES)
    rows = (
        Case.objects.filter(assignee__isnull=False)
        .filter(working | Q(solved_at__gte=now - timedelta(days=7)))
        .values("assignee_id")
        .annotate(
            open=Count("pk", filter=working),
            due_soon=Count("pk", filter=working & sla.due_soon_q(now)),
            breached=Count("pk", filter=working & sla.breached_q(now)),
            solved_week=Count("pk", filter=Q(solved_at__gte=now - timedelta(days=7))),
        )
    )
    by_agent = {row["assignee_id"]: row for row in rows}
    agents = list(
        get_user_model().objects.filter(Q(agent_profile__isnull=False) | Q(pk__in=list(by_agent)))
        .select_related("profile").order_by("username")
    )
    result = []
    for agent in agents:
        row = by_agent.get(agent.pk, {})
        result.append(Load(agent, row.get("open", 0), row.get("due_soon", 0), row.get("breached", 0), row.get("solved_week", 0)))
    return result


def agent_profiles() -> QuerySet[AgentProfile]:
    return AgentProfile.objects.select_related("user")
