"""The review queue: one open item per post that needs a moderator (flagged, held, appealed), and the
actions that resolve it.

- `open_item(post, ...)` gets or creates the post's one open item (the partial unique constraint
  `review_item_one_open` settles races) and returns it locked (`select_for_update`) for the caller's
  transaction.
- `priority(item)` is the queue's sort key (see PRIORITY below).
- `register_item_action(name, fn, ...)` adds an action moderators can take on an item; `act_on_item()` runs
  one: permission → reason → rate limit → transaction: lock the item, refuse a stale `version`
  (`AlreadyHandled`: another moderator acted first, or the item changed) → the action → resolve the flags
  (upheld or dismissed) and tell the flaggers → resolve the item → `version + 1` → audit entry
  `moderation.item.<action>` (before/after, reason).
- A moderator who deletes, hides, approves or shows a post with the site's own tools (not the queue)
  decides its open item as well (`resolve_on_staff_change`: same resolution, flaggers told, audit entry).
- `queue(filters)` is the queryset of the review queue page; `attach_posts(items)` loads their posts in
  one query per kind.

PRIORITY — higher first, then older first::

    priority = min(flag_weight, 10) + REASON_BONUS[top_reason] + held × 2 + appealed × 1
               + AGE_CREDIT_PER_DAY × (days between the item's creation and AGE_EPOCH)

Weight is the flags' summed weight (`moderation.flags.flag_weight`); the reason bonus makes spam, abuse
and "needs staff help" (3) outrank held posts (2, a rule already found them suspicious), appeals (2) and
the other reasons (1). Age is a *relative* credit: every day an item has waited puts it AGE_CREDIT_PER_DAY
above an item created a day later, so old items rise without a periodic job rewriting every row (the
number is a sort key, not a score to show). Three fresh spam flags (3 + 3 = 6) outrank a fresh held post
(2 + 2 = 4) until the held post has waited eight days longer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from community import caching
from community.events import NewPost, PostStatusChanged
from community.models import Answer, Comment, Question
from community.services import Actor, approve_post, delete_post, hide_post, restore_post, unhide_post
from community.services.base import as_actor, clean_reason
from community.status import PostStatus
from portal import audit
from portal.emails import language
from portal.events import subscribe
from portal.models import Notification
from portal.notifications import Message, notify
from portal.ratelimit import consume
from portal.timezones import reading

from .errors import AlreadyHandled, ModerationError, PermissionRefused
from .models import ITEM_KINDS, Flag, FlagReason, ReviewItem
from .permissions import can_review

OPEN = ReviewItem.State.OPEN
RESOLVED = ReviewItem.State.RESOLVED
MODELS: dict[str, type] = {"question": Question, "answer": Answer, "comment": Comment}
KINDS = tuple(MODELS)

REASON_BONUS = {
    FlagReason.SPAM: 3.0, FlagReason.RUDE: 3.0, FlagReason.NEEDS_STAFF: 3.0,
    "held": 2.0, "appeal": 2.0,
    FlagReason.OFF_TOPIC: 1.0, FlagReason.DUPLICATE: 1.0, FlagReason.OUTDATED: 1.0, FlagReason.OTHER: 1.0,
}
QUEUE_REASONS = (*FlagReason.values, "held", "appeal")
WEIGHT_CAP = 10.0
HELD_BONUS = 2.0
APPEAL_BONUS = 1.0
AGE_CREDIT_PER_DAY = 0.25
AGE_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# a moderator's queue actions (each may also count against community's "moderate" limit when it changes a post)
ACT_LIMIT = (240, 600)

Post = Question | Answer | Comment


# --- items ----------------------------------------------------------------------------------------------------


def priority(item: ReviewItem) -> float:
    """The queue's sort key (module docstring: PRIORITY)."""
    created = item.created_at or timezone.now()
    days = (created - AGE_EPOCH).total_seconds() / 86400
    score = min(item.flag_weight or 0.0, WEIGHT_CAP) + REASON_BONUS.get(item.top_reason, 1.0 if item.top_reason else 0.0)
    score += HELD_BONUS if item.held else 0.0
    score += APPEAL_BONUS if item.appealed else 0.0
    return round(score - AGE_CREDIT_PER_DAY * days, 6)


def post_kind(post: Post) -> str:
    return post.kind


