"""A long article (three sections or more) opens with "On this page": a link to each section heading, whose ids
are the ones the body's headings get (repeats and headings in any script included); a short one has none."""

import re

import pytest

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def heading(text, level="h2"):
    return {"type": "heading", "value": {"text": text, "level": level}}


def paragraph(text):
    return {"type": "paragraph", "value": f"<p>{text}</p>"}


def contents_links(html: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="article-contents".*?</nav>', html, re.S)
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav.group(0)) if nav else []


def test_a_long_article_links_each_section(client, topic):
    article = make_article(topic, "Camera not recording", body=[
        heading("Check the power"), paragraph("Plug it in."), heading("Details", "h3"), paragraph("More."),
        heading("Check the storage"), paragraph("Free some space."), heading("Check the storage"),
        paragraph("Again."), heading("録画の設定"), paragraph("設定を確認します。"),
    ])
    html = client.get(article.url).content.decode()
    links = contents_links(html)
    assert [text for _anchor, text in links] == ["Check the power", "Check the storage", "Check the storage", "録画の設定"]
    assert len({anchor for anchor, _text in links}) == 4  # the repeated heading gets its own anchor
    for anchor, _text in links:
        assert html.count(f'id="{anchor}"') == 1  # the heading it leads to, once
    assert '<h2 id="contents-heading">On this page</h2>' in html
    assert html.index('class="article-contents"') < html.index('class="article-body"')


def test_a_short_article_has_no_contents(client, topic):
    article = make_article(topic, "Short one", body=[heading("One"), paragraph("a"), heading("Two"), paragraph("b")])
    assert 'class="article-contents"' not in client.get(article.url).content.decode()
