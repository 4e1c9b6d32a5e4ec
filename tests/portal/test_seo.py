"""Search engines: the sitemap index and its children, canonical/hreflang links, descriptions and JSON-LD."""

import datetime as dt
import json
import re
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from community import services
from community.models import Question
from tests.factories import UserFactory, make_article, translate

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\+00:00|Z))?$")


def fetch_xml(client, url: str) -> ElementTree.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(body)  # noqa: S314 - our own response


def child_urls(client) -> list[str]:
    index = fetch_xml(client, "/sitemap.xml")
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    children = index.findall("s:sitemap", NS)
    for child in children:  # schema basics: <loc> first, an optional W3C <lastmod>, nothing else
        assert [element.tag.split("}")[1] for element in child] in (["loc"], ["loc", "lastmod"])
        lastmod = child.find("s:lastmod", NS)
        assert lastmod is None or W3C_DATETIME.match(lastmod.text)
    return [child.find("s:loc", NS).text for child in children]


def urlset(client, url: str) -> list[dict]:
    root = fetch_xml(client, url.removeprefix("http://testserver"))
    assert root.tag == f"{{{NS['s']}}}urlset"
    entries = []
    for url_element in root.findall("s:url", NS):
        assert url_element[0].tag == f"{{{NS['s']}}}loc"
        lastmod = url_element.find("s:lastmod", NS)
        assert lastmod is None or W3C_DATETIME.match(lastmod.text)
        entries.append(
            {
                "loc": url_element.find("s:loc", NS).text,
                "lastmod": lastmod.text if lastmod is not None else None,
                "alternates": {link.get("hreflang"): link.get("href") for link in url_element.findall("x:link", NS)},
            }
        )
    return entries


def all_locs(client) -> dict[str, dict]:
    return {entry["loc"]: entry for url in child_urls(client) for entry in urlset(client, url)}


def make_questions(count: int, *, language: str = "en") -> list[Question]:
    author = UserFactory()
    now = timezone.now()
    return Question.objects.bulk_create(
        Question(
            author=author, title=f"Question {n}", slug=f"question-{n}", body="Body.", body_html="<p>Body.</p>",
            language=language, created_at=now, last_activity_at=now - dt.timedelta(days=n),
        )
        for n in range(count)
    )


# --- sitemap -----------------------------------------------------------------------------------------------------


def test_sitemap_index_lists_pages_community_and_question_children(client, site, topic, article):
    question = services.ask_question(UserFactory(), title="Camera stops recording at night", body="It stops. Why?", tags="")
    children = child_urls(client)
    assert children == [
        "http://testserver/sitemap-pages-1.xml",
        "http://testserver/sitemap-community-1.xml",
        "http://testserver/sitemap-questions-1.xml",
    ]
    locs = all_locs(client)
    assert f"http://testserver{article.url}" in locs
    entry = locs[f"http://testserver/community/q/{question.pk}/{question.slug}/"]
    assert entry["lastmod"] == question.last_activity_at.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    assert locs["http://testserver/community/"]["alternates"] == {
        "en": "http://testserver/community/", "ja": "http://testserver/ja/community/", "x-default": "http://testserver/community/"
    }


def test_deleted_questions_are_not_in_the_sitemap(client, site):
    asker = UserFactory()
    kept = services.ask_question(asker, title="Hub light blinks red", body="Since the update.", tags="")
    gone = services.ask_question(asker, title="Doorbell chimes twice", body="Every time.", tags="")
    services.delete_post(asker, gone)
    locs = all_locs(client)
    assert f"http://testserver{kept.get_absolute_url()}" in locs
    assert not any(f"/q/{gone.pk}/" in loc for loc in locs)


def test_japanese_questions_are_listed_at_their_japanese_url(client, site):
    question = services.ask_question(UserFactory(), title="カメラが夜に録画を停止する", body="夜になると止まります。", tags="", language="ja")
    locs = all_locs(client)
    expected = f"http://testserver/ja/community/q/{question.pk}/"
    assert [loc for loc in locs if loc.startswith(expected)]
    assert all(ord(char) < 128 for loc in locs for char in loc)  # IRIs are percent-encoded


def test_translated_pages_carry_alternates_with_x_default(client, site, topic, article):
    translate(topic, site["locale_ja"], title="請求")
    article_ja = translate(article, site["locale_ja"], title="払い戻し")
    alone = make_article(topic, "Only in English")
    locs = all_locs(client)
    expected = {"en": f"http://testserver{article.url}", "ja": f"http://testserver{article_ja.url}", "x-default": f"http://testserver{article.url}"}
    assert locs[f"http://testserver{article.url}"]["alternates"] == expected
    assert locs[f"http://testserver{article_ja.url}"]["alternates"] == expected
    assert locs[f"http://testserver{alone.url}"]["alternates"] == {}


def test_a_small_limit_splits_the_questions_into_children(client, site, settings):
    settings.PORTAL_SITEMAP_LIMIT = 3
    settings.PORTAL_SITEMAP_BATCH = 2
    questions = make_questions(8)
    services.delete_post(questions[0].author, questions[4])
    visible = [q.pk for q in questions if q.pk != questions[4].pk]
    children = [url for url in child_urls(client) if "questions" in url]
    numbers = sorted({(pk - 1) // 3 + 1 for pk in visible})  # child n: primary keys in ((n-1)·3, n·3]
    assert len(numbers) >= 3
    assert children == [f"http://testserver/sitemap-questions-{n}.xml" for n in numbers]
    seen = []
    for url in children:
        entries = urlset(client, url)
        assert 1 <= len(entries) <= 3
        seen += [int(entry["loc"].split("/q/")[1].split("/")[0]) for entry in entries]
    assert sorted(seen) == visible
    assert client.get(f"/sitemap-questions-{numbers[-1] + 1}.xml").status_code == 404
    assert client.get("/sitemap-questions-0.xml").status_code == 404
    assert client.get("/sitemap-questions-99999999999999999999999.xml").status_code == 404
    assert client.get("/sitemap-nothing-1.xml").status_code == 404


def test_sitemap_queries_do_not_grow_with_the_questions(client, site, settings, django_assert_max_num_queries):
    settings.PORTAL_SITEMAP_BATCH = 50
    make_questions(120)
    with django_assert_max_num_queries(8):
        child_urls(client)
    with django_assert_max_num_queries(4):  # three batches of 50 rows (the last one short), nothing per row
        entries = urlset(client, "/sitemap-questions-1.xml")
    assert len(entries) == 120


def test_the_sitemap_streams_its_children(client, site):
    make_questions(3)
    response = client.get("/sitemap-questions-1.xml")
    assert response.streaming
    assert client.get("/sitemap.xml").status_code == 200


def test_robots_txt_points_at_the_sitemap_on_the_public_address(client, settings, db):
    settings.PORTAL_BASE_URL = "https://help.example.com"
    assert "Sitemap: https://help.example.com/sitemap.xml" in client.get("/robots.txt").content.decode()
