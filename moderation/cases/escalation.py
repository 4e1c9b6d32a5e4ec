"""Turning an unresolved question into a support case.

- `escalate()` opens the case (or returns the question's active case): a snapshot of the question, the
  policy of its topic, the priority (raised by the policy's priority keywords), tags (topic, question tags,
  matched keywords), SLA due times, auto-assignment, the CREATED/ASSIGNED timeline entries, the audit entry
  when staff escalated, and the events QuestionEscalated and CaseCreated.
- The rules (`sweep()`, run by `manage.py escalate_unresolved`): no answer after `no_answer_hours`, no
  accepted answer `no_accept_hours` after the first answer, priority keywords (at once). The sweep never
  escalates a question that ever had a case (a closed case stays closed; staff may escalate again by hand).
- "I still need help" (`can_request_help`, `request_help`) for the asker; an upheld "needs staff help" flag
  and the review queue's "Escalate to support" action (`moderation.escalation_hooks`, outside this package
  so that the app's modules import without a cycle).

At most one active case per question: the question row is locked first, and the partial unique constraint
catches anything else (two machines racing end with one case).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community import caching
from community.models import Answer, Question
from community.services.base import Actor, lock_question
from community.status import PostStatus
from portal.events import publish
from portal.ratelimit import consume

from . import sla, timeline
from .assignment import pick_agent, remembering
from .errors import CaseError, PermissionRefused
from .events import CaseCreated, QuestionEscalated
from .models import ACTIVE_STATUSES, PRIORITY_RANK, REASON_MAX, Case, CaseEvent, EscalationReason, Priority, SlaPolicy
from .permissions import can_escalate

logger = logging.getLogger(__name__)
AUTOMATIC = (EscalationReason.NO_ANSWER, EscalationReason.NO_ACCEPTED, EscalationReason.KEYWORD)
TAGS_MAX = 20
HELP_LIMIT = (3, 3600)  # "I still need help": per asker, per hour
ESCALATE_LIMIT = (60, 600)  # staff escalations per person
KEYWORD_WINDOW_DAYS = 14  # the sweep reads the text of questions asked this recently for priority keywords

# --- priority keywords ------------------------------------------------------------------------------------------


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    """As `moderation.rules.text.fold` (not imported: the app's modules must not import in a cycle): NFKC
    without invisible characters, case-folded, one space for any run of white space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()).strip()


def matched_keywords(keywords: list[str], text: str) -> list[str]:
    """The keywords found in `text`, both NFKC-normalised and case-folded (full-width "ＲＥＦＵＮＤ" is
    "refund"): ASCII keywords as whole words ("cancel" is not found in "cancellation"), others (Japanese,
    written without spaces) as substrings. In keyword order, folded."""
    folded = _fold(text)
    found = []
    for keyword in keywords:
        needle = _fold(keyword)
        if not needle or needle in found:
            continue
        if needle.isascii():
            if re.search(r"(?<![0-9a-z_])" + re.escape(needle) + r"(?![0-9a-z_])", folded):
                found.append(needle)
        elif needle in folded:
            found.append(needle)
    return found


def _question_text(question: Any) -> str:
    return f"{question.title}\n{question.body}"


# --- opening a case ---------------------------------------------------------------------------------------------


def _user_of(actor: Any) -> Any:
    user = actor.user if isinstance(actor, Actor) else actor
    return user if getattr(user, "is_authenticated", False) else None


def _clean_detail(detail: str) -> str:
    detail = " ".join((detail or "").split())
    if len(detail) > REASON_MAX:
        raise CaseError(
            _("Please keep the reason under %(max)d characters (it has %(count)d).") % {"max": REASON_MAX, "count": len(detail)},
            field="reason",
        )
    return detail


def _throttle(scope: str, user: Any, limit: tuple[int, int]) -> None:
    retry = consume(scope, str(user.pk), limit=limit[0], period=limit[1])
    if retry:
        raise CaseError(_("You are doing that too often. Please try again in %(seconds)d seconds.") % {"seconds": retry}, retry_after=retry)


def escalate(
    question: Any, *, reason: str, actor: Any = None, detail: str = "", priority: str | None = None,
    now: datetime | None = None,
) -> tuple[Case, bool]:
    """Open a support case for `question` (module docstring): (case, True), or (its active case, False).
    With an `actor`, staff escalate by hand: they need `permissions.can_escalate` and a reason."""
    user = _user_of(actor)
    if actor is not None:
        if user is None or not can_escalate(user):
            raise PermissionRefused(_("Only moderators and support agents can escalate a question to support."))
        detail = _clean_detail(detail)
        if reason == EscalationReason.MANUAL and not detail:
            raise CaseError(_("Please say why this question needs the support team."), field="reason")
        _throttle("cases-escalate-user", user, ESCALATE_LIMIT)
    case, created = open_case(question.pk, reason=reason, user=user, detail=detail, priority=priority, now=now, audit=user is not None)
    return case, created


