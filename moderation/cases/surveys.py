"""The satisfaction survey sent when a case is solved: CSAT (1–5), CES (1–7), a comment, and NPS (0–10) at
most once per 90 days per customer.

- `create_survey(case)` runs after the commit of a solve (CaseSolved, commit phase). One survey per case
  (`Survey.case` is one-to-one): a case that is reopened and solved again keeps its first survey — the
  customer is not asked twice about one case. If that first survey expired unanswered, it is renewed
  (a new expiry, a new email), so a customer whose case took another round still gets to answer.
- The link carries a signed token (`django.core.signing`, its own salt) naming the survey; it works without
  signing in. It is refused when forged, when older than SURVEY_DAYS (signature max_age) or after the
  survey's `expires_at`.
- `answer_survey(token, ...)` checks the ranges, then writes the answer once: a conditional update
  (`answered_at IS NULL`) under the row lock; a second answer is refused and writes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.emails import language
from portal.events import publish
from portal.models import Notification
from portal.notifications import Message, notify
from portal.text_rules import has_control_chars
from portal.timezones import reading

from . import timeline
from .errors import AlreadyHandled, CaseError
from .events import CaseSolved, SurveyAnswered
from .models import Case, CaseEvent, Survey

SALT = "moderation.cases.survey"
SURVEY_DAYS = 30
NPS_EVERY_DAYS = 90
COMMENT_MAX = 2000
RANGES = {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}


class SurveyGone(CaseError):
    """The link expired (410) or was never valid (404)."""


def make_token(survey: Survey) -> str:
    return signing.dumps({"s": survey.pk}, salt=SALT, compress=True)


def survey_url(survey: Survey) -> str:
    """The survey's path (in the active language); emails make it absolute."""
    return reverse("support_survey", args=[make_token(survey)])


def load(token: str, now=None) -> Survey:
    """The survey a token names; SurveyGone when it is forged (404) or expired (410)."""
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=SURVEY_DAYS + 1))
    except signing.SignatureExpired:
        raise SurveyGone(_("This survey link has expired. Thank you all the same."), status=410) from None
    except signing.BadSignature:
        raise SurveyGone(_("This survey link is not valid. Please use the link from your email."), status=404) from None
    survey_id = data.get("s") if isinstance(data, dict) else None
    survey = Survey.objects.select_related("case").filter(pk=survey_id).first() if isinstance(survey_id, int) else None
    if survey is None:
        raise SurveyGone(_("This survey link is not valid. Please use the link from your email."), status=404)
    if survey.answered_at is None and survey.expires_at <= now:
        raise SurveyGone(_("This survey link has expired. Thank you all the same."), status=410)
    return survey


def create_survey(case: Case, now=None) -> Survey | None:
    """The survey for a solved case (once per case; an expired unanswered one is renewed), emailed to the
    customer in their language. None when the case is not solved or already has a live or answered survey."""
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("customer__profile").get(pk=case.pk)
        if case.status != "solved":
            return None
        survey = Survey.objects.filter(case=case).first()
        if survey is not None and (survey.answered_at is not None or survey.expires_at > now):
            return None
        ask_nps = not Survey.objects.filter(
            customer_id=case.customer_id, ask_nps=True, created_at__gte=now - timedelta(days=NPS_EVERY_DAYS),
        ).exclude(case=case).exists()
        if survey is None:
            survey = Survey.objects.create(
                case=case, customer_id=case.customer_id, created_at=now, expires_at=now + timedelta(days=SURVEY_DAYS), ask_nps=ask_nps,
            )
        else:
            survey.created_at, survey.expires_at = now, now + timedelta(days=SURVEY_DAYS)
            survey.ask_nps = survey.ask_nps or ask_nps
            survey.save(update_fields=["created_at", "expires_at", "ask_nps"])
        customer_language = language(case.customer)
        with reading(customer_language):
            notify({case.customer_id: Message(language=customer_language,
                kind=Notification.Kind.SUPPORT,
                dedupe_key=f"cases.survey:{survey.pk}:{int(survey.created_at.timestamp())}",
                title=_("How did we do? Case %(number)s: %(title)s") % {"number": case.number, "title": case.question_title},
                excerpt=_("Your support case was solved. Two quick questions help us improve (the link works for %(days)d days).")
                % {"days": SURVEY_DAYS},
                url=survey_url(survey),
            )})
    return survey


def _check(name: str, value: Any, *, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            raise CaseError(_("Please choose an answer for every question."), field=name)
        return None
    low, high = RANGES[name]
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high or str(value).strip() != str(number):
        raise CaseError(_("Please choose a number from %(low)d to %(high)d.") % {"low": low, "high": high}, field=name)
    return number


def answer_survey(token: str, *, csat: Any, ces: Any, nps: Any = None, comment: str = "", now=None) -> Survey:
    """Record the customer's answer (once). Raises SurveyGone for a bad link, CaseError for bad input and
    AlreadyHandled when it was answered before; nothing is written in any of those cases."""
    now = now or timezone.now()
    survey = load(token, now)
    if survey.answered_at is not None:
        raise AlreadyHandled(_("This survey was already answered. Thank you!"))
    values = {"csat": _check("csat", csat), "ces": _check("ces", ces)}
    values["nps"] = _check("nps", nps, required=False) if survey.ask_nps else None
    comment = (comment or "").strip()
    if has_control_chars(comment):  # a NUL, a bidi override: refused with the comment kept in the form
        raise CaseError(_("The text contains control characters; please remove them."), field="comment")
    if len(comment) > COMMENT_MAX:
        raise CaseError(
            _("The comment is %(length)d characters long; the limit is %(max)d.") % {"length": len(comment), "max": COMMENT_MAX},
            field="comment",
        )
    with transaction.atomic():
        locked = Survey.objects.select_for_update(of=("self",)).select_related("case", "customer").get(pk=survey.pk)
        written = Survey.objects.filter(pk=locked.pk, answered_at__isnull=True).update(answered_at=now, comment=comment, **values)
        if not written:
            raise AlreadyHandled(_("This survey was already answered. Thank you!"))
        locked.refresh_from_db()
        case = locked.case
        timeline.record(case, CaseEvent.Kind.SURVEY, locked.customer, data={**values, "comment": bool(comment)}, now=now)
        publish(SurveyAnswered(case_id=case.pk, question_id=case.question_id, actor_id=locked.customer_id, survey_id=locked.pk))
    return locked


def _on_solved(event: CaseSolved) -> None:
    case = Case.objects.filter(pk=event.case_id).first()
    if case is not None:
        create_survey(case)


def register() -> None:
    from portal.events import subscribe

    subscribe(CaseSolved, _on_solved, phase="commit")
