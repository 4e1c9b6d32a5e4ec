"""Members flag posts; each flag weighs by its flagger's track record, and enough weight hides the post
until a moderator reviews it.

`flag_post(actor, post, reason=..., details=..., duplicate_of=...)`: who may (`permissions.can_flag`,
each refusal with its own message) → the reason and its details → one open flag per member per post →
rate limits → transaction: the post's open review item (`review.open_item`, locked) → the flag (the
partial unique constraint `flag_one_open_per_member` settles double submits) → the item's count, weight,
top reason and priority → past `ModerationSettings.flag_hide_threshold`, a published post is hidden for
review (`community.services.hide_for_review`; audited by community as `community.hide` with no actor).

WEIGHT (`flag_weight`): 0 for a member who may not flag (unverified, restricted); otherwise the
Laplace-smoothed accuracy of their last 20 resolved flags, `2 × (upheld + 1) / (resolved + 2)`, plus
`FLAG_WEIGHT_BONUS` (0.5) for members with the "flag_weight" privilege (reputation threshold in the rewards
settings), clamped to [0.2, 2.0]: 1.0 with no history (1.5 with the privilege), up to 2 for a reliable
flagger, down to 0.2 for one whose flags are dismissed. Fixed on the flag when it is raised.

THE REASON THE AUTHOR READS: `status_reason` stores one fixed English sentence (`HIDE_REASONS`, marked
for translation) and the post templates show it with `{% translate post.status_reason %}`: the author
reads it in their own language, and a moderator's free-text reason (not in the catalogue) is shown as
written. The sentence names the flags' top reason (most weight), "and other reasons" when there are more.
"""

from __future__ import annotations

import math
import re
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from community import caching
from community import permissions as community_permissions
from community.models import Question
from community.services import Actor, hide_for_review
from community.services.base import _relaxed, as_actor
from community.standing import standing
from community.status import PostStatus
from portal import audit, extensions
from portal.params import ascii_digits
from portal.ratelimit import consume, consume_in_order
from portal.text_rules import has_control_chars

from . import review
from .errors import ModerationError, PermissionRefused
from .models import REASON_MAX, Flag, FlagReason, ModerationSettings
from .permissions import can_flag

HISTORY = 20  # resolved flags that make a member's track record
WEIGHT_MIN, WEIGHT_MAX = 0.2, 2.0
FLAG_WEIGHT_BONUS = 0.5  # added for members with the "flag_weight" privilege
BURST = (5, 60)  # flags per member per minute
PER_IP = (60, 3600)  # flags per address per hour
DAY = 86400

# Which reasons a kind of post can be flagged for (the flag form offers these, in this order). "Duplicate" is
# for questions (it names the original question), "Outdated" for answers (a solution that stopped working).
REASONS_BY_KIND = {
    "question": [FlagReason.SPAM, FlagReason.RUDE, FlagReason.OFF_TOPIC, FlagReason.DUPLICATE, FlagReason.NEEDS_STAFF,
                 FlagReason.OTHER],
    "answer": [FlagReason.SPAM, FlagReason.RUDE, FlagReason.OFF_TOPIC, FlagReason.OUTDATED, FlagReason.NEEDS_STAFF,
               FlagReason.OTHER],
    "comment": [FlagReason.SPAM, FlagReason.RUDE, FlagReason.OFF_TOPIC, FlagReason.NEEDS_STAFF, FlagReason.OTHER],
}

# Stored in English in the post's `status_reason`; shown translated (module docstring).
HIDE_REASONS = {
    FlagReason.SPAM: gettext_noop("Hidden until a moderator reviews it: members reported it as spam."),
    FlagReason.RUDE: gettext_noop("Hidden until a moderator reviews it: members reported it as rude or abusive."),
    FlagReason.OFF_TOPIC: gettext_noop("Hidden until a moderator reviews it: members reported it as off-topic."),
    FlagReason.DUPLICATE: gettext_noop("Hidden until a moderator reviews it: members reported it as a duplicate."),
    FlagReason.OUTDATED: gettext_noop("Hidden until a moderator reviews it: members reported it as outdated."),
    FlagReason.NEEDS_STAFF: gettext_noop(
        "Hidden until a moderator reviews it: members reported that it needs the support team."
    ),
    FlagReason.OTHER: gettext_noop("Hidden until a moderator reviews it: members reported a problem with it."),
}
HIDE_REASONS_AND_OTHERS = {
    FlagReason.SPAM: gettext_noop("Hidden until a moderator reviews it: members reported it as spam, and for other reasons."),
    FlagReason.RUDE: gettext_noop(
        "Hidden until a moderator reviews it: members reported it as rude or abusive, and for other reasons."
    ),
    FlagReason.OFF_TOPIC: gettext_noop(
        "Hidden until a moderator reviews it: members reported it as off-topic, and for other reasons."
    ),
    FlagReason.DUPLICATE: gettext_noop(
        "Hidden until a moderator reviews it: members reported it as a duplicate, and for other reasons."
    ),
    FlagReason.OUTDATED: gettext_noop(
        "Hidden until a moderator reviews it: members reported it as outdated, and for other reasons."
    ),
    FlagReason.NEEDS_STAFF: gettext_noop(
        "Hidden until a moderator reviews it: members reported that it needs the support team, and for other reasons."
    ),
    FlagReason.OTHER: gettext_noop("Hidden until a moderator reviews it: members reported problems with it."),
}

