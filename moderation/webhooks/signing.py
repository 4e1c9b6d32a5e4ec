"""How a webhook request is signed, and how a receiver checks it (copy `verify` into the receiver).

Every request is a POST of a JSON body (UTF-8) with these headers:

- ``X-Portal-Event``: the event name (``case.created``, ``ping``, ...)
- ``X-Portal-Delivery``: the event's id (a UUID; the same in the body's ``id``). A retried delivery keeps
  its id, so a receiver that stores the ids it handled can ignore duplicates.
- ``X-Portal-Timestamp``: when this attempt was signed, in Unix seconds
- ``X-Portal-Signature``: ``v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret>``

A receiver recomputes the HMAC over the timestamp header, a dot and the raw body bytes, compares it in
constant time, and refuses timestamps more than five minutes away from its clock (a replayed request
carries an old timestamp, and changing the timestamp breaks the signature).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SCHEME = "v1"
SECRET_BYTES = 32
TOLERANCE_SECONDS = 300

EVENT_HEADER = "X-Portal-Event"
DELIVERY_HEADER = "X-Portal-Delivery"
TIMESTAMP_HEADER = "X-Portal-Timestamp"
SIGNATURE_HEADER = "X-Portal-Signature"


def new_secret() -> str:
    """A fresh endpoint secret (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def signature(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """``v1=<hex>``: HMAC-SHA256 with `secret` over ``b"<timestamp>." + body``."""
    message = _as_bytes(str(timestamp)) + b"." + _as_bytes(body)
    return f"{SCHEME}=" + hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def headers(secret: str, *, event: str, event_id: str, body: str | bytes, timestamp: int | None = None) -> dict[str, str]:
    """The signature headers of one attempt (signed now unless `timestamp` is given)."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return {
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(event_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(secret: str, timestamp: str | int, body: str | bytes, signature_header: str, tolerance: int = TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """What a receiver runs: True when `signature_header` is the portal's signature of `body` at `timestamp`
    and `timestamp` is within `tolerance` seconds of now. Self-contained (hashlib, hmac, time) so it can be
    copied as it is::

        ok = verify(SECRET, request.headers["X-Portal-Timestamp"], request.body,
                    request.headers["X-Portal-Signature"])
    """
    stamp = str(timestamp).strip()
    try:
        sent_at = int(stamp)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - sent_at) > tolerance:
        return False
    expected = signature(secret, stamp, body)
    # A header may carry several signatures (during a secret rotation on the receiver's side): any may match.
    candidates = [part.strip() for part in str(signature_header or "").split(",")]
    return any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in candidates if candidate)
