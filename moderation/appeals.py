"""What a member sees of moderation, and their appeals.

`member_actions(member)` lists the sanctions on the member's account and the moderation actions taken on
their posts — read from the audit log (`portal.audit`: Wagtail `ModelLogEntry` rows whose target is one of
their questions, answers or comments) — each with its date, the action in plain words, the reason, a link
to the post when they may see it, and whether they appealed it. A constant number of queries, whatever the
number of actions.

A member appeals each action once (`file_appeal`; `Appeal.action` names it: "sanction:12" or "audit:345").
The appeal enters the review queue: an open `ReviewItem` marked `appealed` for the post, or for the
member's account (`post_kind` "member") when it is about a sanction. A moderator grants or denies it
(`decide_appeal`, or the queue's "appeal_grant"/"appeal_deny" actions): granting lifts the sanction, or
restores a deleted post / shows a hidden one again; other actions (an edit) are undone by hand. The member
is told the decision, with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import CharField, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from community import permissions as community_permissions
from community import services as community_services
from community.models import Answer, Comment, Question
from community.services.base import Actor, as_actor
from portal import audit, extensions
from portal.audit import LogEntry
from portal.notifications import recipient_language
from portal.ratelimit import consume
from portal.text_rules import has_control_chars

from . import sanctions
from .errors import AlreadyHandled, ModerationError, PermissionRefused, SelfReview
from .models import Appeal, ReviewItem, Sanction
from .permissions import can_appeal, can_review
from .review import open_item, priority

APPEAL_TEXT_MAX = 2000
APPEAL_LIMIT = (10, 3600)  # appeals per member per hour
DECIDE_LIMIT = (120, 3600)  # appeal decisions per moderator per hour
PAGE_SIZE = 50
POST_MODELS = {"question": Question, "answer": Answer, "comment": Comment}

# Audit actions on a member's posts that they see on their page, in plain words. Every `moderation.*` action
# on a post is shown too (named by its audit message).
POST_ACTIONS = {
    "community.delete": gettext_lazy("Deleted by a moderator"),
    "community.hide": gettext_lazy("Hidden by a moderator"),
    "community.restore": gettext_lazy("Restored by a moderator"),
    "community.unhide": gettext_lazy("Shown again by a moderator"),
    "community.approve": gettext_lazy("Approved and published"),
    "community.edit_others": gettext_lazy("Edited by a moderator"),
}
# What may be appealed: measures against the post (not restoring, showing or approving it).
APPEALABLE = {"community.delete", "community.hide", "community.edit_others"}
APPEALABLE_MODERATION_VERBS = {"delete", "hide", "edit", "lock", "close_duplicate", "merge", "move"}

AUDIT_ACTIONS = {
    "moderation.appeal.file": (pgettext_lazy("audit log", "File appeal"), pgettext_lazy("audit log", "Appeal filed")),
    "moderation.appeal.grant": (pgettext_lazy("audit log", "Grant appeal"), pgettext_lazy("audit log", "Appeal granted")),
    "moderation.appeal.deny": (pgettext_lazy("audit log", "Deny appeal"), pgettext_lazy("audit log", "Appeal denied")),
}


def is_appealable(action: str) -> bool:
    if action in APPEALABLE:
        return True
    return action.startswith("moderation.") and action.rsplit(".", 1)[-1] in APPEALABLE_MODERATION_VERBS


def _shown(action: str) -> bool:
    return action in POST_ACTIONS or action.startswith("moderation.")


def describe(action: str, entry: Any = None) -> str:
    """An audit action on a post in plain words, in the active language."""
    if action == "community.hide" and entry is not None and entry.user_id is None:
        return _("Hidden until a moderator reviews it (members flagged it)")
    if action in POST_ACTIONS:
        return str(POST_ACTIONS[action])
    known = audit.ACTIONS.get(action)
    return str(known[1]) if known else action


# --- the member's page ---------------------------------------------------------------------------------------


@dataclass
class ActionView:
    ref: str  # "sanction:12" / "audit:345": what an appeal names
    date: Any
    what: str
    reason: str
    post_label: str = ""
    post_url: str = ""
    detail: str = ""  # lifted, ended, in force
    appeal: Appeal | None = None
    appealable: bool = False

    @property
    def url_kind(self) -> str:
        return self.ref.partition(":")[0]

    @property
    def url_id(self) -> str:
        return self.ref.partition(":")[2]


@dataclass
class MemberActions:
    sanctions: list[ActionView] = field(default_factory=list)
    post_actions: list[ActionView] = field(default_factory=list)
    page: int = 1
    has_next: bool = False


def _sanction_view(sanction: Sanction, appeal: Appeal | None, now) -> ActionView:
    if sanction.lifted_at:
        detail = _("Lifted on %(date)s: %(reason)s") % {
            "date": sanctions.format_end(sanction.lifted_at), "reason": sanction.lift_reason,
        }
    elif sanction.kind == Sanction.Kind.WARN:
        detail = ""
    elif sanctions.is_active(sanction, now):
        detail = _("In force")
    else:
        detail = _("Ended")
    return ActionView(
        ref=f"sanction:{sanction.pk}", date=sanction.starts_at, what=sanctions.headline(sanction), reason=sanction.reason,
        detail=detail, appeal=appeal, appealable=appeal is None and sanction.lifted_at is None,
    )


def _post_entries(member: Any):
    """Audit entries whose target is one of the member's posts (one query, with subqueries)."""
    rule = Q()
    for model in POST_MODELS.values():
        keys = model.objects.filter(author=member).annotate(key=Cast("pk", CharField())).values("key")
        rule |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=Subquery(keys))
    actions = Q(action__in=list(POST_ACTIONS)) | Q(action__startswith="moderation.")
    return LogEntry.objects.filter(rule).filter(actions).order_by("-timestamp", "-pk")