QUESTION_LINK = re.compile(r"^(?:/[A-Za-z]{2}(?:-[A-Za-z]+)?)?/community/q/(\d{1,18})(?:/|$)")


# --- weight ---------------------------------------------------------------------------------------------------


def flag_weight(user: Any) -> float:
    """How much one flag of `user` counts (module docstring: WEIGHT)."""
    member = standing(user)
    if not member.verified or not member.allows("flag"):
        return 0.0
    states = list(
        Flag.objects.filter(flagger=user).exclude(state=Flag.State.OPEN).order_by("-resolved_at", "-pk")
        .values_list("state", flat=True)[:HISTORY]
    )
    upheld = sum(1 for state in states if state == Flag.State.UPHELD)
    weight = 2 * (upheld + 1) / (len(states) + 2)
    if member.has_privilege("flag_weight"):  # earned by reputation (or granted): a fixed bonus, within the cap
        weight += FLAG_WEIGHT_BONUS
    return round(min(WEIGHT_MAX, max(WEIGHT_MIN, weight)), 4)


# --- who may flag ---------------------------------------------------------------------------------------------


def refusal(user: Any, post: Any) -> str | None:
    """Why `user` may not flag `post` (a translated sentence), or None when they may."""
    member = standing(user)
    if not member.active:
        return _("Please sign in to flag posts.")
    if not community_permissions.can_view(user, post) or post.status == PostStatus.DELETED:
        return _("This post was deleted or is not public, so it cannot be flagged.")
    if post.author_id == user.pk:
        return _("You cannot flag your own post. You can edit or delete it instead.")
    if not community_permissions.is_live(post):
        return _("This post is already hidden or waiting for review, so it cannot be flagged.")
    if not member.verified:
        return _("Please verify your email address before flagging posts.")
    if not member.allows("flag"):
        return _("Your account may not flag posts at the moment.")
    if not can_flag(user, post):  # the rule itself, in case it grows a condition the messages above miss
        return _("You cannot flag this post.")
    return None


def reasons_for(post: Any) -> list[FlagReason]:
    return REASONS_BY_KIND[post.kind]


def _wrong_reason(reason: str) -> str:
    """Why `reason` was refused: a reason of another kind of post says which kind it is for."""
    if reason == FlagReason.OUTDATED:
        return _("“Outdated” applies to answers only. Please choose one of the reasons offered for this post.")
    if reason == FlagReason.DUPLICATE:
        return _("“Duplicate” applies to questions only. Please choose one of the reasons offered for this post.")
    return _("Please choose one of the reasons offered for this post.")


# --- input --------------------------------------------------------------------------------------------------------


def _clean_details(details: str) -> str:
    if has_control_chars(details):  # a NUL, a bidi override: refused with the text kept in the form
        raise ModerationError(_("The text contains control characters; please remove them."), field="details")
    details = "\n".join(" ".join(line.split()) for line in (details or "").strip().splitlines()).strip()
    if len(details) > REASON_MAX:
        raise ModerationError(
            _("Please keep it under %(max)d characters (it has %(count)d).") % {"max": REASON_MAX, "count": len(details)},
            field="details",
        )
    return details


def question_id_from(value: Any) -> int | None:
    """A question's number from what a member pasted: "12", "#12", "/community/q/12/slug/",
    "https://help.example.com/ja/community/q/12/…" (or a Question). None when it names no question."""
    if isinstance(value, Question):
        return value.pk
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    text = ascii_digits(str(value or "").strip()).lstrip("#")  # "＃１２" as typed on a Japanese keyboard
    if text.isascii() and text.isdigit() and 0 < len(text) <= 18:
        return int(text) or None
    try:
        path = urlsplit(text).path
    except ValueError:
        return None
    match = QUESTION_LINK.match(path)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def _duplicate_target(user: Any, post: Any, value: Any) -> Question:
    if value in (None, ""):
        raise ModerationError(_("Please give the link (or number) of the question it duplicates."), field="duplicate_of")
    pk = question_id_from(value)
    original = Question.objects.visible_to(user).filter(pk=pk, status=PostStatus.PUBLISHED).first() if pk else None
    if original is None:
        raise ModerationError(
            _("We could not find that question. Please paste the link of an existing question."), field="duplicate_of"
        )
    if original.pk == post.pk:
        raise ModerationError(_("A question cannot be a duplicate of itself."), field="duplicate_of")
    return original


