"""Security headers for the public site, gzip for text responses and the two-factor rule for staff."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import redirect
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from .compression import accepts_gzip, compressible
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


class CompressionMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH padding) for text responses only: HTML, JSON, XML, CSS, JS.

    Images, fonts, PDFs and other already-compressed bodies pass untouched; a `q=0` for gzip is honoured.
    It sits right below WhiteNoise (which serves static files precompressed), above everything else.
    """

    def process_response(self, request, response):
        if not compressible(response.get("Content-Type", "")):
            return response
        if not accepts_gzip(request):
            if response.streaming or len(response.content) >= 200:
                patch_vary_headers(response, ("Accept-Encoding",))
            return response
        return super().process_response(request, response)


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