def open_case(
    question_id: int, *, reason: str, user: Any = None, detail: str = "", priority: str | None = None,
    now: datetime | None = None, audit: bool = False, never_escalated: bool = False, policy: SlaPolicy | None = None,
) -> tuple[Case | None, bool]:
    """The service behind every rule (no permission check: callers decide). `never_escalated`: the sweep's
    rule — do nothing (None, False) when the question ever had a case."""
    if reason not in EscalationReason.values:
        raise CaseError(_("Please choose one of the reasons offered."), field="reason")
    if priority is not None and priority not in Priority.values:
        raise CaseError(_("Please choose one of the priorities offered."), field="priority")
    detail = _clean_detail(detail)
    now = now or timezone.now()
    with transaction.atomic():
        try:
            question = lock_question(question_id)
        except Question.DoesNotExist:
            raise CaseError(_("This question does not exist."), status=404) from None
        existing = Case.objects.filter(question_id=question.pk, status__in=ACTIVE_STATUSES).first()
        if existing is not None:
            return existing, False
        if never_escalated and Case.objects.filter(question_id=question.pk).exists():
            return None, False
        if question.status != PostStatus.PUBLISHED or question.merged_into_id is not None:
            raise CaseError(_("Only a published question can be escalated: this one is deleted, hidden, merged or waiting for review."))
        if policy is None or (policy.topic_id and policy.topic_id != question.topic_id):
            policy = sla.policy_for(question.topic_id)
        keywords = matched_keywords(policy.keywords, _question_text(question)) if policy else []
        final = priority or Priority.NORMAL
        if keywords and policy and PRIORITY_RANK[policy.keyword_priority] > PRIORITY_RANK[final]:
            final = policy.keyword_priority
        first_due, resolution_due = sla.due_times(policy, final, now)
        case = Case(
            question=question, customer_id=question.author_id, question_title=question.title[:200],
            question_body=question.body, question_body_html=question.body_html, reason=reason, reason_detail=detail,
            escalated_by=user, priority=final, topic_id=question.topic_id, language=question.language,
            policy=policy if policy and policy.pk else None, created_at=now, updated_at=now,
            first_response_due=first_due, resolution_due=resolution_due,
        )
        case.next_due_at = sla.next_due(case)
        try:
            with transaction.atomic():  # the constraint may refuse it: the agent's turn is then not used up
                case.assignee = pick_agent(
                    topic_id=question.topic_id, language=question.language, customer_id=question.author_id, now=now
                )
                case.save()
        except IntegrityError:
            existing = Case.objects.filter(question_id=question.pk, status__in=ACTIVE_STATUSES).first()
            if existing is None:
                raise
            return existing, False
        _set_tags(case, _tags(question, keywords))
        timeline.record(
            case, CaseEvent.Kind.CREATED, user, body=detail, now=now,
            data={"reason": reason, "priority": final, "keywords": keywords},
            audit_action="cases.escalate" if audit else "", reason=detail,
            after={"case": case.pk, "reason": reason, "priority": final},
        )
        if case.assignee_id is not None:
            timeline.record(case, CaseEvent.Kind.ASSIGNED, None, now=now, data=timeline.assignment_data(None, case.assignee))
        actor_id = user.pk if user else None
        publish(QuestionEscalated(case_id=case.pk, question_id=question.pk, actor_id=actor_id, reason=reason))
        publish(CaseCreated(case_id=case.pk, question_id=question.pk, actor_id=actor_id, reason=reason))
        transaction.on_commit(partial(caching.touch, question.pk))
    return case, True


def _set_tags(case: Case, names: list[str]) -> None:
    """Tag the case; a tag created at the same moment by another machine is simply used (retry once)."""
    if not names:
        return
    for attempt in range(2):
        try:
            with transaction.atomic():
                case.tags.set(names)
            return
        except IntegrityError:
            if attempt:
                raise


def _tags(question: Question, keywords: list[str]) -> list[str]:
    names: list[str] = []
    if question.topic_id:
        slug = type(question).topic.field.related_model.objects.filter(pk=question.topic_id).values_list("slug", flat=True).first()
        if slug:
            names.append(slug)
    names += list(question.tags.values_list("name", flat=True))
    names += keywords
    seen, unique = set(), []
    for name in names:
        name = name.strip()[:100]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            unique.append(name)
    return unique[:TAGS_MAX]


# --- "I still need help" ----------------------------------------------------------------------------------------


def active_case(question_id: int) -> Case | None:
    return Case.objects.filter(question_id=question_id, status__in=ACTIVE_STATUSES).first()


