"""The customer's support pages and reply service: who sees what, replies reopening cases, closed cases
refused, due times in plain words, the header link, and query budgets at 10 and 10,000 cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from moderation.cases import customer, timeline
from moderation.cases.errors import CaseError, PermissionRefused
from moderation.cases.events import CaseCreated, CaseUpdated
from moderation.cases.models import Case, CaseEvent, CaseStatus
from portal.events import publish, recorded
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory
from tests.moderation.cases.factories import CaseFactory, make_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return CaseFactory()


# --- who sees what ----------------------------------------------------------------------------------------


def test_the_customer_sees_their_case(client, case):
    client.force_login(case.customer)
    response = client.get(reverse("support_case", args=[case.pk]))
    assert response.status_code == 200
    assert case.question_title in response.content.decode()


@pytest.mark.parametrize("who", ["other member", "agent", "superuser"])
def test_anyone_else_gets_a_404(client, case, who):
    user = {"other member": MemberFactory, "agent": make_agent, "superuser": lambda: MemberFactory(is_superuser=True, is_staff=True)}[who]()
    client.force_login(user)
    assert client.get(reverse("support_case", args=[case.pk])).status_code == 404
    response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": "Let me in"})
    assert response.status_code == 404
    assert not CaseEvent.objects.filter(case=case).exists()
    with pytest.raises(Http404):
        customer.case_for(user, case.pk)
    assert case.question_title not in client.get(reverse("support_cases")).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, case):
    for url in (reverse("support_cases"), reverse("support_case", args=[case.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": "Hello"})
    assert response.status_code == 302 and not CaseEvent.objects.exists()


def test_a_missing_case_is_a_404(client, case):
    client.force_login(case.customer)
    assert client.get(reverse("support_case", args=[case.pk + 1000])).status_code == 404


def test_the_list_shows_only_own_cases_newest_first(client):
    mine_old = CaseFactory(created_at=timezone.now() - timedelta(days=2))
    mine_new = CaseFactory(question=QuestionFactory(author=mine_old.customer))
    theirs = CaseFactory()
    assert list(customer.cases_for(mine_old.customer)) == [mine_new, mine_old]
    client.force_login(mine_old.customer)
    html = client.get(reverse("support_cases")).content.decode()
    assert html.index(mine_new.question_title) < html.index(mine_old.question_title)
    assert theirs.question_title not in html
    assert "Normal" in html and "We aim to reply within 8 hours" in html


def test_the_list_has_an_empty_state(client):
    client.force_login(MemberFactory())
    html = client.get(reverse("support_cases")).content.decode()
    assert "You have no support cases" in html


def test_the_pages_work_in_japanese(client, case):
    client.force_login(case.customer)
    html = client.get("/ja/support/cases/").content.decode()
    assert "サポートケース" in html
    html = client.get(f"/ja/support/cases/{case.pk}/").content.decode()
    assert "返信" in html


# --- replies ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [CaseStatus.PENDING, CaseStatus.SOLVED])
def test_a_reply_reopens_a_pending_or_solved_case(case, status, django_capture_on_commit_callbacks):
    Case.objects.filter(pk=case.pk).update(
        status=status, first_responded_at=timezone.now(), next_due_at=case.resolution_due if status == "pending" else None,
        solved_at=timezone.now() if status == "solved" else None, accept_requested_at=timezone.now() if status == "solved" else None,
    )
    case.refresh_from_db()
    with recorded() as events, django_capture_on_commit_callbacks(execute=True):
        entry = customer.customer_reply(case.customer, case, body="It still blinks red.")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.version == 2
    assert case.solved_at is None and case.accept_requested_at is None
    assert case.next_due_at == case.resolution_due  # first response given: the resolution due time
    kinds = list(case.events.values_list("kind", "data"))
    assert kinds == [("status", {"from": status.value, "to": "open"}), ("customer_reply", {})]
    assert entry.kind == CaseEvent.Kind.CUSTOMER_REPLY and entry.actor == case.customer
    assert "blinks red" in entry.body_html
    updates = [event for event in events if isinstance(event, CaseUpdated)]
    assert len(updates) == 1
    assert updates[0].changes == {"reply": "customer", "status": [status.value, "open"]}
    assert updates[0].entry_id == entry.pk


def test_a_reopened_case_past_its_resolution_due_time_stays_breached(case):
    from moderation.cases import sla

    past = timezone.now() - timedelta(hours=1)
    Case.objects.filter(pk=case.pk).update(status="solved", first_responded_at=past, resolution_due=past, next_due_at=None)
    case.refresh_from_db()
    customer.customer_reply(case.customer, case, body="Not fixed after all.")
    case.refresh_from_db()
    assert case.next_due_at == past
    assert sla.sla_state(case) == "breached"


def test_a_reply_to_an_open_case_keeps_it_open(case):
    Case.objects.filter(pk=case.pk).update(status="open")
    case.refresh_from_db()
    customer.customer_reply(case.customer, case, body="More details: firmware 2.1.")
    case.refresh_from_db()
    assert case.status == "open"
    assert list(case.events.values_list("kind", flat=True)) == ["customer_reply"]


def test_a_closed_case_refuses_replies_and_writes_nothing(case, client):
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now())
    case.refresh_from_db()
    with pytest.raises(CaseError) as refused:
        customer.customer_reply(case.customer, case, body="Hello?")
    assert "This case is closed. Ask a new question" in refused.value.message
    client.force_login(case.customer)
    html = client.get(reverse("support_case", args=[case.pk])).content.decode()
    assert 'name="body"' not in html and "This case is closed" in html
    response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": "Hello?"})
    assert response.status_code == 409
    assert not CaseEvent.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.version == 1 and case.status == "closed"


@pytest.mark.parametrize("body", ["", "   ", "x" * (customer.REPLY_MAX + 1), "bad \x00 char"])
def test_bad_bodies_are_refused_with_nothing_written(case, body):
    with pytest.raises(CaseError) as refused:
        customer.customer_reply(case.customer, case, body=body)
    assert refused.value.field == "body"
    assert not CaseEvent.objects.exists()


def test_only_the_customer_may_reply(case):
    with pytest.raises(PermissionRefused):
        customer.customer_reply(MemberFactory(), case, body="Me too")
    assert not CaseEvent.objects.exists()


def test_replies_are_rate_limited(case, one_ratelimit_window):
    for i in range(customer.REPLY_LIMIT[0]):
        customer.customer_reply(case.customer, case, body=f"Detail {i}")
    with pytest.raises(CaseError) as refused:
        customer.customer_reply(case.customer, case, body="One more")
    assert refused.value.status == 429
    assert case.events.count() == customer.REPLY_LIMIT[0]


def test_the_reply_form_posts_and_says_it_reopens(client, case):
    Case.objects.filter(pk=case.pk).update(status="pending")
    client.force_login(case.customer)
    html = client.get(reverse("support_case", args=[case.pk])).content.decode()
    assert "Sending a reply reopens this case" in html
    response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": "Still broken"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("support_case", args=[case.pk])
    html = response.content.decode()
    assert "the case was reopened" in html and "Still broken" in html
    response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": ""})
    assert response.status_code == 400 and "Please write something." in response.content.decode()


def test_a_reply_sent_after_the_session_expired_is_back_in_the_form_after_sign_in(client, case):
    """Kept in the session, shown again to the case's customer only, never sent for them."""
    import html as html_lib

    from django.conf import settings

    text = "The hub still blinks orange & the app says offline."
    client.cookies[settings.SESSION_COOKIE_NAME] = "an-expired-session"
    response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": text}, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("account_login") + "?next=")
    assert "Your reply is kept: sign in and it will be back in the form, ready to send." in response.content.decode()
    client.force_login(case.customer)
    page = html_lib.unescape(client.get(reverse("support_case", args=[case.pk])).content.decode())
    assert text in page and "Here is the reply you wrote before signing in." in page
    assert not CaseEvent.objects.filter(case=case).exists()
    assert text not in html_lib.unescape(client.get(reverse("support_case", args=[case.pk])).content.decode())

    client.logout()  # someone else signing in on that browser after such a reply: a 404, never the text
    client.cookies[settings.SESSION_COOKIE_NAME] = "an-expired-session"
    client.post(reverse("support_case_reply", args=[case.pk]), {"body": text})
    client.force_login(MemberFactory())
    response = client.get(reverse("support_case", args=[case.pk]))
    assert response.status_code == 404 and "blinks orange" not in response.content.decode()