def _posts(entries: list, member: Any) -> tuple[dict[tuple[str, int], Any], dict[int, str]]:
    """The posts the entries are about (one query per kind present), keyed by (kind, id)."""
    kinds = {ct.pk: kind for kind, ct in ((k, ContentType.objects.get_for_model(m)) for k, m in POST_MODELS.items())}
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        kind = kinds.get(entry.content_type_id)
        if kind and entry.object_id.isdigit():
            wanted.setdefault(kind, set()).add(int(entry.object_id))
    found: dict[tuple[str, int], Any] = {}
    related = {"question": (), "answer": ("question",), "comment": ("question", "answer")}
    for kind, ids in wanted.items():
        rows = POST_MODELS[kind].objects.filter(author=member, pk__in=ids).select_related(*related[kind])
        for post in rows.defer("body", "body_html") if kind == "question" else rows.defer("body"):
            found[(kind, post.pk)] = post
    return found, kinds


def _post_label(kind: str, post: Any) -> str:
    if kind == "question":
        return _("Your question “%(title)s”") % {"title": post.title}
    if kind == "answer":
        return _("Your answer to “%(title)s”") % {"title": post.question.title}
    return _("Your comment on “%(title)s”") % {"title": post.question.title}


def _post_url(kind: str, post: Any) -> str:
    question = post if kind == "question" else post.question
    url = question.get_absolute_url()
    return url if kind == "question" else f"{url}#{kind}-{post.pk}"


def member_actions(member: Any, *, page: int = 1) -> MemberActions:
    """The member's sanctions (all) and one page of the actions on their posts, newest first. Five queries
    at most: sanctions, appeals, audit entries, and the posts of each kind the page names."""
    now = timezone.now()
    appeals = {appeal.action: appeal for appeal in Appeal.objects.filter(member=member)}
    result = MemberActions(page=page)
    for sanction in Sanction.objects.filter(member=member).order_by("-starts_at", "-pk"):
        result.sanctions.append(_sanction_view(sanction, appeals.get(f"sanction:{sanction.pk}"), now))
    offset = (page - 1) * PAGE_SIZE
    entries = list(_post_entries(member)[offset : offset + PAGE_SIZE + 1])
    result.has_next = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    posts, kinds = _posts(entries, member)
    for entry in entries:
        kind = kinds.get(entry.content_type_id, "")
        post = posts.get((kind, int(entry.object_id))) if entry.object_id.isdigit() else None
        ref = f"audit:{entry.pk}"
        appeal = appeals.get(ref)
        view = ActionView(
            ref=ref, date=entry.timestamp, what=describe(entry.action, entry), reason=(entry.data or {}).get("reason", ""),
            appeal=appeal, appealable=appeal is None and is_appealable(entry.action),
        )
        if post is not None:
            view.post_label = _post_label(kind, post)
            if community_permissions.can_view(member, post):
                view.post_url = _post_url(kind, post)
        result.post_actions.append(view)
    return result


