"""The question page's accessibility and UX fixes (audit of the community question page), over HTTP:

1. a question held for review invites no answers and shows one review notice;
2. an empty answer comes back with the site's error summary at the answer form, an "Error:" title, and a
   form action that lands on the answer form;
3. a vote's new score is announced through one persistent live region (the vote widget is swapped);
4. "Was this article helpful?": Yes and No are toggles (aria-pressed from the start), No is no disclosure;
5. Accept and Follow keep one label and always carry aria-pressed;
6. the comment delete button's name is one translatable string.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import translation

from community import services
from community.screening import Verdict, register_screen, unregister_screen
from tests.community.conftest import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
HELD_DEFAULT = "Your post will appear once a moderator has looked at it."


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def text_of(node) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


def accessible_text(node) -> str:
    """The text a screen reader reads for `node`: without what is aria-hidden."""
    node = BeautifulSoup(str(node), "html.parser")
    for hidden in node.select("[aria-hidden=true]"):
        hidden.decompose()
    return text_of(node)


# --- 1. a question held for review ----------------------------------------------------------------------------


@pytest.fixture
def held_question(asker):
    """A member's question held by a pre-publish screen (as the spam and duplicate checks hold one)."""
    register_screen("qpage-test-hold", lambda draft: Verdict("hold", "", ("test",)))
    try:
        question = ask(asker, tags="")
    finally:
        unregister_screen("qpage-test-hold")
    assert question.status == "pending" and question.status_reason == HELD_DEFAULT
    return question


@pytest.mark.parametrize("prefix", ["", "/ja"])
def test_a_held_question_invites_no_answers_and_says_when_they_open(client, held_question, asker, moderator, prefix):
    url = prefix + held_question.get_absolute_url()
    for viewer in (asker, moderator):
        client.force_login(viewer)
        with translation.override("ja" if prefix else "en"):
            invitation = translation.gettext("No answers yet. Do you know the answer? Help out below.")
            closed = translation.gettext("This question no longer accepts answers.")
            opens = translation.gettext("Answers open once a moderator has approved this question.")
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert invitation not in html, viewer
        assert closed not in html, viewer
        assert html.count(opens) == 1, viewer
        assert soup_of(response).select_one("form[action*='/answer/']") is None


@pytest.mark.parametrize("prefix", ["", "/ja"])
def test_a_held_question_shows_one_review_notice(client, held_question, asker, prefix):
    client.force_login(asker)
    soup = soup_of(client.get(prefix + held_question.get_absolute_url()))
    notices = soup.select("article.question .message--warning")
    assert len(notices) == 1, [text_of(n) for n in notices]
    with translation.override("ja" if prefix else "en"):
        assert translation.gettext("This question is waiting for review: only its author and moderators can see it.") in text_of(notices[0])


def test_a_held_question_keeps_a_rules_own_reason_in_the_same_notice(client, asker):
    register_screen("qpage-test-hold", lambda draft: Verdict("hold", "A moderator checks posts with links first.", ("x",)))
    try:
        question = ask(asker, tags="")
    finally:
        unregister_screen("qpage-test-hold")
    client.force_login(asker)
    notices = soup_of(client.get(question.get_absolute_url())).select("article.question .message--warning")
    assert len(notices) == 1
    assert "waiting for review" in text_of(notices[0]) and "A moderator checks posts with links first." in text_of(notices[0])


def test_only_a_question_that_takes_answers_invites_them(client, question, other, moderator):
    client.force_login(other)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "No answers yet. Do you know the answer? Help out below." in html
    assert "Answers open once a moderator has approved this question." not in html
    services.lock_thread(moderator, question)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "This question is locked: it accepts no new answers." in html
    assert "Help out below." not in html and "No answers yet." in html
    client.logout()
    assert "Help out below." not in client.get(question.get_absolute_url()).content.decode()


# --- 2. an empty answer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "error", "title"), [("", "Error:", "There is a problem"), ("/ja", "エラー:", "入力内容に問題があります")])
def test_an_empty_answer_comes_back_with_the_error_summary_at_the_answer_form(client, question, other, prefix, error, title):
    client.force_login(other)
    response = client.post(f"{prefix}/community/q/{question.pk}/answer/", {"body": ""})
    assert response.status_code == 400
    soup = soup_of(response)
    assert soup.title.get_text(strip=True).startswith(error)
    form = soup.select_one("section.answer-form form")
    assert form["action"].endswith(f"/community/q/{question.pk}/answer/#your-answer-heading")
    summary = form.select_one("[data-error-summary]")
    assert summary is not None and summary["tabindex"] == "-1"
    assert text_of(summary.find("h2")) == title
    links = summary.select("a")
    assert [a["href"] for a in links] == ["#id_body"]
    assert soup.find(id="id_body")["aria-invalid"] == "true"
    assert len(soup.select("[data-error-summary]")) == 1


def test_the_answer_form_lands_on_its_heading_and_a_plain_page_has_no_error_title(client, question, other):
    client.force_login(other)
    soup = soup_of(client.get(question.get_absolute_url()))
    assert soup.select_one("section.answer-form form")["action"].endswith("/answer/#your-answer-heading")
    assert soup.find(id="your-answer-heading") is not None
    assert not soup.title.get_text(strip=True).startswith("Error")
    assert soup.select_one("[data-error-summary]") is None


# --- 3. the vote's live region --------------------------------------------------------------------------------


