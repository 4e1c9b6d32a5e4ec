"""Knowledge-base services: helpful votes, view counts, and the data behind the help-center pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, Page

from portal.models import PortalSettings
from portal.ratelimit import client_ip
from portal.text_rules import CONTROL_CHARS  # C0/C1 controls and the bidi overrides that disguise text
from portal.timezones import utc_today

from .models import ArticleDailyStat, ArticleFeedback, ArticleHelpfulness, ArticlePage, TopicPage
from .permissions import can_vote_helpful
from .seo import article_json_ld, breadcrumb_list, faq_json_ld

MAX_FEEDBACK_COMMENT = 1000
ANONYMOUS_VOTES_PER_ADDRESS = 5  # counted anonymous votes per article, address and day (see _anonymous_vote_counts)
TRENDING_DAYS = 7
POPULAR_DAYS = 30
VIEW_KEY = "article-views:{day}:{pk}"
VIEW_FLUSH_LOCK = "article-views:flush-lock"
VIEW_FLUSH_DUE = "article-views:flush-due"
VIEW_FLUSH_INTERVAL = 60


class KnowledgeError(Exception):
    """A refused knowledge-base action; the message is translated and safe to show."""


def session_ref(session_key: str) -> str:
    """What an anonymous vote keeps of its visitor's session: a keyed hash of the session key (64 hex digits),
    so that neither the database nor the admin holds a credential that would open the visitor's session."""
    return salted_hmac("knowledge.helpful-vote.session", session_key, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class Visitor:
    """Who is voting: a signed-in user, or the anonymous visitor's session. An anonymous visitor also
    carries its client address and browser (user agent, languages), only ever stored hashed per day and
    article: a visitor who drops the session cookie is a new session but the same client."""

    user_id: int | None = None
    session_key: str = ""  # `session_ref` of the session's key: the key itself (a credential) is never stored
    ip: str = ""
    agent: str = ""

    @classmethod
    def from_request(cls, request) -> Visitor:
        if request.user.is_authenticated:
            return cls(user_id=request.user.pk)
        if not request.session.session_key:
            request.session.save()  # give the anonymous visitor a session so the vote is theirs
        agent = f"{request.META.get('HTTP_USER_AGENT', '')[:400]}|{request.META.get('HTTP_ACCEPT_LANGUAGE', '')[:100]}"
        return cls(session_key=session_ref(request.session.session_key), ip=client_ip(request), agent=agent)

    def client_keys(self, article_id: int) -> tuple[str, str]:
        """(fingerprint, network) of an anonymous visitor for one article today: keyed hashes of (IP, user
        agent, languages) and of the IP alone, which change every day and per article (no raw address is
        stored, and the keys cannot follow a visitor across articles or days). Empty without an address."""
        if self.user_id or not self.ip:
            return "", ""
        day = utc_today().isoformat()
        salt = "knowledge.helpful-vote"
        fingerprint = salted_hmac(salt, f"{day}|{article_id}|{self.ip}|{self.agent}").hexdigest()[:32]
        network = salted_hmac(salt, f"{day}|{article_id}|{self.ip}").hexdigest()[:32]
        return fingerprint, network

    def filter(self) -> Q:
        if self.user_id:
            return Q(user_id=self.user_id)
        return Q(user__isnull=True, session_key=self.session_key)


# --- Helpful votes ---------------------------------------------------------------------------------


def record_helpful_vote(
    article: ArticlePage, visitor: Visitor, *, helpful: bool, comment: str = ""
) -> ArticleFeedback:
    """Record or change the visitor's answer; counters move by exactly the change, never twice."""
    if not can_vote_helpful(visitor, article):
        raise KnowledgeError(_("This article cannot be rated."))
    comment = " ".join(CONTROL_CHARS.sub("", comment or "").split())  # no control characters, single spaces
    if len(comment) > MAX_FEEDBACK_COMMENT:
        raise KnowledgeError(_("Please keep your comment under %(max)d characters.") % {"max": MAX_FEEDBACK_COMMENT})
    if helpful:
        comment = ""  # comments are asked for on "No" only
    try:
        ArticleHelpfulness.objects.get_or_create(article_id=article.pk)
    except IntegrityError:  # created concurrently: the row exists now
        pass
    with transaction.atomic():
        # Locking the counters row serialises votes on one article, so counts stay exact under races.
        ArticleHelpfulness.objects.select_for_update().get(article_id=article.pk)
        existing = ArticleFeedback.objects.filter(visitor.filter(), article_id=article.pk).first()
        if existing is None:
            fingerprint, network = visitor.client_keys(article.pk)
            counted = _anonymous_vote_counts(article.pk, fingerprint, network)
            feedback = ArticleFeedback.objects.create(
                article_id=article.pk,
                user_id=visitor.user_id,
                session_key="" if visitor.user_id else visitor.session_key,
                helpful=helpful,
                comment=comment,
                fingerprint=fingerprint,
                network=network,
                counted=counted,
            )
            if counted:
                field = "yes" if helpful else "no"
                ArticleHelpfulness.objects.filter(article_id=article.pk).update(**{field: F(field) + 1})
            return feedback
        if existing.helpful != helpful and existing.counted:
            old, new = ("no", "yes") if helpful else ("yes", "no")
            ArticleHelpfulness.objects.filter(article_id=article.pk).update(**{old: F(old) - 1, new: F(new) + 1})
        existing.helpful = helpful
        if comment or helpful:
            existing.comment = comment
        existing.save(update_fields=["helpful", "comment", "updated_at"])
        return existing


def _anonymous_vote_counts(article_id: int, fingerprint: str, network: str) -> bool:
    """Whether a new anonymous vote counts in the counters and rankings. The rule: per article and day,
    one vote per client (same address, browser and languages) and at most ANONYMOUS_VOTES_PER_ADDRESS
    from one address (a household or an office behind one address). Votes beyond that are recorded —
    the visitor sees their vote, editors see the comments — but never counted. Signed-in members always
    count (one vote per account). Runs under the article's counter lock, so the bound is exact."""
    if not network:
        return True
    counted = ArticleFeedback.objects.filter(article_id=article_id, user__isnull=True, counted=True)
    if counted.filter(fingerprint=fingerprint).exists():
        return False
    return counted.filter(network=network).count() < ANONYMOUS_VOTES_PER_ADDRESS


def visitor_vote(article: ArticlePage, visitor: Visitor) -> ArticleFeedback | None:
    if not (visitor.user_id or visitor.session_key):
        return None
    return ArticleFeedback.objects.filter(visitor.filter(), article_id=article.pk).first()


def recompute_helpfulness() -> int:
    """Rebuild every counter from the feedback rows; returns how many rows were corrected."""
    corrected = 0
    totals = {
        row["article_id"]: row
        for row in ArticleFeedback.objects.filter(counted=True).values("article_id").annotate(
            yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
        )
    }
    with transaction.atomic():
        for counters in ArticleHelpfulness.objects.select_for_update():
            row = totals.pop(counters.article_id, {"yes": 0, "no": 0})
            if (counters.yes, counters.no) != (row["yes"], row["no"]):
                counters.yes, counters.no = row["yes"], row["no"]
                counters.save(update_fields=["yes", "no"])
                corrected += 1
        for article_id, row in totals.items():
            ArticleHelpfulness.objects.create(article_id=article_id, yes=row["yes"], no=row["no"])
            corrected += 1
    return corrected


# --- Views: counted in the cache, flushed to daily rows (no database write per page view) -----------


def count_article_view(page_id: int) -> None:
    key = VIEW_KEY.format(day=utc_today().isoformat(), pk=page_id)
    try:
        cache.incr(key)
    except ValueError:
        if not cache.add(key, 1, timeout=3 * 86400):
            cache.incr(key)
    # At most once a minute (per cache), move the counts to the database; cron may do it too.
    if cache.add(VIEW_FLUSH_DUE, 1, timeout=VIEW_FLUSH_INTERVAL):
        flush_article_views()


def flush_article_views(days: int = 2) -> int:
    """Move cached view counts into ArticleDailyStat. Safe to run from cron on several machines."""
    if not cache.add(VIEW_FLUSH_LOCK, 1, timeout=300):
        return 0
    moved = 0
    try:
        ids = list(ArticlePage.objects.values_list("pk", flat=True))
        today = utc_today()
        for offset in range(days):
            day = today - timedelta(days=offset)
            keys = {VIEW_KEY.format(day=day.isoformat(), pk=pk): pk for pk in ids}
            for key, count in cache.get_many(list(keys)).items():
                if not count:
                    continue
                cache.decr(key, count)
                with transaction.atomic():
                    stat, _created = ArticleDailyStat.objects.get_or_create(article_id=keys[key], day=day)
                    ArticleDailyStat.objects.filter(pk=stat.pk).update(views=F("views") + count)
                moved += count
    finally:
        cache.delete(VIEW_FLUSH_LOCK)
    return moved


# --- Page data ---------------------------------------------------------------------------------------


def _live_articles(locale: Locale):
    return ArticlePage.objects.live().public().filter(locale=locale)


def _with_listing_data(queryset):
    return queryset.defer_streamfields()


def topic_articles(topic: TopicPage):
    tag_ids = [tag.pk for tag in topic.tags.all()]
    condition = Q(path__startswith=topic.path)
    if tag_ids:
        condition |= Q(tagged_items__tag_id__in=tag_ids)
    ids = _live_articles(topic.locale).filter(condition).values("pk").distinct()
    return _with_listing_data(ArticlePage.objects.filter(pk__in=ids)).order_by("title")


def trending_articles(articles_qs, limit: int = 5) -> dict[str, list[ArticlePage]]:
    """Most read and most helpful in the last seven days among the given articles."""
    since = utc_today() - timedelta(days=TRENDING_DAYS)
    ids = articles_qs.values("pk")
    most_read = (
        ArticlePage.objects.filter(pk__in=ids, daily_stats__day__gte=since)
        .annotate(recent_views=Sum("daily_stats__views"))
        .filter(recent_views__gt=0)
        .defer_streamfields()
        .order_by("-recent_views", "title")[:limit]
    )
    most_helpful = (
        ArticlePage.objects.filter(
            pk__in=ids, feedback__helpful=True, feedback__counted=True,
            feedback__updated_at__gte=timezone.now() - timedelta(days=TRENDING_DAYS),
        )
        .annotate(recent_helpful=Count("feedback"))
        .defer_streamfields()
        .order_by("-recent_helpful", "title")[:limit]
    )
    return {"most_read": list(most_read), "most_helpful": list(most_helpful)}


def popular_articles(locale: Locale, limit: int = 6) -> list[ArticlePage]:
    """Most read in the last 30 days; on a young site, the most helpful fill the list up."""
    since = utc_today() - timedelta(days=POPULAR_DAYS)
    return list(
        _live_articles(locale)
        .annotate(recent_views=Sum("daily_stats__views", filter=Q(daily_stats__day__gte=since)))
        .defer_streamfields()
        .order_by(
            F("recent_views").desc(nulls_last=True), F("helpfulness__yes").desc(nulls_last=True), "title"
        )[:limit]
    )


def topic_titles(slugs: list[str], language: str) -> dict[str, str]:
    """The live topics' titles in `language`, by slug (a topic and its translations share their slug): how
    search names its topic filters in the reader's language. One query."""
    return dict(
        TopicPage.objects.live().filter(slug__in=slugs, locale__language_code=language).values_list("slug", "title")
    )


def topics_for(home: Page) -> list[TopicPage]:
    return list(TopicPage.objects.child_of(home).live().public().prefetch_related("tags").order_by("path"))


def related_articles(article: ArticlePage, limit: int = 5) -> list[ArticlePage]:
    picked = [
        item.related
        for item in article.related_items.select_related("related").all()
        if item.related.live and item.related.locale_id == article.locale_id
    ]
    if picked:
        return picked[:limit]
    tag_ids = list(article.tagged_items.values_list("tag_id", flat=True))
    if not tag_ids:
        return []
    return list(
        _live_articles(article.locale)
        .exclude(pk=article.pk)
        .filter(tagged_items__tag_id__in=tag_ids)
        .annotate(shared=Count("tagged_items"))
        .defer_streamfields()
        .order_by("-shared", "title")[:limit]
    )


def home_page_context(home: Page) -> dict:
    return {"topics": topics_for(home), "popular_articles": popular_articles(home.locale)}


def topic_page_context(topic: TopicPage) -> dict:
    articles = topic_articles(topic)
    crumbs = list(topic.get_ancestors().filter(depth__gt=1).specific(defer=True)) + [topic]
    return {
        "breadcrumbs": crumbs,
        "json_ld": [breadcrumb_list(None, crumbs)],
        "articles": list(articles[:60]),
        "promoted": [
            item.article for item in topic.promoted_items.select_related("article").all() if item.article.live
        ],
        "trending": trending_articles(articles),
    }


def article_page_context(article: ArticlePage, request) -> dict:
    tags = list(article.tags.all())
    crumbs = list(article.get_ancestors().filter(depth__gt=1).specific(defer=True)) + [article]
    organisation = PortalSettings.for_request(request).organisation_name
    context = {
        "related_articles": related_articles(article),
        "article_tags": tags,
        "breadcrumbs": crumbs,
        "json_ld": [
            data
            for data in (
                article_json_ld(request, article, organisation, tags),
                breadcrumb_list(request, crumbs),
                faq_json_ld(article.faq_items),
            )
            if data
        ],
    }
    if request.user.is_authenticated:
        context["my_vote"] = visitor_vote(article, Visitor(user_id=request.user.pk))
    elif request.session.session_key:
        context["my_vote"] = visitor_vote(article, Visitor(session_key=session_ref(request.session.session_key)))
    return context
