"""The revision history's word diff: escaped, whitespace-insensitive, readable without colour."""

import pytest

from community.models import PostRevision
from community.pages import revision_history, same_words, word_diff


def test_word_diff_marks_removed_and_added_words_with_labels():
    html = word_diff("The hub blinks red", "The hub blinks green")
    assert html == (
        'The hub blinks <del><span class="visually-hidden">[removed: </span>red<span class="visually-hidden">]</span></del> '
        '<ins><span class="visually-hidden">[added: </span>green<span class="visually-hidden">]</span></ins>'
    )


def test_word_diff_ignores_whitespace_only_differences():
    assert same_words("Reset the hub.  ", "Reset  the\nhub.")
    assert not same_words("Reset the hub.", "Reset the hub!")
    html = word_diff("Reset the hub. \nThen wait.   ", "Reset the  hub.\nThen wait. It works.")
    assert "<del>" not in html  # trailing and doubled spaces are no change
    assert html.count("<ins>") == 1 and "</span>It works.<span" in html
    assert html.startswith("Reset the  hub.\nThen")  # the new text's spacing and line breaks are kept


def test_word_diff_escapes_every_piece():
    html = word_diff("<b>bold</b> text", "<i>it</i> text")
    assert "<b>" not in html and "<i>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&lt;i&gt;it&lt;/i&gt;" in html


@pytest.mark.django_db
def test_revision_history_shows_no_change_for_trailing_whitespace(question, asker):
    first = question.revisions.get()
    PostRevision.objects.create(
        question=question, number=2, editor=asker, title=first.title + " ", body=first.body.replace(" ", "  ") + "  \n",
        tags=first.tags, summary="spaces",
    )
    latest = revision_history(question)[0]
    assert latest["revision"].number == 2
    assert latest["title_diff"] is None and latest["body_diff"] is None and latest["tags_diff"] is None
