"""SLA arithmetic: due times counted in a team's business hours, and the "due soon" / "breached" state.

`add_business_hours(calendar, start, hours)` walks the calendar's working days in its time zone, skipping
weekends, holidays and the hours outside the working day; with no calendar, or one marked around the
clock, an hour is an hour. `business_hours_between()` is the inverse measure (first-response and
resolution times reported in business hours).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import WORKING_STATUSES, BusinessCalendar, SlaPolicy

MAX_DAYS = 3 * 366  # a calendar with no working day at all would loop forever; give up after three years


def _zone(calendar: BusinessCalendar) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(calendar.time_zone or "UTC")


def _holidays(calendar: BusinessCalendar) -> frozenset[date]:
    cached = getattr(calendar, "_holiday_dates", None)
    if cached is None:
        cached = frozenset(calendar.holidays.values_list("date", flat=True)) if calendar.pk else frozenset()
        calendar._holiday_dates = cached  # type: ignore[attr-defined]
    return cached


def _windows(calendar: BusinessCalendar, start: datetime):
    """The working windows (aware UTC start, end) from the day of `start` on, in order."""
    zone = _zone(calendar)
    days, holidays = calendar.weekdays, _holidays(calendar)
    day = start.astimezone(zone).date()
    for _ in range(MAX_DAYS):
        if day.isoweekday() in days and day not in holidays:
            opens = datetime.combine(day, _as_time(calendar.day_start), tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, _as_time(calendar.day_end), tzinfo=zone).astimezone(UTC)
            if closes > opens:
                yield opens, closes
        day += timedelta(days=1)


def _as_time(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def counts_every_hour(calendar: BusinessCalendar | None) -> bool:
    return calendar is None or calendar.around_the_clock or not calendar.weekdays


def add_business_hours(calendar: BusinessCalendar | None, start: datetime, hours: float) -> datetime:
    """The moment `hours` of working time after `start`."""
    if counts_every_hour(calendar):
        return start + timedelta(hours=hours)
    remaining = timedelta(hours=hours)
    start = start.astimezone(UTC)
    last_close = start
    for opens, closes in _windows(calendar, start):
        if closes <= start:
            continue
        begin = max(opens, start)
        available = closes - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
        last_close = closes
    return last_close + remaining  # no working time left within MAX_DAYS: count the rest around the clock


def business_hours_between(calendar: BusinessCalendar | None, start: datetime, end: datetime) -> float:
    """Working hours from `start` to `end` (0 when end is not after start)."""
    if end <= start:
        return 0.0
    if counts_every_hour(calendar):
        return (end - start).total_seconds() / 3600
    total = timedelta()
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    for opens, closes in _windows(calendar, start):
        if opens >= end:
            break
        begin, finish = max(opens, start), min(closes, end)
        if finish > begin:
            total += finish - begin
    return total.total_seconds() / 3600


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


def due_soon_window(policy: SlaPolicy | None = None) -> timedelta:
    if policy is not None:
        return timedelta(hours=policy.due_soon_hours)
    return timedelta(hours=getattr(settings, "PORTAL_CASE_DUE_SOON_HOURS", 2))


def sla_state(case: Any, now: datetime | None = None) -> str:
    """"breached", "due_soon" or "" for a case whose SLA clock runs; solved and closed cases report
    "breached" if a due time was missed on the way, else ""."""
    now = now or timezone.now()
    if case.status not in WORKING_STATUSES:
        missed = (case.first_responded_at and case.first_responded_at > case.first_response_due) or (
            case.solved_at and case.solved_at > case.resolution_due
        )
        return "breached" if missed else ""
    due = case.next_due_at
    if due is None:
        return ""
    if due <= now:
        return "breached"
    if due - now <= due_soon_window():
        return "due_soon"
    return ""


def next_due(case: Any) -> datetime | None:
    """What `Case.next_due_at` should hold: the first-response due time until the first agent reply, then
    the resolution due time; None once the case is solved or closed (the clock stops)."""
    if case.status not in WORKING_STATUSES:
        return None
    return case.first_response_due if case.first_responded_at is None else case.resolution_due
