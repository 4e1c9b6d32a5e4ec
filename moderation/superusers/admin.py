"""The Superuser screen's place in the Wagtail admin: its URLs and an entry in the "Moderation" menu."""

from __future__ import annotations

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from community.rewards.superusers import can_manage_superusers
from moderation.queue.admin import MODERATION_MENU_HOOK

from . import views


@hooks.register("register_admin_urls")
def register_superuser_urls():
    return [
        path("superusers/", views.index, name="moderation_superusers"),
        path("superusers/<int:user_id>/grant/", views.grant, name="moderation_superuser_grant"),
        path("superusers/<int:user_id>/revoke/", views.revoke, name="moderation_superuser_revoke"),
    ]


class SuperusersMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage_superusers(request.user)


@hooks.register(MODERATION_MENU_HOOK)
def superusers_menu_item():
    return SuperusersMenuItem(
        _("Superusers"), reverse_lazy("moderation_superusers"), name="superusers", icon_name="user", order=600,
    )
