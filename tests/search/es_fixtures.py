"""Fixtures for the Elasticsearch backend tests.

`osmem_url` (session): an osmem-server (in-memory OpenSearch-compatible engine, PyPI `osmem-server`)
started on a free port for the test session and killed at its end, or the cluster named by the
`ELASTICSEARCH_URL` environment variable when set (then `ELASTICSEARCH_COMPAT` applies).
`es_backend` (function): an `ElasticsearchBackend` on a fresh alias with its first index; its indexes are
deleted afterwards. `es_settings`: the same backend made the configured one (commands, get_backend()).

Import them into a test module: ``from tests.search.es_fixtures import es_backend, es_settings, osmem_url``.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
import uuid

import pytest

from search.backends.elasticsearch import ElasticsearchBackend

STARTUP_TIMEOUT = 30.0


def _wait_until_answers(url: str, timeout: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=1) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout} s")
        time.sleep(0.05)


def external_cluster() -> str:
    return os.environ.get("ELASTICSEARCH_URL", "")


def cluster_compat() -> str:
    """osmem is an OpenSearch engine; a real cluster says what it is through ELASTICSEARCH_COMPAT."""
    return os.environ.get("ELASTICSEARCH_COMPAT", "") if external_cluster() else "opensearch"


@pytest.fixture(scope="session")
def osmem_url():
    """The URL of the search cluster for this session (osmem-server unless ELASTICSEARCH_URL is set)."""
    url = external_cluster()
    if url:
        yield url.rstrip("/")
        return
    try:
        from osmem_server import OsmemError, OsmemServer
    except ImportError as exc:  # pragma: no cover - it is in requirements-dev.txt
        pytest.skip(f"osmem-server is not installed ({exc}); pip install osmem-server")
    try:
        # addr 127.0.0.1:0 = a free port chosen by the OS; the server exits with this process too.
        server = OsmemServer.start(addr="127.0.0.1:0", startup_timeout=STARTUP_TIMEOUT)
    except (OsmemError, OSError) as exc:
        pytest.skip(f"the osmem-server binary cannot run on this machine: {exc}")
    try:
        _wait_until_answers(server.url)
        yield server.url
    finally:
        server.close(grace=2.0)


@pytest.fixture
def es_backend(osmem_url):
    """A backend on a fresh alias (`test-<random>`) with its first versioned index."""
    alias = f"test-{uuid.uuid4().hex[:12]}"
    backend = ElasticsearchBackend(osmem_url, compat=cluster_compat(), alias=alias)
    backend.ensure_index()
    yield backend
    for name in backend.managed_indexes():
        backend.delete_index(name)


@pytest.fixture
def es_settings(settings, es_backend):
    """Make `es_backend` the configured backend (management commands build theirs from settings)."""
    settings.ELASTICSEARCH_URL = es_backend.url
    settings.ELASTICSEARCH_COMPAT = es_backend.compat
    settings.SEARCH_INDEX_ALIAS = es_backend.alias
    return es_backend


def refresh(backend: ElasticsearchBackend) -> None:
    """Make every write so far visible to searches."""
    backend.refresh()
