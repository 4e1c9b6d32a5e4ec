"""Who may do what in moderation. Services call these; templates get precomputed booleans.

Members (verified, not barred from flagging by a sanction) flag posts they can see and did not write.
Moderators (community's moderator rule: the role and, where staff must have it, two-factor) review the
queue, act on posts and authors, curate, and decide appeals.
"""

from __future__ import annotations

from typing import Any

from community import permissions as community_permissions
from community.standing import standing

User = Any


def is_moderator(user: User) -> bool:
    return community_permissions.is_moderator(user)


def can_flag(user: User, post: Any) -> bool:
    """A verified member, not barred from flagging, on a published post they can see and did not write."""
    member = standing(user)
    return (
        member.verified
        and member.allows("flag")
        and post.author_id != user.pk
        and community_permissions.is_live(post)
    )


def can_review(user: User) -> bool:
    """Open the review queue and act on its items."""
    return is_moderator(user)


def can_sanction(user: User, member: Any) -> bool:
    """Warn, silence, suspend or ban a member: moderators, never themselves nor another moderator
    (that is an admin's job in the Wagtail admin's user screens)."""
    if not is_moderator(user) or member is None or member.pk == user.pk:
        return False
    return not (member.is_superuser or community_permissions.holds_moderator_role(member))


def can_curate(user: User) -> bool:
    """Recommend, feature, pin, lock, close as duplicate, merge, move, turn into an article."""
    return is_moderator(user)


def can_appeal(user: User, subject_member_id: int) -> bool:
    """A member appeals decisions about their own posts and account (once each; the service checks that)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.pk == subject_member_id)
