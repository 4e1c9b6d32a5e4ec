"""Business-hours arithmetic on a calendar (anything with `time_zone`, `weekdays`, `day_start`, `day_end`,
`around_the_clock` and `holidays`): due times and durations counted in a team's working time. Imports no model,
so the Case model can measure its own first-response and resolution hours with it (`Case.record_hours`);
`sla` builds the due times and states on it.

`add_business_hours(calendar, start, hours)` walks the calendar's working days in its time zone, skipping
weekends, holidays and the hours outside the working day; with no calendar, or one marked around the
clock, an hour is an hour. `business_hours_between()` is the inverse measure (first-response and
resolution times reported in business hours).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

BusinessCalendar = Any  # moderation.cases.models.BusinessCalendar (not imported: models imports this module)

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
