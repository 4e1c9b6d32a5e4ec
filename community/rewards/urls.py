"""Public pages of the rewards app, mounted under /community/ by the root URLconf (before `community.urls`)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
