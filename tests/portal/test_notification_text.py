"""Notification text is plain text, escaped exactly once where it is shown: the excerpt taken from a post's
rendered HTML has its tags removed *and* its entities decoded, keeps paragraphs and list items on their
own lines, and the emails say which language they are written in."""

import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.models import Notification
from portal.notifications import excerpt_from_html, text_from_html
from portal.sanitize import render_markdown
from portal.tasks import send_notification_email
from tests.factories import ProfileFactory, UserFactory

Kind = Notification.Kind


# --- HTML → plain text ---------------------------------------------------------------------------------------


def test_entities_are_decoded_once():
    html = render_markdown('Go to Settings > Device & "Restart relay" <script>alert(1)</script>')
    assert text_from_html(html) == 'Go to Settings > Device & "Restart relay" <script>alert(1)</script>'
    # An entity the member typed shows on the page as the character: the text says the same.
    assert text_from_html(render_markdown("a &gt; b and &amp;amp;")) == "a > b and &amp;"
    assert text_from_html(render_markdown("設定 > デバイス > 更新")) == "設定 > デバイス > 更新"


def test_paragraphs_and_list_items_keep_their_lines():
    """A blank line between paragraphs (a plain-text email's paragraphs), none between list items."""
    html = render_markdown("Please send:\n\n- the serial number\n- the firmware version\n  - from the app\n\nThanks")
    assert text_from_html(html) == (
        "Please send:\n\n- the serial number\n- the firmware version\n  - from the app\n\nThanks"
    )


def test_ordered_and_loose_lists_and_line_breaks():
    html = render_markdown("3. first\n4. second\n\n- loose\n\n- items\n\nline one  \nline two")
    assert text_from_html(html) == "3. first\n4. second\n\n- loose\n- items\n\nline one\nline two"
    assert text_from_html("<ol><li>a</li><li><p>b</p><p>more</p></li></ol>") == "1. a\n2. b\n   more"


def test_code_blocks_keep_their_lines_and_inline_markup_goes():
    html = render_markdown("Run **this**:\n\n```\nhub reset\n  --force\n```\n\nThen `check` it.")
    assert text_from_html(html) == "Run this:\n\nhub reset\n  --force\n\nThen check it."
    assert text_from_html(render_markdown("one\n\n---\n\ntwo")) == "one\n\ntwo"


def test_plain_text_and_empty_input():
    assert text_from_html("") == "" and text_from_html(None) == ""
    assert text_from_html("just   words\n here") == "just words here"
    assert text_from_html("<script>bad()</script><style>p{}</style>ok") == "ok"


def test_excerpt_is_cut_with_an_ellipsis():
    text = excerpt_from_html(render_markdown("word " * 200), limit=50)
    assert len(text) <= 50 and text.endswith("…")
    assert excerpt_from_html("<p>a &amp; b</p>") == "a & b"


# --- shown once-escaped --------------------------------------------------------------------------------------


@pytest.fixture
def asker(db):
    return ProfileFactory(user=UserFactory(username="asker"), display_name="Alice Chen").user


def _note(user, excerpt, **fields):
    return Notification.objects.create(
        recipient=user, kind=Kind.ANSWER, delivery=Notification.Delivery.EMAIL, dedupe_key="answer:1",
        title='Door "open" & <closed>', excerpt=excerpt, url="/community/q/1/door/", created_at=timezone.now(),
        language="en", **fields,
    )


def test_the_list_escapes_the_text_once_and_shows_its_lines(asker, client):
    _note(asker, "Go to Settings > Device & <script>x</script>\n- step one\n- step two")
    client.force_login(asker)
    page = client.get(reverse("notification_list")).content.decode()
    assert "Go to Settings &gt; Device &amp; &lt;script&gt;x&lt;/script&gt;<br>- step one<br>- step two" in page
    assert "&amp;gt;" not in page and "<script>x" not in page
    assert "Door &quot;open&quot; &amp; &lt;closed&gt;" in page


def test_emails_escape_the_text_once_and_keep_the_list(asker):
    note = _note(asker, "Go to Settings > Device & <b>\n- step one\n- step two")
    send_notification_email.call(note.pk)
    (message,) = mail.outbox
    assert "Go to Settings > Device & <b>\n- step one\n- step two" in message.body
    assert "&gt;" not in message.body and "&amp;" not in message.body
    html = message.alternatives[0][0]
    assert "Go to Settings &gt; Device &amp; &lt;b&gt;<br>- step one<br>- step two" in html
    assert "&amp;gt;" not in html and "<b>" not in html
    assert '<html lang="en">' in html


def test_a_japanese_email_says_it_is_japanese(db):
    hanako = ProfileFactory(user=UserFactory(username="hanako"), display_name="山田 花子", language="ja").user
    note = _note(hanako, "設定 > デバイス")
    note.language = "ja"
    note.save(update_fields=["language"])
    send_notification_email.call(note.pk)
    html = mail.outbox[0].alternatives[0][0]
    assert '<html lang="ja">' in html
    assert "設定 &gt; デバイス" in html and 'lang="ja"' in html.split("<body", 1)[1]


def test_an_english_email_sent_while_japanese_is_active_is_english(asker):
    from django.utils import translation

    note = _note(asker, "Hello")
    with translation.override("ja"):
        send_notification_email.call(note.pk)
    assert '<html lang="en">' in mail.outbox[0].alternatives[0][0]


# --- notifications stored before the fix -------------------------------------------------------------------


def test_the_data_migration_decodes_excerpts_taken_from_post_html(asker):
    migration = importlib.import_module("portal.migrations.0016_notification_excerpt_plain_text")
    now = timezone.now()
    rows = {
        key: Notification.objects.create(
            recipient=asker, kind=kind, dedupe_key=key, title="T", excerpt=excerpt, url="/", created_at=now,
        )
        for key, kind, excerpt in [
            ("answer:1", Kind.ANSWER, "Settings &gt; Device &amp; more"),
            ("comment:2", Kind.COMMENT, "a &lt;b&gt; c"),
            ("question:3", Kind.MENTION, "@asker &quot;hi&quot; &#x27;x&#x27;"),
            ("case-reply:4", Kind.SUPPORT, "設定 &gt; デバイス"),
            ("sanction:5", Kind.MODERATION, "Reason: &gt; typed by a moderator"),
        ]
    }
    migration.decode_excerpts(apps, None)
    texts = {key: note.excerpt for key, note in ((k, Notification.objects.get(pk=n.pk)) for k, n in rows.items())}
    assert texts == {
        "answer:1": "Settings > Device & more",
        "comment:2": "a <b> c",
        "question:3": "@asker \"hi\" 'x'",
        "case-reply:4": "設定 > デバイス",
        "sanction:5": "Reason: &gt; typed by a moderator",  # never came from HTML: left as typed
    }
