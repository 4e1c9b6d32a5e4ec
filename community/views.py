from django.http import Http404
from django.template.response import TemplateResponse
from taggit.models import Tag
from wagtail.models import Locale

from knowledge.models import ArticlePage


def index(request):
    """The community forum's front door. Questions and answers arrive with the community issue."""
    return TemplateResponse(request, "community/index.html")


def tag(request, tag: str):
    """Everything carrying a tag. Lists help articles now; questions join when the forum lands."""
    tag_obj = Tag.objects.filter(slug=tag).first()
    if tag_obj is None:
        raise Http404
    articles = (
        ArticlePage.objects.live().public().filter(locale=Locale.get_active(), tagged_items__tag=tag_obj)
        .defer_streamfields().order_by("title")
    )
    return TemplateResponse(request, "community/tag.html", {"tag": tag_obj, "articles": list(articles[:100])})
