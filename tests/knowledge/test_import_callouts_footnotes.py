"""GitHub admonitions and linked footnotes in imported Markdown (import audit B)."""

import pytest

from knowledge.importer import import_articles, markdown_to_blocks
from knowledge.models import ArticlePage
from tests.knowledge.test_import import GOOD, write

HEAD = GOOD.split("Intro paragraph.")[0]


@pytest.mark.parametrize(
    ("marker", "kind"),
    [("NOTE", "note"), ("TIP", "tip"), ("WARNING", "warning"), ("IMPORTANT", "note"), ("CAUTION", "warning"),
     ("important", "note"), ("Caution", "warning"), ("tip", "tip")],
)
def test_all_five_github_admonitions_become_callouts(marker, kind):
    notes: list[str] = []
    (callout,) = markdown_to_blocks(f"> [!{marker}]\n> Do **not** open the case.\n", notes)
    assert callout["type"] == "callout" and not notes
    assert callout["value"] == {"kind": kind, "text": "<p>Do <strong>not</strong> open the case.</p>"}


def test_the_audits_japanese_caution_is_a_warning_callout():
    (callout,) = markdown_to_blocks("> [!CAUTION]\n> 分解しないでください。\n")
    assert callout["value"] == {"kind": "warning", "text": "<p>分解しないでください。</p>"}


def test_an_unknown_admonition_stays_a_quote():
    (para,) = markdown_to_blocks("> [!DANGER]\n> Hot.\n")
    assert para["type"] == "paragraph" and "[!DANGER]" in para["value"] and "<blockquote>" in para["value"]


def test_footnote_numbers_link_to_their_notes(tmp_path, topic, client):
    write(tmp_path, "a.md", HEAD + "Matter uses IPv6[^ipv6] and port 5540[^port]. Again[^ipv6].\n\n"
          "[^port]: Open it on your firewall.\n[^ipv6]: Your router must allow IPv6.\n")
    assert import_articles(tmp_path).created == ["a.md"]
    page = ArticlePage.objects.get(slug="reset-your-password")
    assert page.body[0].value.source == (
        '<p>Matter uses IPv6<sup><a href="#fn-1" rel="noopener">1</a></sup> and port 5540'
        '<sup><a href="#fn-2" rel="noopener">2</a></sup>. Again<sup><a href="#fn-1" rel="noopener">1</a></sup>.</p>'
    )
    assert page.body[-2].value.source == (
        '<ol><li id="fn-1">Your router must allow IPv6.</li><li id="fn-2">Open it on your firewall.</li></ol>'
    )
    html = client.get(page.url).content.decode()  # Wagtail's rich text rendering keeps the ids
    assert '<li id="fn-1">' in html and '<li id="fn-2">' in html and 'href="#fn-2"' in html


def test_footnotes_of_faq_answers_get_ids_of_their_own(tmp_path, topic, client):
    write(tmp_path, "a.md", HEAD.replace(
        "    a: After 60 minutes.\n",
        '    a: "After 60 minutes[^1].\\n\\n[^1]: Or 30 for admins."\n'
        '  - q: Can I reuse it?\n    a: "No[^1].\\n\\n[^1]: Never."\n',
    ) + "Body note[^1].\n\n[^1]: The body's.\n")
    assert import_articles(tmp_path).created == ["a.md"]
    page = ArticlePage.objects.get(slug="reset-your-password")
    answers = [str(item["answer"]) for item in page.body[-1].value]
    assert answers == [
        '<p>After 60 minutes<sup><a href="#fn-faq1-1" rel="noopener">1</a></sup>.</p><ol><li id="fn-faq1-1">Or 30 for admins.</li></ol>',
        '<p>No<sup><a href="#fn-faq2-1" rel="noopener">1</a></sup>.</p><ol><li id="fn-faq2-1">Never.</li></ol>',
    ]
    html = client.get(page.url).content.decode()
    for anchor in ("fn-1", "fn-faq1-1", "fn-faq2-1"):
        assert html.count(f'id="{anchor}"') == 1 and f'href="#{anchor}"' in html
