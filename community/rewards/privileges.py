"""(to be written: see /work/wt/INTERFACES.md)"""

from __future__ import annotations


def register() -> None:
    """Subscriptions and registrations of this area (called from `registration.register()`)."""
