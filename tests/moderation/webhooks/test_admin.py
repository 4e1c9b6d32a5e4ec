"""Webhooks in the Wagtail admin: who gets in, creating an endpoint (URL rules, nothing saved on error),
the secret shown exactly once, rotation, "Send test event", "Retry now", the delivery log and the audit."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from moderation.webhooks import destinations, services
from moderation.webhooks.models import WebhookDelivery, WebhookEndpoint
from portal import audit
from portal.roles import SUPPORT_AGENTS
from tests.factories import UserFactory, with_two_factor

pytestmark = pytest.mark.django_db

INDEX = "/admin/webhooks/"
ADD = "/admin/webhooks/new/"


@pytest.fixture(autouse=True)
def _fresh_dns_cache():
    destinations._resolved.clear()


@pytest.fixture
def admin_client(client, site, superuser):
    client.force_login(superuser)
    return client


def form(**changes):
    data = {"name": "Helpdesk", "url": "https://helpdesk.example.net/hooks/portal", "events": ["case.created", "case.solved"], "active": "on"}
    data.update(changes)
    return data


def entries(action):
    return list(audit.LogEntry.objects.filter(action=action))


def test_pages_answer_the_superuser(admin_client, superuser):
    endpoint, _ = services.create_endpoint(superuser, name="Helpdesk", url="https://helpdesk.example.net/h", events=["case.created"])
    for url in (INDEX, ADD, f"/admin/webhooks/edit/{endpoint.pk}/", f"/admin/webhooks/{endpoint.pk}/deliveries/", f"/admin/webhooks/{endpoint.pk}/secret/"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    assert "Webhooks" in admin_client.get("/admin/").content.decode()


def refused(response) -> bool:
    """The Wagtail admin answers a refused staff member with a redirect to the dashboard and a "no
    permission" message (a 403 for XHR): the page itself is never shown."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def test_other_staff_are_refused(client, site, superuser):
    endpoint, _ = services.create_endpoint(superuser, name="Helpdesk", url="https://helpdesk.example.net/h", events=["case.created"])
    agent = with_two_factor(UserFactory(is_staff=True, groups=[SUPPORT_AGENTS]))
    client.force_login(agent)
    for url in (INDEX, ADD, f"/admin/webhooks/edit/{endpoint.pk}/", f"/admin/webhooks/{endpoint.pk}/deliveries/", f"/admin/webhooks/{endpoint.pk}/secret/"):
        assert refused(client.get(url)), url
    for url in (f"/admin/webhooks/{endpoint.pk}/test/", f"/admin/webhooks/{endpoint.pk}/rotate/"):
        assert refused(client.post(url)), url
    assert refused(client.post(ADD, form(name="Sneaky")))
    assert not WebhookEndpoint.objects.filter(name="Sneaky").exists()
    assert not WebhookDelivery.objects.exists()
    assert "Webhooks" not in client.get("/admin/").content.decode()


def test_the_permission_lets_staff_in(client, site):
    user = with_two_factor(UserFactory(is_staff=True, groups=[SUPPORT_AGENTS]))
    user.user_permissions.add(Permission.objects.get(codename="change_webhookendpoint"))
    client.force_login(user)
    assert client.get(INDEX).status_code == 200


def test_members_are_sent_to_sign_in(client, site, member):
    client.force_login(member)
    assert client.get(INDEX).status_code in (302, 403)


def test_the_secret_is_shown_once_after_creating(admin_client, superuser):
    response = admin_client.post(ADD, form())
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/webhooks/{endpoint.pk}/secret/"
    assert endpoint.events == ["case.created", "case.solved"] and endpoint.created_by == superuser
    first = admin_client.get(response["Location"])
    assert endpoint.secret in first.content.decode()
    assert "no-store" in first["Cache-Control"]
    second = admin_client.get(response["Location"]).content.decode()
    assert endpoint.secret not in second and "shown only once" in second
    for url in (INDEX, f"/admin/webhooks/edit/{endpoint.pk}/", f"/admin/webhooks/{endpoint.pk}/deliveries/"):
        assert endpoint.secret not in admin_client.get(url).content.decode()
    [entry] = entries("webhooks.create")
    assert endpoint.secret not in str(entry.data)


