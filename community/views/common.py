"""Helpers shared by the community views."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language

from knowledge.models import TopicPage
from portal.params import get_int
from portal.ratelimit import client_ip

from ..services import Actor, CommunityError


def actor(request) -> Actor:
    return Actor(request.user, client_ip(request))


def topics_for_language(language: str | None = None):
    return TopicPage.objects.live().filter(locale__language_code=language or get_language()).order_by("path")


def int_param(request, name: str, default: int = 1, max_value: int = 100_000) -> int:
    """A positive integer query parameter (a page number), bounded; anything else is the default."""
    return get_int(request.GET, name, default, min_value=1, max_value=max_value)


def get_or_404(queryset, **lookup):
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def error_response(request, error: CommunityError, *, fallback_url: str, fragment: str | None = None, context=None):
    """A refused action: a fragment with the message for htmx (status 400/403/429), else a flash message
    and a redirect back to the page."""
    if request.htmx and fragment:
        response = TemplateResponse(request, fragment, {**(context or {}), "error": error.message}, status=error.status)
    elif request.htmx:
        response = HttpResponse(error.message, status=error.status, content_type="text/plain; charset=utf-8")
    else:
        messages.error(request, error.message)
        response = redirect(fallback_url)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response
