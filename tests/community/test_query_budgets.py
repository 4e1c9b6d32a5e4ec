"""Query budgets measured on cache misses: what a page costs when nothing of it is cached.

Every measured request starts from an empty cache (`cache.clear()`: the page cache, the member's view
state, related questions, sessions, Wagtail's site paths), after one warm-up request elsewhere for the
per-process caches (content types, URL resolvers). A page that shows more answers, comments, votes or
questions must cost exactly as many queries as a page that shows none: the counts are compared, and each
is held under a budget.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import view_counts
from community.standing import privilege_thresholds
from tests.factories import (
    AnswerFactory,
    MemberFactory,
    QuestionFactory,
    VoteFactory,
    make_article,
    with_two_factor,
)

pytestmark = pytest.mark.django_db

# member: + the restriction query (sanctions: asked on every request, never cached across requests);
# moderator: + that and the page's open review items (one query)
# member: + their profile (reputation: which vote buttons and comment forms their privileges allow)
QUESTION_PAGE_BUDGET = {"anonymous": 7, "member": 16, "moderator": 17}
LIST_BUDGET = {
    "/community/": {"anonymous": 3, "member": 7},
    "/community/tags/hub/": {"anonymous": 9, "member": 13},  # + the tag, its articles, the topics
}
ANSWER = re.compile(r'id="answer-\d+"')


def cold_get(client, url: str, budget=None) -> tuple[list[str], str]:
    """GET `url` with an empty cache; the SQL it ran and the HTML. `budget`: a `django_assert_max_num_queries(n)`
    to hold the request to. (Views counted so far are written first, so that the view counter's timed flush,
    every 30 s, never falls into the measured request.)"""
    view_counts.flush()
    cache.clear()
    privilege_thresholds()  # shared by every request for the cache period, not part of a page miss
    with budget or CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    assert response.get("X-Page-Cache") != "hit", url
    return [query["sql"] for query in captured.captured_queries], response.content.decode()


def same_count(small: list[str], big: list[str]) -> None:
    assert len(big) == len(small), "queries that only the bigger page ran:\n" + "\n".join(
        sql for sql in big if sql not in small
    )


def sign_in(client, who: str):
    if who == "anonymous":
        return None
    user = MemberFactory(groups=["Moderators"] if who == "moderator" else [])
    if who == "moderator":
        with_two_factor(user)
    client.force_login(user)
    return user


@pytest.fixture
def questions(topic):
    """Two questions of the same shape (topic, tag): one nobody answered, one with 50 answers and 200 comments."""
    quiet = QuestionFactory(title="Hub pairing code is rejected", topic=topic, tags=["hub"])
    busy = QuestionFactory.create_thread(answers=50, comments=200, title="Hub light blinks red", topic=topic, tags=["hub"])
    QuestionFactory(title="Another hub question for the related list", topic=topic, tags=["hub"])
    return quiet, busy


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_question_page_miss_costs_the_same_with_0_or_50_answers_and_200_comments(
    client, questions, who, django_assert_max_num_queries
):
    quiet, busy = questions
    user = sign_in(client, who)
    if user is not None:  # a member who voted on the question and on twenty answers
        VoteFactory(voter=user, question=busy, answer=None)
        for answer in busy.answers.order_by("pk")[:20]:
            VoteFactory(voter=user, answer=answer)
    client.get(QuestionFactory(title="Warm-up").get_absolute_url())

    small, quiet_html = cold_get(client, quiet.get_absolute_url())
    big, html = cold_get(client, busy.get_absolute_url(), django_assert_max_num_queries(QUESTION_PAGE_BUDGET[who]))

    assert not ANSWER.search(quiet_html)
    assert len(ANSWER.findall(html)) == 50 and html.count('class="comment"') == 200
    if user is not None:
        assert html.count('aria-pressed="true"') == 21
    same_count(small, big)


def test_question_page_miss_after_a_new_answer_stays_in_budget(client, questions, django_assert_max_num_queries):
    """A write (here a factory's new answer, then the cache emptied as a write's version change would) never
    makes the next view pay per answer."""
    _quiet, busy = questions
    client.get(busy.get_absolute_url())
    AnswerFactory(question=busy)
    assert busy.answer_count == 51
    _sql, html = cold_get(client, busy.get_absolute_url(), django_assert_max_num_queries(QUESTION_PAGE_BUDGET["anonymous"]))
    assert len(ANSWER.findall(html)) == 51


def _many_questions(topic, count: int) -> None:
    for i in range(count):
        question = QuestionFactory(title=f"Hub question {i}", topic=topic, tags=["hub", f"model-{i % 4}"])
        if i % 3 == 0:
            AnswerFactory(question=question)


@pytest.mark.parametrize("who", ["anonymous", "member"])
@pytest.mark.parametrize("path", ["/community/", "/community/tags/hub/"])
def test_list_miss_costs_the_same_with_1_or_30_questions(client, topic, who, path, django_assert_max_num_queries):
    sign_in(client, who)
    make_article(topic, "Pair a new hub", tags=["hub"])
    _many_questions(topic, 1)
    client.get("/community/?status=unanswered")  # warm-up

    small, html = cold_get(client, path)
    assert html.count('class="question-row"') == 1
    _many_questions(topic, 29)
    make_article(topic, "Reset a hub", tags=["hub"])
    big, html = cold_get(client, path, django_assert_max_num_queries(LIST_BUDGET[path][who]))
    assert html.count('class="question-row"') == 30
    same_count(small, big)
