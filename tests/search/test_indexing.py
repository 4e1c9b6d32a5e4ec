"""The search documents follow the content, and a full rebuild gives the same rows as live indexing."""

import pytest
from django.core.management import call_command

from community import services
from search import indexing
from search.models import SearchDocument
from tests.factories import UserFactory, make_article, make_topic

pytestmark = pytest.mark.django_db
FIELDS = ["url", "title", "body", "accepted_text", "tags", "topic_slug", "language", "is_solved", "answer_count", "votes"]


def snapshot():
    return {doc.key: {f: getattr(doc, f) for f in FIELDS} for doc in SearchDocument.objects.all()}


def test_rebuild_matches_live_indexing(site, monkeypatch):
    monkeypatch.setitem(services.RATE_LIMITS, "ask", (100, 100, 600))
    topic = make_topic(site["en"], "Setup", "setup", tags=["hub"])
    make_article(topic, "Set up the hub", tags=["hub"])
    asker, answerer, moderator = UserFactory(), UserFactory(), UserFactory(is_superuser=True)
    question = services.ask_question(asker, title="Hub light stays orange", body="Orange light since today.", tags="hub", topic=topic)
    first = services.post_answer(answerer, question, body="Restart the router first.")
    services.post_answer(moderator, question, body="Then hold the reset button.")
    services.accept_answer(asker, first)
    services.vote(answerer, question, 1)
    gone = services.ask_question(asker, title="A question to be deleted", body="Never mind.")
    services.delete_post(asker, gone)
    live = snapshot()
    assert f"question:{gone.pk}" not in live
    assert live[f"question:{question.pk}"]["accepted_text"] == "Restart the router first."
    assert live[f"question:{question.pk}"]["votes"] == 1 and live[f"question:{question.pk}"]["tags"] == "hub"
    indexing.reindex_all()
    assert snapshot() == live
    assert indexing.ensure_index() is False
    SearchDocument.objects.filter(kind="question").delete()
    assert indexing.ensure_index() is True and snapshot() == live


def test_search_reindex_command(site, capsys):
    topic = make_topic(site["en"])
    make_article(topic, "Request a refund")
    SearchDocument.objects.all().delete()
    call_command("search_reindex", "--if-needed")
    assert SearchDocument.objects.filter(kind="article").count() == 1
    call_command("search_reindex", "--if-needed")
    assert "up to date" in capsys.readouterr().out
