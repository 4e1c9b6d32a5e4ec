"""The Elasticsearch backend against osmem-server (or the cluster in ELASTICSEARCH_URL)."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from elastic_transport import ConnectionError as TransportConnectionError

import search.backends.elasticsearch as es_module
from search.backends.base import BackendUnavailable, SearchQuery
from search.backends.elasticsearch import ElasticsearchBackend, parse_text
from search.documents import build_index
from search.models import IndexRetry, SearchDocument
from tests.search.es_fixtures import cluster_compat, es_backend, es_settings, external_cluster, osmem_url, refresh

__all__ = ["es_backend", "es_settings", "osmem_url"]  # fixtures, imported for pytest

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def make_doc(title: str, body: str = "", *, kind: str = "article", language: str = "en", save: bool = True, **fields):
    object_id = fields.pop("object_id", None) or next(_ids)
    created = fields.pop("created_at", NOW - timedelta(days=10))
    doc = SearchDocument(
        kind=kind,
        object_id=object_id,
        url=fields.pop("url", f"/{kind}/{object_id}/"),
        title=title,
        body=body,
        language=language,
        created_at=created,
        updated_at=fields.pop("updated_at", created),
        **fields,
    )
    if save:
        doc.save()
    return doc


def index_all(backend, *docs) -> None:
    for doc in docs:
        backend.index(doc)
    refresh(backend)


def keys(results) -> list[str]:
    return [hit.key for hit in results.hits]


def facet(results, name: str) -> dict[str, tuple[int, bool]]:
    return {value.value: (value.count, value.selected) for value in results.facets[name]}


# ------------------------------------------------------------------------------------------- text


def test_parse_text_splits_phrases():
    assert parse_text('reset "two factor" login "x"') == ("reset login", ["two factor", "x"])
    assert parse_text('unbalanced "quote') == ("unbalanced quote", [])


def test_english_stemming_finds_singular_from_plural(es_backend):
    password = make_doc("How to reset a forgotten password", "Open the sign-in page and choose Forgot.")
    invoice = make_doc("Download your invoices", "Invoices are listed under Billing.")
    index_all(es_backend, password, invoice)

    assert keys(es_backend.search(SearchQuery("passwords"))) == [password.key]
    assert keys(es_backend.search(SearchQuery("invoice"))) == [invoice.key]


def test_typo_tolerance(es_backend):
    password = make_doc("How to reset a forgotten password", "Open the sign-in page.")
    refund = make_doc("Request a refund", "Refunds are paid within 14 days.")
    index_all(es_backend, password, refund)

    assert keys(es_backend.search(SearchQuery("pasword"))) == [password.key]
    assert keys(es_backend.search(SearchQuery("refnud"))) == [refund.key]
    assert es_backend.search(SearchQuery("zyxwvut")).total == 0


def test_japanese_queries(es_backend):
    password = make_doc("パスワードをリセットする方法", "ログイン画面の「パスワードを忘れた」を押してください。", language="ja")
    refund = make_doc("返金について", "払い戻しの手続きは購入から30日以内に行ってください。", language="ja", tags="refund")
    english = make_doc("Request a refund", "Refunds are paid within 14 days.")
    index_all(es_backend, password, refund, english)

    results = es_backend.search(SearchQuery("パスワード"))
    assert keys(results) == [password.key]
    assert "<mark>" in results.hits[0].title_html
    assert keys(es_backend.search(SearchQuery("払い戻し"))) == [refund.key]
    assert keys(es_backend.search(SearchQuery("返金"))) == [refund.key]
    # the language filter and facet
    results = es_backend.search(SearchQuery("refund", languages=("en",)))
    assert keys(results) == [english.key]


def test_phrase_query_in_quotes(es_backend):
    exact = make_doc("Account help", "To reset the password open settings.")
    scattered = make_doc("Password policy", "The password must be long; reset it yearly.")
    index_all(es_backend, exact, scattered)

    assert set(keys(es_backend.search(SearchQuery("reset password")))) == {exact.key, scattered.key}
    assert keys(es_backend.search(SearchQuery('"reset the password"'))) == [exact.key]
    assert keys(es_backend.search(SearchQuery('"password reset"'))) == []
    # a phrase and a free word together: both must match
    assert keys(es_backend.search(SearchQuery('"the password must" yearly'))) == [scattered.key]
    assert keys(es_backend.search(SearchQuery('"the password must" settings'))) == []


def test_accepted_answer_and_title_outrank_body(es_backend):
    in_body = make_doc("Printer setup", "Mention of the toner cartridge once.", kind="question")
    in_title = make_doc("Toner cartridge replacement", "How to change it.", kind="question")
    index_all(es_backend, in_body, in_title)
    assert keys(es_backend.search(SearchQuery("toner cartridge"))) == [in_title.key, in_body.key]


# ------------------------------------------------------------------------------ filters and facets


@pytest.fixture
def catalogue(es_backend):
    docs = {
        "a1": make_doc("Billing overview", "billing help", topic_slug="billing", topic_title="Billing & refunds", tags="billing invoice"),
        "a2": make_doc("Billing for teams", "billing seats", topic_slug="billing", topic_title="Billing & refunds", tags="billing"),
        "q1": make_doc("Billing question solved", "billing issue", kind="question", topic_slug="billing",
                       topic_title="Billing & refunds", tags="billing invoice", is_solved=True, answer_count=2),
        "q2": make_doc("Billing question open", "billing problem", kind="question", topic_slug="account",
                       topic_title="Account", tags="billing", answer_count=1),
        "q3": make_doc("Billing question unanswered", "billing confusion", kind="question", topic_slug="account",
                       topic_title="Account", tags="invoice", answer_count=0),
        "ja": make_doc("請求書 billing", "billing 日本語", language="ja", topic_slug="billing", topic_title="Billing & refunds", tags="invoice"),
    }
    index_all(es_backend, *docs.values())
    return docs


def test_facet_counts_without_filters(es_backend, catalogue):
    results = es_backend.search(SearchQuery("billing"))
    assert results.total == 6
    assert facet(results, "kind") == {"article": (3, False), "question": (3, False)}
    assert facet(results, "topic") == {"billing": (4, False), "account": (2, False)}
    assert {v.value: v.label for v in results.facets["topic"]} == {"billing": "Billing & refunds", "account": "Account"}
    assert facet(results, "tag") == {"billing": (4, False), "invoice": (4, False)}
    assert facet(results, "language") == {"en": (5, False), "ja": (1, False)}
    assert facet(results, "status") == {"solved": (1, False), "unanswered": (1, False)}
    assert results.backend == "elasticsearch"


def test_facets_reflect_the_other_filters(es_backend, catalogue):
    results = es_backend.search(SearchQuery("billing", kinds=("question",)))
    assert set(keys(results)) == {catalogue["q1"].key, catalogue["q2"].key, catalogue["q3"].key}
    # the kind facet ignores its own selection, the others count questions only
    assert facet(results, "kind") == {"article": (3, False), "question": (3, True)}
    assert facet(results, "topic") == {"billing": (1, False), "account": (2, False)}
    assert facet(results, "tag") == {"billing": (2, False), "invoice": (2, False)}


def test_combined_filters(es_backend, catalogue):
    # every selected tag must match
    results = es_backend.search(SearchQuery("billing", tags=("billing", "invoice")))
    assert set(keys(results)) == {catalogue["a1"].key, catalogue["q1"].key}
    assert facet(results, "tag")["billing"] == (2, True)

    results = es_backend.search(SearchQuery("billing", topics=("account",), status="unanswered"))
    assert keys(results) == [catalogue["q3"].key]
    assert facet(results, "status") == {"solved": (0, False), "unanswered": (1, True)}
    assert facet(results, "topic") == {"account": (1, True)}  # empty buckets are left out

    results = es_backend.search(SearchQuery("billing", status="solved", languages=("en",)))
    assert keys(results) == [catalogue["q1"].key]

    results = es_backend.search(SearchQuery("billing", kinds=("article",), languages=("ja",)))
    assert keys(results) == [catalogue["ja"].key]
    assert facet(results, "language") == {"en": (2, False), "ja": (1, True)}


def test_sort_newest_and_votes(es_backend):
    old = make_doc("Sync errors", "sync", kind="question", created_at=NOW - timedelta(days=30), votes=9)
    new = make_doc("Sync errors again", "sync", kind="question", created_at=NOW - timedelta(days=1), votes=1)
    mid = make_doc("Sync errors sometimes", "sync", kind="question", created_at=NOW - timedelta(days=5), votes=-3)
    index_all(es_backend, old, new, mid)

    assert keys(es_backend.search(SearchQuery("sync", sort="newest"))) == [new.key, mid.key, old.key]
    assert keys(es_backend.search(SearchQuery("sync", sort="votes"))) == [old.key, new.key, mid.key]


def test_votes_and_solved_boost_relevance(es_backend):
    plain = make_doc("Printer jams", "printer jams", kind="question")
    popular = make_doc("Printer jams", "printer jams", kind="question", votes=40, is_solved=True, answer_count=3)
    index_all(es_backend, plain, popular)
    assert keys(es_backend.search(SearchQuery("printer jams"))) == [popular.key, plain.key]


def test_pagination(es_backend):
    docs = [make_doc(f"Widget guide {n}", "widget", created_at=NOW - timedelta(days=n)) for n in range(5)]
    index_all(es_backend, *docs)

    pages = [es_backend.search(SearchQuery("widget", sort="newest", page=p, page_size=2)) for p in (1, 2, 3)]
    assert [keys(p) for p in pages] == [[docs[0].key, docs[1].key], [docs[2].key, docs[3].key], [docs[4].key]]
    assert all(p.total == 5 for p in pages)
    assert pages[0].pages == 3
    assert es_backend.search(SearchQuery("widget", page=4, page_size=2)).hits == []


def test_hit_fields(es_backend):
    doc = make_doc("Export data", "Export as CSV", kind="question", tags="export csv", topic_slug="data", topic_title="Data",
                   votes=3, answer_count=2, is_solved=True, helpful_ratio=None, url="/community/q/7/export-data/")
    index_all(es_backend, doc)
    hit = es_backend.search(SearchQuery("export")).hits[0]
    assert (hit.kind, hit.object_id, hit.url, hit.tags, hit.topic_title) == ("question", doc.object_id, doc.url, ["export", "csv"], "Data")
    assert (hit.votes, hit.answer_count, hit.is_solved, hit.language) == (3, 2, True, "en")
    assert hit.created_at == doc.created_at and hit.score > 0


# ---------------------------------------------------------------------------- writes and highlights


def test_delete_removes_and_is_idempotent(es_backend):
    doc = make_doc("Delete me pronto", "gone soon")
    keep = make_doc("Keep me pronto", "stays")
    index_all(es_backend, doc, keep)
    assert es_backend.search(SearchQuery("pronto")).total == 2

    es_backend.delete(doc.key)
    refresh(es_backend)
    assert keys(es_backend.search(SearchQuery("pronto"))) == [keep.key]
    es_backend.delete(doc.key)  # already gone: no error
    es_backend.delete("article:999999")


def test_reindex_updates_in_place(es_backend):
    doc = make_doc("Original heading", "text")
    index_all(es_backend, doc)
    doc.title = "Renamed heading"
    index_all(es_backend, doc)
    assert es_backend.count() == 1
    assert [h.title for h in es_backend.search(SearchQuery("heading")).hits] == ["Renamed heading"]


def test_highlight_marks_and_escapes(es_backend):
    evil = make_doc('<script>alert("x")</script> password tips', "Use a <b>long</b> password & a manager.")
    index_all(es_backend, evil)

    hit = es_backend.search(SearchQuery("password")).hits[0]
    assert "<mark>password</mark>" in hit.title_html
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<mark>password</mark>" in hit.snippet_html
    assert "<b>" not in hit.snippet_html and "&lt;b&gt;" in hit.snippet_html

    # a match in the title only: the snippet is the escaped start of the body
    hit = es_backend.search(SearchQuery("tips")).hits[0]
    assert "<mark>" not in hit.snippet_html
    assert hit.snippet_html.startswith("Use a &lt;b&gt;long&lt;/b&gt; password &amp;")


def test_snippet_fallback_is_short(es_backend):
    doc = make_doc("Quarterly report", "word " * 400)
    index_all(es_backend, doc)
    hit = es_backend.search(SearchQuery("quarterly")).hits[0]
    assert 100 < len(hit.snippet_html) <= 210


def test_suggest_by_prefix(es_backend):
    en = make_doc("Reset your password", "x")
    other = make_doc("Refund policy", "x")
    ja = make_doc("パスワードをリセットする方法", "x", language="ja")
    index_all(es_backend, en, other, ja)

    assert [s.title for s in es_backend.suggest("res")] == ["Reset your password"]
    assert [s.title for s in es_backend.suggest("pass")] == ["Reset your password"]  # a later word
    assert {s.title for s in es_backend.suggest("re")} == {"Reset your password", "Refund policy"}
    assert [s.title for s in es_backend.suggest("パス", language="ja")] == ["パスワードをリセットする方法"]
    assert es_backend.suggest("res", language="ja") == []
    suggestion = es_backend.suggest("refund", limit=1)[0]
    assert (suggestion.kind, suggestion.url, suggestion.language) == ("article", other.url, "en")
    assert es_backend.suggest("   ") == []


def test_suggest_falls_back_to_phrase_prefix(es_backend):
    ja = make_doc("パスワードをリセットする方法", "x", language="ja")
    index_all(es_backend, ja)
    # mid-title Japanese (no word boundary for the completion inputs): answered by match_phrase_prefix
    assert [s.title for s in es_backend.suggest("リセット", language="ja")] == [ja.title]
    assert es_backend.suggest("リセット", language="en") == []


def test_write_without_alias_does_not_create_an_index(osmem_url):
    backend = ElasticsearchBackend(osmem_url, compat=cluster_compat(), alias=f"missing-{next(_ids)}")
    with pytest.raises(BackendUnavailable):
        backend.index(make_doc("Orphan", "x", save=False))
    assert backend.managed_indexes() == [] and backend.alias_indexes() == []
    assert not backend.client.indices.exists(index=backend.alias)
    with pytest.raises(BackendUnavailable):
        backend.search(SearchQuery("orphan"))


# -------------------------------------------------------------------------------------- rebuild


def test_rebuild_swaps_alias_and_reports_throughput(es_settings):
    backend = es_settings
    old_index = backend.alias_indexes()
    stale = make_doc("Stale entry", "x", save=False, object_id=987654)
    index_all(backend, stale)  # in the old index only: the rebuild drops it
    docs = [make_doc(f"Rebuilt document {n}", "rebuild body") for n in range(25)]

    out = StringIO()
    call_command("search_rebuild", batch_size=10, stdout=out)

    new_index = backend.alias_indexes()
    assert len(new_index) == 1 and new_index != old_index
    assert backend.managed_indexes() == new_index  # the old index is deleted
    assert backend.count() == len(docs)
    assert backend.search(SearchQuery("rebuilt", page_size=50)).total == 25
    assert backend.search(SearchQuery("stale")).total == 0
    output = out.getvalue()
    assert "100% 25/25" in output
    assert "documents/s" in output and f"-> {new_index[0]}" in output


def test_interrupted_rebuild_leaves_alias_and_docs(es_settings, monkeypatch):
    backend = es_settings
    old_index = backend.alias_indexes()
    existing = make_doc("Existing document", "safe")
    index_all(backend, existing)
    for n in range(12):
        make_doc(f"Fresh document {n}", "fresh")

    real_bulk = es_module.streaming_bulk

    def failing_bulk(client, actions, **kwargs):
        for n, item in enumerate(real_bulk(client, actions, **kwargs)):
            if n == 5:
                raise TransportConnectionError("connection lost midway")
            yield item

    monkeypatch.setattr(es_module, "streaming_bulk", failing_bulk)
    err = StringIO()
    with pytest.raises(CommandError, match="connection lost midway"):
        call_command("search_rebuild", batch_size=3, stdout=StringIO(), stderr=err)

    assert backend.alias_indexes() == old_index
    assert backend.managed_indexes() == old_index  # the half-built index is gone
    assert keys(backend.search(SearchQuery("existing"))) == [existing.key]
    assert backend.search(SearchQuery("fresh")).total == 0
    assert "alias is unchanged" in err.getvalue()


def test_rebuild_interrupted_by_ctrl_c_cleans_up(es_settings, monkeypatch):
    backend = es_settings
    old_index = backend.alias_indexes()
    for n in range(4):
        make_doc(f"Doc {n}", "x")

    def interrupted(client, actions, **kwargs):
        yield True, {}
        raise KeyboardInterrupt

    monkeypatch.setattr(es_module, "streaming_bulk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        call_command("search_rebuild", stdout=StringIO(), stderr=StringIO())
    assert backend.alias_indexes() == old_index
    assert backend.managed_indexes() == old_index


def test_commands_without_elasticsearch(settings):
    settings.ELASTICSEARCH_URL = ""
    IndexRetry.objects.create(key="article:1", action="index")
    for command in ("search_rebuild", "search_retry", "search_status"):
        out = StringIO()
        call_command(command, stdout=out)
        assert "database" in out.getvalue(), command
    assert IndexRetry.objects.count() == 1


# --------------------------------------------------------------------------------- unavailability


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_cluster_raises_quickly():
    backend = ElasticsearchBackend(f"http://127.0.0.1:{_closed_port()}", compat="opensearch", alias="nowhere")
    doc = make_doc("Anything", "x", save=False)
    for call in (
        lambda: backend.search(SearchQuery("anything")),
        lambda: backend.suggest("any"),
        lambda: backend.index(doc),
        lambda: backend.delete(doc.key),
    ):
        started = time.monotonic()
        with pytest.raises(BackendUnavailable):
            call()
        assert time.monotonic() - started < 2
    assert backend.ping() is False


@pytest.fixture
def silent_server():
    """Accepts connections and never answers: a hung cluster."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve():
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    sock.close()


