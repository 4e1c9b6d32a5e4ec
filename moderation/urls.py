"""Moderation's public URLs (included by portal/urls.py under i18n_patterns, prefix /community/)."""

from __future__ import annotations

from django.urls import path

from .views import flags as flag_views
from .views import moderate as moderate_views

urlpatterns: list = [
    path("flag/<str:kind>/<id:pk>/", flag_views.flag, name="moderation_flag"),
    path("post/<str:kind>/<id:pk>/<str:action>/", moderate_views.moderate, name="moderation_moderate"),
]
