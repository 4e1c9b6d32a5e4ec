from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from moderation.cases import sla
from tests.moderation.cases.factories import CalendarFactory, CaseFactory, add_holiday, default_policy, make_agent

TOKYO = ZoneInfo("Asia/Tokyo")

@pytest.mark.django_db
def test_core_smoke():
    cal = CalendarFactory()
    add_holiday(cal, date(2026, 12, 7))
    start = datetime(2026, 12, 4, 17, 0, tzinfo=TOKYO)  # Friday 17:00
    due = sla.add_business_hours(cal, start, 4)  # 1h Fri, Mon holiday, 3h Tue -> Tue 12:00
    assert due == datetime(2026, 12, 8, 12, 0, tzinfo=TOKYO)
    assert sla.business_hours_between(cal, start, due) == 4
    case = CaseFactory()
    assert case.next_due_at == case.first_response_due
    agent = make_agent()
    from moderation.cases.permissions import is_agent, is_supervisor
    assert is_agent(agent) and not is_supervisor(agent)
    assert default_policy().is_default
