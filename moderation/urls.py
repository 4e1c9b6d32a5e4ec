"""Moderation's public URLs (included by portal/urls.py under i18n_patterns, prefix /community/)."""

from __future__ import annotations

from django.urls import path

from portal.params import register_converters

from .views import curate

register_converters()  # <id:...>

urlpatterns: list = [
    path("curate/<str:kind>/<id:pk>/", curate.curate, name="moderation_curate"),
]
