"""On /ja/ an English result's topic is named as the filters name it, in Japanese when the topic has a
translation (lang="ja"); a topic without one keeps its English name, marked lang="en"."""

import re

import pytest
from django.urls import reverse

from tests.factories import make_article, make_topic, translate

pytestmark = pytest.mark.django_db


def hit_topics(html: str) -> list[tuple[str, str]]:
    metas = re.findall(r'<p class="hit-meta">.*?</p>', html, re.S)
    return [m for meta in metas for m in re.findall(r'<span lang="(\w+)">([^<]+)</span>', meta)]


def test_an_english_results_topic_is_named_in_japanese_on_japanese_pages(client, site):
    billing = make_topic(site["en"], "Billing & refunds", "billing-refunds", tags=["billing"])
    translate(billing, site["locale_ja"], title="請求と返金")
    lonely = make_topic(site["en"], "Warranty", "warranty", tags=["warranty"])
    make_article(billing, "Request a refund", summary="Return a device within 30 days for a refund.")
    make_article(lonely, "Refund under warranty", summary="A refund when the warranty covers it.")
    japanese = client.get("/ja" + reverse("search"), {"q": "refund"}).content.decode()
    assert ("ja", "請求と返金") in hit_topics(japanese)
    assert ("en", "Warranty") in hit_topics(japanese)
    assert ("en", "Billing & refunds") not in hit_topics(japanese)


def test_on_english_pages_english_topics_stay_english(client, site):
    billing = make_topic(site["en"], "Billing & refunds", "billing-refunds", tags=["billing"])
    make_article(billing, "Request a refund", summary="Return a device within 30 days for a refund.")
    english = client.get(reverse("search"), {"q": "refund"}).content.decode()
    assert hit_topics(english) == [("en", "Billing &amp; refunds")]
