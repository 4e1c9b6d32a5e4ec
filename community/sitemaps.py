"""The community's part of the sitemap: every public question, at its canonical URL (in the question's own
language), with `lastmod` = its last activity. Wired into the sitemap index by portal/urls.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.contrib.auth.models import AnonymousUser
from django.db.models import ExpressionWrapper, F, IntegerField, Max

from portal.sitemaps import Entry, batch_size

from .models import Question
from .seo import question_path_prefixes


class QuestionSection:
    """Child sitemap n holds the public questions with a primary key in ((n-1)·limit, n·limit]: at most `limit`
    URLs, a question stays in the same child for good, and each child is read by keyset pagination on the
    primary key in batches of settings.PORTAL_SITEMAP_BATCH rows (values only, no model instances)."""

    name = "questions"

    @staticmethod
    def public():
        return Question.objects.visible_to(AnonymousUser()).filter(merged_into__isnull=True)  # merged ones redirect

    def children(self, limit: int) -> list[tuple[int, dt.datetime | None]]:
        bucket = ExpressionWrapper((F("pk") - 1) / limit, output_field=IntegerField())
        rows = (
            self.public().annotate(bucket=bucket).values("bucket").annotate(last=Max("last_activity_at")).order_by("bucket")
        )
        return [(row["bucket"] + 1, row["last"]) for row in rows]

    def entries(self, number: int, limit: int) -> Iterator[Entry]:
        prefixes = question_path_prefixes()
        size, last, high = batch_size(), (number - 1) * limit, number * limit
        rows = self.public().filter(pk__lte=high).order_by("pk").values_list("pk", "slug", "language", "last_activity_at")
        while True:
            batch = list(rows.filter(pk__gt=last)[:size])
            for pk, slug, language, lastmod in batch:
                prefix = prefixes.get(language) or prefixes[""]
                yield Entry(f"{prefix}{pk}/{slug or 'q'}/", lastmod)
            if len(batch) < size:
                return
            last = batch[-1][0]