# --- resolving an action ----------------------------------------------------------------------------------------


@dataclass
class Subject:
    """The action an appeal names: a sanction, or an audit entry on one of the member's posts."""

    ref: str
    member_id: int
    sanction: Sanction | None = None
    entry: Any = None
    post_kind: str = ""
    post: Any = None


def resolve(ref: str) -> Subject | None:
    kind, _sep, number = (ref or "").partition(":")
    if not (number.isascii() and number.isdigit()) or len(number) > 18:
        return None
    pk = int(number)
    if kind == "sanction":
        sanction = Sanction.objects.filter(pk=pk).first()
        return Subject(ref, sanction.member_id, sanction=sanction) if sanction else None
    if kind == "audit":
        entry = LogEntry.objects.filter(pk=pk).select_related("content_type").first()
        if entry is None or not _shown(entry.action) or entry.content_type.app_label != "community":
            return None
        model = POST_MODELS.get(entry.content_type.model)
        post = model.objects.filter(pk=entry.object_id).first() if model and entry.object_id.isdigit() else None
        if post is None:
            return None
        return Subject(ref, post.author_id, entry=entry, post_kind=entry.content_type.model, post=post)
    return None


def subject_view(subject: Subject, member: Any) -> ActionView:
    """The one action, as the member's page shows it (for the appeal form)."""
    if subject.sanction is not None:
        return _sanction_view(subject.sanction, None, timezone.now())
    view = ActionView(
        ref=subject.ref, date=subject.entry.timestamp, what=describe(subject.entry.action, subject.entry),
        reason=(subject.entry.data or {}).get("reason", ""), post_label=_post_label(subject.post_kind, subject.post),
        appealable=is_appealable(subject.entry.action),
    )
    if community_permissions.can_view(member, subject.post):
        view.post_url = _post_url(subject.post_kind, subject.post)
    return view


# --- filing -----------------------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ModerationError(_("Please explain why the decision should change."), field="text")
    if has_control_chars(text):  # a NUL, a bidi override: refused with the text kept in the form
        raise ModerationError(_("The text contains control characters; please remove them."), field="text")
    if len(text) > APPEAL_TEXT_MAX:
        raise ModerationError(
            _("Please keep your appeal under %(max)d characters (it has %(count)d).") % {"max": APPEAL_TEXT_MAX, "count": len(text)},
            field="text",
        )
    return text


def _open_item_here(*, post_kind: str, post_id: int, question: Question | None, author_id: int, topic_id, language: str) -> ReviewItem:
    """The one open review item for a post or a member's account, created or joined, marked appealed."""
    now = timezone.now()
    lookup = {"post_kind": post_kind, "post_id": post_id, "state": ReviewItem.State.OPEN}
    item = ReviewItem.objects.select_for_update().filter(**lookup).first()
    if item is None:
        try:
            with transaction.atomic():
                item = ReviewItem(
                    **lookup, question=question, author_id=author_id, topic_id=topic_id, language=language,
                    appealed=True, top_reason="appeal", created_at=now, updated_at=now,
                )
                item.priority = priority(item)
                item.save()
                return item
        except IntegrityError:  # another request opened it a moment ago: join it
            item = ReviewItem.objects.select_for_update().get(**lookup)
    if not item.appealed:
        item.appealed, item.top_reason, item.updated_at = True, item.top_reason or "appeal", now
        item.priority = priority(item)
        item.version += 1
        item.save(update_fields=["appealed", "top_reason", "priority", "updated_at", "version"])
    return item


def _open_item(subject: Subject, member: Any) -> ReviewItem:
    if subject.post is None:  # an account sanction: the item is about the member
        language = recipient_language(member.pk)
        return _open_item_here(
            post_kind="member", post_id=member.pk, question=None, author_id=member.pk, topic_id=None, language=language
        )
    return open_item(subject.post, appealed=True)  # the review queue's own (it recomputes the priority)


