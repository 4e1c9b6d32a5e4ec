"""What agents do to support cases: status, replies (public on the thread or private to the customer),
internal notes, priority, assignee and tags, and canned responses (macros).

Every function follows the house pattern: permission (`permissions.can_work_case`) → validation →
`transaction.atomic()` → the case row locked with `select_for_update` (and, with `expected_version`, refused
with `AlreadyHandled` (409) when another agent changed it first: nothing is written) → `save(update_fields)`
with `version` + 1 → one `CaseEvent` and one audit entry (`timeline.record`) → domain events (`CaseUpdated`,
`CaseSolved`, `AgentReplied`) whose commit-phase subscribers send webhooks and emails.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.services import Actor, post_support_answer, throttle
from community.services.base import clean_reason
from community.validation import FieldError, clean_body
from portal.events import publish
from portal.notifications import Kind as NotificationKind
from portal.notifications import Message, excerpt_from_html, notify
from portal.site_url import absolute_url
from portal.timezones import reading

from . import permissions, sla, timeline
from .errors import AlreadyHandled, CaseError, PermissionRefused
from .events import AgentReplied, CaseSolved, CaseUpdated
from .models import AgentProfile, Case, CaseEvent, CaseStatus, Macro, Priority

REPLY_MAX = 10_000
NOTE_MAX = 5_000
TAG_MAX = 50
TAGS_MAX = 10
TAG_RE = re.compile(r"^[\w][\w\-+.#]*$")
PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
KEEP_STATUS = ""  # `reply(status=...)`: leave the status as it is (after new → open)


# --- shared steps --------------------------------------------------------------------------------------------


def _user(actor: Any) -> Any:
    return actor.user if isinstance(actor, Actor) else actor


def _check(actor: Any) -> Actor:
    actor = actor if isinstance(actor, Actor) else Actor(actor)
    if not permissions.can_work_case(actor.user):
        raise PermissionRefused(_("Only support agents can work on support cases."))
    return actor


def _limit(actor: Actor) -> None:
    throttle("moderate", actor)


def _stale_message() -> str:
    return _(
        "Someone else changed this case while you were looking at it. Nothing was saved: "
        "check the case as it is now and try again."
    )


def _lock(case: Case, expected_version: Any) -> Case:
    locked = Case.objects.select_for_update(of=("self",)).select_related("policy__calendar").get(pk=case.pk)
    if expected_version not in (None, ""):
        try:
            expected = int(expected_version)
        except (TypeError, ValueError):
            raise AlreadyHandled(_stale_message()) from None
        if locked.version != expected:
            raise AlreadyHandled(_stale_message())
    return locked


def _save(case: Case, now: datetime, fields: list[str]) -> None:
    case.version += 1
    case.updated_at = now
    case.save(update_fields=[*dict.fromkeys([*fields, "version", "updated_at"])])


def _sync(original: Case, locked: Case) -> Case:
    """Copy the saved state back onto the caller's instance (views keep using it)."""
    for field in locked._meta.concrete_fields:
        setattr(original, field.attname, getattr(locked, field.attname))
    return locked


def _clean_text(body: str, limit: int) -> str:
    try:
        return clean_body(body, field="body", limit=limit)
    except FieldError as error:
        raise CaseError(error.message, field=error.field) from None


def _reason(reason: str) -> str:
    try:
        return clean_reason(reason)
    except Exception as error:  # CommunityError: re-raise as the case's own error type
        raise CaseError(getattr(error, "message", str(error)), field="reason") from None


def _refuse_transition(case: Case, status: str) -> None:
    if status not in CaseStatus.values:
        raise CaseError(_("Please choose a valid status."), field="status")
    if status == case.status:
        raise CaseError(
            _("The case is already “%(status)s”.") % {"status": CaseStatus(status).label}, field="status"
        )
    if not case.can_move_to(status):
        raise CaseError(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": CaseStatus(case.status).label, "to": CaseStatus(status).label},
            field="status",
        )


def _latest_public_answer_id(case: Case) -> int | None:
    return (
        CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.PUBLIC_REPLY, answer__isnull=False)
        .order_by("-created_at", "-pk").values_list("answer_id", flat=True).first()
    )


