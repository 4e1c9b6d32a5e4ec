"""Privileges earned by reputation, and the rights of superusers.

- Thresholds: `RewardsSettings` (a preset sets all nine at once) → `community.standing` through
  `register_threshold_provider`. Read from the shared cache (no query per request); saving `RewardsSettings`
  drops the cached copy (post_save).
- Superuser rights: `Profile.rank == "superuser"` → "edit_others", "retag", "close_duplicate",
  "accept_silent" whatever the member's reputation (`register_privilege_provider`).
- `privilege_rows(user)`: what the "what you can do next" page shows (each privilege, its threshold, met or
  how many points to go).

The permission functions themselves live in `community.permissions` (they never import this app).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from portal import stamps
from portal.models import Rank

CACHE_KEY = "rewards:privilege-thresholds"
CACHE_SECONDS = 300
SILENT_DAYS_KEY = "_accept_silent_days"

SUPERUSER_RIGHTS = ("edit_others", "retag", "close_duplicate", "accept_silent")

# Each privilege, as the "what you can do next" page names and explains it (order: the settings' order).
LABELS: dict[str, tuple[Any, Any]] = {
    "upvote": (_("Upvote"), _("Vote up questions and answers that are useful.")),
    "comment_everywhere": (
        _("Comment everywhere"),
        _("Comment on any post (you can always comment on your own posts and on answers to your questions)."),
    ),
    "downvote": (_("Downvote"), _("Vote down posts that are wrong or unhelpful (costs you 1 point on answers).")),
    "create_tag": (_("Create tags"), _("Add a new tag when no existing tag fits your question.")),
    "flag_weight": (_("Flag with more weight"), _("Your flags count for more when the post is weighed for review.")),
    "edit_others": (_("Edit others' posts"), _("Improve any question or answer; every edit is kept in its history.")),
    "retag": (_("Retag questions"), _("Change the tags of anyone's question.")),
    "close_duplicate": (
        _("Vote to close as duplicate"),
        _("Vote to close a question that already has an answer elsewhere; three votes close it."),
    ),
    "view_queue": (_("See the moderation queue"), _("Read what is waiting for review by the moderators (read only).")),
}


def thresholds() -> dict[str, int]:
    """The nine thresholds from the settings (cached; one query when the cache is cold)."""
    key = f"{CACHE_KEY}:{stamps.read(CACHE_KEY)}"
    values = cache.get(key)
    if values is None:
        from .models import RewardsSettings

        conf = RewardsSettings.objects.first() or RewardsSettings()  # a read never creates the row
        values = {**conf.thresholds(), SILENT_DAYS_KEY: conf.superuser_accept_after_days}
        cache.set(key, values, CACHE_SECONDS)
    return dict(values)


def privilege_thresholds() -> dict[str, int]:
    """The threshold provider registered with `community.standing`: the nine privileges only."""
    return {name: value for name, value in thresholds().items() if name != SILENT_DAYS_KEY}


def forget_thresholds() -> None:
    stamps.bump(CACHE_KEY)  # every process's cached copy is left behind


def _forget() -> None:
    from .conf import forget_settings

    forget_thresholds()
    forget_settings()


def _settings_saved(sender: Any, **kwargs: Any) -> None:
    from django.db import transaction

    from .ledger import rerank

    _forget()
    transaction.on_commit(_forget)  # a reader between the save and the commit must not keep old values
    instance = kwargs.get("instance")
    if instance is not None:
        rerank(instance)  # the rank thresholds may have moved: every member's rank follows (4 UPDATEs)


def accept_silent_days() -> int:
    """`RewardsSettings.superuser_accept_after_days` (cached with the thresholds)."""
    days = thresholds().get(SILENT_DAYS_KEY)
    return days if days is not None else 14


def superuser_rights(user: Any) -> list[str]:
    """A superuser's rights (no query: the profile is the one the standing reads its reputation from)."""
    profile = getattr(user, "profile", None)
    return list(SUPERUSER_RIGHTS) if profile is not None and profile.rank == Rank.SUPERUSER else []


@dataclass(frozen=True)
class PrivilegeRow:
    code: str
    label: Any
    description: Any
    threshold: int
    met: bool  # earned by reputation, or granted (superuser) or held as a moderator
    granted: bool  # held whatever the reputation (superuser rights, moderators)
    to_go: int  # reputation still needed (0 when met)
    percent: int  # progress towards the threshold, 0..100


def privilege_rows(user: Any) -> list[PrivilegeRow]:
    """Each privilege with its threshold and the member's progress (for an anonymous visitor: thresholds only,
    nothing met)."""
    from community.standing import standing

    member = standing(user)
    reputation = member.reputation
    limits = member.thresholds
    rows = []
    for code, (label, description) in LABELS.items():
        threshold = limits.get(code, 0)
        earned = member.earned(code)
        met = member.has_privilege(code)
        to_go = 0 if met else max(0, threshold - reputation)
        percent = 100 if met or threshold <= 0 else max(0, min(100, reputation * 100 // threshold))
        rows.append(PrivilegeRow(code, label, description, threshold, met, met and not earned, to_go, percent))
    return rows


def register() -> None:
    from django.db.models.signals import post_save

    from community.standing import (
        register_accept_silent_days,
        register_privilege_provider,
        register_threshold_provider,
    )

    from .models import RewardsSettings

    post_save.connect(_settings_saved, sender=RewardsSettings, dispatch_uid="rewards-privilege-thresholds")
    register_threshold_provider(privilege_thresholds)
    register_privilege_provider(superuser_rights)
    register_accept_silent_days(accept_silent_days)
