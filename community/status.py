"""The one state every question, answer and comment is in (ARCHITECTURE 3a)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PostStatus(models.TextChoices):
    """The one state of a question, answer or comment. Who sees what: `querysets.PostQuerySet.visible_to`
    and `permissions.can_view` (published: everyone; pending and hidden: the author and moderators;
    deleted: moderators)."""

    PUBLISHED = "published", _("published")
    PENDING = "pending", _("pending review")
    HIDDEN = "hidden", _("hidden")
    DELETED = "deleted", _("deleted")

    @classmethod
    def unpublished_seen_by_author(cls) -> tuple[str, ...]:
        return (cls.PENDING, cls.HIDDEN)