def question_of(post: Post) -> Question:
    return post if isinstance(post, Question) else post.question


def open_item(
    post: Post, *, flagged: bool = False, held: bool = False, appealed: bool = False, hold_reasons: str = "",
    top_reason: str = "",
) -> ReviewItem:
    """The post's one open review item, created if there is none, locked for the current transaction.
    The flags given are added (never cleared); `hold_reasons` is appended; `top_reason` is set when given
    (else "held"/"appeal" when the item had no reason yet). The version moves on when an existing item
    changes, so a moderator looking at the old state is told it changed."""
    kind = post_kind(post)
    now = timezone.now()
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().filter(post_kind=kind, post_id=post.pk, state=OPEN).first()
        created = False
        if item is None:
            question = question_of(post)
            try:
                with transaction.atomic():
                    item = ReviewItem.objects.create(
                        post_kind=kind, post_id=post.pk, question_id=question.pk, author_id=post.author_id,
                        topic_id=question.topic_id, language=question.language, created_at=now, updated_at=now,
                    )
                    created = True
            except IntegrityError:  # another request opened it first: join theirs
                item = ReviewItem.objects.select_for_update().get(post_kind=kind, post_id=post.pk, state=OPEN)
        item.flagged = item.flagged or flagged
        item.held = item.held or held
        item.appealed = item.appealed or appealed
        if hold_reasons:
            joined = ", ".join(part for part in (item.hold_reasons, hold_reasons) if part)
            item.hold_reasons = joined[: ReviewItem._meta.get_field("hold_reasons").max_length]
        if top_reason:
            item.top_reason = top_reason
        elif not item.top_reason:
            item.top_reason = "held" if held else "appeal" if appealed else ""
        item.priority = priority(item)
        item.updated_at = now
        if not created:
            item.version += 1
        item.save(update_fields=[
            "flagged", "held", "appealed", "hold_reasons", "top_reason", "priority", "updated_at", "version",
        ])
    transaction.on_commit(partial(caching.touch, item.question_id))
    return item


def lock_thread(question_id: int) -> None:
    """Lock the question row first, then items: the order community's services lock in (question, then
    its posts), so a queue action and a moderator's site action on the same thread never deadlock."""
    Question.objects.select_for_update().filter(pk=question_id).values_list("pk", flat=True).first()


def load_post(kind: str, post_id: int) -> Post | None:
    model = MODELS.get(kind)
    if model is None:
        return None
    related = {"question": (), "answer": ("question",), "comment": ("question", "answer")}[kind]
    return model.objects.select_related(*related).filter(pk=post_id).first()


def attach_posts(items: Iterable[ReviewItem]) -> list[ReviewItem]:
    """Set `item.post` on each item (None if the post is gone): one query per kind of post present."""
    items = list(items)
    wanted: dict[str, set[int]] = {}
    for item in items:
        wanted.setdefault(item.post_kind, set()).add(item.post_id)
    found: dict[tuple[str, int], Any] = {}
    for kind, ids in wanted.items():
        related = {"question": ("author__profile",), "answer": ("question", "author__profile"),
                   "comment": ("question", "answer", "author__profile")}[kind]
        for post in MODELS[kind].objects.select_related(*related).filter(pk__in=ids):
            found[(kind, post.pk)] = post
    for item in items:
        item.post = found.get((item.post_kind, item.post_id))
    return items


def admin_url(item: ReviewItem) -> str:
    """The item's page in the Wagtail admin queue ("" until the queue UI is installed)."""
    for name in ("moderation_review_item", "moderation_queue:item", "moderation_queue_item"):
        try:
            return reverse(name, args=[item.pk])
        except NoReverseMatch:
            continue
    return ""


# --- the queue --------------------------------------------------------------------------------------------------


