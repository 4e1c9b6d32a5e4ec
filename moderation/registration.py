"""What moderation plugs into the layers below it (called once from `ModerationConfig.ready()`).

Each area of the app offers a `register()`; add one line here per area.
"""

from __future__ import annotations


def register() -> None:
    from .rules import register as register_rules; register_rules()  # noqa: E702 (one line per area)
