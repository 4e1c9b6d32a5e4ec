"""Moderation's public URLs (included by portal/urls.py under i18n_patterns, prefix /community/moderation/)."""

from __future__ import annotations

from django.urls import path

from portal.params import register_converters

from .views import member

register_converters()  # <id:...>

urlpatterns: list = [
    path("", member.actions, name="moderation_member"),
    path("appeal/<str:kind>/<id:pk>/", member.appeal, name="moderation_appeal"),
]
