"""Who may do what with support cases. Services call these; templates get precomputed booleans.

- Agents (the "Support agents" group's `moderation.work_cases`, or a superuser; staff need two-factor like
  every staff role) work cases in the Wagtail admin.
- Supervisors (`moderation.supervise_cases`) also see every agent's load and breaches.
- Moderators and agents escalate a question by hand.
- A customer sees only their own cases (anyone else gets a 404, never a hint that the case exists).
"""

from __future__ import annotations

from typing import Any

from community import permissions as community_permissions

User = Any


def _staff_ok(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and community_permissions.staff_two_factor_ok(user))


def is_agent(user: User) -> bool:
    return _staff_ok(user) and (user.is_superuser or user.has_perm("moderation.work_cases"))


def is_supervisor(user: User) -> bool:
    return _staff_ok(user) and (user.is_superuser or user.has_perm("moderation.supervise_cases"))


def can_escalate(user: User) -> bool:
    return is_agent(user) or community_permissions.is_moderator(user)


def can_work_case(user: User, case: Any = None) -> bool:
    return is_agent(user)


def can_view_own_case(user: User, case: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and case.customer_id == user.pk)