def _apply_status(actor: Any, case: Case, status: str, now: datetime, reason: str = "") -> tuple[list[str], str, CaseEvent]:
    """Move the locked `case` to `status` (already validated): timestamps, solution, SLA clock, the
    timeline entry and its audit entry. Returns (changed fields, audit action, entry)."""
    before = case.status
    fields = ["status", "next_due_at"]
    case.status = status
    if status == CaseStatus.SOLVED:
        case.solved_at = now
        case.solution_answer_id = _latest_public_answer_id(case)
        fields += ["solved_at", "solution_answer"]
        action = "cases.solve"
    elif status == CaseStatus.CLOSED:
        case.closed_at = now
        fields.append("closed_at")
        action = "cases.status"
    elif status == CaseStatus.OPEN and before in (CaseStatus.PENDING, CaseStatus.SOLVED):
        action = "cases.reopen"
        if before == CaseStatus.SOLVED:
            case.solved_at = None
            case.solution_answer_id = None
            fields += ["solved_at", "solution_answer"]
    else:
        action = "cases.status"
    case.next_due_at = sla.next_due(case)
    entry = timeline.record(
        case, CaseEvent.Kind.STATUS, _user(actor), data={"from": before, "to": status, "reason": reason}, now=now,
        audit_action=action, reason=reason, before={"status": before}, after={"status": status},
    )
    return fields, action, entry


def _publish_update(case: Case, actor: Any, changes: dict, entry: CaseEvent | None) -> None:
    cls = CaseSolved if changes.get("status", [None, None])[1] == CaseStatus.SOLVED else CaseUpdated
    publish(cls(case_id=case.pk, question_id=case.question_id, actor_id=getattr(_user(actor), "pk", None),
                changes=changes, entry_id=entry.pk if entry else None))


# --- status ------------------------------------------------------------------------------------------------


def change_status(
    actor: Any, case: Case, status: str, *, reason: str = "", expected_version: Any = None, now: datetime | None = None
) -> Case:
    """Move the case along `TRANSITIONS` (solved: solved_at and the solution answer; closed: closed_at;
    pending/solved → open is a reopen). Publishes `CaseSolved` or `CaseUpdated`."""
    actor = _check(actor)
    reason = _reason(reason)
    _refuse_transition(case, status)  # early, friendly; checked again on the locked row
    _limit(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case, expected_version)
        _refuse_transition(locked, status)
        before = locked.status
        fields, _action, entry = _apply_status(actor.user, locked, status, now, reason)
        _save(locked, now, fields)
        _publish_update(locked, actor.user, {"status": [before, status]}, entry)
    return _sync(case, locked)


# --- replies and notes -------------------------------------------------------------------------------------


def customer_case_path(case: Case) -> str:
    """The customer's case page in the customer's language (/ja/support/cases/<id>/ for Japanese)."""
    with translation.override(case.language or "en"):
        try:
            return reverse("support_case", kwargs={"pk": case.pk})
        except NoReverseMatch:
            try:
                return reverse("support_case", args=[case.pk])
            except NoReverseMatch:
                prefix = "" if (case.language or "en") == "en" else f"/{case.language}"
                return f"{prefix}/support/cases/{case.pk}/"


def _customer_language(case: Case) -> str:
    profile = getattr(case.customer, "profile", None) if case.customer_id else None
    return getattr(profile, "language", None) or case.language or "en"


def _notify_customer(case: Case, entry: CaseEvent, agent: Any, body_html: str) -> None:
    language = _customer_language(case)
    with reading(language):
        title = _("The support team replied to your case %(number)s: %(title)s") % {
            "number": case.number, "title": case.question_title,
        }
    path = customer_case_path(case)
    notify({case.customer_id: Message(
        kind=NotificationKind.SUPPORT, dedupe_key=f"case-reply:{entry.pk}", title=title, url=path, language=language,
        excerpt=excerpt_from_html(body_html), actor_id=getattr(agent, "pk", None), target=f"moderation.case:{case.pk}",
    )})


