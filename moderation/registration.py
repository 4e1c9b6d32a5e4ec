"""What moderation plugs into the layers below it (called once from `ModerationConfig.ready()`).

Each area of the app offers a `register()`; add one line here per area.
"""

from __future__ import annotations

from . import rules


def register() -> None:
    from . import flags

    flags.register()  # flags and the review queue: item actions, held posts, audit actions, post tool slots
    rules.register()
    from . import appeals, sanctions

    sanctions.register()  # audit actions; the restriction provider (every write path) and the profile form's
    appeals.register()  # audit actions; the "Moderation actions" link on the member's own profile
    sanctions.register_item_actions()  # warn, silence, suspend, ban in the review queue
    appeals.register_item_actions()  # grant or deny an appeal
    from . import curation

    curation.register()
    from . import lift

    lift.register()  # "Turn into a help article" on answers (the answer_in_article badge follows publication)
    from .cases import registration as cases

    cases.register()  # support cases: escalation, workspace, customer pages, surveys
    from . import escalation_hooks

    escalation_hooks.register()  # support cases: "needs staff help" flags, the queue's "Escalate", question page
    from .webhooks import registration as webhooks

    webhooks.register()  # outbound webhooks on case events
