"""Elasticsearch configured: pages and writes go through it; when it is down the page still answers (from
the database, with a note), writes wait in the retry queue, and `search_retry` drains them on return."""

import socket

import pytest
from django.core.management import call_command
from django.urls import reverse

from community import services
from search.backends import get_backend
from search.backends.base import SearchQuery
from search.models import IndexRetry
from tests.factories import UserFactory
from tests.search.es_fixtures import es_backend, es_settings, osmem_url

__all__ = ["es_backend", "es_settings", "osmem_url"]  # fixtures, imported for pytest
pytestmark = pytest.mark.django_db


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def member(db):
    return UserFactory(username="asker")


def ask(member, title):
    return services.ask_question(member, title=title, body="It drops every evening around eight.")


def test_writes_reach_the_engine_after_commit(es_settings, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        question = ask(member, "Thermostat loses Wi-Fi every evening")
    es_settings.refresh()
    results = get_backend().search(SearchQuery(text="thermostat"))
    assert results.backend == "elasticsearch" and not results.degraded
    assert [hit.object_id for hit in results.hits] == [question.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(member, question)
    es_settings.refresh()
    assert get_backend().search(SearchQuery(text="thermostat")).hits == []


def test_outage_page_answers_from_database_and_writes_are_queued_then_drained(
    es_settings, member, settings, client, django_capture_on_commit_callbacks
):
    alive_url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = closed_port()  # the cluster goes away mid-test
    with django_capture_on_commit_callbacks(execute=True):
        question = ask(member, "Doorbell chime stays silent at night")
    assert IndexRetry.objects.filter(key=f"question:{question.pk}", action="index").exists()
    response = client.get(reverse("search"), {"q": "doorbell"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "results may be less precise" in page and "<mark>Doorbell</mark> chime stays silent" in page
    assert client.get(reverse("search_suggest"), {"q": "doorbell"}).status_code == 200

    settings.ELASTICSEARCH_URL = alive_url  # it comes back
    call_command("search_retry")
    assert not IndexRetry.objects.exists()
    es_settings.refresh()
    results = get_backend().search(SearchQuery(text="doorbell"))
    assert not results.degraded and [hit.object_id for hit in results.hits] == [question.pk]


def test_healthz_reports_the_engine_and_backlog(settings, client):
    settings.ELASTICSEARCH_URL = closed_port()
    IndexRetry.objects.create(key="question:1", action="index")
    body = client.get("/healthz").json()
    assert body["search"] == {"backend": "elasticsearch", "status": "degraded", "retry_backlog": 1}
