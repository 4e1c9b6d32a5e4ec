"""What webhooks plug in (called once from `moderation.registration.register()`)."""

from __future__ import annotations


def register() -> None:
    pass  # the webhooks helper subscribes to moderation.cases.events here
