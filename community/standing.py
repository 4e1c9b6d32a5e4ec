"""A member's standing: the one place permission functions ask "may this member do that at all?".

`standing(user)` answers, once per request (cached on the user object, each fact computed only when
asked):

- who they are: signed in, active, verified email address, moderator (role + two-factor);
- restrictions: actions a member may not take right now ("post", "vote", "comment", "edit", "flag", ...).
  Apps that restrict members register a provider with `register_restriction_provider` (moderation's
  sanctions); the permission functions never change for it. A provider yields action names, or
  `Restriction`s that also say why (the message a refused member reads, naming the measure and its end)
  and carry a `key` that changes with the restriction (for per-member cache keys: a cached view state
  must never outlive a new sanction). Providers run once per request (cached on the standing object,
  never in a shared cache);
- privileges: named abilities earned by reputation or granted by a registered provider (superuser rights)
  — `has_privilege("create_tag")`. The reputation each one needs comes from registered threshold
  providers (`register_threshold_provider`: the rewards app's `RewardsSettings`), read once per standing;
  a privilege no provider names is held by nobody but moderators and grantees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db.models import Q

from portal.permissions import has_two_factor

MODERATE_PERMISSION = "community.moderate_posts"


@dataclass(frozen=True)
class Restriction:
    """Why a member is barred from `actions`: `message` (translated when shown, so a lazy string) names the
    measure, its end and its reason; `key` identifies it (changes when it is imposed, lifted or ends);
    `url` is where the member reads more about it (and appeals)."""

    actions: frozenset[str]
    message: Any
    key: str
    url: str = ""


RestrictionProvider = Callable[[Any], Iterable["str | Restriction"]]
PrivilegeProvider = Callable[[Any], Iterable[str]]
ThresholdProvider = Callable[[], Mapping[str, int]]

_restriction_providers: list[RestrictionProvider] = []
_privilege_providers: list[PrivilegeProvider] = []
_threshold_providers: list[ThresholdProvider] = []


def register_restriction_provider(provider: RestrictionProvider) -> None:
    """`provider(user)` returns the actions the member is currently barred from (e.g. an active sanction):
    action names, or `Restriction`s (actions with the reason shown to the member)."""
    if provider not in _restriction_providers:
        _restriction_providers.append(provider)


def register_privilege_provider(provider: PrivilegeProvider) -> None:
    """`provider(user)` returns privileges granted to the member whatever their reputation."""
    if provider not in _privilege_providers:
        _privilege_providers.append(provider)


def register_threshold_provider(provider: ThresholdProvider) -> None:
    """`provider()` returns {privilege: reputation needed}; a later provider overrides an earlier one."""
    if provider not in _threshold_providers:
        _threshold_providers.append(provider)


def privilege_thresholds() -> dict[str, int]:
    """Reputation each privilege needs: the `COMMUNITY_CREATE_TAG_REPUTATION` setting for "create_tag" (the
    fallback without providers), then every registered provider in order."""
    thresholds = {"create_tag": settings.COMMUNITY_CREATE_TAG_REPUTATION}
    for provider in _threshold_providers:
        thresholds.update(provider())
    return thresholds


@contextmanager
def thresholds_overridden(values: dict[str, int]) -> Iterator[None]:
    """Inside the block, `values` override the registered thresholds (the demo loader replays history with
    the privileges its members had earned at the time; tests)."""
    provider = lambda: values  # noqa: E731
    _threshold_providers.append(provider)
    try:
        yield
    finally:
        _threshold_providers.remove(provider)


ACCEPT_SILENT_DAYS = 14
_accept_silent_days: list[Callable[[], int]] = []


def register_accept_silent_days(provider: Callable[[], int]) -> None:
    """`provider()` returns after how many days of silence from an asker a member with "accept_silent"
    (superusers) may accept an answer for them (the last registered wins; `ACCEPT_SILENT_DAYS` without)."""
    if provider not in _accept_silent_days:
        _accept_silent_days.append(provider)


def accept_silent_days() -> int:
    return _accept_silent_days[-1]() if _accept_silent_days else ACCEPT_SILENT_DAYS


class Standing:
    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def active(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False) and self.user.is_active)

    @cached_property
    def verified(self) -> bool:
        return self.active and EmailAddress.objects.filter(user=self.user, verified=True).exists()

    @cached_property
    def holds_moderator_role(self) -> bool:
        if not self.active:
            return False
        if self.user.is_superuser:
            return True
        app_label, codename = MODERATE_PERMISSION.split(".")
        return (  # one query (has_perm would load every permission of the member: two)
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            .filter(Q(user=self.user) | Q(group__user=self.user))
            .exists()
        )

    @cached_property
    def two_factor_ok(self) -> bool:
        """The admin's two-factor rule for staff, applied to staff capabilities on the public site."""
        return not settings.PORTAL_STAFF_REQUIRE_2FA or has_two_factor(self.user)

    @property
    def moderator(self) -> bool:
        return self.holds_moderator_role and self.two_factor_ok

    @property
    def reputation(self) -> int:  # not cached: the profile row is (Django caches the relation on the user)
        profile = getattr(self.user, "profile", None) if self.active else None
        return profile.reputation if profile else 0

    @cached_property
    def _restriction_entries(self) -> tuple[str | Restriction, ...]:
        """What every provider returned, asked once for this standing (one request)."""
        if not self.active or not _restriction_providers:
            return ()
        return tuple(entry for provider in _restriction_providers for entry in provider(self.user))

    @cached_property
    def restrictions(self) -> frozenset[str]:
        actions: set[str] = set()
        for entry in self._restriction_entries:
            actions.update(entry.actions if isinstance(entry, Restriction) else (entry,))
        return frozenset(actions)

    @property
    def restriction_key(self) -> str:
        """Names the restrictions in force ("" when none): part of the cache keys of per-member state."""
        return ",".join(sorted(entry.key for entry in self._restriction_entries if isinstance(entry, Restriction)))

    def allows(self, action: str) -> bool:
        """Not barred from `action` (moderators are never barred by a restriction provider)."""
        return self.active and (action not in self.restrictions or self.moderator)

    def restriction_for(self, action: str) -> Restriction | None:
        """The restriction that bars `action` and says why (None when allowed, or barred without a reason)."""
        if self.allows(action) or not self.active:
            return None
        for entry in self._restriction_entries:
            if isinstance(entry, Restriction) and action in entry.actions:
                return entry
        return None

    @cached_property
    def granted(self) -> frozenset[str]:
        if not self.active or not _privilege_providers:
            return frozenset()
        return frozenset(name for provider in _privilege_providers for name in provider(self.user))

    @cached_property
    def thresholds(self) -> dict[str, int]:
        """`privilege_thresholds()`, asked once for this standing (one request)."""
        return privilege_thresholds()

    def has_privilege(self, name: str) -> bool:
        if not self.verified:
            return False
        if {"holds_moderator_role", "two_factor_ok"} <= self.__dict__.keys() and self.moderator:
            return True  # already known to be a moderator: no need to read the reputation
        threshold = self.thresholds.get(name)  # reputation first: no role query for a member who earned it
        if threshold is not None and self.reputation >= threshold:
            return True
        return name in self.granted or self.moderator

    def earned(self, name: str) -> bool:
        """Held through reputation alone (not granted, not as a moderator)."""
        threshold = self.thresholds.get(name)
        return self.verified and threshold is not None and self.reputation >= threshold


def standing(user: Any) -> Standing:
    """The member's standing for this request (cached on the user object)."""
    if user is None:
        return Standing(None)
    cached = getattr(user, "_community_standing", None)
    if cached is None or cached.user is not user:
        cached = Standing(user)
        try:
            user._community_standing = cached
        except AttributeError:  # AnonymousUser and other slotted objects: computed each time (no queries)
            pass
    return cached


def restriction_for(user: Any, action: str) -> Restriction | None:
    return standing(user).restriction_for(action)


def refusal(user: Any, action: str) -> str | None:
    """The message for a member refused `action` by a restriction (naming the measure, its end and its
    reason), or None when no restriction bars it — services raise it instead of their generic refusal."""
    restriction = standing(user).restriction_for(action)
    return str(restriction.message) if restriction is not None else None


def forget(user: Any) -> None:
    """Drop the cached standing (after a change to the member's address, role or sanctions)."""
    if user is not None and hasattr(user, "_community_standing"):
        del user._community_standing
