"""Public pages of the rewards app, mounted under /community/ by the root URLconf (before `community.urls`)."""

from django.urls import path

from .views.leaderboard import leaderboard

urlpatterns: list = [
    path("leaderboard/", leaderboard, name="community_leaderboard"),
]
