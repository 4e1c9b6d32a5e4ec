"""The agent workspace in the Wagtail admin: who may open it, the queues and their counts, the case page,
the actions on it (POST with CSRF, stale versions), agent load, the back-office screens, and query budgets
that do not grow with the number of cases (10 vs 10,000)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import Answer, Question
from moderation.cases import services
from moderation.cases.models import Case, CaseEvent
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory, with_two_factor
from tests.moderation.cases.factories import CaseFactory, MacroFactory, make_agent
from tests.moderation.factories import make_moderator

pytestmark = pytest.mark.django_db

INDEX = "/admin/cases/"
LOAD = "/admin/cases/load/"
QUEUE_BUDGET = 30
CASE_BUDGET = 40


@pytest.fixture
def agent():
    return make_agent("agent1")


def rows(html: str) -> int:
    return html.count('class="queue-row')


def bulk_cases(count: int, *, assignee=None, status="open", due_in=timedelta(hours=30)):
    author = MemberFactory()
    now = timezone.now()
    questions = Question.objects.bulk_create(
        Question(author=author, title=f"Bulk question {i}", slug=f"bulk-{i}", body="Body", body_html="<p>Body</p>",
                 language="en", created_at=now, last_activity_at=now)
        for i in range(count)
    )
    Case.objects.bulk_create(
        Case(question=q, customer=author, question_title=q.title, question_body="Body", question_body_html="<p>Body</p>",
             reason="no_answer", status=status, assignee=assignee, created_at=now, updated_at=now,
             first_response_due=now + due_in, resolution_due=now + due_in * 2, next_due_at=now + due_in)
        for q in questions
    )


# --- who may open it -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [INDEX, LOAD, "case"])
def test_non_agents_get_403(client, url):
    case = CaseFactory()
    url = f"{INDEX}{case.pk}/" if url == "case" else url
    moderator = make_moderator()
    client.force_login(moderator)
    response = client.get(url)
    assert response.status_code == 403
    assert case.question_title not in response.content.decode()


def test_staff_agent_without_two_factor_is_sent_to_set_it_up(client):
    from django.contrib.auth.models import Group

    user = MemberFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Support agents"))
    client.force_login(user)
    response = client.get(INDEX)
    assert response.status_code == 302 and "/2fa/" in response["Location"]


def test_member_cannot_see_the_workspace(client):
    case = CaseFactory()
    client.force_login(MemberFactory())
    response = client.get(INDEX)
    assert response.status_code != 200 and case.question_title not in response.content.decode()


def test_load_is_for_supervisors(client, agent_client, django_assert_max_num_queries):
    assert agent_client.get(LOAD).status_code == 403
    supervisor = make_agent("boss", supervisor=True)
    client.force_login(supervisor)
    CaseFactory(assignee=supervisor, status="open")
    for _ in range(3):
        make_agent()  # more agents, more cases: the same queries
        CaseFactory(status="open")
    with django_assert_max_num_queries(16):  # the admin shell (its menus: Insights reads the member's roles) and the page
        response = client.get(LOAD)
    assert response.status_code == 200 and "boss" in response.content.decode()


# --- the queues ----------------------------------------------------------------------------------------------


def test_queues_counts_and_sla_indicators(agent_client, agent):
    now = timezone.now()
    CaseFactory(assignee=agent, question__title="Mine and breached question", next_due_at=now - timedelta(hours=1),
                first_response_due=now - timedelta(hours=1))
    CaseFactory(question__title="Unassigned and due soon question", next_due_at=now + timedelta(minutes=30),
                first_response_due=now + timedelta(minutes=30))
    CaseFactory(status="closed", question__title="Closed question")
    html = agent_client.get(INDEX).content.decode()
    assert "Mine and breached question" in html and "SLA breached" in html
    assert "Mine <span class=\"case-queues__count\">(1)</span>" in html
    assert "Unassigned <span class=\"case-queues__count\">(1)</span>" in html
    html = agent_client.get(INDEX + "?queue=unassigned").content.decode()
    assert "Unassigned and due soon question" in html and "Due soon" in html and rows(html) == 1
    html = agent_client.get(INDEX + "?queue=all").content.decode()
    assert rows(html) == 2 and "Closed question" not in html
    html = agent_client.get(INDEX + "?queue=all&status=closed").content.decode()
    assert rows(html) == 1 and "Closed question" in html
    html = agent_client.get(INDEX + "?queue=breached").content.decode()
    assert rows(html) == 1 and "Mine and breached question" in html
    html = agent_client.get(INDEX + "?queue=all&priority=urgent&language=ja").content.decode()
    assert rows(html) == 0
    # junk filters are ignored, not a server error
    assert agent_client.get(INDEX + "?queue=nope&status=zzz&topic=abc&p=999").status_code == 200


def test_filter_options_say_how_many_cases_they_list(agent_client):
    CaseFactory(status="open", priority="high")
    CaseFactory(status="open", priority="high", question__language="ja")
    CaseFactory(status="closed", priority="high")
    html = agent_client.get(INDEX).content.decode()
    assert '<option value="open">Open (2)</option>' in html
    assert '<option value="closed">Closed (1)</option>' in html
    assert '<option value="high">High (2)</option>' in html  # working cases only
    assert '<option value="urgent">Urgent (0)</option>' in html
    assert '<option value="ja">日本語 (1)</option>' in html or '<option value="ja">Japanese (1)</option>' in html


def cold(client, url: str, budget=None) -> tuple[int, str]:
    cache.clear()
    with budget or CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_queue_costs_the_same_with_10_or_10000_cases(agent_client, agent, django_assert_max_num_queries):
    agent_client.get(INDEX)  # warm-up
    bulk_cases(10, assignee=agent)
    small, html = cold(agent_client, INDEX)
    assert rows(html) == 10
    bulk_cases(9_990, assignee=agent)
    big, html = cold(agent_client, INDEX, django_assert_max_num_queries(QUEUE_BUDGET))
    assert rows(html) == 25 and big == small
    assert "10,000 cases" in html or "10000 cases" in html


def test_case_page_costs_the_same_with_more_history(agent_client, agent, django_assert_max_num_queries):
    case = CaseFactory(assignee=agent)
    MacroFactory()
    agent_client.get(f"{INDEX}{case.pk}/")
    small, html = cold(agent_client, f"{INDEX}{case.pk}/")
    for i in range(5):
        AnswerFactory(question=case.question)
        services.add_note(agent, case, body=f"note {i}")
        CaseFactory(customer=case.customer, question=QuestionFactory(author=case.customer), status="closed")
    services.reply(agent, case, body="A public reply", public=True)
    big, html = cold(agent_client, f"{INDEX}{case.pk}/", django_assert_max_num_queries(CASE_BUDGET))
    assert big == small
    assert "A public reply" in html and "note 4" in html and "Support team" in html


# --- the case page and its actions ----------------------------------------------------------------------------


def test_case_page_shows_snapshot_thread_timeline_and_history(agent_client, agent):
    case = CaseFactory()
    AnswerFactory(question=case.question, body="A community answer")
    earlier_q = QuestionFactory(author=case.customer, title="An earlier question of the customer")
    html = agent_client.get(f"{INDEX}{case.pk}/").content.decode()
    assert case.question_title in html and case.question.get_absolute_url() in html
    assert "A community answer" in html and earlier_q.title in html
    assert 'name="reply-version"' in html and 'value="1"' in html
    assert "js/cases-workspace.js" in html and 'id="case-macros"' in html


def test_earlier_cases_carry_their_sla_state(agent_client):
    case = CaseFactory()
    late = timezone.now() - timedelta(hours=2)
    CaseFactory(customer=case.customer, question__author=case.customer, question__title="An earlier breached case",
                next_due_at=late, first_response_due=late)
    html = agent_client.get(f"{INDEX}{case.pk}/").content.decode()
    earlier = html[html.index("case-customer-heading"):]
    assert "An earlier breached case" in earlier and "SLA breached" in earlier


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post(client, case, data, token=None):
    url = f"{INDEX}{case.pk}/"
    if token is None:
        client.get(url)
        token = client.cookies["csrftoken"].value
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def test_reply_via_post_with_csrf(agent):
    case = CaseFactory()
    client = csrf_client(agent)
    response = client.post(f"{INDEX}{case.pk}/", {"action": "reply", "reply-body": "x", "reply-visibility": "public", "reply-version": 1})
    assert response.status_code == 403  # no CSRF token
    response = post(client, case, {"action": "reply", "reply-body": "We fixed it", "reply-visibility": "public",
                                   "reply-status": "pending", "reply-version": 1})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "pending" and Answer.objects.get(question=case.question).is_support_reply


def test_a_refused_reply_opens_with_its_field_focused(agent):
    """The reply box is far below the fold: an empty reply comes back with that box focused (the page scrolls to
    it, a screen reader reads its label and error), and no other field of the page is."""
    case = CaseFactory()
    client = csrf_client(agent)
    response = post(client, case, {"action": "reply", "reply-body": "   ", "reply-visibility": "public", "reply-version": case.version})
    html = response.content.decode()
    assert response.status_code == 400 and "Please write something." in html
    assert html.count("autofocus") == 1 and re.search(r'<textarea[^>]*name="reply-body"[^>]*autofocus', html)


def test_stale_version_gives_409_and_keeps_text(agent):
    case = CaseFactory()
    services.change_status(agent, case, "open")
    client = csrf_client(agent)
    response = post(client, case, {"action": "reply", "reply-body": "My carefully typed reply", "reply-visibility": "private",
                                   "reply-version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "My carefully typed reply" in html and "Someone else changed this case" in html
    assert not CaseEvent.objects.filter(case=case, kind="private_reply").exists()


@pytest.mark.parametrize(("data", "check"), [
    ({"action": "note", "note-body": "Internal!", "note-version": 1}, lambda c: c.events.filter(kind="note").exists()),
    ({"action": "status", "status-status": "solved", "status-version": 1}, lambda c: c.status == "solved"),
    ({"action": "priority", "priority-priority": "high", "priority-version": 1}, lambda c: c.priority == "high"),
    ({"action": "assign", "assign-assignee": "", "assign-version": 1}, lambda c: c.assignee_id is None),
    ({"action": "tags", "tags-tags": "billing, refund", "tags-version": 1}, lambda c: sorted(c.tags.names()) == ["billing", "refund"]),
])
def test_actions(agent_client, agent, data, check):
    case = CaseFactory(assignee=agent)
    response = agent_client.post(f"{INDEX}{case.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    case.refresh_from_db()
    assert check(case)


def test_bad_input_is_refused_with_a_message(agent_client, agent):
    case = CaseFactory(status="closed")
    response = agent_client.post(f"{INDEX}{case.pk}/", {"action": "status", "status-status": "open", "status-version": 1})
    assert response.status_code == 400
    response = agent_client.post(f"{INDEX}{case.pk}/", {"action": "explode"})
    assert response.status_code == 400
    open_case = CaseFactory()
    response = agent_client.post(f"{INDEX}{open_case.pk}/", {"action": "tags", "tags-tags": "<script>", "tags-version": 1})
    assert response.status_code == 400 and "not a valid tag" in response.content.decode()


def test_macro_insert_fills_the_reply(agent_client, agent):
    case = CaseFactory()
    macro = MacroFactory(body_en="Hello {customer_name}, about {question_title}")
    response = agent_client.post(f"{INDEX}{case.pk}/", {"action": "insert_macro", "reply-macro": macro.pk,
                                                       "reply-body": "Typed first", "reply-visibility": "public", "reply-version": 1})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Typed first" in html and f"about {case.question_title}" in html
    assert not CaseEvent.objects.filter(case=case).exists()


def test_back_office_screens_open_for_supervisors(client):
    supervisor = make_agent("boss", supervisor=True)
    client.force_login(supervisor)
    for name in ("support-macros", "support-sla-policies", "support-calendars", "support-holidays", "support-agents"):
        assert client.get(f"/admin/{name}/").status_code == 200, name
    html = client.get("/admin/").content.decode()
    assert "Support" in html


def test_back_office_forms_use_time_pickers_and_checkboxes(client):
    from moderation.cases.models import BusinessCalendar

    supervisor = make_agent("boss", supervisor=True)
    client.force_login(supervisor)
    calendar = BusinessCalendar.objects.create(name="Tokyo office", time_zone="Asia/Tokyo")
    html = client.get(f"/admin/support-calendars/edit/{calendar.pk}/").content.decode()
    assert 'type="time" name="day_start" value="09:00"' in html and "09:00:00" not in html
    html = client.get("/admin/support-agents/new/").content.decode()
    assert '<select name="topics"' not in html
    response = client.post(f"/admin/support-calendars/edit/{calendar.pk}/", {
        "name": "Tokyo office", "time_zone": "Asia/Tokyo", "work_days": "1,2,3,4,5", "day_start": "08:30",
        "day_end": "17:30",
    })
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.day_start.isoformat() == "08:30:00"


def test_support_badge_on_question_page(client, agent):
    case = CaseFactory()
    services.reply(agent, case, body="Official fix", public=True)
    html = client.get(case.question.get_absolute_url()).content.decode()
    assert 'class="support-badge"' in html and "Support team" in html


def test_agent_with_two_factor_helper():
    assert with_two_factor


def test_workspace_pages_are_valid_html(client, agent, tmp_path):
    """What the workspace adds to the admin (the queue, a case page with its forms and a refused action, the
    load page) passes the W3C Nu HTML checker; only the main region is checked, like the review queue's."""
    import re

    from tests.portal.test_valid_html import format_messages, run_vnu

    supervisor = make_agent("boss", supervisor=True)
    client.force_login(supervisor)
    now = timezone.now()
    case = CaseFactory(assignee=supervisor, next_due_at=now - timedelta(hours=1))
    CaseFactory(next_due_at=now + timedelta(minutes=20))
    MacroFactory()
    services.reply(supervisor, case, body="A *public* reply", public=True)
    services.add_note(supervisor, case, body="A note")
    pages = {
        "queue": client.get(INDEX + "?queue=all"),
        "case": client.get(f"{INDEX}{case.pk}/"),
        "stale": client.post(f"{INDEX}{case.pk}/", {"action": "reply", "reply-body": "typed", "reply-visibility": "private", "reply-version": 1}),
        "load": client.get(LOAD),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 409), name
        html = response.content.decode()
        fragment = html[html.index("<main"):html.index("</main>")] + "</main>"
        unopened = fragment.count("</div>") - len(re.findall(r"<div[\s>]", fragment))
        fragment = "<div>" * max(unopened, 0) + fragment
        document = f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title></head><body>{fragment}</body></html>'
        (tmp_path / f"{name}.html").write_text(document, "utf-8")
    errors = run_vnu([tmp_path / f"{name}.html" for name in pages])
    assert not errors, "\n" + format_messages(errors)


def test_menu_counts_new_cases_and_timeline_reads_in_words(agent_client, agent):
    case = CaseFactory()
    html = agent_client.get("/admin/").content.decode()
    assert "Cases (1 new)" in html
    services.change_status(agent, case, "pending", reason="Waiting for logs")
    html = agent_client.get(f"{INDEX}{case.pk}/").content.decode()
    assert "New → Pending customer" in html and "Waiting for logs" in html
