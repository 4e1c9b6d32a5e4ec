"""The notification centre: list, mark read, open, preferences and one-click unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import notifications
from .forms import NotificationPreferencesForm
from .params import get_id, get_int, redirect_next, safe_next_url
from .paths import in_language
from .ratelimit import client_ip, consume

PAGE_SIZE = 20


@login_required
def notification_list(request):
    paginator = Paginator(notifications.inbox(request.user), PAGE_SIZE)
    page = paginator.get_page(get_int(request.GET, "page", 1, min_value=1))
    return TemplateResponse(request, "portal/notifications.html", {"page_obj": page, "items": list(page.object_list)})


@login_required
@require_POST
def mark_read(request):
    raw_id = request.POST.get("id", "")
    notification_id = get_id(request.POST, "id") if raw_id else None
    if raw_id and notification_id is None:
        raise Http404
    try:
        notifications.mark_read(request.user, notification_id)
    except notifications.NotificationError as error:
        if error.status == 404:
            raise Http404 from None
        raise
    if notification_id is None:
        messages.success(request, _("All notifications are marked as read."))
    return redirect_next(request, "notification_list")


@login_required
def open_notification(request, pk: int):
    try:
        url = notifications.open_notification(request.user, pk)
    except notifications.NotificationError:
        raise Http404 from None
    # In the language of the list it was opened from (it was stored in the language of whoever acted).
    return HttpResponseRedirect(safe_next_url(request, in_language(url, get_language()), "notification_list"))


@login_required
def preferences(request):
    current = notifications.preferences(request.user)
    # Bound on every POST, even an empty one (an unbound form has no cleaned_data for add_error below).
    form = NotificationPreferencesForm(request.POST if request.method == "POST" else None, initial_channels=current)
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
        retry = consume("unsubscribe", client_ip(request), limit=30, period=60)
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
