"""Hostile input never makes a 500: a corpus of malformed values is sent to EVERY URL pattern.

The URL resolver is walked (so a new URL is covered without touching this file); each pattern's path
arguments get every malformed value in turn (the others a real value from the fixtures), and the GET
and POST parameters each view actually reads (recorded while it answers a normal request, plus the
usual suspects such as `next` and `page`) get them too. GET and POST, anonymously and as a signed-in
member (CSRF checks off, so the views themselves are reached; a few with CSRF on). The same file runs
on SQLite and, in the PostgreSQL CI run, on PostgreSQL (NUL bytes and out-of-range integers fail
differently on each).
"""

from __future__ import annotations

import contextlib
import re

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern
from django.utils.regex_helper import normalize

from community import services
from portal import notifications
from tests.factories import UserFactory

HUGE = "9223372036854775808"  # 2**63: one past the largest database integer
# Each value carries one or more kinds of hostility; together they cover NUL bytes, huge and negative
# integers, very long strings, invalid UTF-8 and overlong encodings, bidi overrides and zero-width
# characters, path traversal, header injection, template syntax, non-integers and the empty value
# (repeated parameters and PHP-style arrays are sent separately).
CORPUS = [
    "a%00b",
    HUGE + "0" * 20,
    "-9223372036854775809",
    "x" * 2000 + "%E2%80%AE%E2%80%8B",
    "%ff%fe%C0%AF..%2F..%2Fetc%2Fpasswd",
    "1.5%0d%0aSet-Cookie:x=1%7B%7B7*7%7D%7D",
    "",
    "question:%C2%B2",  # "²" and "①" are digits to str.isdigit() but not to int(): a kind:id reference
    "%E2%91%A0",
]
PATH_CORPUS = ["%00", HUGE, "-1", "x" * 300 + "%E2%80%AE", "%ff%fe%C0%AF", "..%2F..%2Fetc"]
ADMIN_CORPUS = [HUGE, "%ff%fe", "%00"]  # staff-only areas: refused before the view, but after the resolver
ALWAYS_FUZZED = {"next", "page", "q", "sort", "status", "topic", "tag", "tags", "lang", "type", "id", "t", "k", "p"}
ADMIN_PREFIXES = ("admin/", "django-admin/")
EVERY_WAY = (("anonymous", "GET"), ("member", "GET"), ("member", "POST"))


# --- Walking the resolver --------------------------------------------------------------------------


