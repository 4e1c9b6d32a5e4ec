"""Care metrics (cases, SLA, surveys) on generated rows with known answers."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.cases import sla
from moderation.cases.models import WORKING_STATUSES, Case, CaseEvent, SlaPolicy, Survey
from portal.insights.registry import Query
from tests.factories import QuestionFactory, make_topic
from tests.insights.helpers import D1, D2, EMPTY, RANGE, at, refresh, table, values
from tests.moderation.cases.factories import CalendarFactory, CaseFactory, add_holiday, default_policy, make_agent

pytestmark = pytest.mark.django_db


def _case(created, *, responded=None, solved=None, status="open", topic=None, language="en", assignee=None, **fields):
    question = QuestionFactory(topic=topic, language=language, created_at=created - timedelta(days=2))
    case = CaseFactory(question=question, created_at=created, first_responded_at=responded, solved_at=solved,
                       status="solved" if solved else status, assignee=assignee, **fields)
    if solved:
        CaseEvent.objects.create(case=case, kind="status", data={"from": "open", "to": "solved"}, created_at=solved)
    return case


def _survey(case, answered, csat, ces, nps=None):
    return Survey.objects.create(case=case, customer=case.customer, created_at=answered, expires_at=answered + timedelta(days=7),
                                 ask_nps=nps is not None, answered_at=answered, csat=csat, ces=ces, nps=nps)


@pytest.fixture
def world(topic):
    ann = make_agent("ann")
    c1 = _case(at(D1, 1), responded=at(D1, 3), solved=at(D1, 11), topic=topic, assignee=ann)
    c2 = _case(at(D1, 2), responded=at(D1, 12), solved=at(D2, 4), language="ja", assignee=ann)  # first reply late
    _case(at(D2, 0))  # never answered: its first response was due at D2 08:00
    c5 = _case(at(D1, -72), responded=at(D1, -71), solved=at(D1, -70))
    _case(timezone.now() - timedelta(hours=2), status="new")
    _survey(c1, at(D1, 12), 5, 6, 10)
    _survey(c2, at(D2, 5), 3, 2, 5)
    _survey(c5, at(D2, 6), 4, 7)
    refresh()
    return {"topic": topic, "c1": c1}


def test_cases_opened_solved_and_times(world):
    assert values("moderation.cases_opened") == ({D1: 2, D2: 1}, 3)
    assert values("moderation.cases_solved") == ({D1: 1, D2: 1}, 2)
    assert values("moderation.first_response_time") == ({D1: 6, D2: None}, 6)  # 2 h and 10 h, around the clock
    assert values("moderation.resolution_time") == ({D1: 10, D2: 26}, 18)
    assert values("moderation.cases_opened", Query(D1, D2, language="ja")) == ({D1: 1, D2: 0}, 1)
    assert values("moderation.resolution_time", Query(D1, D2, topic_ids=(world["topic"].pk,)))[1] == 10


def test_sla_compliance_and_breaches(world):
    assert values("moderation.sla_compliance") == ({D1: 100, D2: 0}, 50)
    assert values("moderation.sla_breaches") == ({D1: 1, D2: 1}, 2)


def test_business_hours_use_the_policy_calendar(topic):
    office = CalendarFactory()
    policy = default_policy(calendar=office)
    start, reply = at(D1, 0), at(D1, 30)
    _case(start, responded=reply, policy=policy)
    refresh()
    expected = sla.business_hours_between(office, start, reply)
    assert expected != 30
    assert values("moderation.first_response_time", Query(D1, D2))[1] == pytest.approx(expected)


def test_surveys(world):
    assert values("moderation.csat") == ({D1: 5, D2: 3.5}, 4)
    daily, total = values("moderation.csat_satisfied_rate")
    assert daily == {D1: 100, D2: 50} and total == pytest.approx(200 / 3)
    assert values("moderation.ces") == ({D1: 6, D2: 4.5}, 5)
    assert values("moderation.nps") == ({D1: 100, D2: -100}, 0)
    assert values("moderation.survey_responses") == ({D1: 1, D2: 2}, 3)
    assert values("moderation.nps_response_count") == ({D1: 1, D2: 1}, 2)
    assert values("moderation.csat", Query(D1, D2, topic_ids=(world["topic"].pk,)))[1] == 5


def test_backlog_and_per_agent_and_topic_tables(world):
    assert table("moderation.backlog").rows(RANGE, None) == [
        ("New", 1, 0, 0, 0, 1), ("Open", 0, 0, 1, 0, 1), ("Pending customer", 0, 0, 0, 0, 0),
    ]
    assert table("moderation.per_agent").rows(RANGE, None) == [("ann", 2, 2, 1, 6, 18), ("Unassigned", 1, 0, 1, None, None)]
    assert table("moderation.per_topic").rows(RANGE, None) == [
        ("No topic", 2, 1, 2, 10, 26), (world["topic"].title, 1, 1, 0, 2, 10),
    ]
    assert table("moderation.per_agent").rows(RANGE, 1) == [("ann", 2, 2, 1, 6, 18)]


def test_empty_range(world):
    for key in ("moderation.cases_opened", "moderation.cases_solved", "moderation.sla_breaches",
                "moderation.survey_responses"):
        assert values(key, EMPTY)[1] == 0
    for key in ("moderation.first_response_time", "moderation.resolution_time", "moderation.sla_compliance",
                "moderation.csat", "moderation.ces", "moderation.nps"):
        daily, total = values(key, EMPTY)
        assert total is None and set(daily.values()) == {None}
    assert table("moderation.per_agent").rows(EMPTY, None) == []


def _direct_per(by: str, nobody: str, query: Query) -> list[tuple]:
    """The per-agent / per-topic table computed case by case from the moments (business hours walked on the
    calendars), as the dashboard did before the hours were stored."""
    start, end = at(query.start), at(query.end + timedelta(days=1))
    now, groups = timezone.now(), {}
    for case in Case.objects.filter(created_at__gte=start, created_at__lt=end).select_related("assignee", "topic",
                                                                                              "policy__calendar"):
        calendar = case.policy.calendar if case.policy and case.policy.calendar_id else None
        name = (case.assignee.username if case.assignee else "") if by == "agent" else (case.topic.title if case.topic else "")
        group = groups.setdefault(name, [0, 0, 0, [], []])
        group[0] += 1
        if case.first_responded_at:
            group[3].append(sla.business_hours_between(calendar, case.created_at, case.first_responded_at))
        if case.solved_at:
            group[1] += 1
            group[4].append(sla.business_hours_between(calendar, case.created_at, case.solved_at))
        late_first = (case.first_responded_at or now) > case.first_response_due
        late_resolution = (case.solved_at > case.resolution_due if case.solved_at
                           else case.status in WORKING_STATUSES and now > case.resolution_due)
        group[2] += int(late_first or late_resolution)

    def mean(found):
        return round(sum(found) / len(found), 1) if found else None

    return sorted(((name or nobody, g[0], g[1], g[2], mean(g[3]), mean(g[4])) for name, g in groups.items()),
                  key=lambda row: (-row[1], row[0]))


def test_per_agent_and_topic_tables_equal_a_direct_computation_on_generated_cases(topic, site):
    rng = random.Random(7)
    office = CalendarFactory()
    add_holiday(office, D1 + timedelta(days=1))
    policies = [SlaPolicy.objects.create(name="Office hours", calendar=office), default_policy(calendar=None), None]
    other = make_topic(site["en"], "Shipping", "shipping")
    agents = [make_agent("ann"), make_agent("bob"), make_agent("cyd"), None]
    now = timezone.now()
    for index in range(60):
        created = at(D1, rng.uniform(-30, 60))  # some before the range
        status = rng.choice(["new", "open", "pending", "solved", "closed"])
        responded = created + timedelta(hours=rng.uniform(0.1, 30)) if status != "new" and rng.random() < 0.9 else None
        solved = (responded or created) + timedelta(hours=rng.uniform(1, 80)) if status in ("solved", "closed") else None
        _case(created, responded=responded, solved=solved, status=status, topic=rng.choice([topic, other, None]),
              assignee=rng.choice(agents), policy=policies[index % 3],
              first_response_due=created + timedelta(hours=rng.uniform(1, 12)),
              resolution_due=rng.choice([created + timedelta(hours=rng.uniform(8, 60)), now + timedelta(days=2)]))
    for key, by, nobody in (("moderation.per_agent", "agent", "Unassigned"), ("moderation.per_topic", "topic", "No topic")):
        expected = _direct_per(by, nobody, RANGE)
        assert len(expected) >= 3 and any(row[3] for row in expected)
        assert table(key).rows(RANGE, None) == expected
        assert table(key).rows(RANGE, 2) == expected[:2]
