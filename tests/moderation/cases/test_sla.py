"""SLA arithmetic: business hours in Asia/Tokyo across weekends and holidays, around the clock, day boundaries,
business_hours_between, due times per priority, and the due soon / breached state with frozen time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from moderation.cases import escalation, sla
from moderation.cases.models import BusinessCalendar, SlaPolicy
from tests.factories import QuestionFactory
from tests.moderation.cases.factories import CalendarFactory, CaseFactory, add_holiday, default_policy

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


@pytest.fixture
def office():
    return CalendarFactory()


def test_within_one_working_day(office):
    assert sla.add_business_hours(office, tokyo(2026, 12, 2, 10, 0), 4) == tokyo(2026, 12, 2, 14, 0)


def test_exactly_at_closing_time_stays_on_that_day(office):
    assert sla.add_business_hours(office, tokyo(2026, 12, 2, 9, 0), 9) == tokyo(2026, 12, 2, 18, 0)


def test_before_opening_and_after_closing(office):
    assert sla.add_business_hours(office, tokyo(2026, 12, 2, 6, 30), 1) == tokyo(2026, 12, 2, 10, 0)
    assert sla.add_business_hours(office, tokyo(2026, 12, 2, 21, 0), 1) == tokyo(2026, 12, 3, 10, 0)


def test_across_a_weekend(office):
    # Friday 16:00 + 4 h: 2 h on Friday, the weekend skipped, 2 h on Monday
    assert sla.add_business_hours(office, tokyo(2026, 12, 4, 16, 0), 4) == tokyo(2026, 12, 7, 11, 0)
    # asked on Saturday: the clock starts Monday 9:00
    assert sla.add_business_hours(office, tokyo(2026, 12, 5, 12, 0), 8) == tokyo(2026, 12, 7, 17, 0)


def test_across_a_weekend_and_a_holiday(office):
    add_holiday(office, date(2026, 12, 7), "Company holiday")
    assert sla.add_business_hours(office, tokyo(2026, 12, 4, 16, 0), 4) == tokyo(2026, 12, 8, 11, 0)
    # a long target spans several days: 40 h from Friday 16:00 = 2 + 9 (Tue) + 9 + 9 + 9 (Fri) + 2 (next Mon)
    assert sla.add_business_hours(office, tokyo(2026, 12, 4, 16, 0), 40) == tokyo(2026, 12, 14, 11, 0)


def test_day_boundary_in_utc_is_not_tokyos(office):
    # 23:30 UTC on Tuesday is 8:30 Wednesday in Tokyo: the clock starts at 9:00 Tokyo
    start = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert sla.add_business_hours(office, start, 1) == tokyo(2026, 12, 2, 10, 0)
    assert sla.add_business_hours(office, start, 1).tzinfo is not None


def test_around_the_clock_counts_every_hour():
    calendar = BusinessCalendar.objects.create(name="24/7", around_the_clock=True)
    start = tokyo(2026, 12, 4, 16, 0)
    assert sla.add_business_hours(calendar, start, 40) == start + timedelta(hours=40)
    assert sla.add_business_hours(None, start, 8) == start + timedelta(hours=8)
    assert sla.business_hours_between(calendar, start, start + timedelta(hours=30)) == 30


def test_business_hours_between(office):
    add_holiday(office, date(2026, 12, 7))
    start = tokyo(2026, 12, 4, 16, 0)
    assert sla.business_hours_between(office, start, tokyo(2026, 12, 8, 11, 0)) == 4
    assert sla.business_hours_between(office, tokyo(2026, 12, 5, 9, 0), tokyo(2026, 12, 6, 18, 0)) == 0  # weekend
    assert sla.business_hours_between(office, start, start) == 0
    assert sla.business_hours_between(office, tokyo(2026, 12, 8, 11, 0), start) == 0
    for hours in (1, 5, 9, 13, 40):
        due = sla.add_business_hours(office, start, hours)
        assert sla.business_hours_between(office, start, due) == pytest.approx(hours)


def test_due_times_by_priority(office):
    policy = default_policy(calendar=office)
    start = tokyo(2026, 12, 4, 16, 0)
    first, resolution = sla.due_times(policy, "urgent", start)
    assert first == tokyo(2026, 12, 4, 17, 0)
    assert resolution == tokyo(2026, 12, 7, 15, 0)  # 8 h: 2 Friday, 6 Monday
    first, _ = sla.due_times(policy, "normal", start)
    assert first == tokyo(2026, 12, 7, 15, 0)
    first, _ = sla.due_times(None, "normal", start)  # no policy: the defaults, around the clock
    assert first == start + timedelta(hours=8)


def test_policy_for_topic_and_default(topic):
    default = default_policy()
    own = SlaPolicy.objects.create(name="Billing", topic=topic)
    assert sla.policy_for(topic.pk) == own
    assert sla.policy_for(None) == default


def test_escalated_case_due_times_follow_the_calendar(office):
    add_holiday(office, date(2026, 12, 7))
    default_policy(calendar=office, priority_keywords="")
    friday = tokyo(2026, 12, 4, 16, 0)
    question = QuestionFactory(created_at=friday - timedelta(days=2))
    case, _ = escalation.open_case(question.pk, reason="no_answer", now=friday)
    assert case.first_response_due == tokyo(2026, 12, 8, 15, 0)  # normal: 8 h → 2 Fri + 6 Tue
    assert case.next_due_at == case.first_response_due


def test_due_soon_and_breached_with_frozen_time():
    case = CaseFactory(created_at=datetime(2026, 12, 2, 0, 0, tzinfo=UTC))
    due = case.next_due_at
    with time_machine.travel(due - timedelta(hours=3), tick=False):
        assert sla.sla_state(case) == ""
    with time_machine.travel(due - timedelta(hours=1), tick=False):
        assert sla.sla_state(case) == "due_soon"
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert sla.sla_state(case) == "breached"
