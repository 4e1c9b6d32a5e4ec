import re

from django.test import Client

from knowledge.models import ArticleFeedback
from tests.factories import make_article


def test_anonymous_pages_are_cached_and_publishing_invalidates(client, article):
    first = client.get(article.url)
    second = client.get(article.url)
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    revision = article.get_latest_revision_as_object()
    revision.title = "Request a refund (updated)"
    revision.save_revision().publish()
    fresh = client.get(article.url)
    assert fresh["X-Page-Cache"] == "miss"
    assert "Request a refund (updated)" in fresh.content.decode()


def test_unpublish_and_new_pages_show_at_once(client, topic, article):
    assert "Request a refund" in client.get(topic.url).content.decode()
    client.get(topic.url)
    make_article(topic, "Brand new article", tags=["refund"])
    assert "Brand new article" in client.get(topic.url).content.decode()
    article.unpublish()
    assert client.get(article.url).status_code == 404
    assert "Request a refund" not in client.get(topic.url).content.decode()


def test_signed_in_members_are_never_served_from_the_cache(client, article, member):
    client.get(article.url)
    client.force_login(member)
    response = client.get(article.url)
    assert "X-Page-Cache" not in response
    assert "My profile" in response.content.decode()


def test_cached_page_carries_each_visitors_own_csrf_token(article):
    warm = Client(enforce_csrf_checks=True)
    warm.get(article.url)
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(article.url)
    assert response["X-Page-Cache"] == "hit"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)
    assert "placeholder" not in token
    posted = visitor.post(f"/articles/{article.pk}/helpful/", {"helpful": "yes", "csrfmiddlewaretoken": token})
    assert posted.status_code == 302
    assert ArticleFeedback.objects.count() == 1


def test_pages_with_messages_or_odd_queries_are_not_cached(client, article):
    client.get(article.url)
    assert "X-Page-Cache" not in client.get(article.url + "?utm_source=x")
    client.post(f"/articles/{article.pk}/helpful/", {"helpful": "yes"})
    response = client.get(article.url)
    assert "Thanks for your feedback" in response.content.decode()
    assert response.get("X-Page-Cache") != "hit"
