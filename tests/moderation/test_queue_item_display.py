"""What a review item page shows in words: the question as plain text (no Markdown syntax), and the
moderation history with labelled values, localized dates and translated system reasons."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from wagtail.users.models import UserProfile

from community import services
from moderation import flags, sanctions
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory
from tests.moderation.factories import item_for, make_moderator

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/queue/"
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def mod(db):
    return make_moderator("mod")


@pytest.fixture
def mod_client(mod):
    client = Client()
    client.force_login(mod)
    return client


def history_of(html: str) -> str:
    """The "Recent moderation actions" list, without the machine-readable datetime attributes."""
    history = html.split('class="moderation-history"', 1)[1].split("</ul>", 1)[0]
    return re.sub(r' datetime="[^"]*"', "", history)


def in_japanese(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "ja"
    profile.save()


def test_the_question_excerpt_is_plain_text_without_markdown(mod_client):
    question = QuestionFactory(
        title="Hub offline",
        body="My **hub** goes _offline_ every night.\n\nWhat I tried:\n\n- restart the `router`\n- [reset it](https://example.com/reset)\n\n# Logs\n\n> nothing",
    )
    item = item_for(AnswerFactory(question=question))
    html = mod_client.get(f"{QUEUE}{item.pk}/").content.decode()
    excerpt = html.split('id="question-excerpt"', 1)[1].split("</div>", 1)[0]
    for syntax in ("**", "_offline_", "`router`", "](", "# Logs", "&gt; nothing"):
        assert syntax not in excerpt
    assert "My hub goes offline every night." in excerpt
    assert "• restart the router<br>• reset it" in excerpt  # one line per list item
    assert "<strong>" not in excerpt and "<a " not in excerpt  # text, not the post's markup


@pytest.fixture
def silenced(mod):
    with time_machine.travel(NOW, tick=False):
        member = MemberFactory(username="quickdeals")
        sanctions.impose_sanction(mod, member, kind="silence", reason="Adverts.", days=7)
        item = item_for(QuestionFactory(author=member))
    return member, item


def test_the_history_shows_sanction_changes_in_words(silenced, mod_client):
    _member, item = silenced
    html = mod_client.get(f"{QUEUE}{item.pk}/").content.decode()
    history = history_of(html)
    assert "T10:00:00" not in history and "+00:00" not in history  # no raw ISO dates
    assert "restriction:" not in history and "measure:" not in history  # no raw keys
    assert "Restriction: none → Silenced (read-only) until Dec. 12, 2026" in history
    assert "Measure: — → Silenced (read-only)" in history


def test_the_history_in_japanese(silenced, mod, mod_client):
    in_japanese(mod)
    _member, item = silenced
    html = mod_client.get(f"{QUEUE}{item.pk}/").content.decode()
    history = history_of(html)
    assert "2026年12月12日" in history and "T10:00:00" not in history
    assert "Restriction" not in history and "Silenced" not in history


def test_a_system_reason_is_shown_in_the_readers_language(mod, mod_client):
    """Flags hid the post: the audit entry's reason is a fixed English sentence, shown translated."""
    question = QuestionFactory()
    services.hide_for_review(question, reason=flags.hide_reason(["spam"]))
    item = item_for(question)
    in_japanese(mod)
    html = mod_client.get(f"{QUEUE}{item.pk}/").content.decode()
    history = history_of(html)
    assert "Hidden until a moderator reviews it" not in history
    assert "スパム" in history


def test_lifting_a_sanction_is_described_in_words(silenced, mod, mod_client):
    member, item = silenced
    sanctions.lift_sanction(mod, member.sanctions.get(), reason="Apologised.")
    html = mod_client.get(f"{QUEUE}{item.pk}/").content.decode()
    history = history_of(html)
    assert "Restriction: Silenced (read-only) until Dec. 12, 2026" in history
    assert "silence #" not in history
