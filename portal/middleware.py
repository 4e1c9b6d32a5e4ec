"""Security headers for the public site, gzip for text responses and the two-factor rule for staff."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.http.multipartparser import MultiPartParserError
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from .compression import accepts_gzip, compressible
from .permissions import can_enter_django_admin, can_enter_wagtail_admin, must_set_up_two_factor
from .timezones import zone_for

WAGTAIL_ADMIN_PREFIX, DJANGO_ADMIN_PREFIX = "/admin/", "/django-admin/"
ADMIN_PREFIXES = (WAGTAIL_ADMIN_PREFIX, DJANGO_ADMIN_PREFIX)

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
        "frame-ancestors 'none'",  # as X-Frame-Options: DENY; only the admin frames its own previews
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


class PrivateCacheMiddleware:
    """A page answered to a signed-in member is theirs (their name, notifications, cases, forms with their
    text): `Cache-Control: private, no-store`, so no shared cache keeps it and the browser does not store it
    after sign-out. "Signed in" is the page cache's own rule (`page_cache._cacheable`): the request carries a
    session cookie — known without a query (loading the user here would cost fragments that never read it
    two). Responses that chose their own policy (sitemaps, robots.txt, exports) keep it; anonymous visitors'
    pages are untouched, and so is the portal's page cache (server-side, anonymous only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
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


class ReaderTimeZoneMiddleware:
    """Times on a public page in the zone of its language (`portal.timezones`): a Japanese page says JST. The
    admin is left alone: Wagtail shows each staff member's own time zone there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(ADMIN_PREFIXES):
            return self.get_response(request)
        with timezone.override(zone_for(translation.get_language())):
            return self.get_response(request)


class StaffTwoFactorMiddleware:
    """The back office's door. Signed-out visitors go on to the admin, which sends them to sign in; signed-in
    members who are not staff get a 403 page that says why (the admin would send them to the login page,
    which sends a signed-in member straight back: a loop); staff must set up TOTP two-factor first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        path = request.path_info
        if not path.startswith(ADMIN_PREFIXES) or not request.user.is_authenticated:
            return None
        allowed = can_enter_django_admin if path.startswith(DJANGO_ADMIN_PREFIX) else can_enter_wagtail_admin
        if not allowed(request.user):
            return staff_only_response(request)
        if settings.PORTAL_STAFF_REQUIRE_2FA and must_set_up_two_factor(request.user):
            messages.warning(request, _("Staff accounts must set up two-factor authentication before using the admin."))
            return redirect("mfa_activate_totp")
        return None


def reader_language(request) -> str:
    """The admin's paths carry no language prefix: the language switcher's cookie, else the member's
    preferred language, else the browser's."""
    languages = dict(settings.LANGUAGES)
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in languages:
        return cookie
    profile_language = getattr(getattr(request.user, "profile", None), "language", None)
    if profile_language in languages:
        return profile_language
    return translation.get_language_from_request(request)


def staff_only_response(request):
    """403 in the site's shell and the reader's language: the page is for staff, with links home and to sign out."""
    language = reader_language(request)
    with translation.override(language):
        response = render(request, "403.html", {"staff_only": True}, status=403)
    response["Content-Language"] = language
    return response


class NulByteGuardMiddleware:
    """A NUL byte in the path, the query string, a form field or a cookie is never legitimate (and
    PostgreSQL refuses it in text): answer 400, with the site's styled page in the reader's language, before
    any view or database lookup sees it.

    One exception keeps what a member typed: a form POST whose only NUL bytes are in fields the view's form
    validates (declared with `portal.params.form_checks_nul`) goes on to the view, whose form refuses the NUL
    as a field error and shows the text again. Everything else (a NUL in a field name, a hidden token, any
    field of a view that has not declared it, the admin, allauth, the path, query or cookies) is refused here:
    the guard stays the default, and a view opts out field by field only where a test proves the form says no.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The query string is checked raw (a NUL can only arrive as "%00" or a literal byte), so requests that
        # never read request.GET do not pay for parsing it; cookies are parsed by the session middleware anyway.
        query_string = request.META.get("QUERY_STRING", "")
        bad = (
            "\x00" in request.path
            or "%00" in query_string
            or "\x00" in query_string
            or any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())
        )
        if bad:  # before the session and locale middleware: the language comes from the address
            return nul_refused(request, translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Form fields, once the view is known (and the reader's language active)."""
        if request.method != "POST" or not _form_posted(request):
            return None
        try:
            fields = _nul_fields(request.POST)
        # A form that cannot be read at all: a broken multipart body, bytes that are no text, or a declared charset
        # other than UTF-8 ("application/x-www-form-urlencoded; charset=utf-16": Django's BadRequest).
        except (MultiPartParserError, UnicodeDecodeError, OSError, BadRequest):
            return nul_refused(request, translation.get_language(), nul=False)
        if fields is None or not fields <= getattr(view_func, "form_checks_nul", frozenset()):
            return nul_refused(request, translation.get_language())
        return None


def nul_refused(request, language: str | None, *, nul: bool = True) -> HttpResponseBadRequest:
    """The styled 400 page for a NUL byte (no request context or database needed: `error_base.html`)."""
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        response = HttpResponseBadRequest(render_to_string("400.html", {"nul": nul}))
    response["Content-Language"] = language
    return response


def _form_posted(request) -> bool:
    return request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_fields(querydict) -> frozenset[str] | None:
    """The names of the fields whose values hold a NUL byte; None when a field's name does."""
    names = set()
    for key, values in querydict.lists():
        if "\x00" in key:
            return None
        if any("\x00" in value for value in values):
            names.add(key)
    return frozenset(names)


SITE_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS"})


class NotAllowedPageMiddleware:
    """A GET on an address that only takes POST (a vote, a comment...) is a 405 with an empty body from
    `require_POST`: a person who opens such a link gets a small page in the site's style and their language
    instead (the Allow header kept). htmx requests and responses with a body of their own are left alone.
    Methods no public address takes (PUT, DELETE, PATCH, TRACE...) are a 405 here, before any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SITE_METHODS and not request.path_info.startswith(ADMIN_PREFIXES):
            # PUT, DELETE, PATCH, TRACE... : no public address takes them (a page would otherwise answer a
            # DELETE with itself and a 200, or a CSRF page that blames the visitor's cookies)
            # (scripts send them, not people: the bare 405 with its Allow header, not the page for people)
            return HttpResponseNotAllowed(sorted(SITE_METHODS))
        response = self.get_response(request)
        if (
            isinstance(response, HttpResponseNotAllowed) and not response.content
            and not getattr(request, "htmx", False) and not request.path_info.startswith(ADMIN_PREFIXES)
        ):
            page = render(request, "405.html", status=405)
            page["Allow"] = response["Allow"]
            return page
        return response
