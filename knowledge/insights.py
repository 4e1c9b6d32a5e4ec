"""Content metrics for Insights (section "content"): article helpfulness from the "Was this helpful?" answers
(`ArticleFeedback`, counted votes only, on the day of each visitor's latest answer), the articles with the most
"No" answers and their comments, and the stale articles (not reviewed for `PORTAL_INSIGHTS_STALE_MONTHS`
months, default 12). An article's topic is its parent topic page, its language its locale.
Registered from `KnowledgeConfig.ready()`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from portal.insights import kit, rollups
from portal.insights.registry import Query, Table, register_table
from portal.insights.rollups import register_rollup

from .models import ArticleFeedback, ArticlePage

COMMENTS_PER_ARTICLE = 3


def stale_months() -> int:
    return int(getattr(settings, "PORTAL_INSIGHTS_STALE_MONTHS", 12))


def article_places(ids) -> dict[int, tuple[int | None, str]]:
    """{article id: (topic page id, language)} in two queries (an article's parent is its topic)."""
    articles = list(ArticlePage.objects.filter(pk__in=ids).values_list("pk", "path", "locale__language_code"))
    steplen = Page.steplen
    parents = dict(Page.objects.filter(path__in={path[:-steplen] for _pk, path, _l in articles}).values_list("path", "pk"))
    return {pk: (parents.get(path[:-steplen]), language) for pk, path, language in articles}


def article_filter(query: Query, prefix: str = "") -> Q:
    """The query's topics (articles directly under those topic pages) and language, on articles."""
    condition = Q()
    if query.language:
        condition &= Q(**{f"{prefix}locale__language_code": query.language})
    if query.topic_ids:
        under = Q(pk__in=[])
        for path, depth in Page.objects.filter(pk__in=query.topic_ids).values_list("path", "depth"):
            under |= Q(**{f"{prefix}path__startswith": path, f"{prefix}depth": depth + 1})
        condition &= under
    return condition


def _votes_on(day: date) -> tuple[dict, dict]:
    """({article: counted answers}, {article: (topic page, language)}) of `day`: read once per scope for
    both rollups."""

    def compute():
        start, end = kit.day_bounds(day)
        counts = {article: (n, yes) for article, n, yes in ArticleFeedback.objects.filter(
            counted=True, updated_at__gte=start, updated_at__lt=end,
        ).values("article_id").annotate(n=Count("pk"), yes=Count("pk", filter=Q(helpful=True)))
            .values_list("article_id", "n", "yes")}
        return counts, (article_places(counts) if counts else {})

    return rollups.shared(f"knowledge.votes:{day}", compute)


def _votes(day: date, helpful: bool | None):
    counts, places = _votes_on(day)
    return kit.expand(
        (*places.get(article, (None, "")), n if helpful is None else yes, n if helpful is None else yes)
        for article, (n, yes) in counts.items() if (n if helpful is None else yes)
    )


def helpful_yes(day: date):
    return _votes(day, True)


def helpful_votes(day: date):
    return _votes(day, None)


def most_no(query: Query, limit: int | None = None) -> list[tuple]:
    """Articles with the most counted "No" answers in the period, with their "Yes" answers and latest comments."""
    start, end = kit.range_bounds(query)
    votes = ArticleFeedback.objects.filter(article_filter(query, "article__"), counted=True, updated_at__gte=start,
                                           updated_at__lt=end)
    top = votes.filter(helpful=False).values("article_id").annotate(n=Count("pk")).order_by("-n", "article_id")
    top = list((top if limit is None else top[:limit]).values_list("article_id", "n"))
    ids = [article for article, _n in top]
    if not ids:
        return []
    yes = dict(votes.filter(helpful=True, article_id__in=ids).values("article_id").annotate(n=Count("pk"))
               .values_list("article_id", "n"))
    titles = dict(ArticlePage.objects.filter(pk__in=ids).values_list("pk", "title"))
    comments: dict[int, list[str]] = defaultdict(list)
    for article, comment in (votes.filter(helpful=False, article_id__in=ids).exclude(comment="")
                             .order_by("-updated_at", "-pk").values_list("article_id", "comment")):
        if len(comments[article]) < COMMENTS_PER_ARTICLE:
            comments[article].append(comment)
    return [(titles.get(article, ""), n, yes.get(article, 0), " | ".join(comments[article])) for article, n in top]


def stale_articles(query: Query, limit: int | None = None) -> list[tuple]:
    today = timezone.now().date()
    cutoff = today - timedelta(days=round(stale_months() * 30.44))
    rows = (ArticlePage.objects.live().filter(article_filter(query), last_reviewed__lt=cutoff)
            .order_by("last_reviewed", "pk").values_list("title", "locale__language_code", "last_reviewed"))
    rows = rows if limit is None else rows[:limit]
    return [(title, language, reviewed, int((today - reviewed).days // 30.44)) for title, language, reviewed in rows]


def register() -> None:
    register_rollup("knowledge.helpful_yes", helpful_yes)
    register_rollup("knowledge.helpful_votes", helpful_votes)
    kit.ratio_metric(
        "knowledge.helpfulness", "knowledge.helpful_yes", "knowledge.helpful_votes", section="content", order=10,
        label=_("Article helpfulness"),
        definition=_("Share of “Yes” among the counted answers to “Was this helpful?”, each visitor's answer on "
                     "the day they last gave or changed it."),
    )
    register_table(Table(
        "knowledge.most_no", "content", _("Articles with the most “No” answers"),
        _("Articles by counted “No” answers to “Was this helpful?” in the period, with their “Yes” answers and "
          "the latest comments left with a “No”."),
        (("article", _("Article")), ("no", _("No")), ("yes", _("Yes")), ("comments", _("Latest comments"))),
        most_no, order=20,
    ))
    register_table(Table(
        "knowledge.stale_articles", "content", _("Stale articles"),
        _("Published articles not reviewed for the number of months in the PORTAL_INSIGHTS_STALE_MONTHS setting "
          "(12 unless set), "
          "oldest review first; the date range does not apply."),
        (("article", _("Article")), ("language", _("Language")), ("reviewed", _("Last reviewed")),
         ("months", _("Months since"))), stale_articles, order=30,
    ))