def queue(filters: dict | None = None) -> QuerySet[ReviewItem]:
    """The review queue: open items (or `state`), highest priority first, then oldest. Filters (each
    optional; an unknown value is ignored, as list pages ignore unknown query parameters):
    `reason` — a FlagReason value (an open or resolved flag of that reason on the item), "held" or "appeal";
    `topic` — a topic page id; `kind` — question/answer/comment; `language` — a language code;
    `state` — "open" (default), "resolved" or "all". Related rows for a list page (question, author and
    profile, topic, resolver) come in the same query; posts with `attach_posts()`."""
    filters = dict(filters or {})
    items = ReviewItem.objects.select_related("question", "author__profile", "topic", "resolved_by")
    state = str(filters.get("state") or OPEN)
    if state in ReviewItem.State.values:
        items = items.filter(state=state)
    elif state != "all":
        items = items.filter(state=OPEN)
    reason = str(filters.get("reason") or "")
    if reason == "held":
        items = items.filter(held=True)
    elif reason == "appeal":
        items = items.filter(appealed=True)
    elif reason in FlagReason.values:
        items = items.filter(Exists(Flag.objects.filter(item=OuterRef("pk"), reason=reason)))
    topic = _positive_int(filters.get("topic"))
    if topic:
        items = items.filter(topic_id=topic)
    kind = str(filters.get("kind") or "")
    if kind in KINDS:
        items = items.filter(post_kind=kind)
    language_code = str(filters.get("language") or "")
    if language_code in dict(ReviewItem._meta.get_field("language").choices):
        items = items.filter(language=language_code)
    return items.order_by("-priority", "created_at", "pk")


def _positive_int(value: Any) -> int | None:
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and 0 < len(text) <= 18:
        return int(text)
    return None


def open_items_for_question(question_id: int) -> dict[tuple[str, int], ReviewItem]:
    """The open items of every post of one question page, in one query: (kind, post id) → item."""
    rows = ReviewItem.objects.filter(question_id=question_id, state=OPEN).only(
        "pk", "post_kind", "post_id", "flag_count", "version", "held", "appealed", "question_id"
    )
    return {(row.post_kind, row.post_id): row for row in rows}


# --- actions ------------------------------------------------------------------------------------------------------

ActionFn = Callable[[Any, ReviewItem, Any, str, dict], None]


@dataclass(frozen=True)
class ItemAction:
    name: str
    fn: ActionFn
    label: Any
    resolves: bool = True
    needs: tuple[str, ...] = ()  # "reason" (a reason is required) and keys that must be in `params`
    outcome: str = Flag.State.UPHELD  # what resolving does to the item's open flags: upheld or dismissed


ITEM_ACTIONS: dict[str, ItemAction] = {}


def register_item_action(
    name: str, fn: ActionFn, *, label: Any, resolves: bool = True, needs: Iterable[str] = (),
    outcome: str = Flag.State.UPHELD, message: Any = None,
) -> None:
    """Add an action on review items. `fn(actor_user, item, post, reason, params)` runs inside
    `act_on_item`'s transaction with the item locked (`post` is the item's post, None if it no longer
    exists); it raises ModerationError to refuse (nothing is written). `needs`: "reason" makes a reason
    required; any other name must be a key of `params`. `resolves`: the item is closed afterwards and its
    open flags become `outcome` ("upheld" or "dismissed"), their flaggers are told. Also defines the audit
    action `moderation.item.<name>` (`label` in the filter, `message` — past tense — per entry; defaults
    to the label). Registering a name again replaces it."""
    if outcome not in (Flag.State.UPHELD, Flag.State.DISMISSED):
        raise ValueError(f"outcome must be upheld or dismissed, not {outcome!r}")
    ITEM_ACTIONS[name] = ItemAction(name, fn, label, resolves, tuple(needs), outcome)
    audit.define_action(f"moderation.item.{name}", label, message or label)


def _who(user: Any) -> str:
    if user is None:
        return _("someone")
    profile = getattr(user, "profile", None)
    return getattr(profile, "name", "") or user.get_username()


def _stale(item: ReviewItem, user: Any) -> AlreadyHandled:
    if item.state != OPEN:
        action = ITEM_ACTIONS.get(item.resolution)
        values = {
            "action": str(action.label) if action else item.resolution,
            "name": _who(item.resolved_by),
            "when": date_format(timezone.localtime(item.resolved_at), "DATETIME_FORMAT") if item.resolved_at else "",
        }
        if item.resolved_by_id == user.pk:
            return AlreadyHandled(_("You already handled this item (“%(action)s”, %(when)s). Nothing was changed.") % values)
        return AlreadyHandled(
            _("Another moderator already handled this item (“%(action)s” by %(name)s, %(when)s). Nothing was changed.")
            % values
        )
    return AlreadyHandled(
        _("This item changed while you were looking at it (new flags or another moderator's action). Nothing was "
          "changed: please look at it again.")
    )


