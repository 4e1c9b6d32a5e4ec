"""A member who may not vote yet (not enough reputation) sees why there are no vote buttons, with a link to
the privileges page; a member who can vote, the asker on their own question's page with no answers, and
anonymous visitors see no such note."""

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from community import services
from community.standing import privilege_thresholds
from tests.community.conftest import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def note(client, question, prefix=""):
    soup = BeautifulSoup(client.get(prefix + question.get_absolute_url()).content.decode(), "html.parser")
    return soup, soup.select_one("main .vote-why")


def test_a_member_without_the_reputation_is_told_why_and_where_to_read_more(client, asker, answerer, real_privileges):
    question = ask(asker, tags="")
    services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    soup, why = note(client, question)
    assert not soup.select("main .vote-button")
    points = privilege_thresholds()["upvote"]
    assert why is not None and f"{points} reputation point" in why.get_text()
    assert why.find("a")["href"] == reverse("community_privileges")
    _soup, why = note(client, question, "/ja")
    with translation.override("ja"):
        assert why.find("a")["href"] == reverse("community_privileges")
    assert "reputation" not in why.get_text()  # translated


def test_no_note_for_members_who_can_vote_nor_for_visitors(client, asker, answerer):
    question = ask(asker, tags="")
    services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
    assert note(client, question)[1] is None  # anonymous: the answer form invites them to sign in
    client.force_login(answerer)  # open privileges (tests' default): can vote on the question
    soup, why = note(client, question)
    assert soup.select("main .vote-button") and why is None


def test_the_asker_alone_on_their_own_question_gets_no_note(client, asker, real_privileges):
    question = ask(asker, tags="")
    client.force_login(asker)
    assert note(client, question)[1] is None  # nothing here they could vote on anyway
