"""What the rewards app plugs into the rest of the portal (called from `RewardsConfig.ready()`)."""

from __future__ import annotations


def register() -> None:
    from . import handlers

    handlers.register()
