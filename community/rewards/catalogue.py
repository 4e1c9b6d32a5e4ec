"""The rewards catalogue: members redeem rewards with their reward points; moderators fulfil (with a note the
member sees, e.g. a coupon code), reject (points and stock returned) or grant a reward as a thank-you.

Stock and balances never go negative, even with concurrent redemptions: inside one transaction the reward's
stock is taken with ``UPDATE ... SET stock = stock - 1 WHERE stock > 0`` and the points with
``UPDATE ... SET reward_points = reward_points - cost WHERE reward_points >= cost``; when either touches no
row the transaction is rolled back and the member told why. Every refusal writes nothing. Lock order
everywhere: redemption → reward → profile (the ledger locks only the profile).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from community.permissions import is_moderator
from community.services.base import CommunityError, PermissionRefused
from community.standing import standing
from portal import audit
from portal.events import publish
from portal.models import Notification, Profile, Rank
from portal.notifications import Message, notify, recipient_language
from portal.prepared import Prepared
from portal.ratelimit import consume
from portal.timezones import reading

from .events import RedemptionChanged
from .models import REASON_MAX, Redemption, Reward, RewardPointEntry, in_reader_language

# (actions per member, seconds): redeeming and toggling visibility
REDEEM_LIMIT = (10, 600)
VISIBILITY_LIMIT = (60, 600)
SHOWN_STATES = (Redemption.State.FULFILLED, Redemption.State.GRANTED)


class RewardError(CommunityError):
    """A refused catalogue action (translated message; nothing was written)."""


# --- permissions ------------------------------------------------------------------------------------------------


def can_manage_rewards(user: Any) -> bool:
    """Fulfil, reject and grant: moderators (with two-factor when staff need it) and Wagtail admins."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and is_moderator(user))


def _throttle(user: Any, scope: str, limit: tuple[int, int]) -> None:
    retry = consume(f"rewards-{scope}", str(user.pk), limit=limit[0], period=limit[1])
    if retry:
        raise RewardError(
            ngettext(
                "You are doing that too often. Please try again in %(seconds)d second.",
                "You are doing that too often. Please try again in %(seconds)d seconds.",
                retry,
            ) % {"seconds": retry},
            retry_after=retry,
        )


def _clean_text(text: str, *, field: str, required: bool) -> str:
    text = " ".join((text or "").split())
    if required and not text:
        raise RewardError(_("Please give a reason: the member will read it."), field=field)
    if len(text) > REASON_MAX:
        raise RewardError(
            _("Please keep it under %(max)d characters (it has %(count)d).") % {"max": REASON_MAX, "count": len(text)},
            field=field,
        )
    return text


