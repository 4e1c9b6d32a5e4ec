"""WCAG 3.1.2 (language of parts): `lang` marks a member's own words (a title, a post body, an excerpt), never a
container that also holds the page's controls and labels. On /ja/ an English question's title and body are
lang="en" while 解決済み, スコア, 編集 and the buttons stay Japanese (and the reverse on English pages)."""

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache

from community import services
from portal import page_cache
from portal.models import Notification
from tests.community.conftest import ask

pytestmark = pytest.mark.django_db

CONTROLS = ["button", "form", "input", "select", "textarea", "time", "nav", "details", "summary"]


def foreign_parts(html: str, page_language: str) -> list:
    """Every element in <main> whose lang differs from the page's."""
    main = BeautifulSoup(html, "html.parser").find("main")
    return [el for el in main.find_all(attrs={"lang": True}) if el["lang"] != page_language]


def assert_only_user_content(html: str, page_language: str, ui_words: list[str]) -> list:
    parts = foreign_parts(html, page_language)
    for el in parts:
        assert el.find(CONTROLS) is None, f"lang={el['lang']} wraps controls: {str(el)[:300]}"
        text = el.get_text(" ")
        for word in ui_words:
            assert word not in text, f"lang={el['lang']} wraps the UI text {word!r}: {str(el)[:300]}"
    return parts


@pytest.fixture
def thread(asker, answerer, monkeypatch, django_capture_on_commit_callbacks):
    cache.clear()
    for action, (_user, _ip, period) in list(services.RATE_LIMITS.items()):
        monkeypatch.setitem(services.RATE_LIMITS, action, (1000, 1000, period))
    question = ask(asker, title="Hub light blinks red after the update", body="It blinks **red** since the update.", tags="")
    with django_capture_on_commit_callbacks(execute=True):  # the notifications are created after the commit
        answer = services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
    services.post_comment(asker, question, body="It is the white hub, model H2.")
    services.post_comment(asker, answer, body="Which button do you mean exactly?")
    services.accept_answer(asker, answer)
    page_cache.invalidate()
    return {"question": question, "answer": answer}


def test_japanese_page_of_an_english_question_marks_only_the_posts(client, thread, asker):
    question = thread["question"]
    client.force_login(asker)
    html = client.get("/ja" + question.get_absolute_url()).content.decode()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("html")["lang"] == "ja"
    article = soup.find("article", class_="question")
    assert not article.has_attr("lang")
    assert not any(a.has_attr("lang") for a in soup.select("article.answer"))
    parts = assert_only_user_content(html, "ja", ["解決済み", "スコア", "編集", "削除", "質問日", "回答", "コメント"])
    assert soup.find("h1")["lang"] == "en"
    bodies = soup.select(".post-body")
    assert len(bodies) >= 2 and all(body.get("lang") == "en" for body in bodies if body.get_text(strip=True))
    assert all(body.get("lang") == "en" for body in soup.select(".comment-body")) and soup.select(".comment-body")
    current = soup.select_one(".breadcrumbs [aria-current=page]")
    assert current["lang"] == "en" and "Hub light" in current.get_text()
    assert {el.name for el in parts} >= {"h1", "div", "span"}


def test_english_page_of_a_japanese_question_is_the_mirror(client, asker, answerer):
    cache.clear()
    question = ask(asker, title="ハブのランプが赤く点滅します", body="アップデート後から赤く点滅しています。", language="ja", tags="")
    services.post_answer(answerer, question, body="リセットボタンを10秒押してください。")
    page_cache.invalidate()
    html = client.get(question.get_absolute_url()).content.decode()
    assert_only_user_content(html, "en", ["Solved", "Score", "Edit", "Asked", "answer", "votes"])
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("h1")["lang"] == "ja"
    assert all(body["lang"] == "ja" for body in soup.select(".post-body") if body.get_text(strip=True))


def test_lists_mark_the_title_not_the_row(client, thread, asker):
    """The community list (with other languages shown) and a member's profile activity."""
    question = thread["question"]
    html = client.get("/ja/community/?lang=all").content.decode()
    parts = assert_only_user_content(html, "ja", ["解決済み", "票", "回答"])
    assert any(el.name == "a" and el.get_text() == question.title for el in parts)
    html = client.get(f"/ja/community/users/{asker.username}/").content.decode()
    parts = assert_only_user_content(html, "ja", ["解決済み", "承認", "件の回答", "回答"])
    assert any(el.name == "a" and el.get_text() == question.title for el in parts)


def test_notification_titles_and_excerpts_carry_the_posts_language(client, thread, asker, answerer):
    notification = Notification.objects.filter(recipient=asker, kind=Notification.Kind.ANSWER).get()
    assert notification.language == "en"
    client.force_login(asker)
    html = client.get("/ja/notifications/").content.decode()
    parts = assert_only_user_content(html, "ja", ["が回答しました", "既読", "新着"])
    texts = [el.get_text() for el in parts]
    assert thread["question"].title in texts
    assert any("reset button" in text for text in texts)  # the answer's excerpt
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.select_one(".notification-headline").has_attr("lang")  # the headline is the site's own text


def test_tags_of_latin_letters_are_english_on_japanese_pages_only(client, asker):
    """Community tags are Latin words ("camera", "wifi"): on /ja/ a screen reader says them in English."""
    from taggit.models import Tag

    cache.clear()
    for name in ("camera", "e104"):
        Tag.objects.create(name=name, slug=name)
    question = ask(asker, title="ハブのランプが赤く点滅します", body="アップデート後から赤く点滅しています。", language="ja",
                   tags="camera, e104")
    page_cache.invalidate()
    from django.utils import translation

    with translation.override("en"):
        english = question.get_absolute_url()
    heading = BeautifulSoup(client.get("/ja/community/tags/camera/").content.decode(), "html.parser").find("h1")
    assert heading.find("span", lang="en").get_text() == "camera" and "タグ「camera」" in heading.get_text()
    for url in ("/ja" + english, "/ja/community/"):
        soup = BeautifulSoup(client.get(url).content.decode(), "html.parser")
        tags = soup.select("main a.tag")
        assert {a.get_text() for a in tags} >= {"camera", "e104"} and all(a.get("lang") == "en" for a in tags), url
    soup = BeautifulSoup(client.get(english).content.decode(), "html.parser")
    assert soup.find("html")["lang"] == "en"
    assert soup.select("main a.tag") and not any(a.has_attr("lang") for a in soup.select("main a.tag"))
