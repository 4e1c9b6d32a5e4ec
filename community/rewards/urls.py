"""Public pages of the rewards app, mounted under /community/ by the root URLconf (before `community.urls`)."""

from django.urls import path

from .views import badges as badge_views

urlpatterns: list = [
    path("badges/", badge_views.badge_list, name="community_badges"),
    path("badges/<slug:code>/", badge_views.badge_detail, name="community_badge"),
]
