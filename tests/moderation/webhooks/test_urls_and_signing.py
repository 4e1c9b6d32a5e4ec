"""Where webhooks may go (http/https only, no credentials, not too long, never the portal itself — but a
receiver on loopback at another port is fine), and the signature scheme receivers copy."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from moderation.webhooks import destinations, services, signing
from moderation.webhooks.models import WebhookEndpoint
from moderation.webhooks.services import WebhookError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_dns_cache():
    destinations._resolved.clear()


def error_of(url: str) -> str:
    with pytest.raises(ValidationError) as caught:
        destinations.validate_url(url)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize("url", ["ftp://files.example.com/hook", "javascript:alert(1)", "file:///etc/passwd", "mailto:a@example.com", "//hooks.example.com/x"])
def test_only_http_and_https(url):
    assert "https://" in error_of(url)


@pytest.mark.parametrize("url", ["https://user:pass@hooks.example.com/x", "https://token@hooks.example.com/x"])
def test_no_credentials_in_the_url(url):
    assert "passwords" in error_of(url)


def test_too_long():
    url = "https://hooks.example.com/" + "a" * 500
    assert "too long" in error_of(url) and "500" in error_of(url)


@pytest.mark.parametrize("url", [
    "http://testserver/hook",  # PORTAL_BASE_URL and the Site
    "https://testserver:8443/hook",  # a named portal host, any port
    "http://localhost/hook",  # loopback on the portal's port (80)
    "http://127.0.0.1:80/hook",
    "http://[::1]/hook",
    "http://0.0.0.0/hook",
])
def test_the_portal_itself_is_refused(url):
    assert "portal itself" in error_of(url)


def test_allowed_hosts_and_their_subdomains_are_the_portal(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "help.example.com", ".support.example.org"]
    assert "portal itself" in error_of("https://help.example.com/hook")
    assert "portal itself" in error_of("https://support.example.org/hook")
    assert "portal itself" in error_of("https://api.support.example.org/hook")
    assert destinations.validate_url("https://helpdesk.example.net/hook")


def test_a_receiver_on_loopback_at_another_port_is_allowed():
    # Loopback is generic (the machine, not the portal): refused only on the ports the portal answers on.
    assert destinations.validate_url("http://127.0.0.1:8765/hooks")
    assert destinations.validate_url("http://localhost:9000/hooks")


def test_messages_are_translated():
    with translation.override("ja"):
        message = error_of("ftp://files.example.com/hook")
    assert message != error_of("ftp://files.example.com/hook") and "https://" in message


def test_the_service_refuses_bad_urls_and_saves_nothing(superuser):
    for url in ("ftp://x.example.com/", "http://testserver/", "https://a:b@x.example.com/"):
        with pytest.raises(WebhookError) as caught:
            services.create_endpoint(superuser, name="Bad", url=url, events=["case.created"])
        assert caught.value.field == "url"
    with pytest.raises(WebhookError):
        services.create_endpoint(superuser, name="Bad", url="https://x.example.com/", events=["case.deleted"])
    assert not WebhookEndpoint.objects.exists()


def test_only_managers_may_change_endpoints(member):
    from moderation.errors import PermissionRefused

    with pytest.raises(PermissionRefused):
        services.create_endpoint(member, name="Sneaky", url="https://x.example.com/", events=["case.created"])
    assert not WebhookEndpoint.objects.exists()


# --- signing ---------------------------------------------------------------------------------------------------


def test_verify_accepts_the_portals_signature_and_nothing_else():
    secret = signing.new_secret()
    assert len(secret) >= 43
    body = '{"id":"1","event":"ping"}'
    now = int(time.time())
    headers = signing.headers(secret, event="ping", event_id="1", body=body, timestamp=now)
    assert headers["X-Portal-Signature"].startswith("v1=") and headers["X-Portal-Timestamp"] == str(now)
    sig = headers["X-Portal-Signature"]
    assert signing.verify(secret, str(now), body.encode(), sig)
    assert not signing.verify("other", str(now), body, sig)
    assert not signing.verify(secret, str(now), body + " ", sig)  # tampered body
    assert not signing.verify(secret, str(now + 1), body, sig)  # timestamp changed: the signature breaks
    assert not signing.verify(secret, str(now), body, sig, now=now + 301)  # replayed too late
    assert not signing.verify(secret, "yesterday", body, sig)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(b"s3cret", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert signing.signature("s3cret", 1700000000, "{}") == f"v1={expected}"
