"""Page views counted on the server: no cookie, no third-party script, no raw address or user agent stored.

`PageViewMiddleware` notes every GET of a public HTML page answered 200 (pages served from the whole-page
cache too: the middleware sits above every view) by a visitor whose user agent is not a bot's. The visitor
is `visitor_of(request)`: SHA-256 of a salt that changes every UTC day (derived from SECRET_KEY and the day,
never stored) with the client's address and user agent, truncated to 16 hex digits — the same person is one
visitor within a day and cannot be followed from one day to the next.

Like search analytics, views are kept in a per-process buffer and written in one bulk insert every 30 s or
500 views (checked on each view; the dashboard and `refresh_insights` flush first). A crash loses at most
that buffer. Kind, object, title, topic and language come from the page (`describe`, the page cache) or the
URL; an article's topic (its parent topic page) is looked up when the buffer is written, off the request path.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import UTC, date, timedelta

from django.conf import settings
from django.db import connections
from django.db.models import Count, F, Max, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import kit, registry, rollups

FLUSH_SECONDS = 30
FLUSH_SIZE = 500
KINDS = ("article", "question", "search", "topic", "other")
TOP_KINDS = ("article", "question")  # the kinds with a top list, counted per object and day in `PageViewDaily`
EXCLUDED_PREFIXES = ("/admin/", "/django-admin/", "/accounts/", "/static/", "/media/", "/notifications/")
BOT_RE = re.compile(
    r"bot|crawl|spider|slurp|scrape|fetch|monitor|preview|facebookexternalhit|python-|curl/|wget/|httpclient|"
    r"java/|go-http|okhttp|headless|lighthouse|pingdom|uptime|wrk|ab/|siege|k6/|locust",
    re.IGNORECASE,
)

_lock = threading.Lock()
_buffer: list = []
_last_flush = time.monotonic()
_salt: tuple[date, bytes] | None = None


def _today() -> date:
    return timezone.now().astimezone(UTC).date()


def daily_salt(day: date) -> bytes:
    """The secret of one UTC day: derived from SECRET_KEY and the day, kept only in memory."""
    global _salt
    cached = _salt
    if cached is not None and cached[0] == day:
        return cached[1]
    value = hashlib.sha256(f"insights.visitor:{settings.SECRET_KEY}:{day.isoformat()}".encode()).digest()
    _salt = (day, value)
    return value


def visitor_of(request, day: date | None = None) -> str:
    """The visitor's hash for the day: the same address and browser give the same 16 hex digits that day."""
    from portal.ratelimit import client_ip

    day = day or _today()
    agent = request.META.get("HTTP_USER_AGENT", "")[:400]
    digest = hashlib.sha256(daily_salt(day) + b"\0" + client_ip(request).encode() + b"\0" + agent.encode("utf-8", "replace"))
    return digest.hexdigest()[:16]


def is_bot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(BOT_RE.search(user_agent))


def describe(request, kind: str, object_id: int | None = None, title: str = "", topic_id: int = 0) -> None:
    """What the page being served is (a view calls this; the page cache stores it with the page)."""
    request.insights_page = (kind if kind in KINDS else "other", object_id, (title or "")[:200], int(topic_id or 0))


def describe_wagtail_page(page) -> tuple:
    """(kind, id, title, topic) of a Wagtail page: articles and topics by their models, anything else "other"."""
    name = type(page).__name__
    kind = "article" if getattr(page, "page_view_counter", None) == "article" else "topic" if name == "TopicPage" else "other"
    return (kind, page.pk, (page.title or "")[:200], page.pk if kind == "topic" else 0)


def _from_url(request) -> tuple:
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "url_name", "") or ""
    if name in ("question_detail", "question_detail_short") and match.kwargs.get("pk"):
        return ("question", int(match.kwargs["pk"]), "", 0)
    if name == "search":
        return ("search", None, "", 0)
    return ("other", None, "", 0)


