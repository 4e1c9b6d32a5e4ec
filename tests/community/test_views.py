"""Community pages and actions over HTTP: with and without htmx, permission matrix, query budgets."""

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from community import permissions, services, view_counts
from community.models import Answer, Comment, Question, Vote
from tests.community.conftest import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(question):
    return question.get_absolute_url()


# --- permission matrix ----------------------------------------------------------------------------------------


def test_permission_matrix(question, answer, asker, answerer, moderator, unverified):
    member = UserFactory()
    rows = {
        "anonymous": AnonymousUser(),
        "unverified": unverified,
        "member": member,
        "author": asker,
        "moderator": moderator,
    }
    answer.question = question
    expected = {
        # can_post, vote question, vote answer, accept, edit question, delete question, restore, me too, create tag
        "anonymous": (False, False, False, False, False, False, False, False, False),
        "unverified": (False, False, False, False, False, False, False, False, False),
        "member": (True, True, True, False, False, False, False, True, False),
        "author": (True, False, True, True, True, True, False, False, False),
        "moderator": (True, True, True, True, True, True, False, True, True),
    }
    for name, user in rows.items():
        got = (
            permissions.can_post(user),
            permissions.can_vote(user, question),
            permissions.can_vote(user, answer),
            permissions.can_accept(user, question),
            permissions.can_edit(user, question),
            permissions.can_delete(user, question),
            permissions.can_restore(user, question),
            permissions.can_me_too(user, question),
            permissions.can_create_tag(user),
        )
        assert got == expected[name], name
    services.delete_post(asker, question)
    question.refresh_from_db()
    assert permissions.can_restore(moderator, question) and not permissions.can_restore(asker, question)
    assert not permissions.can_vote(member, question) and not permissions.can_answer(member, question)


# --- question page -----------------------------------------------------------------------------------------------


def test_question_page_renders_with_json_ld_language_and_redirects_wrong_slug(client, question, answer, asker):
    services.accept_answer(asker, answer)
    response = client.get(url(question))
    assert response.status_code == 200
    html = response.content.decode()
    assert question.title in html and "Hold the reset button" in html and 'lang="en"' in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "QAPage" and data["mainEntity"]["acceptedAnswer"]["text"].startswith("Hold")
    assert data["mainEntity"]["answerCount"] == 1
    wrong = client.get(f"/community/q/{question.pk}/wrong-slug/")
    assert wrong.status_code == 301 and wrong["Location"] == url(question)
    assert client.get(f"/community/q/{question.pk}/").status_code == 301
    assert client.get("/community/q/999999/x/").status_code == 404


def test_each_comments_region_has_its_own_name(client, question, answer, other):
    """Landmarks a screen reader lists by name: the question's comments and each answer's, told apart."""
    services.post_answer(other, question, body="Try a different USB power adapter first.")
    html = client.get(url(question)).content.decode()
    names = re.findall(r'<section class="comments"[^>]*aria-label="([^"]*)"', html)
    assert names[0] == "Comments on the question"
    assert sorted(names[1:]) == sorted(
        f"Comments on the answer by {user.profile.name}" for user in (answer.author, other)
    )


def test_deleted_question_is_404_except_for_moderators(client, question, asker, moderator):
    services.delete_post(asker, question)
    assert client.get(url(question)).status_code == 404
    client.force_login(moderator)
    response = client.get(url(question))
    assert response.status_code == 200 and "Restore" in response.content.decode()


def test_anonymous_page_is_cached_and_a_write_refreshes_it(client, question, answerer):
    first = client.get(url(question))
    assert first["X-Page-Cache"] == "miss"
    assert client.get(url(question))["X-Page-Cache"] == "hit"
    services.post_answer(answerer, question, body="A brand new answer appears")
    response = client.get(url(question))
    assert response["X-Page-Cache"] == "miss" and "A brand new answer appears" in response.content.decode()


def test_view_counter_does_not_write_per_view(client, question, django_assert_num_queries):
    from community import view_counts

    view_counts.flush()
    client.get(url(question))
    with django_assert_num_queries(0):  # cached page, counted in memory
        client.get(url(question))
    assert view_counts.pending(question.pk) == 2
    assert view_counts.flush() == 2
    question.refresh_from_db()
    assert question.view_count == 2


