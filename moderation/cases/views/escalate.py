"""The question page's support buttons: "I still need help" (the asker) and "Escalate" (moderators and
agents, a reason required). Both POST (CSRF) and come back to the question with a message; a refusal is a
message too, and nothing is written."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import permissions as community_permissions
from community.models import Question
from community.services import CommunityError
from community.views.common import actor
from portal.params import form_checks_nul, get_str

from ..escalation import active_case, escalate, request_help
from ..models import REASON_MAX, CaseStatus, EscalationReason
from ..permissions import can_escalate

TEXT_MAX = REASON_MAX * 4  # longer input is refused by the service with a clear message, not cut silently


def _question(request, pk: int) -> Question:
    question = Question.objects.filter(pk=pk).first()
    if question is None or not community_permissions.can_view_question(request.user, question):
        raise Http404
    return question


def _back(question: Question):
    return redirect(question.get_absolute_url() + "#support-help")


@form_checks_nul("reason")  # read with get_str, which drops control characters
@login_required
@require_POST
def escalate_question(request, pk: int):
    if not can_escalate(request.user):
        raise PermissionDenied
    question = _question(request, pk)
    detail = get_str(request.POST, "reason", max_length=TEXT_MAX)
    try:
        case, created = escalate(question, reason=EscalationReason.MANUAL, actor=actor(request), detail=detail)
    except CommunityError as error:
        messages.error(request, error.message)
        return _back(question)
    if created:
        messages.success(request, _("The question was escalated to the support team: case %(number)s.") % {"number": case.number})
    else:
        messages.info(request, _("This question already has an open support case (%(number)s): nothing was changed.") % {"number": case.number})
    return _back(question)


@form_checks_nul("detail")
@login_required
@require_POST
def request_help_view(request, pk: int):
    question = _question(request, pk)
    if question.author_id != request.user.pk:
        raise PermissionDenied
    detail = get_str(request.POST, "detail", max_length=TEXT_MAX)
    before = active_case(question.pk)  # a case already there (an old tab's form): say so, never "thank you"
    try:
        case = request_help(request.user, question, detail=detail)
    except CommunityError as error:
        messages.error(request, error.message)
        return _back(question)
    if before is not None and case.pk == before.pk:
        if case.status == CaseStatus.SOLVED:
            text = _("Your support case %(number)s about this question is solved, so nothing was sent. If you still "
                     "need help, reply on the case: that reopens it.")
        else:
            text = _("Your question already has an open support case (%(number)s), so nothing was sent: add what you "
                     "wanted to say on the case.")
        messages.info(request, text % {"number": case.number})
        return _back(question)
    messages.success(request, _("Thank you: our support team will look at your question and answer you here."))
    return _back(question)