def _retry_message(seconds: int, *, daily: bool) -> str:
    if daily:
        hours = max(1, math.ceil(seconds / 3600))
        return ngettext(
            "You have flagged many posts today. Please try again in about %(count)d hour.",
            "You have flagged many posts today. Please try again in about %(count)d hours.", hours,
        ) % {"count": hours}
    return ngettext(
        "You are flagging too fast. Please try again in %(count)d second.",
        "You are flagging too fast. Please try again in %(count)d seconds.", seconds,
    ) % {"count": seconds}


def _throttle(actor: Actor) -> None:
    if _relaxed.get():
        return
    uid = str(actor.user.pk)
    retry = consume_in_order(
        ("moderation-flag-burst", uid, BURST[0], BURST[1]), ("moderation-flag-ip", actor.ip, PER_IP[0], PER_IP[1])
    )
    if retry:
        raise ModerationError(_retry_message(retry, daily=False), retry_after=retry)
    retry = consume("moderation-flag-day", uid, limit=ModerationSettings.load().flags_per_day, period=DAY)
    if retry:
        raise ModerationError(_retry_message(retry, daily=True), retry_after=retry)


def _already_flagged() -> ModerationError:
    return ModerationError(
        _("You have already flagged this post. Moderators will review it; we'll tell you the outcome."), status=409
    )


# --- flagging ---------------------------------------------------------------------------------------------------


def flag_post(actor: Actor | Any, post: Any, *, reason: str, details: str = "", duplicate_of: Any = None) -> Flag:
    """Flag `post` (a Question, Answer or Comment) for moderators (module docstring). Returns the flag."""
    actor = as_actor(actor)
    user = actor.user
    refused = refusal(user, post)
    if refused:
        raise PermissionRefused(refused)
    if reason not in [choice.value for choice in reasons_for(post)]:
        raise ModerationError(_wrong_reason(reason), field="reason")
    details = _clean_details(details)
    if reason == FlagReason.OTHER and not details:
        raise ModerationError(_("Please tell the moderators what is wrong, in a few words."), field="details")
    original = _duplicate_target(user, post, duplicate_of) if reason == FlagReason.DUPLICATE else None
    if Flag.objects.filter(post_kind=post.kind, post_id=post.pk, flagger=user, state=Flag.State.OPEN).exists():
        raise _already_flagged()
    _throttle(actor)
    weight = flag_weight(user)
    question_id = post.pk if post.kind == "question" else post.question_id
    with transaction.atomic():
        review.lock_thread(question_id)  # lock order: the question, then the item (as community's services)
        item = review.open_item(post, flagged=True)
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    post_kind=post.kind, post_id=post.pk, question_id=question_id, item=item, flagger=user,
                    reason=reason, details=details, duplicate_of=original, weight=weight, created_at=timezone.now(),
                )
        except IntegrityError:  # a double submit raced the check above
            raise _already_flagged() from None
        totals = list(
            item.flags.filter(state=Flag.State.OPEN).values("reason").annotate(weight=Sum("weight"), count=Count("pk"))
            .order_by("-weight", "reason")
        )
        item.flag_count = sum(row["count"] for row in totals)
        item.flag_weight = round(sum(row["weight"] or 0 for row in totals), 4)
        item.top_reason = totals[0]["reason"] if totals else reason
        item.priority = review.priority(item)
        item.save(update_fields=["flag_count", "flag_weight", "top_reason", "priority"])
        if item.flag_weight >= ModerationSettings.load().flag_hide_threshold and post.status == PostStatus.PUBLISHED:
            reasons = [row["reason"] for row in totals if row["weight"]] or [reason]
            hide_for_review(post, reason=hide_reason(reasons))
        transaction.on_commit(partial(caching.touch, question_id))
    return flag


def hide_reason(reasons: list[str]) -> str:
    """The English sentence stored as the hidden post's reason (shown translated), naming the top reason."""
    top = FlagReason(reasons[0])
    return (HIDE_REASONS_AND_OTHERS if len(reasons) > 1 else HIDE_REASONS)[top]


def register() -> None:
    review.register()
    # the sentence stored as the reason of the system's "hidden" audit entry reads in the reader's language
    audit.register_system_reasons([*HIDE_REASONS.values(), *HIDE_REASONS_AND_OTHERS.values()])
    # the flag link (members) and moderators' inline tools, in each post's and comment's tool row
    extensions.register_template_slot("community.post_tools", "moderation.flags", "moderation/includes/post_tools.html", 50)
    extensions.register_template_slot(
        "community.comment_tools", "moderation.flags", "moderation/includes/comment_tools.html", 50
    )
