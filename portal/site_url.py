"""The site's one public address (settings.PORTAL_BASE_URL) and the Wagtail Site record that mirrors it.

Every absolute link the portal writes (sitemap, canonical and hreflang links, structured data, robots.txt,
emails and their List-Unsubscribe headers) is built here, never from the request's Host header.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/")


def absolute_url(url: str) -> str:
    """`url` (a path such as "/community/") on the public address; absolute URLs are returned unchanged."""
    if not url or urlsplit(url).scheme:
        return url
    return base_url() + (url if url.startswith("/") else "/" + url)


def site_address() -> tuple[str, int]:
    """(hostname, port) of the public address, as the Wagtail Site record stores them."""
    parts = urlsplit(base_url())
    return parts.hostname or "localhost", parts.port or (443 if parts.scheme == "https" else 80)


def sync_default_site() -> tuple[object | None, bool]:
    """Point the default Wagtail Site at the public address. Returns (site, changed); (None, False) when
    there is no default site yet. Idempotent."""
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return None, False
    hostname, port = site_address()
    if (site.hostname, site.port) == (hostname, port):
        return site, False
    site.hostname, site.port = hostname, port
    site.save(update_fields=["hostname", "port"])
    return site, True
