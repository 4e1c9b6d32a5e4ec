"""The customer's support pages: /support/cases/ (their cases) and /support/cases/<id>/ (one case, its
visible timeline and the reply form). Signed-in members only; someone else's case is a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from community.status import PostStatus
from portal import drafts
from portal.params import form_checks_nul, get_int
from portal.ratelimit import client_ip

from .. import customer, surveys
from ..errors import CaseError
from ..models import CaseEvent, CaseStatus, Survey

PAGE_SIZE = 25
MAX_PAGE = 10_000


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your reply"), max_length=customer.REPLY_MAX, strip=True, widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("Please write something.")},
    )


@login_required
def case_list(request):
    """The member's cases, newest first, one page at a time (a constant number of queries)."""
    page = get_int(request.GET, "page", 1, min_value=1, max_value=MAX_PAGE)
    start = (page - 1) * PAGE_SIZE
    rows = list(customer.cases_for(request.user).only(
        "pk", "question_title", "status", "priority", "created_at", "updated_at", "first_response_due", "resolution_due",
        "first_responded_at", "solved_at", "closed_at", "next_due_at", "language",
    )[start : start + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    now = timezone.now()
    cases = [{"case": case, "due": customer.describe_due(case, now)} for case in rows[:PAGE_SIZE]]
    if cases and request.session.get(customer.SESSION_KEY) is not True:
        request.session[customer.SESSION_KEY] = True  # the header link (see customer.has_cases)
    context = {"cases": cases, "page_number": page, "has_next": has_next, "now": now}
    return TemplateResponse(request, "moderation/cases/customer/list.html", context)


def _entry_view(entry: CaseEvent, case: Any) -> dict:
    kind = entry.kind
    row: dict[str, Any] = {"entry": entry, "kind": kind, "text": "", "answer_url": ""}
    name = ""
    if entry.actor_id:
        profile = getattr(entry.actor, "profile", None)
        name = getattr(profile, "name", "") or entry.actor.get_username()
    if kind == CaseEvent.Kind.CUSTOMER_REPLY:
        row["who"] = _("You") if entry.actor_id == case.customer_id else name
        row["what"] = _("Your reply")
    elif kind in (CaseEvent.Kind.PUBLIC_REPLY, CaseEvent.Kind.PRIVATE_REPLY):
        row["who"] = _("%(name)s, support team") % {"name": name} if name else _("Support team")
        row["what"] = _("Public reply on the thread") if kind == CaseEvent.Kind.PUBLIC_REPLY else _("Private reply to you")
        if entry.answer_id and entry.answer is not None and entry.answer.status == PostStatus.PUBLISHED:
            row["answer_url"] = entry.answer.get_absolute_url()
    elif kind == CaseEvent.Kind.STATUS:
        labels = dict(CaseStatus.choices)
        before, after = entry.data.get("from", ""), entry.data.get("to", "")
        row["what"] = _("Status changed from “%(from)s” to “%(to)s”") % {
            "from": labels.get(before, before), "to": labels.get(after, after),
        }
        row["who"] = _("You") if entry.actor_id == case.customer_id else (_("Support team") if entry.actor_id else "")
    elif kind == CaseEvent.Kind.CREATED:
        row["what"] = _("Your question was passed to the support team")
        row["who"] = ""
    elif kind == CaseEvent.Kind.ACCEPT_REQUESTED:
        row["what"] = _("We asked you to accept the answer that solved it")
        row["who"] = _("Support team")
        if entry.answer is not None and entry.answer.status == PostStatus.PUBLISHED:
            row["answer_url"] = entry.answer.get_absolute_url()
    elif kind == CaseEvent.Kind.ACCEPTED:
        row["what"] = _("The support team marked the answer as the solution")
        row["who"] = _("Support team")
        if entry.answer is not None and entry.answer.status == PostStatus.PUBLISHED:
            row["answer_url"] = entry.answer.get_absolute_url()
    else:
        row["what"] = entry.get_kind_display()
        row["who"] = ""
    return row


def _survey_state(case: Any, now) -> dict | None:
    try:
        survey: Survey = case.survey
    except Survey.DoesNotExist:
        return None
    if survey.answered_at is not None:
        return {"state": "answered", "survey": survey}
    if survey.expires_at <= now:
        return {"state": "expired", "survey": survey}
    return {"state": "open", "survey": survey, "url": surveys.survey_url(survey)}


def _detail(request, pk: int, *, form: ReplyForm | None = None, status: int = 200) -> TemplateResponse:
    case = customer.case_for(request.user, pk)
    now = timezone.now()
    entries = [_entry_view(entry, case) for entry in customer.visible_timeline(case)]
    question = case.question
    context = {
        "case": case,
        "due": customer.describe_due(case, now),
        "entries": entries,
        "question_url": question.get_absolute_url() if question.status == PostStatus.PUBLISHED else "",
        "form": form or ReplyForm(),
        "can_reply": case.status != CaseStatus.CLOSED,
        "reopens": case.status in customer.REOPENS,
        "survey": _survey_state(case, now) if case.status in (CaseStatus.SOLVED, CaseStatus.CLOSED) else None,
    }
    if request.session.get(customer.SESSION_KEY) is not True:
        request.session[customer.SESSION_KEY] = True
    return TemplateResponse(request, "moderation/cases/customer/detail.html", context, status=status)


@login_required
def case_detail(request, pk: int):
    draft = drafts.peek(request, f"case:{pk}")
    # the reply the customer wrote while signed out: their own case only (404 otherwise), while it takes replies
    if draft is None or customer.case_for(request.user, pk).status == CaseStatus.CLOSED:
        return _detail(request, pk)
    response = _detail(request, pk, form=ReplyForm(initial={"body": draft.get("body", "")}))
    drafts.drop(request, f"case:{pk}")
    messages.info(request, _("Here is the reply you wrote before signing in. Check it and send it."))
    return response


@form_checks_nul("body")
@require_http_methods(["GET", "POST"])
def case_reply(request, pk: int):
    """POST sends the reply. A failed one is shown at this address (the case page with the error summary and
    the typed text), so GET here — a reload, a bookmark, the language switcher — goes back to the case's
    reply form instead of a dead end. Sent while signed out (an expired session): the text is kept and is
    back in the form after sign-in."""
    if not request.user.is_authenticated:
        return drafts.sign_in_keeping(
            request, f"case:{pk}", reverse("support_case", args=[pk]) + "#reply-heading",
            _("Your reply is kept: sign in and it will be back in the form, ready to send."),
        )
    case = customer.case_for(request.user, pk)
    if request.method != "POST":
        return redirect(reverse("support_case", args=[case.pk]) + "#reply-heading")
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, form=form, status=400)
    reopening = case.status in customer.REOPENS
    try:
        customer.customer_reply(request.user, case, body=form.cleaned_data["body"], ip=client_ip(request))
    except CaseError as error:
        form.add_error("body" if error.field == "body" else None, error.message)
        return _detail(request, pk, form=form, status=error.status)
    if reopening:
        messages.success(request, _("Your reply was sent and the case was reopened. The support team will get back to you."))
    else:
        messages.success(request, _("Your reply was sent. The support team will get back to you."))
    return redirect("support_case", pk=case.pk)
