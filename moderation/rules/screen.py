"""The `prepublish_rules` screen: what every new post (and every author's edit) passes before it is written."""

from __future__ import annotations

from community.screening import Draft, Verdict

from ..permissions import is_moderator
from . import engine

SCREEN_NAME = "prepublish_rules"


def screen_draft(draft: Draft) -> Verdict | None:
    """The rules' verdict on `draft` (`None`: publish). Moderators' posts are never screened."""
    snapshot = engine.active_rules()
    rules = [rule for rule in snapshot.rules if rule.applies(draft)]
    if not rules or is_moderator(draft.author):
        return None
    subject = engine.Subject(draft, engine.Member(draft.author), blocked=snapshot.blocked)
    verdict, _hits = engine.evaluate(rules, subject)
    return verdict
