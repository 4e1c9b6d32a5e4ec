"""Public pages of the rewards app, mounted under /community/ by the root URLconf (before `community.urls`)."""

from django.urls import path

from .views import catalogue

urlpatterns: list = [
    path("rewards/", catalogue.rewards_page, name="community_rewards"),
    path("rewards/<int:pk>/redeem/", catalogue.redeem, name="community_rewards_redeem"),
    path("rewards/redemptions/<int:pk>/visibility/", catalogue.visibility, name="community_rewards_visibility"),
]
