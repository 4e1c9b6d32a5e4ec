"""Background work of the community app. Tasks take primary keys and are enqueued in `on_commit`."""

from __future__ import annotations

from django_tasks import task

from .notify import dispatch


@task()
def fan_out(event: str, object_id: int, actor_id: int | None = None) -> None:
    """Create the notifications one community event causes (and queue their emails)."""
    dispatch(event, object_id, actor_id)