def _patterns(patterns=None, prefix: str = "", localized: bool = False):
    """(regex source, URLPattern, under i18n_patterns?) for every leaf of the URL tree."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        source = entry.pattern.regex.pattern
        source = source[1:] if source.startswith("^") else source
        if isinstance(entry, URLResolver):
            yield from _patterns(
                entry.url_patterns, prefix + source, localized or isinstance(entry.pattern, LocalePrefixPattern)
            )
        elif isinstance(entry, URLPattern):
            yield prefix + source, entry, localized


def _routes():
    """Every pattern as a format string with named slots, e.g. ('community/q/%(pk)s/%(slug)s/', [...])."""
    routes = []
    for source, pattern, localized in _patterns():
        source = re.sub(r"(\\Z|\$)$", "", source)
        for fmt, names in normalize(source)[:1]:
            routes.append({"fmt": fmt, "names": list(names), "name": pattern.name, "localized": localized,
                           "admin": fmt.startswith(ADMIN_PREFIXES)})
    return routes


# --- Recording which parameters a view reads --------------------------------------------------------


@contextlib.contextmanager
def recording_reads():
    keys: set[str] = set()
    originals = {name: getattr(QueryDict, name) for name in ("get", "getlist", "__getitem__", "__contains__")}

    def wrap(name):
        original = originals[name]

        def method(self, key, *args, **kwargs):
            if isinstance(key, str):
                keys.add(key)
            return original(self, key, *args, **kwargs)

        return method

    for name in originals:
        setattr(QueryDict, name, wrap(name))
    try:
        yield keys
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


# --- The data the real values come from --------------------------------------------------------------


@pytest.fixture
def world(site, topic, article, django_capture_on_commit_callbacks):
    asker = UserFactory(username="fuzz-asker")
    answerer = UserFactory(username="fuzz-answerer")
    with django_capture_on_commit_callbacks(execute=True):
        question = services.ask_question(
            asker, title="Hub light blinks red after the update", body="It blinks red since the update.", tags="refund"
        )
        answer = services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
        comment = services.post_comment(answerer, question, body="Which firmware is it on?")
    notification = notifications.inbox(asker).first()
    token = notifications.unsubscribe_token(asker.pk)
    real = {
        "pk": str(question.pk), "slug": question.slug, "username": asker.username, "tag": "refund",
        "page_id": str(article.pk), "token": token, "kind": "q", "_0": article.url.lstrip("/"),
    }
    by_route = {
        "ask_open": {"kind": "article", "pk": str(article.pk)},
        "answer_edit": {"pk": str(answer.pk)}, "answer_accept": {"pk": str(answer.pk)},
        "notification_open": {"pk": str(notification.pk)},
        "article_by_slug": {"slug": article.slug},
        "post_delete": {"kind": "c", "pk": str(comment.pk)},
    }
    return {"asker": asker, "question": question, "real": real, "by_route": by_route}


def _real_values(world, route) -> dict[str, str]:
    values = {name: world["real"].get(name, "1") for name in route["names"]}
    values.update({k: v for k, v in world["by_route"].get(route["name"], {}).items() if k in values})
    return values


def _path(route, values, language: str = "") -> str:
    prefix = f"/{language}/" if language and route["localized"] else "/"
    return prefix + route["fmt"] % values


class Run:
    """Sends requests and collects every 500 (with what caused it) instead of stopping at the first."""

    def __init__(self, member):
        self.anonymous = Client(raise_request_exception=False)
        self.member = Client(raise_request_exception=False)
        self.member.force_login(member)
        self.failures: list[str] = []
        self.count = 0

    def send(self, client, method: str, path: str, query: str = "", data: str | None = None):
        url = path + (f"?{query}" if query else "")
        self.count += 1
        if method == "GET":
            response = client.get(url)
        else:
            response = client.generic(
                "POST", url, data or "", content_type="application/x-www-form-urlencoded"
            )
        if response.status_code >= 500:
            who = "member" if client is self.member else "anonymous"
            self.failures.append(f"{response.status_code} {method} {url[:160]} body={str(data)[:80]} ({who})")
        return response


def _query(keys, value: str) -> str:
    return "&".join(f"{key}={value}" for key in sorted(keys))


def _fuzz_route(run: Run, world, route, corpus, *, ways, query_keys=frozenset(), language=""):
    """`ways`: (who, method) pairs, e.g. (("anonymous", "GET"), ("member", "POST"))."""
    real = _real_values(world, route)
    for name in route["names"]:  # each path argument in turn
        for value in corpus:
            path = _path(route, {**real, name: value}, language)
            for who, method in ways:
                run.send(getattr(run, who), method, path)
    if query_keys:
        path = _path(route, real, language)
        for value in CORPUS:
            query = _query(query_keys, value)
            for who, method in ways:
                run.send(getattr(run, who), method, path, query, data=query if method == "POST" else None)
        arrays = "&".join(f"{key}[]=1&{key}=a&{key}=b" for key in sorted(query_keys))
        run.send(run.member, "GET", path, arrays)
        run.send(run.member, "POST", path, data=arrays)
    cache.clear()  # rate limits reached by this route must not hide the next one's code paths


def _discover_keys(run: Run, world, route) -> set[str]:
    """The GET and POST parameters the view reads while answering real requests."""
    path = _path(route, _real_values(world, route))
    with recording_reads() as keys:
        run.send(run.anonymous, "GET", path)
        run.send(run.member, "GET", path)
        run.send(run.member, "POST", path, data="x=1")
    cache.clear()
    return (keys | ALWAYS_FUZZED) - {"csrfmiddlewaretoken"}


def _public_routes():
    return [route for route in _routes() if not route["admin"]]


def test_the_walk_covers_every_kind_of_url():
    names = {route["name"] for route in _routes()}
    for name in ("community_index", "question_detail", "notification_mark_read", "edit_profile", "search",
                 "search_suggest", "helpful_vote", "wagtail_serve", "member_profile", "account_login"):
        assert name in names
    assert sum(route["admin"] for route in _routes()) > 100  # the Wagtail and Django admins too


def test_no_public_url_answers_500_to_malformed_input(world):
    run = Run(world["asker"])
    for route in _public_routes():
        keys = _discover_keys(run, world, route)
        _fuzz_route(run, world, route, PATH_CORPUS, ways=EVERY_WAY, query_keys=keys)
    assert run.count > 1500
    assert not run.failures, "\n".join(run.failures[:50])


def test_no_japanese_url_answers_500_to_malformed_input(world):
    run = Run(world["asker"])
    for route in _public_routes():
        if route["localized"]:
            _fuzz_route(run, world, route, [HUGE, "%ff%fe"], ways=(("anonymous", "GET"),), language="ja")
    assert not run.failures, "\n".join(run.failures[:50])


def test_no_admin_url_answers_500_to_malformed_input(world):
    run = Run(world["asker"])
    for route in _routes():
        if route["admin"]:
            _fuzz_route(run, world, route, ADMIN_CORPUS, ways=(("member", "GET"),))
    assert not run.failures, "\n".join(run.failures[:50])


def test_posts_with_csrf_checks_on_are_refused_cleanly(world):
    run = Run(world["asker"])
    run.anonymous = Client(enforce_csrf_checks=True, raise_request_exception=False)
    run.member = Client(enforce_csrf_checks=True, raise_request_exception=False)
    run.member.force_login(world["asker"])
    for route in _public_routes():
        path = _path(route, _real_values(world, route))
        for client in (run.anonymous, run.member):
            run.send(client, "POST", path, data=_query({"next", "id", "csrfmiddlewaretoken"}, HUGE + "%ff%00"))
    assert not run.failures, "\n".join(run.failures[:50])


def test_a_form_in_another_charset_than_utf8_gets_the_styled_400_page(world, caplog):
    """Django refuses to read a form declared in another charset ("…; charset=utf-16") with BadRequest: the
    site's own 400 page, in the page's language, answered by the form guard — no exception escapes to be logged
    with its traceback on every such request (and the debug page of `runserver` read the form again: a 500)."""
    member = Client(raise_request_exception=False)
    member.force_login(world["asker"])
    utf16 = "application/x-www-form-urlencoded; charset=utf-16"
    for client in (Client(raise_request_exception=False), member):
        for route in _public_routes():
            path = _path(route, _real_values(world, route))
            response = client.generic("POST", path, "body=hello".encode("utf-16"), content_type=utf16)
            assert response.status_code < 500, path
    question = world["question"]
    for prefix, words in (("", "The site could not understand this request"), ("/ja", "このリクエストを処理できませんでした")):
        response = member.generic(
            "POST", f"{prefix}/community/q/{question.pk}/answer/", "body=hello".encode("utf-16"), content_type=utf16
        )
        assert response.status_code == 400
        assert words in response.content.decode()
    assert not [record for record in caplog.records if record.exc_info], "an exception escaped the form guard"


# --- The reported cases, one by one (each failed before the fix) -----------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/community/?topic=a%00b",
        "/community/ask/tags/?tags=a%00",
        "/community/users/%00/",
        "/search/?q=a%00",
        "/community/?topic=" + HUGE,
        "/community/?page=" + HUGE + "0",
    ],
)
def test_reported_get_requests_are_answered_without_500(client, world, url):
    client.raise_request_exception = False
    assert client.get(url).status_code < 500


def test_nul_in_a_parameter_or_path_is_a_400_with_a_message(client, world):
    for url in ("/community/?topic=a%00b", "/community/users/%00/", "/community/ask/tags/?tags=a%00"):
        response = client.get(url)
        assert response.status_code == 400
        assert "not allowed" in response.content.decode()
    client.force_login(world["asker"])
    # A NUL in a field the profile form checks: the form again, with the reason (tests/portal/test_error_pages.py);
    # in any other field (here the language choice): refused before the view.
    response = client.post("/accounts/profile/", {"display_name": "a\x00b", "language": "en"})
    assert response.status_code == 200 and "Null characters are not allowed." in response.content.decode()
    assert client.post("/accounts/profile/", {"display_name": "Asker", "language": "e\x00n"}).status_code == 400


def test_ask_open_with_nul_in_its_token_is_refused(client, world, article):
    response = client.get(f"/community/ask/open/article/{article.pk}/?t=a%00")
    assert response.status_code == 400


def test_ids_beyond_the_database_range_are_404(client, world):
    client.force_login(world["asker"])
    for url in (f"/community/q/{HUGE}/", f"/community/a/{HUGE}/edit/", f"/notifications/{HUGE}/open/",
                f"/articles/{HUGE}/helpful/", f"/community/q/{HUGE}/x/", f"/documents/{HUGE}/x.pdf"):
        assert client.get(url).status_code == 404, url


def test_mark_read_with_a_relative_next_goes_to_the_list(client, world):
    client.force_login(world["asker"])
    for target in ("x", "javascript:alert(1)", "//evil.example/", "https://evil.example/"):
        response = client.post("/notifications/read/", {"next": target})
        assert response.status_code == 302
        assert response["Location"] == "/notifications/", target
    response = client.post("/notifications/read/", {"next": "/community/"})
    assert response["Location"] == "/community/"


@pytest.mark.parametrize("url", ["/accounts/profile/", "/notifications/preferences/"])
def test_rate_limited_form_post_is_a_429_page(client, world, url, one_ratelimit_window):
    client.force_login(world["asker"])
    client.raise_request_exception = False
    statuses = [client.post(url, {"display_name": "Asker", "language": "en"}).status_code for _ in range(25)]
    assert statuses[-1] == 429
    response = client.post(url)  # an empty form, rate-limited: the form was unbound and had no cleaned_data
    assert response.status_code == 429
    assert "Too many changes" in response.content.decode()
    assert 500 not in statuses


# --- The helpers themselves ---------------------------------------------------------------------------


def test_get_int_is_bounded_and_never_raises():
    from portal.params import DB_INT_MAX, get_int

    params = QueryDict("a=12&big=" + HUGE + "0" * 30 + "&neg=-5&bad=1.5&empty=&nul=1%00&arr=3&arr=4&fw=%EF%BC%91")
    assert get_int(params, "a", 1) == 12
    assert get_int(params, "big", 1) == DB_INT_MAX
    assert get_int(params, "big", 1, max_value=100) == 100
    assert get_int(params, "neg", 1, min_value=1) == 1
    for name in ("bad", "empty", "nul", "missing", "fw"):  # "fw": a full-width digit is not an integer here
        assert get_int(params, name, 7) == 7
    assert get_int(params, "arr", 1) == 4  # the last of repeated values, as QueryDict.get gives


def test_get_str_drops_control_and_bidi_characters_and_bounds_length():
    from portal.params import get_str

    params = QueryDict("q=%20a%00b%07c%E2%80%AEd%0Ae%20&long=" + "x" * 500)
    assert get_str(params, "q") == "abcd\ne"
    assert len(get_str(params, "long", max_length=50)) == 50
    assert get_str(params, "missing", "dflt") == "dflt"


def test_id_converter_refuses_what_no_id_column_holds():
    from portal.params import IdConverter

    converter = IdConverter()
    assert converter.to_python("9223372036854775807") == 2**63 - 1
    for value in ("9223372036854775808", "0"):
        with pytest.raises(ValueError):
            converter.to_python(value)


def test_safe_next_url_falls_back_for_anything_but_a_local_path(rf):
    from portal.params import safe_next_url

    request = rf.get("/")
    assert safe_next_url(request, "/community/?page=2", "notification_list") == "/community/?page=2"
    assert safe_next_url(request, "http://testserver/x/", "/") == "http://testserver/x/"
    for target in ("x", "", None, "//evil.example", "https://evil.example/", "javascript:alert(1)", "/\\evil.example",
                   "http://evil.example@testserver.evil/", "\x00//evil.example"):
        assert safe_next_url(request, target, "notification_list") == "/notifications/", target
    assert safe_next_url(request, "\x00/", "/") == "/"  # control characters go before the check