def act_on_item(
    actor: Actor | Any, item_id: int, *, action: str, version: int, reason: str = "", params: dict | None = None,
) -> ReviewItem:
    """Take `action` on review item `item_id`, which the moderator saw at `version` (module docstring)."""
    actor = as_actor(actor)
    user = actor.user
    params = dict(params or {})
    if not can_review(user):
        raise PermissionRefused(_("Only moderators can act on the review queue."))
    spec = ITEM_ACTIONS.get(action)
    if spec is None:
        raise ModerationError(_("Please choose one of the actions offered."), field="action")
    reason = clean_reason(reason)
    if "reason" in spec.needs and not reason:
        raise ModerationError(_("Please give a reason: the member will see it."), field="reason")
    for key in spec.needs:
        if key != "reason" and params.get(key) in (None, ""):
            raise ModerationError(_("Something this action needs is missing (%(name)s).") % {"name": key}, field=key)
    retry = consume("moderation-act-user", str(user.pk), limit=ACT_LIMIT[0], period=ACT_LIMIT[1])
    if retry:
        raise ModerationError(
            _("You are doing that too often. Please try again in %(seconds)d seconds.") % {"seconds": retry},
            retry_after=retry,
        )
    with transaction.atomic():
        row = ReviewItem.objects.filter(pk=item_id).values_list("pk", "question_id").first()
        if row is None:
            raise ModerationError(_("This review item does not exist."), status=404)
        if row[1] is not None:  # an appeal against an account sanction has no thread
            lock_thread(row[1])
        item = (
            ReviewItem.objects.select_for_update(of=("self",)).select_related("resolved_by__profile").get(pk=item_id)
        )
        # a resolved item still takes the measures on its author that resolve nothing (warn, silence, ...)
        if item.version != version or (item.state != OPEN and spec.resolves):
            raise _stale(item, user)
        post = load_post(item.post_kind, item.post_id)
        before = _state(item, post)
        token = _acting.set(True)
        try:
            spec.fn(user, item, post, reason, params)
        finally:
            _acting.reset(token)
        _finish(item, spec, user, post, before, reason)
    return item


def _finish(item: ReviewItem, spec: ItemAction, user: Any, post: Any, before: dict, reason: str) -> None:
    """After the action: resolve (flags, flaggers told, item closed), move the version, audit."""
    if post is not None:
        post.refresh_from_db(fields=["status", "status_reason"])
    now = timezone.now()
    if spec.resolves:
        resolve_flags(item, spec.outcome, user, now)
        item.state = RESOLVED
        item.resolved_at = now
        item.resolved_by = user
        item.resolution = spec.name
        item.resolution_reason = reason
    item.version += 1
    item.updated_at = now
    item.save(update_fields=[
        "state", "resolved_at", "resolved_by", "resolution", "resolution_reason", "version", "updated_at",
    ])
    audit.record(user, f"moderation.item.{spec.name}", item, before=before, after=_state(item, post), reason=reason)
    transaction.on_commit(partial(caching.touch, item.question_id))


# A moderator who deletes, hides or publishes a post with the site's own tools (not through the queue)
# has decided its open item too: it is resolved the same way (flags, flaggers told, audit entry).
_acting: ContextVar[bool] = ContextVar("moderation_acting_on_item", default=False)
STAFF_CHANGES = {"deleted": "delete", "hidden": "hide"}


def resolve_on_staff_change(event: PostStatusChanged) -> None:
    if _acting.get() or event.actor_id is None or not event.by_staff:
        return  # the queue's own action, the system (flags hid it), or the author
    if event.to_status == PostStatus.PUBLISHED:
        name = {PostStatus.PENDING: "approve", PostStatus.DELETED: "restore"}.get(event.from_status, "unhide")
    else:
        name = STAFF_CHANGES.get(event.to_status)
    spec = ITEM_ACTIONS.get(name or "")
    if spec is None:
        return
    item = ReviewItem.objects.select_for_update().filter(post_kind=event.post.kind, post_id=event.post.id, state=OPEN).first()
    if item is None:
        return
    user = get_user_model().objects.filter(pk=event.actor_id).first()
    post = load_post(item.post_kind, item.post_id)
    before = _state(item, post) | {"post_status": event.from_status}
    _finish(item, spec, user, post, before, event.reason)


