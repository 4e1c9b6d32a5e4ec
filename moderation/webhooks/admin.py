"""Webhooks in the Wagtail admin: endpoints (list, create, edit, delete), the secret shown once, the
delivery log per endpoint with "Send test event" and "Retry now", and "Rotate secret".

Only superusers and staff with `moderation.change_webhookendpoint` get in (permissions.can_manage_webhooks);
everything is saved through `moderation.webhooks.services`.

The secret: `create_endpoint` / `rotate_secret` return it; the view keeps it in the server-side session
under the endpoint's id and redirects to the secret page, which takes it out of the session as it shows it
(no-store). Visiting the page again says it is no longer shown; rotating is the way to a new one.

Menu: the "Support" menu's hook (moderation/cases/workspace/menu.py, SUPPORT_MENU_HOOK) when it exists,
else the Settings menu — `MENU_HOOK` below is the one line to change.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from moderation.errors import ModerationError

from . import services, signing
from .forms import EndpointForm
from .models import WebhookDelivery, WebhookEndpoint
from .permissions import can_manage_webhooks

try:  # the "Support" admin menu (issue 12, workspace helper); until it exists, the Settings menu
    from moderation.cases.workspace.menu import SUPPORT_MENU_HOOK as MENU_HOOK
except ModuleNotFoundError:
    MENU_HOOK = "register_settings_menu_item"

SESSION_KEY = "webhook_secrets"
PER_PAGE = 25


class WebhookPermissionPolicy(ModelPermissionPolicy):
    """Every action (view, add, change, delete) is "manage webhooks"."""

    def user_has_permission(self, user, action):
        return can_manage_webhooks(user)

    def user_has_any_permission(self, user, actions):
        return can_manage_webhooks(user)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        return users.filter(
            Q(is_superuser=True)
            | Q(user_permissions__codename="change_webhookendpoint")
            | Q(groups__permissions__codename="change_webhookendpoint")
        ).distinct()


register_permission_policy(WebhookEndpoint, WebhookPermissionPolicy(WebhookEndpoint))


def _keep_secret(request, endpoint_id: int, secret: str) -> None:
    secrets_ = dict(request.session.get(SESSION_KEY) or {})
    secrets_[str(endpoint_id)] = secret
    request.session[SESSION_KEY] = secrets_


def _take_secret(request, endpoint_id: int) -> str:
    secrets_ = dict(request.session.get(SESSION_KEY) or {})
    secret = secrets_.pop(str(endpoint_id), "")
    if secret:
        request.session[SESSION_KEY] = secrets_
    return secret


class ServiceErrorsMixin:
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ModerationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            self.produced_error_message = error.message
            return self.form_invalid(form)

    def _values(self):
        data = self.form.cleaned_data
        return {"name": data["name"], "url": data["url"], "events": list(data["events"]), "active": bool(data.get("active"))}


class EndpointCreateView(ServiceErrorsMixin, generic.CreateView):
    def save_instance(self):
        endpoint, secret = services.create_endpoint(self.request.user, **self._values())
        _keep_secret(self.request, endpoint.pk, secret)
        return endpoint

    def get_success_url(self):
        return reverse("webhooks:secret", args=[self.object.pk])


class EndpointEditView(ServiceErrorsMixin, generic.EditView):
    def save_instance(self):
        return services.update_endpoint(self.request.user, self.object, **self._values())

    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(Button(_("Delivery log"), url=reverse("webhooks:deliveries", args=[self.object.pk]), icon_name="history", priority=5))
        return buttons


class EndpointDeleteView(generic.DeleteView):
    def delete_action(self):
        services.delete_endpoint(self.request.user, self.object)


class EndpointIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        buttons.append(MenuItem(_("Delivery log"), url=reverse("webhooks:deliveries", args=[instance.pk]), icon_name="history", priority=15))
        return buttons


def managers_only(view):
    def wrapper(request, *args, **kwargs):
        if not can_manage_webhooks(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _scheme_context() -> dict:
    return {
        "event_header": signing.EVENT_HEADER, "delivery_header": signing.DELIVERY_HEADER,
        "timestamp_header": signing.TIMESTAMP_HEADER, "signature_header": signing.SIGNATURE_HEADER,
        "tolerance": signing.TOLERANCE_SECONDS,
    }


@managers_only
def secret_view(request, pk: int):
    """The endpoint's secret, once: right after it was created or rotated."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    secret = _take_secret(request, endpoint.pk)
    response = TemplateResponse(request, "moderation/webhooks/secret.html", {
        "endpoint": endpoint, "secret": secret, "header_title": endpoint.name, **_scheme_context(),
    })
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


