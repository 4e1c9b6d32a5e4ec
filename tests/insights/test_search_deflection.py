"""Search deflection (b) and accepted-solution views, from `portal.PageView` (built by the "inscore" branch:
this module runs once both branches are merged)."""

from datetime import timedelta

import pytest
from django.apps import apps

from community.models import Question
from portal.insights import registry
from portal.insights.registry import Query
from tests.factories import AnswerFactory, QuestionFactory
from tests.insights.helpers import D1, D2, EMPTY, at, refresh, values

pytestmark = pytest.mark.django_db


def view(day, hour, visitor, kind, path, object_id=None, language="en", topic_id=0):
    return apps.get_model("portal", "PageView").objects.create(
        day=day, path=path, kind=kind, object_id=object_id, language=language, topic_id=topic_id, visitor=visitor,
        created_at=at(day, hour),
    )


@pytest.fixture
def visits(article, topic):
    solved = QuestionFactory(topic=topic, created_at=at(D1, -48))
    Question.objects.filter(pk=solved.pk).update(accepted_answer=AnswerFactory(question=solved, created_at=at(D1, -47)))
    open_question = QuestionFactory(created_at=at(D1, -48))
    q = f"/community/q/{solved.pk}/x/"
    # v1: searched, read an article: deflected
    view(D1, 1, "v1", "search", "/search/?q=refund")
    view(D1, 1.1, "v1", "article", article.url_path, article.pk, topic_id=topic.pk)
    # v2: searched, read a solved question, then opened the ask form: not deflected
    view(D1, 2, "v2", "search", "/search/?q=refund")
    view(D1, 2.1, "v2", "question", q, solved.pk, topic_id=topic.pk)
    view(D1, 2.2, "v2", "other", "/community/ask/")
    # v3 (Japanese): searched, read an unsolved question only: not deflected
    view(D1, 3, "v3", "search", "/ja/search/?q=返金", language="ja")
    view(D1, 3.1, "v3", "question", f"/ja/community/q/{open_question.pk}/x/", open_question.pk, language="ja")
    # v4: read the article before searching, nothing after: not deflected
    view(D1, 4, "v4", "article", article.url_path, article.pk, topic_id=topic.pk)
    view(D1, 4.1, "v4", "search", "/search/?q=plan")
    # v5 (Japanese, D2): searched, read a solved question, then looked at a support case: not deflected
    view(D2, 5, "v5", "search", "/ja/search/?q=返金", language="ja")
    view(D2, 5.1, "v5", "question", "/ja" + q, solved.pk, language="ja", topic_id=topic.pk)
    view(D2, 5.2, "v5", "other", "/ja/support/cases/", language="ja")
    # v6 (Japanese, D2): searched, read a solved question: deflected
    view(D2, 6, "v6", "search", "/ja/search/?q=返金", language="ja")
    view(D2, 6.1, "v6", "question", "/ja" + q, solved.pk, language="ja", topic_id=topic.pk)
    # a question view without a search: counts only as an accepted-solution view
    view(D2, 7, "v7", "question", q, solved.pk, topic_id=topic.pk)
    refresh()
    return {"topic": topic}


def test_the_metrics_are_registered_when_page_views_exist():
    keys = {metric.key for metric in registry.metrics("deflection")}
    assert {"community.search_sessions", "community.search_deflected", "community.search_deflection_rate"} <= keys
    assert "community.accepted_solution_views" in {metric.key for metric in registry.metrics("community")}


def test_search_deflection(visits):
    assert values("community.search_sessions") == ({D1: 4, D2: 2}, 6)
    assert values("community.search_deflected") == ({D1: 1, D2: 1}, 2)
    daily, total = values("community.search_deflection_rate")
    assert daily == {D1: 25, D2: 50} and total == pytest.approx(100 / 3)
    assert values("community.search_deflected", Query(D1, D2, language="ja")) == ({D1: 0, D2: 1}, 1)
    assert values("community.search_sessions", EMPTY)[1] == 0
    assert values("community.search_deflection_rate", EMPTY)[1] is None


def test_search_deflections_count_in_the_combined_rate(visits):
    # no ask sessions and no cases: every deflection is one; the rate is 100 % on days with any
    daily, total = values("moderation.deflection_rate")
    assert daily == {D1: 100, D2: 100} and total == 100
    assert values("moderation.cases_saved")[1] == 0  # no case opened: nothing to estimate from


def test_accepted_solution_views(visits):
    # v2, v5, v6, v7 opened the solved question; v3's question is not solved
    assert values("community.accepted_solution_views") == ({D1: 1, D2: 3}, 4)
    assert values("community.accepted_solution_views", Query(D1, D2, language="ja")) == ({D1: 0, D2: 2}, 2)
    assert values("community.accepted_solution_views", Query(D1, D2, topic_ids=(visits["topic"].pk,)))[1] == 4
    assert values("community.accepted_solution_views", Query(D1 - timedelta(days=30), D1 - timedelta(days=29)))[1] == 0
