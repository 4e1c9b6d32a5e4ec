"""Closing the loop in public: when a support reply solved the question, the asker is asked to accept it,
and if they stay silent for ACCEPT_AFTER days it is marked as the solution by the support team.

- `request_acceptance(case)` (CaseSolved, commit phase): the case has a `solution_answer`, the question has
  no accepted answer, and the asker was not asked yet for this solve → a notification (SUPPORT, in their
  language, linking to the answer), an ACCEPT_REQUESTED timeline entry and `accept_requested_at`.
- `auto_accept_silent(now)` (run by `manage.py escalate_unresolved`): for cases whose request is at least
  ACCEPT_AFTER old, solved or closed, the question still without an accepted answer, and the asker silent
  since the request (no accept/unaccept, no reply on the case, no answer or comment on the thread), the
  answer is accepted by the system (`community.services.moderation.accept_on_behalf_by_system`: an
  `AnswerAccepted` with on_behalf=True), an ACCEPTED timeline entry and the `cases.accept` audit entry are
  written. Idempotent: a case with an ACCEPTED entry is never picked again (even if the asker later
  unaccepts), and running it twice, or on two machines at once, accepts once (the question row is locked).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.models import Acceptance, Answer, Comment
from community.services.moderation import accept_on_behalf_by_system
from portal.emails import language
from portal.models import Notification
from portal.notifications import Message, notify

from . import timeline
from .events import CaseSolved
from .models import Case, CaseEvent, CaseStatus

ACCEPT_AFTER = timedelta(days=7)
BATCH = 200


def request_acceptance(case: Case, now: datetime | None = None) -> bool:
    """Ask the asker to accept the support reply that solved their question. True when asked now."""
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("question", "customer__profile", "solution_answer").get(pk=case.pk)
        answer = case.solution_answer
        if case.status != CaseStatus.SOLVED or answer is None or case.accept_requested_at is not None:
            return False
        if case.question.accepted_answer_id is not None or case.question.author_id != case.customer_id:
            return False
        case.accept_requested_at = now
        case.save(update_fields=["accept_requested_at"])
        timeline.record(case, CaseEvent.Kind.ACCEPT_REQUESTED, None, answer=answer, now=now)
        customer_language = language(case.customer)
        with translation.override(customer_language):
            answer.question = case.question
            notify({case.customer_id: Message(language=customer_language,
                kind=Notification.Kind.SUPPORT,
                dedupe_key=f"cases.accept:{case.pk}:{answer.pk}",
                title=_("Did this answer solve it? %(title)s") % {"title": case.question.title},
                excerpt=_(
                    "If the support team's answer solved your problem, please mark it as accepted so others find it. "
                    "If you don't, we will mark it as the solution in %(days)d days."
                ) % {"days": ACCEPT_AFTER.days},
                url=answer.get_absolute_url(),
                target=f"community.answer:{answer.pk}",
            )})
    return True


def _silent_cases(now: datetime):
    since = OuterRef("accept_requested_at")
    asker = OuterRef("customer_id")
    question = OuterRef("question_id")
    return (
        Case.objects.filter(
            accept_requested_at__lte=now - ACCEPT_AFTER, status__in=(CaseStatus.SOLVED, CaseStatus.CLOSED),
            solution_answer__isnull=False, question__accepted_answer__isnull=True,
        )
        .exclude(Exists(CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.ACCEPTED)))
        .exclude(Exists(CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.CUSTOMER_REPLY, created_at__gt=since)))
        .exclude(Exists(Acceptance.objects.filter(question_id=question, actor_id=asker, created_at__gt=since)))
        .exclude(Exists(Comment.objects.filter(question_id=question, author_id=asker, created_at__gt=since)))
        .exclude(Exists(Answer.objects.filter(Q(question_id=question), author_id=asker, created_at__gt=since)))
        .order_by("pk")
    )


def auto_accept_silent(now: datetime | None = None) -> int:
    """Accept the solution for askers who stayed silent ACCEPT_AFTER after the request. Returns how many."""
    now = now or timezone.now()
    accepted = 0
    last = 0
    while True:
        ids = list(_silent_cases(now).filter(pk__gt=last).values_list("pk", flat=True)[:BATCH])
        if not ids:
            return accepted
        last = ids[-1]
        for case_id in ids:
            accepted += _accept_one(case_id, now)


def _accept_one(case_id: int, now: datetime) -> int:
    with transaction.atomic():
        case = _silent_cases(now).select_for_update(of=("self",)).select_related("solution_answer").filter(pk=case_id).first()
        if case is None:
            return 0
        answer: Any = case.solution_answer
        if not accept_on_behalf_by_system(answer):
            return 0
        timeline.record(
            case, CaseEvent.Kind.ACCEPTED, None, answer=answer, now=now, audit_action="cases.accept",
            reason=_("The asker did not respond for %(days)d days.") % {"days": ACCEPT_AFTER.days},
            before={"accepted_answer": None}, after={"accepted_answer": answer.pk},
        )
    return 1


def _on_solved(event: CaseSolved) -> None:
    case = Case.objects.filter(pk=event.case_id).first()
    if case is not None:
        request_acceptance(case)


def register() -> None:
    from portal.events import subscribe

    subscribe(CaseSolved, _on_solved, phase="commit")