def can_request_help(user: Any, question: Any, now: datetime | None = None) -> bool:
    """The asker, on their published, unsolved question, once `still_need_help_hours` passed since asking or
    when it has answers none of which is accepted — and no case is working on it already. A solved question
    (the asker accepted an answer: it solved their problem) offers nothing; undoing the acceptance brings the
    offer back. Staff can still escalate any question."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and question.author_id == user.pk):
        return False
    if question.status != PostStatus.PUBLISHED or question.merged_into_id is not None or question.accepted_answer_id:
        return False
    now = now or timezone.now()
    policy = sla.policy_for(question.topic_id)
    hours = policy.still_need_help_hours if policy else 24
    if not (now - question.created_at >= timedelta(hours=hours) or (question.answer_count and not question.accepted_answer_id)):
        return False
    return active_case(question.pk) is None


def request_help(user: Any, question: Any, *, detail: str = "", now: datetime | None = None) -> Case:
    """The asker's "I still need help": opens a case with reason still_need_help (or returns the active one)."""
    user = _user_of(user)
    detail = _clean_detail(detail)
    if user is None or not can_request_help(user, question, now):
        existing = active_case(question.pk) if user is not None and question.author_id == user.pk else None
        if existing is not None:
            return existing
        raise PermissionRefused(_("You can ask the support team for help on your own question once it has waited a while or has answers that did not solve it."))
    _throttle("cases-help-user", user, HELP_LIMIT)
    case, _created = open_case(question.pk, reason=EscalationReason.STILL_NEED_HELP, user=user, detail=detail, now=now)
    return case


# --- the sweep --------------------------------------------------------------------------------------------------


def _policies() -> tuple[SlaPolicy, dict[int, SlaPolicy]]:
    rows = list(SlaPolicy.objects.select_related("calendar"))
    default = next((row for row in rows if row.is_default), None) or SlaPolicy()
    return default, {row.topic_id: row for row in rows if row.topic_id}


def _recent(policy: SlaPolicy, now: datetime) -> Q:
    days = policy.lookback_days
    return Q(created_at__gte=now - timedelta(days=days)) if days else Q()


def candidates(now: datetime | None = None) -> dict[str, list[tuple[int, SlaPolicy]]]:
    """Question ids each rule would escalate now (reason → [(question id, policy)]), each question once."""
    now = now or timezone.now()
    default, by_topic = _policies()
    never = (
        Question.objects.filter(status=PostStatus.PUBLISHED, merged_into__isnull=True)
        .exclude(Exists(Case.objects.filter(question_id=OuterRef("pk"))))
    )
    scopes = [(policy, Q(topic_id=topic_id)) for topic_id, policy in by_topic.items()]
    scopes.append((default, ~Q(topic_id__in=list(by_topic)) | Q(topic__isnull=True)))
    result: dict[str, list[tuple[int, SlaPolicy]]] = {reason: [] for reason in AUTOMATIC}
    seen: set[int] = set()

    def take(reason: str, ids, policy: SlaPolicy) -> None:
        for pk in ids:
            if pk not in seen:
                seen.add(pk)
                result[reason].append((pk, policy))

    # Each policy's rules look back `lookback_days` at most: a question left unresolved for months is the
    # community's (and the search index's) to answer, not a case that is breached the moment it opens.
    scopes = [(policy, scope & _recent(policy, now)) for policy, scope in scopes]
    for policy, scope in scopes:
        keywords = policy.keywords
        if keywords:
            recent = never.filter(scope, accepted_answer__isnull=True, created_at__gte=now - timedelta(days=KEYWORD_WINDOW_DAYS))
            rows = recent.values_list("pk", "title", "body").order_by("pk").iterator(chunk_size=2000)
            take(EscalationReason.KEYWORD, (pk for pk, title, body in rows if matched_keywords(keywords, f"{title}\n{body}")), policy)
    for policy, scope in scopes:
        cutoff = now - timedelta(hours=policy.no_answer_hours)
        ids = never.filter(scope, answer_count=0, accepted_answer__isnull=True, created_at__lte=cutoff).order_by("pk")
        take(EscalationReason.NO_ANSWER, ids.values_list("pk", flat=True), policy)
    for policy, scope in scopes:
        cutoff = now - timedelta(hours=policy.no_accept_hours)
        answered = Answer.objects.filter(question_id=OuterRef("pk"), status=PostStatus.PUBLISHED, created_at__lte=cutoff)
        ids = (
            never.filter(scope, answer_count__gt=0, accepted_answer__isnull=True, created_at__lte=cutoff)
            .filter(Exists(answered)).order_by("pk")
        )
        take(EscalationReason.NO_ACCEPTED, ids.values_list("pk", flat=True), policy)
    return result


def sweep(now: datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Apply the automatic rules once: {reason: cases opened}. Idempotent and safe on several machines at
    once (each question is locked, a question that ever had a case is skipped)."""
    now = now or timezone.now()
    found = candidates(now)
    counts = {str(reason): 0 for reason in AUTOMATIC}
    with remembering():
        _open_all(found, counts, now, dry_run)
    return counts


def _open_all(found: dict, counts: dict[str, int], now: datetime, dry_run: bool) -> None:
    for reason, rows in found.items():
        if dry_run:
            counts[str(reason)] = len(rows)
            continue
        for pk, policy in rows:
            try:
                _case, created = open_case(pk, reason=reason, now=now, never_escalated=True, policy=policy if policy.pk else None)
            except CaseError:
                continue  # hidden, deleted or merged meanwhile
            except DatabaseError:  # one bad row must not stop the rules for every other question
                logger.exception("escalation of question %s failed", pk)
                continue
            if created:
                counts[str(reason)] += 1
