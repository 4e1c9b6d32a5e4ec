"""Who a request comes from (trusted proxies) and the limits that count by it, including search."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings

from portal.ratelimit import client_ip

PROXY = "10.0.0.5"


def request_from(remote: str = PROXY, xff: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


# --- client_ip ---------------------------------------------------------------------------------------


def test_forwarded_for_is_ignored_by_default():
    assert client_ip(request_from("198.51.100.7", xff="203.0.113.9")) == "198.51.100.7"
    assert client_ip(request_from("198.51.100.7")) == "198.51.100.7"


@override_settings(PORTAL_TRUSTED_PROXY_COUNT=1)
def test_one_trusted_proxy_takes_the_address_it_appended():
    assert client_ip(request_from(xff="203.0.113.9")) == "203.0.113.9"
    # Whatever the client wrote itself stands left of what our proxy appended: ignored.
    assert client_ip(request_from(xff="1.1.1.1, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(request_from(xff="[2001:db8::7]:443")) == "2001:db8::7"
    assert client_ip(request_from(xff="::ffff:203.0.113.9")) == "203.0.113.9"


@override_settings(PORTAL_TRUSTED_PROXY_COUNT=2)
def test_two_trusted_proxies_take_the_second_address_from_the_right():
    assert client_ip(request_from(xff="1.1.1.1, 203.0.113.9, 10.0.0.9")) == "203.0.113.9"


@override_settings(PORTAL_TRUSTED_PROXIES=["10.0.0.0/8", "192.0.2.1"])
def test_trusted_proxy_list_takes_the_right_most_untrusted_address():
    assert client_ip(request_from(xff="1.1.1.1, 203.0.113.9, 10.1.2.3, 192.0.2.1")) == "203.0.113.9"
    # A request that does not come from one of our proxies: its header is the client's own words.
    assert client_ip(request_from("198.51.100.7", xff="203.0.113.9")) == "198.51.100.7"
    assert client_ip(request_from(xff="10.9.9.9")) == "10.9.9.9"  # only proxies: the left-most


@pytest.mark.parametrize(
    "xff", ["", "garbage", "203.0.113.9, not-an-ip", "999.1.1.1", ", ,", "x" * 5000, "203.0.113.9\x00", "unknown"]
)
@pytest.mark.parametrize("trust", [{"PORTAL_TRUSTED_PROXY_COUNT": 1}, {"PORTAL_TRUSTED_PROXIES": ["10.0.0.0/8"]}])
def test_malformed_forwarded_for_falls_back_to_the_connection(xff, trust):
    with override_settings(**trust):
        assert client_ip(request_from(xff=xff)) == PROXY


@override_settings(PORTAL_TRUSTED_PROXY_COUNT=3)
def test_a_shorter_chain_than_promised_falls_back_to_the_connection():
    assert client_ip(request_from(xff="203.0.113.9, 10.0.0.9")) == PROXY


@override_settings(PORTAL_TRUSTED_PROXY_COUNT=1)
def test_allauth_counts_by_the_same_address():
    from allauth.account.adapter import get_adapter
    from allauth.core.internal.ratelimit import get_ip

    request = request_from(xff="1.1.1.1, 203.0.113.9")
    assert get_adapter().get_client_ip(request) == get_ip(request) == "203.0.113.9"


# --- The limits, end to end (the ask form's helper allows 60 a minute per client) ---------------------


def _exhaust(client, xff: str) -> None:
    from community.views.ask import SUGGEST_LIMIT

    client.get("/community/ask/suggest/?title=refund", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=xff)
    for _ in range(SUGGEST_LIMIT[0]):
        client.post("/community/ask/preview/", {"body": "x"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=xff)


def test_spoofed_forwarded_for_does_not_buy_a_new_bucket(client, db, one_ratelimit_window):
    _exhaust(client, "203.0.113.1")
    response = client.post("/community/ask/preview/", {"body": "x"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert response.status_code == 429  # everyone behind the address counts together


def test_the_ask_forms_first_load_costs_nothing_and_is_never_refused(client, db, one_ratelimit_window):
    """The title field asks for suggestions when the form loads (to show them again after an error): with no
    title there is nothing to search, so it is never counted nor answered "Too many requests"."""
    _exhaust(client, "203.0.113.1")
    empty = client.get("/community/ask/suggest/?title=", REMOTE_ADDR=PROXY)
    assert empty.status_code == 200 and b"Too many" not in empty.content
    assert client.get("/community/ask/suggest/?title=refund", REMOTE_ADDR=PROXY).status_code == 429


@override_settings(PORTAL_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_each_visitor_has_their_own_bucket(client, db, one_ratelimit_window):
    _exhaust(client, "203.0.113.1")
    limited = client.post("/community/ask/preview/", {"body": "x"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert limited.status_code == 429
    other = client.post("/community/ask/preview/", {"body": "x"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert other.status_code == 200


# --- Search throttle -------------------------------------------------------------------------------------


def test_search_is_throttled_per_client_with_a_readable_page(client, site, one_ratelimit_window):
    from search.views import SEARCH_LIMITS

    burst = SEARCH_LIMITS[0][0]
    statuses = [client.get("/search/", {"q": f"distinct query {i}"}).status_code for i in range(burst)]
    assert statuses == [200] * burst  # a person never gets here
    response = client.get("/search/", {"q": "one more"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    body = response.content.decode()
    assert "Too many searches" in body and 'value="one more"' in body and "<html" in body
    japanese = client.get("/ja/search/", {"q": "もう一度"})
    assert japanese.status_code == 429
    assert "検索の回数が多すぎます" in japanese.content.decode() and "秒待ってから" in japanese.content.decode()
    # Another client is not affected.
    assert client.get("/search/", {"q": "hello"}, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_search_throttle_counts_a_member_as_themselves(client, site, member, one_ratelimit_window):
    from search.views import SEARCH_LIMITS

    for i in range(SEARCH_LIMITS[0][0] + 1):
        client.get("/search/", {"q": f"q{i}"})
    assert client.get("/search/", {"q": "again"}).status_code == 429
    client.force_login(member)  # a member behind the same address has a bucket of their own
    assert client.get("/search/", {"q": "again"}).status_code == 200


def test_suggest_has_a_higher_limit_and_answers_429_with_retry_after(client, site, one_ratelimit_window):
    from search.views import SEARCH_LIMITS, SUGGEST_LIMITS

    burst = SUGGEST_LIMITS[0][0]
    assert burst > SEARCH_LIMITS[0][0]
    statuses = [client.get("/search/suggest/", {"q": f"re{i}"}).status_code for i in range(burst)]
    assert statuses == [200] * burst
    response = client.get("/search/suggest/", {"q": "reset", "format": "json"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert response.json()["suggestions"] == [] and "try again" in response.json()["error"]
    fragment = client.get("/search/suggest/", {"q": "reset"})
    assert fragment.status_code == 429 and "try again" in fragment.content.decode()


def test_the_sustained_window_catches_a_slow_steady_bot(client, site, monkeypatch):
    """Searches spread over ten minutes never trip the short window; the long one stops them (the same
    two windows as in production, with smaller numbers so that the test stays quick)."""
    import portal.ratelimit
    import search.views

    (_burst, burst_seconds), (_sustained, sustained_seconds) = search.views.SEARCH_LIMITS
    burst, sustained = 3, 12
    monkeypatch.setattr(search.views, "SEARCH_LIMITS", ((burst, burst_seconds), (sustained, sustained_seconds)))
    clock = {"now": 1_000_000_200.0}  # the start of a 10-minute window
    monkeypatch.setattr(portal.ratelimit, "time", type("Clock", (), {"time": staticmethod(lambda: clock["now"])}))
    step = sustained_seconds / (sustained + 1)
    assert step > burst_seconds  # never more than one search in a short window
    statuses = []
    for i in range(sustained + 1):
        statuses.append(client.get("/search/", {"q": f"steady {i}"}).status_code)
        clock["now"] += step
    assert statuses[:sustained] == [200] * sustained
    assert statuses[-1] == 429
