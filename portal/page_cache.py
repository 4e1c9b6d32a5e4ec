"""Whole-page cache for anonymous visitors of Wagtail pages.

Rendered HTML is kept per host, path and query under a site-wide *generation*; publishing,
unpublishing, moving or deleting any page sets a new generation, so nobody sees stale content after a
publish. CSRF tokens are stored as a placeholder and filled in per request, so cached forms still
carry the visitor's own token.

Entries are stored gzip-compressed (`portal.compression.HoleyGzip`: compressed once, when stored, with a
hole for the token): a client that accepts gzip gets the stored bytes with the token filled in and
`Content-Encoding: gzip` (~15 µs for a 150 KB page, no compression per hit); any other client gets the
plain bytes stored alongside, joined around its token.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from wagtail.views import serve as wagtail_serve

from . import extensions, stamps
from .compression import HoleyGzip, accepts_gzip
from .insights.pageviews import describe_wagtail_page

GENERATION_KEY = "page-cache:generation"
ENTRY_FORMAT = "gz4"  # part of every entry's key: a change of CachedPage never meets entries of the old shape
CSRF_PLACEHOLDER = "__csrf_token_placeholder__"
CSRF_INPUT_RE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CACHEABLE_QUERY_KEYS = {"page"}


@dataclass(frozen=True)
class CachedPage:
    body: HoleyGzip  # the HTML, compressed, with a hole wherever a CSRF token goes
    content_type: str
    # The page's view counter and id (`page_view_counter` on the page, `extensions.register_view_counter`):
    # counted on every hit as on a miss.
    view: tuple[str, int] | None = None
    # The cache stamps the page's sections were rendered at (e.g. a topic page's "From the community"
    # section follows the community generation): a moved stamp makes the entry stale without touching
    # the rest of the site's cache.
    stamps: tuple[tuple[str, int], ...] = ()
    # What the page is for Insights' page views (kind, id, title, topic): a hit is counted like a miss.
    insights: tuple | None = None


def invalidate() -> None:
    stamps.bump(GENERATION_KEY)


stamp = stamps.read  # a version stamp every process agrees on (portal/stamps.py)


def _generation() -> int:
    return stamp(GENERATION_KEY)


def _cacheable(request, query_keys=CACHEABLE_QUERY_KEYS, max_query=20) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.PORTAL_PAGE_CACHE_SECONDS > 0
        and set(request.GET) <= set(query_keys)
        and len(request.META.get("QUERY_STRING", "")) <= max_query
        and "messages" not in request.COOKIES
        # Anyone with a session (members, and visitors who have voted) sees a personalised page.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _short(text: str) -> str:
    """A cache-key part: as it is when short and ASCII, else its digest (a crafted 2,000-character or bidi
    path must not make an over-long or odd key; memcached refuses keys over 250 characters)."""
    if len(text) <= 120 and text.isascii() and text.isprintable():
        return text
    return "h" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _key(request) -> str:
    return f"page-cache:{ENTRY_FORMAT}:{_generation()}:{request.get_host()}:" + _short(
        f"{request.path}?{request.META.get('QUERY_STRING', '')}"
    )


def with_token(request, content: str) -> str:
    """Put the visitor's own CSRF token into HTML stored with `tokenless`."""
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request))
    return content


def tokenless(content: str) -> str:
    """HTML fit for sharing in the cache: CSRF tokens replaced by a placeholder."""
    return CSRF_INPUT_RE.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", content)


def _entry(response, view=None, stamps=(), insights=None) -> CachedPage:
    """A rendered response as a cache entry: tokens taken out, compressed once."""
    charset = response.charset
    parts = tokenless(response.content.decode(charset)).encode(charset).split(CSRF_PLACEHOLDER.encode())
    body = HoleyGzip.compress(parts, keep_plain=True)
    return CachedPage(body, response["Content-Type"], view, tuple(stamps), insights)


def _from_cache(request, entry: CachedPage) -> HttpResponse:
    """The cached page for this visitor: their CSRF token filled in, gzip when the client accepts it."""
    token = get_token(request).encode() if entry.body.holes else b""
    if accepts_gzip(request):
        response = HttpResponse(entry.body.gzip(token), content_type=entry.content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(entry.body.plain(token), content_type=entry.content_type)
    patch_vary_headers(response, ("Accept-Encoding",))
    response["X-Page-Cache"] = "hit"
    return response


def anonymous_cached(request, key_parts: tuple, build, *, query_keys=CACHEABLE_QUERY_KEYS, max_query=100):
    """Serve a non-Wagtail page from the whole-page cache for anonymous visitors.

    `key_parts` must contain every version the page depends on (e.g. a question's version); the site
    generation is added here. `build()` returns the response to render and cache on a miss.
    """
    if not _cacheable(request, query_keys, max_query):
        return build()
    key = "view-cache:" + ":".join(
        str(part) for part in (ENTRY_FORMAT, _generation(), request.get_host(), *key_parts)
    ) + ":" + _short(f"{request.path}?{request.GET.urlencode()}")
    entry: CachedPage | None = cache.get(key)
    if entry is not None:
        return _from_cache(request, entry)
    response = build()
    if response.status_code == 200 and hasattr(response, "render") and not response.cookies:
        response.render()
        cache.set(key, _entry(response), settings.PORTAL_PAGE_CACHE_SECONDS)
        response["X-Page-Cache"] = "miss"
    return response


def serve(request, path: str = ""):
    cacheable = _cacheable(request)
    if cacheable:
        key = _key(request)
        entry: CachedPage | None = cache.get(key)
        if entry is not None and entry.stamps and not extensions.stamps_current(entry.stamps):
            entry = None
        if entry is not None:
            if entry.view:
                extensions.count_view(*entry.view)
            if entry.insights:
                request.insights_page = entry.insights
            return _from_cache(request, entry)

    response = wagtail_serve(request, path)
    page = getattr(response, "context_data", None) and response.context_data.get("page")
    counter = getattr(page, "page_view_counter", None)
    view = (counter, page.pk) if counter else None
    insights = describe_wagtail_page(page) if page else None
    if insights:
        request.insights_page = insights
    if view and response.status_code == 200:
        extensions.count_view(*view)
    if cacheable and response.status_code == 200 and hasattr(response, "render") and not response.cookies:
        response.render()
        entry = _entry(response, view, getattr(page, "cache_stamps", ()), insights)
        cache.set(key, entry, settings.PORTAL_PAGE_CACHE_SECONDS)
        response["X-Page-Cache"] = "miss"
    return response
