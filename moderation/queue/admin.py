"""The review queue's place in the Wagtail admin: its URLs and the "Moderation" menu.

The "Moderation" menu holds "Review queue" (with the number of open items) and "Moderation log"; other
moderation areas add their own entries with the `register_moderation_menu_item` hook, which takes the same
MenuItem objects as Wagtail's `register_admin_menu_item`, e.g.::

    @hooks.register(MODERATION_MENU_HOOK)
    def rules_menu_item():
        return MenuItem(_("Pre-publish rules"), reverse("..."), icon_name="warning", order=300)
"""

from __future__ import annotations

from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from moderation.home_panels import CountsPanel, Row
from moderation.permissions import can_review

from . import query, views
from .log import ModerationLogView

MODERATION_MENU_HOOK = "register_moderation_menu_item"


@hooks.register("register_admin_urls")
def register_queue_urls():
    return [
        path("moderation/queue/", views.queue_list, name="moderation_queue"),
        path("moderation/queue/<int:pk>/", views.item_detail, name="moderation_queue_item"),
        path("moderation/queue/<int:pk>/act/", views.item_act, name="moderation_queue_act"),
        path("moderation/log/", ModerationLogView.as_view(), name="moderation_log"),
        path("moderation/log/results/", ModerationLogView.as_view(results_only=True), name="moderation_log_results"),
    ]


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request):
        return can_review(request.user)


class ReviewQueueMenuItem(ModeratorMenuItem):
    """"Review queue (12)": the label carries the number of open items (one indexed count per admin page)."""

    def render_component(self, request):
        count = query.open_count()
        label = self.label
        if count:
            label = gettext("%(label)s (%(count)s open)") % {"label": self.label, "count": count}
        component = super().render_component(request)
        component.label = label
        return component


@hooks.register(MODERATION_MENU_HOOK)
def review_queue_menu_item():
    return ReviewQueueMenuItem(
        pgettext_lazy("review queue", "Review queue"), reverse_lazy("moderation_queue"), name="review-queue",
        icon_name="tasks", order=100,
    )


@hooks.register(MODERATION_MENU_HOOK)
def moderation_log_menu_item():
    return ModeratorMenuItem(
        pgettext_lazy("review queue", "Moderation log"), reverse_lazy("moderation_log"), name="moderation-log",
        icon_name="history", order=900,
    )


moderation_menu = Menu(register_hook_name=MODERATION_MENU_HOOK)


@hooks.register("register_admin_menu_item")
def register_moderation_menu():
    return SubmenuMenuItem(_("Moderation"), moderation_menu, name="moderation", icon_name="warning", order=250)


@hooks.register("construct_main_menu")
def one_moderation_menu(request, menu_items):
    """One "Moderation" menu, even when another area also registers one on the same hook (e.g. a
    `ViewSetGroup` with `submenu_hook = MODERATION_MENU_HOOK`): the fullest one is kept."""
    menus = [item for item in menu_items if item.name == "moderation" and isinstance(item, SubmenuMenuItem)]
    if len(menus) > 1:
        keep = max(menus, key=lambda item: len(item.menu.menu_items_for_request(request)))
        menu_items[:] = [item for item in menu_items if item is keep or item not in menus]


__all__ = ["MODERATION_MENU_HOOK", "moderation_menu", "register_moderation_menu"]


def _review_rows(user) -> list[Row]:
    return [(pgettext_lazy("review queue", "Open items"), query.open_count(), reverse("moderation_queue"))]


@hooks.register("construct_homepage_panels")
def review_queue_home_panel(request, panels):
    """Moderators find the review queue on the admin's home page."""
    if can_review(request.user):
        panels.append(CountsPanel(
            "review-queue", pgettext_lazy("review queue", "Review queue"), _review_rows,
            (_("Open the review queue"), reverse("moderation_queue")), order=60,
        ))
