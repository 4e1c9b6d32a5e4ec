"""What moderation plugs into the layers below it (called once from `ModerationConfig.ready()`).

Each area of the app offers a `register()`; add one line here per area.
"""

from __future__ import annotations

from . import rules


def register() -> None:
    from . import flags

    flags.register()  # flags and the review queue: item actions, held posts, audit actions, post tool slots
    rules.register()
