"""Screening a new post before it is written: the seam through which pre-publish rules act.

`community` does not know any rule. A higher app (moderation's pre-publish rules) registers a screen with
`register_screen(fn)`; the posting services call `screen(draft)` after the post's own validation and
before the transaction, and:

- `reject`: nothing is written; the author sees `message` (on the body field);
- `hold`: the post is written as `pending` (only its author and moderators see it, marked "waiting for
  review" with `message` as the reason), not counted, not announced; the creation event carries
  `held_by` so the review queue can list it;
- `publish`: as before.

The most severe verdict of all screens wins (reject > hold > publish); their reasons are combined.
A screen must never raise for the author's text: a failing screen is logged and its post held.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

Action = Literal["publish", "hold", "reject"]
SEVERITY: dict[str, int] = {"publish": 0, "hold": 1, "reject": 2}


@dataclass(frozen=True)
class Draft:
    """A post about to be written (validated text, not yet saved)."""

    kind: str  # "question", "answer" or "comment"
    author: Any
    body: str
    title: str = ""
    language: str = "en"
    topic_id: int | None = None
    question_id: int | None = None  # the thread an answer or comment goes into


@dataclass(frozen=True)
class Verdict:
    action: Action = "publish"
    message: str = ""  # reject: why, shown to the author; hold: the reason the author sees
    reasons: tuple[str, ...] = field(default_factory=tuple)  # for moderators: which rules or signals fired

    @property
    def held(self) -> bool:
        return self.action == "hold"

    @property
    def rejected(self) -> bool:
        return self.action == "reject"


PUBLISH = Verdict()
Screen = Callable[[Draft], "Verdict | None"]
_screens: dict[str, Screen] = {}


def register_screen(name: str, fn: Screen) -> None:
    """Register (or replace) the screen called `name`."""
    _screens[name] = fn


def unregister_screen(name: str) -> None:
    _screens.pop(name, None)


def screen(draft: Draft) -> Verdict:
    """Run every registered screen and combine their verdicts."""
    verdicts: list[Verdict] = []
    for name, fn in list(_screens.items()):
        try:
            verdict = fn(draft)
        except Exception:  # a broken rule must not lose the post, nor publish it unchecked
            logger.exception("screen %s failed; holding the post for review", name)
            verdict = Verdict("hold", _("Your post will appear once a moderator has looked at it."), (f"{name}: error",))
        if verdict is not None and verdict.action != "publish":
            verdicts.append(verdict)
    if not verdicts:
        return PUBLISH
    worst = max(verdicts, key=lambda verdict: SEVERITY[verdict.action])
    reasons = tuple(reason for verdict in verdicts for reason in verdict.reasons)
    return Verdict(worst.action, worst.message, reasons)
