"""allauth glue: send members to their preferred language after they sign in."""

from __future__ import annotations

import unicodedata

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.internal.ratelimit import get_ip
from django import forms
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import Profile
from .ratelimit import client_ip
from .services import looks_like_staff_name
from .tasks import send_account_email
from .text_rules import check_username


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Every member gets a profile at sign-up, in the language they signed up in."""
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
            Profile.objects.get_or_create(
                user=user, defaults={"language": language if language in dict(settings.LANGUAGES) else "en"}
            )
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails are rendered here (in the request's language) and sent by a task: with the
        database task queue no SMTP conversation happens inside the request, so a password reset or sign-up
        for an existing account takes as long as one for an unknown address (which sends nothing)."""

        request = allauth_context.request
        message = self.render_mail(
            template_prefix, email, {"request": request, "email": email, "current_site": get_current_site(request), **context}
        )
        send_account_email.enqueue(
            {
                "subject": message.subject, "body": message.body, "from_email": message.from_email, "to": list(message.to),
                "headers": dict(message.extra_headers),
                "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
            }
        )

    def clean_username(self, username, shallow=False):
        """NFKC first (as Django's `normalize_username`: full-width "ＡＧＥＮＴ" is stored, and checked for
        uniqueness, as "AGENT"), then allauth's checks, then the site's: no invisible characters, no
        staff-like names ("admin", "Nimbus-Support", "管理者", look-alikes included), and nothing that reads
        like a staff member's username or display name ("a.gent", "agent_", "аgent" for the agent "agent").
        Also asked with shallow=True for the usernames allauth generates (social sign-ups)."""

        username = super().clean_username(unicodedata.normalize("NFKC", username or ""), shallow=shallow)
        try:
            check_username(username)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if looks_like_staff_name(username):
            raise forms.ValidationError(
                _("This username is too close to the name of a Nimbus Home team member. Please choose another one.")
            )
        return username

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """The bucket of allauth's "login_failed" limit ("5/5m/key"): allauth keys it by the login alone, so
        five wrong passwords from anyone lock the owner out too. Keyed by login *and* client address, the
        client that guesses is locked out while the owner, from their own address, still signs in (the
        "10/m/ip" part still bounds one client across accounts). A successful password reset clears the
        bucket of the client that reset it."""

        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{get_ip(request)}"

    def get_login_redirect_url(self, request) -> str:
        return in_members_language(request, super().get_login_redirect_url(request))

    def get_signup_redirect_url(self, request) -> str:
        """Where a new member lands once signed in: with ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION, confirming the
        address signs them in and allauth ends the sign-up here (not in get_login_redirect_url): a sign-up
        on /ja/ landed on "/", the English home page. (Confirming while signed in already goes through
        get_login_redirect_url, via get_email_verification_redirect_url.)"""
        return in_members_language(request, super().get_signup_redirect_url(request))

    def get_client_ip(self, request) -> str:
        """allauth's rate limits count by the same client address as the portal's (trusted proxies)."""

        return client_ip(request)


def in_members_language(request, url: str) -> str:
    """`url` in the signed-in member's preferred language ("/" becomes "/ja/" for a Japanese member)."""
    profile = getattr(request.user, "profile", None)
    language = getattr(profile, "language", None)
    if language and language in dict(settings.LANGUAGES):
        # Resolved in the language the address is in, not the page's: on /ja/accounts/login/ Japanese is
        # active, and "/" (English, unprefixed) does not resolve there, so it stayed "/".
        with translation.override(translation.get_language_from_path(url) or settings.LANGUAGE_CODE):
            return translate_url(url, language)
    return url
