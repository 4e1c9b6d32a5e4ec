"""Webhook delivery through the outbox (portal/outbox.py): claim the row and commit, POST with no database
transaction open, record the outcome.

- One ``WebhookDelivery`` row per (event, active endpoint subscribed to it), written in a short transaction
  after the case change committed; then a task per row (``tasks.deliver_webhook``, enqueued by ``tasks.enqueue``).
- An attempt: the destination is checked again (``destinations.destination``), the body is signed with the
  endpoint's current secret and a fresh timestamp, and POSTed with a network timeout
  (``PORTAL_WEBHOOK_TIMEOUT``, default 5 s) to the address that was checked. Redirects are not followed.
- A 2xx answer is delivered. Anything else (other status, timeout, refused address, DNS error) counts an
  attempt and schedules the next one after ``RETRY_DELAYS`` (1, 2, 4, ... minutes; setting
  ``PORTAL_WEBHOOK_RETRY_DELAYS``, in seconds); after the last one the row gets ``failed_at``.
- The first ``RESPONSE_MAX`` characters of the answer are kept for the log (``RESPONSE_READ_MAX`` bytes read).
- ``manage.py deliver_webhooks`` sends every due row (a task that never ran, a retry that is due, a worker
  that died mid-send once its claim expired); it is safe to run from cron on several machines at once.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from portal import outbox

from . import destinations, payloads, signing
from .models import WebhookDelivery, WebhookEndpoint

# Seconds to wait before retry n (after attempt n failed); attempts in all = len + 1 (8 by default).
RETRY_DELAYS = (60, 120, 240, 480, 960, 1920, 3840)
TIMEOUT_SECONDS = 5.0
RESPONSE_MAX = 2000  # characters of the answer kept in the log
RESPONSE_READ_MAX = 8192  # bytes read from the answer, whatever its size
ERROR_MAX = 500  # WebhookDelivery.last_error's max_length
USER_AGENT = "SupportPortal-Webhooks/1"
SWEEP_BATCH = 20  # rows claimed at once by the sweep (sent one after the other, well inside the lease)


def retry_delays() -> tuple[int, ...]:
    return tuple(int(s) for s in getattr(settings, "PORTAL_WEBHOOK_RETRY_DELAYS", RETRY_DELAYS))


def max_attempts() -> int:
    return len(retry_delays()) + 1


def timeout() -> float:
    return float(getattr(settings, "PORTAL_WEBHOOK_TIMEOUT", TIMEOUT_SECONDS))


def next_attempt_after(attempts: int) -> timedelta | None:
    """How long after the `attempts`-th failed attempt the next one goes (None: give up)."""
    delays = retry_delays()
    if attempts < 1 or attempts > len(delays):
        return None
    return timedelta(seconds=delays[attempts - 1])


# --- queueing -------------------------------------------------------------------------------------------------


def subscribed_endpoints(event_name: str) -> list[WebhookEndpoint]:
    """Active endpoints that asked for `event_name` (endpoints are few: filtered here, not in SQL, so the
    JSON list works the same on SQLite and PostgreSQL)."""
    return [e for e in WebhookEndpoint.objects.filter(active=True).order_by("pk") if event_name in (e.events or [])]


def queue(payload: dict, endpoints: list[WebhookEndpoint], *, now: datetime | None = None,
          then: Callable[[list[int]], None] | None = None) -> list[WebhookDelivery]:
    """Write one delivery row per endpoint (one short transaction); `then(ids)` runs once it committed
    (`tasks.enqueue`: one task per row)."""
    if not endpoints:
        return []
    now = now or timezone.now()
    body = payloads.dumps(payload)
    with transaction.atomic():
        rows = WebhookDelivery.objects.bulk_create([
            WebhookDelivery(endpoint=endpoint, event=payload["event"], event_id=payload["id"], payload=body,
                            created_at=now, next_attempt_at=now)
            for endpoint in endpoints
        ])
        ids = [row.pk for row in rows]
        if then is not None:
            transaction.on_commit(lambda: then(ids))
    return rows


# --- sending --------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    ok: bool
    status: int | None = None
    response: str = ""
    error: str = ""


def _connection(target: destinations.Target, addresses: list[str], seconds: float) -> http.client.HTTPConnection:
    def connect(_address, connect_timeout=seconds, source_address=None):
        last: OSError | None = None
        for address in addresses:  # the checked addresses only: no second DNS lookup
            try:
                return socket.create_connection((address, target.port), connect_timeout, source_address)
            except OSError as error:
                last = error
        raise last or OSError("no address")

    if target.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=seconds, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=seconds)
    conn._create_connection = connect  # connect to the checked address; TLS still verifies the host name
    return conn


def post(url: str, body: bytes, headers: dict[str, str], *, seconds: float | None = None) -> Outcome:
    """POST `body` to `url` (after the destination check); never raises for network trouble."""
    seconds = timeout() if seconds is None else seconds
    try:
        target, addresses = destinations.destination(url)
    except destinations.DestinationRefused as refused:
        return Outcome(False, error=str(refused)[:ERROR_MAX])
    conn = _connection(target, addresses, seconds)
    try:
        conn.request("POST", target.path, body=body, headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **headers,
        })
        response = conn.getresponse()
        raw = response.read(RESPONSE_READ_MAX)
        text = raw.decode("utf-8", errors="replace")[:RESPONSE_MAX]
        status = response.status
    except (OSError, http.client.HTTPException, ssl.SSLError) as error:
        return Outcome(False, error=f"{type(error).__name__}: {error}"[:ERROR_MAX])
    finally:
        conn.close()
    if 200 <= status < 300:
        return Outcome(True, status, text)
    error = f"HTTP {status}"
    if 300 <= status < 400:
        location = response.getheader("Location") or ""
        error = f"HTTP {status}: redirects are not followed (Location: {location})"
    return Outcome(False, status, text, error[:ERROR_MAX])


def send(delivery: WebhookDelivery) -> Outcome:
    """One attempt at `delivery` (its endpoint loaded), signed now."""
    body = delivery.payload.encode("utf-8")
    headers = signing.headers(delivery.endpoint.secret, event=delivery.event, event_id=str(delivery.event_id), body=body)
    return post(delivery.endpoint.url, body, headers)


# --- one delivery through the outbox ----------------------------------------------------------------------------


def pending() -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(delivered_at__isnull=True, failed_at__isnull=True)


def due(now: datetime | None = None) -> QuerySet[WebhookDelivery]:
    """Rows to send now: pending, their time has come, their endpoint active."""
    now = now or timezone.now()
    return pending().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), endpoint__active=True)


def _record(claim: outbox.Claim, delivery: WebhookDelivery, outcome: Outcome, *, retry: bool = True) -> None:
    now = timezone.now()
    attempts = delivery.attempts + 1
    fields = {
        "attempts": F("attempts") + 1, "last_status": outcome.status, "last_response": outcome.response,
        "last_error": outcome.error, "claimed_until": None,
    }
    if outcome.ok:
        fields.update(delivered_at=now, next_attempt_at=None)
    else:
        wait = next_attempt_after(attempts) if retry else None
        if wait is None:
            fields.update(failed_at=now, next_attempt_at=None)
        else:
            fields.update(next_attempt_at=now + wait)
    claim.rows().update(**fields)


def deliver(delivery_id: int, *, force: bool = False) -> WebhookDelivery | None:
    """Attempt one delivery if it is due (`force`: any pending one, even early or for an inactive endpoint —
    "Send test event" and "Retry now"). Returns the row after the attempt, or None when it was not ours
    to send (already delivered, failed, not due, or another worker holds it)."""
    candidates = (pending() if force else due()).filter(pk=delivery_id)
    claim = outbox.claim(candidates)
    if not claim:
        return None
    delivery = claim.rows().select_related("endpoint").first()
    if delivery is None:
        return None
    try:
        outcome = send(delivery)  # no transaction open: the claim is committed
    except Exception:
        claim.release()
        raise
    _record(claim, delivery, outcome, retry=delivery.event != payloads.PING)
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def sweep(*, limit: int = 500, now: datetime | None = None) -> dict[str, int]:
    """Send the due rows (up to `limit`); returns counts of delivered, retrying and failed rows."""
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    handled = 0
    while handled < limit:
        claim = outbox.claim(due(now).order_by("next_attempt_at", "pk"), limit=min(SWEEP_BATCH, limit - handled))
        if not claim:
            break
        for delivery in claim.rows().select_related("endpoint").order_by("pk"):
            one = outbox.Claim(claim.model, [delivery.pk], claim.until, claim.field, claim.using)
            try:
                outcome = send(delivery)
            except Exception:
                one.release()
                raise
            _record(one, delivery, outcome, retry=delivery.event != payloads.PING)
            if outcome.ok:
                counts["delivered"] += 1
            elif delivery.attempts + 1 >= max_attempts() or delivery.event == payloads.PING:
                counts["failed"] += 1
            else:
                counts["retrying"] += 1
        handled += len(claim.ids)
    return counts
