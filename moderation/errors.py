"""Moderation's refusals: community's error types, so views and forms handle both the same way."""

from __future__ import annotations

from community.services import CommunityError, PermissionRefused

__all__ = ["AlreadyHandled", "CommunityError", "ModerationError", "PermissionRefused", "SelfReview"]


class ModerationError(CommunityError):
    """A refused moderation action (bad input, wrong state); `field` names the form field at fault."""


class AlreadyHandled(ModerationError):
    """Another moderator acted on this item first: nothing was written, the item's current state is shown."""

    def __init__(self, message: str):
        super().__init__(message, status=409)


class SelfReview(PermissionRefused):
    """A moderator asked to decide an appeal against their own decision: another moderator must (403)."""
