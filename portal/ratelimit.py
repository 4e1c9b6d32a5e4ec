"""Fixed-window rate limits in the shared cache, for write endpoints (allauth limits its own)."""

from __future__ import annotations

import time

from django.core.cache import cache


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def consume(scope: str, identity: str, *, limit: int, period: int) -> int:
    """Count one action; return 0 when allowed, else the seconds until the window resets."""
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{identity}:{window}"
    if cache.add(key, 1, timeout=period + 1):
        return 0
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        return 0
    if count > limit:
        return max(1, period - int(time.time()) % period)
    return 0
