"""Derived-data upkeep only (rule 3): the anonymous page cache follows every change to the page tree."""

from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from portal import page_cache


def invalidate_page_cache(**kwargs) -> None:
    page_cache.invalidate()


page_published.connect(invalidate_page_cache, dispatch_uid="page-cache-published")
page_unpublished.connect(invalidate_page_cache, dispatch_uid="page-cache-unpublished")
post_page_move.connect(invalidate_page_cache, dispatch_uid="page-cache-moved")
post_delete.connect(invalidate_page_cache, sender=Page, dispatch_uid="page-cache-deleted")
