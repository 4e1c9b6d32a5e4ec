"""Writing a case's timeline: every change is one `CaseEvent` row (append-only) and, when staff or the
system made it, one `portal.audit` entry (`cases.<verb>`), in the same transaction as the change.

An "assigned" entry holds `assignment_data()`: the assignee's id and username (`to_name`), whoever assigned
the case (an agent, or the system when the case opens). Entries written before auto-assignment stored the
name hold the id only: `assignee_names()` reads their names for the timeline in one query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from portal import audit
from portal.sanitize import render_markdown

from .models import Case, CaseEvent, CaseStatus, EscalationReason, Priority

# audit action: (label in the Site history filter, message per entry)
AUDIT_ACTIONS = {
    "cases.escalate": (pgettext_lazy("audit log", "Escalate question to support"), pgettext_lazy("audit log", "Escalated to support")),
    "cases.assign": (pgettext_lazy("audit log", "Assign support case"), pgettext_lazy("audit log", "Assigned")),
    "cases.status": (pgettext_lazy("audit log", "Change case status"), pgettext_lazy("audit log", "Status changed")),
    "cases.solve": (pgettext_lazy("audit log", "Solve support case"), pgettext_lazy("audit log", "Solved")),
    "cases.reopen": (pgettext_lazy("audit log", "Reopen support case"), pgettext_lazy("audit log", "Reopened")),
    "cases.priority": (pgettext_lazy("audit log", "Change case priority"), pgettext_lazy("audit log", "Priority changed")),
    "cases.tags": (pgettext_lazy("audit log", "Change case tags"), pgettext_lazy("audit log", "Tags changed")),
    "cases.reply_public": (pgettext_lazy("audit log", "Reply publicly on a case"), pgettext_lazy("audit log", "Replied publicly")),
    "cases.reply_private": (pgettext_lazy("audit log", "Reply privately on a case"), pgettext_lazy("audit log", "Replied privately")),
    "cases.note": (pgettext_lazy("audit log", "Add internal note to a case"), pgettext_lazy("audit log", "Internal note added")),
    "cases.accept": (pgettext_lazy("audit log", "Accept answer for a silent asker"), pgettext_lazy("audit log", "Answer accepted by the support team")),
}


def register() -> None:
    for name, (label, message) in AUDIT_ACTIONS.items():
        audit.define_action(name, label, message)
    audit.register_change_format("cases.", "status", pgettext_lazy("audit log field", "Status"), audit.choice_words(CaseStatus))
    audit.register_change_format("cases.", "priority", pgettext_lazy("audit log field", "Priority"), audit.choice_words(Priority))
    audit.register_change_format("cases.", "reason", pgettext_lazy("audit log field", "Escalated because"),
                                 audit.choice_words(EscalationReason))
    audit.register_target_label(Case._meta.label_lower, lambda case: f"{case.number} {case.question_title}"[:200])


def record(
    case: Case, kind: str, actor: Any = None, *, body: str = "", data: dict | None = None, answer: Any = None,
    now: datetime | None = None, audit_action: str = "", reason: str = "", before: dict | None = None,
    after: dict | None = None,
) -> CaseEvent:
    """Append one timeline entry (Markdown `body` rendered and sanitised once, here) and, with
    `audit_action`, the audit entry. Call inside the service's transaction."""
    entry = CaseEvent.objects.create(
        case=case, kind=kind, actor=actor if getattr(actor, "is_authenticated", False) else None,
        body=body, body_html=render_markdown(body) if body else "", answer=answer, data=data or {},
        created_at=now or timezone.now(),
    )
    if audit_action:
        audit.record(actor, audit_action, case, before=before, after=after, reason=reason)
    return entry


def assignment_data(before_id: int | None, assignee: Any, reason: str | None = None) -> dict:
    """The data of an "assigned" entry: from whom (id) to whom (id and username; "" when unassigned)."""
    data = {"from": before_id, "to": getattr(assignee, "pk", None), "to_name": assignee.get_username() if assignee else ""}
    if reason is not None:
        data["reason"] = reason
    return data


def assignee_names(entries: Any) -> dict[int, str]:
    """{user id: username} for the "assigned" entries that name their assignee by id only (written before the
    name was stored): one query, none when every entry has its name. A deleted user is simply missing."""
    ids = set()
    for entry in entries:
        data = entry.data or {}
        if entry.kind == CaseEvent.Kind.ASSIGNED and data.get("to") and not data.get("to_name"):
            ids.add(data["to"])
    if not ids:
        return {}
    users = get_user_model()
    return dict(users.objects.filter(pk__in=ids).values_list("pk", users.USERNAME_FIELD))
