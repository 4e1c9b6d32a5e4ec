"""The Superuser programme: moderators and admins grant or revoke the Superuser rank, with a reason.

- `grant_superuser(actor, member, reason)` / `revoke_superuser(actor, member, reason)`: moderators
  (`community.permissions.is_moderator`) and Wagtail admins (`is_superuser`) only; a reason is required;
  a member under a moderation measure (silenced, suspended, banned) or already a Superuser cannot be
  granted, a member who is not one cannot be revoked — each refusal a clear message with nothing written.
- Both set `Profile.rank` (a revoke goes back to the rank the member's reputation earns), write or close the
  `SuperuserNomination` (one active per member, a unique constraint), append an audit entry on the member
  (`rewards.superuser.grant` / `.revoke`), notify the member (`Notification.Kind.REWARDS`) and publish
  `SuperuserChanged` (and `RankChanged`) inside the transaction.

The moderators' screen that calls these lives in `moderation/superusers/` (candidates, forms, the list).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from community.permissions import is_moderator
from community.services.base import CommunityError, PermissionRefused, clean_reason
from community.standing import forget, standing
from portal import audit
from portal.events import publish
from portal.models import Notification, Profile, Rank
from portal.notifications import Message, notify
from portal.timezones import reading

from .conf import rewards_settings
from .events import RankChanged, SuperuserChanged
from .models import SuperuserNomination

AUDIT_ACTIONS = {
    "rewards.superuser.grant": (
        pgettext_lazy("audit log", "Grant Superuser"), pgettext_lazy("audit log", "Superuser granted"),
    ),
    "rewards.superuser.revoke": (
        pgettext_lazy("audit log", "Revoke Superuser"), pgettext_lazy("audit log", "Superuser revoked"),
    ),
}


class SuperuserError(CommunityError):
    """A refused grant or revoke (the message says why; nothing was written)."""


def can_manage_superusers(user: Any) -> bool:
    """Grant and revoke Superuser, see the candidates: moderators (role + two-factor) and Wagtail admins."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or is_moderator(user)


def _name(member: Any) -> str:
    profile = getattr(member, "profile", None)
    return getattr(profile, "name", "") or member.get_username()


def _reason(reason: str) -> str:
    reason = clean_reason(reason)  # spaces collapsed, at most 500 characters (a clear message otherwise)
    if not reason:
        raise SuperuserError(_("Please give a reason: the member will read it."), field="reason")
    return reason


def _check_actor(actor: Any, member: Any) -> None:
    if not can_manage_superusers(actor):
        raise PermissionRefused(_("Only moderators and administrators can grant or revoke Superuser."))
    if member is None or member.pk is None:
        raise SuperuserError(_("Please choose a member."), field="member")


def active_nomination(member: Any) -> SuperuserNomination | None:
    return SuperuserNomination.objects.filter(user=member, revoked_at__isnull=True).first()


def _profile_url(member: Any) -> str:
    try:
        return reverse("member_profile", args=[member.get_username()])
    except NoReverseMatch:  # pragma: no cover - the URL is part of the portal's public URLs
        return "/"


def _notify(member: Any, language: str, key: str, title, reason: str) -> None:
    language = language or "en"
    with reading(language):
        message = Message(
            kind=Notification.Kind.REWARDS, dedupe_key=key, title=str(title), url=_profile_url(member),
            excerpt=_("Reason: %(reason)s") % {"reason": reason}, language=language,
        )
    notify({member.pk: message})


def _lock_profile(member: Any) -> Profile:
    profile = Profile.objects.select_for_update().filter(user_id=member.pk).first()
    if profile is None:  # a member without a profile row yet (created on first use, like the ledger does)
        Profile.objects.get_or_create(user_id=member.pk)
        profile = Profile.objects.select_for_update().get(user_id=member.pk)
    return profile


def _refresh_cached_rank(member: Any, rank: str) -> None:
    cached = member._state.fields_cache.get("profile")  # the caller's loaded profile, if any (no query)
    if cached is not None:
        cached.rank = rank


