"""Derived-data upkeep only (rule 3: signals only where Wagtail offers nothing else): the anonymous page
cache and the articles' search documents follow every change to the page tree."""

from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from portal import page_cache
from search import api as search_api

from .models import ArticlePage


def invalidate_page_cache(**kwargs) -> None:
    page_cache.invalidate()


def _is_article(page: Page) -> bool:
    specific_class = page.specific_class
    return specific_class is not None and issubclass(specific_class, ArticlePage)


def page_changed(instance, **kwargs) -> None:
    if _is_article(instance):
        search_api.reindex("article", instance.pk)


def page_moved(instance, **kwargs) -> None:
    # A moved topic changes its articles' URLs and topic: reindex the page and every article under it.
    for pk in ArticlePage.objects.descendant_of(instance, inclusive=True).values_list("pk", flat=True):
        search_api.reindex("article", pk)


def page_deleted(instance, **kwargs) -> None:
    search_api.remove("article", instance.pk)


page_published.connect(invalidate_page_cache, dispatch_uid="page-cache-published")
page_unpublished.connect(invalidate_page_cache, dispatch_uid="page-cache-unpublished")
post_page_move.connect(invalidate_page_cache, dispatch_uid="page-cache-moved")
post_delete.connect(invalidate_page_cache, sender=Page, dispatch_uid="page-cache-deleted")
page_published.connect(page_changed, dispatch_uid="search-published")
page_unpublished.connect(page_changed, dispatch_uid="search-unpublished")
post_page_move.connect(page_moved, dispatch_uid="search-moved")
post_delete.connect(page_deleted, sender=Page, dispatch_uid="search-deleted")
