"""SLA rules: the policy for a topic, due times counted in a team's business hours (`business_hours`), and
the "due soon" / "breached" state.

"Due soon" calls the team to act, so it applies only while the next move is the team's (`DUE_SOON_STATUSES`:
new, open). A case waiting on the customer ("Pending customer") is never due soon. Its clock is not
stopped, though: a due time that passes while it waits is still a breach (a miss stays a miss), and the
case is due soon again as soon as the customer's reply reopens it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .business_hours import add_business_hours, business_hours_between, counts_every_hour
from .models import WORKING_STATUSES, CaseStatus, SlaPolicy

__all__ = ["add_business_hours", "business_hours_between", "counts_every_hour", "due_times", "policy_for"]

def policy_for(topic_id: int | None) -> SlaPolicy | None:
    """The topic's own policy, else the default policy (None if the admin deleted every policy)."""
    policies = SlaPolicy.objects.select_related("calendar")
    if topic_id:
        own = policies.filter(topic_id=topic_id).first()
        if own:
            return own
    return policies.filter(is_default=True).first()


def due_times(policy: SlaPolicy | None, priority: str, start: datetime) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a case of `priority` opened at `start`."""
    if policy is None:
        policy = SlaPolicy()  # the defaults, around the clock
    calendar = policy.calendar if policy.calendar_id else None
    return (
        add_business_hours(calendar, start, policy.first_response_hours(priority)),
        add_business_hours(calendar, start, policy.resolution_hours(priority)),
    )


DEFAULT_DUE_SOON = timedelta(hours=2)
# "Due soon" only while the next move is the team's: not while the case waits on the customer.
DUE_SOON_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN)


def due_soon_window(policy: SlaPolicy | None = None) -> timedelta:
    if policy is not None:
        return timedelta(hours=policy.due_soon_hours)
    return timedelta(hours=getattr(settings, "PORTAL_CASE_DUE_SOON_HOURS", 2))


def missed_due_time(case: Any) -> bool:
    """A due time was missed on the way: the first response, or the solution, came after its due time."""
    late_first = case.first_responded_at is not None and case.first_responded_at > case.first_response_due
    late_solution = case.solved_at is not None and case.solved_at > case.resolution_due
    return late_first or late_solution


def sla_state(case: Any, now: datetime | None = None) -> str:
    """"breached", "due_soon" or "". Breached, in every status: a due time was missed on the way (a first
    response or a solution after its due time), or — while the clock runs — its next due time has passed.
    Due soon: the clock runs, the next move is the team's (not pending customer: `DUE_SOON_STATUSES`) and
    the next due time is within the window. `breached_q`/`due_soon_q` are the same rule as database filters
    (the queues and their counts)."""
    now = now or timezone.now()
    if missed_due_time(case):
        return "breached"
    if case.status not in WORKING_STATUSES:
        return ""
    due = case.next_due_at
    if due is None:
        return ""
    if due <= now:
        return "breached"
    if case.status in DUE_SOON_STATUSES and due - now <= due_soon_window():
        return "due_soon"
    return ""


def breached_q(now: datetime) -> Q:
    """`sla_state(case) == "breached"` as a filter (`next_due_at` is empty unless the clock runs)."""
    return (
        Q(first_responded_at__gt=F("first_response_due"))
        | Q(solved_at__gt=F("resolution_due"))
        | Q(status__in=WORKING_STATUSES, next_due_at__lte=now)
    )


def due_soon_q(now: datetime) -> Q:
    """`sla_state(case) == "due_soon"` as a filter."""
    return Q(status__in=DUE_SOON_STATUSES, next_due_at__gt=now, next_due_at__lte=now + due_soon_window()) & ~(
        Q(first_responded_at__gt=F("first_response_due")) | Q(solved_at__gt=F("resolution_due"))
    )


def next_due(case: Any) -> datetime | None:
    """What `Case.next_due_at` should hold: the first-response due time until the first agent reply, then
    the resolution due time; None once the case is solved or closed (the clock stops)."""
    if case.status not in WORKING_STATUSES:
        return None
    return case.first_response_due if case.first_responded_at is None else case.resolution_due
