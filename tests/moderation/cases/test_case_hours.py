"""`Case.first_response_hours` / `resolution_hours`: the business hours from the opening to the first reply and
to the (latest) solution, stored by every writer (services, the customer's reopen, factories' saves) and by the
backfill of migration 0009, equal to what `sla.business_hours_between` gives with the policy's calendar."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection

from moderation.cases import customer, services, sla
from moderation.cases.models import BusinessCalendar, Case, CaseStatus
from tests.moderation.cases.factories import CalendarFactory, CaseFactory, add_holiday, default_policy, make_agent

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # a Monday, 10:30 in Tokyo


def hours(case: Case, moment: datetime | None) -> float | None:
    """What the Insights tables computed per case before the hours were stored."""
    if moment is None:
        return None
    calendar = BusinessCalendar.objects.get(pk=case.policy.calendar_id) if case.policy and case.policy.calendar_id else None
    return sla.business_hours_between(calendar, case.created_at, moment)


def stored(case: Case) -> tuple:
    case.refresh_from_db()
    return case.first_response_hours, case.resolution_hours


@pytest.fixture
def office():
    calendar = CalendarFactory()
    add_holiday(calendar, date(2026, 3, 4))  # the Wednesday
    return calendar


@pytest.fixture
def case(office):
    return CaseFactory(policy=default_policy(calendar=office), created_at=OPENED)


def test_reply_solve_reopen_and_solve_again_through_the_services(case):
    agent = make_agent("agent-hours")
    replied = OPENED + timedelta(days=1, hours=3)
    services.reply(agent, case, body="Looking into it.", public=False, now=replied)
    assert stored(case) == (hours(case, replied), None)
    assert 0 < case.first_response_hours < 27  # business hours, not every hour

    solved = OPENED + timedelta(days=3, hours=2)  # across the holiday
    services.change_status(agent, case, CaseStatus.SOLVED, now=solved)
    assert case.resolution_hours == hours(case, solved)  # the caller's instance too
    assert stored(case) == (hours(case, replied), hours(case, solved))

    customer.customer_reply(case.customer, case, body="Still broken.", now=solved + timedelta(hours=1))
    assert case.resolution_hours is None
    assert stored(case) == (hours(case, replied), None)  # the first response stays

    again = OPENED + timedelta(days=7)
    services.change_status(agent, case, CaseStatus.SOLVED, now=again)
    assert stored(case) == (hours(case, replied), hours(case, again))  # the latest solution, like solved_at

    services.change_status(agent, case, CaseStatus.OPEN, now=again + timedelta(hours=1))  # the agent reopens
    assert stored(case) == (hours(case, replied), None)


def test_a_reply_that_solves_stores_both(case):
    agent = make_agent("agent-hours")
    moment = OPENED + timedelta(hours=30)
    services.reply(agent, case, body="Fixed.", public=False, status=CaseStatus.SOLVED, now=moment)
    assert stored(case) == (hours(case, moment), hours(case, moment))


def test_a_case_without_a_calendar_counts_every_hour():
    policy = default_policy(calendar=None)
    case = CaseFactory(policy=policy, created_at=OPENED, first_responded_at=OPENED + timedelta(hours=5),
                       solved_at=OPENED + timedelta(hours=50), status="solved")
    assert stored(case) == (5, 50)
    case = CaseFactory(policy=None, created_at=OPENED, first_responded_at=OPENED + timedelta(hours=2))
    assert stored(case) == (2, None)


def test_the_migration_backfills_what_the_model_stores(case, office):
    other = CaseFactory(policy=None, created_at=OPENED, first_responded_at=OPENED + timedelta(hours=7),
                        solved_at=OPENED + timedelta(hours=9), status="solved")
    untouched = CaseFactory(policy=case.policy, created_at=OPENED)
    services.change_status(make_agent("agent-hours"), case, CaseStatus.SOLVED, now=OPENED + timedelta(days=2))
    expected = {pk: stored(Case(pk=pk)) for pk in (case.pk, other.pk, untouched.pk)}
    assert expected[case.pk][1] is not None and expected[untouched.pk] == (None, None)
    Case.objects.update(first_response_hours=None, resolution_hours=None)
    importlib.import_module("moderation.migrations.0009_case_business_hours").backfill(apps, connection.schema_editor())
    assert {pk: stored(Case(pk=pk)) for pk in expected} == expected
