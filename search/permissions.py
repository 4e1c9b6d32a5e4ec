"""Who may do what in search: editors (the "Content editors" and "Moderators" groups, see migration
`0005_synonym_groups`) and admins manage the synonym groups."""

from __future__ import annotations

from typing import Any


def can_manage_synonyms(user: Any, verb: str = "change") -> bool:
    """`verb` is "add", "change", "delete" or "view"."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(f"search.{verb}_synonymgroup"))