def countable(request, response) -> bool:
    return (
        request.method == "GET"
        and response.status_code == 200
        and response.get("Content-Type", "").startswith("text/html")
        and not request.path_info.startswith(EXCLUDED_PREFIXES)
        and not request.headers.get("HX-Request")
        and not is_bot(request.META.get("HTTP_USER_AGENT", ""))
    )


def record(request) -> None:
    from .models import PageView

    now = timezone.now()
    day = now.astimezone(UTC).date()
    kind, object_id, title, topic_id = getattr(request, "insights_page", None) or _from_url(request)
    language = (getattr(request, "LANGUAGE_CODE", "") or "")[:8]
    view = PageView(
        day=day, path=request.path[:300], kind=kind, object_id=object_id, title=title, language=language,
        topic_id=topic_id, visitor=visitor_of(request, day), created_at=now,
    )
    with _lock:
        _buffer.append(view)
    if len(_buffer) >= FLUSH_SIZE or time.monotonic() - _last_flush >= FLUSH_SECONDS:
        flush()


class PageViewMiddleware:
    """Counts public HTML pages (see the module's notes). Never fails the request it counts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(settings, "PORTAL_COUNT_PAGE_VIEWS", True) and countable(request, response):
            record(request)
        return response


def _enrich(views: list) -> None:
    """Fill in what the request did not know, in two or three queries per batch: an article's topic (its
    parent page), and a question's title and topic from an earlier view of it."""
    from wagtail.models import Page

    from .models import PageView

    articles = {v.object_id for v in views if v.kind == "article" and not v.topic_id and v.object_id}
    if articles:
        paths = dict(Page.objects.filter(pk__in=articles).values_list("pk", "path"))
        parents = dict(Page.objects.filter(path__in={p[:-4] for p in paths.values()}).values_list("path", "pk"))
        for view in views:
            if view.kind == "article" and not view.topic_id and view.object_id in paths:
                view.topic_id = parents.get(paths[view.object_id][:-4], 0)
    questions = {v.object_id for v in views if v.kind == "question" and not v.title and v.object_id}
    if questions:
        known = {}
        rows = (
            PageView.objects.filter(day__gte=_today() - timedelta(days=7), kind="question", object_id__in=questions)
            .exclude(title="").values("object_id").annotate(title=Max("title"), topic=Max("topic_id"))
        )
        known = {row["object_id"]: (row["title"], row["topic"]) for row in rows}
        known.update({v.object_id: (v.title, v.topic_id) for v in views if v.kind == "question" and v.title})
        for view in views:
            if view.kind == "question" and not view.title and view.object_id in known:
                view.title, view.topic_id = known[view.object_id]


def flush() -> int:
    """Write the buffered views in one bulk insert."""
    global _last_flush
    from .models import PageView

    with _lock:
        views = list(_buffer)
        _buffer.clear()
        _last_flush = time.monotonic()
    if views:
        _enrich(views)
        PageView.objects.bulk_create(views, batch_size=1000)
    return len(views)


def discard() -> None:
    global _last_flush
    with _lock:
        _buffer.clear()
        _last_flush = time.monotonic()


# --- rollups ----------------------------------------------------------------------------------------------


def _combine(rows) -> list[tuple[int, str, float, int]]:
    """Rows (topic, language, n) grouped by both: the "all" rows (topic 0 and language "") added."""
    totals: dict[tuple[int, str], float] = {}
    for topic_id, language, count in rows:
        keys = {(0, ""), (0, language or "")}
        if topic_id:
            keys |= {(topic_id, ""), (topic_id, language or "")}
        for key in keys:
            totals[key] = totals.get(key, 0) + count
    return [(topic, language, float(value), int(value)) for (topic, language), value in sorted(totals.items())]


def compute_page_views(day: date) -> list[tuple[int, str, float, int]]:
    from .models import PageView

    rows = PageView.objects.filter(day=day).values_list("topic_id", "language").annotate(n=Count("pk")).order_by()
    return _combine(rows)


