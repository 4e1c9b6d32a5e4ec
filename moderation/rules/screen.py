"""The `prepublish_rules` screen: what every new post (and every author's edit) passes before it is written."""

from __future__ import annotations

from community.screening import Draft, Verdict

from ..models import Rule
from ..permissions import is_moderator
from . import engine

SCREEN_NAME = "prepublish_rules"


def screen_draft(draft: Draft) -> Verdict | None:
    """The rules' verdict on `draft` (`None`: publish). Moderators' posts are never screened: whether the
    author is one is asked only when a rule fired (most posts pass, and spare the query)."""
    snapshot = engine.active_rules()
    rules = [rule for rule in snapshot.rules if rule.applies(draft)]
    if not rules:
        return None
    posts_cap = max((rule.number or 0 for rule in rules if rule.kind == Rule.Kind.FIRST_POSTS), default=0)
    subject = engine.Subject(
        draft, engine.Member(draft.author, posts_cap=max(posts_cap, engine.NEW_MEMBER_POSTS)),
        blocked=snapshot.blocked, keywords=snapshot.keywords,
        wants_same_text=any(rule.kind == Rule.Kind.SPAM_SCORE for rule in rules),
    )
    verdict, _hits = engine.evaluate(rules, subject)
    if verdict is None or is_moderator(draft.author):
        return None
    return verdict
