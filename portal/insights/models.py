"""Insights' stored rollups (see `rollups`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InsightsDaily(models.Model):
    key = models.CharField(max_length=80)
    day = models.DateField()
    topic_id = models.BigIntegerField(default=0)  # 0: every topic
    language = models.CharField(max_length=8, blank=True, default="")  # "": every language
    value = models.FloatField(default=0)
    weight = models.BigIntegerField(default=0)

    class Meta:
        app_label = "portal"
        verbose_name = _("insights daily rollup")
        constraints = [
            models.UniqueConstraint(fields=["key", "day", "topic_id", "language"], name="insights_daily_once"),
        ]
        indexes = [models.Index(fields=["key", "day"], name="insights_daily_key_day")]

    def __str__(self) -> str:
        return f"{self.key} {self.day} {self.topic_id} {self.language}: {self.value}"


class PageView(models.Model):
    """One page view of a public HTML page, counted on the server (see `pageviews`): no cookie, no raw
    address or user agent — `visitor` is a truncated salted hash that changes every UTC day."""

    KINDS = ("article", "question", "search", "topic", "other")

    day = models.DateField()
    path = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, default="other")
    object_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200, blank=True, default="")
    language = models.CharField(max_length=8, blank=True, default="")
    topic_id = models.BigIntegerField(default=0)
    visitor = models.CharField(max_length=16)
    created_at = models.DateTimeField()

    class Meta:
        app_label = "portal"
        verbose_name = _("page view")
        indexes = [
            models.Index(fields=["day", "kind"], name="pageview_day_kind"),
            models.Index(fields=["day", "visitor"], name="pageview_day_visitor"),
            # Top articles / questions: counted from this index alone (no table read), whatever the range and filters.
            models.Index(fields=["kind", "day", "object_id", "language", "topic_id"], name="pageview_kind_day_object"),
            # The latest view of one object (the top lists' titles and addresses): a seek, not a range scan.
            models.Index(fields=["kind", "object_id", "day"], name="pageview_kind_object_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.path}"


class PageViewDaily(models.Model):
    """The page views of one article or question on one past UTC day, per language and topic: the top lists
    sum these over the range instead of counting every raw view (`pageviews.compute_object_views`; replaced
    with the day's other rollups by `rollups.refresh`; today is counted live from `PageView`)."""

    kind = models.CharField(max_length=10)  # "article" or "question"
    day = models.DateField()
    object_id = models.BigIntegerField()
    language = models.CharField(max_length=8, blank=True, default="")
    topic_id = models.BigIntegerField(default=0)
    views = models.IntegerField(default=0)

    class Meta:
        app_label = "portal"
        verbose_name = _("page views of an object per day")
        constraints = [
            # Day first: a refresh deletes one day's rows of every kind through this index.
            models.UniqueConstraint(
                fields=["day", "kind", "object_id", "language", "topic_id"], name="pageview_daily_once",
            ),
        ]
        indexes = [
            # The top lists: a range of days of one kind summed per object from this index alone (views included).
            models.Index(
                fields=["kind", "day", "object_id", "language", "topic_id", "views"], name="pageview_daily_top",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.object_id}: {self.views}"


class DigestSubscription(models.Model):
    """A staff member who wants the weekly Insights digest by email."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="insights_digest")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "portal"
        verbose_name = _("insights digest subscription")

    def __str__(self) -> str:
        return f"digest: {self.user_id}"


class DigestDelivery(models.Model):
    """One weekly digest to one subscriber: the row is claimed (created) before the email goes out, so two
    senders at once never send the same week twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="insights_digests")
    week = models.DateField()  # the Monday the digest's week starts on
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        app_label = "portal"
        verbose_name = _("insights digest delivery")
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="insights_digest_once")]

    def __str__(self) -> str:
        return f"digest {self.user_id} {self.week}"
