"""`/admin/superusers/`: the candidates (with a topic filter), the current Superusers, and the grant and
revoke forms. Every write goes through `community.rewards.superusers` (permission, reason, refusals, audit,
notification); this module writes nothing itself."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from community.rewards.superusers import (
    SuperuserError,
    active_nomination,
    can_manage_superusers,
    current_superusers,
    grant_superuser,
    revoke_superuser,
)
from community.services.base import CommunityError
from portal.params import form_checks_nul

from . import query
from .forms import CandidateFilterForm, ReasonForm


def managers_only(view):
    """Wagtail's admin already sends signed-out visitors to sign in; staff who may not manage Superusers
    (support agents, editors) are refused here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_manage_superusers(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@managers_only
def index(request):
    form = CandidateFilterForm(request.GET or None)
    topic = form.chosen_topic() if request.GET else None
    return TemplateResponse(request, "moderation/superusers/index.html", {
        "form": form,
        "topic": topic,
        "candidates": query.candidates(topic=topic),
        "days": query.WINDOW_DAYS,
        "superusers": list(current_superusers()),
    })


def _member(user_id: int):
    return get_object_or_404(get_user_model().objects.select_related("profile"), pk=user_id)


def _decide(request, user_id: int, *, grant: bool):
    member = _member(user_id)
    nomination = active_nomination(member)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if grant:
                grant_superuser(request.user, member, form.cleaned_data["reason"])
            else:
                revoke_superuser(request.user, member, form.cleaned_data["reason"])
        except CommunityError as error:
            if error.status == 403:
                raise PermissionDenied(error.message) from None
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            name = member.profile.name if hasattr(member, "profile") else member.get_username()
            if grant:
                messages.success(request, _("%(name)s is now a Superuser.") % {"name": name})
            else:
                messages.success(request, _("%(name)s is no longer a Superuser.") % {"name": name})
            return redirect("moderation_superusers")
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "moderation/superusers/decide.html", {
        "form": form, "member": member, "grant": grant, "nomination": nomination,
    }, status=status)


@form_checks_nul("reason")  # ReasonForm refuses it: the reason is kept
@managers_only
def grant(request, user_id: int):
    return _decide(request, user_id, grant=True)


@form_checks_nul("reason")
@managers_only
def revoke(request, user_id: int):
    return _decide(request, user_id, grant=False)


__all__ = ["SuperuserError", "grant", "index", "revoke"]
