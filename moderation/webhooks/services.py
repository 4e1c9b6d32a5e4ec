"""Webhook endpoint changes (the admin's views call these; they never save endpoints themselves).

Each: permission check → validation → transaction → lock → write → audit entry (`webhooks.*`, never the
secret). `create_endpoint` and `rotate_secret` return the new secret: the caller shows it once.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from moderation.errors import ModerationError, PermissionRefused
from portal import audit
from portal.ratelimit import consume

from . import delivery, destinations, payloads, signing
from .models import WebhookDelivery, WebhookEndpoint
from .permissions import can_manage_webhooks

NAME_MAX = 100
SEND_LIMIT = (10, 60)  # test events and "retry now" per user: (count, seconds)


class WebhookError(ModerationError):
    """A refused webhook change; `field` names the form field at fault."""


def _require(actor: Any) -> None:
    if not can_manage_webhooks(actor):
        raise PermissionRefused(_("Only administrators may manage webhooks."))


def _state(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"name": endpoint.name, "url": endpoint.url, "events": list(endpoint.events or []), "active": endpoint.active}


def clean(name: str, url: str, events: list[str]) -> tuple[str, str, list[str]]:
    name = " ".join((name or "").split())
    if not name:
        raise WebhookError(_("Give the endpoint a name."), field="name")
    if len(name) > NAME_MAX:
        raise WebhookError(
            _("Please keep the name under %(max)d characters (it has %(count)d).") % {"max": NAME_MAX, "count": len(name)},
            field="name",
        )
    try:
        destinations.validate_url(url)
    except ValidationError as error:
        raise WebhookError(" ".join(str(m) for m in error.messages), field="url") from None
    unknown = [e for e in events if e not in payloads.EVENT_NAMES]
    if unknown:
        raise WebhookError(_("Unknown event: %(event)s") % {"event": ", ".join(unknown)}, field="events")
    return name, url, [e for e in payloads.EVENT_NAMES if e in events]  # in the documented order, no duplicates


def create_endpoint(actor, *, name: str, url: str, events: list[str], active: bool = True) -> tuple[WebhookEndpoint, str]:
    _require(actor)
    name, url, events = clean(name, url, events)
    secret = signing.new_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(name=name, url=url, events=events, active=active, secret=secret, created_by=actor)
        audit.record(actor, "webhooks.create", endpoint, after=_state(endpoint))
    return endpoint, secret


def update_endpoint(actor, endpoint: WebhookEndpoint, *, name: str, url: str, events: list[str], active: bool) -> WebhookEndpoint:
    _require(actor)
    name, url, events = clean(name, url, events)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = _state(locked)
        locked.name, locked.url, locked.events, locked.active = name, url, events, active
        after = _state(locked)
        if before != after:
            locked.save(update_fields=["name", "url", "events", "active"])
            audit.record(actor, "webhooks.change", locked, before=before, after=after)
    return locked


def delete_endpoint(actor, endpoint: WebhookEndpoint) -> None:
    _require(actor)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
        if locked is None:
            return
        audit.record(actor, "webhooks.delete", locked, before=_state(locked))
        locked.delete()  # its delivery log goes with it


def rotate_secret(actor, endpoint: WebhookEndpoint) -> str:
    """A new secret, in force at once (deliveries waiting for a retry are signed with it)."""
    _require(actor)
    secret = signing.new_secret()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.secret = secret
        locked.save(update_fields=["secret"])
        audit.record(actor, "webhooks.rotate", locked)
    return secret


def _throttle(actor) -> None:
    limit, period = SEND_LIMIT
    retry = consume("webhooks-send", str(actor.pk), limit=limit, period=period)
    if retry:
        raise WebhookError(
            ngettext("You are doing that too often. Please try again in %(seconds)d second.",
                     "You are doing that too often. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry},
        )


def send_test(actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Deliver a `ping` event to `endpoint` now (active or not) and return its logged delivery. Call it with
    no transaction open: the POST happens here."""
    _require(actor)
    _throttle(actor)
    now = timezone.now()
    payload = payloads.ping(endpoint, now=now)
    with transaction.atomic():
        row = WebhookDelivery.objects.create(
            endpoint=endpoint, event=payloads.PING, event_id=payload["id"], payload=payloads.dumps(payload),
            created_at=now, next_attempt_at=now,
        )
    return delivery.deliver(row.pk, force=True) or row


def retry_now(actor, row: WebhookDelivery) -> WebhookDelivery:
    """Send a failed (or waiting) delivery again now, whatever its attempts so far; returns it afterwards."""
    _require(actor)
    if row.delivered_at is not None:
        raise WebhookError(_("This event was already delivered."), status=409)
    _throttle(actor)
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(pk=row.pk, delivered_at__isnull=True).update(
            failed_at=None, next_attempt_at=timezone.now(),
        )
    if not updated:
        raise WebhookError(_("This event was already delivered."), status=409)
    result = delivery.deliver(row.pk, force=True)
    if result is None:
        raise WebhookError(_("Another worker is sending this event right now. Look again in a moment."), status=409)
    return result