def _state(item: ReviewItem, post: Any) -> dict:
    return {
        "item": item.state,
        "post": f"{item.post_kind}:{item.post_id}",
        "post_status": getattr(post, "status", None),
        "open_flags": item.flags.filter(state=Flag.State.OPEN).count() if item.flagged else 0,
    }


# --- flags' outcome -------------------------------------------------------------------------------------------------

OUTCOME_TITLE = {
    Flag.State.UPHELD: gettext_lazy("Moderators agreed with your flag"),
    Flag.State.DISMISSED: gettext_lazy("Moderators reviewed your flag"),
}
OUTCOME_TEXT = {
    Flag.State.UPHELD: gettext_lazy("You reported it as “%(reason)s”. Moderators agreed and took action. Thank you for helping."),
    Flag.State.DISMISSED: gettext_lazy(
        "You reported it as “%(reason)s”. Moderators looked at it and decided to leave it as it is. Thank you for helping."
    ),
}


# --- hook: upheld flags (moderation.cases.escalation registers one) ---
FLAGS_UPHELD_HOOKS: list[Callable[[ReviewItem, list, Any, Any], None]] = []


def on_flags_upheld(hook: Callable[[ReviewItem, list, Any, Any], None]) -> None:
    """Call `hook(item, flags, user, now)` inside the transaction when moderators uphold open flags."""
    if hook not in FLAGS_UPHELD_HOOKS:
        FLAGS_UPHELD_HOOKS.append(hook)
# --- end hook ---


def resolve_flags(item: ReviewItem, outcome: str, user: Any, now) -> int:
    """Close the item's open flags as `outcome` and tell each flagger (in their language), once per flag."""
    flags = list(item.flags.filter(state=Flag.State.OPEN).select_related("flagger__profile", "question"))
    if not flags:
        return 0
    Flag.objects.filter(pk__in=[flag.pk for flag in flags]).update(state=outcome, resolved_at=now, resolved_by=user)
    if outcome == Flag.State.UPHELD:
        for hook in FLAGS_UPHELD_HOOKS:  # support cases: an upheld "needs staff help" flag opens a case
            hook(item, flags, user, now)
    messages: dict[int, Message] = {}
    for flag in flags:
        flagger_language = language(flag.flagger)
        with reading(flagger_language):
            reason_label = str(FlagReason(flag.reason).label)
            messages[flag.flagger_id] = Message(
                kind=Notification.Kind.MODERATION,
                dedupe_key=f"moderation.flag:{flag.pk}",
                title=str(OUTCOME_TITLE[outcome]),
                excerpt=str(OUTCOME_TEXT[outcome]) % {"reason": reason_label},
                url=_flag_url(flag), language=flagger_language,
            )
    notify(messages)
    return len(flags)


def _flag_url(flag: Flag) -> str:
    """Where the flagger's notification points: the post in its thread (the page says if it is gone)."""
    url = flag.question.get_absolute_url()
    anchor = {"answer": "answer", "comment": "comment"}.get(flag.post_kind)
    return f"{url}#{anchor}-{flag.post_id}" if anchor else url


# --- built-in actions -------------------------------------------------------------------------------------------------


def _gone(post: Any) -> None:
    if post is None:
        raise ModerationError(_("This post no longer exists. Dismiss the item instead."))


def _refuse_deleted(post: Any, message: str) -> None:
    if post.status == PostStatus.DELETED:
        raise ModerationError(message)


def _approve(user: Any, item: ReviewItem, post: Any, reason: str, params: dict) -> None:
    """The post is fine: publish it if it was held or hidden for review."""
    _gone(post)
    _refuse_deleted(post, _("This post was deleted meanwhile (by its author or a moderator). Restore it or dismiss the item."))
    if post.status == PostStatus.PENDING:
        approve_post(user, post, reason=reason)
    elif post.status == PostStatus.HIDDEN:
        unhide_post(user, post, reason=reason)


def _dismiss(user: Any, item: ReviewItem, post: Any, reason: str, params: dict) -> None:
    """The flags were wrong: a post hidden by them is shown again; a deleted post stays deleted."""
    if post is None:
        return
    if post.status == PostStatus.PENDING:
        raise ModerationError(_("This post is waiting for approval: approve it or delete it."))
    if post.status == PostStatus.HIDDEN:
        unhide_post(user, post, reason=reason)


