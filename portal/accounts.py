"""allauth glue: send members to their preferred language after they sign in."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import translate_url


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        url = super().get_login_redirect_url(request)
        profile = getattr(request.user, "profile", None)
        language = getattr(profile, "language", None)
        if language and language in dict(settings.LANGUAGES):
            return translate_url(url, language)
        return url