def reply(
    actor: Any, case: Case, *, body: str, public: bool, status: str | None = None, expected_version: Any = None,
    now: datetime | None = None,
) -> CaseEvent:
    """An agent's reply. Public: posted on the question thread as a "Support team" answer (followers are
    notified); private: shown on the customer's case page only. Either way the customer is notified
    (email, in their language), the first reply stops the first-response clock, a new case becomes open
    (or moves to `status`, e.g. pending customer), and `AgentReplied` is published."""
    actor = _check(actor)
    body = _clean_text(body, REPLY_MAX)
    if case.status == CaseStatus.CLOSED:
        raise CaseError(_("This case is closed: it accepts no more replies."))
    _limit(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case, expected_version)
        if locked.status == CaseStatus.CLOSED:
            raise CaseError(_("This case is closed: it accepts no more replies."))
        before = locked.status
        target = status or (CaseStatus.OPEN if before == CaseStatus.NEW else before)
        if target != before:
            _refuse_transition(locked, target)
        answer = None
        if public:
            answer = post_support_answer(actor.user, locked.question, body=body)
        kind = CaseEvent.Kind.PUBLIC_REPLY if public else CaseEvent.Kind.PRIVATE_REPLY
        entry = timeline.record(
            locked, kind, actor.user, body=body, answer=answer, now=now,
            audit_action="cases.reply_public" if public else "cases.reply_private",
            after={"answer": answer.pk} if answer else None,
        )
        fields: list[str] = []
        if locked.first_responded_at is None:
            locked.first_responded_at = now
            fields.append("first_responded_at")
        changes: dict = {"reply": "public" if public else "private"}
        if target != before:
            fields += _apply_status(actor.user, locked, target, now)[0]
            changes["status"] = [before, target]
        locked.next_due_at = sla.next_due(locked)
        _save(locked, now, [*fields, "next_due_at"])
        _notify_customer(locked, entry, actor.user, entry.body_html)
        publish(AgentReplied(
            case_id=locked.pk, question_id=locked.question_id, actor_id=actor.user.pk, changes=changes,
            entry_id=entry.pk, public=bool(public),
        ))
        if changes.get("status", [None, None])[1] == CaseStatus.SOLVED:
            _publish_update(locked, actor.user, {"status": changes["status"]}, entry)
    _sync(case, locked)
    return entry


