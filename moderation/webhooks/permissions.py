"""Who manages webhooks: superusers, or staff with `moderation.change_webhookendpoint` (both with two-factor,
like every staff role). Endpoints carry secrets and send case data off-site, so no other role sees them."""

from __future__ import annotations

from typing import Any

from community import permissions as community_permissions


def can_manage_webhooks(user: Any) -> bool:
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if not community_permissions.staff_two_factor_ok(user):
        return False
    return bool(user.is_superuser or user.has_perm("moderation.change_webhookendpoint"))
