"""The customer's side of a support case: their cases, replying (which reopens a pending or solved case),
and due times in plain words.

A customer sees only their own cases: anyone else asking for one gets a 404 (never a 403, which would say
that the case exists). Replying to a closed case is refused ("ask a new question"); replying to a pending
or solved case reopens it (status "open", a STATUS timeline entry, then the CUSTOMER_REPLY entry).

SLA after a reopen: `next_due_at` is recomputed with `sla.next_due()` from the case's existing due times —
they are not moved. If the resolution due time has already passed, the reopened case is (and stays)
"breached": the customer waited longer than promised, and the queues must show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.validation import FieldError, clean_body
from portal.events import publish
from portal.ratelimit import consume_in_order

from . import sla, timeline
from .errors import CaseError, PermissionRefused
from .events import CaseUpdated
from .models import WORKING_STATUSES, Case, CaseEvent, CaseStatus
from .permissions import can_view_own_case

REPLY_MAX = 10_000
REPLY_LIMIT = (10, 600)  # customer replies per member per 10 minutes
HAS_CASES_KEY = "support:has-cases:{}"
HAS_CASES_TIMEOUT = 60 * 60 * 24 * 30
REOPENS = (CaseStatus.PENDING, CaseStatus.SOLVED)


def cases_for(user: Any) -> QuerySet[Case]:
    """The customer's own cases, newest first (none for anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(customer=user).order_by("-created_at", "-pk")


def case_for(user: Any, pk: int) -> Case:
    """One of the customer's cases; Http404 for anybody else (never a hint that the case exists)."""
    case = cases_for(user).select_related("question", "survey").filter(pk=pk).first()
    if case is None or not can_view_own_case(user, case):
        raise Http404
    return case


