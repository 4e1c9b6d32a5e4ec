"""The stored rollups agree with a direct computation over the raw rows, for every day, topic and language;
refresh is idempotent and a backfilled day picks up rows written later. Run on SQLite and PostgreSQL."""

import random
from collections import Counter
from datetime import timedelta

import pytest

from community.models import Answer, Question
from community.rewards.models import ReputationEvent
from knowledge.models import ArticleFeedback
from moderation.cases.models import Case, Survey
from portal.insights import rollups
from portal.insights.models import InsightsDaily
from portal.insights.registry import Query
from search.models import SearchLog
from tests.factories import (
    AnswerFactory,
    ArticleFeedbackFactory,
    MemberFactory,
    QuestionFactory,
    ReputationEventFactory,
    SearchLogFactory,
    make_article,
    make_topic,
    translate,
)
from tests.insights.helpers import TODAY, at
from tests.moderation.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

DAYS = [TODAY - timedelta(days=offset) for offset in range(8, 0, -1)]


@pytest.fixture
def raw(site, topic):
    rng = random.Random(15)
    other = make_topic(site["en"], "Devices", "devices", tags=["hub"])
    topic_ja = translate(topic, site["locale_ja"])
    articles = [make_article(topic, "Refunds"), make_article(other, "Plans")]
    articles.append(translate(articles[0], site["locale_ja"], title="返金"))
    members = MemberFactory.create_batch(4)
    topics = [topic, other, topic_ja, None]
    for _n in range(40):
        day = rng.choice(DAYS)
        question = QuestionFactory(author=rng.choice(members), topic=rng.choice(topics), language=rng.choice(["en", "ja"]),
                                   created_at=at(day, rng.uniform(0, 20)))
        for _ in range(rng.randint(0, 2)):
            AnswerFactory(question=question, author=rng.choice(members), created_at=question.created_at + timedelta(hours=rng.uniform(1, 60)),
                          status=rng.choice(["published", "published", "hidden"]))
        if rng.random() < 0.4:
            case = CaseFactory(question=question, created_at=question.created_at + timedelta(hours=rng.uniform(1, 30)))
            if rng.random() < 0.7:
                answered = case.created_at + timedelta(hours=rng.uniform(1, 50))
                Survey.objects.create(case=case, customer=case.customer, created_at=answered, expires_at=answered,
                                      answered_at=answered, csat=rng.randint(1, 5), ces=rng.randint(1, 7),
                                      nps=rng.choice([None, *range(11)]))
        ReputationEventFactory(user=rng.choice(members), points=rng.randint(-2, 15), created_at=at(day, rng.uniform(0, 23)),
                               topic_id=rng.choice([topic.pk, other.pk, None]))
        SearchLogFactory(query=rng.choice(["refund", "返金", "plan"]), language=rng.choice(["en", "ja"]),
                         result_count=rng.choice([0, 2]), created_at=at(day, rng.uniform(0, 23)))
        ArticleFeedbackFactory(article=rng.choice(articles), helpful=rng.random() < 0.6, updated_at=at(day, rng.uniform(0, 23)))
    for day in DAYS:
        rollups.refresh(day)
    return {"topics": (topic.pk, topic_ja.pk), "other": other.pk}


def _day(moment):
    return moment.date()


def _matches(query, topic_id, language):
    return (not query.topic_ids or topic_id in query.topic_ids) and (not query.language or language == query.language)


def direct(key, query):
    """{day: value} computed from the raw rows in Python, without the providers' code."""
    found = Counter()
    if key == "community.questions_asked":
        for q in Question.objects.all():
            if _matches(query, q.topic_id, q.language):
                found[_day(q.created_at)] += 1
    elif key == "community.questions_answered":
        firsts = {}
        for a in Answer.objects.filter(status="published").select_related("question"):
            firsts[a.question] = min(firsts.get(a.question, a.created_at), a.created_at)
        for q, first in firsts.items():
            if _matches(query, q.topic_id, q.language):
                found[_day(first)] += 1
    elif key == "community.reputation_earned":
        for event in ReputationEvent.objects.all():
            if not query.topic_ids or event.topic_id in query.topic_ids:
                found[_day(event.created_at)] += event.points
    elif key == "moderation.cases_opened":
        for case in Case.objects.all():
            if _matches(query, case.topic_id, case.language):
                found[_day(case.created_at)] += 1
    elif key in ("moderation.csat_sum", "moderation.nps_promoters"):
        for survey in Survey.objects.select_related("case"):
            if _matches(query, survey.case.topic_id, survey.case.language):
                if key == "moderation.csat_sum":
                    found[_day(survey.answered_at)] += survey.csat
                elif survey.nps is not None and survey.nps >= 9:
                    found[_day(survey.answered_at)] += 1
    elif key in ("search.searches", "search.zero_result_searches"):
        for log in SearchLog.objects.all():
            if (not query.language or log.language == query.language) and (key == "search.searches" or not log.result_count):
                found[_day(log.created_at)] += 1
    elif key in ("knowledge.helpful_votes", "knowledge.helpful_yes"):
        for vote in ArticleFeedback.objects.filter(counted=True).select_related("article__locale"):
            parent = vote.article.get_parent().pk
            if _matches(query, parent, vote.article.locale.language_code) and (key == "knowledge.helpful_votes" or vote.helpful):
                found[_day(vote.updated_at)] += 1
    return {day: found.get(day, 0) for day in query.days}


KEYS = ("community.questions_asked", "community.questions_answered", "community.reputation_earned",
        "moderation.cases_opened", "moderation.csat_sum", "moderation.nps_promoters", "search.searches",
        "search.zero_result_searches", "knowledge.helpful_votes", "knowledge.helpful_yes")


def test_rollups_agree_with_the_raw_rows(raw):
    queries = [Query(DAYS[0], DAYS[-1]), Query(DAYS[0], DAYS[-1], language="ja"),
               Query(DAYS[0], DAYS[-1], topic_ids=raw["topics"]), Query(DAYS[2], DAYS[5], raw["topics"], "en"),
               Query(DAYS[0], DAYS[-1], topic_ids=(raw["other"],), language="en")]
    checked = 0
    for key in KEYS:
        for query in queries:
            if key.startswith("search.") and query.topic_ids:
                continue  # no topic in the search log
            if key == "community.reputation_earned" and query.language:
                continue  # no language in the reputation ledger
            expected = direct(key, query)
            assert rollups.rollup_daily(key, query) == pytest.approx(expected), (key, query)
            assert rollups.rollup_total(key, query)[0] == pytest.approx(sum(expected.values())), (key, query)
            checked += sum(1 for value in expected.values() if value)
    assert checked > 50  # the generated data is not empty


def test_refresh_is_idempotent_and_backfills(raw):
    stored = sorted(InsightsDaily.objects.values_list("key", "day", "topic_id", "language", "value", "weight"))
    for day in DAYS:
        rollups.refresh(day)
    assert sorted(InsightsDaily.objects.values_list("key", "day", "topic_id", "language", "value", "weight")) == stored
    query = Query(DAYS[0], DAYS[-1])
    before = rollups.rollup_daily("community.questions_asked", query)[DAYS[3]]
    QuestionFactory(created_at=at(DAYS[3], 12))  # a row written after the day was rolled up
    assert rollups.rollup_daily("community.questions_asked", query)[DAYS[3]] == before
    rollups.refresh(DAYS[3])
    assert rollups.rollup_daily("community.questions_asked", query)[DAYS[3]] == before + 1
    assert rollups.rollup_daily("community.questions_asked", query) == direct("community.questions_asked", query)
