"""The admin's "Support" menu. Other areas add entries with the `register_support_menu_item` hook (same
MenuItem objects as Wagtail's `register_admin_menu_item`), e.g. webhooks::

    @hooks.register(SUPPORT_MENU_HOOK)
    def webhooks_menu_item():
        return MenuItem(_("Webhooks"), reverse("..."), icon_name="link", order=800)

Viewsets join it with `menu_hook = SUPPORT_MENU_HOOK` and `add_to_admin_menu = True`.
"""

from __future__ import annotations

from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from .. import permissions

SUPPORT_MENU_HOOK = "register_support_menu_item"


class AgentMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.is_agent(request.user)


class CasesMenuItem(AgentMenuItem):
    """"Cases (3 new)": one indexed count per admin page."""

    def render_component(self, request):
        from . import query

        component = super().render_component(request)
        count = query.new_count()
        if count:
            component.label = gettext("%(label)s (%(count)s new)") % {"label": self.label, "count": count}
        return component


class SupervisorMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.is_supervisor(request.user)


def cases_menu_item():
    return CasesMenuItem(_("Cases"), reverse_lazy("cases_workspace:index"), name="support-cases", icon_name="tasks", order=100)


def load_menu_item():
    return SupervisorMenuItem(_("Agent load"), reverse_lazy("cases_workspace:load"), name="support-load", icon_name="group", order=200)


support_menu = Menu(register_hook_name=SUPPORT_MENU_HOOK)


def support_menu_item():
    return SubmenuMenuItem(_("Support"), support_menu, name="support", icon_name="help", order=260)