def test_get_on_the_reply_url_goes_back_to_the_case(client, case):
    client.force_login(case.customer)
    response = client.get(reverse("support_case_reply", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("support_case", args=[case.pk]) + "#reply-heading"
    assert not CaseEvent.objects.filter(case=case).exists()


# --- the timeline the customer sees ------------------------------------------------------------------------


def test_the_timeline_shows_replies_and_status_changes_but_never_notes(client, case):
    agent = make_agent()
    answer = AnswerFactory(question=case.question, author=agent)
    timeline.record(case, CaseEvent.Kind.CREATED)
    timeline.record(case, CaseEvent.Kind.NOTE, agent, body="Internal: customer is on old firmware")
    timeline.record(case, CaseEvent.Kind.PUBLIC_REPLY, agent, body="Please update the firmware.", answer=answer)
    timeline.record(case, CaseEvent.Kind.PRIVATE_REPLY, agent, body="Private: your serial is fine.")
    timeline.record(case, CaseEvent.Kind.STATUS, agent, data={"from": "open", "to": "pending"})
    timeline.record(case, CaseEvent.Kind.CUSTOMER_REPLY, case.customer, body="Thanks, trying now.")
    client.force_login(case.customer)
    html = client.get(reverse("support_case", args=[case.pk])).content.decode()
    assert "Internal: customer" not in html
    for text in ("Please update the firmware.", "Private: your serial is fine.", "Thanks, trying now.", "Pending customer"):
        assert text in html
    assert f'href="{answer.get_absolute_url()}"' in html
    assert case.question.get_absolute_url() in html


# --- due times in plain words ---------------------------------------------------------------------------------


def test_describe_due_in_english_and_japanese():
    now = timezone.now()
    case = Case(status="open", first_response_due=now + timedelta(hours=2, minutes=10), resolution_due=now + timedelta(days=3))
    assert str(customer.describe_due(case, now)) == "We aim to reply within 3 hours"
    case.first_response_due = now - timedelta(hours=2, minutes=5)
    due = customer.describe_due(case, now)
    assert str(due) == "Reply was due 2 hours ago — sorry for the wait" and due.overdue
    case.first_responded_at = now
    assert str(customer.describe_due(case, now)) == "We aim to solve it within 3 days"
    case.first_response_due = now + timedelta(minutes=20)
    case.first_responded_at = None
    assert str(customer.describe_due(case, now)) == "We aim to reply within 20 minutes"
    assert str(customer.describe_due(Case(status="pending"), now)) == "We're waiting for your reply"
    with translation.override("ja"):
        case.first_response_due = now + timedelta(hours=3)
        assert str(customer.describe_due(case, now)) == "3時間以内に返信する予定です"
        case.first_response_due = now - timedelta(hours=2)
        assert str(customer.describe_due(case, now)) == "返信の予定から2時間が過ぎています。お待たせして申し訳ありません"


# --- the header link -----------------------------------------------------------------------------------------


def test_the_header_links_my_support_cases_only_for_members_with_cases(client, case):
    link = reverse("support_cases")
    client.force_login(MemberFactory())
    assert link not in client.get("/community/").content.decode()
    client.force_login(case.customer)
    assert link in client.get("/community/").content.decode()


def test_the_header_link_appears_when_a_case_is_created(client, django_capture_on_commit_callbacks):
    question = QuestionFactory()
    client.force_login(question.author)
    assert reverse("support_cases") not in client.get("/community/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        created = CaseFactory(question=question)
        publish(CaseCreated(case_id=created.pk, question_id=question.pk, actor_id=None, reason="no_answer"))
    assert reverse("support_cases") in client.get("/community/").content.decode()
    cache.clear()  # the flag now lives in the session
    assert reverse("support_cases") in client.get("/community/").content.decode()


# --- query budgets -------------------------------------------------------------------------------------------

LIST_BUDGET = 4  # as measured; the same with 10 or 10,000 cases (session read from the cache)
DETAIL_BUDGET = 4  # user, case (+ question, survey), timeline, unread notifications


def _bulk_cases(customer_user, count: int) -> None:
    question = QuestionFactory(author=customer_user)
    now = timezone.now()
    Case.objects.bulk_create(
        Case(question=question, customer=customer_user, question_title=f"Old case {i}", reason="no_answer", status="closed",
             created_at=now - timedelta(minutes=i + 10), updated_at=now, first_response_due=now, resolution_due=now, closed_at=now)
        for i in range(count)
    )


def _timeline(case, count: int) -> None:
    agent = make_agent()
    answer = AnswerFactory(question=case.question, author=agent)
    now = timezone.now()
    kinds = ["public_reply", "private_reply", "customer_reply", "status", "note"]
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, kind=kinds[i % 5], actor=agent if i % 5 != 2 else case.customer, body=f"Entry {i}",
                  body_html=f"<p>Entry {i}</p>", answer=answer if i % 5 == 0 else None,
                  data={"from": "open", "to": "pending"} if i % 5 == 3 else {}, created_at=now)
        for i in range(count)
    )


@pytest.mark.parametrize("count", [10, 10_000])
def test_list_and_detail_budgets_with_10_or_10000_cases(client, django_assert_max_num_queries, count):
    newest = CaseFactory()
    _bulk_cases(newest.customer, count)
    _timeline(newest, 10 if count == 10 else 500)
    client.force_login(newest.customer)
    client.get("/community/")  # warm-up
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(reverse("support_cases"))
    assert response.content.decode().count('class="case-row"') == (11 if count == 10 else 25)
    with django_assert_max_num_queries(LIST_BUDGET):
        assert client.get(reverse("support_cases") + "?page=3").status_code == 200
    with django_assert_max_num_queries(DETAIL_BUDGET):
        response = client.get(reverse("support_case", args=[newest.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('class="case-entry ') == (8 if count == 10 else 400)


# --- valid HTML -------------------------------------------------------------------------------------------------


def test_customer_and_survey_pages_are_valid_html_in_both_languages(client, tmp_path, django_capture_on_commit_callbacks):
    """The W3C Nu checker on every page of the customer side: list (empty and full), case (open with a
    reply error, closed, solved with the survey link), survey (form, errors, thanks, expired, forged)."""
    from moderation.cases import surveys
    from moderation.cases.events import CaseSolved
    from tests.portal.test_valid_html import format_messages, run_vnu, vnu_command

    vnu_command()
    case = CaseFactory()
    agent = make_agent()
    answer = AnswerFactory(question=case.question, author=agent)
    timeline.record(case, CaseEvent.Kind.CREATED)
    timeline.record(case, CaseEvent.Kind.PUBLIC_REPLY, agent, body="Update the **firmware**.", answer=answer)
    timeline.record(case, CaseEvent.Kind.STATUS, agent, data={"from": "open", "to": "pending"})
    Case.objects.filter(pk=case.pk).update(status="pending")
    closed = CaseFactory(question=QuestionFactory(author=case.customer), status="closed", closed_at=timezone.now())
    solved = CaseFactory(question=QuestionFactory(author=case.customer), solution_answer=None)
    Case.objects.filter(pk=solved.pk).update(status="solved", solved_at=timezone.now(), next_due_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        publish(CaseSolved(case_id=solved.pk, question_id=solved.question_id, actor_id=None))
    survey_path = surveys.survey_url(solved.survey)
    client.force_login(case.customer)
    files = []

    def save(name, response, status=200):
        assert response.status_code == status, name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)

    urls = {
        "list": reverse("support_cases"), "case": reverse("support_case", args=[case.pk]),
        "reply": reverse("support_case_reply", args=[case.pk]), "closed": reverse("support_case", args=[closed.pk]),
        "solved": reverse("support_case", args=[solved.pk]), "forged": reverse("support_survey", args=["forged"]),
    }
    for language in ("en", "ja"):
        prefix = "/ja" if language == "ja" else ""
        save(f"list-{language}", client.get(prefix + urls["list"]))
        save(f"case-{language}", client.get(prefix + urls["case"]))
        save(f"case-error-{language}", client.post(prefix + urls["reply"], {"body": ""}), 400)
        save(f"closed-{language}", client.get(prefix + urls["closed"]))
        save(f"solved-{language}", client.get(prefix + urls["solved"]))
        save(f"survey-{language}", client.get(prefix + survey_path))
        save(f"survey-error-{language}", client.post(prefix + survey_path, {"csat": "3"}), 400)
        save(f"forged-{language}", client.get(prefix + urls["forged"]), 404)
    save("thanks", client.post(survey_path, {"csat": "3", "ces": "4", "nps": "5"}))
    client.force_login(MemberFactory())
    save("empty-list", client.get(urls["list"]))
    errors = run_vnu(files)
    assert errors == [], f"{len(errors)} HTML errors (W3C Nu checker):\n" + format_messages(errors)