def add_note(actor: Any, case: Case, *, body: str, now: datetime | None = None) -> CaseEvent:
    """An internal note (agents only; never shown to the customer). Notes do not move the case's
    version: they cannot conflict with another agent's change."""
    actor = _check(actor)
    body = _clean_text(body, NOTE_MAX)
    _limit(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        entry = timeline.record(locked, CaseEvent.Kind.NOTE, actor.user, body=body, now=now, audit_action="cases.note")
        _publish_update(locked, actor.user, {"reply": "note"}, entry)
    return entry


# --- priority, assignee, tags --------------------------------------------------------------------------------


def set_priority(
    actor: Any, case: Case, priority: str, *, reason: str = "", expected_version: Any = None, now: datetime | None = None
) -> Case:
    """Change the priority; the due times are recomputed from the case's opening with its policy."""
    actor = _check(actor)
    if priority not in Priority.values:
        raise CaseError(_("Please choose a valid priority."), field="priority")
    reason = _reason(reason)
    _limit(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case, expected_version)
        before = locked.priority
        if before == priority:
            return _sync(case, locked)
        if locked.status == CaseStatus.CLOSED:
            raise CaseError(_("This case is closed: it cannot be changed any more."))
        policy = locked.policy if locked.policy_id else sla.policy_for(locked.topic_id)
        locked.priority = priority
        locked.first_response_due, locked.resolution_due = sla.due_times(policy, priority, locked.created_at)
        locked.next_due_at = sla.next_due(locked)
        entry = timeline.record(
            locked, CaseEvent.Kind.PRIORITY, actor.user, data={"from": before, "to": priority, "reason": reason},
            now=now, audit_action="cases.priority", reason=reason, before={"priority": before}, after={"priority": priority},
        )
        _save(locked, now, ["priority", "first_response_due", "resolution_due", "next_due_at"])
        _publish_update(locked, actor.user, {"priority": [before, priority]}, entry)
    return _sync(case, locked)


def assign(
    actor: Any, case: Case, assignee: Any, *, reason: str = "", expected_version: Any = None, now: datetime | None = None
) -> Case:
    """Give the case to `assignee` (a support agent), or take it from everyone (None)."""
    actor = _check(actor)
    if assignee is not None and not permissions.is_agent(assignee):
        raise CaseError(_("Cases can only be assigned to support agents."), field="assignee")
    reason = _reason(reason)
    _limit(actor)
    now = now or timezone.now()
    new_id = getattr(assignee, "pk", None)
    with transaction.atomic():
        locked = _lock(case, expected_version)
        before = locked.assignee_id
        if before == new_id:
            return _sync(case, locked)
        if locked.status == CaseStatus.CLOSED:
            raise CaseError(_("This case is closed: it cannot be changed any more."))
        locked.assignee_id = new_id
        data = {"from": before, "to": new_id, "to_name": assignee.get_username() if assignee else "", "reason": reason}
        entry = timeline.record(
            locked, CaseEvent.Kind.ASSIGNED, actor.user, data=data, now=now, audit_action="cases.assign",
            reason=reason, before={"assignee": before}, after={"assignee": new_id},
        )
        _save(locked, now, ["assignee"])
        if new_id:
            AgentProfile.objects.filter(user_id=new_id).update(last_assigned_at=now)
        _publish_update(locked, actor.user, {"assignee": [before, new_id]}, entry)
    return _sync(case, locked)


def clean_tags(tags: str | list[str] | tuple[str, ...]) -> list[str]:
    """Tag names from a list or a comma/space separated string: lower case, letters, digits and - + . #,
    at most TAGS_MAX of at most TAG_MAX characters each, duplicates dropped."""
    if isinstance(tags, str):
        tags = re.split(r"[,\s、]+", tags)
    names: list[str] = []
    for raw in tags:
        name = str(raw).strip().lower()
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise CaseError(_("A tag can be at most %(max)d characters long.") % {"max": TAG_MAX}, field="tags")
        if not TAG_RE.match(name):
            raise CaseError(
                _("“%(tag)s” is not a valid tag: use letters, digits and - + . # only.") % {"tag": name[:TAG_MAX]},
                field="tags",
            )
        if name not in names:
            names.append(name)
    if len(names) > TAGS_MAX:
        raise CaseError(_("Use at most %(max)d tags.") % {"max": TAGS_MAX}, field="tags")
    return names


def set_tags(
    actor: Any, case: Case, tags: str | list[str], *, expected_version: Any = None, now: datetime | None = None
) -> Case:
    actor = _check(actor)
    names = clean_tags(tags)
    _limit(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case, expected_version)
        before = sorted(locked.tags.names())
        if before == sorted(names):
            return _sync(case, locked)
        if locked.status == CaseStatus.CLOSED:
            raise CaseError(_("This case is closed: it cannot be changed any more."))
        locked.tags.set(names)
        entry = timeline.record(
            locked, CaseEvent.Kind.TAGS, actor.user, data={"from": before, "to": sorted(names)}, now=now,
            audit_action="cases.tags", before={"tags": " ".join(before)}, after={"tags": " ".join(sorted(names))},
        )
        _save(locked, now, [])
        _publish_update(locked, actor.user, {"tags": [before, sorted(names)]}, entry)
    return _sync(case, locked)


# --- macros ------------------------------------------------------------------------------------------------


def _display_name(user: Any) -> str:
    if user is None:
        return ""
    profile = getattr(user, "profile", None)
    try:
        return (profile.display_name if profile else "") or user.get_username()
    except Exception:  # noqa: BLE001 - a missing profile row: fall back to the username
        return user.get_username()


def question_url(case: Case) -> str:
    """The live thread's absolute address, in the case's language."""
    question = case.question
    with translation.override(case.language or "en"):
        try:
            path = question.get_absolute_url()
        except NoReverseMatch:
            path = f"/community/q/{question.pk}/"
    return absolute_url(path)


def render_macro(macro: Macro, case: Case, agent: Any) -> str:
    """The macro's text in the case's language with its placeholders filled in. Unknown placeholders (and
    any other braces) are left exactly as written."""
    text = macro.body_for(case.language or "en")
    values = {
        "customer_name": _display_name(case.customer) if case.customer_id else "",
        "question_title": case.question_title,
        "question_url": question_url(case) if case.question_id else "",
        "case_number": case.number,
        "agent_name": _display_name(agent),
    }
    return PLACEHOLDER_RE.sub(lambda match: values.get(match.group(1), match.group(0)), text)
