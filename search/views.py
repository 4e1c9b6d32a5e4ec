"""The search page and the autocomplete endpoint: one box over articles and questions."""

from __future__ import annotations

import dataclasses
from html import escape

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.params import get_int, get_str
from portal.paths import path_maker
from portal.ratelimit import client_ip, consume
from portal.text_rules import latin_lang

from . import analytics
from .api import cached_search, cached_suggest, reader_url, relaxed_search, topic_labels
from .backends.base import MAX_QUERY, SORTS, STATUSES, FacetValue, SearchQuery
from .models import SearchDocument
from .text import CONTROL, normalise, parse

MAX_PAGE = 100
LIST_PARAMS = {"type": 5, "topic": 10, "tag": 5, "lang": 2}
KINDS = set(SearchDocument.Kind.values)
SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
# Per client (a member, else an address) and (limit, seconds): far above what a person types and reads,
# low enough that a script cannot run the engine hundreds of times a minute. Autocomplete fires as the
# reader types (debounced), so it gets more.
SEARCH_LIMITS = ((30, 10), (300, 600))
SUGGEST_LIMITS = ((60, 10), (1200, 600))
CLICK_LIMITS = ((20, 10), (200, 600))  # a reader opens a few results per search
PING_TYPES = {"text/ping", "text/plain"}  # <a ping> / navigator.sendBeacon(url, "PING")


def _clean_list(request, name: str, allowed=None) -> tuple[str, ...]:
    values = []
    for raw in request.GET.getlist(name)[: LIST_PARAMS[name]]:
        value = raw.strip().lower()[:60]
        if not value or (allowed is not None and value not in allowed) or not set(value) <= SLUG_CHARS:
            continue
        if value not in values:
            values.append(value)
    return tuple(values)


def parse_request(request) -> SearchQuery:
    """Everything from the query string, validated: unknown values are dropped, never an error."""
    text = " ".join(normalise(get_str(request.GET, "q", max_length=MAX_QUERY * 2)).split())[:MAX_QUERY]
    page = get_int(request.GET, "page", 1, min_value=1, max_value=MAX_PAGE)
    sort = request.GET.get("sort", "relevance")
    status = request.GET.get("status", "")
    return SearchQuery(
        text=text,
        kinds=_clean_list(request, "type", KINDS),
        topics=_clean_list(request, "topic"),
        tags=_clean_list(request, "tag"),
        languages=_clean_list(request, "lang", {"en", "ja"}),
        status=status if status in STATUSES else "",
        sort=sort if sort in SORTS else "relevance",
        page=page,
        reader_language=(get_language() or "en")[:2],
    )


def typed_query(request) -> str:
    """The query as the reader typed it (case and script kept), for the search boxes and the page's links;
    only control characters go and the length is capped. Searching uses the normalised `SearchQuery.text`."""
    return " ".join(CONTROL.sub(" ", request.GET.get("q", "")).split())[:MAX_QUERY]


def _params(query: SearchQuery, typed: str | None = None) -> list[tuple[str, str]]:
    items = [("q", query.text if typed is None else typed)]
    items += [("type", v) for v in query.kinds] + [("topic", v) for v in query.topics]
    items += [("tag", v) for v in query.tags] + [("lang", v) for v in query.languages]
    if query.status:
        items.append(("status", query.status))
    if query.sort != "relevance":
        items.append(("sort", query.sort))
    return items


def _url(items: list[tuple[str, str]]) -> str:
    return "?" + urlencode(items)


def toggle_url(query: SearchQuery, name: str, value: str, typed: str | None = None) -> str:
    """The page's URL with one facet value switched on or off (and back to page 1)."""
    items = _params(query, typed)
    if name == "status":
        items = [(k, v) for k, v in items if k != "status"]
        if query.status != value:
            items.append(("status", value))
        return _url(items)
    if (name, value) in items:
        items.remove((name, value))
    else:
        items.append((name, value))
    return _url(items)


FACET_PARAM = {"kind": "type", "topic": "topic", "tag": "tag", "status": "status", "language": "lang"}


