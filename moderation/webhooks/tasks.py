"""Background work of the webhooks: one task per delivery row (it takes the row's primary key)."""

from __future__ import annotations

import logging

from django_tasks import task

from . import delivery

logger = logging.getLogger(__name__)


@task()
def deliver_webhook(delivery_id: int) -> bool:
    """Attempt one delivery if it is due and nobody else holds it; True when the receiver took it (2xx)."""
    row = delivery.deliver(delivery_id)
    return bool(row and row.delivered_at)


def enqueue(ids: list[int]) -> None:
    """One task per delivery row (after the rows committed); a row whose task cannot be queued is sent by
    `manage.py deliver_webhooks`."""
    for pk in ids:
        try:
            deliver_webhook.enqueue(pk)
        except Exception:
            logger.exception("could not enqueue webhook delivery %s", pk)
