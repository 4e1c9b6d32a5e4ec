"""Security headers for the public site and the two-factor rule for staff."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .permissions import must_set_up_two_factor

ADMIN_PREFIXES = ("/admin/", "/django-admin/")

PUBLIC_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https://i.ytimg.com",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src https://www.youtube.com https://www.youtube-nocookie.com https://player.vimeo.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
# The Wagtail admin ships inline scripts and styles of its own; it gets a looser policy.
ADMIN_CSP = "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; img-src 'self' data: blob: https:; frame-ancestors 'self'; object-src 'none'; base-uri 'self'"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path_info.startswith(ADMIN_PREFIXES)
            response["Content-Security-Policy"] = ADMIN_CSP if admin else PUBLIC_CSP
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class StaffTwoFactorMiddleware:
    """Staff (anyone who can enter the admin) must have TOTP two-factor set up before they may use it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PORTAL_STAFF_REQUIRE_2FA
            and request.path_info.startswith(ADMIN_PREFIXES)
            and must_set_up_two_factor(request.user)
        ):
            messages.warning(request, _("Staff accounts must set up two-factor authentication before using the admin."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class NulByteGuardMiddleware:
    """A NUL byte in the path, the query string, a form field or a cookie is never legitimate (and
    PostgreSQL refuses it in text): answer 400 before any view or database lookup sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseBadRequest
        from django.http.multipartparser import MultiPartParserError

        try:
            bad = (
                "\x00" in request.path
                or _has_nul(request.GET)
                or any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())
                or (request.method == "POST" and _form_posted(request) and _has_nul(request.POST))
            )
        except (MultiPartParserError, UnicodeDecodeError, OSError):
            bad = True
        if bad:
            return HttpResponseBadRequest(
                _("This request contains characters that are not allowed."), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


def _form_posted(request) -> bool:
    return request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(querydict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in querydict.lists())
