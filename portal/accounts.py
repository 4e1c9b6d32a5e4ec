"""allauth glue: send members to their preferred language after they sign in."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import translate_url


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Every member gets a profile at sign-up, in the language they signed up in."""
        from django.utils.translation import get_language

        from .models import Profile

        user = super().save_user(request, user, form, commit=commit)
        if commit:
            language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
            Profile.objects.get_or_create(
                user=user, defaults={"language": language if language in dict(settings.LANGUAGES) else "en"}
            )
        return user

    def get_login_redirect_url(self, request) -> str:
        url = super().get_login_redirect_url(request)
        profile = getattr(request.user, "profile", None)
        language = getattr(profile, "language", None)
        if language and language in dict(settings.LANGUAGES):
            return translate_url(url, language)
        return url

    def get_client_ip(self, request) -> str:
        """allauth's rate limits count by the same client address as the portal's (trusted proxies)."""
        from .ratelimit import client_ip

        return client_ip(request)
