"""Search engines: the sitemap index and its children, canonical/hreflang links, descriptions and JSON-LD."""

import datetime as dt
import json
import re
import struct
from xml.etree import ElementTree

import pytest
from django.utils import timezone, translation

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


# --- head: hreflang, descriptions, canonical links -----------------------------------------------------------------


def head(html: str) -> str:
    return html.split("</head>", 1)[0]


def meta_description(html: str) -> str:
    found = re.findall(r'<meta name="description" content="([^"]*)">', head(html))
    assert len(found) == 1, found
    return found[0]


def canonical(html: str) -> str:
    found = re.findall(r'<link rel="canonical" href="([^"]*)">', head(html))
    assert len(found) == 1, found
    return found[0].replace("&amp;", "&")


def hreflangs(html: str) -> dict[str, str]:
    return {code: url.replace("&amp;", "&") for code, url in re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]*)">', head(html))}


def json_ld_blocks(html: str) -> dict[str, dict]:
    blocks = [json.loads(text) for text in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    return {block["@type"]: block for block in blocks}


def is_datetime(value) -> bool:
    return isinstance(value, str) and dt.datetime.fromisoformat(value).tzinfo is not None


def test_translated_pages_have_x_default_and_untranslated_pages_no_alternates(client, site, topic, article):
    translate(topic, site["locale_ja"], title="請求")
    article_ja = translate(article, site["locale_ja"], title="払い戻し")
    expected = {"en": f"http://testserver{article.url}", "ja": f"http://testserver{article_ja.url}", "x-default": f"http://testserver{article.url}"}
    assert hreflangs(client.get(article.url).content.decode()) == expected
    assert hreflangs(client.get(article_ja.url).content.decode()) == expected
    alone = make_article(topic, "Only in English")
    assert hreflangs(client.get(alone.url).content.decode()) == {}


def test_meta_descriptions_on_home_topic_list_tag_and_question_pages(client, site, topic, settings):
    home = site["en"]
    home.hero_text = "Search our guides or browse a topic. Most answers take under five minutes."
    home.save_revision().publish()
    assert meta_description(client.get("/").content.decode()) == home.hero_text
    assert meta_description(client.get(topic.url).content.decode()) == "About Billing &amp; refunds"
    assert meta_description(client.get("/community/").content.decode()) == "Questions and answers from Nimbus Home customers."
    assert meta_description(client.get(f"/community/?topic={topic.slug}").content.decode()) == "About Billing &amp; refunds"
    question = services.ask_question(
        UserFactory(), title="Hub light blinks red after the update", tags="refund",
        body="My **hub** light blinks [red](https://example.com) since the update. " + "I tried everything, really. " * 12,
    )
    tag_html = client.get("/community/tags/refund/").content.decode()
    assert meta_description(tag_html) == "Questions, answers and help articles about “refund” from Nimbus Home customers."
    assert meta_description(client.get("/ja/community/tags/refund/").content.decode()) == "「refund」に関する Nimbus Home のお客様の質問と回答、ヘルプ記事です。"
    text = meta_description(client.get(question.get_absolute_url()).content.decode())
    assert text.startswith("My hub light blinks red since the update. I tried everything, really.")
    assert len(text) <= 160 and text.endswith(".") and "*" not in text and "](" not in text


def test_japanese_question_description_and_canonical_in_its_own_language(client, site):
    question = services.ask_question(
        UserFactory(), title="カメラが夜に録画を停止する", tags="", language="ja",
        body="夜になるとカメラが録画を停止します。" * 12,
    )
    html = client.get(question.get_absolute_url()).content.decode()  # the English interface
    assert meta_description(html) == "夜になるとカメラが録画を停止します。" * 8  # whole sentences, 144 characters
    with translation.override("ja"):
        japanese_url = question.get_absolute_url()
    assert japanese_url.startswith("/ja/") and canonical(html) == f"http://testserver{japanese_url}"
    data = json_ld_blocks(html)["QAPage"]["mainEntity"]
    assert data["url"] == f"http://testserver{japanese_url}"


def test_list_canonical_drops_sort_and_first_page_but_keeps_the_set_and_later_pages(client, site, topic):
    html = client.get(f"/community/?sort=votes&page=1&status=solved&topic={topic.slug}&utm_source=x").content.decode()
    assert canonical(html) == f"http://testserver/community/?topic={topic.slug}&status=solved"
    assert canonical(client.get("/community/?sort=newest&page=3").content.decode()) == "http://testserver/community/?page=3"
    html = client.get("/ja/community/?sort=votes&lang=ja").content.decode()
    assert canonical(html) == "http://testserver/ja/community/?lang=ja"
    assert hreflangs(html) == {
        "en": "http://testserver/community/?lang=ja", "ja": "http://testserver/ja/community/?lang=ja",
        "x-default": "http://testserver/community/?lang=ja",
    }
    services.ask_question(UserFactory(), title="Refund never arrived", body="Still waiting.", tags="refund")
    html = client.get("/community/tags/refund/?sort=votes").content.decode()
    assert canonical(html) == "http://testserver/community/tags/refund/"
    assert hreflangs(html)["x-default"] == "http://testserver/community/tags/refund/"


def test_breadcrumb_json_ld_on_topic_and_question_pages(client, site, topic):
    crumbs = json_ld_blocks(client.get(topic.url).content.decode())["BreadcrumbList"]["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Help Center", "http://testserver/"), (2, "Billing & refunds", f"http://testserver{topic.url}")
    ]
    question = services.ask_question(UserFactory(), title="Refund never arrived", body="Still waiting.", tags="", topic=topic)
    crumbs = json_ld_blocks(client.get(question.get_absolute_url()).content.decode())["BreadcrumbList"]["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Community", "http://testserver/community/"),
        (2, "Billing & refunds", f"http://testserver/community/?topic={topic.slug}"),
        (3, "Refund never arrived", f"http://testserver{question.get_absolute_url()}"),
    ]