def grant_superuser(actor: Any, member: Any, reason: str) -> SuperuserNomination:
    """Make `member` a Superuser. Refused (nothing written): not a moderator/admin, no reason, an inactive
    account, a member under a moderation measure, a member who already is a Superuser."""
    _check_actor(actor, member)
    reason = _reason(reason)
    if not member.is_active:
        raise SuperuserError(_("This account is deactivated: it cannot be made a Superuser."), field="member")
    already = _("%(name)s is already a Superuser.") % {"name": _name(member)}
    with transaction.atomic():
        # the member row lock: one decision at a time, and serialised with sanctions (which take it too)
        get_user_model().objects.select_for_update().filter(pk=member.pk).exists()
        forget(member)  # the sanctions as they are now that we hold the lock, not as cached earlier
        if standing(member).restrictions:
            raise SuperuserError(
                _("%(name)s is silenced, suspended or banned: lift the measure before granting Superuser.")
                % {"name": _name(member)},
                field="member",
            )
        profile = _lock_profile(member)
        if active_nomination(member) is not None:
            raise SuperuserError(already, field="member")
        try:
            with transaction.atomic():
                nomination = SuperuserNomination.objects.create(
                    user_id=member.pk, reason=reason, granted_by=actor, granted_at=timezone.now(),
                )
        except IntegrityError:  # a concurrent grant won the race (the unique constraint): same answer
            raise SuperuserError(already, field="member") from None
        before = profile.rank
        Profile.objects.filter(pk=profile.pk).update(rank=Rank.SUPERUSER)
        audit.record(actor, "rewards.superuser.grant", member, before={"rank": before}, after={"rank": Rank.SUPERUSER},
                     reason=reason)
        _notify(member, profile.language, f"superuser:grant:{nomination.pk}",
                gettext_lazy("You are now a Superuser: thank you for helping the community"), reason)
        publish(SuperuserChanged(user_id=member.pk, granted=True, actor_id=actor.pk, reason=reason))
        if before != Rank.SUPERUSER:
            publish(RankChanged(user_id=member.pk, from_rank=before, to_rank=Rank.SUPERUSER))
    _refresh_cached_rank(member, Rank.SUPERUSER)
    return nomination


def revoke_superuser(actor: Any, member: Any, reason: str) -> SuperuserNomination:
    """End `member`'s Superuser rank: back to the rank their reputation earns. Refused (nothing written):
    not a moderator/admin, no reason, a member who is not a Superuser."""
    _check_actor(actor, member)
    reason = _reason(reason)
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=member.pk).exists()
        profile = _lock_profile(member)
        nomination = SuperuserNomination.objects.select_for_update().filter(user_id=member.pk, revoked_at__isnull=True).first()
        if nomination is None:
            raise SuperuserError(_("%(name)s is not a Superuser.") % {"name": _name(member)}, field="member")
        nomination.revoked_at, nomination.revoked_by, nomination.revoke_reason = timezone.now(), actor, reason
        nomination.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        before = profile.rank
        after = rewards_settings().rank_for(profile.reputation)
        Profile.objects.filter(pk=profile.pk).update(rank=after)
        audit.record(actor, "rewards.superuser.revoke", member, before={"rank": before}, after={"rank": after},
                     reason=reason)
        _notify(member, profile.language, f"superuser:revoke:{nomination.pk}",
                gettext_lazy("Your Superuser rank was revoked"), reason)
        publish(SuperuserChanged(user_id=member.pk, granted=False, actor_id=actor.pk, reason=reason))
        if before != after:
            publish(RankChanged(user_id=member.pk, from_rank=before, to_rank=after))
    _refresh_cached_rank(member, after)
    return nomination


def current_superusers():
    """Active nominations, newest first, with the member, their profile and who granted it (one query)."""
    return (
        SuperuserNomination.objects.filter(revoked_at__isnull=True)
        .select_related("user__profile", "granted_by")
        .order_by("-granted_at", "-pk")
    )


def register() -> None:
    """Subscriptions and registrations of this area (called from `registration.register()`)."""
    for name, (label, message) in AUDIT_ACTIONS.items():
        audit.define_action(name, label, message)
    audit.register_change_format("rewards.superuser.", "rank", pgettext_lazy("audit log field", "Rank"), audit.choice_words(Rank))


__all__ = [
    "SuperuserError", "active_nomination", "can_manage_superusers", "current_superusers", "grant_superuser",
    "revoke_superuser",
]
