import threading

import pytest
from django.db import connections
from django.urls import reverse

from knowledge.models import ArticleFeedback, ArticleHelpfulness
from knowledge.services import (
    ANONYMOUS_VOTES_PER_ADDRESS,
    KnowledgeError,
    Visitor,
    recompute_helpfulness,
    record_helpful_vote,
)


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


def test_bidi_overrides_are_taken_out_of_a_comment_editors_read(article, member):
    """"\u202eGNP.exe" would show editors "exe.PNG": the marks that reorder text go, as in every other field."""
    record_helpful_vote(article, Visitor(user_id=member.pk), helpful=False, comment="see\u202eGNP.exe \u2066x\u2069 \x85")
    assert ArticleFeedback.objects.get().comment == "seeGNP.exe x"


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
    # The vote keeps a keyed hash of the visitor's session key, never the key (a credential) itself.
    session_key = client.session.session_key
    stored = ArticleFeedback.objects.get(article=article).session_key
    assert session_key and session_key not in stored and len(stored) == 64


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


def test_a_nul_in_the_comment_comes_back_with_the_comment(client, article):
    response = client.post(reverse("helpful_vote", args=[article.pk]), {"helpful": "no", "comment": "The steps\x00 skip one"})
    assert response.status_code == 400  # the form's message, not the bare page that loses the comment
    html = response.content.decode()
    assert "Null characters are not allowed." in html and "skip one" in html
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
    for i in range(21):  # 21 different first-time visitors behind one address: none is rate-limited
        Client().post(url, {"helpful": "yes"}, HTTP_HX_REQUEST="true", HTTP_USER_AGENT=f"Browser {i}")
    assert Client().post(url, {"helpful": "yes"}, HTTP_HX_REQUEST="true").status_code == 200
    assert ArticleFeedback.objects.count() == 22
    assert counters(article) == (ANONYMOUS_VOTES_PER_ADDRESS, 0)  # but one address counts a few at most


# --- Stuffing: anonymous votes per client and address ---------------------------------------------------


def _cookieless_votes(article, n: int, *, ip: str = "203.0.113.9", agent: str = "Mozilla/5.0 Bot", helpful=True):
    from django.test import Client

    url = reverse("helpful_vote", args=[article.pk])
    value = "yes" if helpful else "no"
    return [
        Client().post(url, {"helpful": value}, REMOTE_ADDR=ip, HTTP_USER_AGENT=agent, HTTP_ACCEPT_LANGUAGE="en",
                      HTTP_HX_REQUEST="true").status_code
        for _ in range(n)
    ]


def test_cookieless_votes_from_one_client_count_once(article, one_ratelimit_window):
    statuses = _cookieless_votes(article, 59)
    assert statuses == [200] * 59  # each looks accepted (a new session each time)...
    assert ArticleFeedback.objects.count() == 59  # ...and is recorded...
    assert counters(article) == (1, 0)  # ...but one client counts once a day
    assert ArticleFeedback.objects.filter(counted=True).count() == 1
    assert recompute_helpfulness() == 0  # the rebuild agrees: uncounted votes stay out


def test_different_clients_count_separately_within_the_address_bound(article, one_ratelimit_window):
    for i in range(3):
        _cookieless_votes(article, 4, ip=f"198.51.100.{i}")  # three households
    _cookieless_votes(article, 2, agent="Another browser")  # a second person in the first household
    assert counters(article) == (4, 0)
    for i in range(ANONYMOUS_VOTES_PER_ADDRESS + 3):  # an office behind one address, many browsers
        _cookieless_votes(article, 1, ip="192.0.2.50", agent=f"Browser {i}")
    assert counters(article) == (4 + ANONYMOUS_VOTES_PER_ADDRESS, 0)


def test_no_raw_address_or_agent_is_stored(article):
    _cookieless_votes(article, 2)
    for row in ArticleFeedback.objects.values():
        text = " ".join(str(value) for value in row.values())
        assert "203.0.113.9" not in text and "Bot" not in text
        assert len(row["fingerprint"]) == 32 and len(row["network"]) == 32