# --- JSON-LD: QAPage and Article ------------------------------------------------------------------------------------


def test_qapage_json_ld_is_plain_text_with_url_and_dates(client, site):
    asker, answerer, other = UserFactory(), UserFactory(), UserFactory()
    question = services.ask_question(asker, title="Hub light blinks red", body="My **hub** blinks `red` since the [update](https://example.com).", tags="")
    accepted = services.post_answer(answerer, question, body="Hold the *reset* button for ten seconds.")
    services.post_answer(other, question, body="Try a different USB cable:\n\n- one\n- two")
    services.accept_answer(asker, accepted)
    html = client.get(question.get_absolute_url()).content.decode()
    page = json_ld_blocks(html)["QAPage"]
    main = page["mainEntity"]
    assert main["@type"] == "Question" and main["text"] == "My hub blinks red since the update."
    assert main["url"] == f"http://testserver{question.get_absolute_url()}"
    assert is_datetime(main["datePublished"]) and is_datetime(main["dateModified"]) and is_datetime(main["dateCreated"])
    answers = [main["acceptedAnswer"], *main["suggestedAnswer"]]
    assert [a["text"] for a in answers] == ["Hold the reset button for ten seconds.", "Try a different USB cable: one two"]
    for data in answers:
        assert data["@type"] == "Answer" and is_datetime(data["datePublished"]) and is_datetime(data["dateModified"])
        assert data["url"].startswith(f"http://testserver{question.get_absolute_url()}#answer-")
        assert isinstance(data["upvoteCount"], int) and data["author"]["@type"] == "Person"


def test_article_json_ld_has_image_and_publisher_logo_and_og_image(client, article):
    html = client.get(article.url).content.decode()
    data = json_ld_blocks(html)["Article"]
    assert data["image"] == ["http://testserver/static/img/social-card.png"]
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["logo"] == {"@type": "ImageObject", "url": "http://testserver/static/img/logo.png", "width": 512, "height": 512}
    assert '<meta property="og:image" content="http://testserver/static/img/social-card.png">' in head(html)
    assert '<meta property="og:image" content="http://testserver/static/img/social-card.png">' in head(client.get("/community/").content.decode())
    for name, size in (("social-card.png", (1200, 630)), ("logo.png", (512, 512))):
        response = client.get(f"/static/img/{name}")
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", body[16:24]) == size


# --- descriptions ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Short &amp; sweet.</p>", "Short & sweet."),
        ("<ul><li>one</li><li>two</li></ul><p>a<br>b</p>", "one two a b"),
        ("First one. " + "x" * 200, "First one."),
        ("Version 1.5 is out " + "word " * 40, ("Version 1.5 is out " + "word " * 40)[:159].rsplit(" ", 1)[0] + "…"),
        ("一文目です。" + "あ" * 200, "一文目です。"),
        ("あ" * 200, "あ" * 159 + "…"),
    ],
)
def test_description_takes_whole_sentences_up_to_160_characters(source, expected):
    from portal.seo import description

    assert description(source) == expected and len(description(source)) <= 160


def test_crawlers_may_ask_for_headers_only(client, site):
    make_questions(2)
    assert client.head("/sitemap.xml").status_code == 200
    assert client.head("/sitemap-questions-1.xml").status_code == 200
    assert client.post("/sitemap.xml").status_code == 405
