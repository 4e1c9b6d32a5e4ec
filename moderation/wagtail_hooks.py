"""Moderation in the Wagtail admin: each area's admin module registers its hooks when imported here."""

from __future__ import annotations