def test_rotating_shows_the_new_secret_once(admin_client, superuser):
    endpoint, old = services.create_endpoint(superuser, name="Helpdesk", url="https://helpdesk.example.net/h", events=["case.created"])
    response = admin_client.post(f"/admin/webhooks/{endpoint.pk}/rotate/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in admin_client.get(response["Location"]).content.decode()
    assert endpoint.secret not in admin_client.get(response["Location"]).content.decode()
    assert admin_client.get(f"/admin/webhooks/{endpoint.pk}/rotate/").status_code == 405
    assert len(entries("webhooks.rotate")) == 1


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://files.example.com/hook", "https://"),
    ("javascript:alert(1)", "https://"),
    ("https://user:secret@helpdesk.example.net/h", "passwords"),
    ("http://testserver/hooks", "portal itself"),
    ("https://helpdesk.example.net/" + "a" * 600, "too long"),
])
def test_bad_urls_are_refused_and_nothing_is_saved(admin_client, url, message):
    response = admin_client.post(ADD, form(url=url))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_bad_urls_are_explained_in_japanese(db):
    from moderation.webhooks.forms import EndpointForm

    with translation.override("ja"):
        errors = EndpointForm(form(url="ftp://files.example.com/hook")).errors
        assert errors["url"] == ["https://（または http://）で始まるアドレスを入力してください。"]
        errors = EndpointForm(form(url="http://testserver/hooks")).errors
        assert "ポータル自身" in errors["url"][0]


def test_an_endpoint_needs_an_event(admin_client):
    response = admin_client.post(ADD, form(events=[]))
    assert "Choose at least one event" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_editing_and_deleting_are_audited(admin_client, superuser):
    endpoint, secret = services.create_endpoint(superuser, name="Helpdesk", url="https://helpdesk.example.net/h", events=["case.created"])
    response = admin_client.post(f"/admin/webhooks/edit/{endpoint.pk}/", form(name="CRM", events=["survey.answered"], active=""))
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.events, endpoint.active, endpoint.secret) == ("CRM", ["survey.answered"], False, secret)
    [change] = entries("webhooks.change")
    assert change.data["before"]["name"] == "Helpdesk" and change.data["after"]["active"] is False
    assert admin_client.post(f"/admin/webhooks/delete/{endpoint.pk}/").status_code == 302
    assert not WebhookEndpoint.objects.exists() and len(entries("webhooks.delete")) == 1


def test_send_test_event_delivers_a_ping_and_shows_the_outcome(admin_client, superuser, receiver):
    endpoint, secret = services.create_endpoint(superuser, name="Helpdesk", url=receiver.url, events=["case.created"], active=False)
    receiver.secret = secret
    response = admin_client.post(f"/admin/webhooks/{endpoint.pk}/test/", follow=True)
    assert "Delivered: the endpoint answered 200." in response.content.decode()
    [request] = receiver.received
    assert request.verified and request.headers["X-Portal-Event"] == "ping"
    assert request.json["data"]["endpoint"] == {"id": endpoint.pk, "name": "Helpdesk"}
    row = WebhookDelivery.objects.get()
    assert row.event == "ping" and row.delivered_at is not None
    assert "ping" in response.content.decode()  # in the delivery log
    assert admin_client.get(f"/admin/webhooks/{endpoint.pk}/test/").status_code == 405


