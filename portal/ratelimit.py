"""Fixed-window rate limits in the shared cache, and the one way to tell which client sent a request.

`client_ip(request)` is the address every limit counts by (the portal's own limits, allauth's through
`portal.accounts.AccountAdapter.get_client_ip`, helpful-vote fingerprints, the search throttle).
By default it is `REMOTE_ADDR`: a client can write anything into `X-Forwarded-For`, so the header is
ignored unless the deployment says which proxies are its own:

- `PORTAL_TRUSTED_PROXY_COUNT=N` — N reverse proxies of ours stand in front of the application, each
  appending the address it saw to `X-Forwarded-For`: the client is the N-th address from the right.
- `PORTAL_TRUSTED_PROXIES=10.0.0.0/8,192.0.2.7` — addresses or networks of our proxies: when the
  request comes from one of them, the client is the right-most `X-Forwarded-For` address that is not
  one of them (takes precedence over the count).

A header that is shorter than promised, or holds a malformed address where the client's should be,
falls back to `REMOTE_ADDR`: never to a value the client chose.
"""

from __future__ import annotations

import functools
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse_ip(value: str) -> IPAddress | None:
    """An address from a header entry: "192.0.2.1", "2001:db8::1", "[2001:db8::1]:443", "192.0.2.1:80"."""
    value = value.strip()
    if not value or len(value) > 64:
        return None
    if value.startswith("["):  # [v6] or [v6]:port
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def ip_in_networks(value: str, entries) -> bool:
    """Whether an address (as `client_ip` gives it) lies in one of the listed addresses or networks."""
    address = _parse_ip(value)
    return address is not None and any(address in network for network in _networks(tuple(entries or ())))


def _forwarded_chain(request) -> list[IPAddress | None]:
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return [_parse_ip(part) for part in header.split(",")] if header.strip() else []


def client_ip(request) -> str:
    """The client's address, taking `X-Forwarded-For` only from the proxies the settings trust."""
    raw = request.META.get("REMOTE_ADDR", "") or ""
    remote = _parse_ip(raw)
    if remote is None:
        return raw[:64] or "unknown"
    trusted = _networks(tuple(getattr(settings, "PORTAL_TRUSTED_PROXIES", ()) or ()))
    count = int(getattr(settings, "PORTAL_TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted:
        if not any(remote in network for network in trusted):
            return str(remote)  # not from our proxy: its X-Forwarded-For is whatever the client wrote
        chain = _forwarded_chain(request)
        for address in reversed(chain):
            if address is None:
                return str(remote)
            if not any(address in network for network in trusted):
                return str(address)
        return str(chain[0]) if chain else str(remote)
    if count > 0:
        chain = _forwarded_chain(request)
        if len(chain) < count or chain[-count] is None:
            return str(remote)
        return str(chain[-count])
    return str(remote)


def consume_in_order(*buckets: tuple[str, str, int, int]) -> int:
    """Count one action in each (scope, identity, limit, period) bucket in turn, stopping at the first that
    refuses, and return its wait (0: allowed by all). A bucket with no identity (no client address) is skipped.
    Put the member's own bucket before the shared one (their address): an attempt their own limit refuses is
    then not counted against everyone behind the same address (an office, a mobile network)."""
    for scope, identity, limit, period in buckets:
        if identity:
            retry = consume(scope, identity, limit=limit, period=period)
            if retry:
                return retry
    return 0


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
