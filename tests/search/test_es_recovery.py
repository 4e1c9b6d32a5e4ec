"""The cluster comes back without the index (restarted empty): search_retry rebuilds it and drains the queue;
search_status and /healthz say what is wrong (issue 9, item 27). Runs against osmem-server."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from search.backends.base import BackendUnavailable, SearchQuery
from search.models import IndexRetry
from tests.search.es_fixtures import es_backend, es_settings, osmem_url, refresh
from tests.search.test_elasticsearch import index_all, keys, make_doc

__all__ = ["es_backend", "es_settings", "osmem_url"]  # fixtures, imported for pytest

pytestmark = pytest.mark.django_db


def lose_the_index(backend) -> None:
    """What a restart of an in-memory cluster does: every index (and so the alias) is gone."""
    for name in backend.managed_indexes():
        backend.delete_index(name)
    assert backend.alias_indexes() == []


@pytest.fixture
def emptied(es_settings):
    backend = es_settings
    kept = make_doc("Doorbell chime stays silent", "indexed before the restart")
    gone = make_doc("Deleted while down", "x")
    index_all(backend, kept, gone)
    lose_the_index(backend)
    with pytest.raises(BackendUnavailable, match="index_not_found"):
        backend.index(kept)  # writes fail while the index is missing
    queued = make_doc("Camera stops recording at night", "written while the index was missing")
    IndexRetry.objects.create(key=queued.key, action="index", attempts=3, last_error="index_not_found_exception")
    gone_key = gone.key
    gone.delete()
    IndexRetry.objects.create(key=gone_key, action="delete", attempts=1, last_error="index_not_found_exception")
    return backend, kept, queued


def test_search_retry_rebuilds_a_missing_index_then_drains_the_queue(emptied, caplog):
    backend, kept, queued = emptied
    out = StringIO()
    with caplog.at_level(logging.WARNING, logger="search"):
        call_command("search_retry", stdout=out)
    output = out.getvalue()
    assert f"The index alias {backend.alias} is missing" in output
    assert f"Rebuilt {backend.alias} -> " in output
    assert any("missing" in record.getMessage() for record in caplog.records)
    assert not IndexRetry.objects.exists()
    refresh(backend)
    assert len(backend.alias_indexes()) == 1
    assert backend.count() == 2  # the kept and the queued documents; the deleted one is not back
    assert keys(backend.search(SearchQuery("camera recording"))) == [queued.key]
    assert keys(backend.search(SearchQuery("doorbell chime"))) == [kept.key]
    backend.index(make_doc("Hub light blinks red", "x"))  # writes work again
    out = StringIO()
    call_command("search_retry", stdout=out)
    assert "No pending retries" in out.getvalue()


def test_search_retry_no_rebuild_reports_and_keeps_the_queue(emptied):
    with pytest.raises(CommandError, match="index alias .* is missing"):
        call_command("search_retry", "--no-rebuild", stdout=StringIO())
    assert IndexRetry.objects.count() == 2


def test_status_and_healthz_say_the_index_is_missing(emptied, client):
    backend, _kept, _queued = emptied
    out = StringIO()
    call_command("search_status", stdout=out)
    output = out.getvalue()
    assert "Cluster: reachable" in output
    assert f"Alias: {backend.alias} -> MISSING" in output and "Run search_retry" in output
    assert "Pending retries: 2" in output
    health = client.get("/healthz").json()["search"]
    assert health["status"] == "degraded" and health["index"] == "missing"
    assert "search_retry" in health["action"] and health["retry_backlog"] == 2

    call_command("search_retry", stdout=StringIO())
    assert client.get("/healthz").json()["search"] == {"backend": "elasticsearch", "status": "ok", "retry_backlog": 0}
    out = StringIO()
    call_command("search_status", stdout=out)
    assert "MISSING" not in out.getvalue() and "(in sync)" in out.getvalue()


def test_only_one_search_retry_rebuilds_at_a_time(emptied):
    from django.core.cache import cache

    from search.management.commands.search_retry import REBUILD_LOCK

    cache.add(REBUILD_LOCK, 1)  # another machine is rebuilding
    with pytest.raises(CommandError, match="another search_retry is rebuilding it"):
        call_command("search_retry", stdout=StringIO())
    assert IndexRetry.objects.count() == 2
    cache.delete(REBUILD_LOCK)
    call_command("search_retry", stdout=StringIO())
    assert not IndexRetry.objects.exists()


def test_search_retry_rebuilds_a_missing_index_even_with_nothing_queued(es_settings):
    backend = es_settings
    kept = make_doc("Doorbell chime stays silent", "indexed before the restart")
    index_all(backend, kept)
    lose_the_index(backend)
    out = StringIO()
    call_command("search_retry", stdout=out)
    assert f"Rebuilt {backend.alias} -> " in out.getvalue()
    refresh(backend)
    assert keys(backend.search(SearchQuery("doorbell chime"))) == [kept.key]
