"""Search analytics without personal data, buffered so a search never waits for a database write.

Clicks: each result link points at the document itself (hover, copy link and "open in new tab" give the
article or question address). A click is reported by the link's `ping` attribute, or — where the browser
has it — by `navigator.sendBeacon` (static/js/search-clicks.js), to `/search/click/ping/` with the
search's token, the position and the result's key, signed (`click_signature`) so that only the results
that search showed can be reported. Without either, nothing is counted; navigation never waits for it.

Each process keeps the searches and clicks of the last few seconds and writes them in one bulk insert
every 30 s or 200 entries (checked on each search and click; the admin report flushes first). A crash
loses at most that buffer — acceptable for statistics, and it keeps the search page free of
per-request writes.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import urlencode

from .models import SearchLog

FLUSH_SECONDS = 30
FLUSH_SIZE = 200
PERIODS = (7, 30, 90)

_lock = threading.Lock()
_searches: list[SearchLog] = []
_clicks: dict[str, tuple[int, str]] = {}
_last_flush = time.monotonic()


def new_token() -> str:
    return secrets.token_hex(8)


def click_signature(token: str, position: int, key: str) -> str:
    return salted_hmac("search.click", f"{token}:{position}:{key}").hexdigest()[:20]


def click_params(token: str, position: int, key: str) -> str:
    """The query string of a result's click ping: the search, the position (1-based), the key, signed."""
    return urlencode({"t": token, "p": position, "k": key, "s": click_signature(token, position, key)})


def valid_click(token: str, position: int, key: str, signature: str) -> bool:
    return constant_time_compare(signature, click_signature(token, position, key))


def record_search(token: str, query: str, language: str, result_count: int, degraded: bool = False) -> None:
    with _lock:
        _searches.append(SearchLog(
            token=token, query=query[:200], language=language[:8], result_count=result_count, degraded=degraded,
            created_at=timezone.now(),
        ))
    _maybe_flush()


def record_click(token: str, position: int, key: str) -> None:
    with _lock:
        _clicks.setdefault(token, (position, key))  # the first result opened counts
    _maybe_flush()


def _maybe_flush() -> None:
    if len(_searches) + len(_clicks) >= FLUSH_SIZE or time.monotonic() - _last_flush >= FLUSH_SECONDS:
        flush()


def flush() -> int:
    """Write the buffered searches, then the clicks (a click can name a search from this same buffer)."""
    global _last_flush
    with _lock:
        searches, clicks = list(_searches), dict(_clicks)
        _searches.clear()
        _clicks.clear()
        _last_flush = time.monotonic()
    if searches:
        SearchLog.objects.bulk_create(searches, batch_size=500, ignore_conflicts=True)
    for token, (position, key) in clicks.items():
        SearchLog.objects.filter(token=token, clicked_key="").update(clicked_key=key[:40], clicked_position=position)
    return len(searches) + len(clicks)


def discard() -> None:
    global _last_flush
    with _lock:
        _searches.clear()
        _clicks.clear()
        _last_flush = time.monotonic()


def report(days: int, limit: int = 25) -> dict:
    """Top queries, top zero-result queries (content gaps) and the click-through rate over `days` days."""
    since = timezone.now() - timedelta(days=days)
    logs = SearchLog.objects.filter(created_at__gte=since)
    totals = logs.aggregate(searches=Count("pk"), clicked=Count("pk", filter=~Q(clicked_key="")), zero=Count("pk", filter=Q(result_count=0)))
    top = list(
        logs.values("query").annotate(
            searches=Count("pk"), clicks=Count("pk", filter=~Q(clicked_key="")), results=Avg("result_count"),
            position=Avg("clicked_position"),
        ).order_by("-searches", "query")[:limit]
    )
    for row in top:
        row["ctr"] = row["clicks"] / row["searches"] if row["searches"] else 0
    zero = list(
        logs.filter(result_count=0).values("query", "language").annotate(searches=Count("pk")).order_by("-searches", "query")[:limit]
    )
    searches = totals["searches"] or 0
    return {
        "days": days, "searches": searches, "clicked": totals["clicked"] or 0, "zero": totals["zero"] or 0,
        "ctr": (totals["clicked"] or 0) / searches if searches else 0, "top": top, "zero_queries": zero,
    }