def test_question_page_query_budget_with_50_answers_and_200_comments(client, question, django_assert_max_num_queries):
    """A fixed number of queries (≤ 15) however many answers, comments and votes the page shows, on a cache miss."""
    members = [UserFactory() for _ in range(6)]
    answers = [
        Answer.objects.create(question=question, author=members[i % 6], body=f"a{i}", body_html=f"<p>a{i}</p>", created_at=question.created_at)
        for i in range(50)
    ]
    Comment.objects.bulk_create(
        Comment(question=question, answer=answers[i % 50] if i % 5 else None, author=members[i % 6], body="c", body_html="<p>c</p>",
                created_at=question.created_at)
        for i in range(200)
    )
    viewer = UserFactory()
    Vote.objects.bulk_create(Vote(voter=viewer, answer=a, value=1) for a in answers[:20])
    client.force_login(viewer)
    client.get(url(question))  # warm per-process caches (site, content types)
    cache.clear()  # ... and measure a miss: no page, view state or related questions cached
    view_counts.flush()  # (and no timed view-count flush inside the measured request)
    with django_assert_max_num_queries(15):
        response = client.get(url(question))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="comment"') == 200 - 0 and html.count('id="answer-') >= 50
    assert html.count('aria-pressed="true"') >= 20
    client.logout()
    cache.clear()
    view_counts.flush()
    with django_assert_max_num_queries(10):
        response = client.get(url(question))
    assert response.status_code == 200 and response["X-Page-Cache"] == "miss"


# --- actions: plain POST and htmx -------------------------------------------------------------------------------------


def test_vote_without_js_redirects_and_with_htmx_returns_widget(client, question, answer, other):
    client.force_login(other)
    response = client.post(f"/community/a/{answer.pk}/vote/", {"value": "1"})
    assert response.status_code == 302 and response["Location"].endswith(f"#answer-{answer.pk}")
    answer.refresh_from_db()
    assert answer.score == 1
    response = client.post(f"/community/a/{answer.pk}/vote/", {"value": "0"}, **HTMX)
    assert response.status_code == 200
    assert f'id="vote-a-{answer.pk}"' in response.content.decode() and "<html" not in response.content.decode()
    answer.refresh_from_db()
    assert answer.score == 0


def test_own_post_vote_refused_with_message(client, answer, answerer):
    client.force_login(answerer)
    response = client.post(f"/community/a/{answer.pk}/vote/", {"value": "1"}, **HTMX)
    assert response.status_code == 403  # the widget, without buttons, and the reason
    assert "vote-button" not in response.content.decode() and "own post" in response.content.decode()
    response = client.post(f"/community/a/{answer.pk}/vote/", {"value": "1"}, follow=True)
    assert "cannot vote on your own post" in response.content.decode()
    answer.refresh_from_db()
    assert answer.score == 0


def test_vote_rate_limited_answers_429_for_htmx(client, question, other, one_ratelimit_window):
    client.force_login(other)
    for i in range(services.RATE_LIMITS["vote"][0]):
        client.post(f"/community/q/{question.pk}/vote/", {"value": str(1 - i % 2)}, **HTMX)
    response = client.post(f"/community/q/{question.pk}/vote/", {"value": "1"}, **HTMX)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "try again in" in response.content.decode()