def _fixed_labels() -> dict[tuple[str, str], str]:
    """Labels of the fixed facet values in the reader's language (cached results may carry another's)."""
    labels = {("kind", value): str(label) for value, label in SearchDocument.Kind.choices}
    labels.update({("status", "solved"): _("Solved"), ("status", "unanswered"): _("Unanswered")})
    return labels


def _labels(query: SearchQuery, results) -> tuple[dict[tuple[str, str], str], set[str]]:
    """Every facet value's label in the reader's language: the fixed values', and each topic's title in the
    page's language (the results carry the title of the documents found, which may be in the other one).
    Also the slugs of the topics now named in the reader's language (a topic without a translation keeps the
    name its documents give it)."""
    labels = {(name, v.value): v.label for name, values in results.facets.items() for v in values}
    labels.update(_fixed_labels())
    language = (get_language() or "en")[:2]
    # Looked up only when not named in the reader's language already (the embedded engine names a topic from a
    # document in that language when the results hold one): a search in the page's language costs no query.
    topics = results.facets.get("topic", [])
    slugs = {v.value for v in topics if v.label_language != language} | (set(query.topics) - {v.value for v in topics})
    translated = topic_labels(sorted(slugs), language)
    labels.update({("topic", slug): title for slug, title in translated.items()})
    return labels, {v.value for v in topics if v.label_language == language} | set(translated)


def _facet_values(name: str, values: list[FacetValue], labels: dict[tuple[str, str], str]) -> list[FacetValue]:
    return [dataclasses.replace(v, label=labels.get((name, v.value), v.label)) for v in values]


def _selected_filters(query: SearchQuery, labels: dict[tuple[str, str], str], typed: str) -> list[tuple[FacetValue, str]]:
    """Every filter in force with the link that removes it (offered when the filtered results are empty)."""
    fallback = {"en": "English", "ja": "日本語"}
    chosen = [("kind", v) for v in query.kinds] + ([("status", query.status)] if query.status else [])
    chosen += [("topic", v) for v in query.topics] + [("tag", v) for v in query.tags]
    chosen += [("language", v) for v in query.languages]
    return [
        (FacetValue(value, str(labels.get((name, value)) or fallback.get(value, value)), 0, True),
         toggle_url(query, FACET_PARAM[name], value, typed))
        for name, value in chosen
    ]


def throttled(request, scope: str, limits) -> int:
    """Count one request against every window of `limits`; the seconds to wait, or 0 when allowed."""
    if not settings.PORTAL_SEARCH_THROTTLE:
        return 0
    identity = f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{client_ip(request)}"
    waits = [consume(f"{scope}:{period}", identity, limit=limit, period=period) for limit, period in limits]
    return max(waits)


def _hit_html(hit, ping: str, tags: list[tuple[str, str]], topic: tuple[str, str]) -> SafeString:
    """One result (`<li class="search-hit">`): its kind, topic (in the page's language when it has one), status
    and counts in the page's language; its title and snippet (highlighted by `search.text.highlight`, which
    escapes them) in its own. Built here with plain escaping, not by including a template per hit: ten includes
    were a third of the page's rendering."""
    kind = _("Article") if hit.kind == "article" else _("Question")
    meta = f'<span class="type-badge type-badge--{escape(hit.kind)}">{escape(kind)}</span>'
    if topic[0]:
        meta += f' <span lang="{escape(topic[1])}">{escape(topic[0])}</span>'
    if hit.kind == "question":
        if hit.is_solved:
            solved = escape(_("Solved"))  # gettext outside the f-strings: xgettext does not read inside them
            meta += f' <span class="status-badge status-badge--solved">{solved}</span>'
        answers = ngettext("%(counter)s answer", "%(counter)s answers", hit.answer_count)
        meta += f" <span>{escape(answers % {'counter': formats.localize(hit.answer_count)})}</span>"
    elif hit.helpful_ratio is not None:
        percent = str(round(hit.helpful_ratio * 100))  # as {% widthratio ratio 1 100 %}
        helpful = _("%(percent)s%% found this helpful") % {"percent": percent}
        meta += f" <span>{escape(helpful)}</span>"
    pinged = f' ping="{escape(ping)}" data-click-ping="{escape(ping)}"' if ping else ""
    tag_list = (
        '<ul class="tag-list">' + "".join(f'<li><a class="tag" href="{escape(url)}"{latin_lang(tag)}>{escape(tag)}</a></li>' for tag, url in tags)
        + "</ul>"
    ) if tags else ""
    language = escape(hit.language)
    return mark_safe(  # noqa: S308 - every value escaped above; the title and snippet are highlight()'s escaped HTML
        f'<li class="search-hit"><p class="hit-meta">{meta}</p>'
        f'<h3 class="hit-title" lang="{language}"><a href="{escape(hit.url)}"{pinged}>{hit.title_html}</a></h3>'
        f'<p class="hit-snippet" lang="{language}">{hit.snippet_html}</p>{tag_list}</li>'
    )


