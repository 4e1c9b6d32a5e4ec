"""Who may manage pre-publish rules: admins (superusers) and staff given the rule permissions (the
"Moderators" group has them, see migration `rules_moderator_permissions`) — in the Wagtail admin, whose
two-factor rule applies to them."""

from __future__ import annotations

from typing import Any


def can_manage_rules(user: Any, verb: str = "change") -> bool:
    """`verb` is "add", "change", "delete" or "view"."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(f"moderation.{verb}_rule"))
