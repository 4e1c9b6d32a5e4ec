"""The sitemap: `/sitemap.xml` is a sitemap index; each section (help-center pages, community questions, ...)
is split into child sitemaps of at most settings.PORTAL_SITEMAP_LIMIT URLs (the protocol allows 50,000).

Child sitemaps are streamed: a section yields its URLs batch by batch (keyset pagination, values() rows),
so a child never holds its rows in memory and the index costs one aggregate query per section.
Every location is on the public address (settings.PORTAL_BASE_URL). Sections are wired in portal/urls.py,
the composition root; apps provide them (community.sitemaps.QuestionSection).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from types import SimpleNamespace
from typing import Protocol
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.db.models import Count, Max
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.views.decorators.http import require_safe
from wagtail.models import Locale, Page, Site

from .site_url import absolute_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
MAX_CHILD_NUMBER = 1_000_000  # anything larger is not a child sitemap (and would overflow an integer column)


@dataclass
class Entry:
    location: str  # a path on the public address, or an absolute URL
    lastmod: dt.datetime | None = None
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (hreflang, location), x-default included


class Section(Protocol):
    name: str

    def children(self, limit: int) -> list[tuple[int, dt.datetime | None]]:
        """The child sitemaps that have at least one URL: (number from 1, last modification)."""

    def entries(self, number: int, limit: int) -> Iterator[Entry]:
        """The URLs of child `number`, streamed; nothing if it is out of range."""


def limit() -> int:
    return max(1, min(settings.PORTAL_SITEMAP_LIMIT, 50_000))


def batch_size() -> int:
    return max(1, settings.PORTAL_SITEMAP_BATCH)


def w3c_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "+00:00"


def _loc(url: str) -> str:
    return escape(iri_to_uri(absolute_url(url)))


def _url_xml(entry: Entry) -> str:
    parts = [f"<url><loc>{_loc(entry.location)}</loc>"]
    if entry.lastmod:
        parts.append(f"<lastmod>{w3c_datetime(entry.lastmod)}</lastmod>")
    for code, url in entry.alternates:
        parts.append(f'<xhtml:link rel="alternate" hreflang={quoteattr(code)} href={quoteattr(iri_to_uri(absolute_url(url)))}/>')
    parts.append("</url>\n")
    return "".join(parts)


def _urlset(entries: Iterable[Entry]) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">\n'
    for entry in entries:
        yield _url_xml(entry)
    yield "</urlset>\n"


@require_safe
def index(request, sections: dict[str, Section]):
    size = limit()
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n']
    for name, section in sections.items():
        for number, lastmod in section.children(size):
            lines.append(f"<sitemap><loc>{_loc(reverse('sitemap_child', args=[name, number]))}</loc>")
            if lastmod:
                lines.append(f"<lastmod>{w3c_datetime(lastmod)}</lastmod>")
            lines.append("</sitemap>\n")
    lines.append("</sitemapindex>\n")
    response = HttpResponse("".join(lines), content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def child(request, sections: dict[str, Section], section: str, number: int):
    if section not in sections or not 1 <= number <= MAX_CHILD_NUMBER:
        raise Http404
    entries = sections[section].entries(number, limit())
    first = next(entries, None)
    if first is None:
        raise Http404
    response = StreamingHttpResponse(_urlset(chain([first], entries)), content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- Help-center pages ---------------------------------------------------------------------------------------


class PageSection:
    """Every live public Wagtail page of the site in every language, with the page's translations as
    alternates (and x-default: the default language's version)."""

    name = "pages"

    def pages(self):
        root = Site.objects.select_related("root_page").filter(is_default_site=True).first()
        if root is None:
            return Page.objects.none()
        root = root.root_page
        roots = Page.objects.filter(translation_key=root.translation_key, depth=root.depth)
        condition = None
        for path in roots.values_list("path", flat=True):
            query = Page.objects.filter(path__startswith=path)
            condition = query if condition is None else condition | query
        return condition.live().public()

    def children(self, limit: int) -> list[tuple[int, dt.datetime | None]]:
        totals = self.pages().aggregate(count=Count("pk"), last=Max("last_published_at"))
        count = totals["count"] or 0
        return [(number, totals["last"]) for number in range(1, (count + limit - 1) // limit + 1)]

    def entries(self, number: int, limit: int) -> Iterator[Entry]:
        pages = self.pages().only("id", "path", "url_path", "translation_key", "locale_id", "last_published_at", "latest_revision_created_at")
        start, end = (number - 1) * limit, number * limit
        cache = SimpleNamespace()  # Wagtail keeps the site root paths on it: one lookup for the whole child
        codes = dict(Locale.objects.values_list("pk", "language_code"))
        for offset in range(start, end, batch_size()):
            batch = list(pages.order_by("path")[offset : min(offset + batch_size(), end)])
            if not batch:
                return
            versions = defaultdict(list)
            for page in self.pages().filter(translation_key__in={p.translation_key for p in batch}).only(
                "id", "path", "url_path", "translation_key", "locale_id"
            ):
                versions[page.translation_key].append(page)
            for page in batch:
                url = self._url(page, cache)
                if url is None:
                    continue
                yield Entry(url, page.last_published_at or page.latest_revision_created_at, self._alternates(versions[page.translation_key], codes, cache))

    @staticmethod
    def _url(page: Page, cache) -> str | None:
        parts = page.get_url_parts(request=cache)
        return parts[2] if parts and parts[2] else None

    def _alternates(self, versions: list[Page], codes: dict[int, str], cache) -> list[tuple[str, str]]:
        urls = {codes.get(page.locale_id): self._url(page, cache) for page in versions}
        return alternates({code: url for code, url in urls.items() if code and url})


def alternates(urls: dict[str, str]) -> list[tuple[str, str]]:
    """hreflang alternates for one document in several languages (none when there is only one), with
    x-default on the default language's version."""
    if len(urls) < 2:
        return []
    ordered = [(code, urls[code]) for code, _name in settings.LANGUAGES if code in urls]
    default = urls.get(settings.LANGUAGE_CODE) or ordered[0][1]
    return [*ordered, ("x-default", default)]


# --- Fixed community pages -------------------------------------------------------------------------------------


class StaticSection:
    """A few fixed URL names, in every language (e.g. the community question list)."""

    def __init__(self, name: str, url_names: list[str]):
        self.name, self.url_names = name, url_names

    def children(self, limit: int) -> list[tuple[int, dt.datetime | None]]:
        return [(1, None)]

    def entries(self, number: int, limit: int) -> Iterator[Entry]:
        if number != 1:
            return
        from django.utils import translation

        for url_name in self.url_names:
            urls = {}
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    urls[code] = reverse(url_name)
            for url in urls.values():
                yield Entry(url, None, alternates(urls))