def test_the_vote_score_is_announced_through_one_persistent_live_region(client, question, answer, other):
    client.force_login(other)
    soup = soup_of(client.get(question.get_absolute_url()))
    regions = soup.select("#vote-status")
    assert len(regions) == 1
    region = regions[0]
    assert region.get("role") == "status" and region.find_parent(class_="vote") is None
    assert not text_of(region)
    # nothing inside a swapped vote widget claims to be a live region (it would be replaced, never heard)
    assert soup.select(".vote [aria-live], .vote [role=status]") == []

    response = client.post(f"/community/a/{answer.pk}/vote/", {"value": "1"}, **HTMX)
    assert response.status_code == 200
    swapped = soup_of(response)
    widget = swapped.select_one(f"#vote-a-{answer.pk}")
    assert widget is not None and widget.select("[aria-live], [role=status]") == []
    oob = swapped.select_one("#vote-status")
    assert oob is not None and oob.get("data-hx-swap-oob") == "innerHTML"
    assert text_of(oob) == "Score: 1"

    client.force_login(answer.author)  # a refused vote: the error is the alert, no score is announced
    response = client.post(f"/community/a/{answer.pk}/vote/", {"value": "1"}, **HTMX)
    assert response.status_code == 403
    assert soup_of(response).select_one("#vote-status") is None


# --- 4. "Was this article helpful?" ---------------------------------------------------------------------------


def helpful_buttons(soup):
    section = soup.select_one("#helpful")
    yes = section.find("button", attrs={"name": "helpful", "value": "yes"})
    no = next(b for b in section.select(".helpful-buttons button") if text_of(b) == "No")
    return section, yes, no


def test_helpful_yes_and_no_are_toggles_before_and_after_a_vote(client, article):
    section, yes, no = helpful_buttons(soup_of(client.get(article.url)))
    assert yes.get("aria-pressed") == "false" and no.get("aria-pressed") == "false"
    assert not no.has_attr("aria-expanded") and no.get("aria-controls")
    assert section.select("[role=status]") == []

    response = client.post(reverse("helpful_vote", args=[article.pk]), {"helpful": "no", "comment": ""}, **HTMX)
    section, yes, no = helpful_buttons(soup_of(response))
    assert yes.get("aria-pressed") == "false" and no.get("aria-pressed") == "true"
    assert not no.has_attr("aria-expanded")
    status = section.select_one("[role=status]")
    assert "did not help" in text_of(status) and status.has_attr("data-swap-focus")

    response = client.post(reverse("helpful_vote", args=[article.pk]), {"helpful": "yes"}, **HTMX)
    section, yes, no = helpful_buttons(soup_of(response))
    assert yes.get("aria-pressed") == "true" and no.get("aria-pressed") == "false"


# --- 5. Accept and Follow ---------------------------------------------------------------------------------------


def test_accept_keeps_its_label_and_always_says_whether_it_is_pressed(client, question, answer, asker):
    client.force_login(asker)
    button = soup_of(client.get(question.get_absolute_url())).select_one(f'[data-focus-key="accept-{answer.pk}"]')
    assert accessible_text(button) == "Accept this answer" and button.get("aria-pressed") == "false"
    response = client.post(reverse("answer_accept", args=[answer.pk]), {"action": "accept"}, **HTMX)
    button = soup_of(response).select_one(f'[data-focus-key="accept-{answer.pk}"]')
    assert accessible_text(button) == "Accept this answer" and button.get("aria-pressed") == "true"
    assert button["value"] == "unaccept"
    response = client.post(reverse("answer_accept", args=[answer.pk]), {"action": "unaccept"}, **HTMX)
    button = soup_of(response).select_one(f'[data-focus-key="accept-{answer.pk}"]')
    assert accessible_text(button) == "Accept this answer" and button.get("aria-pressed") == "false"


def test_follow_keeps_its_label_and_always_says_whether_it_is_pressed(client, question, other):
    client.force_login(other)
    button = soup_of(client.get(question.get_absolute_url())).select_one('[data-focus-key="follow"]')
    assert accessible_text(button) == "Follow" and button.get("aria-pressed") == "false"
    response = client.post(reverse("question_follow", args=[question.pk]), {"action": "follow"}, **HTMX)
    button = soup_of(response).select_one('[data-focus-key="follow"]')
    assert accessible_text(button) == "Follow" and button.get("aria-pressed") == "true"
    assert button["value"] == "unfollow"


# --- 6. the comment delete button ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_comment_delete_button_is_named_by_one_string(client, question, asker, language):
    comment = services.post_comment(asker, question, body="I also tried another outlet.")
    client.force_login(asker)
    prefix = "/ja" if language == "ja" else ""
    soup = soup_of(client.get(prefix + question.get_absolute_url()))
    button = soup.select_one(f"#comment-{comment.pk} form[action$='/c/{comment.pk}/delete/'] button")
    with translation.override(language):
        whole = translation.gettext("Delete this comment")
        visible = translation.gettext("Delete")
    assert accessible_text(button) == whole
    assert "削除 このコメント" not in accessible_text(button)
    shown = button.select_one("[aria-hidden=true]")
    assert shown is not None and text_of(shown) == visible
    if language == "en":  # the visible word is part of the name (in Japanese once the new msgid is translated)
        assert visible in whole


def test_a_moderator_sees_one_review_notice_on_a_held_answer(client, question, moderator):
    register_screen("qpage-test-hold", lambda draft: Verdict("hold", "", ("test",)))
    try:
        answer = services.post_answer(UserFactory(username="helper"), question, body="Try the other port, it works.")
    finally:
        unregister_screen("qpage-test-hold")
    assert answer.status == "pending"
    client.force_login(moderator)
    soup = soup_of(client.get(question.get_absolute_url()))
    notices = soup.select(f"#answer-{answer.pk} .message--warning")
    assert len(notices) == 1, [text_of(n) for n in notices]
