"""Outbox delivery: claim the rows, commit, send, record the outcome (ARCHITECTURE.md, rule 4).

Never hold a database transaction open across network I/O (SMTP, webhooks, Elasticsearch). A slow or
hanging server would keep row locks and a connection busy for as long as it hangs, and a rollback can take
back the "sent" mark but never the message. Any table of things to deliver follows the same four steps:

1. **Claim** — one short transaction (``durable``: it refuses to run nested in a caller's transaction,
   where its commit would not be a commit) stamps ``claimed_until = now + lease`` on due rows that nobody
   holds (or whose claim expired), and commits. Rows another worker is claiming right now are skipped
   (``SKIP LOCKED`` where the database has it) and the conditional update re-checks every row, so two
   workers never hold the same row.
2. **Send** — outside any transaction.
3. **Record** — one conditional ``UPDATE`` sets the row's "done" field and clears the claim, if the claim
   is still this worker's. If the send raised an ``Exception``, the claim is released instead and the row
   is due again at once (the next sweep retries it).
4. **Crash** — a worker that dies between send and record leaves its claim: when the lease expires the row
   is due again and the sweep sends it. Delivery is exactly once normally and at least once after a crash;
   the lease must outlast any send (give the client a network timeout).

The model needs a nullable ``claimed_until`` datetime and a nullable "done" datetime; ``due`` querysets
must leave out done rows. To copy the pattern (webhooks, issue 12)::

    due = WebhookDelivery.objects.filter(delivered_at__isnull=True)
    outbox.deliver(due, post_batch, done="delivered_at", limit=50)  # post_batch(rows): no transaction open

    # or step by step, when the caller decides between claim and send:
    claim = outbox.claim(due.filter(pk=delivery_id))
    if claim:
        try:
            post(claim.rows().get())
        except Exception:
            claim.release()  # or record the failure: attempts, next_attempt_at
            raise
        claim.record("delivered_at")

Sweeps list work with ``claimable(due)``, which leaves out rows that a live worker holds.
See ``portal/tasks.py`` (notification emails and digests) for the first users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone

M = TypeVar("M", bound=models.Model)
R = TypeVar("R")

CLAIM_FIELD = "claimed_until"
# How long a claim holds: longer than any send can take, short enough that a crashed worker's rows go out
# on the same day.
LEASE = timedelta(minutes=15)


def claimable(due: models.QuerySet[M], *, field: str = CLAIM_FIELD, now: datetime | None = None) -> models.QuerySet[M]:
    """The rows of `due` that no live claim holds (never claimed, released, or the claim expired)."""
    now = now or timezone.now()
    return due.filter(models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__lte": now}))


@dataclass(frozen=True)
class Claim(Generic[M]):
    """The rows one worker claimed; `until` is both the claim's expiry and its token."""

    model: type[M]
    ids: list[Any]
    until: datetime
    field: str = CLAIM_FIELD
    using: str = "default"

    def __bool__(self) -> bool:
        return bool(self.ids)

    def rows(self) -> models.QuerySet[M]:
        """The claimed rows that are still this claim's (all of them unless the lease ran out)."""
        return self.model._default_manager.using(self.using).filter(pk__in=self.ids, **{self.field: self.until})

    def record(self, done: str) -> int:
        """The send succeeded: stamp `done` and drop the claim. Returns the rows recorded."""
        return self.rows().update(**{done: timezone.now(), self.field: None})

    def release(self) -> int:
        """The send failed: the rows are due again at once."""
        return self.rows().update(**{self.field: None})


def claim(due: models.QuerySet[M], *, limit: int = 1, field: str = CLAIM_FIELD, lease: timedelta = LEASE) -> Claim[M]:
    """Claim up to `limit` rows of `due` (in its order, else by primary key) and commit the claim."""
    now = timezone.now()
    until = now + lease
    model = due.model
    ids: list[Any] = []
    with transaction.atomic(using=due.db, durable=True):
        candidates = claimable(due, field=field, now=now)
        if not candidates.ordered:
            candidates = candidates.order_by("pk")
        locked = list(candidates.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:limit])
        if locked:
            claimable(due.filter(pk__in=locked), field=field, now=now).update(**{field: until})
            ids = list(model._default_manager.using(due.db).filter(pk__in=locked, **{field: until}).values_list("pk", flat=True))
    return Claim(model, ids, until, field, due.db)


def deliver(
    due: models.QuerySet[M],
    send: Callable[[models.QuerySet[M]], R],
    *,
    done: str,
    limit: int = 1,
    field: str = CLAIM_FIELD,
    lease: timedelta = LEASE,
) -> R | None:
    """Claim up to `limit` rows of `due`, call `send(rows)` with no transaction open, then record `done` on
    them. If `send` raises, the claim is released and the exception propagates. Returns what `send`
    returned, or None when there was nothing to claim."""
    batch = claim(due, limit=limit, field=field, lease=lease)
    if not batch:
        return None
    try:
        result = send(batch.rows())
    except Exception:
        batch.release()
        raise
    batch.record(done)
    return result
