"""Helpers of the ask form: live suggestions while the title is typed, Markdown preview, tag
autocomplete, and the redirect that records a deflection when a suggestion is opened."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, ngettext
from django.views.decorators.http import require_GET, require_POST
from taggit.models import Tag

from knowledge.models import ArticlePage
from portal.params import get_str
from portal.ratelimit import client_ip, consume
from portal.sanitize import render_markdown
from search import api as search_api

from .. import services
from ..models import Question

SUGGEST_LIMIT = (60, 60)  # per IP per minute
ARTICLE_SUGGESTIONS, QUESTION_SUGGESTIONS = 4, 5


def suggestions(title: str, ask_token: str = "") -> dict:
    """Help articles and similar questions for a title being typed, from the search backend in its
    "any term" mode (titles sharing the most words first), in the reader's language."""
    terms = search_api.title_terms(title or "")
    if not terms:
        return {"suggested_articles": [], "suggested_questions": [], "suggest_terms": terms}
    language = (get_language() or "en")[:2]

    def best(kind: str, limit: int) -> list:
        # One search per kind: in one shared page the many questions crowd out the few help articles.
        text = " ".join(terms)
        wanted = search_api.SearchQuery(text=text, match="any", kinds=(kind,), languages=(language,), page_size=limit)
        return search_api.search(wanted).hits

    query = urlencode({"t": ask_token, "q": title[:150]})
    articles = best("article", ARTICLE_SUGGESTIONS)
    questions = best("question", QUESTION_SUGGESTIONS)
    return {
        "suggested_articles": [
            {"title": hit.title, "snippet_html": hit.snippet_html, "url": reverse("ask_open", args=["article", hit.object_id]) + "?" + query}
            for hit in articles
        ],
        "suggested_questions": [
            {"title": hit.title, "solved": hit.is_solved, "answers": hit.answer_count,
             "url": reverse("ask_open", args=["question", hit.object_id]) + "?" + query}
            for hit in questions
        ],
        "suggest_terms": terms,
    }


def _limited(request) -> HttpResponse | None:
    retry = consume("ask-helper", client_ip(request), limit=SUGGEST_LIMIT[0], period=SUGGEST_LIMIT[1])
    if retry:
        response = HttpResponse(
            ngettext("Too many requests. Please try again in %(seconds)d second.", "Too many requests. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry}, status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(retry)
        return response
    return None


@require_GET
def suggest(request):
    title = get_str(request.GET, "title", max_length=150)
    if not search_api.title_terms(title):  # nothing to search (the form's first load, a title of small words):
        # no search, so nothing counted against the limit ("Too many requests" under an empty title behind a NAT)
        return TemplateResponse(request, "community/includes/ask_suggestions.html", suggestions(""))
    limited = _limited(request)
    if limited:
        return limited
    context = suggestions(title, get_str(request.GET, "ask_token", max_length=40))
    return TemplateResponse(request, "community/includes/ask_suggestions.html", context)


@require_POST
def preview(request):
    limited = _limited(request)
    if limited:
        return limited
    html = render_markdown(request.POST.get("body", "")[:30_000])
    return TemplateResponse(request, "community/includes/preview.html", {"preview_html": html})


@require_GET
def tag_options(request):
    """Options for the tags field's datalist: each option is the whole field value with the tag being
    typed completed, so picking one keeps the tags already entered."""
    typed = get_str(request.GET, "tags", max_length=300)
    before, _sep, prefix = typed.rpartition(",")
    prefix = prefix.strip().lower()[:30]
    before = f"{before.strip()}, " if before.strip() else ""
    tags = Tag.objects.filter(name__startswith=prefix).order_by("name")[:15] if prefix else Tag.objects.none()
    return TemplateResponse(request, "community/includes/tag_options.html", {"tags": tags, "before": before})


@require_GET
def open_suggestion(request, kind: str, pk: int):
    """Record that a suggestion was opened from the ask form, then go to it. If the asker does not post
    afterwards, that is a deflection. Only ever redirects to the article or question itself."""
    if kind == "article":
        target = ArticlePage.objects.live().public().filter(pk=pk).defer_streamfields().first()
    elif kind == "question":
        target = Question.objects.alive().filter(pk=pk).only("pk", "slug").first()
    else:
        target = None
    if target is None:
        raise Http404
    token = get_str(request.GET, "t", max_length=40)
    if token and not _limited(request):
        services.record_deflection(
            ask_token=token, user=request.user, kind=kind, object_id=pk, query=get_str(request.GET, "q", max_length=150)
        )
    return redirect(target.url if kind == "article" else target.get_absolute_url())
