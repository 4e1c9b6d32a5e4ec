"""Public pages of the rewards app, mounted under /community/ by the root URLconf (before `community.urls`)."""

from django.urls import path

from .views import privileges

urlpatterns: list = [
    path("privileges/", privileges.privileges, name="community_privileges"),
]