def compute_object_views(day: date) -> list:
    """The day's views of each article and question per language and topic, as `PageViewDaily` rows: one
    GROUP BY read from the (kind, day, object_id, language, topic_id) index of the raw views."""
    from .models import PageView, PageViewDaily

    rows = (
        PageView.objects.filter(day=day, kind__in=TOP_KINDS).exclude(object_id=None)
        .values_list("kind", "object_id", "language", "topic_id").annotate(n=Count("pk")).order_by()
    )
    return [
        PageViewDaily(kind=kind, day=day, object_id=object_id, language=language, topic_id=topic_id, views=n)
        for kind, object_id, language, topic_id, n in rows
    ]


def compute_visitors(day: date) -> list[tuple[int, str, float, int]]:
    """Distinct visitors are not additive: one COUNT(DISTINCT) per grouping (all, language, topic, both)."""
    from .models import PageView

    views = PageView.objects.filter(day=day)
    found: list[tuple[int, str, float, int]] = []
    total = views.aggregate(n=Count("visitor", distinct=True))["n"] or 0
    if total:
        found.append((0, "", float(total), total))
    for language, n in views.values_list("language").annotate(n=Count("visitor", distinct=True)).order_by():
        if language:
            found.append((0, language, float(n), n))
    for topic_id, n in views.exclude(topic_id=0).values_list("topic_id").annotate(n=Count("visitor", distinct=True)).order_by():
        found.append((topic_id, "", float(n), n))
    rows = views.exclude(topic_id=0).exclude(language="").values_list("topic_id", "language").annotate(
        n=Count("visitor", distinct=True)
    ).order_by()
    for topic_id, language, n in rows:
        found.append((topic_id, language, float(n), n))
    return found


# --- metrics and tables -----------------------------------------------------------------------------------


MIN_VIEWS_FOR_SHARE = 50  # fewer page views in a day tell too little about its hours: the clock's share instead


def share_of_day(day: date, seconds: float, query) -> float | None:
    """The share of `day`'s page views (in the query's topics and language) made in its first `seconds`: how
    far into a day the readers had come by that time of day (Japanese readers mostly before 15:00 UTC). None
    when the day had too few views to tell. One query over one day's rows."""
    from .models import PageView

    rows = PageView.objects.filter(day=day)
    if query.language:
        rows = rows.filter(language=query.language)
    if query.topic_ids:
        rows = rows.filter(topic_id__in=query.topic_ids)
    cutoff = kit.day_bounds(day)[0] + timedelta(seconds=seconds)
    found = rows.aggregate(total=Count("id"), before=Count("id", filter=Q(created_at__lt=cutoff)))
    return found["before"] / found["total"] if found["total"] >= MIN_VIEWS_FOR_SHARE else None


def _page_views_daily(query):
    return kit.read_daily("traffic.page_views", query)


def _page_views_total(query):
    return kit.read_total("traffic.page_views", query)[0]


def _visitors_daily(query):
    return kit.read_daily("traffic.visitors", query)


def _visitors_total(query):
    """The average of the daily unique visitors over the range's days up to today (`kit.mean_daily_total`)."""
    return kit.mean_daily_total("traffic.visitors", query)


