"""What support cases plug in (called once from `moderation.registration.register()`).
Each area of the package adds one line here."""

from __future__ import annotations


def register() -> None:
    from . import timeline

    timeline.register()  # audit actions cases.*
