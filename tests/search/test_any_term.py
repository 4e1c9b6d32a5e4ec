"""The ask form's suggestions ("any term" mode) over the demo content, on both backends: a longer title
must still bring up the help article that answers it, however many questions share more of its words."""

import pytest
from django.db import connection
from django.utils import timezone, translation

from community.views.ask import suggestions
from search.backends import database
from search.backends.base import SearchQuery
from search.backends.database import DatabaseBackend
from search.models import SearchDocument
from tests.search.es_fixtures import es_backend, es_settings, osmem_url  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

TITLE = "Camera stops recording at night"
ARTICLE = "Nimbus Cam isn't recording events"


@pytest.fixture
def demo(shared_demo):
    """The demo, loaded once for every test that only reads it (tests/shared_demo.py)."""
    assert SearchDocument.objects.filter(kind="article", title=ARTICLE).exists()


def crowd(n: int = 25) -> None:
    """Questions sharing every word of the title: more than a page of them."""
    now = timezone.now()
    SearchDocument.objects.bulk_create(
        SearchDocument(
            kind="question", object_id=900_000 + i, url=f"/community/q/{900_000 + i}/x/", title=f"Outdoor camera stops recording at night ({i})",
            body="The camera stops every night.", accepted_text="Camera stops at night: restart the camera.",
            language="en", is_solved=True, answer_count=3, votes=5, created_at=now, updated_at=now,
        )
        for i in range(n)
    )


def suggested(title: str = TITLE, language: str = "en") -> tuple[list[str], list[str]]:
    with translation.override(language):
        context = suggestions(title)
    return [a["title"] for a in context["suggested_articles"]], [q["title"] for q in context["suggested_questions"]]


def test_ask_suggestions_keep_the_help_article_database(demo):
    articles, questions = suggested()
    assert ARTICLE in articles
    assert questions  # and the similar questions as well
    crowd()
    articles, questions = suggested()
    assert ARTICLE in articles
    assert len(questions) == 5 and all(title.startswith("Outdoor camera stops recording at night") for title in questions)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 best-titles cut exists on SQLite only")
def test_any_term_cut_is_taken_among_the_wanted_kind(demo, monkeypatch):
    """The best-titles cut (`ANY_TERM_ROWS`) keeps the best titles of the kind and language asked for, not
    the best titles overall that the kind filter then throws away."""
    crowd()
    monkeypatch.setattr(database, "ANY_TERM_ROWS", 5)
    query = SearchQuery(text="camera stops recording night", match="any", kinds=("article",), languages=("en",), page_size=4)
    titles = [hit.title for hit in DatabaseBackend().search(query).hits]
    assert ARTICLE in titles


def test_ask_suggestions_keep_the_help_article_elasticsearch(demo, es_settings):  # noqa: F811 - fixture
    crowd()
    es_settings.bulk_index(SearchDocument.objects.all(), es_settings.alias_indexes()[0])
    es_settings.refresh()
    articles, questions = suggested()
    assert ARTICLE in articles
    assert len(questions) == 5


def test_rarity_weights_make_a_common_word_count_little():
    from search.backends.db_ranking import rarity_weighted

    # terms: 0 "refund" (title of 1 row), 1 "nimbus" (title of 4 rows); masks: title bit 2i, tags bit 2i + 1
    masks = [0b0001, 0b0100, 0b0100, 0b0100, 0b0100 | 0b0001, 0b1000]
    refund, nimbus, _, _, both, tag_only = rarity_weighted([float(m) for m in masks], 2)
    assert refund > nimbus  # the rare word in the title beats the common one
    assert both == pytest.approx(refund + nimbus + 6)  # every term in the title: +6
    assert 0 < tag_only < nimbus  # in the tags only: 3 × the weight instead of 10 ×
    assert rarity_weighted([], 2) == []


def test_the_ask_form_ranks_a_title_sharing_the_rare_word_before_titles_sharing_the_brand(db):
    now = timezone.now()
    # Counting shared words, the four "Nimbus Plus" titles (two words each) came before "Request a refund" (one).
    titles = ["Nimbus Plus plans", "Cancel Nimbus Plus", "Fix a failed Nimbus Plus payment", "Nimbus Plus for cameras",
              "Request a refund"]
    SearchDocument.objects.bulk_create(
        SearchDocument(kind="article", object_id=800_000 + i, url=f"/help/{i}/", title=title, body="Help text.", language="en",
                       created_at=now, updated_at=now)
        for i, title in enumerate(titles)
    )
    query = SearchQuery(text="refund nimbus plus", match="any", kinds=("article",), languages=("en",), page_size=3)
    assert [hit.title for hit in DatabaseBackend().search(query).hits][0] == "Request a refund"
