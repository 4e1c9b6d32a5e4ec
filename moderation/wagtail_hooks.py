"""Moderation in the Wagtail admin: each area's admin module registers its hooks when imported here."""

from __future__ import annotations

from .queue import admin as _queue_admin  # noqa: F401  (the "Moderation" menu, review queue, moderation log)
from .rules import admin as _rules_admin  # noqa: F401
from .superusers import admin as _superusers_admin  # noqa: F401  (Superusers: candidates, grant, revoke)
from .webhooks import admin as _webhooks_admin  # noqa: F401  (Webhooks: endpoints, secrets, delivery log)
