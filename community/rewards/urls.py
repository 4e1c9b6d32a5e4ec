"""Public pages of the rewards app, mounted under /community/ by the root URLconf (before `community.urls`)."""

from django.urls import path

from .views import badges as badge_views
from .views import catalogue, privileges
from .views.leaderboard import leaderboard

urlpatterns: list = [
    path("leaderboard/", leaderboard, name="community_leaderboard"),
    path("badges/", badge_views.badge_list, name="community_badges"),
    path("badges/<slug:code>/", badge_views.badge_detail, name="community_badge"),
    path("rewards/", catalogue.rewards_page, name="community_rewards"),
    path("rewards/<int:pk>/redeem/", catalogue.redeem, name="community_rewards_redeem"),
    path("rewards/redemptions/<int:pk>/visibility/", catalogue.visibility, name="community_rewards_visibility"),
    path("privileges/", privileges.privileges, name="community_privileges"),
]
