"""What moderation plugs into the layers below it (called once from `ModerationConfig.ready()`).

Each area of the app offers a `register()`; add one line here per area.
"""

from __future__ import annotations


def register() -> None:
    from . import curation

    curation.register()
