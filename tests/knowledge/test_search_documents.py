"""The search document of an article: its body in the article's own language, without footnote numbers."""

from django.utils import translation

from knowledge.importer import import_articles
from knowledge.models import ArticlePage
from knowledge.search_documents import article_fields
from tests.factories import make_article
from tests.knowledge.test_import import GOOD, write

JA = (
    GOOD.split("Intro paragraph.")[0].replace("language: en", "language: ja").replace("slug: reset-your-password", "slug: lock-ja")
    + "扉が重いと電池が早く減ります。電池は約1年もちます[^1]。\n\n> [!WARNING]\n> モーターが動いている間は回さないでください。\n\n"
    "> [!NOTE]\n> 単3形を使います。\n\n[^1]: 使い方によります。\n"
)


def test_a_japanese_articles_document_has_japanese_callout_labels_and_no_footnote_numbers(tmp_path, site, topic):
    write(tmp_path, "ja.md", JA)
    assert import_articles(tmp_path).created == ["ja.md"]
    page = ArticlePage.objects.get(slug="lock-ja")
    assert translation.get_language() == "en"  # as in a management command or an English request
    body = article_fields(page)["body"]
    assert "Warning" not in body and "Note" not in body
    assert "警告 モーターが動いている間は回さないでください。" in body and "注意 単3形を使います。" in body
    assert "もちます。" in body and " 1 " not in body and "1 。" not in body
    assert "使い方によります。" in body  # the note's own text is searchable
    assert translation.get_language() == "en"  # the page's language was only borrowed


def test_an_english_articles_document_keeps_its_labels_and_superscripts_an_editor_wrote(tmp_path, site, topic):
    page = make_article(topic, "Floor area", body=[
        {"type": "paragraph", "value": "<p>Covers 50 m<sup>2</sup>, see<sup><a href=\"#fn-1\">1</a></sup>.</p>"},
        {"type": "callout", "value": {"kind": "warning", "text": "<p>Links expire.</p>"}},
        {"type": "paragraph", "value": '<ol><li id="fn-1">A note.</li></ol>'},
    ])
    with translation.override("ja"):  # e.g. indexed while a Japanese request is active
        body = article_fields(page)["body"]
    assert "Warning Links expire." in body and "警告" not in body
    assert "Covers 50 m2, see." in body and "A note." in body  # inline tags leave no space (search.indexing.text_of)
