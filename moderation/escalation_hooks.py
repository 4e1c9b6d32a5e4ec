"""Where the review queue meets support cases (a module of its own: `moderation.cases` must not import
`moderation.review` or `moderation.models`, which import the cases' models — the app's modules stay acyclic).

- An upheld "needs staff help" flag opens a case (`review.on_flags_upheld`).
- The review queue's item action "escalate" ("Escalate to support", a reason required).
- The question page: moderators' "Escalate" in the question's tool row, and the per-request support panel
  under the page (the asker's "I still need help"; agents' "Escalate").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from portal import extensions

from . import review
from .cases.errors import CaseError
from .cases.escalation import escalate, open_case
from .cases.models import EscalationReason
from .models import Flag, FlagReason


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def flags_upheld(item: Any, flags: list, user: Any, now: datetime) -> None:
    """An upheld "needs staff help" flag opens a case (a question that cannot be escalated — hidden,
    deleted — is left alone: the moderator's action still stands)."""
    if not any(flag.reason == FlagReason.NEEDS_STAFF for flag in flags):
        return
    question_id = item.question_id or flags[0].question_id
    user = _user(user)
    try:
        with transaction.atomic():
            open_case(question_id, reason=EscalationReason.STAFF_FLAG, user=user, now=now, audit=user is not None)
    except CaseError:
        pass


def escalate_item(user: Any, item: Any, post: Any, reason: str, params: dict) -> None:
    """Review queue action "Escalate to support" (reason required): a staff-flag case when the item has an
    open "needs staff help" flag, else a manual escalation."""
    if post is None:
        raise CaseError(_("This post no longer exists. Dismiss the item instead."))
    staff_flag = item.flags.filter(state=Flag.State.OPEN, reason=FlagReason.NEEDS_STAFF).exists()
    escalate(
        review.question_of(post), reason=EscalationReason.STAFF_FLAG if staff_flag else EscalationReason.MANUAL,
        actor=user, detail=reason,
    )


def register() -> None:
    review.on_flags_upheld(flags_upheld)
    review.register_item_action(
        "escalate", escalate_item, needs=("reason",),
        label=pgettext_lazy("audit log", "Escalate to support (review queue)"),
        message=pgettext_lazy("audit log", "Escalated to support from the review queue"),
    )
    extensions.register_template_slot(
        "community.post_tools", "cases_escalate", "moderation/cases/escalate_post_tools.html", order=60
    )
    extensions.register_template_slot("community.question_page", "cases_support", "moderation/cases/escalate_panel.html")
