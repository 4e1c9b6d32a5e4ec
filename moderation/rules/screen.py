"""The `prepublish_rules` screen: what every new post (and every author's edit) passes before it is written."""

from __future__ import annotations

from community.screening import Draft, Verdict

from ..models import Rule
from ..permissions import is_moderator
from . import engine

SCREEN_NAME = "prepublish_rules"


def screen_draft(draft: Draft) -> Verdict | None:
    """The rules' verdict on `draft` (`None`: publish). Moderators' posts are never screened."""
    snapshot = engine.active_rules()
    rules = [rule for rule in snapshot.rules if rule.applies(draft)]
    if not rules or is_moderator(draft.author):
        return None
    posts_cap = max((rule.number or 0 for rule in rules if rule.kind == Rule.Kind.FIRST_POSTS), default=0)
    member = engine.Member(draft.author, posts_cap=max(posts_cap, engine.NEW_MEMBER_POSTS))
    subject = engine.Subject(draft, member, blocked=snapshot.blocked, keywords=snapshot.keywords)
    verdict, _hits = engine.evaluate(rules, subject)
    return verdict
