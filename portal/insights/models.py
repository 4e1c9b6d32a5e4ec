"""Insights' stored rollups (see `rollups`)."""

from __future__ import annotations

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