def test_a_failed_test_event_says_why_and_retry_now_sends_it_again(admin_client, superuser, receiver):
    endpoint, secret = services.create_endpoint(superuser, name="Helpdesk", url=receiver.url, events=["case.created"])
    receiver.secret = secret
    receiver.statuses = [500]
    response = admin_client.post(f"/admin/webhooks/{endpoint.pk}/test/", follow=True)
    assert "Not delivered: the endpoint answered 500." in response.content.decode()
    row = WebhookDelivery.objects.get()
    assert row.failed_at is not None  # a ping is not retried by itself
    response = admin_client.post(f"/admin/webhooks/{endpoint.pk}/deliveries/{row.pk}/retry/", follow=True)
    assert "Delivered: the endpoint answered 200." in response.content.decode()
    row.refresh_from_db()
    assert row.delivered_at is not None and row.failed_at is None and row.attempts == 2
    response = admin_client.post(f"/admin/webhooks/{endpoint.pk}/deliveries/{row.pk}/retry/", follow=True)
    assert "already delivered" in response.content.decode()
    assert len(receiver.received) == 2


def test_the_delivery_log_pages_with_a_query_budget(admin_client, superuser, django_assert_max_num_queries):
    from django.utils import timezone

    endpoint, _ = services.create_endpoint(superuser, name="Helpdesk", url="https://helpdesk.example.net/h", events=["case.created"])
    now = timezone.now()
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(endpoint=endpoint, event="case.created", payload="{}", created_at=now, attempts=1, last_status=500,
                        last_response="<h1>oops</h1>", last_error="HTTP 500")
        for _ in range(60)
    ])
    url = f"/admin/webhooks/{endpoint.pk}/deliveries/"
    admin_client.get(url)
    with django_assert_max_num_queries(20):
        response = admin_client.get(url, {"p": 2})
    html = response.content.decode()
    assert response.status_code == 200 and "Page 2 of 3" in html
    assert "&lt;h1&gt;oops&lt;/h1&gt;" in html and "<h1>oops" not in html  # the response is shown as text


def test_the_webhook_pages_are_valid_html(admin_client, superuser, tmp_path):
    """The W3C Nu checker on the pages this area renders itself (the secret shown and not shown, the delivery log)."""
    from django.utils import timezone

    from tests.portal.test_valid_html import format_messages, run_vnu, vnu_command

    vnu_command()
    admin_client.post(ADD, form())
    endpoint = WebhookEndpoint.objects.get()
    WebhookDelivery.objects.create(endpoint=endpoint, event="case.created", payload="{}", created_at=timezone.now(),
                                   attempts=2, last_status=500, last_response="<b>oops</b>", last_error="HTTP 500",
                                   next_attempt_at=timezone.now())
    pages = {
        "secret-shown": f"/admin/webhooks/{endpoint.pk}/secret/",
        "secret-gone": f"/admin/webhooks/{endpoint.pk}/secret/",
        "deliveries": f"/admin/webhooks/{endpoint.pk}/deliveries/",
    }  # the list and the form are Wagtail's own templates (their markup is Wagtail's business)
    files = []
    for name, url in pages.items():
        response = admin_client.get(url)
        assert response.status_code == 200, url
        path = tmp_path / f"{name}.html"
        path.write_text(response.content.decode())
        files.append(path)
    errors = run_vnu(files)
    assert not errors, format_messages(errors)


def test_test_events_are_rate_limited(admin_client, superuser, one_ratelimit_window, settings):
    settings.PORTAL_WEBHOOK_TIMEOUT = 0.5
    endpoint, _ = services.create_endpoint(superuser, name="Down", url="http://127.0.0.1:9/hook", events=["case.created"])
    limit, _period = services.SEND_LIMIT
    for _ in range(limit):
        admin_client.post(f"/admin/webhooks/{endpoint.pk}/test/")
    response = admin_client.post(f"/admin/webhooks/{endpoint.pk}/test/", follow=True)
    assert "too often" in response.content.decode()
    assert WebhookDelivery.objects.count() == limit  # the refused one wrote nothing
