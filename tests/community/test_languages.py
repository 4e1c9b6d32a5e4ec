"""Community widgets in the reader's language: topic pages, lists and question pages show questions in the
reader's language (others only when asked for, and then marked), topic names translated, and no question
twice on one page."""

import re

import pytest
from django.core.cache import cache
from taggit.models import Tag

from community import services
from portal import page_cache
from tests.community.conftest import ask
from tests.factories import make_topic, translate

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(site, asker, answerer, monkeypatch):
    cache.clear()
    for action, (_user, _ip, period) in list(services.RATE_LIMITS.items()):
        monkeypatch.setitem(services.RATE_LIMITS, action, (1000, 1000, period))
    for name in ("night", "recording"):
        Tag.objects.get_or_create(name=name, slug=name)
    cameras = make_topic(site["en"], "Cameras", "cameras", tags=["camera"])
    kamera = translate(cameras, site["locale_ja"], title="カメラ", slug="kamera", intro="カメラについて")
    english = []
    for i in range(7):
        question = ask(asker, title=f"English camera question number {i}", body=f"Body {i}", topic=cameras, tags="night, recording")
        if i >= 3:  # the four most recent are solved: the "Recent" and "Solved" columns used to repeat them
            answer = services.post_answer(answerer, question, body=f"Answer {i}")
            services.accept_answer(asker, answer)
        english.append(question)
    japanese = [
        ask(asker, title=f"日本語のカメラの質問 {i}", body=f"本文 {i}", topic=kamera, language="ja", tags="night, recording")
        for i in range(2)
    ]
    page_cache.invalidate()
    return {"cameras": cameras, "kamera": kamera, "english": english, "japanese": japanese}


def community_slot(html: str) -> str:
    return html[html.index('class="community-slot"') : html.index("</section>", html.index('class="community-slot"'))]


def test_topic_page_lists_the_readers_language_and_each_question_once(client, world):
    slot = community_slot(client.get(world["cameras"].url).content.decode())
    for question in world["english"]:
        assert slot.count(f">{question.title}<") == 1, question.title
    assert not any(q.title in slot for q in world["japanese"])
    assert "?topic=cameras&amp;lang=all" in slot  # other languages only when asked for
    slot = community_slot(client.get(world["kamera"].url).content.decode())
    assert all(slot.count(f">{q.title}<") == 1 for q in world["japanese"])
    assert not any(q.title in slot for q in world["english"])


def _row(html: str, title: str) -> str:
    start = html.rindex('<li class="question-row">', 0, html.index(title))
    return html[start : html.index("</li>\n", start)]


def test_question_list_prefers_the_readers_language(client, world, django_assert_max_num_queries):
    english, japanese = world["english"][0], world["japanese"][0]
    html = client.get("/community/").content.decode()
    assert english.title in html and japanese.title not in html
    html = client.get("/ja/community/").content.decode()
    assert japanese.title in html and english.title not in html
    assert '<option value="ja" lang="ja" selected>日本語</option>' in html
    # Asked for: every language, the others marked with their language and its name.
    html = client.get("/community/?lang=all").content.decode()
    assert re.search(r'<span class="lang-badge" lang="ja">日本語</span>', _row(html, japanese.title))
    assert "lang-badge" not in _row(html, english.title)
    with django_assert_max_num_queries(6):
        html = client.get("/ja/community/?lang=all").content.decode()
    row = _row(html, english.title)
    assert re.search(r'<span class="lang-badge" lang="en">English</span>', row)
    assert "<span>カメラ</span>" in row and "Cameras" not in row  # the topic's name in the reader's language
    html = client.get("/ja/community/?lang=en").content.decode()
    assert english.title in html and japanese.title not in html


def test_question_list_topic_filter_in_the_readers_language(client, world):
    html = client.get("/ja/community/?topic=cameras&lang=all").content.decode()  # the English topic's slug
    assert re.search(r"<h1>[^<]*カメラ[^<]*</h1>", html)
    assert '<option value="kamera" selected>カメラ</option>' in html
    assert world["english"][0].title in html and world["japanese"][0].title in html
    assert "Cameras" not in html


def test_question_page_breadcrumb_names_the_topic_in_the_readers_language(client, world, django_assert_max_num_queries):
    question = world["english"][0]
    url = question.get_absolute_url()
    with django_assert_max_num_queries(16):
        html = client.get("/ja" + url).content.decode()
    crumbs = html[html.index('class="breadcrumbs"') : html.index("</nav>", html.index('class="breadcrumbs"'))]
    assert '?topic=kamera">カメラ</a>' in crumbs and "Cameras" not in crumbs
    assert "/community/ask/?topic=kamera" in html
    html = client.get(url).content.decode()
    assert '?topic=cameras">Cameras</a>' in html


def test_related_questions_are_in_the_readers_language_and_unique(client, world):
    question = world["english"][0]
    url = question.get_absolute_url()
    html = client.get(url).content.decode()
    sidebar = html[html.index('class="sidebar"') :]
    related = re.findall(r'<li><a href="[^"]+"(?: lang="[a-z]+")?>([^<]+)</a>', sidebar[: sidebar.index("</ul>")])
    assert related and len(related) == len(set(related))
    assert all(title.startswith("English camera question") for title in related)
    assert question.title not in related
    html = client.get("/ja" + url).content.decode()
    sidebar = html[html.index('class="sidebar"') :]
    related = re.findall(r'<li><a href="[^"]+"(?: lang="[a-z]+")?>([^<]+)</a>', sidebar[: sidebar.index("</ul>")])
    assert sorted(related) == sorted(q.title for q in world["japanese"])
