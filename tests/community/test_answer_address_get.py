"""/community/q/<id>/answer/ is where a failed answer leaves the browser. Reloading it, bookmarking it or
switching language there must not be a dead end: GET goes to the question's answer form."""

from __future__ import annotations

import re

import pytest

from community import services
from tests.community.conftest import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ANCHOR = "#your-answer-heading"


@pytest.mark.parametrize("prefix", ["", "/ja"])
def test_get_goes_to_the_answer_form_of_the_question(client, question, other, prefix, django_assert_max_num_queries):
    client.force_login(other)
    page = question.get_absolute_url()
    with django_assert_max_num_queries(2):  # the user, the question
        response = client.get(f"{prefix}/community/q/{question.pk}/answer/")
    assert response.status_code == 302
    assert response["Location"] == f"{prefix}{page}{ANCHOR}"
    page = client.get(response["Location"].split("#")[0])
    assert page.status_code == 200 and 'id="your-answer-heading"' in page.content.decode()


def test_get_works_signed_out_too(client, question):
    response = client.get(f"/community/q/{question.pk}/answer/")
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url() + ANCHOR


def test_get_on_a_question_the_visitor_cannot_see_is_a_404(client, question, other):
    services.delete_post(question.author, question)
    client.force_login(other)
    assert client.get(f"/community/q/{question.pk}/answer/").status_code == 404
    assert client.get("/community/q/999999/answer/").status_code == 404


def test_the_language_switcher_on_a_failed_answer_leads_somewhere_valid(
    client, question, other, django_assert_max_num_queries
):
    client.force_login(other)
    with django_assert_max_num_queries(13):  # the question page with the errors, as the page itself
        response = client.post(f"/community/q/{question.pk}/answer/", {"body": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    switcher = re.search(r'<nav class="lang-switch".*?</nav>', html, re.S).group(0)
    href = re.search(r'<a href="([^"]+)" hreflang="ja"', switcher).group(1)
    assert href.startswith("/ja/")
    followed = client.get(href, follow=True)
    assert followed.status_code == 200
    assert followed.redirect_chain and followed.redirect_chain[-1][0].endswith(ANCHOR)
    assert '<html lang="ja"' in followed.content.decode()


def test_post_still_answers(client, question, other):
    client.force_login(other)
    response = client.post(f"/community/q/{question.pk}/answer/", {"body": "Hold the reset button."})
    assert response.status_code == 302 and "#answer-" in response["Location"]


@pytest.fixture
def question(asker):
    return ask(asker, tags="")


@pytest.fixture
def other(db):
    return UserFactory(username="helper")
