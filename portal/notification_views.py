"""The notification centre: list, mark read, open, preferences and one-click unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import notifications
from .forms import NotificationPreferencesForm
from .ratelimit import consume

PAGE_SIZE = 20


@login_required
def notification_list(request):
    paginator = Paginator(notifications.inbox(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return TemplateResponse(request, "portal/notifications.html", {"page_obj": page, "items": list(page.object_list)})


@login_required
@require_POST
def mark_read(request):
    raw_id = request.POST.get("id", "")
    try:
        notification_id = int(raw_id) if raw_id else None
        notifications.mark_read(request.user, notification_id)
    except ValueError:
        raise Http404 from None
    except notifications.NotificationError as error:
        if error.status == 404:
            raise Http404 from None
        raise
    if notification_id is None:
        messages.success(request, _("All notifications are marked as read."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "notification_list"
    return redirect(target)


@login_required
def open_notification(request, pk: int):
    try:
        url = notifications.open_notification(request.user, pk)
    except notifications.NotificationError:
        raise Http404 from None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        url = "notification_list"
    return redirect(url)


@login_required
def preferences(request):
    current = notifications.preferences(request.user)
    form = NotificationPreferencesForm(request.POST or None, initial_channels=current)
    status = 200
    if request.method == "POST":
        retry = consume("notification-preferences", str(request.user.pk), limit=20, period=60)
        if retry:
            form.add_error(None, ngettext("Too many changes. Please try again in %(seconds)d second.", "Too many changes. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry})
            status = 429
        elif form.is_valid():
            notifications.set_preferences(request.user, form.cleaned_data)
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notification_preferences")
        else:
            status = 400
    return TemplateResponse(request, "portal/notification_preferences.html", {"form": form}, status=status)


@csrf_exempt  # the signed token is the credential; mail clients POST here with no session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET shows what the link stops and a confirm button; POST (the button, or a mail client's one-click
    request) applies it. A GET never changes anything, so link scanners cannot unsubscribe anyone."""
    try:
        user_id, kind = notifications.read_unsubscribe_token(token)
    except notifications.NotificationError as error:
        return TemplateResponse(request, "portal/unsubscribe.html", {"error": error.message}, status=400)
    done = False
    if request.method == "POST":
        retry = consume("unsubscribe", request.META.get("REMOTE_ADDR", ""), limit=30, period=60)
        if retry:
            return TemplateResponse(
                request, "portal/unsubscribe.html",
                {"error": ngettext("Too many requests. Please try again in %(seconds)d second.", "Too many requests. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry}},
                status=429,
            )
        try:
            notifications.unsubscribe(token)
        except notifications.NotificationError as error:
            return TemplateResponse(request, "portal/unsubscribe.html", {"error": error.message}, status=400)
        done = True
    label = None
    if kind != notifications.ALL_KINDS:
        label = dict(notifications.Kind.choices)[kind]
    return TemplateResponse(request, "portal/unsubscribe.html", {"kind_label": label, "done": done, "token": token})
