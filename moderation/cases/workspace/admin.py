"""The agent workspace's place in the Wagtail admin (imported by `moderation.cases.registration`):
its URLs, the "Support" menu and the back-office screens (macros, SLA policies, business calendars with
their holidays, agents)."""

from __future__ import annotations

from django import forms
from django.db import models
from django.urls import include, path, reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from portal.admin_pages import YesNoColumn

from ...home_panels import CountsPanel, Row
from .. import permissions
from ..models import AgentProfile, BusinessCalendar, Holiday, Macro, SlaPolicy
from . import menu, query, views
from .forms import QUEUE_LABELS

app_name = "cases_workspace"
urlpatterns = [
    path("", views.index, name="index"),
    path("load/", views.load, name="load"),
    path("<int:pk>/", views.case_detail, name="case"),
]


def register_urls():
    return [path("cases/", include((urlpatterns, app_name), namespace=app_name))]


class SupportViewSet(ModelViewSet):
    add_to_admin_menu = True
    menu_hook = menu.SUPPORT_MENU_HOOK
    copy_view_enabled = False
    inspect_view_enabled = False

    def formfield_for_dbfield(self, db_field, **kwargs):
        """Times as the browser's time picker with hours and minutes ("09:00", not "09:00:00"); a choice of
        several (an agent's topics) as checkboxes, not a list box that needs Ctrl-click."""
        if isinstance(db_field, models.TimeField):
            kwargs["widget"] = forms.TimeInput(format="%H:%M", attrs={"type": "time"})
        elif isinstance(db_field, models.ManyToManyField):
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_dbfield(db_field, **kwargs)


class MacroViewSet(SupportViewSet):
    model = Macro
    name = "support-macros"
    icon = "doc-full"
    menu_label = _("Macros")
    menu_order = 300
    form_fields = ["name", "body_en", "body_ja", "active"]
    list_display = ["name", YesNoColumn("active", label=capfirst(_("active"))), "updated_at"]
    list_filter = ["active"]
    search_fields = ["name", "body_en", "body_ja"]


class SlaPolicyViewSet(SupportViewSet):
    model = SlaPolicy
    name = "support-sla-policies"
    icon = "time"
    menu_label = _("SLA policies")
    menu_order = 400
    exclude_form_fields = []
    list_display = ["name", "topic", YesNoColumn("is_default", label=capfirst(_("default policy"))), "calendar"]
    list_filter = ["is_default"]


class BusinessCalendarViewSet(SupportViewSet):
    model = BusinessCalendar
    name = "support-calendars"
    icon = "date"
    menu_label = _("Business calendars")
    menu_order = 500
    form_fields = ["name", "time_zone", "around_the_clock", "work_days", "day_start", "day_end"]
    list_display = ["name", "time_zone", YesNoColumn("around_the_clock", label=capfirst(_("around the clock"))), "work_days"]


class HolidayViewSet(SupportViewSet):
    model = Holiday
    name = "support-holidays"
    icon = "calendar-alt"
    menu_label = _("Holidays")
    menu_order = 550
    form_fields = ["calendar", "date", "name"]
    list_display = ["date", "name", "calendar"]
    list_filter = ["calendar"]


class AgentProfileViewSet(SupportViewSet):
    model = AgentProfile
    name = "support-agents"
    icon = "user"
    menu_label = _("Agents")
    menu_order = 600
    form_fields = ["user", "topics", "languages", "available"]
    list_display = ["user", "languages", YesNoColumn("available", label=capfirst(_("available for new cases"))), "last_assigned_at"]
    list_filter = ["available"]


def _queue_rows(user) -> list[Row]:
    """Each queue of the workspace with its working cases (one aggregate query)."""
    counts = query.queue_counts(user)
    index = reverse("cases_workspace:index")
    return [(str(QUEUE_LABELS[name]), counts[name], f"{index}?{urlencode({'queue': name})}") for name in query.QUEUES]


def home_panel(request, panels) -> None:
    """Agents find their queues on the admin's home page."""
    if permissions.is_agent(request.user):
        panels.append(CountsPanel(
            "support-cases", _("Support cases"), _queue_rows, (_("Open the cases workspace"), reverse("cases_workspace:index")),
            order=50,
        ))


VIEWSETS = (MacroViewSet, SlaPolicyViewSet, BusinessCalendarViewSet, HolidayViewSet, AgentProfileViewSet)


def register() -> None:
    """Register the hooks (once; called from `moderation.cases.registration.register()`)."""
    if getattr(register, "done", False):
        return
    register.done = True
    hooks.register("register_admin_urls", register_urls)
    hooks.register(menu.SUPPORT_MENU_HOOK, menu.cases_menu_item)
    hooks.register(menu.SUPPORT_MENU_HOOK, menu.load_menu_item)
    hooks.register("register_admin_menu_item", menu.support_menu_item)
    hooks.register("construct_homepage_panels", home_panel)
    for viewset in VIEWSETS:
        hooks.register("register_admin_viewset", viewset)
