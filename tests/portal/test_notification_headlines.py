"""Every notification kind has its own headline, in English and Japanese; none says "Someone posted" (a badge
the site awarded) or "Morgan Moderator posted" (a reward a moderator granted)."""

import pytest
from django.utils import timezone, translation

from portal.models import Notification
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def make(kind: str, actor=None) -> Notification:
    return Notification(kind=kind, actor=actor, title="You earned the badge “First answer”", created_at=timezone.now())


@pytest.fixture
def moderator():
    return ProfileFactory(user=UserFactory(username="morgan"), display_name="Morgan Moderator").user


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_kind_has_its_own_headline(language, moderator):
    with translation.override(language):
        posted = translation.gettext("%(name)s posted") % {"name": "Morgan Moderator"}
        someone = translation.gettext("%(name)s posted") % {"name": translation.gettext("Someone")}
        headlines = {}
        for kind in Kind.values:
            for actor in (None, moderator):
                headline = make(kind, actor).headline
                assert headline and headline not in (posted, someone), (kind, actor, headline)
                assert "%(" not in headline
            headlines[kind] = make(kind).headline
        assert len(set(headlines.values())) == len(Kind.values), headlines  # no two kinds read the same


def test_rewards_headline_names_the_kind_not_the_actor(moderator):
    with translation.override("en"):
        assert make(Kind.REWARDS, moderator).headline == "Badges and rewards"
        assert make(Kind.REWARDS).headline == "Badges and rewards"
    with translation.override("ja"):
        assert make(Kind.REWARDS, moderator).headline == "バッジと特典"
        assert "Morgan" not in make(Kind.REWARDS, moderator).headline


def test_a_kind_without_a_headline_gets_a_neutral_one(moderator):
    with translation.override("en"):
        assert make("someday", moderator).headline == "New activity"
    with translation.override("ja"):
        assert make("someday", moderator).headline == "新しいお知らせ"


def test_every_headline_is_translated():
    """The Japanese site shows no English headline (and the English one no Japanese)."""
    for kind in Kind.values:
        with translation.override("en"):
            english = make(kind).headline
        with translation.override("ja"):
            japanese = make(kind).headline
        assert english != japanese, kind
