"""The rewards back office in the Wagtail admin, under a "Rewards" menu:

- "Reward catalogue": a `ModelViewSet` (list, create, edit; image chooser; bad values refused) — managed by
  whoever holds the Django permissions on `rewards.Reward` (admins).
- "Redemptions": the moderators' queue (pending first) with fulfil-with-note and reject-with-reason.
- "Grant a reward": give a reward to a member as a thank-you.
The queue and the grant form call `community.rewards.catalogue` (permission, audit, notification)."""

from __future__ import annotations

from django.urls import path, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from portal.admin_pages import YesNoColumn

from . import admin_views
from .admin_forms import RewardForm
from .catalogue import can_manage_rewards
from .models import Redemption, Reward

REWARDS_MENU_HOOK = "register_rewards_menu_item"


class RewardViewSet(ModelViewSet):
    model = Reward
    name = "rewards-catalogue"
    icon = "pick"
    menu_label = _("Reward catalogue")
    add_to_admin_menu = True
    menu_hook = REWARDS_MENU_HOOK
    menu_order = 100
    copy_view_enabled = False
    inspect_view_enabled = False
    delete_view_enabled = False  # redemptions keep their reward: switch "active" off instead
    list_display = ["name", "cost", "stock", YesNoColumn("active", label=_("active")), "starts_at", "ends_at"]
    list_filter = ["active"]
    search_fields = ["name", "description"]
    ordering = ["name"]

    def get_form_class(self, for_update=False):
        return RewardForm


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage_rewards(request.user)


class RedemptionsMenuItem(ModeratorMenuItem):
    def render_component(self, request):
        component = super().render_component(request)
        count = Redemption.objects.filter(state=Redemption.State.PENDING).count()
        if count:
            component.label = gettext("%(label)s (%(count)s pending)") % {"label": self.label, "count": count}
        return component


@hooks.register("register_admin_viewset")
def register_reward_viewset():
    return RewardViewSet()


@hooks.register("register_admin_urls")
def register_rewards_urls():
    return [
        path("rewards/redemptions/", admin_views.queue, name="rewards_redemptions"),
        path("rewards/redemptions/<int:pk>/", admin_views.decide, name="rewards_redemption_decide"),
        path("rewards/grant/", admin_views.grant, name="rewards_grant"),
    ]


@hooks.register(REWARDS_MENU_HOOK)
def redemptions_menu_item():
    return RedemptionsMenuItem(_("Redemptions"), reverse_lazy("rewards_redemptions"), name="rewards-redemptions", icon_name="tasks", order=200)


@hooks.register(REWARDS_MENU_HOOK)
def grant_menu_item():
    return ModeratorMenuItem(_("Grant a reward"), reverse_lazy("rewards_grant"), name="rewards-grant", icon_name="pick", order=300)


rewards_menu = Menu(register_hook_name=REWARDS_MENU_HOOK)


@hooks.register("register_admin_menu_item")
def register_rewards_menu():
    return SubmenuMenuItem(_("Rewards"), rewards_menu, name="rewards", icon_name="pick", order=270)


__all__ = ["REWARDS_MENU_HOOK", "RewardViewSet"]
