"""What the rewards app plugs into the rest of the portal (called from `RewardsConfig.ready()`): each area
registers its own event subscriptions, privilege providers, page sections and audit actions."""

from __future__ import annotations


def register() -> None:
    from . import badges, catalogue, handlers, privileges, profiles, rollup, superusers

    handlers.register()  # community events → reputation ledger (first: badges and ranks follow the ledger)
    privileges.register()
    badges.register()
    superusers.register()
    catalogue.register()
    profiles.register()
    rollup.connect()
