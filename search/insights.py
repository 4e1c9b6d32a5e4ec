"""Search metrics for Insights, from the search log (`SearchLog`: one row per search, no personal data):
searches and zero-result searches per day (rollups by language), the top terms (section "traffic") and the
zero-result terms, i.e. content gaps (section "content"). Search has no topic: the topic filter does not apply.
Registered from `SearchConfig.ready()`.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Max, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from portal.insights import kit, rollups
from portal.insights.registry import Query, Table, register_table

from .models import SearchLog


def _counts_on(day: date) -> list[tuple[str, int, int]]:
    """(language, searches, zero-result searches) of `day`: one query, read once per scope for both rollups."""

    def compute():
        start, end = kit.day_bounds(day)
        return list(SearchLog.objects.filter(created_at__gte=start, created_at__lt=end).values("language")
                    .annotate(n=Count("pk"), zero=Count("pk", filter=Q(result_count=0)))
                    .values_list("language", "n", "zero"))

    return rollups.shared(f"search.counts:{day}", compute)


def searches(day: date):
    return kit.expand(((None, language, n, n) for language, n, _zero in _counts_on(day)), filters="language")


def zero_result_searches(day: date):
    return kit.expand(((None, language, zero, zero) for language, _n, zero in _counts_on(day) if zero),
                      filters="language")


def _terms(query: Query, limit: int | None, condition: Q | None = None):
    start, end = kit.range_bounds(query)
    rows = SearchLog.objects.filter(condition or Q(), created_at__gte=start, created_at__lt=end)
    if query.language:
        rows = rows.filter(language=query.language)
    rows = (rows.annotate(term=Lower("query")).values("term", "language")
            .annotate(n=Count("pk"), zero=Count("pk", filter=Q(result_count=0)),
                      clicks=Count("pk", filter=~Q(clicked_key="")), last=Max("created_at"))
            .order_by("-n", "term", "language"))
    return rows if limit is None else rows[:limit]


def top_terms(query: Query, limit: int | None = None) -> list[tuple]:
    return [(row["term"], row["language"], row["n"], row["clicks"], round(row["zero"] / row["n"] * 100, 1))
            for row in _terms(query, limit)]


def zero_result_terms(query: Query, limit: int | None = None) -> list[tuple]:
    return [(row["term"], row["language"], row["n"], row["last"].date())
            for row in _terms(query, limit, Q(result_count=0))]


def register() -> None:
    kit.count_metric(
        "search.searches", searches, section="traffic", order=30, filters="language", better="none",
        label=_("Searches"),
        definition=_("Searches made on the search page (logged without any personal data). The topic filter "
                     "does not apply."),
    )
    kit.count_metric(
        "search.zero_result_searches", zero_result_searches, section="content", order=40, filters="language",
        better="down", label=_("Searches with no results"),
        definition=_("Searches that found nothing: the content gaps. The topic filter does not apply."),
    )
    kit.ratio_metric(
        "search.zero_result_rate", "search.zero_result_searches", "search.searches", section="content", order=45,
        filters="language", better="down", label=_("Zero-result rate"),
        definition=_("Searches with no results ÷ searches × 100."),
    )
    register_table(Table(
        "search.top_terms", "traffic", _("Top search terms"),
        _("The most frequent searches in the period (letter case ignored), with how many led to a click on a "
          "result and the share that found nothing. The topic filter does not apply."),
        (("term", _("Search term")), ("language", _("Language")), ("searches", _("Searches")),
         ("clicks", _("With a click")), ("zero", _("No results (%)"))), top_terms, order=50,
    ))
    register_table(Table(
        "search.zero_result_terms", "content", _("Searches with no results"),
        _("Search terms that found nothing in the period, most frequent first: topics to write about. The topic "
          "filter does not apply."),
        (("term", _("Search term")), ("language", _("Language")), ("searches", _("Searches")),
         ("last", _("Last searched"))), zero_result_terms, order=60,
    ))
