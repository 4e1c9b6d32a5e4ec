"""Moderators' rewards screens in the Wagtail admin: the redemptions queue (fulfil with a note, reject with a
reason) and the direct grant form. Every write goes through `community.rewards.catalogue`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.params import form_checks_nul

from . import catalogue
from .admin_forms import FulfilForm, GrantForm, RejectForm
from .models import Redemption

PER_PAGE = 50
STATES = {"pending": [Redemption.State.PENDING], "done": [Redemption.State.FULFILLED, Redemption.State.REJECTED, Redemption.State.GRANTED]}


def _moderator(request) -> None:
    if not catalogue.can_manage_rewards(request.user):
        raise PermissionDenied


def _queue_page(request, show: str, failed: dict | None = None, status: int = 200):
    rows = (
        Redemption.objects.filter(state__in=STATES[show]).select_related("reward", "user", "decided_by")
        .order_by(*(("created_at", "pk") if show == "pending" else ("-decided_at", "-pk")))
    )
    number = request.GET.get("p")
    if failed and failed.get("row") is not None:  # the page holding the refused row, whatever page it was sent from
        ahead = rows.filter(Q(created_at__lt=failed["row"].created_at) | Q(created_at=failed["row"].created_at, pk__lt=failed["pk"]))
        number = ahead.count() // PER_PAGE + 1
    page = Paginator(rows, PER_PAGE).get_page(number)
    return TemplateResponse(request, "rewards/admin/redemptions.html", {
        "page": page, "show": show, "fulfil_form": FulfilForm(), "reject_form": RejectForm(),
        "header_title": _("Redemptions"), "failed": failed or {},
    }, status=status)


def queue(request):
    _moderator(request)
    show = request.GET.get("show", "pending")
    return _queue_page(request, show if show in STATES else "pending")


@form_checks_nul("note", "reason")  # the forms refuse it: the queue comes back with the text and the reason
@require_POST
def decide(request, pk: int):
    """Fulfil or reject one redemption. Done: a message and the queue. Refused (bad text, already decided, out of
    points…): the queue again (400) with the moderator's text kept in that row and the reason next to the field."""
    _moderator(request)
    redemption = get_object_or_404(Redemption.objects.select_related("reward", "user"), pk=pk)
    action = request.POST.get("action")
    if action not in ("fulfil", "reject"):
        messages.error(request, _("Please choose fulfil or reject."))
        return HttpResponseRedirect(reverse("rewards_redemptions"), status=303)
    form = FulfilForm(request.POST) if action == "fulfil" else RejectForm(request.POST)
    field = "note" if action == "fulfil" else "reason"
    error = ""
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    else:
        try:
            if action == "fulfil":
                catalogue.fulfil(request.user, redemption, form.cleaned_data["note"])
                messages.success(request, _("Fulfilled “%(reward)s” for %(member)s.") % {"reward": redemption.reward.name, "member": redemption.user.get_username()})
            else:
                catalogue.reject(request.user, redemption, form.cleaned_data["reason"])
                messages.success(request, _("Rejected “%(reward)s” for %(member)s; the points were returned.") % {"reward": redemption.reward.name, "member": redemption.user.get_username()})
        except catalogue.CommunityError as refused:
            error = refused.message
    if not error:
        return HttpResponseRedirect(reverse("rewards_redemptions"), status=303)
    messages.error(request, error)
    text = request.POST.get(field, "")
    failed = {"pk": redemption.pk, "field": field, "text": text if isinstance(text, str) else "", "error": error,
              "row": redemption if redemption.state == Redemption.State.PENDING else None}
    return _queue_page(request, "pending", failed, status=400)


@form_checks_nul("member", "note")  # GrantForm refuses it: the note is kept
def grant(request):
    _moderator(request)
    form = GrantForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                catalogue.grant(request.user, form.cleaned_data["member"], form.cleaned_data["reward"], form.cleaned_data["note"])
            except catalogue.CommunityError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Granted “%(reward)s” to %(member)s.") % {
                    "reward": form.cleaned_data["reward"].name, "member": form.cleaned_data["member"].get_username(),
                })
                return HttpResponseRedirect(reverse("rewards_grant"), status=303)
        status = 400
    return TemplateResponse(request, "rewards/admin/grant.html", {"form": form, "header_title": _("Grant a reward")}, status=status)