def _top_counts(kind: str, query, limit: int | None) -> list[tuple[int, int]]:
    """(object_id, views) of the kind's most viewed objects over the range, in one statement on SQLite and
    PostgreSQL: the stored days' `PageViewDaily` rows summed from their index, and when the range holds today,
    today's raw views counted live, added up per object (ties by object_id).

    Equal to counting the raw views when every past day of the range has been refreshed (`refresh_insights`
    covers past days, `seed_bulk` refreshes the days it generates): a past day never refreshed counts no views."""
    from .models import PageView, PageViewDaily

    current = rollups.today()
    matches = Q(kind=kind)
    if query.topic_ids:
        matches &= Q(topic_id__in=query.topic_ids)
    if query.language:
        matches &= Q(language=query.language)
    parts = [
        PageViewDaily.objects.filter(matches, day__gte=query.start, day__lte=query.end).exclude(day=current)
        .values(item=F("object_id"), n=F("views")).order_by()
    ]
    if query.start <= current <= query.end:
        parts.append(
            PageView.objects.filter(matches, day=current).exclude(object_id=None)
            .values(item=F("object_id")).annotate(n=Count("pk")).order_by()
        )
    compiled = [part.query.get_compiler(using=part.db).as_sql() for part in parts]
    union = " UNION ALL ".join(text for text, _params in compiled)
    sql = f"SELECT item, SUM(n) AS views FROM ({union}) counted GROUP BY item ORDER BY views DESC, item"  # noqa: S608 -- the ORM's SQL, values bound
    params = [param for _text, part_params in compiled for param in part_params]
    if limit:
        sql += " LIMIT %s"
        params.append(limit)
    with connections[parts[0].db].cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(object_id), int(views)) for object_id, views in cursor.fetchall()]


def _top(kind: str):
    def rows(query, limit=None):
        """Two queries whatever the range: the counts (`_top_counts`: the daily rollup, today live), and the
        title and address of each listed object's latest view (an index seek apiece)."""
        from .models import PageView

        counts = _top_counts(kind, query, limit)
        ids = [object_id for object_id, _views in counts]
        described: dict[int, tuple[str, str]] = {}
        for start in range(0, len(ids), 100):  # one batch for a dashboard's top 10; a full CSV in batches
            # Each object's latest view in the range: one index seek apiece on (kind, object_id, day).
            latest = Q(pk__in=[])
            for object_id in ids[start:start + 100]:
                latest |= Q(pk=Subquery(
                    PageView.objects.filter(kind=kind, object_id=object_id, day__gte=query.start, day__lte=query.end)
                    .order_by("-day", "-pk").values("pk")[:1]
                ))
            for object_id, title, path in PageView.objects.filter(latest).values_list("object_id", "title", "path"):
                described[object_id] = (title, path)
        return [
            (described.get(object_id, ("", ""))[0] or described.get(object_id, ("", ""))[1], described.get(object_id, ("", ""))[1], n)
            for object_id, n in counts
        ]

    return rows


def register() -> None:
    from .models import PageViewDaily

    rollups.register_rollup("traffic.page_views", compute_page_views)
    rollups.register_rollup("traffic.visitors", compute_visitors)
    rollups.register_day_table("traffic.object_views", PageViewDaily, compute_object_views)
    rollups.register_day_profile(share_of_day)  # how far into a day readers had come: a compared day's share
    registry.register_metric(registry.Metric(
        key="traffic.page_views", section="traffic", label=_("Page views"),
        definition=_("Public pages opened (each time a page is shown), counted on the server; bots, the admin "
                     "and account pages are left out."),
        unit="count", daily=_page_views_daily, total=_page_views_total, order=10,
    ))
    registry.register_metric(registry.Metric(
        key="traffic.visitors", section="traffic", label=_("Unique visitors per day"),
        definition=_("Different visitors each day (the same address and browser count once a day; no cookie). "
                     "The value over the range is the daily average."),
        unit="count", daily=_visitors_daily, total=_visitors_total, order=20, per_day=True,
    ))
    columns = ((("title", _("Title")), ("path", _("Address")), ("views", _("Views"))))
    registry.register_table(registry.Table(
        key="traffic.top_articles", section="traffic", title=_("Top articles"),
        definition=_("Articles with the most page views in the range."), columns=columns, rows=_top("article"), order=10,
    ))
    registry.register_table(registry.Table(
        key="traffic.top_questions", section="traffic", title=_("Top questions"),
        definition=_("Community questions with the most page views in the range."), columns=columns,
        rows=_top("question"), order=20,
    ))
