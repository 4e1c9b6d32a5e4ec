from __future__ import annotations

import datetime
import json

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext, ngettext, override

from ..paths import in_language
from ..seo import description
from ..site_url import absolute_url
from ..text_rules import latin_lang

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """Links to this page in every language: the page's translation where one exists, else the same URL."""
    request = context["request"]
    page = context.get("page")
    current = get_language()
    translations = {}
    if page is not None and getattr(page, "pk", None):
        for translation in page.get_translations(inclusive=True).live().select_related("locale"):
            translations[translation.locale.language_code] = translation
    links = []
    for code, _name in settings.LANGUAGES:
        if code in translations:
            url = translations[code].get_url(request)
        elif page is not None and getattr(page, "pk", None):
            url = "/" if code == settings.LANGUAGE_CODE else f"/{code}/"
        else:
            url = _translated_path(request, code)
        info = get_language_info(code)
        links.append(
            {"code": code, "name": info["name_local"], "url": url, "current": code == current,
             "exists": code in translations or page is None}
        )
    return links


def _translated_path(request, code: str) -> str:
    """This request's path and query in another language: `translate_url` without resolving the path again
    (the request's own match is at hand), the same result."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return translate_url(request.get_full_path(), code)
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    try:
        with override(code):
            path = reverse(name, args=match.args, kwargs=match.kwargs)
    except NoReverseMatch:
        return translate_url(request.get_full_path(), code)
    query = request.get_full_path().partition("?")[2]
    return f"{path}?{query}" if query else path


@register.simple_tag
def hreflang_links(lang_links: list[dict], path: str = "") -> str:
    """<link rel="alternate" hreflang> for every language version of this page, and x-default (the default
    language's version), when there is more than one version. `path`: the canonical path to translate instead
    of each link's own URL (list pages, whose language links keep sorting and paging)."""
    urls = {link["code"]: translate_url(path, link["code"]) if path else link["url"] for link in lang_links if link["exists"]}
    if len(urls) < 2:
        return ""
    urls["x-default"] = urls.get(settings.LANGUAGE_CODE) or next(iter(urls.values()))
    return mark_safe("".join(  # noqa: S308 - escaped here
        f'<link rel="alternate" hreflang="{code}" href="{escape(absolute_url(url))}">' for code, url in urls.items()
    ))


@register.filter
def meta_description(text) -> str:
    """Plain text of at most ~160 characters, in whole sentences where possible."""
    return description(str(text or ""))


@register.simple_tag
def absolute_static(path: str) -> str:
    return escape(absolute_url(static(path)))


@register.filter
def json_ld(data) -> str:
    """Serialise structured data for a <script type="application/ld+json"> block, safe inside HTML."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))  # noqa: S308


@register.simple_tag(takes_context=True)
def absolute(context, url: str) -> str:
    """`url` on the site's public address (settings.PORTAL_BASE_URL), whatever Host the request came with."""
    return escape(absolute_url(url))


@register.filter
def datetime_attr(value) -> str:
    """A `<time datetime>` value: ISO 8601 in the current time zone, to the second.

    HTML allows at most three digits of fractional seconds; Django's `date:'c'` writes microseconds.
    """
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""


# (seconds in the unit, its phrase): the largest unit that fits is the only one said.
AGO_UNITS = (
    (365 * 86400, lambda n: ngettext("%(count)d year ago", "%(count)d years ago", n)),
    (30 * 86400, lambda n: ngettext("%(count)d month ago", "%(count)d months ago", n)),
    (7 * 86400, lambda n: ngettext("%(count)d week ago", "%(count)d weeks ago", n)),
    (86400, lambda n: ngettext("%(count)d day ago", "%(count)d days ago", n)),
    (3600, lambda n: ngettext("%(count)d hour ago", "%(count)d hours ago", n)),
    (60, lambda n: ngettext("%(count)d minute ago", "%(count)d minutes ago", n)),
)


@register.filter
def ago(value, now=None) -> str:
    """A natural relative time in one unit, the largest: "22 hours ago" / "22時間前", "1 day ago", and
    "just now" / "たった今" under a minute (or for a time in the future: clocks differ)."""
    if not value:
        return ""
    seconds = ((now or timezone.now()) - value).total_seconds()
    for size, phrase in AGO_UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return phrase(count) % {"count": count}
    return gettext("just now")


@register.filter
def tag_lang(name) -> str:
    """`latin_lang` as a template attribute: <a class="tag"{{ tag.name|tag_lang }}>."""
    return mark_safe(latin_lang(name))  # noqa: S308 - a constant attribute or nothing


@register.filter
def tag_span(name) -> str:
    """A tag's name as an inline span, lang="en" on a page in another language (`latin_lang`), for a sentence
    that quotes it ("「camera」のタグ")."""
    return mark_safe(f"<span{latin_lang(name)}>{escape(str(name))}</span>")  # noqa: S308 - escaped here


@register.filter
def in_reader_language(url) -> str:
    """A site path stored in one language, as the reader of this page opens it (`portal.paths.in_language`)."""
    return in_language(str(url or ""), get_language() or settings.LANGUAGE_CODE)