def _hide(user: Any, item: ReviewItem, post: Any, reason: str, params: dict) -> None:
    """Out of public view (the author still sees it, with the reason). Already hidden or deleted: the
    moderator's reason replaces the automatic one; a deleted post stays deleted."""
    _gone(post)
    if post.status in (PostStatus.PUBLISHED, PostStatus.PENDING):
        hide_post(user, post, reason=reason)
    elif post.status == PostStatus.HIDDEN:
        # hidden by the flags: the author now reads the moderator's reason instead of "until a moderator reviews it"
        type(post).objects.filter(pk=post.pk, status=PostStatus.HIDDEN).update(status_reason=reason)


def _unhide(user: Any, item: ReviewItem, post: Any, reason: str, params: dict) -> None:
    _gone(post)
    if post.status != PostStatus.HIDDEN:
        raise ModerationError(_("This post is not hidden (any more)."))
    unhide_post(user, post, reason=reason)


def _delete(user: Any, item: ReviewItem, post: Any, reason: str, params: dict) -> None:
    if post is None or post.status == PostStatus.DELETED:
        return  # already gone: the flags were right
    delete_post(user, post, reason=reason)


def _restore(user: Any, item: ReviewItem, post: Any, reason: str, params: dict) -> None:
    _gone(post)
    if post.status != PostStatus.DELETED:
        raise ModerationError(_("This post is not deleted."))
    restore_post(user, post, reason=reason)


DISMISSED = Flag.State.DISMISSED


def held_post(event: NewPost) -> None:
    """A post held by a pre-publish rule waits in the queue (subscribed inside the posting transaction)."""
    if not event.held:
        return
    post = load_post(event.post.kind, event.post.id)
    if post is not None:
        open_item(post, held=True, hold_reasons=", ".join(event.held_by))


def register() -> None:
    subscribe(NewPost, held_post, phase="atomic")
    subscribe(PostStatusChanged, resolve_on_staff_change, phase="atomic")
    register_item_action(
        "approve", _approve, outcome=DISMISSED, label=pgettext_lazy("audit log", "Approve (review queue)"),
        message=pgettext_lazy("audit log", "Approved from the review queue"),
    )
    register_item_action(
        "dismiss", _dismiss, outcome=DISMISSED, label=pgettext_lazy("audit log", "Dismiss flags"),
        message=pgettext_lazy("audit log", "Flags dismissed"),
    )
    register_item_action(
        "hide", _hide, needs=("reason",), label=pgettext_lazy("audit log", "Hide (review queue)"),
        message=pgettext_lazy("audit log", "Hidden from the review queue"),
    )
    register_item_action(
        "unhide", _unhide, outcome=DISMISSED, label=pgettext_lazy("audit log", "Show again (review queue)"),
        message=pgettext_lazy("audit log", "Shown again from the review queue"),
    )
    register_item_action(
        "delete", _delete, needs=("reason",), label=pgettext_lazy("audit log", "Delete (review queue)"),
        message=pgettext_lazy("audit log", "Deleted from the review queue"),
    )
    register_item_action(
        "restore", _restore, outcome=DISMISSED, label=pgettext_lazy("audit log", "Restore (review queue)"),
        message=pgettext_lazy("audit log", "Restored from the review queue"),
    )
    # the item actions' before/after values in words (stored raw: "open", "question:12", "hidden")
    kinds = dict(ITEM_KINDS)
    audit.register_change_format("moderation.item.", "item", pgettext_lazy("audit log", "Item"),
                                 lambda value: str(ReviewItem.State(value).label))
    audit.register_change_format(
        "moderation.item.", "post", pgettext_lazy("audit log", "Post"),
        lambda value: f"{kinds[value.partition(':')[0]]} {value.partition(':')[2]}",
    )
    audit.register_change_format("moderation.item.", "post_status", pgettext_lazy("audit log", "Post status"),
                                 lambda value: str(PostStatus(value).label))
    audit.register_change_format("moderation.item.", "open_flags", pgettext_lazy("audit log", "Open flags"))
    audit.register_target_label(
        "moderation.reviewitem",
        lambda item: _("Review item %(id)s: %(kind)s %(post)s") % {"id": item.pk, "kind": item.post_kind, "post": item.post_id},
    )