def search(request):
    query = parse_request(request)
    typed = typed_query(request) if query.text else ""
    retry = throttled(request, "search", SEARCH_LIMITS) if query.text else 0
    if retry:
        context = {"query": typed, "header_query": typed, "retry_after": retry}
        response = TemplateResponse(request, "search/throttled.html", context, status=429)
        response["Retry-After"] = str(retry)
        return response
    results = relaxed_search(query, cached_search(query)) if query.text else None
    last = min(results.pages, MAX_PAGE) if results is not None else 0
    if last and query.page > last:  # past the last page (an old link, a hand-typed address): to the last one
        items = _params(query, typed)
        return redirect(request.path + _url([*items, ("page", str(last))] if last > 1 else items))
    # `header_query` fills the header's search box too: both boxes echo exactly what was typed.
    context = {"query": typed, "header_query": typed, "search": query, "results": results}
    # Only words such as "the" or "how do I": nothing to search for, and no content gap to report.
    context["common_words_only"] = common = bool(query.text) and not parse(query.text)
    if results is not None:
        filtered_view = bool(query.kinds or query.topics or query.tags or query.languages or query.status)
        if query.page == 1 and not filtered_view and not common:  # a search as typed: logged, and its result links counted
            token = analytics.new_token()
            # Found only without one of its words: still a content gap (the Insights report of zero-result searches).
            found = 0 if results.missing or results.partial else results.total
            analytics.record_search(token, query.text, (get_language() or "en")[:2], found, results.degraded)
            context["click_token"] = token
            ping = request.build_absolute_uri(reverse("search_click_ping"))  # <a ping> takes http(s) URLs only
            shown = [*results.hits, *results.also]  # the results without one word count on after the others
            context["click_pings"] = [f"{ping}?{analytics.click_params(token, i, hit.key)}" for i, hit in enumerate(shown, 1)]
        pings = context.get("click_pings") or [""] * (len(results.hits) + len(results.also))
        tag_path = path_maker("community_tag", tag="sample-tag")  # one reverse() for every hit's tags
        reader = (get_language() or settings.LANGUAGE_CODE)[:2]
        labels, in_reader = _labels(query, results)
        listed = [
            _hit_html(dataclasses.replace(hit, url=reader_url(hit.kind, hit.url, reader)), ping,
                      [(tag, tag_path(tag=tag)) for tag in hit.tags[:5]],
                      # The topic as the filters name it, in the page's language when it has one
                      # ("トラブルシューティング" on /ja/ for an English article), else as the document names it.
                      (str(labels[("topic", hit.topic_slug)]), reader) if hit.topic_slug in in_reader
                      else (hit.topic_title, hit.language))
            for hit, ping in zip([*results.hits, *results.also], pings, strict=True)
        ]  # copies: the hits may be the result cache's own objects
        context["hits"], context["also_hits"] = listed[:len(results.hits)], listed[len(results.hits):]
        # A value with no results is shown but not linked (it would lead to an empty page); a selected one
        # always links, since following it removes the filter.
        context["facets"] = [
            (name, [
                (value, toggle_url(query, FACET_PARAM[name], value.value, typed) if value.count or value.selected else None)
                for value in _facet_values(name, results.facets.get(name, []), labels)
            ])
            for name in ("kind", "status", "topic", "tag", "language")
            if results.facets.get(name)
        ]
        context["selected_filters"] = _selected_filters(query, labels, typed)
        base = [(k, v) for k, v in _params(query, typed) if k != "sort"]
        context["sorts"] = [(s, _url([*base, ("sort", s)] if s != "relevance" else base)) for s in SORTS]
        page_items = _params(query, typed)
        if query.page > 1:
            context["previous_url"] = _url([*page_items, ("page", str(query.page - 1))])
        if query.page < min(results.pages, MAX_PAGE):
            context["next_url"] = _url([*page_items, ("page", str(query.page + 1))])
        context["filtered"] = filtered_view
        context["clear_url"] = _url([("q", typed)])
    return TemplateResponse(request, "search/search.html", context)


