"""Background work of the webhooks: one task per delivery row (it takes the row's primary key)."""

from __future__ import annotations

from django_tasks import task

from . import delivery


@task()
def deliver_webhook(delivery_id: int) -> bool:
    """Attempt one delivery if it is due and nobody else holds it; True when the receiver took it (2xx)."""
    row = delivery.deliver(delivery_id)
    return bool(row and row.delivered_at)
