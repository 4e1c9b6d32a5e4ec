import threading

import pytest
from django.db import connections
from django.urls import reverse

from knowledge.models import ArticleFeedback, ArticleHelpfulness
from knowledge.services import KnowledgeError, Visitor, recompute_helpfulness, record_helpful_vote


def counters(article):
    row = ArticleHelpfulness.objects.get(article=article)
    return row.yes, row.no


def test_first_vote_counts_once(article, member):
    record_helpful_vote(article, Visitor(user_id=member.pk), helpful=True)
    record_helpful_vote(article, Visitor(user_id=member.pk), helpful=True)
    assert counters(article) == (1, 0)
    assert ArticleFeedback.objects.count() == 1


def test_change_of_mind_moves_the_vote(article, member):
    record_helpful_vote(article, Visitor(user_id=member.pk), helpful=True)
    record_helpful_vote(article, Visitor(user_id=member.pk), helpful=False, comment="Missing the price")
    assert counters(article) == (0, 1)
    feedback = ArticleFeedback.objects.get()
    assert feedback.helpful is False and feedback.comment == "Missing the price"
    record_helpful_vote(article, Visitor(user_id=member.pk), helpful=True)
    assert counters(article) == (1, 0)
    assert ArticleFeedback.objects.get().comment == ""


def test_anonymous_sessions_are_separate_visitors(article, member):
    record_helpful_vote(article, Visitor(session_key="a" * 32), helpful=True)
    record_helpful_vote(article, Visitor(session_key="b" * 32), helpful=False)
    record_helpful_vote(article, Visitor(session_key="a" * 32), helpful=True)
    record_helpful_vote(article, Visitor(user_id=member.pk), helpful=True)
    assert counters(article) == (2, 1)
    assert recompute_helpfulness() == 0


def test_comment_whitespace_and_control_characters_are_collapsed(article, member):
    record_helpful_vote(article, Visitor(user_id=member.pk), helpful=False, comment="  too\x00 \n long\t ")
    assert ArticleFeedback.objects.get().comment == "too long"


def test_too_long_comment_is_refused_and_nothing_stored(article, member):
    with pytest.raises(KnowledgeError):
        record_helpful_vote(article, Visitor(user_id=member.pk), helpful=False, comment="x" * 1001)
    assert not ArticleFeedback.objects.exists()
    assert not ArticleHelpfulness.objects.filter(yes__gt=0).exists()


def test_unpublished_article_cannot_be_rated(article, member):
    article.unpublish()
    article.refresh_from_db()
    with pytest.raises(KnowledgeError):
        record_helpful_vote(article, Visitor(user_id=member.pk), helpful=True)


def test_visitor_without_identity_is_refused(article):
    with pytest.raises(KnowledgeError):
        record_helpful_vote(article, Visitor(), helpful=True)


def test_recompute_repairs_drifted_counters(article, member):
    record_helpful_vote(article, Visitor(user_id=member.pk), helpful=False)
    ArticleHelpfulness.objects.filter(article=article).update(yes=7, no=0)
    assert recompute_helpfulness() == 1
    assert counters(article) == (0, 1)


# --- HTTP -------------------------------------------------------------------------------------------


def test_anonymous_vote_without_javascript_redirects_with_a_message(client, article):
    url = reverse("helpful_vote", args=[article.pk])
    response = client.post(url, {"helpful": "no", "comment": "Where is the form?"}, follow=True)
    assert response.redirect_chain[-1][0].endswith(article.url + "#helpful")
    assert "your feedback helps us improve" in response.content.decode()
    assert "You told us this did not help" in response.content.decode()  # the widget shows their vote
    assert counters(article) == (0, 1)
    assert "You told us this did not help" in client.get(article.url).content.decode()  # and keeps showing it
    client.post(url, {"helpful": "yes"})
    assert counters(article) == (1, 0)  # the same session changed its mind: never double-counted


def test_htmx_vote_returns_the_fragment(client, article, member):
    client.force_login(member)
    response = client.post(reverse("helpful_vote", args=[article.pk]), {"helpful": "yes"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="helpful"' in body and "You found this helpful" in body and "<html" not in body


def test_bad_input_gets_a_clear_message_and_keeps_the_comment(client, article):
    response = client.post(reverse("helpful_vote", args=[article.pk]), {"helpful": "maybe", "comment": "keep me"})
    assert response.status_code == 400
    assert "keep me" in response.content.decode()
    assert not ArticleFeedback.objects.exists()


def test_vote_requires_post_and_csrf(article):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = reverse("helpful_vote", args=[article.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"helpful": "yes"}).status_code == 403
    assert not ArticleFeedback.objects.exists()


def test_votes_are_rate_limited(client, article):
    url = reverse("helpful_vote", args=[article.pk])
    statuses = [client.post(url, {"helpful": "yes"}, HTTP_HX_REQUEST="true").status_code for _ in range(22)]
    assert statuses[:20] == [200] * 20
    assert statuses[-1] == 429
    response = client.post(url, {"helpful": "yes"}, HTTP_HX_REQUEST="true")
    assert "try again in" in response.content.decode()


def test_unknown_or_unpublished_article_is_404(client, article):
    article.unpublish()
    assert client.post(reverse("helpful_vote", args=[article.pk]), {"helpful": "yes"}).status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_votes_stay_exact(postgres_only, topic):
    from tests.factories import UserFactory, make_article

    article = make_article(topic, "Concurrent", slug="concurrent")
    users = [UserFactory() for _ in range(8)]
    barrier = threading.Barrier(len(users) * 2)
    errors = []

    def vote(user, helpful):
        try:
            barrier.wait()
            record_helpful_vote(article, Visitor(user_id=user.pk), helpful=helpful)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(u, True)) for u in users]
    threads += [threading.Thread(target=vote, args=(u, i % 2 == 0)) for i, u in enumerate(users)]  # double submits
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    yes, no = counters(article)
    assert yes + no == len(users) == ArticleFeedback.objects.count()
    assert recompute_helpfulness() == 0


def test_rate_limit_is_per_visitor_not_shared_by_new_visitors(article):
    from django.test import Client

    url = reverse("helpful_vote", args=[article.pk])
    for _ in range(21):
        Client().post(url, {"helpful": "yes"}, HTTP_HX_REQUEST="true")  # 21 different first-time visitors
    assert Client().post(url, {"helpful": "yes"}, HTTP_HX_REQUEST="true").status_code == 200
    assert counters(article) == (22, 0)