def suggest(request):
    """Autocomplete: an HTML fragment of links for htmx, or JSON with `?format=json`."""
    text = " ".join(normalise(get_str(request.GET, "q", max_length=MAX_QUERY * 2)).split())[:MAX_QUERY]
    # Suggestions are in the reader's language unless asked otherwise (`lang=en|ja`, or `lang=all`).
    requested = request.GET.get("lang", "")
    language = requested if requested in {"en", "ja"} else ("" if requested == "all" else (get_language() or "en")[:2])
    items = []
    retry = throttled(request, "suggest", SUGGEST_LIMITS) if len(text) >= 2 else 0
    if retry:
        message = ngettext(
            "Too many requests. Please try again in %(seconds)d second.",
            "Too many requests. Please try again in %(seconds)d seconds.", retry,
        ) % {"seconds": retry}
        if request.GET.get("format") == "json":
            response = JsonResponse({"query": text, "suggestions": [], "error": message}, status=429)
        else:
            response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(retry)
        return response
    if len(text) >= 2:
        reader = (get_language() or settings.LANGUAGE_CODE)[:2]
        items = [{**item, "url": reader_url(item["kind"], item["url"], reader)} for item in cached_suggest(text, language)]
    if request.GET.get("format") == "json":
        return JsonResponse({"query": text, "suggestions": items})
    return TemplateResponse(
        request, "search/suggest.html", {"query": text, "items": items, "language": get_language()}
    )


def click(request):
    """The old result link (/search/click/?t=…&p=…&k=…): results now link to the documents themselves and
    clicks arrive as pings (`click_ping`). Kept so that old links and bookmarks still lead to the result;
    it no longer counts (anyone could make a page that sends readers through it)."""
    kind, _sep, object_id = request.GET.get("k", "").partition(":")
    doc = None
    if kind in KINDS and object_id.isascii() and object_id.isdigit() and len(object_id) <= 10:
        doc = SearchDocument.objects.filter(kind=kind, object_id=int(object_id)).only("url").first()
    reader = (get_language() or settings.LANGUAGE_CODE)[:2]
    return redirect(reader_url(kind, doc.url, reader) if doc is not None else "search")


# CSRF-exempt because neither `<a ping>` nor `navigator.sendBeacon` can carry a CSRF token. What a forged
# request could do is count a click on a search; it is refused unless it names a search's token, a position
# and a result key signed together by this server (only the results that search showed), comes from this
# site when the browser says where it comes from (Sec-Fetch-Site), has a ping's content type, and stays
# under a per-client rate limit. It changes nothing but that statistic and reads nothing.
@csrf_exempt
@require_POST
def click_ping(request):
    """A result was opened: count it (the first click per search). 204 on success, never a redirect."""
    if request.content_type not in PING_TYPES:
        return HttpResponse(status=415)
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in {"same-origin", "none"}:
        return HttpResponse(status=403)
    retry = throttled(request, "click", CLICK_LIMITS)
    if retry:
        response = HttpResponse(status=429)
        response["Retry-After"] = str(retry)
        return response
    token, key, signature = request.GET.get("t", ""), request.GET.get("k", ""), request.GET.get("s", "")
    position = get_int(request.GET, "p", 0, min_value=0, max_value=MAX_PAGE * 100)
    kind, _sep, object_id = key.partition(":")
    if (
        len(token) != 16 or not all(c in "0123456789abcdef" for c in token) or position < 1
        or kind not in KINDS or not (object_id.isascii() and object_id.isdigit()) or not analytics.valid_click(token, position, key, signature)
    ):
        return HttpResponse(status=400)
    analytics.record_click(token, position, key)
    return HttpResponse(status=204)