def customer_reply(user: Any, case: Case, *, body: str, ip: str = "", now: datetime | None = None) -> CaseEvent:
    """The customer writes on their case. Pending or solved → reopened (open); closed → refused."""
    if not can_view_own_case(user, case):
        raise PermissionRefused(_("Only the customer can reply on their case."))
    try:
        body = clean_body(body, limit=REPLY_MAX)
    except FieldError as error:
        raise CaseError(error.message, field="body") from None
    if case.status == CaseStatus.CLOSED:
        raise _closed()
    retry = consume_in_order(
        ("cases-customer-reply", str(user.pk), REPLY_LIMIT[0], REPLY_LIMIT[1]),
        ("cases-customer-reply-ip", ip, REPLY_LIMIT[0] * 3, REPLY_LIMIT[1]),
    )
    if retry:
        raise CaseError(
            ngettext("You are doing that too often. Please try again in %(seconds)d second.",
                     "You are doing that too often. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry},
            retry_after=retry,
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == CaseStatus.CLOSED:
            raise _closed()
        changes: dict[str, Any] = {"reply": "customer"}
        fields = ["updated_at", "version", "next_due_at"]
        if locked.status in REOPENS:
            before = locked.status
            locked.status = CaseStatus.OPEN
            # The problem is back: no longer solved, and the acceptance request (if any) is withdrawn
            # (`acceptance.request_acceptance` asks again when it is solved again).
            locked.solved_at = None
            locked.accept_requested_at = None
            fields += ["status", "solved_at", "accept_requested_at"]
            changes["status"] = [before, CaseStatus.OPEN.value]
            timeline.record(locked, CaseEvent.Kind.STATUS, user, data={"from": before, "to": CaseStatus.OPEN.value}, now=now)
        entry = timeline.record(locked, CaseEvent.Kind.CUSTOMER_REPLY, user, body=body, now=now)
        locked.updated_at = now
        locked.next_due_at = sla.next_due(locked)
        locked.version = F("version") + 1
        locked.save(update_fields=fields)
        locked.refresh_from_db(fields=["version"])
        publish(CaseUpdated(case_id=locked.pk, question_id=locked.question_id, actor_id=user.pk, changes=changes, entry_id=entry.pk))
    for name in ("status", "solved_at", "resolution_hours", "accept_requested_at", "updated_at", "next_due_at", "version"):
        setattr(case, name, getattr(locked, name))
    return entry


def _closed() -> CaseError:
    return CaseError(
        _("This case is closed. Ask a new question in the community if you still need help — you can link to this one."),
        status=409,
    )


def visible_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The entries the customer sees (replies and status changes, never internal notes), oldest first."""
    return (
        case.events.filter(kind__in=CaseEvent.CUSTOMER_VISIBLE)
        .select_related("actor__profile", "answer__question")
        .order_by("created_at", "pk")
    )


# --- "My support cases" in the header -------------------------------------------------------------------------


def mark_has_cases(user_id: int) -> None:
    """A case was opened for this member: the header link appears on their next page (cache, no query)."""
    cache.set(HAS_CASES_KEY.format(user_id), True, timeout=HAS_CASES_TIMEOUT)


SESSION_KEY = "support_has_cases"


def has_cases(request: Any) -> bool:
    """Whether the signed-in member has support cases, for the header — without a query on any page.

    The answer lives in the member's session (loaded on every signed-in request anyway): it is asked once
    from the database when they sign in (`_on_login`), set when they open their cases, and a case opened for
    them later sets a cache flag (`mark_has_cases`, subscribed to CaseCreated) that is copied into the
    session on their next page. A "yes" stays (cases are not deleted)."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if session is None or not getattr(user, "is_authenticated", False):
        return False
    if session.get(SESSION_KEY) is True:
        return True
    if cache.get(HAS_CASES_KEY.format(user.pk)):
        session[SESSION_KEY] = True
        return True
    return False


def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Django's `user_logged_in` signal (sign-in has no domain event): one query per sign-in."""
    session = getattr(request, "session", None)
    if session is not None and user is not None:
        session[SESSION_KEY] = Case.objects.filter(customer_id=user.pk).exists()


def _on_case_created(event: Any) -> None:
    customer_id = Case.objects.filter(pk=event.case_id).values_list("customer_id", flat=True).first()
    if customer_id:
        mark_has_cases(customer_id)


# --- due times in plain words -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    text: str
    overdue: bool = False
    when: datetime | None = None

    def __str__(self) -> str:
        return self.text


def _amount(seconds: float) -> tuple[str, int]:
    """The largest unit that reads naturally, rounded up ("within 3 hours" for 2 h 10 min)."""
    minutes = max(1, -(-int(seconds) // 60))
    if minutes < 60:
        return "minute", minutes
    hours = -(-minutes // 60)
    if hours < 48:
        return "hour", hours
    return "day", -(-hours // 24)


def _past(seconds: float) -> tuple[str, int]:
    """Rounded down ("2 hours ago" for 2 h 50 min)."""
    minutes = max(1, int(seconds) // 60)
    if minutes < 60:
        return "minute", minutes
    hours = minutes // 60
    if hours < 48:
        return "hour", hours
    return "day", hours // 24


def _within(unit: str, count: int, reply: bool) -> str:
    if reply:
        phrases = {
            "minute": ngettext("We aim to reply within %(count)d minute", "We aim to reply within %(count)d minutes", count),
            "hour": ngettext("We aim to reply within %(count)d hour", "We aim to reply within %(count)d hours", count),
            "day": ngettext("We aim to reply within %(count)d day", "We aim to reply within %(count)d days", count),
        }
    else:
        phrases = {
            "minute": ngettext("We aim to solve it within %(count)d minute", "We aim to solve it within %(count)d minutes", count),
            "hour": ngettext("We aim to solve it within %(count)d hour", "We aim to solve it within %(count)d hours", count),
            "day": ngettext("We aim to solve it within %(count)d day", "We aim to solve it within %(count)d days", count),
        }
    return phrases[unit] % {"count": count}


def _late(unit: str, count: int, reply: bool) -> str:
    if reply:
        phrases = {
            "minute": ngettext("Reply was due %(count)d minute ago — sorry for the wait", "Reply was due %(count)d minutes ago — sorry for the wait", count),
            "hour": ngettext("Reply was due %(count)d hour ago — sorry for the wait", "Reply was due %(count)d hours ago — sorry for the wait", count),
            "day": ngettext("Reply was due %(count)d day ago — sorry for the wait", "Reply was due %(count)d days ago — sorry for the wait", count),
        }
    else:
        phrases = {
            "minute": ngettext("A solution was due %(count)d minute ago — sorry for the wait", "A solution was due %(count)d minutes ago — sorry for the wait", count),
            "hour": ngettext("A solution was due %(count)d hour ago — sorry for the wait", "A solution was due %(count)d hours ago — sorry for the wait", count),
            "day": ngettext("A solution was due %(count)d day ago — sorry for the wait", "A solution was due %(count)d days ago — sorry for the wait", count),
        }
    return phrases[unit] % {"count": count}


def describe_due(case: Case, now: datetime | None = None) -> Due:
    """What the customer can expect, in the active language: "We aim to reply within 3 hours",
    "Reply was due 2 hours ago — sorry for the wait", "We're waiting for your reply", "Solved", "Closed"."""
    now = now or timezone.now()
    if case.status == CaseStatus.PENDING:
        return Due(_("We're waiting for your reply"))
    if case.status == CaseStatus.SOLVED:
        return Due(_("Solved"), when=case.solved_at)
    if case.status == CaseStatus.CLOSED:
        return Due(_("Closed"), when=case.closed_at)
    if case.status not in WORKING_STATUSES:
        return Due("")
    reply = case.first_responded_at is None
    due = case.first_response_due if reply else case.resolution_due
    if due is None:
        return Due("")
    seconds = (due - now).total_seconds()
    if seconds > 0:
        return Due(_within(*_amount(seconds), reply), when=due)
    return Due(_late(*_past(-seconds), reply), overdue=True, when=due)


def register() -> None:
    from django.contrib.auth.signals import user_logged_in

    from portal.events import subscribe

    from .events import CaseCreated

    subscribe(CaseCreated, _on_case_created, phase="commit")
    user_logged_in.connect(_on_login, dispatch_uid="moderation.cases.customer.has_cases")
