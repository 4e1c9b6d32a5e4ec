"""Webhook delivery end to end: case events → delivery rows → a signed POST checked by a real receiver on
127.0.0.1; retries with exponential backoff, the sweep, redirects, the portal refused, the response kept short,
and no database transaction open while the request is out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from moderation.cases.events import (
    AgentReplied,
    CaseCreated,
    CaseSolved,
    CaseUpdated,
    QuestionEscalated,
    SurveyAnswered,
)
from moderation.webhooks import delivery, services
from moderation.webhooks.models import WebhookDelivery, WebhookEndpoint
from portal import events
from tests.moderation.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

ALL = ["question.escalated", "case.created", "case.updated", "case.solved", "survey.answered"]


def endpoint_for(receiver, superuser, events_=ALL, **fields):
    endpoint, secret = services.create_endpoint(superuser, name=fields.pop("name", "Helpdesk"), url=receiver.url, events=events_, **fields)
    receiver.secret = secret
    return endpoint


def publish(capture, event):
    with capture(execute=True):
        events.publish(event)


def created(case):
    return CaseCreated(case_id=case.pk, question_id=case.question_id, actor_id=None, reason=case.reason)


def test_a_case_event_reaches_the_receiver_signed_and_fresh(receiver, superuser, django_capture_on_commit_callbacks):
    endpoint = endpoint_for(receiver, superuser)
    case = CaseFactory()
    publish(django_capture_on_commit_callbacks, created(case))
    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.verified and request.fresh
    assert request.path == "/hooks/portal?source=test"
    assert request.headers["X-Portal-Event"] == "case.created"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    row = WebhookDelivery.objects.get(endpoint=endpoint)
    assert request.headers["X-Portal-Delivery"] == str(row.event_id) == request.json["id"]
    assert request.json["data"]["case"]["id"] == case.pk
    assert row.delivered_at is not None and row.attempts == 1 and row.last_status == 200 and row.last_response == "ok"
    assert row.claimed_until is None and row.failed_at is None


def test_a_wrong_secret_fails_the_receivers_check(receiver, superuser, django_capture_on_commit_callbacks):
    endpoint_for(receiver, superuser)
    receiver.secret = "not-the-secret"
    publish(django_capture_on_commit_callbacks, created(CaseFactory()))
    assert receiver.received and not receiver.received[0].verified


def test_each_case_event_maps_to_its_webhook(receiver, superuser, django_capture_on_commit_callbacks):
    endpoint_for(receiver, superuser)
    case = CaseFactory()
    base = {"case_id": case.pk, "question_id": case.question_id, "actor_id": None}
    publish(django_capture_on_commit_callbacks, QuestionEscalated(**base, reason="no_answer"))
    publish(django_capture_on_commit_callbacks, created(case))
    publish(django_capture_on_commit_callbacks, CaseUpdated(**base, changes={"priority": ["normal", "high"]}))
    publish(django_capture_on_commit_callbacks, AgentReplied(**base, changes={"reply": "public"}, public=True))
    publish(django_capture_on_commit_callbacks, CaseSolved(**base, changes={"status": ["open", "solved"]}))
    publish(django_capture_on_commit_callbacks, SurveyAnswered(**base, survey_id=0))
    assert [r.headers["X-Portal-Event"] for r in receiver.received] == [
        "question.escalated", "case.created", "case.updated", "case.updated", "case.solved", "survey.answered",
    ]  # a solved case is case.solved only, not case.updated too


def test_inactive_endpoints_and_unsubscribed_events_get_nothing(receiver, superuser, django_capture_on_commit_callbacks):
    endpoint_for(receiver, superuser, events_=["case.solved"], name="Solved only")
    endpoint_for(receiver, superuser, active=False, name="Switched off")
    publish(django_capture_on_commit_callbacks, created(CaseFactory()))
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_a_failed_delivery_is_retried_with_exponential_backoff(receiver, superuser, django_capture_on_commit_callbacks):
    endpoint_for(receiver, superuser)
    receiver.statuses = [500, 503, 502]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        publish(django_capture_on_commit_callbacks, created(CaseFactory()))
        row = WebhookDelivery.objects.get()
        assert row.attempts == 1 and row.last_status == 500 and row.delivered_at is None and row.failed_at is None
        assert row.next_attempt_at == start + timedelta(minutes=1)
        call_command("deliver_webhooks")  # not due yet: nothing sent
        assert len(receiver.received) == 1
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        call_command("deliver_webhooks")
        row.refresh_from_db()
        assert row.attempts == 2 and row.last_status == 503
        assert row.next_attempt_at == start + timedelta(seconds=61) + timedelta(minutes=2)
    with time_machine.travel(start + timedelta(seconds=61 + 121), tick=False):
        call_command("deliver_webhooks")
        row.refresh_from_db()
        assert row.attempts == 3 and row.next_attempt_at == start + timedelta(seconds=182) + timedelta(minutes=4)
    with time_machine.travel(start + timedelta(seconds=182 + 241), tick=False):
        call_command("deliver_webhooks")
        call_command("deliver_webhooks")  # idempotent: a delivered row is not sent again
        row.refresh_from_db()
    assert row.delivered_at is not None and row.attempts == 4 and row.last_status == 200
    assert len(receiver.received) == 4
    assert len({r.headers["X-Portal-Delivery"] for r in receiver.received}) == 1  # the same event id every time
    assert all(r.verified for r in receiver.received)


def test_after_the_last_attempt_the_delivery_fails(receiver, superuser, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_WEBHOOK_RETRY_DELAYS = [10, 20]
    endpoint_for(receiver, superuser)
    receiver.statuses = [500] * 5
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        publish(django_capture_on_commit_callbacks, created(CaseFactory()))
    for seconds in (11, 32, 60):
        with time_machine.travel(start + timedelta(seconds=seconds), tick=False):
            call_command("deliver_webhooks")
    row = WebhookDelivery.objects.get()
    assert row.attempts == 3 and row.failed_at is not None and row.next_attempt_at is None
    assert len(receiver.received) == 3


def test_redirects_are_not_followed(receiver, superuser, django_capture_on_commit_callbacks):
    endpoint_for(receiver, superuser)
    receiver.statuses = [302]
    receiver.headers = {"Location": "http://elsewhere.example/steal"}
    publish(django_capture_on_commit_callbacks, created(CaseFactory()))
    row = WebhookDelivery.objects.get()
    assert row.delivered_at is None and row.last_status == 302
    assert "redirects are not followed" in row.last_error and "elsewhere.example" in row.last_error
    assert len(receiver.received) == 1


def test_only_the_start_of_a_huge_response_is_kept(receiver, superuser, django_capture_on_commit_callbacks):
    endpoint_for(receiver, superuser)
    receiver.body = "x" * 100_000
    publish(django_capture_on_commit_callbacks, created(CaseFactory()))
    row = WebhookDelivery.objects.get()
    assert row.delivered_at is not None and len(row.last_response) == delivery.RESPONSE_MAX


def test_a_url_pointing_at_the_portal_is_refused_at_send_time(receiver, superuser, django_capture_on_commit_callbacks):
    endpoint = endpoint_for(receiver, superuser)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://testserver/community/")  # bypassing the form
    publish(django_capture_on_commit_callbacks, created(CaseFactory()))
    row = WebhookDelivery.objects.get()
    assert row.delivered_at is None and row.last_status is None and "portal itself" in row.last_error
    assert receiver.received == []


def test_an_unreachable_receiver_is_an_attempt_not_a_crash(superuser, django_capture_on_commit_callbacks, settings):
    settings.PORTAL_WEBHOOK_TIMEOUT = 1
    endpoint, _ = services.create_endpoint(superuser, name="Down", url="http://127.0.0.1:9/hook", events=ALL)
    publish(django_capture_on_commit_callbacks, created(CaseFactory()))
    row = WebhookDelivery.objects.get()
    assert row.attempts == 1 and row.delivered_at is None and row.last_error and row.next_attempt_at is not None


def test_backoff_schedule():
    assert [delivery.next_attempt_after(n) for n in range(1, 9)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64)
    ] + [None]
    assert delivery.max_attempts() == 8


# --- no transaction open across the POST ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_transaction_is_open_while_the_request_is_out(receiver, superuser, monkeypatch):
    from tests.portal.test_notifications import _transaction_open

    seen: list[bool] = []
    real_post = delivery.post

    def watching_post(*args, **kwargs):
        seen.append(_transaction_open())
        return real_post(*args, **kwargs)

    monkeypatch.setattr(delivery, "post", watching_post)
    endpoint_for(receiver, superuser)
    receiver.statuses = [500]
    case = CaseFactory()
    events.publish(created(case))  # no transaction here: the commit handler runs at once, the task too
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=2)):
        call_command("deliver_webhooks")
    services.send_test(superuser, WebhookEndpoint.objects.get())
    assert seen == [False, False, False]
    assert [r.verified for r in receiver.received] == [True, True, True]
    assert not WebhookDelivery.objects.filter(claimed_until__isnull=False).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_send_each_delivery_once(receiver, superuser, postgres_only):
    import threading

    from django.db import connections

    endpoint = endpoint_for(receiver, superuser)
    receiver.delay = 0.3
    now = timezone.now()
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(endpoint=endpoint, event="case.created", payload=f'{{"n":{i}}}', created_at=now, next_attempt_at=now)
        for i in range(6)
    ])
    results: list = []

    def sweep():
        try:
            results.append(delivery.sweep())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(r["delivered"] for r in results) == 6
    assert sorted(r.body for r in receiver.received) == sorted(f'{{"n":{i}}}'.encode() for i in range(6))
    assert WebhookDelivery.objects.filter(delivered_at__isnull=False, attempts=1).count() == 6
