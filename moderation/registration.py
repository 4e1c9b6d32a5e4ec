"""What moderation plugs into the layers below it (called once from `ModerationConfig.ready()`).

Each area of the app offers a `register()`; add one line here per area.
"""

from __future__ import annotations


def register() -> None:
    from . import appeals, sanctions

    sanctions.register()  # audit actions; the restriction provider (every write path) and the profile form's
    appeals.register()  # audit actions; the "Moderation actions" link on the member's own profile
    # With the review queue (moderation.review): sanctions.register_item_actions(); appeals.register_item_actions()
