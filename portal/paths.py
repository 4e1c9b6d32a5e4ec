"""Paths of one URL pattern for many objects with a single `reverse()`.

A list of twenty members or questions would otherwise call `reverse()` (URL resolver, language prefix,
quoting) twenty times. `path_maker(name, **samples)` reverses once with recognisable sample values, keeps the
literal pieces around them, and returns a function that fills in the real values, quoted the way `reverse()`
quotes them. The result is the same path `reverse()` gives (tests compare the two, Japanese slugs included).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.urls import Resolver404, get_script_prefix, get_urlconf, resolve, reverse, translate_url
from django.utils.translation import get_language, get_language_from_path, override

SAFE = "~:@!$&'()*+,;="  # what `reverse()` leaves unquoted inside a path segment (RFC 3986 sub-delims, ~ : @)


def path_maker(name: str, **samples: object) -> Callable[..., str]:
    """`samples` are valid values for every URL argument, each unlikely to appear in the path otherwise (e.g.
    pk=987654321, slug="sample-slug"); the returned function takes the same keyword arguments."""
    path = reverse(name, kwargs=samples)
    by_text = {str(value): key for key, value in samples.items()}
    pieces = re.split("(" + "|".join(map(re.escape, sorted(by_text, key=len, reverse=True))) + ")", path)
    literal = pieces[0::2]
    keys = [by_text[text] for text in pieces[1::2]]

    def make(**values: object) -> str:
        out = [literal[0]]
        for key, tail in zip(keys, literal[1:], strict=True):
            out.append(quote(str(values[key]), safe=SAFE))
            out.append(tail)
        return "".join(out)

    return make


# The site header's and footer's links (URL names without arguments).
CHROME = ("community_index", "community_ask", "search", "search_suggest", "account_login", "account_signup",
          "account_logout", "notification_list", "support_cases")


def chrome_links() -> dict[str, str]:
    """The header's and footer's links in the active language (`nav.<name>` in templates): reversed once per
    language, URLconf and script prefix (a pure function of them), not on every page view."""
    return _chrome_links(get_language() or "", get_urlconf(), get_script_prefix())


@functools.lru_cache(maxsize=32)
def _chrome_links(language: str, urlconf, prefix: str) -> dict[str, str]:
    with override(language or None):
        return {name: reverse(name, urlconf=urlconf) for name in CHROME}


def in_language(url: str, language: str) -> str:
    """A site path as the reader of `language` opens it ("/community/q/12/…#answer-3" → "/ja/community/q/12/…
    #answer-3"): a path stored when someone else's language was active (a notification is written in the
    actor's request) still opens in the reader's. Wagtail's pages (one slug per translation, found through
    their own tree) and anything that is not a local path are left as they are."""
    parts = urlsplit(url or "")
    if not url or parts.scheme or parts.netloc or not url.startswith("/"):
        return url
    with override(get_language_from_path(parts.path) or settings.LANGUAGE_CODE):  # the path's own language
        try:
            match = resolve(unquote(parts.path))
        except Resolver404:
            return url
        return url if match.url_name == "wagtail_serve" else translate_url(url, language)
