"""The member's view of moderation: the actions on their account and posts, and the appeal form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from community.services.base import Actor
from community.standing import standing
from portal.params import form_checks_nul, get_int
from portal.ratelimit import client_ip

from .. import appeals
from ..errors import ModerationError
from ..permissions import can_appeal

APPEAL_KINDS = ("sanction", "audit")


class AppealForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Why should this decision change?"), max_length=appeals.APPEAL_TEXT_MAX, strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("A moderator who did not take the decision reads it. Up to 2000 characters."),
        error_messages={"required": gettext_lazy("Please explain why the decision should change.")},
    )


@login_required
def actions(request):
    """/community/moderation/: the sanctions on the member's account and the actions on their posts."""
    page = get_int(request.GET, "page", 1, min_value=1, max_value=10_000)
    data = appeals.member_actions(request.user, page=page)
    restriction = standing(request.user).restriction_for("post")
    context = {"data": data, "restriction": restriction}
    return TemplateResponse(request, "moderation/member/actions.html", context)


@form_checks_nul("text")
@login_required
@require_http_methods(["GET", "POST"])
def appeal(request, kind: str, pk: int):
    """The appeal form for one action (once per action)."""
    if kind not in APPEAL_KINDS:
        raise Http404
    ref = f"{kind}:{pk}"
    subject = appeals.resolve(ref)
    if subject is None or not can_appeal(request.user, subject.member_id):
        raise Http404
    status = 200
    if request.method == "POST":
        form = AppealForm(request.POST)
        if form.is_valid():
            try:
                appeals.file_appeal(Actor(request.user, client_ip(request)), ref, form.cleaned_data["text"])
            except ModerationError as error:
                form.add_error("text" if error.field == "text" else None, error.message)
                status = error.status
            else:
                messages.success(request, _("Your appeal was sent. A moderator will look at it and you will be told the decision."))
                return redirect("moderation_member")
        else:
            status = 400
    else:
        form = AppealForm()
    existing = request.user.moderation_appeals.filter(action=ref).first()
    context = {"form": form, "action": appeals.subject_view(subject, request.user), "existing": existing, "ref": ref}
    return TemplateResponse(request, "moderation/member/appeal.html", context, status=status)
