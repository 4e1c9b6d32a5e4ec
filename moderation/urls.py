"""Moderation's public URLs (included by portal/urls.py under i18n_patterns, prefix /community/)."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
