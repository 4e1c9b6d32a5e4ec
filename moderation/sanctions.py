"""Sanctions: a moderator's measure against a member, and its enforcement on every write path.

- warn: a message only; the member is told, nothing is restricted;
- silence: read-only for 1–365 days;
- suspend: read-only until a date in the future (a date, a moment, or a number of days);
- ban: read-only for good (until lifted).

A sanction is active while it is not lifted, has started and has not ended (`ends_at` null or in the
future). An active silence, suspension or ban bars the member from every write action the permission
functions check (`WRITE_ACTIONS`) through a restriction provider registered with `community.standing`:
asked once per request (cached on the member's standing object, never in a shared cache, so no cached
permission outlives a sanction) and answering with a `Restriction` that names the measure, its end and its
reason — the message a refused member reads on the ask page, under the answer and comment forms, on the
profile form and in every refusal of a service. Moderators cannot be sanctioned (`can_sanction`).

Every sanction and lift is an audit entry on the member (`moderation.sanction.<kind>`,
`moderation.sanction.lift`) and a notification (`Notification.Kind.MODERATION`) linking to the member's
"Moderation actions" page, where they may appeal it once (`moderation.appeals`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from community.services.base import Actor, as_actor, clean_reason
from community.standing import Restriction, forget, register_restriction_provider, standing
from portal import audit, extensions
from portal.models import Notification
from portal.notifications import Message, notify, recipient_language
from portal.ratelimit import consume
from portal.timezones import reading

from .errors import CommunityError, ModerationError, PermissionRefused
from .models import ReviewItem, Sanction
from .permissions import can_sanction

Kind = Sanction.Kind
# Every action the permission functions check that a read-only member may not take (ask, answer, comment,
# accept and "me too" go through "post"; flagging through "flag"; the profile form through "profile").
WRITE_ACTIONS = frozenset({"post", "comment", "vote", "edit", "flag", "profile"})
RESTRICTING = (Kind.SILENCE, Kind.SUSPEND, Kind.BAN)
SILENCE_DAYS = (1, 365)
SUSPEND_DAYS = (1, 3650)
SANCTION_LIMIT = (30, 3600)  # sanctions and lifts per moderator per hour

AUDIT_ACTIONS = {
    "moderation.sanction.warn": (pgettext_lazy("audit log", "Warn member"), pgettext_lazy("audit log", "Warned")),
    "moderation.sanction.silence": (
        pgettext_lazy("audit log", "Silence member (read-only)"), pgettext_lazy("audit log", "Silenced"),
    ),
    "moderation.sanction.suspend": (pgettext_lazy("audit log", "Suspend member"), pgettext_lazy("audit log", "Suspended")),
    "moderation.sanction.ban": (pgettext_lazy("audit log", "Ban member"), pgettext_lazy("audit log", "Banned")),
    "moderation.sanction.lift": (pgettext_lazy("audit log", "Lift sanction"), pgettext_lazy("audit log", "Sanction lifted")),
}


# --- reading --------------------------------------------------------------------------------------------------


def active_sanctions(member: Any, now: datetime | None = None) -> QuerySet[Sanction]:
    """The member's sanctions in force at `now`: not lifted, started, not ended."""
    now = now or timezone.now()
    return Sanction.objects.filter(member=member, lifted_at__isnull=True, starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def is_active(sanction: Sanction, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return sanction.lifted_at is None and sanction.starts_at <= now and (sanction.ends_at is None or sanction.ends_at > now)


def format_end(moment: datetime) -> str:
    """The end of a sanction in the active language: a date when it ends at midnight, else date and time."""
    local = timezone.localtime(moment)
    return formats.date_format(local, "DATE_FORMAT" if local.time() == time.min else "DATETIME_FORMAT")


def notice_text(sanction: Sanction) -> str:
    """What the member reads where they would write, in the active language."""
    if sanction.kind == Kind.BAN:
        return _("Your account is banned and read-only: %(reason)s") % {"reason": sanction.reason}
    if sanction.kind == Kind.WARN:
        return _("A moderator warned you: %(reason)s") % {"reason": sanction.reason}
    return _("Your account is read-only until %(date)s: %(reason)s") % {
        "date": format_end(sanction.ends_at), "reason": sanction.reason,
    }


_lazy_notice = lazy(notice_text, str)


def headline(sanction: Sanction) -> str:
    """The measure in plain words ("Read-only until 12 Dec 2026"), in the active language."""
    if sanction.kind == Kind.WARN:
        return _("Warning")
    if sanction.kind == Kind.BAN:
        return _("Banned: read-only for good")
    label = _("Silenced") if sanction.kind == Kind.SILENCE else _("Suspended")
    return _("%(measure)s: read-only until %(date)s") % {"measure": label, "date": format_end(sanction.ends_at)}


def _severity(sanction: Sanction) -> tuple:
    # the one that lasts longest first (a ban, then the latest end)
    return (sanction.ends_at is None, sanction.ends_at or sanction.starts_at, sanction.pk)


def restrictions(user: Any) -> list[Restriction]:
    """The restriction provider: one query for the member's active sanctions that restrict (standing caches
    the answer for the request). The longest-lasting comes first: its message is the one shown."""
    rows = sorted(active_sanctions(user).filter(kind__in=RESTRICTING), key=_severity, reverse=True)
    if not rows:
        return []
    url = reverse("moderation_member")
    return [Restriction(WRITE_ACTIONS, _lazy_notice(row), key=f"s{row.pk}", url=url) for row in rows]


def account_restrictions(user: Any) -> list[str]:
    """For the portal's profile form (`portal.extensions.register_account_restriction`)."""
    restriction = standing(user).restriction_for("profile")
    return [str(restriction.message)] if restriction else []


# --- writing --------------------------------------------------------------------------------------------------


def required_reason(reason: str) -> str:
    """The community's reason rule (spaces collapsed, at most 500 characters), and not empty: the member reads it."""
    try:
        reason = clean_reason(reason)
    except CommunityError as error:  # moderation's services refuse with their own error type
        raise ModerationError(error.message, field=error.field) from None
    if not reason:
        raise ModerationError(_("Please give a reason: the member will read it."), field="reason")
    return reason


def _days(days: Any, bounds: tuple[int, int], message: str) -> int:
    try:
        value = int(days)
    except (TypeError, ValueError):
        raise ModerationError(message, field="days") from None
    if isinstance(days, bool) or not bounds[0] <= value <= bounds[1] or str(value) != str(days).strip():
        raise ModerationError(message, field="days")
    return value


def _until(until: Any) -> datetime:
    """A date (read-only until that day begins) or a moment; text in ISO form is read as either."""
    if isinstance(until, str):
        text = until.strip()
        parsed: Any = None
        try:
            parsed = parse_date(text) or datetime.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise ModerationError(_("Please give the end date as YYYY-MM-DD."), field="until")
        until = parsed
    if isinstance(until, datetime):
        return until if timezone.is_aware(until) else timezone.make_aware(until)
    if isinstance(until, date):
        return timezone.make_aware(datetime.combine(until, time.min))
    raise ModerationError(_("Please give the end date as YYYY-MM-DD."), field="until")


def _ends_at(kind: str, now: datetime, days: Any, until: Any) -> datetime | None:
    if kind in (Kind.WARN, Kind.BAN):
        return None
    if kind == Kind.SILENCE:
        message = _("Silence a member for 1 to 365 days.")
        if days in (None, ""):
            raise ModerationError(message, field="days")
        return now + timedelta(days=_days(days, SILENCE_DAYS, message))
    # suspend: an end in the future
    if until not in (None, ""):
        ends_at = _until(until)
    elif days not in (None, ""):
        ends_at = now + timedelta(days=_days(days, SUSPEND_DAYS, _("Suspend a member for 1 to 3650 days.")))
    else:
        raise ModerationError(_("Please choose when the suspension ends."), field="until")
    if ends_at <= now:
        raise ModerationError(
            _("The end date %(date)s has already passed: a suspension must end in the future.") % {"date": format_end(ends_at)},
            field="until",
        )
    return ends_at


def _throttle(user: Any) -> None:
    retry = consume("moderation-sanction", str(user.pk), limit=SANCTION_LIMIT[0], period=SANCTION_LIMIT[1])
    if retry:
        raise ModerationError(
            ngettext("You are doing that too often. Please try again in %(seconds)d second.", "You are doing that too often. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry},
            retry_after=retry,
        )


def _state(sanctions) -> str:
    """The member's restriction as one audit value: "none", or "silence until 2026-12-12T00:00:00+00:00; ban"."""
    parts = [f"{row.kind} until {row.ends_at.isoformat()}" if row.ends_at else row.kind for row in sanctions]
    return "; ".join(parts) or "none"


def _notify(member: Any, key: str, title, excerpt: str = "") -> None:
    """Tell the member, in their language, with a link to their "Moderation actions" page."""
    language = recipient_language(member.pk)
    with reading(language):  # their language and their zone's times ("until …"); the page marks it so
        message = Message(
            kind=Notification.Kind.MODERATION, dedupe_key=key, title=str(title()), url=reverse("moderation_member"),
            excerpt=excerpt, language=language,
        )
    notify({member.pk: message})


def impose_sanction(
    actor: Actor | Any, member: Any, *, kind: str, reason: str, days: Any = None, until: Any = None,
    item: ReviewItem | None = None, vote_fraud: bool = False,
) -> Sanction:
    """Warn, silence (`days`), suspend (`until` a date or moment in the future, or `days`) or ban `member`.
    Refused with a translated message, nothing written: not a moderator, the member is a moderator or the
    actor, an unknown measure, no reason, days out of range, an end date in the past, too many at once.
    `vote_fraud` (a ban only): every reputation credit the member's votes gave is reversed in the same
    transaction; lifting the ban credits them again."""
    actor = as_actor(actor)
    user = actor.user
    if not can_sanction(user, member):
        raise PermissionRefused(_("Only moderators can sanction members, and never themselves or another moderator."))
    if kind not in Kind.values:
        raise ModerationError(_("Please choose warn, silence, suspend or ban."), field="kind")
    if vote_fraud and kind != Kind.BAN:
        raise ModerationError(_("Only a ban can be for vote fraud."), field="vote_fraud")
    reason = required_reason(reason)
    now = timezone.now()
    ends_at = _ends_at(kind, now, days, until)
    _throttle(user)
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=member.pk)  # one sanction at a time per member
        now = timezone.now()  # after the lock: a sanction imposed while we waited has started before this one
        before = list(active_sanctions(locked, now).filter(kind__in=RESTRICTING))
        sanction = Sanction.objects.create(
            member=locked, kind=kind, reason=reason, starts_at=now, ends_at=ends_at, created_by=user, item=item,
            vote_fraud=bool(vote_fraud),
        )
        reversed_credits = _reverse_votes(locked.pk, user.pk) if vote_fraud else 0
        after = [*before, sanction] if kind in RESTRICTING else before
        audit.record(
            user, f"moderation.sanction.{kind}", locked,
            before={"restriction": _state(before)},
            after={"restriction": _state(after), "measure": kind, "until": ends_at.isoformat() if ends_at else None}
            | ({"vote_fraud": True, "credits_reversed": reversed_credits} if vote_fraud else {}),
            reason=reason,
        )
        _notify(locked, f"sanction:{sanction.pk}", lambda: headline(sanction), reason[:300])
    forget(member)
    return sanction


def lift_sanction(actor: Actor | Any, sanction: Sanction, *, reason: str) -> Sanction:
    """End a sanction now (a moderator's decision, or a granted appeal). A lifted sanction stays on record."""
    actor = as_actor(actor)
    user = actor.user
    if not can_sanction(user, sanction.member):
        raise PermissionRefused(_("Only moderators can lift sanctions."))
    reason = required_reason(reason)
    _throttle(user)
    with transaction.atomic():
        return _lift(user, sanction, reason)


def _lift(user: Any, sanction: Sanction, reason: str) -> Sanction:
    """Inside a transaction: lift it (refused when already lifted or ended), audit, tell the member."""
    locked = Sanction.objects.select_for_update().select_related("member").get(pk=sanction.pk)
    now = timezone.now()
    if locked.lifted_at is not None:
        raise ModerationError(_("This sanction was already lifted."))
    if locked.ends_at is not None and locked.ends_at <= now:
        raise ModerationError(_("This sanction has already ended."))
    member = locked.member
    before = list(active_sanctions(member, now).filter(kind__in=RESTRICTING))
    locked.lifted_at, locked.lifted_by, locked.lift_reason = now, user, reason
    locked.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    if locked.vote_fraud and locked.kind == Kind.BAN:
        _recredit_votes(member.pk)
    audit.record(
        user, "moderation.sanction.lift", member,
        before={"restriction": _state(before)},
        after={"restriction": _state([row for row in before if row.pk != locked.pk]), "lifted": f"{locked.kind} #{locked.pk}"},
        reason=reason,
    )
    _notify(member, f"sanction-lift:{locked.pk}", lambda: _("A moderator lifted a measure on your account"), reason[:300])
    forget(sanction._state.fields_cache.get("member"))  # the caller's copy of the member, if it holds one
    forget(member)
    sanction.lifted_at, sanction.lifted_by, sanction.lift_reason = now, user, reason
    return locked


# --- vote fraud (the reputation ledger lives in community.rewards; imported here, the layer above it) -----------


def _reverse_votes(member_id: int, actor_id: int | None) -> int:
    from community.rewards import handlers

    return handlers.reverse_voter(member_id, actor_id=actor_id)


def _recredit_votes(member_id: int) -> int:
    from community.rewards import handlers

    return handlers.recredit_voter(member_id)  # nothing while another vote-fraud ban is still active


def vote_fraud_voters(ids: Any = None) -> set[int]:
    """Members (among `ids`; all when None) under an active vote-fraud ban: their votes earn nothing."""
    now = timezone.now()
    bans = Sanction.objects.filter(kind=Kind.BAN, vote_fraud=True, lifted_at__isnull=True, starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )
    if ids is not None:
        bans = bans.filter(member_id__in=list(ids))
    return set(bans.values_list("member_id", flat=True))


def penalise_upheld_abuse(item: ReviewItem, flags: list, user: Any, now: Any) -> None:
    """An upheld spam or rude/abusive flag on a post the moderator removed (hidden or deleted): the author
    loses the `post_removed` points (once per post; restored or shown again → given back)."""
    from community.rewards import handlers
    from portal.refs import PostRef

    from .models import FlagReason

    if item.post_kind not in ("question", "answer", "comment"):
        return
    if not any(flag.reason in (FlagReason.SPAM, FlagReason.RUDE) for flag in flags):
        return
    from .review import load_post

    post = load_post(item.post_kind, item.post_id)
    if post is None or post.status not in ("hidden", "deleted"):
        return
    handlers.penalise_removal(PostRef(item.post_kind, item.post_id), actor_id=getattr(user, "pk", None))


def removed_for_abuse():
    """Posts removed (hidden or deleted) with an upheld spam or rude/abusive flag, for the reputation backfill:
    (PostRef, author id, question id, topic id, moderator id, when), staff authors left out."""
    from community.models import Answer, Comment, Question
    from portal.refs import PostRef

    from .models import Flag, FlagReason

    flags = Flag.objects.filter(state=Flag.State.UPHELD, reason__in=[FlagReason.SPAM, FlagReason.RUDE]).order_by("pk")
    latest: dict[tuple[str, int], tuple[Any, Any]] = {}
    for kind, post_id, resolved_by, resolved_at in flags.values_list("post_kind", "post_id", "resolved_by_id", "resolved_at").iterator(chunk_size=2000):
        latest[(kind, post_id)] = (resolved_by, resolved_at)
    removed = ("hidden", "deleted")
    for kind, model, fields in (
        ("question", Question, ("pk", "author_id", "pk", "topic_id")),
        ("answer", Answer, ("pk", "author_id", "question_id", "question__topic_id")),
        ("comment", Comment, ("pk", "author_id", "question_id", "question__topic_id")),
    ):
        ids = [post_id for (post_kind, post_id) in latest if post_kind == kind]
        for start in range(0, len(ids), 2000):
            rows = model.objects.filter(pk__in=ids[start:start + 2000], status__in=removed, author__is_staff=False).values_list(*fields)
            for pk, author_id, question_id, topic_id in rows:
                actor_id, at = latest[(kind, pk)]
                yield PostRef(kind, pk), author_id, question_id, topic_id, actor_id, at or timezone.now()


# --- review queue actions (registered with moderation.review when it is installed) ------------------------------


def _param(params: dict | None, name: str) -> Any:
    return (params or {}).get(name)


def _queue_action(kind: str):
    def action(actor_user: Any, item: ReviewItem, post: Any, reason: str, params: dict) -> None:
        impose_sanction(
            actor_user, item.author, kind=kind, reason=reason, days=_param(params, "days"), until=_param(params, "until"),
            item=item, vote_fraud=bool(_param(params, "vote_fraud")) and kind == Kind.BAN,
        )

    action.__name__ = f"item_{kind}"
    action.__doc__ = f"Review queue action: {kind} the item's author (does not resolve the item)."
    return action


item_warn = _queue_action(Kind.WARN)
item_silence = _queue_action(Kind.SILENCE)
item_suspend = _queue_action(Kind.SUSPEND)
item_ban = _queue_action(Kind.BAN)

ITEM_ACTIONS = {
    "warn": (item_warn, pgettext_lazy("review action", "Warn the author"), ()),
    "silence": (item_silence, pgettext_lazy("review action", "Silence the author (read-only)"), ("days",)),
    "suspend": (item_suspend, pgettext_lazy("review action", "Suspend the author"), ("until",)),
    "ban": (item_ban, pgettext_lazy("review action", "Ban the author"), ()),
}


def register_item_actions() -> None:
    """Offer warn/silence/suspend/ban in the review queue (they do not resolve the item by themselves)."""
    from . import review

    for name, (fn, label, needs) in ITEM_ACTIONS.items():
        review.register_item_action(name, fn, label=label, resolves=False, needs=needs)
    review.on_flags_upheld(penalise_upheld_abuse)  # spam/abuse removed → the author's reputation penalty


# --- registration -----------------------------------------------------------------------------------------------


def _member_label(user: Any) -> str:
    return _("Member %(username)s") % {"username": user.get_username()}


def _measure_words(kind: str) -> str:
    return str(Kind(kind).label) if kind in Kind.values else kind


def _moment_words(value: str) -> str:
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError(value)
    return format_end(moment)


def _restriction_words(value: str) -> str:
    """An audit "restriction" value (`_state`) in words: "Silenced (read-only) until Dec. 12, 2026, 10 a.m."."""
    if value == "none":
        return _("none")
    parts = []
    for part in value.split("; "):
        kind, _sep, until = part.partition(" until ")
        measure = _measure_words(kind)
        parts.append(_("%(measure)s until %(date)s") % {"measure": measure, "date": _moment_words(until)} if until else measure)
    return ", ".join(parts)


def _lifted_words(value: str) -> str:
    """"silence #12" in words: "Silenced (read-only) (#12)"."""
    kind, _sep, number = value.partition(" #")
    return f"{_measure_words(kind)} (#{number})" if number else _measure_words(kind)


def register_change_formats() -> None:
    """How the sanction audit entries' values read in the history (stored raw: "silence", ISO dates)."""
    prefix = "moderation.sanction."
    audit.register_change_format(prefix, "restriction", pgettext_lazy("audit log", "Restriction"), _restriction_words)
    audit.register_change_format(prefix, "measure", pgettext_lazy("audit log", "Measure"), _measure_words)
    audit.register_change_format(prefix, "until", pgettext_lazy("audit log", "Until"), _moment_words)
    audit.register_change_format(prefix, "lifted", pgettext_lazy("audit log", "Lifted"), _lifted_words)


def register() -> None:
    for name, (label, message) in AUDIT_ACTIONS.items():
        audit.define_action(name, label, message)
    register_change_formats()
    audit.register_target_label(get_user_model()._meta.label_lower, _member_label)
    register_restriction_provider(restrictions)
    from community.rewards import handlers

    handlers.register_excluded_voters(vote_fraud_voters)
    handlers.register_removed_posts(removed_for_abuse)
    extensions.register_account_restriction("moderation", account_restrictions)
