"""Content and search metrics: article helpfulness, most "No" answers, stale articles, answers turned into
articles, search volume, zero-result searches and top terms."""

from datetime import timedelta

import pytest
from django.test import override_settings

from community.rewards.models import LiftedAnswer
from knowledge.models import ArticlePage
from portal.insights.registry import Query
from tests.factories import (
    ArticleFeedbackFactory,
    MemberFactory,
    QuestionFactory,
    SearchLogFactory,
    make_article,
    make_topic,
    translate,
)
from tests.insights.helpers import D1, D2, EMPTY, RANGE, TODAY, at, refresh, table, values

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(site, topic, article):
    devices = make_topic(site["en"], "Devices", "devices", tags=["hub"])
    plan = make_article(devices, "Change your plan")
    topic_ja = translate(topic, site["locale_ja"])
    article_ja = translate(article, site["locale_ja"], title="返金の申請")
    for helpful, comment, day in ((True, "", D1), (True, "", D1), (False, "Too short", D1), (False, "Outdated", D2)):
        ArticleFeedbackFactory(article=article, helpful=helpful, comment=comment, updated_at=at(day, 3))
    ArticleFeedbackFactory(article=plan, helpful=False, updated_at=at(D1, 4))
    ArticleFeedbackFactory(article=plan, helpful=False, updated_at=at(D1, 4), counted=False)  # not counted
    ArticleFeedbackFactory(article=article_ja, helpful=True, updated_at=at(D2, 5))
    ArticleFeedbackFactory(article=article_ja, helpful=False, comment="わかりにくい", updated_at=at(D2, 6))
    refresh()
    return {"article": article, "plan": plan, "article_ja": article_ja, "topics": (topic.pk, topic_ja.pk)}


def test_article_helpfulness(articles):
    daily, total = values("knowledge.helpfulness")
    assert daily == {D1: 50, D2: pytest.approx(100 / 3)} and total == pytest.approx(300 / 7)
    assert values("knowledge.helpfulness", Query(D1, D2, language="ja")) == ({D1: None, D2: 50}, 50)
    assert values("knowledge.helpfulness", Query(D1, D2, topic_ids=articles["topics"]))[1] == 50
    assert values("knowledge.helpfulness", EMPTY)[1] is None


def test_articles_with_the_most_no_answers(articles):
    assert table("knowledge.most_no").rows(RANGE, None) == [
        ("Request a refund", 2, 2, "Outdated | Too short"), ("Change your plan", 1, 0, ""), ("返金の申請", 1, 1, "わかりにくい"),
    ]
    assert table("knowledge.most_no").rows(RANGE, 1) == [("Request a refund", 2, 2, "Outdated | Too short")]
    assert table("knowledge.most_no").rows(Query(D1, D2, language="ja"), None) == [("返金の申請", 1, 1, "わかりにくい")]
    assert [row[0] for row in table("knowledge.most_no").rows(Query(D1, D2, topic_ids=articles["topics"]), None)] == [
        "Request a refund", "返金の申請",
    ]
    assert table("knowledge.most_no").rows(EMPTY, None) == []


def test_stale_articles(articles, topic):
    draft = make_article(topic, "Old draft", live=False)
    for page, days in ((articles["article"], 400), (articles["plan"], 100), (articles["article_ja"], 500), (draft, 900)):
        ArticlePage.objects.filter(pk=page.pk).update(last_reviewed=TODAY - timedelta(days=days))
    assert table("knowledge.stale_articles").rows(RANGE, None) == [
        ("返金の申請", "ja", TODAY - timedelta(days=500), 16), ("Request a refund", "en", TODAY - timedelta(days=400), 13),
    ]
    with override_settings(PORTAL_INSIGHTS_STALE_MONTHS=3):
        assert [row[0] for row in table("knowledge.stale_articles").rows(Query(D1, D2, language="en"), None)] == [
            "Request a refund", "Change your plan",
        ]


def test_answers_turned_into_articles(articles):
    carol = MemberFactory(username="carol")
    question = QuestionFactory(created_at=at(D1))
    LiftedAnswer.objects.create(answer_id=1, question_id=question.pk, author=carol, article=articles["article"],
                                created_at=at(D1, 2), published_at=at(D2, 3))
    LiftedAnswer.objects.create(answer_id=2, question_id=question.pk, author=carol, created_at=at(D1, -30))  # before
    assert table("community.lifted_answers").rows(RANGE, None) == [(question.pk, "Request a refund", "carol", D1, D2)]
    assert table("community.lifted_answers").rows(Query(D1, D2, language="ja"), None) == []


@pytest.fixture
def searches(db):
    SearchLogFactory(query="Refund", created_at=at(D1, 1), clicked_key="article:1", clicked_position=1)
    SearchLogFactory(query="refund", created_at=at(D1, 2))
    SearchLogFactory(query="refund", created_at=at(D1, 3), result_count=0)
    SearchLogFactory(query="返金", language="ja", created_at=at(D2, 1), result_count=0)
    SearchLogFactory(query="invoice", created_at=at(D2, 2), result_count=0)
    SearchLogFactory(query="invoice", created_at=at(D2, 3), result_count=0)
    SearchLogFactory(query="invoice", created_at=at(D2 + timedelta(days=1), 3), result_count=0)  # after the range
    refresh()


def test_search_volume_and_zero_results(searches):
    assert values("search.searches") == ({D1: 3, D2: 3}, 6)
    assert values("search.zero_result_searches") == ({D1: 1, D2: 3}, 4)
    daily, total = values("search.zero_result_rate")
    assert daily == {D1: pytest.approx(100 / 3), D2: 100} and total == pytest.approx(400 / 6)
    assert values("search.searches", Query(D1, D2, language="ja", topic_ids=(99,))) == ({D1: 0, D2: 1}, 1)
    assert values("search.zero_result_rate", EMPTY)[1] is None


def test_search_term_tables(searches):
    assert table("search.top_terms").rows(RANGE, None) == [
        ("refund", "en", 3, 1, 33.3), ("invoice", "en", 2, 0, 100.0), ("返金", "ja", 1, 0, 100.0),
    ]
    assert table("search.zero_result_terms").rows(RANGE, 2) == [("invoice", "en", 2, D2), ("refund", "en", 1, D1)]
    assert table("search.zero_result_terms").rows(Query(D1, D2, language="ja"), None) == [("返金", "ja", 1, D2)]
    assert table("search.top_terms").rows(EMPTY, None) == []
