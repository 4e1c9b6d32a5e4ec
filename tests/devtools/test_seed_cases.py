"""`manage.py seed_cases`: benchmark support cases on seed_bulk's questions (every status, SLA states, one
case per question, the demo agent's share), idempotent, with --reset; the bench rows that use them
(`cases`, `case`) and the timed escalation sweep (`bench_escalate`)."""

from __future__ import annotations

from collections import Counter

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.urls import NoReverseMatch, reverse

from devtools.management.commands import bench_escalate
from devtools.management.commands.bench import CASE_URL_NAME, CASES_URL_NAME, Command, PageResult
from devtools.management.commands.seed_cases import BULK_AGENT, generated_cases
from moderation.cases import sla
from moderation.cases.models import AgentProfile, Case, CaseEvent, CaseStatus, Survey
from portal.roles import SUPPORT_AGENTS
from tests.commands import recompute_check, run
from tests.moderation.cases.factories import CaseFactory, make_agent

pytestmark = pytest.mark.django_db


def test_seed_cases_spreads_statuses_keeps_one_case_per_question_tops_up_and_resets(site):
    run("seed_bulk", questions=120, users=40, answers_per_question=2)
    demo_agent = make_agent("agent", languages="en")
    real = CaseFactory(question_title="A real case that must survive")
    out = run("seed_cases", 80)
    assert "Added 80 support cases" in out
    cases = generated_cases()
    assert cases.count() == 80
    # one case per question, about the question, for its asker
    assert cases.values("question").distinct().count() == 80
    for case in cases.select_related("question"):
        assert case.customer_id == case.question.author_id
        assert (case.topic_id, case.language) == (case.question.topic_id, case.question.language)
        assert case.next_due_at == sla.next_due(case)
        assert case.created_at <= case.updated_at
        assert case.first_responded_at is None or case.first_responded_at >= case.created_at
        if case.status in (CaseStatus.SOLVED, CaseStatus.CLOSED):
            assert case.solved_at is not None and case.next_due_at is None
        if case.status == CaseStatus.CLOSED:
            assert case.closed_at >= case.solved_at
        calendar = case.policy.calendar if case.policy and case.policy.calendar_id else None  # business hours stored
        for moment, hours in ((case.first_responded_at, case.first_response_hours), (case.solved_at, case.resolution_hours)):
            assert hours == (sla.business_hours_between(calendar, case.created_at, moment) if moment else None)
    assert set(cases.values_list("status", flat=True)) == set(CaseStatus.values)
    assert len(set(cases.values_list("priority", flat=True))) >= 3
    states = Counter(sla.sla_state(case) for case in cases.filter(status__in=["new", "open", "pending"]))
    assert states["breached"] and states["due_soon"] and states[""]
    # timelines: every case opens with "created"; replies, notes and status changes are there
    kinds = Counter(CaseEvent.objects.filter(case__in=cases).values_list("kind", flat=True))
    assert kinds["created"] == 80
    assert kinds["private_reply"] and kinds["status"] and kinds["assigned"]
    assert not CaseEvent.objects.filter(case__in=cases, kind="public_reply").exists()
    assert Survey.objects.filter(case__in=cases, answered_at__isnull=False).exists()
    # assignees: generated agents (staff with TOTP and a profile) and a share for the demo agent
    assert cases.filter(assignee=demo_agent).exclude(status="closed").exists()
    assert cases.filter(assignee__isnull=True, status="new").exists() or not cases.filter(status="new").exists()
    agents = get_user_model().objects.filter(username__startswith=BULK_AGENT)
    assert agents.count() == 6
    for agent in agents:
        assert agent.is_staff and agent.groups.filter(name=SUPPORT_AGENTS).exists()
        assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
        assert AgentProfile.objects.filter(user=agent).exists()
    assert not cases.filter(language="ja").exclude(assignee__isnull=True).exclude(
        assignee__agent_profile__languages__contains="ja").exists()
    recompute_check()  # no counter on the questions moved

    assert "nothing to add" in run("seed_cases", 80)
    assert "Added 10 support cases" in run("seed_cases", 90)
    assert generated_cases().count() == 90 and generated_cases().values("question").distinct().count() == 90
    run("seed_cases", 5, reset=True)
    assert generated_cases().count() == 5
    # seed_bulk --reset removes the generated cases with the generated questions; the real one stays
    run("seed_bulk", questions=0, users=40, reset=True)
    assert list(Case.objects.values_list("pk", flat=True)) == [real.pk]


def test_seed_cases_without_generated_questions_says_so(site):
    with pytest.raises(CommandError, match="seed_bulk"):
        run("seed_cases", 3)


def _url_or_none(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def test_the_bench_case_row_rotates_over_the_busiest_customers_cases(client, site):
    run("seed_bulk", questions=40, users=5, answers_per_question=1)
    run("seed_cases", 30)
    busiest = Counter(generated_cases().values_list("customer", flat=True)).most_common(1)[0]
    command = Command()
    if _url_or_none(CASE_URL_NAME, 1) is None:  # the customer pages are another part of the issue
        with pytest.raises(CommandError, match=CASE_URL_NAME):
            command.case_page()
        return
    page = command.case_page()
    assert len(page.paths) == busiest[1] > 1 and page.url == page.paths[0]
    assert len(set(page.paths)) == len(page.paths)
    name, _, value = page.cookie.partition("=")
    client.cookies[name] = value
    for path in page.paths[:3]:
        assert client.get(path).status_code == 200  # the customer's own cases


def test_the_bench_cases_row_signs_in_the_demo_agent(client, site):
    run("seed_bulk", questions=20, users=5, answers_per_question=1)
    agent = make_agent("agent", languages="en")
    run("seed_cases", 15)
    command = Command()
    if _url_or_none(CASES_URL_NAME) is None:  # the agent workspace is another part of the issue
        with pytest.raises(CommandError, match=CASES_URL_NAME):
            command.cases_page()
        return
    page = command.cases_page()
    assert "15 cases" in page.title
    name, _, value = page.cookie.partition("=")
    client.cookies[name] = value
    assert client.get(page.url).status_code == 200
    assert Case.objects.filter(assignee=agent).exists()


def test_rotation_script_requests_each_path_in_turn(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    command = Command()
    assert command.rotation_script(PageResult("case", "/support/cases/1/", paths=["/support/cases/1/"])) == ""
    script = command.rotation_script(PageResult("case", "/a/", paths=["/a/", "/b/", '/c/"x/']))
    text = (tmp_path / "bench-rotate-case.lua").read_text()
    assert script.endswith("bench-rotate-case.lua")
    assert 'local paths = {"/a/", "/b/", "/c/\\"x/"}' in text and "wrk.format(nil, paths[n])" in text


def test_bench_escalate_times_the_sweep_in_a_process_of_its_own(monkeypatch):
    monkeypatch.setattr(bench_escalate, "SWEEP", "no_such_command")
    with pytest.raises(CommandError, match="does not exist"):
        run("bench_escalate")
    monkeypatch.setattr(bench_escalate, "SWEEP", "check")  # a quick stand-in that exists everywhere
    out = run("bench_escalate", in_place=True)
    assert "escalate_unresolved over 0 questions (0 cases before)" in out and "0 cases opened" in out
    assert "under a minute" in out
