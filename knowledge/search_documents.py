"""Article documents for search: knowledge's document provider (registered in `KnowledgeConfig.ready`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone, translation

from search.api import text_of

from .importing.footnotes import without_references
from .models import ArticleHelpfulness, ArticlePage, TopicPage


def article_fields(page: ArticlePage) -> dict[str, Any]:
    parent = page.get_parent().specific
    topic = parent if isinstance(parent, TopicPage) else None
    helpfulness = ArticleHelpfulness.objects.filter(article_id=page.pk).first()
    faq = " ".join(
        f"{item.get('question', '')} {text_of(without_references(str(item.get('answer', ''))))}" for item in page.faq_items
    )
    with translation.override(page.locale.language_code):  # the blocks' own words (a callout's "Warning") in its language
        body = text_of(without_references(str(page.body.render_as_block()))) if page.body else ""
    return {
        "url": page.get_url() or page.url_path,
        "title": page.title,
        "body": f"{page.summary} {body} {faq}"[:60000],
        "accepted_text": "",
        "tags": " ".join(sorted(page.tags.slugs()))[:400],
        "topic_slug": topic.slug if topic else "",
        "topic_title": topic.title if topic else "",
        "language": page.locale.language_code,
        "is_solved": False,
        "answer_count": 0,
        "votes": 0,
        "helpful_ratio": helpfulness.ratio if helpfulness else None,
        "views": 0,
        "created_at": page.first_published_at or timezone.now(),
        "updated_at": page.last_published_at or timezone.now(),
    }


def searchable(page: ArticlePage) -> bool:
    """Live and not behind a view restriction (its own or an ancestor's)."""
    return page.live and not page.get_view_restrictions().exists()


class ArticleDocuments:
    """Live, public help articles."""

    def fields(self, object_id: int) -> dict[str, Any] | None:
        page = ArticlePage.objects.filter(pk=object_id).first()
        if page is None or not searchable(page):
            return None
        return article_fields(page)

    def documents(self, ids: Sequence[int]) -> list[tuple[int, dict[str, Any]]]:
        pages = ArticlePage.objects.live().filter(pk__in=ids).select_related("locale").order_by("path")
        return [(page.pk, article_fields(page)) for page in pages if searchable(page)]

    def searchable_ids(self) -> Iterable[int]:
        return ArticlePage.objects.live().public().order_by("path").values_list("pk", flat=True)

    def count(self) -> int:
        return ArticlePage.objects.live().public().count()