def test_the_client_keys_change_per_article_and_day(article, topic):
    from datetime import UTC, datetime, timedelta

    import time_machine
    from django.utils import timezone

    from tests.factories import make_article

    other = make_article(topic, "Another article", slug="another")
    visitor = Visitor(session_key="s" * 32, ip="203.0.113.9", agent="UA|en")
    evening = datetime(2026, 12, 5, 20, 30, tzinfo=UTC)  # already 6 December in Japan
    with time_machine.travel(evening, tick=False):
        today = visitor.client_keys(article.pk)
        assert visitor.client_keys(other.pk) != today
        with timezone.override("Asia/Tokyo"):  # a reader of a Japanese page: still the same (UTC) day
            assert visitor.client_keys(article.pk) == today
    with time_machine.travel(evening + timedelta(days=1), tick=False):  # the next day
        assert visitor.client_keys(article.pk) != today
    assert Visitor(user_id=1).client_keys(article.pk) == ("", "")


def test_a_stuffed_no_vote_changing_its_mind_moves_nothing(article, one_ratelimit_window):
    from django.test import Client

    _cookieless_votes(article, 1)  # counted
    client = Client()
    url = reverse("helpful_vote", args=[article.pk])
    meta = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Mozilla/5.0 Bot", "HTTP_ACCEPT_LANGUAGE": "en"}
    client.post(url, {"helpful": "no"}, **meta)  # the same client again: recorded, not counted
    client.post(url, {"helpful": "yes"}, **meta)
    client.post(url, {"helpful": "no"}, **meta)
    assert counters(article) == (1, 0)
    assert recompute_helpfulness() == 0


def test_ranking_ignores_the_uncounted_votes(topic, one_ratelimit_window):
    from knowledge.services import popular_articles, trending_articles
    from tests.factories import make_article

    honest = make_article(topic, "Honest article", slug="honest")
    stuffed = make_article(topic, "Stuffed article", slug="stuffed")
    for i in range(3):
        _cookieless_votes(honest, 1, ip=f"198.51.100.{i}")
    _cookieless_votes(stuffed, 1, ip="198.51.100.77", helpful=False)  # one honest "No"
    _cookieless_votes(stuffed, 40)  # then one client, forty sessions, "Yes"
    trending = trending_articles(type(honest).objects.filter(pk__in=[honest.pk, stuffed.pk]))
    assert [page.pk for page in trending["most_helpful"]] == [honest.pk, stuffed.pk]
    popular = [page.pk for page in popular_articles(honest.locale) if page.pk in (honest.pk, stuffed.pk)]
    assert popular == [honest.pk, stuffed.pk]
    from knowledge.search_documents import article_fields

    assert article_fields(stuffed)["helpful_ratio"] == 0.5  # search's helpfulness lift: 1 yes, 1 no


def test_editors_can_filter_the_votes_held_out_of_the_totals(client, article, one_ratelimit_window):
    from allauth.mfa.totp.internal.auth import TOTP
    from django.test import Client

    from portal.roles import CONTENT_EDITORS
    from tests.factories import UserFactory

    url = reverse("helpful_vote", args=[article.pk])
    meta = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Bot"}
    Client().post(url, {"helpful": "no", "comment": "first, counted"}, **meta)
    Client().post(url, {"helpful": "no", "comment": "second, held out"}, **meta)
    editor = UserFactory(groups=[CONTENT_EDITORS])
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    client.force_login(editor)
    held_out = client.get("/admin/article-feedback/?counted=false").content.decode()
    assert "second, held out" in held_out and "first, counted" not in held_out


def test_the_migration_replaces_stored_session_keys_with_their_hash(article, member):
    import importlib

    from django.apps import apps

    from knowledge.services import session_ref

    migration = importlib.import_module("knowledge.migrations.0004_feedback_session_ref")
    raw = "k" * 32
    ArticleFeedback.objects.create(article=article, session_key=raw, helpful=True)
    ArticleFeedback.objects.create(article=article, user=member, helpful=False)
    migration.hash_session_keys(apps, None)
    assert set(ArticleFeedback.objects.values_list("session_key", flat=True)) == {session_ref(raw), ""}
