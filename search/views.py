"""Search page. Until the search issue lands, this queries help articles through Wagtail's database search."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from wagtail.models import Locale

from knowledge.models import ArticlePage

MAX_QUERY = 200


def search(request):
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    results = []
    page_obj = None
    if query:
        articles = ArticlePage.objects.live().public().filter(locale=Locale.get_active()).defer_streamfields()
        page_obj = Paginator(articles.search(query), 10).get_page(request.GET.get("page"))
        results = list(page_obj.object_list)
    return TemplateResponse(request, "search/search.html", {"query": query, "results": results, "page_obj": page_obj})
