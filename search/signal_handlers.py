"""Search indexing follows the page tree (rule 3: signals only for search indexing)."""

from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import indexing


def page_changed(instance, **kwargs) -> None:
    indexing.index_article(instance)


def page_moved(instance, **kwargs) -> None:
    # A moved topic changes its articles' URLs and topic: reindex the page and everything under it.
    for page in Page.objects.descendant_of(instance, inclusive=True).specific():
        indexing.index_article(page)


def page_deleted(instance, **kwargs) -> None:
    indexing.remove(indexing.Kind.ARTICLE, instance.pk)


page_published.connect(page_changed, dispatch_uid="search-published")
page_unpublished.connect(page_changed, dispatch_uid="search-unpublished")
post_page_move.connect(page_moved, dispatch_uid="search-moved")
post_delete.connect(page_deleted, sender=Page, dispatch_uid="search-deleted")
