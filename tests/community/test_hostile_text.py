"""Hostile text in posts, and what a refused action shows (the audit of hostile input, items 1, 4, 5 and 8).

- Invisible formatting characters (Unicode category Cf: zero-width space, LRM/RLM, BOM...) and blank
  "letters" (Hangul filler) never make a title or a text count as written, nor reach a minimum length;
  an emoji ZWJ sequence in a body is kept as typed.
- The short-title exception is for CJK letters only.
- The forms' length messages state the real limits.
- Redirects never reveal the title (slug) of a question the member cannot see.
- A comment refused without JavaScript comes back on the question page with the text and the reason.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from community import services
from community.models import Answer, Comment, Question
from moderation.cases.models import CaseEvent
from tests.community.conftest import ask
from tests.factories import MemberFactory, UserFactory
from tests.moderation.cases.factories import CaseFactory
from tests.moderation.factories import make_moderator

pytestmark = pytest.mark.django_db

ZWSP, ZWJ, LRM, RLM, BOM, HANGUL_FILLER = "\u200b", "\u200d", "\u200e", "\u200f", "\ufeff", "\u3164"


def _ask(client, title, body="It blinks red since the update.", **extra):
    return client.post("/community/ask/", {"title": title, "body": body, "tags": "", "language": "en", **extra})


# --- 1. invisible characters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("title", [ZWSP, ZWSP * 3, LRM + RLM, BOM, f"{ZWSP} {LRM} ", HANGUL_FILLER * 12])
def test_an_invisible_title_is_no_title(client, asker, title):
    client.force_login(asker)
    response = _ask(client, title)
    assert response.status_code == 200
    assert "Please enter a title." in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize("body", [ZWSP, ZWSP + ZWJ + LRM, f"{BOM}\n{RLM}  ", HANGUL_FILLER])
def test_an_invisible_body_is_no_body(client, asker, body):
    client.force_login(asker)
    response = _ask(client, "Hub light blinks red after the update", body)
    assert response.status_code == 200
    assert "Please write something." in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize("title", [ZWSP * 5 + "x", "x" + ZWSP * 9, LRM * 10 + "abc", "Ça va?", "Ünïcödé"])
def test_invisible_characters_and_accents_do_not_reach_the_minimum_length(client, asker, title):
    client.force_login(asker)
    response = _ask(client, title)
    assert "Please describe the problem in at least 10 characters." in response.content.decode()
    assert not Question.objects.exists()


def test_short_titles_are_fine_in_japanese_and_invisible_edges_are_trimmed(client, asker):
    client.force_login(asker)
    assert _ask(client, "ハブが点滅").status_code == 302
    assert _ask(client, f"{ZWSP}{LRM}Hub light blinks red{ZWSP}", body="Another text.").status_code == 302
    assert list(Question.objects.order_by("pk").values_list("title", flat=True)) == ["ハブが点滅", "Hub light blinks red"]


def test_emoji_sequences_are_kept_as_typed(client, asker):
    """ZWJ joins emoji (family, technologist) and the England flag ends in an invisible tag character."""
    client.force_login(asker)
    coder, england = "\U0001f469\u200d\U0001f4bb", "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    response = _ask(client, f"Hub blinks red for me {england}", body=f"Works for me {coder} {england}")
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.title == f"Hub blinks red for me {england}"
    assert question.body == f"Works for me {coder} {england}"


def test_answers_comments_and_case_replies_refuse_invisible_text(client, question, other):
    client.force_login(other)
    response = client.post(f"/community/q/{question.pk}/answer/", {"body": ZWSP + LRM})
    assert response.status_code == 400 and "Please write something." in response.content.decode()
    response = client.post(f"/community/q/{question.pk}/comment/", {"body": ZWSP * 4}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "Please write something." in response.content.decode()
    assert not Answer.objects.exists() and not Comment.objects.exists()
    case = CaseFactory()
    client.force_login(case.customer)
    events = CaseEvent.objects.filter(case=case).count()
    response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": ZWSP + RLM})
    assert response.status_code == 400 and "Please write something." in response.content.decode()
    assert CaseEvent.objects.filter(case=case).count() == events


def test_display_names_refuse_blank_letters(client, site, member):
    client.force_login(member)
    response = client.post(reverse("edit_profile"), {"display_name": HANGUL_FILLER * 3, "bio": "", "language": "en"})
    assert "invisible characters" in response.content.decode()


# --- 8. the forms' length messages ---------------------------------------------------------------------------


def test_length_messages_state_the_real_limits(client, asker, question):
    """Far over the limit (the fields' own check) and a little over (the text rule): the real limit both times."""
    client.force_login(asker)
    form = client.get("/community/ask/").content.decode()
    assert 'maxlength="150"' in form and 'maxlength="30000"' in form and 'maxlength="60000"' not in form
    for title, body in (("t" * 400, "b" * 61_000), ("t" * 160, "b" * 30_500)):
        html = _ask(client, title, body=body).content.decode()
        assert "the limit is 150" in html and "the limit is 30000" in html
        assert "at most" not in html and Question.objects.count() == 1  # the fixture's
    html = client.post(f"/community/q/{question.pk}/answer/", {"body": "y" * 61_000}).content.decode()
    assert "The text is too long: the limit is 30000 characters." in html and "at most" not in html
    html = client.post(f"/community/q/{question.pk}/comment/", {"body": "c" * 1_300}, HTTP_HX_REQUEST="true").content.decode()
    assert "The text is too long: the limit is 600 characters." in html and "at most" not in html
    client.get("/ja/")  # the messages are translated when they are shown
    html = client.post(f"/ja/community/q/{question.pk}/answer/", {"body": "y" * 61_000}).content.decode()
    assert "30000" in html and "The text is too long" not in html


def test_windows_line_ends_still_get_the_slack(client, asker):
    """Browsers count a new line as one character against maxlength and send it as two (CRLF)."""
    client.force_login(asker)
    body = "line\r\n" * 5_500  # 33,000 characters as sent, 27,500 as stored
    assert _ask(client, "Hub light blinks red after the update", body=body).status_code == 302


# --- 4. no redirect names a question the member cannot see -----------------------------------------------------


@pytest.fixture
def hidden_thread(asker, answerer):
    question = ask(asker, title="Secret title of a hidden question", tags="")
    answer = services.post_answer(answerer, question, body="An answer to it.")
    comment = services.post_comment(answerer, question, body="A comment on it.")
    services.hide_post(make_moderator("mod"), question, reason="spam")
    return question, answer, comment


def test_lift_of_an_answer_on_a_hidden_question_is_a_404(client, hidden_thread):
    question, answer, _comment = hidden_thread
    client.force_login(MemberFactory())
    response = client.post(f"/community/moderation/lift/{answer.pk}/")
    assert response.status_code == 404
    assert question.slug not in response.get("Location", "")


def test_deleting_a_comment_on_a_hidden_question_is_a_404(client, hidden_thread, answerer):
    question, _answer, comment = hidden_thread
    for user in (MemberFactory(), answerer):  # a stranger, and the comment's own author
        client.force_login(user)
        response = client.post(f"/community/c/{comment.pk}/delete/")
        assert response.status_code == 404
        assert question.slug not in response.get("Location", "")
    comment.refresh_from_db()
    assert comment.status == "published"


def test_deleting_a_comment_on_a_visible_question_still_works(client, question, other):
    comment = services.post_comment(other, question, body="Which model is it?")
    client.force_login(other)
    response = client.post(f"/community/c/{comment.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()


# --- 5. a comment refused without JavaScript keeps its text ---------------------------------------------------


def test_a_too_long_comment_without_js_comes_back_with_the_text_and_reason(client, question, answer, other):
    client.force_login(other)
    typed = "My long comment " + "x" * 700
    response = client.post(f"/community/a/{answer.pk}/comment/", {"body": typed})
    html = response.content.decode()
    assert response.status_code == 400
    assert typed in html and "limit is 600" in html
    assert html.count(typed) == 1  # in the answer's comment box, not in the question's
    assert not Comment.objects.exists()
    # The page opens at that box (its form's address ends with the box's id), the reason inside it and tied to the
    # text field, so neither sighted readers nor screen readers have to hunt for why nothing was posted.
    box = f"comment-add-a-{answer.pk}"
    assert f'action="/community/a/{answer.pk}/comment/#{box}"' in html
    opened = html.split(f'<details class="comment-add" id="{box}" open>', 1)[1].split("</details>", 1)[0]
    assert f'id="comment-error-a-{answer.pk}">' in opened and "limit is 600" in opened
    assert f'aria-invalid="true" aria-describedby="comment-error-a-{answer.pk}"' in opened


def test_a_duplicate_or_rate_limited_comment_without_js_keeps_the_text(client, question, answer, other, monkeypatch):
    from community.services import base

    client.force_login(other)
    assert client.post(f"/community/q/{question.pk}/comment/", {"body": "Which model?"}).status_code == 302
    # the same text again on the same post (a double click): it is there already, shown as posted, not twice
    response = client.post(f"/community/q/{question.pk}/comment/", {"body": "Which model?"})
    assert response.status_code == 302 and Comment.objects.count() == 1
    # the same text on another post: refused with the reason, the text kept in that post's box
    response = client.post(f"/community/a/{answer.pk}/comment/", {"body": "Which model?"})
    html = response.content.decode()
    assert response.status_code == 400 and "exactly this" in html and ">Which model?</textarea>" in html
    # a deleted comment does not count: the same text again is posted (not "already posted" and lost)
    services.delete_comment(other, Comment.objects.get())
    assert client.post(f"/community/q/{question.pk}/comment/", {"body": "Which model?"}).status_code == 302
    assert Comment.objects.filter(status="published").count() == 1
    monkeypatch.setitem(base.RATE_LIMITS, "comment", (1, 60, 600))
    response = client.post(f"/community/q/{question.pk}/comment/", {"body": "Another thought"})
    assert response.status_code == 429 and response["Retry-After"]
    assert ">Another thought</textarea>" in response.content.decode()
    assert Comment.objects.count() == 2  # the deleted one and the one posted again


def test_comment_errors_on_a_hidden_question_stay_404_for_strangers(client, hidden_thread):
    question, _answer, _comment = hidden_thread
    client.force_login(UserFactory())
    response = client.post(f"/community/q/{question.pk}/comment/", {"body": "x" * 700})
    assert response.status_code == 404


def test_editing_an_answer_on_a_hidden_question_is_a_404(client, hidden_thread, answerer):
    question, answer, _comment = hidden_thread
    client.force_login(answerer)  # the answer's author, who cannot see the hidden question
    response = client.get(f"/community/a/{answer.pk}/edit/")
    assert response.status_code == 404 and question.title not in response.content.decode()
    response = client.post(f"/community/a/{answer.pk}/edit/", {"body": "Changed text.", "summary": ""})
    assert response.status_code == 404 and question.slug not in response.get("Location", "")


def test_a_post_nested_too_deeply_to_be_shown_is_refused_with_its_text_kept(client, asker):
    client.force_login(asker)
    body = "It blinks red.\n\n" + ">" * 45 + " the part that would vanish"
    response = _ask(client, "Hub light blinks red after the update", body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Some quotes or lists are nested too deeply to be shown; please nest them less." in page
    assert "the part that would vanish" in page  # the text is kept in the form
    assert not Question.objects.exists()
