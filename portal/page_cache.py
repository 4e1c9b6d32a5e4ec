"""Whole-page cache for anonymous visitors of Wagtail pages.

Rendered HTML is kept per host, path and query under a site-wide *generation*; publishing,
unpublishing, moving or deleting any page sets a new generation, so nobody sees stale content after a
publish. CSRF tokens are stored as a placeholder and filled in per request, so cached forms still
carry the visitor's own token.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from wagtail.views import serve as wagtail_serve

GENERATION_KEY = "page-cache:generation"
CSRF_PLACEHOLDER = "__csrf_token_placeholder__"
CSRF_INPUT_RE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CACHEABLE_QUERY_KEYS = {"page"}


@dataclass(frozen=True)
class CachedPage:
    content: str
    content_type: str
    article_id: int | None


def invalidate() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = time.time_ns()
        if not cache.add(GENERATION_KEY, generation, timeout=None):
            generation = cache.get(GENERATION_KEY, generation)
    return generation


def _cacheable(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.PORTAL_PAGE_CACHE_SECONDS > 0
        and set(request.GET) <= CACHEABLE_QUERY_KEYS
        and len(request.META.get("QUERY_STRING", "")) <= 20
        and "messages" not in request.COOKIES
        # Anyone with a session (members, and visitors who have voted) sees a personalised page.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _key(request) -> str:
    return f"page-cache:{_generation()}:{request.get_host()}:{request.path}?{request.META.get('QUERY_STRING', '')}"


def _with_token(request, content: str) -> str:
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request))
    return content


def serve(request, path: str = ""):
    from knowledge.models import ArticlePage
    from knowledge.services import count_article_view

    cacheable = _cacheable(request)
    if cacheable:
        key = _key(request)
        entry: CachedPage | None = cache.get(key)
        if entry is not None:
            if entry.article_id:
                count_article_view(entry.article_id)
            response = HttpResponse(_with_token(request, entry.content), content_type=entry.content_type)
            response["X-Page-Cache"] = "hit"
            return response

    response = wagtail_serve(request, path)
    page = getattr(response, "context_data", None) and response.context_data.get("page")
    article_id = page.pk if isinstance(page, ArticlePage) else None
    if article_id and response.status_code == 200:
        count_article_view(article_id)
    if cacheable and response.status_code == 200 and hasattr(response, "render") and not response.cookies:
        response.render()
        content = CSRF_INPUT_RE.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", response.content.decode())
        entry = CachedPage(content, response["Content-Type"], article_id)
        cache.set(key, entry, settings.PORTAL_PAGE_CACHE_SECONDS)
        response["X-Page-Cache"] = "miss"
    return response
