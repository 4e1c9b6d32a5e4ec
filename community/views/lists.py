"""Question lists: all, unanswered, unsolved, solved; by tag, by topic; sorted by activity, newest, votes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import get_language, get_language_info
from taggit.models import Tag

from knowledge.models import ArticlePage, TopicPage
from portal.page_cache import anonymous_cached
from portal.params import get_str

from .. import caching
from ..pages import LIST_FILTERS, LIST_SORTS, localise_topics, question_list, reader_language
from .common import int_param, topics_for_language

LIST_QUERY_KEYS = {"status", "sort", "topic", "lang", "page"}
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def _params(request) -> dict:
    """The list's filters. Language: the reader's by default; another one, or "all", only when asked for."""
    status = request.GET.get("status", "all")
    sort = request.GET.get("sort", "activity")
    language = request.GET.get("lang", "")
    asked = language in (*LANGUAGES, "all")
    return {
        "status": status if status in LIST_FILTERS else "all",
        "sort": sort if sort in LIST_SORTS else "activity",
        "language": language if asked else reader_language(),
        "language_asked": language if asked else "",
        "page": int_param(request, "page"),
    }


def _canonical_path(request, params: dict, topic) -> str:
    """The list's canonical URL: what chooses the set of questions (topic, status, language) and the page
    number from 2 on; never the sort order, page=1 or unknown parameters."""
    query = {"topic": topic.slug if topic else "", "status": "" if params["status"] == "all" else params["status"],
             "lang": params["language_asked"], "page": params["page"] if params["page"] > 1 else ""}
    query = {key: value for key, value in query.items() if value}
    return request.path + (f"?{urlencode(query)}" if query else "")


def _list_response(request, template: str, *, tag=None, extra=None):
    params = _params(request)
    topics = list(topics_for_language())
    topic = None
    topic_slug = get_str(request.GET, "topic", max_length=100)
    if topic_slug:
        # The topic in the reader's language, also when the link named its translation's slug.
        topic = next((item for item in topics if item.slug == topic_slug), None)
        if topic is None:
            other = TopicPage.objects.live().filter(slug=topic_slug).first()
            topic = next((item for item in topics if other and item.translation_key == other.translation_key), other)
    page = question_list(
        request.user, status=params["status"], sort=params["sort"], topic_key=topic.translation_key if topic else None,
        tag=tag, language="" if params["language"] == "all" else params["language"], page=params["page"],
        page_size=settings.COMMUNITY_PAGE_SIZE,
    )
    localise_topics(page.questions, topics)
    query = {key: value for key, value in (("topic", topic.slug if topic else ""), ("lang", params["language_asked"])) if value}
    context = {
        "page_obj": page,
        "questions": page.questions,
        "status": params["status"],
        "sort": params["sort"],
        "language_filter": params["language"],
        "topic": topic,
        "tag": tag,
        "statuses": LIST_FILTERS,
        "sorts": list(LIST_SORTS),
        "topics": topics,
        "languages": [(code, get_language_info(code)["name_local"]) for code in LANGUAGES],
        "base_query": query,
        "canonical_path": _canonical_path(request, params, topic),
        **(extra or {}),
    }
    return TemplateResponse(request, template, context)


def index(request):
    return anonymous_cached(
        request, (caching.community_generation(), get_language()),
        lambda: _list_response(request, "community/index.html"), query_keys=LIST_QUERY_KEYS,
    )


def tag(request, tag: str):
    """Questions and help articles carrying a tag."""
    tag_obj = Tag.objects.filter(slug=tag).first()
    if tag_obj is None:
        raise Http404

    def build():
        articles = (
            ArticlePage.objects.live().public().filter(locale__language_code=get_language(), tagged_items__tag=tag_obj)
            .defer_streamfields().order_by("title")
        )
        return _list_response(request, "community/tag.html", tag=tag_obj, extra={"articles": list(articles[:20])})

    return anonymous_cached(
        request, (caching.community_generation(), get_language()), build, query_keys=LIST_QUERY_KEYS
    )