def test_hung_cluster_times_out_within_two_seconds(silent_server):
    backend = ElasticsearchBackend(silent_server, compat="opensearch", alias="hung")
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match="Timeout"):
        backend.search(SearchQuery("anything"))
    assert time.monotonic() - started < 2


@pytest.fixture
def plain_json_server():
    """An OpenSearch-like server: answers JSON without X-Elastic-Product and records the request headers."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            seen.append({k.lower(): v for k, v in self.headers.items()})
            payload = json.dumps({"version": {"number": "2.19.0", "distribution": "opensearch"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_opensearch_compat_node_sends_plain_json(plain_json_server):
    url, seen = plain_json_server
    assert ElasticsearchBackend(url, compat="opensearch", alias="x").ping()
    assert seen[-1]["accept"] == "application/json"
    # without the compat node the client refuses a server that is not Elasticsearch
    assert ElasticsearchBackend(url, alias="x").ping() is False
    assert "compatible-with=8" in seen[-1]["accept"]


def test_kuromoji_setting(settings, osmem_url):
    settings.SEARCH_JAPANESE_ANALYZER = "kuromoji"
    mapping = build_index("any").to_dict()["mappings"]["properties"]
    assert mapping["title"]["fields"]["ja"]["analyzer"] == "kuromoji"
    settings.SEARCH_JAPANESE_ANALYZER = "cjk"
    assert build_index("any").to_dict()["mappings"]["properties"]["body"]["fields"]["ja"]["analyzer"] == "cjk"
    if external_cluster():
        return  # a real cluster may lack the analysis-kuromoji plugin
    settings.SEARCH_JAPANESE_ANALYZER = "kuromoji"
    backend = ElasticsearchBackend(osmem_url, compat=cluster_compat(), alias=f"kuromoji-{next(_ids)}")
    backend.ensure_index()
    try:
        doc = make_doc("パスワードをリセットする方法", "設定画面から変更できます。", language="ja")
        index_all(backend, doc)
        assert keys(backend.search(SearchQuery("パスワード"))) == [doc.key]
        assert keys(backend.search(SearchQuery("設定"))) == [doc.key]
    finally:
        for name in backend.managed_indexes():
            backend.delete_index(name)


def test_default_compat_is_refused_by_opensearch_engines(osmem_url):
    if external_cluster():
        pytest.skip("osmem-specific: a real cluster may accept the Elasticsearch media type")
    plain = ElasticsearchBackend(osmem_url, compat="", alias="compat-check")
    with pytest.raises(BackendUnavailable):
        plain.search(SearchQuery("xylophone"))  # a word: a query of no words never reaches the engine
    assert ElasticsearchBackend(osmem_url, compat=cluster_compat(), alias="compat-check").ping()


# --------------------------------------------------------------------------------- retry and status


def test_search_retry_drains_backlog(es_settings):
    backend = es_settings
    missing = make_doc("Never indexed", "queued while the cluster was down")
    gone = make_doc("Deleted later", "x")
    index_all(backend, gone)
    gone_key = gone.key
    gone.delete()  # the row is gone but the index still has it
    IndexRetry.objects.create(key=missing.key, action="index", attempts=2, last_error="ConnectionTimeout")
    IndexRetry.objects.create(key=gone_key, action="delete")
    IndexRetry.objects.create(key="bogus", action="index")

    out = StringIO()
    call_command("search_retry", stdout=out)
    refresh(backend)

    assert IndexRetry.objects.count() == 0
    assert keys(backend.search(SearchQuery("never indexed"))) == [missing.key]
    assert backend.search(SearchQuery("deleted")).total == 0
    assert "Retried 3 documents" in out.getvalue()

    out = StringIO()
    call_command("search_retry", stdout=out)  # idempotent
    assert "No pending retries" in out.getvalue()
    assert backend.count() == 1


def test_search_retry_keeps_rows_when_cluster_down(settings):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{_closed_port()}"
    settings.ELASTICSEARCH_COMPAT = "opensearch"
    doc = make_doc("Queued", "x")
    IndexRetry.objects.create(key=doc.key, action="index")
    with pytest.raises(CommandError, match="unreachable"):
        call_command("search_retry", stdout=StringIO())
    assert IndexRetry.objects.get().key == doc.key


def test_search_retry_counts_failed_attempt(es_settings, monkeypatch):
    doc = make_doc("Flaky", "x")
    IndexRetry.objects.create(key=doc.key, action="index", attempts=1)

    def boom(self, doc):
        raise BackendUnavailable("Elasticsearch index failed: ConnectionTimeout")

    monkeypatch.setattr(ElasticsearchBackend, "index", boom)
    with pytest.raises(CommandError, match="failed again"):
        call_command("search_retry", stdout=StringIO())
    row = IndexRetry.objects.get()
    assert row.attempts == 2 and "ConnectionTimeout" in row.last_error


def test_search_status_output(es_settings):
    backend = es_settings
    docs = [make_doc(f"Status doc {n}", "x") for n in range(3)]
    index_all(backend, *docs[:2])
    IndexRetry.objects.create(key=docs[2].key, action="index", attempts=1, last_error="ConnectionTimeout")

    out = StringIO()
    call_command("search_status", stdout=out)
    output = out.getvalue()
    assert "Cluster: reachable" in output
    assert f"Alias: {backend.alias} -> {backend.alias_indexes()[0]}" in output
    assert "Documents: 2 in the index, 3 in the SearchDocument table" in output
    assert "Pending retries: 1 (oldest" in output and docs[2].key in output


def test_search_status_when_unreachable(settings):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{_closed_port()}"
    out = StringIO()
    call_command("search_status", stdout=out)
    assert "UNREACHABLE" in out.getvalue()
    assert "Pending retries: 0" in out.getvalue()
