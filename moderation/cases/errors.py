"""Refusals from the case services: moderation's error types (views and forms handle them the same way)."""

from __future__ import annotations

from moderation.errors import AlreadyHandled, ModerationError, PermissionRefused

__all__ = ["AlreadyHandled", "CaseError", "PermissionRefused"]


class CaseError(ModerationError):
    """A refused case action (bad input, wrong state); `field` names the form field at fault."""