def test_anonymous_actions_go_to_sign_in(client, question, answer):
    response = client.post(f"/community/a/{answer.pk}/vote/", {"value": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(f"/community/q/{question.pk}/follow/", {"action": "follow"}, **HTMX).status_code == 403
    assert not Vote.objects.exists()


def test_accept_with_htmx_returns_answers_and_marks_first(client, question, answer, asker, other):
    second = services.post_answer(other, question, body="Another idea")
    services.vote(answer.author, second, 1)
    client.force_login(asker)
    response = client.post(f"/community/a/{answer.pk}/accept/", {"action": "accept"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Accepted answer" in html
    assert html.index(f'id="answer-{answer.pk}"') < html.index(f'id="answer-{second.pk}"')  # accepted first
    response = client.post(f"/community/a/{answer.pk}/accept/", {"action": "unaccept"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.accepted_answer_id is None


def test_accept_refused_for_non_asker(client, question, answer, other):
    client.force_login(other)
    response = client.post(f"/community/a/{answer.pk}/accept/", {"action": "accept"}, **HTMX)
    assert response.status_code == 403 and "Only the person who asked" in response.content.decode()
    question.refresh_from_db()
    assert question.accepted_answer_id is None


def test_follow_and_me_too(client, question, other):
    client.force_login(other)
    response = client.post(f"/community/q/{question.pk}/follow/", {"action": "me-too"}, **HTMX)
    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    question.refresh_from_db()
    assert question.me_too_count == 1 and question.follower_count == 2
    client.post(f"/community/q/{question.pk}/follow/", {"action": "unfollow"})
    question.refresh_from_db()
    assert question.follower_count == 1


def test_comment_with_and_without_js_and_errors_keep_text(client, question, other):
    client.force_login(other)
    response = client.post(f"/community/q/{question.pk}/comment/", {"body": "Which model?"}, **HTMX)
    assert response.status_code == 200 and "Which model?" in response.content.decode()
    response = client.post(f"/community/q/{question.pk}/comment/", {"body": "x" * 700}, **HTMX)
    assert response.status_code == 400 and "limit is 600" in response.content.decode()
    assert ("x" * 700) in response.content.decode()  # what they typed is kept
    response = client.post(f"/community/q/{question.pk}/comment/", {"body": "Plain POST comment"})
    assert response.status_code == 302
    assert Comment.objects.filter(question=question).count() == 2


def test_answer_form_errors_keep_the_text(client, question, other):
    client.force_login(other)
    response = client.post(f"/community/q/{question.pk}/answer/", {"body": "   "})
    assert response.status_code == 400 and "Please write something." in response.content.decode()
    response = client.post(f"/community/q/{question.pk}/answer/", {"body": "y" * 30_001})
    assert response.status_code == 400 and "y" * 100 in response.content.decode()
    response = client.post(f"/community/q/{question.pk}/answer/", {"body": "Reset the hub."})
    assert response.status_code == 302
    assert Answer.objects.filter(question=question).count() == 1


def test_csrf_is_enforced(question, other):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(other)
    assert strict.post(f"/community/q/{question.pk}/vote/", {"value": "1"}).status_code == 403


# --- ask -----------------------------------------------------------------------------------------------------------------


def test_ask_form_requires_sign_in_and_verification(client, unverified):
    assert client.get("/community/ask/").status_code == 302
    client.force_login(unverified)
    response = client.get("/community/ask/")
    assert "verify your email" in response.content.decode()
    response = client.post("/community/ask/", {"title": "Hub light blinks red", "body": "Help", "language": "en"})
    assert response.status_code == 403 and not Question.objects.exists()


def test_ask_prefills_topic_and_title_and_posts(client, topic, asker):
    client.force_login(asker)
    response = client.get(f"/community/ask/?title=refund+delay&topic={topic.slug}")
    html = response.content.decode()
    assert 'value="refund delay"' in html and f'<option value="{topic.pk}" selected' in html
    response = client.post(
        "/community/ask/",
        {"title": "When will my refund arrive?", "body": "I returned the hub.", "tags": "refund", "topic": topic.pk, "language": "en"},
    )
    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()
    assert question.topic_id == topic.pk and list(question.tags.names()) == ["refund"]


def test_ask_bad_input_shows_field_errors_and_keeps_input(client, asker):
    client.force_login(asker)
    response = client.post("/community/ask/", {"title": "t" * 200, "body": "My body text", "tags": "a b c d e f", "language": "en"})
    html = response.content.decode()
    assert response.status_code == 200 and "the limit is 150" in html and "at most 5 tags" in html
    assert "My body text" in html and not Question.objects.exists()


@pytest.mark.parametrize("topic", ["99999999999999999999", "-1", "0", "abc", "1e9"])
def test_ask_with_a_hostile_topic_says_so_and_keeps_the_text(client, asker, topic):
    """A topic id the database cannot hold (20 digits crashed SQLite's driver) or that is not a number: the
    form's own message, the text kept, nothing saved."""
    client.force_login(asker)
    response = client.post("/community/ask/", {
        "title": "Hub light blinks red after the update", "body": "It started last night.", "language": "en", "topic": topic,
    })
    html = response.content.decode()
    assert response.status_code == 200 and "Select a valid choice" in html
    assert "It started last night." in html and not Question.objects.exists()
    select = re.search(r'<select name="topic"[^>]*>', html).group(0)  # its error named for it
    assert 'aria-invalid="true"' in select and 'aria-describedby="topic-errors"' in select and 'id="topic-errors"' in html


def test_every_tag_problem_is_said_at_once(client, asker):
    client.force_login(asker)
    tags = "a b c d e f g, $$$, " + "x" * 42
    response = client.post("/community/ask/", {"title": "Hub light blinks red", "body": "Since last night.", "tags": tags, "language": "en"})
    html = response.content.decode()
    assert "“$$$”, “" + "x" * 40 + "” are not valid tags" in html and "Use at most 5 tags." in html
    response = client.post("/ja/community/ask/", {"title": "ランプが赤く点滅", "body": "昨夜から。", "tags": "a b c d e f $$$ %%%", "language": "ja"})
    html = response.content.decode()
    assert "「$$$」、「%%%」は有効なタグではありません" in html and "ください。タグは" in html  # no space after 。


def test_ask_preview_without_js(client, asker, article):
    client.force_login(asker)
    response = client.post("/community/ask/", {"title": "Request a refund please", "body": "**bold**", "language": "en", "preview": "1"})
    html = response.content.decode()
    assert "<strong>bold</strong>" in html and "Request a refund" in html and not Question.objects.exists()


def test_suggestions_while_typing_and_deflection(client, asker, article, question):
    client.force_login(asker)
    response = client.get("/community/ask/suggest/", {"title": "refund", "ask_token": "tok123"}, **HTMX)
    html = response.content.decode()
    assert article.title in html and "/community/ask/open/article/" in html
    response = client.get(f"/community/ask/open/article/{article.pk}/", {"t": "tok123", "q": "refund"})
    assert response.status_code == 302 and response["Location"] == article.url
    from community.models import DeflectionEvent

    event = DeflectionEvent.objects.get()
    assert event.kind == "article" and event.asked is False
    assert client.get("/community/ask/open/article/999999/", {"t": "x"}).status_code == 404


def test_markdown_preview_endpoint_sanitises(client, asker):
    client.force_login(asker)
    response = client.post("/community/ask/preview/", {"body": "<script>x</script> **b**"}, **HTMX)
    html = response.content.decode()
    assert "<strong>b</strong>" in html and "<script>" not in html


def test_tag_autocomplete_keeps_earlier_tags(client, asker):
    from taggit.models import Tag

    Tag.objects.create(name="wifi", slug="wifi")
    Tag.objects.create(name="hub", slug="hub")
    response = client.get("/community/ask/tags/", {"tags": "hub, wi"})
    assert 'value="hub, wifi"' in response.content.decode()


# --- edit and history ----------------------------------------------------------------------------------------------


def test_edit_and_diff_view(client, question, asker, other):
    client.force_login(other)
    assert client.get(f"/community/q/{question.pk}/edit/").status_code == 403
    client.force_login(asker)
    response = client.post(
        f"/community/q/{question.pk}/edit/",
        {"title": question.title, "body": "It blinks <b>red</b> since update 2.3", "tags": "", "summary": "version"},
    )
    assert response.status_code == 302
    response = client.get(f"/community/q/{question.pk}/revisions/")
    html = response.content.decode()
    assert "<ins>" in html and "<del>" in html and "&lt;b&gt;red&lt;/b&gt;" in html


# --- lists -----------------------------------------------------------------------------------------------------------


def test_lists_filter_and_sort(client, asker, answerer, topic):
    unanswered = ask(asker, title="Nobody answered this one", body="b1")
    solved = ask(asker, title="This one is solved already", body="b2", topic=topic)
    answer = services.post_answer(answerer, solved, body="Fixed")
    services.accept_answer(asker, answer)
    deleted = ask(asker, title="This one gets deleted soon", body="b3")
    services.delete_post(asker, deleted)
    html = client.get("/community/").content.decode()
    assert unanswered.title in html and solved.title in html and deleted.title not in html
    html = client.get("/community/?status=unanswered").content.decode()
    assert unanswered.title in html and solved.title not in html
    html = client.get("/community/?status=solved").content.decode()
    assert solved.title in html and unanswered.title not in html
    html = client.get(f"/community/?topic={topic.slug}").content.decode()
    assert solved.title in html and unanswered.title not in html
    html = client.get("/community/?sort=votes&status=bogus&page=abc").content.decode()
    assert unanswered.title in html  # bad parameters fall back to defaults


def test_list_pagination_and_query_budget_independent_of_page_size(client, asker, settings, django_assert_max_num_queries):
    from django.utils import timezone

    now = timezone.now()
    Question.objects.bulk_create(
        Question(author=asker, title=f"Bulk question {i}", slug=f"bulk-{i}", body="b", body_html="<p>b</p>", created_at=now,
                 last_activity_at=now)
        for i in range(45)
    )
    client.get("/community/")
    counts = []
    for size in (5, 40):
        settings.COMMUNITY_PAGE_SIZE = size
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from portal import page_cache

        page_cache.invalidate()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/community/")
        counts.append(len(captured))
        assert response.status_code == 200
    assert counts[0] == counts[1] and counts[0] <= 6
    settings.COMMUNITY_PAGE_SIZE = 30
    page_cache.invalidate()
    html = client.get("/community/?page=2").content.decode()
    assert html.count('class="question-row"') == 15 and 'rel="prev"' in html and 'rel="next"' not in html


def test_tag_page_lists_questions_and_articles(client, asker, article):
    from taggit.models import Tag

    Tag.objects.get_or_create(name="refund", slug="refund")
    question = ask(asker, title="Refund for a damaged hub", body="b", tags="refund")
    html = client.get("/community/tags/refund/").content.decode()
    assert question.title in html and article.title in html


def test_topic_page_shows_questions_and_refreshes_after_a_new_question(client, topic, asker):
    first = client.get(topic.url)
    assert "Ask in this topic" in first.content.decode()
    ask(asker, title="Question in the billing topic", body="b", topic=topic)
    response = client.get(topic.url)
    assert "Question in the billing topic" in response.content.decode()


def test_empty_search_offers_ask_prefilled(client, site):
    html = client.get("/search/", {"q": "zebra lamp"}).content.decode()
    assert "/community/ask/?title=zebra%20lamp" in html


def test_member_profile_lists_questions_and_answers(client, question, answer, answerer):
    html = client.get(f"/community/users/{answerer.username}/").content.decode()
    assert question.title in html and f"#answer-{answer.pk}" in html


def test_a_second_identical_submission_lands_on_the_first_post(client, question, other):
    """The second request of a double click (or a resubmitted form) takes the member to what the first one
    wrote, with a note — not to an error about posting twice, and nothing written twice. The same text on
    another thread is still refused with the reason."""
    client.force_login(other)
    data = {"title": "Camera offline after the router swap", "body": "New router since Monday.", "tags": "",
            "language": "en"}
    first = client.post("/community/ask/", data)
    assert first.status_code == 302
    created = Question.objects.get(author=other)
    second = client.post("/community/ask/", data, follow=True)
    assert second.redirect_chain[0][0] == created.get_absolute_url()
    assert "You had already posted this question: here it is." in second.content.decode()
    assert Question.objects.filter(author=other).count() == 1
    # a new title over the same text is another question: refused with the reason, the form kept
    renamed = client.post("/community/ask/", {**data, "title": "Doorbell chime silent since Monday"})
    assert renamed.status_code == 400 and "less than 10 minutes ago" in renamed.content.decode()
    assert "Doorbell chime silent since Monday" in renamed.content.decode()

    body = {"body": "Restart the hub, then the camera."}
    assert client.post(f"/community/q/{question.pk}/answer/", body).status_code == 302
    posted = Answer.objects.get(question=question, author=other)
    again = client.post(f"/community/q/{question.pk}/answer/", body)
    assert again.status_code == 302 and again["Location"].endswith(f"#answer-{posted.pk}")
    assert Answer.objects.filter(author=other).count() == 1
    elsewhere = client.post(f"/community/q/{created.pk}/answer/", body)  # the same text on another thread
    assert elsewhere.status_code == 400 and "less than 10 minutes ago" in elsewhere.content.decode()
    services.delete_post(other, posted)  # deleted since: the same text is a new answer, not "here it is" (a 404)
    reposted = client.post(f"/community/q/{question.pk}/answer/", body)
    assert reposted.status_code == 302 and not reposted["Location"].endswith(f"#answer-{posted.pk}")
    assert Answer.objects.filter(author=other, status="published").count() == 1
    services.delete_post(other, created)
    again = client.post("/community/ask/", data)
    assert again.status_code == 302 and again["Location"] != created.get_absolute_url()

    comment = {"body": "Which router model is it?"}
    assert client.post(f"/community/q/{question.pk}/comment/", comment, **HTMX).status_code == 200
    twice = client.post(f"/community/q/{question.pk}/comment/", comment, **HTMX)
    assert twice.status_code == 200 and twice.content.decode().count("Which router model is it?") == 1
    assert client.post(f"/community/q/{question.pk}/comment/", comment).status_code == 302
    assert Comment.objects.filter(author=other).count() == 1
    assert Answer.objects.filter(author=other).count() == 2 and Question.objects.filter(author=other).count() == 2


def test_text_sent_while_signed_out_is_back_in_the_form_after_signing_in(client, question, other):
    """A member whose session expired while writing sends their answer (or question): they are asked to sign
    in, told the text is kept, and find it in the form afterwards — nothing posted for them, nothing lost."""
    import html as html_lib

    from django.conf import settings

    answer_text = "Hold the reset button for ten seconds, then re-pair the **hub**."
    client.cookies[settings.SESSION_COOKIE_NAME] = "an-expired-session"  # what a member whose session expired sends
    response = client.post(f"/community/q/{question.pk}/answer/", {"body": answer_text}, follow=True)
    login_page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "Your answer is kept: sign in and it will be back in the form, ready to post." in login_page
    assert Answer.objects.count() == 0

    client.force_login(other)  # the sign-in keeps the session's data, as allauth's does
    page = html_lib.unescape(client.get(question.get_absolute_url()).content.decode())
    assert answer_text in page and "Here is the answer you wrote before signing in." in page
    assert Answer.objects.count() == 0  # only put back, never posted on the member's behalf
    assert answer_text not in html_lib.unescape(client.get(question.get_absolute_url()).content.decode())  # once

    client.logout()
    data = {"title": "Camera offline after the router swap", "body": "New router since Monday & nothing works.",
            "tags": "wifi", "language": "en"}
    client.cookies[settings.SESSION_COOKIE_NAME] = "an-expired-session"
    response = client.post("/ja/community/ask/", data)
    assert response.status_code == 302 and response["Location"].startswith("/ja/accounts/login/")
    assert "next=/ja/community/ask/" in response["Location"]
    client.force_login(other)
    form = html_lib.unescape(client.get("/ja/community/ask/").content.decode())
    assert data["title"] in form and data["body"] in form and 'value="wifi"' in form
    assert '<option value="en" selected>' in form  # written in English on the Japanese site: still English
    assert Question.objects.filter(author=other).count() == 0

    client.logout()  # no session cookie at all (a script, not an expired session): nothing kept, no session row
    client.cookies.clear()
    from django.contrib.sessions.models import Session

    sessions = Session.objects.count()
    assert client.post(f"/community/q/{question.pk}/answer/", {"body": answer_text}).status_code == 302
    assert Session.objects.count() == sessions


def test_a_kept_answer_waits_while_the_form_is_not_there(client, question, other, moderator):
    """Signed in on a thread where the member may not answer (locked meanwhile): no "here it is" over a page
    without the form; the draft is still there once answering is possible again."""
    import html as html_lib

    from django.conf import settings

    client.cookies[settings.SESSION_COOKIE_NAME] = "an-expired-session"
    client.post(f"/community/q/{question.pk}/answer/", {"body": "Try a different USB-C cable."})
    services.lock_thread(moderator, question, reason="Heated")
    client.force_login(other)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Here is the answer you wrote" not in page and "Try a different USB-C cable." not in page
    services.unlock_thread(moderator, question, reason="Calmer now")
    page = html_lib.unescape(client.get(question.get_absolute_url()).content.decode())
    assert "Here is the answer you wrote" in page and "Try a different USB-C cable." in page


def test_kept_drafts_are_capped_and_expire(rf):
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    from portal import drafts

    request = rf.post("/")
    request.COOKIES["sessionid"] = "an-expired-session"
    request.session = SessionStore()
    assert not drafts.keep(request, "ask", {"body": "   "})  # nothing typed: nothing kept
    assert drafts.keep(request, "ask", {"body": "x" * 40_000, "title": "t" * 500, "evil": "y"})
    kept = drafts.peek(request, "ask")
    assert len(kept["body"]) == 30_000 and len(kept["title"]) == 300 and "evil" not in kept
    for pk in range(5):
        drafts.keep(request, f"answer:{pk}", {"body": f"answer {pk}"})
    assert len(request.session[drafts.SESSION_KEY]) == drafts.MAX_DRAFTS
    assert drafts.peek(request, "answer:4") == {"body": "answer 4"}
    request.session[drafts.SESSION_KEY]["answer:4"]["at"] -= drafts.KEEP_SECONDS + 1
    assert drafts.peek(request, "answer:4") is None
