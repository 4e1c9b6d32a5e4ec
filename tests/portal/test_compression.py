"""gzip for text responses (HTML, JSON, XML) and the anonymous page cache stored compressed."""

from __future__ import annotations

import gzip
import os
import random
import re
import zlib

import django.utils.text
import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory

from community import services
from knowledge.models import ArticleFeedback
from portal import compression, page_cache
from portal.middleware import CompressionMiddleware
from tests.factories import UserFactory, make_article

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


def body(response) -> str:
    data = response.content
    if response.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return data.decode()


@pytest.fixture
def articles(topic):
    return [make_article(topic, f"Refund step {n}", summary=f"Refund step {n} explained.", tags=["refund"]) for n in range(6)]


def test_html_json_and_xml_are_gzipped_for_clients_that_accept_it(client, site, articles):
    for url, content_type, text in (
        (articles[0].url, "text/html", "Refund step 0"),
        ("/search/suggest/?q=refund&format=json", "application/json", "Refund step"),
        ("/sitemap.xml", "application/xml", "<sitemapindex"),
    ):
        response = client.get(url, **GZIP)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith(content_type), url
        assert response["Content-Encoding"] == "gzip", url
        assert "accept-encoding" in vary(response), url
        assert int(response["Content-Length"]) == len(response.content)
        assert text in gzip.decompress(response.content).decode(), url


def test_clients_without_gzip_get_plain_responses(client, site, articles):
    for headers in ({}, {"HTTP_ACCEPT_ENCODING": "identity"}, {"HTTP_ACCEPT_ENCODING": "gzip;q=0, br"}):
        for url in (articles[0].url, "/search/suggest/?q=refund&format=json", "/sitemap.xml", "/community/"):
            response = client.get(url, **headers)
            assert response.status_code == 200, url
            assert "Content-Encoding" not in response, (url, headers)
            assert "accept-encoding" in vary(response), url
            assert response.content.lstrip()[:1] in (b"<", b"{"), url


def test_only_text_is_compressed():
    middleware = CompressionMiddleware(lambda request: None)
    request = RequestFactory().get("/", **GZIP)
    image = middleware.process_response(request, HttpResponse(os.urandom(5000), content_type="image/png"))
    assert "Content-Encoding" not in image
    text = middleware.process_response(request, HttpResponse("hello " * 500, content_type="text/plain; charset=utf-8"))
    assert text["Content-Encoding"] == "gzip" and gzip.decompress(text.content) == b"hello " * 500


def test_accept_encoding_parsing():
    def accepts(value):
        return compression.accepts_gzip(RequestFactory().get("/", HTTP_ACCEPT_ENCODING=value))

    assert accepts("gzip") and accepts("br, gzip;q=0.5") and accepts("*") and accepts("GZIP")
    assert not accepts("") and not accepts("br") and not accepts("gzip;q=0") and not accepts("identity")
    assert not accepts("gzip;q=0.0, deflate") and not accepts("gzip;q=oops")


def test_cached_anonymous_page_is_stored_compressed_and_served_compressed_or_plain(site, article):
    warm = Client(**GZIP)
    miss = warm.get(article.url)
    assert miss["X-Page-Cache"] == "miss" and miss["Content-Encoding"] == "gzip"
    entry = cache.get(page_cache._key(RequestFactory().get(article.url)))
    assert isinstance(entry.body, compression.HoleyGzip) and entry.body.holes >= 1  # the helpful form's token
    stored = sum(len(piece) for piece in entry.body.pieces)
    assert stored * 2 < len(gzip.decompress(miss.content))  # compressed once, when stored

    # A gzip client: the stored bytes, its own CSRF token filled in, a valid gzip stream (CRC and size checked)
    visitor = Client(enforce_csrf_checks=True)
    hit = visitor.get(article.url, **GZIP)
    assert hit["X-Page-Cache"] == "hit" and hit["Content-Encoding"] == "gzip"
    assert "accept-encoding" in vary(hit) and int(hit["Content-Length"]) == len(hit.content)
    html = gzip.decompress(hit.content).decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert page_cache.CSRF_PLACEHOLDER not in html and "Request a refund" in html
    posted = visitor.post(f"/articles/{article.pk}/helpful/", {"helpful": "yes", "csrfmiddlewaretoken": token})
    assert posted.status_code == 302 and ArticleFeedback.objects.count() == 1

    # A client without gzip: the same page, decompressed
    plain_client = Client(enforce_csrf_checks=True)
    plain = plain_client.get(article.url)
    assert plain["X-Page-Cache"] == "hit" and "Content-Encoding" not in plain
    assert "accept-encoding" in vary(plain)
    plain_html = plain.content.decode()
    other_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', plain_html).group(1)
    assert plain_html == html.replace(token, other_token)


def test_cached_community_page_is_served_compressed(client, site):
    asker = UserFactory()
    question = services.ask_question(asker, title="Hub light blinks red after the update", body="It blinks red.")
    url = question.get_absolute_url()
    assert client.get(url, **GZIP)["X-Page-Cache"] == "miss"
    hit = client.get(url, **GZIP)
    assert hit["X-Page-Cache"] == "hit" and hit["Content-Encoding"] == "gzip"
    assert "Hub light blinks red" in gzip.decompress(hit.content).decode()
    plain = client.get(url)
    assert plain["X-Page-Cache"] == "hit" and "Content-Encoding" not in plain
    token = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+')
    assert token.sub(b"", plain.content) == token.sub(b"", gzip.decompress(hit.content))


def test_a_cache_hit_compresses_and_decompresses_nothing(client, site, article, monkeypatch):
    """The page is compressed once, when stored; a hit only frames the stored bytes (or joins the plain ones)."""
    client.get(article.url, **GZIP)
    calls = []
    real = {name: getattr(zlib, name) for name in ("compressobj", "decompress", "decompressobj")}
    for name, function in real.items():
        monkeypatch.setattr(zlib, name, lambda *a, _n=name, _f=function, **k: calls.append(_n) or _f(*a, **k))
    real_gzip = django.utils.text.gzip_compress
    monkeypatch.setattr(django.utils.text, "gzip_compress", lambda *a, **k: calls.append("gzip") or real_gzip(*a, **k))
    for _ in range(3):
        hit = client.get(article.url, **GZIP)
        assert hit["X-Page-Cache"] == "hit" and hit["Content-Encoding"] == "gzip"
        plain = client.get(article.url)
        assert plain["X-Page-Cache"] == "hit" and "Content-Encoding" not in plain
    assert calls == []


def test_holey_gzip_round_trips_with_any_fill():
    rng = random.Random(9)
    for _ in range(25):
        parts = [rng.randbytes(rng.randrange(0, 2000)) + b"<p>text</p>" * rng.randrange(0, 3000) for _ in range(rng.randrange(1, 5))]
        fill = rng.randbytes(rng.choice([0, 1, 64, 70_000]))
        holey = compression.HoleyGzip.compress(parts)
        assert gzip.decompress(holey.gzip(fill)) == fill.join(parts)  # gzip checks the CRC-32 and the size
        assert holey.plain(fill) == fill.join(parts)  # inflated
        assert compression.HoleyGzip.compress(parts, keep_plain=True).plain(fill) == fill.join(parts)


def test_gzip_bodies_carry_random_padding_against_breach():
    holey = compression.HoleyGzip.compress([b"<html>" * 100, b"</html>"])
    bodies = {holey.gzip(b"token") for _ in range(40)}
    assert len({len(b) for b in bodies}) > 5  # the header's file name has a random length
    assert all(b[3] & 0x08 for b in bodies)  # FNAME flag