def _date(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def rank_labels(ranks: list[str]) -> str:
    labels = dict(Rank.choices)
    return pgettext("between the items of a list", ", ").join(str(labels.get(rank, rank)) for rank in ranks)


def refusal(reward: Reward, *, points: int, rank: str, now: datetime | None = None) -> str | None:
    """Why a member with `points` and `rank` cannot redeem `reward` now (None when they can). No queries:
    the catalogue page asks it for every reward, the service asks it before writing."""
    now = now or timezone.now()
    if not reward.active:
        return _("This reward is not available any more.")
    if reward.starts_at and reward.starts_at > now:
        return _("This reward can be redeemed from %(date)s.") % {"date": _date(reward.starts_at)}
    if reward.ends_at and reward.ends_at <= now:
        return _("This reward could be redeemed until %(date)s.") % {"date": _date(reward.ends_at)}
    if reward.ranks and rank not in reward.ranks:
        return _("Only these ranks can redeem this reward: %(ranks)s. Your rank is %(rank)s.") % {
            "ranks": rank_labels(reward.ranks), "rank": rank_labels([rank]),
        }
    if reward.stock <= 0:
        return _("This reward is out of stock.")
    if points < reward.cost:
        return ngettext(
            "You need %(missing)d more reward point to redeem this (it costs %(cost)d, you have %(points)d).",
            "You need %(missing)d more reward points to redeem this (it costs %(cost)d, you have %(points)d).",
            reward.cost - points,
        ) % {"missing": reward.cost - points, "cost": reward.cost, "points": points}
    return None


def _member_refusal(member: Any, action: str) -> str | None:
    if not getattr(member, "is_authenticated", False) or not member.is_active:
        return _("Please sign in with an active account to redeem rewards.")
    restriction = standing(member).restriction_for(action)
    if restriction is not None:
        return str(restriction.message)
    if standing(member).restrictions and not standing(member).moderator:
        return _("Your account is restricted at the moment, so rewards cannot be redeemed.")
    return None


# --- notifications and events -------------------------------------------------------------------------------------


def _notify(redemption: Redemption, key: str, title, excerpt: str = "", actor_id: int | None = None) -> None:
    language = recipient_language(redemption.user_id)
    with reading(language):
        message = Message(
            kind=Notification.Kind.REWARDS, dedupe_key=f"redemption:{redemption.pk}:{key}",
            title=str(title(redemption.reward.shown_name)), url=reverse("community_rewards"), excerpt=excerpt,
            actor_id=actor_id, language=language,
        )
    notify({redemption.user_id: message})


def _changed(redemption: Redemption, actor_id: int | None) -> None:
    publish(RedemptionChanged(redemption_id=redemption.pk, user_id=redemption.user_id, state=redemption.state, actor_id=actor_id))


def _snapshot(redemption: Redemption) -> dict:
    return {"state": redemption.state, "reward": redemption.reward_id, "cost": redemption.cost, "user": redemption.user_id}


# --- services -----------------------------------------------------------------------------------------------------


def redeem(member: Any, reward: Reward | int) -> Redemption:
    """Spend the member's reward points on `reward`: a pending redemption a moderator fulfils or rejects."""
    reward_id = reward.pk if isinstance(reward, Reward) else int(reward)
    why = _member_refusal(member, "post")
    if why:
        raise PermissionRefused(why)
    _throttle(member, "redeem", REDEEM_LIMIT)
    with transaction.atomic():
        current = Reward.objects.filter(pk=reward_id).first()
        if current is None:
            raise RewardError(_("This reward does not exist."))
        profile = Profile.objects.filter(user_id=member.pk).only("reward_points", "rank").first()
        points, rank = (profile.reward_points, profile.rank) if profile else (0, Rank.NEWCOMER)
        why = refusal(current, points=points, rank=rank)
        if why:
            raise RewardError(why)
        now = timezone.now()
        # The conditions are repeated in the UPDATE: a concurrent redemption may have taken the last item.
        taken = Reward.objects.filter(pk=reward_id, stock__gt=0, active=True).update(stock=F("stock") - 1)
        if not taken:
            raise RewardError(_("This reward is out of stock."))
        charged = Profile.objects.filter(user_id=member.pk, reward_points__gte=current.cost).update(
            reward_points=F("reward_points") - current.cost
        )
        if not charged:  # the stock taken above is given back by the rollback
            raise RewardError(_("You do not have enough reward points for this reward any more."))
        redemption = Redemption.objects.create(reward=current, user=member, cost=current.cost, created_at=now)
        RewardPointEntry.objects.create(
            user=member, kind=RewardPointEntry.Kind.REDEEMED, amount=-current.cost, redemption=redemption,
            actor=member, created_at=now,
        )
        audit.record(member, "rewards.redemption.request", redemption, after=_snapshot(redemption))
        _changed(redemption, member.pk)
    return redemption


def _decide(actor: Any, redemption: Redemption | int, state: str, note: str) -> tuple[Redemption, dict]:
    pk = redemption.pk if isinstance(redemption, Redemption) else int(redemption)
    locked = Redemption.objects.select_for_update().select_related("reward").filter(pk=pk).first()
    if locked is None:
        raise RewardError(_("This redemption does not exist."))
    if locked.state != Redemption.State.PENDING:
        raise RewardError(
            _("This redemption was already decided (%(state)s).") % {"state": locked.get_state_display()}
        )
    before = _snapshot(locked)
    locked.state, locked.note, locked.decided_at, locked.decided_by = state, note, timezone.now(), actor
    locked.save(update_fields=["state", "note", "decided_at", "decided_by"])
    return locked, before


def fulfil(actor: Any, redemption: Redemption | int, note: str = "") -> Redemption:
    """Mark a pending redemption fulfilled; `note` (e.g. a coupon code) is shown to the member only."""
    if not can_manage_rewards(actor):
        raise PermissionRefused(_("Only moderators can fulfil redemptions."))
    note = _clean_text(note, field="note", required=False)
    with transaction.atomic():
        done, before = _decide(actor, redemption, Redemption.State.FULFILLED, note)
        audit.record(actor, "rewards.redemption.fulfil", done, before=before, after=_snapshot(done))
        _notify(done, "fulfilled", lambda name: _("Your reward “%(name)s” is ready") % {"name": name},
                excerpt=_("Open your rewards page to see the details."), actor_id=actor.pk)
        _changed(done, actor.pk)
    return done


def reject(actor: Any, redemption: Redemption | int, reason: str) -> Redemption:
    """Refuse a pending redemption (reason required): its points and its item of stock are returned."""
    if not can_manage_rewards(actor):
        raise PermissionRefused(_("Only moderators can reject redemptions."))
    reason = _clean_text(reason, field="reason", required=True)
    with transaction.atomic():
        done, before = _decide(actor, redemption, Redemption.State.REJECTED, reason)
        Reward.objects.filter(pk=done.reward_id).update(stock=F("stock") + 1)
        if done.cost:
            Profile.objects.filter(user_id=done.user_id).update(reward_points=F("reward_points") + done.cost)
            RewardPointEntry.objects.create(
                user_id=done.user_id, kind=RewardPointEntry.Kind.REFUNDED, amount=done.cost, redemption=done,
                actor=actor, note=reason,
            )
        audit.record(actor, "rewards.redemption.reject", done, before=before, after=_snapshot(done), reason=reason)
        _notify(done, "rejected", lambda name: _("Your request for “%(name)s” was declined; your points are back") % {"name": name},
                excerpt=reason, actor_id=actor.pk)
        _changed(done, actor.pk)
    return done


def grant(actor: Any, member: Any, reward: Reward | int, note: str = "") -> Redemption:
    """Give `member` a reward as a thank-you: no points charged, one item of stock taken."""
    if not can_manage_rewards(actor):
        raise PermissionRefused(_("Only moderators can grant rewards."))
    if member is None or not member.is_active:
        raise RewardError(_("This member's account is not active."), field="member")
    if member.pk == actor.pk:
        raise RewardError(_("You cannot grant a reward to yourself."), field="member")
    if standing(member).restrictions and not standing(member).moderator:
        restriction = standing(member).restriction_for("post")
        raise RewardError(
            _("This member is suspended or restricted, so they cannot be granted a reward now.")
            + (f" {restriction.message}" if restriction is not None else ""),
            field="member",
        )
    note = _clean_text(note, field="note", required=False)
    reward_id = reward.pk if isinstance(reward, Reward) else int(reward)
    with transaction.atomic():
        current = Reward.objects.filter(pk=reward_id).first()
        if current is None:
            raise RewardError(_("This reward does not exist."), field="reward")
        if not Reward.objects.filter(pk=reward_id, stock__gt=0).update(stock=F("stock") - 1):
            raise RewardError(_("This reward is out of stock."), field="reward")
        now = timezone.now()
        redemption = Redemption.objects.create(
            reward=current, user=member, cost=0, state=Redemption.State.GRANTED, note=note, created_at=now,
            decided_at=now, decided_by=actor,
        )
        audit.record(actor, "rewards.grant", redemption, after=_snapshot(redemption), reason=note)
        _notify(redemption, "granted", lambda name: _("Thank you! You were given the reward “%(name)s”") % {"name": name},
                excerpt=note, actor_id=actor.pk)
        _changed(redemption, actor.pk)
    return redemption


def set_visibility(member: Any, redemption: Redemption | int, show: bool) -> Redemption:
    """Show (or hide) one of the member's own fulfilled or granted rewards on their public profile."""
    pk = redemption.pk if isinstance(redemption, Redemption) else int(redemption)
    if not getattr(member, "is_authenticated", False):
        raise PermissionRefused(_("Please sign in."))
    target = Redemption.objects.filter(pk=pk, user_id=member.pk).first()
    if target is None:
        raise PermissionRefused(_("You can only change your own rewards."))
    if show and target.state not in SHOWN_STATES:
        raise RewardError(_("Only fulfilled or granted rewards can be shown on your profile."))
    _throttle(member, "visibility", VISIBILITY_LIMIT)
    Redemption.objects.filter(pk=pk).update(show_on_profile=bool(show))
    target.show_on_profile = bool(show)
    return target


_SHOWN = Prepared(  # compiled once (`portal.prepared`): a profile's read
    lambda user: Redemption.objects.filter(user_id=user, show_on_profile=True, state__in=SHOWN_STATES)
    .order_by("-created_at").values_list("pk", "reward__name", "reward__name_ja", "state", "created_at", "decided_at")[:50],
    user=int,
)


def public_redemptions(user_id: int) -> list[dict]:
    """What the member chose to show on their profile (one query; never the private note)."""
    labels = dict(Redemption.State.choices)
    return [
        {
            "id": pk, "name": in_reader_language(name, name_ja), "state": state, "state_label": labels[state],
            "granted": state == Redemption.State.GRANTED, "date": decided_at or created_at,
        }
        for pk, name, name_ja, state, created_at, decided_at in _SHOWN.rows(user=user_id)
    ]


def member_redemptions(user_id: int, limit: int = 100) -> list[Redemption]:
    return list(Redemption.objects.filter(user_id=user_id).select_related("reward").order_by("-created_at")[:limit])


def register() -> None:
    """Audit actions of this area (called from `registration.register()`)."""
    audit.define_action("rewards.redemption.request", gettext_lazy("Redeem a reward"), gettext_lazy("Reward redeemed"))
    audit.define_action("rewards.redemption.fulfil", gettext_lazy("Fulfil a redemption"), gettext_lazy("Redemption fulfilled"))
    audit.define_action("rewards.redemption.reject", gettext_lazy("Reject a redemption"), gettext_lazy("Redemption rejected"))
    audit.define_action("rewards.grant", gettext_lazy("Grant a reward"), gettext_lazy("Reward granted"))
    for prefix in ("rewards.redemption.", "rewards.grant"):
        audit.register_change_format(prefix, "state", pgettext_lazy("audit log field", "State"), audit.choice_words(Redemption.State))