def file_appeal(actor: Actor | Any, action_ref: str, text: str) -> Appeal:
    """The member appeals one action on their post or account, once; the appeal enters the review queue."""
    user = as_actor(actor).user
    subject = resolve(action_ref)
    if subject is None or not can_appeal(user, subject.member_id):
        raise ModerationError(_("That moderation action does not exist, or it is not about you."), status=404)
    if subject.sanction is not None and subject.sanction.lifted_at is not None:
        raise ModerationError(_("This sanction was already lifted."))
    if subject.entry is not None and not is_appealable(subject.entry.action):
        raise ModerationError(_("This action cannot be appealed."))
    text = clean_text(text)
    ref = f"{action_ref.partition(':')[0]}:{int(action_ref.partition(':')[2])}"
    already = _("You have already appealed this action: each action can be appealed once.")
    if Appeal.objects.filter(member=user, action=ref).exists():
        raise ModerationError(already, status=409)
    retry = consume("moderation-appeal", str(user.pk), limit=APPEAL_LIMIT[0], period=APPEAL_LIMIT[1])
    if retry:
        raise ModerationError(
            ngettext("You are doing that too often. Please try again in %(seconds)d second.", "You are doing that too often. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry},
            retry_after=retry,
        )
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(member=user, action=ref, text=text, created_at=timezone.now())
            appeal.item = _open_item(subject, user)
            appeal.save(update_fields=["item"])
            audit.record(user, "moderation.appeal.file", appeal, after={"state": appeal.state}, reason=text[:500])
    except IntegrityError:  # a double submit
        raise ModerationError(already, status=409) from None
    return appeal


# --- deciding ---------------------------------------------------------------------------------------------------


def _reverse_post_action(user: Any, subject: Subject, reason: str) -> None:
    """Undo a deletion or a hiding (the post's own services: state, counters, audit); nothing for an edit."""
    action = subject.entry.action
    verb = action.rsplit(".", 1)[-1]
    post = subject.post
    if verb == "delete" and post.status == "deleted":
        community_services.restore_post(user, post, reason=reason)
    elif verb == "hide" and post.status == "hidden":
        community_services.unhide_post(user, post, reason=reason)


def decided_by(subject: Subject) -> int | None:
    """The id of the moderator who took the decision an appeal is against (None: unknown or gone)."""
    if subject.sanction is not None:
        return subject.sanction.created_by_id
    return getattr(subject.entry, "user_id", None)


def own_decisions(user: Any, item: ReviewItem) -> bool:
    """Whether an open appeal of `item` is against a decision `user` took. The item's appeal actions decide every
    open appeal at once, so another moderator decides the item: the review page offers this one no appeal action
    (and the actions refuse them)."""
    open_appeals = item.appeals.filter(state=Appeal.State.OPEN).values_list("action", flat=True)
    return any((subject := resolve(action)) is not None and decided_by(subject) == user.pk for action in open_appeals)


def _decide(user: Any, appeal: Appeal, *, grant: bool, reason: str) -> Appeal:
    """Inside a transaction: decide one open appeal (refused when already decided), audit, tell the member."""
    locked = Appeal.objects.select_for_update().select_related("member").get(pk=appeal.pk)
    if locked.state != Appeal.State.OPEN:
        raise AlreadyHandled(_("Another moderator already decided this appeal."))
    subject = resolve(locked.action)
    if subject is not None and decided_by(subject) == user.pk:  # the member was told another moderator reads it
        raise SelfReview(_("You took the decision this appeal is against: another moderator decides it."))
    if grant:
        if subject is not None and subject.sanction is not None:
            if sanctions.is_active(subject.sanction):
                sanctions._lift(user, subject.sanction, reason)
        elif subject is not None and subject.entry is not None:
            _reverse_post_action(user, subject, reason)
    now = timezone.now()
    locked.state = Appeal.State.GRANTED if grant else Appeal.State.DENIED
    locked.decided_at, locked.decided_by, locked.decision_reason = now, user, reason
    locked.save(update_fields=["state", "decided_at", "decided_by", "decision_reason"])
    audit.record(
        user, f"moderation.appeal.{'grant' if grant else 'deny'}", locked,
        before={"state": Appeal.State.OPEN}, after={"state": locked.state}, reason=reason,
    )
    title = (lambda: _("Your appeal was granted")) if grant else (lambda: _("Your appeal was denied"))
    sanctions._notify(locked.member, f"appeal:{locked.pk}:{locked.state}", title, reason[:300])
    appeal.state, appeal.decided_at, appeal.decided_by, appeal.decision_reason = locked.state, now, user, reason
    return locked


def decide_appeal(actor: Actor | Any, appeal: Appeal, *, grant: bool, reason: str) -> Appeal:
    """A moderator grants (lift the sanction / restore or show the post) or denies an appeal, with a reason the
    member reads. The appeal's review item is resolved when nothing else keeps it open."""
    user = as_actor(actor).user
    if not can_review(user):
        raise PermissionRefused(_("Only moderators can decide appeals."))
    reason = sanctions.required_reason(reason)
    retry = consume("moderation-appeal-decide", str(user.pk), limit=DECIDE_LIMIT[0], period=DECIDE_LIMIT[1])
    if retry:
        raise ModerationError(
            ngettext("You are doing that too often. Please try again in %(seconds)d second.", "You are doing that too often. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry},
            retry_after=retry,
        )
    with transaction.atomic():
        decided = _decide(user, appeal, grant=grant, reason=reason)
        if decided.item_id:
            _close_item(user, decided.item_id, "appeal_grant" if grant else "appeal_deny", reason)
    return decided


def _close_item(user: Any, item_id: int, resolution: str, reason: str) -> None:
    """Resolve the appeal's item if it is open only for appeals and none is left open."""
    item = ReviewItem.objects.select_for_update().filter(pk=item_id, state=ReviewItem.State.OPEN).first()
    if item is None or item.flagged or item.held or item.appeals.filter(state=Appeal.State.OPEN).exists():
        return
    item.state, item.resolved_at, item.resolved_by = ReviewItem.State.RESOLVED, timezone.now(), user
    item.resolution, item.resolution_reason, item.version = resolution, reason, item.version + 1
    item.save(update_fields=["state", "resolved_at", "resolved_by", "resolution", "resolution_reason", "version"])


# --- review queue actions -----------------------------------------------------------------------------------------


def _item_decision(grant: bool):
    def action(actor_user: Any, item: ReviewItem, post: Any, reason: str, params: dict) -> None:
        open_appeals = list(item.appeals.filter(state=Appeal.State.OPEN).order_by("pk"))
        if not open_appeals:
            raise ModerationError(_("This item has no open appeal."))
        if own_decisions(actor_user, item):  # before deciding any: all of the item's appeals or none
            raise SelfReview(_("You took the decision this appeal is against: another moderator decides it."))
        for appeal in open_appeals:
            _decide(actor_user, appeal, grant=grant, reason=sanctions.required_reason(reason))

    action.__name__ = "appeal_grant" if grant else "appeal_deny"
    return action


appeal_grant = _item_decision(True)
appeal_deny = _item_decision(False)


def register_item_actions() -> None:
    from . import review

    review.register_item_action(
        "appeal_grant", appeal_grant, label=pgettext_lazy("review action", "Grant the appeal"), resolves=True,
        needs=("reason",),  # the member reads it: the form marks it required
    )
    review.register_item_action(
        "appeal_deny", appeal_deny, label=pgettext_lazy("review action", "Deny the appeal"), resolves=True,
        needs=("reason",),
    )


# --- registration -----------------------------------------------------------------------------------------------


def _appeal_label(appeal: Appeal) -> str:
    return _("Appeal %(id)s against %(action)s") % {"id": appeal.pk, "action": appeal.action}


def register() -> None:
    for name, (label, message) in AUDIT_ACTIONS.items():
        audit.define_action(name, label, message)
    audit.register_change_format("moderation.appeal.", "state", pgettext_lazy("audit log field", "State"),
                                 audit.choice_words(Appeal.State))
    audit.register_target_label("moderation.appeal", _appeal_label)
    extensions.register_page_section("profile", extensions.PageSection(  # the link on the member's own profile
        "moderation", _no_context, template="moderation/member/profile_link.html", order=200,
    ))


def _no_context(member: Any, request: Any) -> dict:
    return {}
