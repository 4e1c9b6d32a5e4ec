"""App boundaries (issue 10, point 4): import-linter's contracts hold, and the registries through which
higher apps reach lower ones work — a registered page section shows, a registered cache stamp makes the
page cache stale, a registered document provider's documents are indexed, a health check is reported."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.core.cache import cache
from django.template import Template

from portal import extensions
from search import api as search_api
from search import indexing
from search.models import SearchDocument

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["devtools", "moderation", "community", "knowledge", "search", "portal"]  # highest first


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - our own venv's tool on our own tree
        [str(lint_imports), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_app_is_in_a_layer_and_only_the_composition_root_is_exempt():
    config = _config()
    apps = sorted(path.parent.name for path in ROOT.glob("*/apps.py"))
    assert sorted(config["root_packages"]) == apps  # a new app cannot escape the contracts
    contracts = {contract["id"]: contract for contract in config["contracts"]}
    assert [layer for layer in contracts["layers"]["layers"] if layer in apps] == [a for a in LAYERS if a in apps]
    assert contracts["acyclic"]["type"] == "acyclic_siblings" and sorted(contracts["acyclic"]["ancestors"]) == apps
    for ignored in contracts["layers"].get("ignore_imports", []):
        importer = ignored.split(" -> ")[0]
        # Only the composition root may import every app.
        assert importer in {"portal.urls", "portal.wsgi"} or importer.startswith("portal.settings."), ignored


# --- page sections and cache stamps ------------------------------------------------------------------------


@pytest.fixture
def registries(monkeypatch):
    """The registries as they are, restored after the test whatever it registers."""
    monkeypatch.setattr(extensions, "_sections", {kind: dict(items) for kind, items in extensions._sections.items()})
    monkeypatch.setattr(extensions, "_stamps", dict(extensions._stamps))
    monkeypatch.setattr(extensions, "_health_checks", dict(extensions._health_checks))
    monkeypatch.setattr(indexing, "_providers", dict(indexing._providers))


def test_a_registered_section_shows_on_the_home_and_topic_pages(client, site, topic, registries):
    section = extensions.PageSection(
        "test", lambda page, request: {"test_title": f"Extra for {page.title}"},
        template=Template('<p class="test-section">{{ test_title }}</p>'),
    )
    extensions.register_page_section("topic", section)
    extensions.register_page_section("home", section)
    assert '<p class="test-section">Extra for Billing &amp; refunds</p>' in client.get(topic.url).content.decode()
    assert '<p class="test-section">Extra for ' in client.get("/").content.decode()
    # Community's own section is still there, after ours in order.
    html = client.get(topic.url).content.decode()
    assert "From the community" in html
    extensions.unregister_page_section("topic", "test")
    cache.clear()
    assert "test-section" not in client.get(topic.url).content.decode()


def test_a_registered_stamp_makes_cached_pages_stale(client, site, topic, registries):
    value = {"n": 1}
    extensions.register_cache_stamp("test-stamp", lambda: value["n"])
    extensions.register_page_section("topic", extensions.PageSection(
        "test", lambda page, request: {"test_title": f"version {value['n']}"},
        template=Template("<p>{{ test_title }}</p>"), stamps=("test-stamp",),
    ))
    first = client.get(topic.url)
    assert first["X-Page-Cache"] == "miss" and "version 1" in first.content.decode()
    assert client.get(topic.url)["X-Page-Cache"] == "hit"
    value["n"] = 2  # the content this stamp follows changed
    again = client.get(topic.url)
    assert again["X-Page-Cache"] == "miss" and "version 2" in again.content.decode()
    assert client.get(topic.url)["X-Page-Cache"] == "hit"


def test_community_writes_refresh_the_topic_section_but_not_other_pages(client, site, topic, article, member):
    """The community stamp, registered by community, is what keeps topic pages fresh (as before)."""
    from community import services

    client.get(topic.url)
    client.get(article.url)
    services.ask_question(member, title="How do refunds reach my card", body="Which card is refunded?", topic=topic)
    fresh = client.get(topic.url)
    assert fresh["X-Page-Cache"] == "miss" and "How do refunds reach my card" in fresh.content.decode()
    assert client.get(article.url)["X-Page-Cache"] == "hit"


def test_registered_health_checks_appear_in_healthz(client, db, registries):
    extensions.register_health_check("test", lambda: {"status": "ok", "backend": "test"})
    body = client.get("/healthz").json()
    assert body["test"] == {"status": "ok", "backend": "test"}
    assert body["search"]["status"] == "ok" and body["database"]["status"] == "ok" and "tasks" in body


# --- search document providers ---------------------------------------------------------------------------------


class Notes:
    """A provider over an in-memory dict: what any app registers for its kind of document."""

    def __init__(self, notes: dict[int, str]):
        self.notes = notes

    def _fields(self, object_id: int) -> dict:
        from django.utils import timezone

        now = timezone.now()
        return {"url": f"/notes/{object_id}/", "title": self.notes[object_id], "body": f"Body of {self.notes[object_id]}",
                "language": "en", "created_at": now, "updated_at": now}

    def fields(self, object_id):
        return self._fields(object_id) if object_id in self.notes else None

    def documents(self, ids):
        return [(pk, self._fields(pk)) for pk in ids if pk in self.notes]

    def searchable_ids(self):
        return sorted(self.notes)

    def count(self):
        return len(self.notes)


def test_a_registered_providers_documents_are_indexed_and_removed(db, registries):
    notes = Notes({1: "Descaling the kettle", 2: "Pairing the remote"})
    search_api.register_document_provider("note", notes)
    search_api.reindex("note", 1)
    doc = SearchDocument.objects.get(kind="note", object_id=1)
    assert (doc.title, doc.url) == ("Descaling the kettle", "/notes/1/")
    hits = search_api.search(search_api.SearchQuery(text="kettle", kinds=("note",))).hits
    assert [hit.key for hit in hits] == ["note:1"]

    assert search_api.expected_count() == SearchDocument.objects.count() + 1  # note 2 is not indexed yet
    written = search_api.reindex_all()
    assert written["note"] == 2 and search_api.ensure_index() is False

    del notes.notes[1]  # no longer searchable: reindexing removes the document
    search_api.reindex("note", 1)
    assert not SearchDocument.objects.filter(kind="note", object_id=1).exists()
    search_api.remove("note", 2)
    assert not SearchDocument.objects.filter(kind="note").exists()
    with pytest.raises(LookupError):
        search_api.reindex("nothing-registered", 1)


def test_update_signals_is_one_update_and_refreshes_cached_results(db, registries, django_assert_num_queries):
    search_api.register_document_provider("note", Notes({7: "Resetting the hub"}))
    search_api.reindex("note", 7)
    before = search_api.generation()
    with django_assert_num_queries(1):
        assert search_api.update_signals("note", 7, votes=5, answer_count=2, is_solved=True, views=40) is True
    doc = SearchDocument.objects.get(kind="note", object_id=7)
    assert (doc.votes, doc.answer_count, doc.is_solved, doc.views, doc.title) == (5, 2, True, 40, "Resetting the hub")
    assert search_api.generation() != before  # cached result pages are keyed by it
    assert search_api.update_signals("note", 8, votes=1) is False  # not indexed: nothing written
    with pytest.raises(ValueError):
        search_api.update_signals("note", 7, title="Not a signal")