@managers_only
@require_POST
def rotate_view(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    try:
        secret = services.rotate_secret(request.user, endpoint)
    except ModerationError as error:
        messages.error(request, error.message)
        return redirect("webhooks:deliveries", pk)
    _keep_secret(request, endpoint.pk, secret)
    return redirect("webhooks:secret", pk)


@managers_only
def deliveries_view(request, pk: int):
    """The endpoint's delivery log (newest first), with "Send test event" and "Retry now"."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    rows = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .defer("payload")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("p"))
    return TemplateResponse(request, "moderation/webhooks/deliveries.html", {
        "endpoint": endpoint, "page": page, "header_title": endpoint.name,
        "edit_url": reverse("webhooks:edit", args=[endpoint.pk]), "index_url": reverse("webhooks:index"),
        **_scheme_context(),
    })


def _report(request, row: WebhookDelivery) -> None:
    if row.delivered_at:
        messages.success(request, _("Delivered: the endpoint answered %(status)s.") % {"status": row.last_status})
    elif row.last_status:
        messages.error(request, _("Not delivered: the endpoint answered %(status)s.") % {"status": row.last_status})
    else:
        messages.error(request, _("Not delivered: %(error)s") % {"error": row.last_error or _("no answer")})


@managers_only
@require_POST
def test_view(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    try:
        _report(request, services.send_test(request.user, endpoint))
    except ModerationError as error:
        messages.error(request, error.message)
    return redirect("webhooks:deliveries", pk)


@managers_only
@require_POST
def retry_view(request, pk: int, delivery_pk: int):
    row = get_object_or_404(WebhookDelivery, pk=delivery_pk, endpoint_id=pk)
    try:
        _report(request, services.retry_now(request.user, row))
    except ModerationError as error:
        messages.error(request, error.message)
    return redirect("webhooks:deliveries", pk)


def _events(endpoint: WebhookEndpoint) -> str:
    return ", ".join(endpoint.events or []) or "—"


class WebhookViewSet(ModelViewSet):
    model = WebhookEndpoint
    name = "webhooks"
    icon = "link-external"
    menu_label = gettext_lazy("Webhooks")
    add_to_admin_menu = True
    menu_hook = MENU_HOOK
    menu_order = 900
    index_view_class = EndpointIndexView
    add_view_class = EndpointCreateView
    edit_view_class = EndpointEditView
    delete_view_class = EndpointDeleteView
    form_fields = ["name", "url", "events", "active"]
    list_display = ["name", "url", Column("events", label=gettext_lazy("Events"), accessor=_events), BooleanColumn("active", label=gettext_lazy("Active")), "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    ordering = ["name"]
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return EndpointForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/secret/", secret_view, name="secret"),
            path("<int:pk>/rotate/", rotate_view, name="rotate"),
            path("<int:pk>/deliveries/", deliveries_view, name="deliveries"),
            path("<int:pk>/test/", test_view, name="test"),
            path("<int:pk>/deliveries/<int:delivery_pk>/retry/", retry_view, name="retry"),
        ]


@hooks.register("register_admin_viewset")
def register_webhook_viewset():
    return WebhookViewSet()
